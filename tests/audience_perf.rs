//! Load timing on a real file (not a test of behaviour; ignored by default):
//!
//! ```sh
//! node bench/audience.mjs --write-ndjson /tmp/p100k.ndjson --sizes 100000
//! KALEIDO_NDJSON=/tmp/p100k.ndjson cargo test --release --test audience_perf -- --ignored --nocapture
//! ```
//!
//! `KALEIDO_SERDE=1` also times parsing the file into `serde_json::Value`s.
//! Times are wall clock and CPU time of the thread (the machine may be shared).

use std::time::Instant;

use kaleido::{Audience, LoadOptions};

/// CPU seconds used by this thread so far (Linux; 0 elsewhere).
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // utime and stime are fields 14 and 15, the 12th and 13th after the ")".
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

#[test]
#[ignore = "timing on a generated file; run by hand"]
fn load_ndjson_timing() {
    let Ok(path) = std::env::var("KALEIDO_NDJSON") else {
        eprintln!("set KALEIDO_NDJSON to an NDJSON file");
        return;
    };
    let text = std::fs::read(&path).unwrap();
    if std::env::var("KALEIDO_SERDE").is_ok() {
        let (t, c) = (Instant::now(), cpu());
        let rows = text
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice::<serde_json::Value>(l).unwrap())
            .count();
        eprintln!(
            "serde_json::Value parse only: {rows} rows in {:?} ({:.2} s CPU)",
            t.elapsed(),
            cpu() - c
        );
    }
    let (t, c) = (Instant::now(), cpu());
    let aud = Audience::from_ndjson(&text, &LoadOptions::default()).unwrap();
    let el = t.elapsed();
    eprintln!(
        "from_ndjson: {} profiles, {} MB in {:?} ({:.2} s CPU, {:.2} µs/profile), {} B/profile",
        aud.size(),
        text.len() >> 20,
        el,
        cpu() - c,
        el.as_secs_f64() * 1e6 / aud.size() as f64,
        aud.memory_bytes() / aud.size().max(1)
    );
}
