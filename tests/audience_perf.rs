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

use kaleido::{Audience, EvalOptions, LoadOptions, Segment};

/// The rules of `bench/audience.mjs` (asOf 2025-12-01).
const RULES: &[(&str, &str)] = &[
    ("example 2", "gender = \"m\" and age between 25 and 34 and did purchase in last 30 days"),
    ("example 5", "did cart_add then did not purchase within 24 hours"),
    ("example 8", "sum(purchase.amount in last 365 days) > 500 or count(purchase in last 90 days) >= 3"),
    ("example 10", "interests contains any [\"hiking\", \"running\"] and city_size = \"urban\" and income_band >= 3"),
    ("10 conditions, selective", "consent.marketing and age between 25 and 44 and gender = \"f\" and country in [\"US\", \"CA\", \"GB\"] and orders_count >= 2 and total_spent > 100 and last_order_date within last 30 days and interests contains \"running\" and opens_90d >= 3 and not has_cart"),
    ("10 conditions, a third", "consent.marketing and age >= 21 and gender in [\"f\", \"m\"] and country not in [\"JP\", \"IN\"] and orders_count >= 0 and total_spent >= 0 and signup_date before 2025-10-01 and opens_90d >= 0 and not has_cart and income_band >= 1"),
];

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
            .fold(0usize, |n, v| n + usize::from(v.is_object()));
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
    // KALEIDO_COUNT=n: time each rule's cold `count` n times (best), as the bench does.
    let reps: usize = std::env::var("KALEIDO_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if reps == 0 {
        return;
    }
    let opts = EvalOptions::at("2025-12-01T00:00:00Z".parse().unwrap());
    for (name, rule) in RULES {
        let seg = Segment::parse(rule).unwrap();
        let mut best = f64::MAX;
        let mut n = 0;
        let c = cpu();
        for _ in 0..reps {
            aud.clear_cache();
            let t = Instant::now();
            n = aud.count(&seg, &opts).unwrap();
            best = best.min(t.elapsed().as_secs_f64() * 1e3);
        }
        eprintln!(
            "  {name}: {n} members, best {best:.2} ms, {:.2} ms CPU per count",
            (cpu() - c) * 1e3 / reps as f64
        );
    }
}
