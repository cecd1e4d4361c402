//! Scoring many customers fast: P(alive), expected purchases and the
//! probability of a purchase over one horizon, computed together with the
//! shared intermediate values, for lists of millions of histories.

use super::bgnbd::BgNbdParams;
use crate::error::{Error, ErrorKind, Result};

/// The three BG/NBD predictions for one history over one horizon.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BgNbdScore {
    /// P(alive | x, tₓ, T): [`BgNbdParams::p_alive`].
    pub p_alive: f64,
    /// E[purchases in the horizon]: [`BgNbdParams::expected_purchases`].
    pub expected_purchases: f64,
    /// P(at least one purchase in the horizon): [`BgNbdParams::prob_purchase_within`].
    pub purchase_probability: f64,
}

/// Same cap as the single-value ₂F₁ in `special.rs`.
const MAX_TERMS: usize = 100_000;

fn argument(message: String) -> Error {
    Error::new(ErrorKind::Argument, message)
}

impl BgNbdParams {
    /// [`BgNbdParams::p_alive`], [`BgNbdParams::expected_purchases`] and
    /// [`BgNbdParams::prob_purchase_within`] at once, with the same values
    /// (to rounding) and errors, about three times cheaper than the three
    /// calls: the dropout odds and the power term are computed once, and the
    /// ₂F₁ series reuses each term ratio for its convergence bound.
    ///
    /// ```
    /// use kaleido::predict::BgNbdParams;
    /// let m = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// let s = m.score(39.0, 2.0, 30.43, 38.86).unwrap();
    /// assert!((s.expected_purchases - 1.226).abs() < 0.001);
    /// assert_eq!(s.p_alive, m.p_alive(2.0, 30.43, 38.86).unwrap());
    /// ```
    pub fn score(&self, horizon: f64, frequency: f64, recency: f64, t: f64) -> Result<BgNbdScore> {
        let (r, alpha, a, b, x) = (self.r, self.alpha, self.a, self.b, frequency);
        let params_ok = [r, alpha, a, b].iter().all(|v| v.is_finite() && *v > 0.0);
        let history_ok = x.is_finite()
            && x >= 0.0
            && recency.is_finite()
            && recency >= 0.0
            && t.is_finite()
            && recency <= t;
        let fast = params_ok
            && history_ok
            && horizon.is_finite()
            && horizon > 0.0
            && (a - 1.0).abs() >= 1e-6
            && a + b + x - 1.0 > 0.0;
        if !fast {
            // Rare and error cases: the single-value functions decide.
            return Ok(BgNbdScore {
                p_alive: self.p_alive(x, recency, t)?,
                expected_purchases: self.expected_purchases(horizon, x, recency, t)?,
                purchase_probability: self.prob_purchase_within(horizon, x, recency, t)?,
            });
        }
        let rx = r + x;
        let dead_odds = if x == 0.0 {
            0.0
        } else {
            (a / (b + x - 1.0)) * ((alpha + t) / (alpha + recency)).powf(rx)
        };
        let p_alive = 1.0 / (1.0 + dead_odds);
        let ln_pow = -rx * (horizon / (alpha + t)).ln_1p();
        let purchase_probability = (p_alive * -ln_pow.exp_m1()).clamp(0.0, 1.0);
        // ₂F₁(r+x, b+x; c; z), c = a+b+x−1, z = h/(α+T+h).
        let (fa, fb, c) = (rx, b + x, a + b + x - 1.0);
        let z = horizon / (alpha + t + horizon);
        let (mut term, mut sum, mut shift) = (1.0f64, 1.0f64, 0.0f64);
        let mut ratio = fa * fb / c * z;
        let mut converged = false;
        for n in 0..MAX_TERMS {
            term *= ratio;
            sum += term;
            if sum > 1e200 {
                sum *= 1e-200;
                term *= 1e-200;
                shift += 200.0 * std::f64::consts::LN_10;
            }
            let nf = (n + 1) as f64;
            ratio = (fa + nf) * (fb + nf) / ((c + nf) * (nf + 1.0)) * z;
            let rho = ratio.max(z);
            if rho < 1.0 && term * rho / (1.0 - rho) <= 1e-16 * sum {
                converged = true;
                break;
            }
        }
        if !converged {
            return Err(Error::new(
                ErrorKind::Limit,
                format!("hypergeometric series did not converge in {MAX_TERMS} terms (horizon {horizon} far beyond alpha + T)"),
            ));
        }
        let bracket = -(ln_pow + sum.ln() + shift).exp_m1();
        let expected = c / (a - 1.0) * bracket * p_alive;
        if !expected.is_finite() {
            return Err(Error::new(
                ErrorKind::Limit,
                "expected purchases overflowed f64",
            ));
        }
        Ok(BgNbdScore {
            p_alive,
            expected_purchases: expected.max(0.0),
            purchase_probability,
        })
    }
}

/// A small multiplicative hasher, finished by an avalanche, for the score memo (keys are three f64 bit
/// patterns; SipHash would cost more than it saves).
#[derive(Default)]
struct MulHasher(u64);

impl std::hash::Hasher for MulHasher {
    fn finish(&self) -> u64 {
        // MurmurHash3's fmix64: every input bit reaches the low bits the
        // table indexes by (whole-number f64s have all-zero low bits).
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Scores many histories given as columns, computing each distinct
/// (x, tₓ, T) once: lists measured in days repeat histories a lot (every
/// customer without repeat purchases of the same age shares one). Values are
/// those of [`BgNbdParams::score`]. Errors carry the 0-based row at fault.
pub fn score_columns(
    params: &BgNbdParams,
    horizon: f64,
    frequency: &[f64],
    recency: &[f64],
    t: &[f64],
) -> std::result::Result<Vec<BgNbdScore>, (usize, Error)> {
    use std::collections::HashMap;
    type Memo = HashMap<(u64, u64, u64), BgNbdScore, std::hash::BuildHasherDefault<MulHasher>>;
    let mut memo = Memo::default();
    let mut out = Vec::with_capacity(frequency.len());
    for (i, ((&x, &tx), &big_t)) in frequency.iter().zip(recency).zip(t).enumerate() {
        // tₓ does not matter without repeat purchases.
        let tx_key = if x == 0.0 { 0.0f64 } else { tx };
        let key = (x.to_bits(), tx_key.to_bits(), big_t.to_bits());
        let s = match memo.get(&key) {
            Some(s) => *s,
            None => {
                let s = params.score(horizon, x, tx, big_t).map_err(|e| (i, e))?;
                if memo.len() < 1 << 20 {
                    memo.insert(key, s);
                }
                s
            }
        };
        out.push(s);
    }
    Ok(out)
}

/// Checks a horizon for [`BgNbdParams::score`] callers that want the error
/// before scoring a list.
pub fn check_horizon(horizon: f64) -> Result<()> {
    if horizon.is_finite() && horizon >= 0.0 {
        Ok(())
    } else {
        Err(argument(format!(
            "horizon must be a finite number >= 0, got {horizon}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::simulate_bg_nbd;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * (1.0 + b.abs())
    }

    #[test]
    fn score_agrees_with_the_single_value_functions() {
        let models = [
            BgNbdParams {
                r: 0.243,
                alpha: 4.414,
                a: 0.793,
                b: 2.426,
                log_likelihood: 0.0,
            },
            BgNbdParams {
                r: 2.5,
                alpha: 30.0,
                a: 3.0,
                b: 0.4,
                log_likelihood: 0.0,
            },
            BgNbdParams {
                r: 0.3,
                alpha: 2.0,
                a: 1.0,
                b: 2.0,
                log_likelihood: 0.0,
            },
            BgNbdParams {
                r: 0.3,
                alpha: 2.0,
                a: 0.2,
                b: 0.3,
                log_likelihood: 0.0,
            },
        ];
        let ages: Vec<f64> = (0..400).map(|i| f64::from(i % 60)).collect();
        for m in &models {
            let rows = simulate_bg_nbd(m, &ages, 3);
            for &(x, tx, t) in &rows {
                for h in [0.0, 1.0, 13.0, 90.0, 365.0] {
                    let s = m.score(h, x, tx, t);
                    let e = m.expected_purchases(h, x, tx, t);
                    match (s, e) {
                        (Ok(s), Ok(e)) => {
                            assert!(
                                close(s.p_alive, m.p_alive(x, tx, t).unwrap()),
                                "{m:?} {x} {tx} {t}"
                            );
                            assert!(
                                close(s.expected_purchases, e),
                                "{m:?} {h} {x} {tx} {t}: {} vs {e}",
                                s.expected_purchases
                            );
                            let p = m.prob_purchase_within(h, x, tx, t).unwrap();
                            assert!(
                                close(s.purchase_probability, p),
                                "{} vs {p}",
                                s.purchase_probability
                            );
                        }
                        (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind()),
                        (s, e) => panic!("{s:?} vs {e:?}"),
                    }
                }
            }
        }
        let m = models[0];
        assert_eq!(
            m.score(1.0, 1.0, 5.0, 4.0).unwrap_err().kind(),
            ErrorKind::Argument
        );
        assert_eq!(
            m.score(f64::NAN, 1.0, 1.0, 4.0).unwrap_err().kind(),
            ErrorKind::Argument
        );
        assert!(check_horizon(-1.0).is_err() && check_horizon(0.0).is_ok());
        // The memoised column version gives the same values, and the row of an error.
        let rows = simulate_bg_nbd(&m, &ages, 9);
        let (xs, txs, ts): (Vec<f64>, Vec<f64>, Vec<f64>) = (
            rows.iter().map(|r| r.0).collect(),
            rows.iter().map(|r| r.1).collect(),
            rows.iter().map(|r| r.2).collect(),
        );
        let all = score_columns(&m, 30.0, &xs, &txs, &ts).unwrap();
        for (s, r) in all.iter().zip(&rows) {
            assert_eq!(*s, m.score(30.0, r.0, r.1, r.2).unwrap());
        }
        let err = score_columns(&m, 30.0, &[1.0, 1.0], &[1.0, 9.0], &[5.0, 5.0]).unwrap_err();
        assert_eq!(err.0, 1);
    }
}
