//! Renders the benchmark email (tests/data/bench-email.j2) for profiles
//! read as JSON lines, natively, to profile the render path without the
//! JS boundary (for example under `valgrind --tool=callgrind`).
//!
//!   cargo run --release --example render_phases -- profiles.jsonl [rounds]

use std::time::Instant;

use kaleido::{RenderOptions, Template};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .ok_or("usage: render_phases profiles.jsonl [rounds]")?;
    let rounds: usize = args.get(2).map_or(Ok(20), |r| r.parse())?;
    let lines: Vec<String> = std::fs::read_to_string(path)?
        .lines()
        .map(str::to_owned)
        .collect();
    let source = include_str!("../tests/data/bench-email.j2");
    let template = Template::compile(source)?;
    let mut opts = RenderOptions::at("2025-01-31T12:00:00Z".parse()?);
    opts.locale = Some("en-US".into());
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..rounds {
        for line in &lines {
            bytes += template.render_json(line, &opts)?.len();
        }
    }
    let n = rounds * lines.len();
    println!(
        "{n} renders, {:.2} us each, {bytes} bytes",
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    Ok(())
}
