//! Times the phases of deriving predicted fields on a synthetic list of
//! profiles with events: reading the histories, fitting, deriving each
//! profile's fields, and the Audience path (first count of a rule reading
//! `churn_risk`).
//!
//!   cargo run --release --example predict_phases [-- 100000]

use std::time::Instant;

use chrono_tz::Tz;
use kaleido::predict::{profile_history, DeriveOptions, Predictor};
use kaleido::{parse_as_of, Audience, EvalOptions, LoadOptions, Segment};
use serde_json::{json, Value};

/// SplitMix64, uniform on (0, 1).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        (-2.0 * self.next().ln()).sqrt() * (2.0 * std::f64::consts::PI * self.next()).cos()
    }
    fn gamma(&mut self, shape: f64, rate: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0, rate) * self.next().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let z = self.normal();
            let v = 1.0 + c * z;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            if self.next().ln() < 0.5 * z * z + d - d * v + d * v.ln() {
                return d * v / rate;
            }
        }
    }
    fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        x / (x + self.gamma(b, 1.0))
    }
}

/// `n` profiles: BG/NBD purchases (per day) over the last 180–365 days,
/// a few email opens, a page view, zones and sign-up dates on some.
fn profiles(n: usize) -> Vec<Value> {
    let mut rng = Rng(7);
    let as_of = 20_000.0; // day number of 2024-10-04
    let ts = |day: f64| {
        let secs = (day * 86_400.0).round() as i64;
        chrono::DateTime::from_timestamp(secs, 0)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    (0..n)
        .map(|i| {
            let age = 180.0 + (i % 186) as f64;
            let lambda = rng.gamma(0.25, 4.0 * 7.0);
            let drop = rng.beta(0.8, 2.5);
            let mut events = Vec::new();
            let nu = rng.gamma(6.0, 15.0 / 4.0 * 4.0);
            let mut t = 0.0;
            let mut first = true;
            loop {
                if !first {
                    t += -rng.next().ln() / lambda;
                }
                if t > age {
                    break;
                }
                let amount = (rng.gamma(6.0, nu) * 100.0).round() / 100.0;
                if first && rng.next() < 0.3 {
                    break; // never bought
                }
                first = false;
                events.push(json!({"type": "purchase", "at": ts(as_of - age + t + 0.3), "amount": amount}));
                if rng.next() < drop {
                    break;
                }
            }
            for k in 0..(i % 4) {
                events.push(json!({"type": "email_open", "at": ts(as_of - 3.0 - 7.0 * k as f64 + (i % 24) as f64 / 24.0)}));
            }
            if i % 3 == 0 {
                events.push(json!({"type": "page_view", "at": ts(as_of - 1.5), "path": "/"}));
            }
            let mut p = json!({"id": i, "email": format!("u{i}@example.com"), "events": events});
            if i % 3 == 0 {
                p["timezone"] = json!("America/New_York");
            }
            if i % 4 == 0 {
                p["signup_date"] = json!(ts(as_of - age).get(..10).unwrap());
            }
            p
        })
        .collect()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let profiles = profiles(n);
    let events: usize = profiles
        .iter()
        .map(|p| p["events"].as_array().map_or(0, Vec::len))
        .sum();
    println!("{n} profiles, {events} events");
    let as_of = parse_as_of("2024-10-04T12:00:00Z", Tz::UTC).unwrap();
    let opts = DeriveOptions::new(as_of, Tz::UTC);

    let t = Instant::now();
    let histories: Vec<_> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| profile_history(i, p, &opts).unwrap())
        .collect();
    println!("history summary       {:>8.1} ms", ms(t));

    let t = Instant::now();
    let predictor = Predictor::from_histories(&histories, &opts);
    println!("fit (from_histories)  {:>8.1} ms", ms(t));
    let model = predictor.model();
    println!("  {}", model);

    let t = Instant::now();
    let mut clv = 0.0;
    for h in &histories {
        let f = predictor.derive_history(h);
        clv += f["predicted_clv"].as_f64().unwrap_or(0.0);
    }
    println!(
        "derive per profile    {:>8.1} ms  (sum CLV {clv:.3})",
        ms(t)
    );
    let t = Instant::now();
    let all = predictor.derive_histories(&histories);
    println!("derive_histories      {:>8.1} ms", ms(t));
    for (h, f) in histories.iter().zip(&all) {
        assert_eq!(&predictor.derive_history(h), f);
    }

    let t = Instant::now();
    let aud = Audience::from_records(&profiles, &LoadOptions::default()).unwrap();
    println!("Audience load         {:>8.1} ms", ms(t));
    let eval = EvalOptions::at(as_of);
    let rule = Segment::parse("churn_risk > 0.7").unwrap();
    let t = Instant::now();
    let c = aud.count(&rule, &eval).unwrap();
    println!("Audience first count  {:>8.1} ms  ({c} members)", ms(t));
    let t = Instant::now();
    let c2 = aud.count(&rule, &eval).unwrap();
    println!("Audience second count {:>8.1} ms  ({c2} members)", ms(t));
    assert_eq!(c, c2);
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}
