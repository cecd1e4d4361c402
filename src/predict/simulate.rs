//! Synthetic customers drawn from known parameters, for recovery tests and
//! benchmarks: a SplitMix64 generator, Marsaglia–Tsang gamma variates and
//! beta variates from two gammas. Deterministic for a given seed on every
//! platform.

use super::bgnbd::BgNbdParams;
use super::gamma_gamma::GammaGammaParams;

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, passes BigCrush.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on (0, 1): 53 random bits, never exactly 0 or 1.
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal by Box–Muller (one of the pair).
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Gamma(shape, rate) by Marsaglia & Tsang (2000); shapes below 1 via
    /// Gamma(shape + 1) · U^(1/shape).
    fn gamma(&mut self, shape: f64, rate: f64) -> f64 {
        if shape < 1.0 {
            let boost = self.uniform().powf(1.0 / shape);
            return self.gamma(shape + 1.0, rate) * boost;
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
            let u = self.uniform();
            if u.ln() < 0.5 * z * z + d - d * v + d * v.ln() {
                return d * v / rate;
            }
        }
    }

    fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        let y = self.gamma(b, 1.0);
        if x + y > 0.0 {
            x / (x + y)
        } else {
            0.5
        }
    }

    fn exponential(&mut self, rate: f64) -> f64 {
        -self.uniform().ln() / rate
    }
}

/// Draws one customer per entry of `ages` (T, the time from first purchase to
/// the end of observation) from the BG/NBD process: λ ~ Gamma(r, α),
/// p ~ Beta(a, b); purchases arrive as a Poisson process of rate λ after the
/// first at time 0, and after each repeat purchase the customer drops out
/// with probability p. Returns (x, tₓ, T) rows. Invalid parameters
/// (non-positive or non-finite) yield customers without repeat purchases.
///
/// ```
/// use kaleido::predict::{simulate_bg_nbd, BgNbdParams};
/// let truth = BgNbdParams { r: 0.25, alpha: 4.0, a: 0.8, b: 2.5, log_likelihood: 0.0 };
/// let rows = simulate_bg_nbd(&truth, &[39.0; 100], 7);
/// assert_eq!(rows.len(), 100);
/// assert!(rows.iter().all(|&(x, tx, t)| x >= 0.0 && tx <= t));
/// ```
pub fn simulate_bg_nbd(params: &BgNbdParams, ages: &[f64], seed: u64) -> Vec<(f64, f64, f64)> {
    let mut rng = SplitMix64(seed);
    let valid = [params.r, params.alpha, params.a, params.b]
        .iter()
        .all(|v| v.is_finite() && *v > 0.0);
    ages.iter()
        .map(|&t| {
            if !(valid && t.is_finite() && t > 0.0) {
                return (0.0, 0.0, t.max(0.0));
            }
            let lambda = rng.gamma(params.r, params.alpha);
            let p = rng.beta(params.a, params.b);
            let (mut x, mut tx, mut now) = (0.0, 0.0, 0.0);
            loop {
                now += rng.exponential(lambda.max(f64::MIN_POSITIVE));
                if now > t {
                    break;
                }
                x += 1.0;
                tx = now;
                if rng.uniform() < p {
                    break;
                }
            }
            (x, tx, t)
        })
        .collect()
}

/// Draws the mean transaction value of customers with the given numbers of
/// repeat purchases from the Gamma-Gamma model: ν ~ Gamma(q, v), each value
/// ~ Gamma(p, ν). Returns (x, m) rows; m = 0 where x = 0.
///
/// ```
/// use kaleido::predict::{simulate_gamma_gamma, GammaGammaParams};
/// let truth = GammaGammaParams { p: 6.0, q: 4.0, v: 15.0, log_likelihood: 0.0 };
/// let rows = simulate_gamma_gamma(&truth, &[1.0, 3.0, 0.0], 1);
/// assert!(rows[0].1 > 0.0 && rows[2].1 == 0.0);
/// ```
pub fn simulate_gamma_gamma(
    params: &GammaGammaParams,
    frequencies: &[f64],
    seed: u64,
) -> Vec<(f64, f64)> {
    let mut rng = SplitMix64(seed);
    let valid = [params.p, params.q, params.v]
        .iter()
        .all(|v| v.is_finite() && *v > 0.0);
    frequencies
        .iter()
        .map(|&x| {
            let n = if x.is_finite() && x >= 1.0 {
                x.floor() as u64
            } else {
                0
            };
            if !valid || n == 0 {
                return (x, 0.0);
            }
            let nu = rng.gamma(params.q, params.v);
            let total: f64 = (0..n).map(|_| rng.gamma(params.p, nu)).sum();
            (x, total / n as f64)
        })
        .collect()
}
