//! The BG/NBD model of Fader, Hardie & Lee (2005), "Counting Your Customers
//! the Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science
//! 24(2): maximum-likelihood fit and the per-customer predictions.
//!
//! Notation as in the paper: a customer's history is (x, tₓ, T) = (number of
//! repeat purchases, time of the last one since the first purchase, time from
//! the first purchase to the end of observation), all in one time unit
//! (weeks for CDNOW, days in the browser: the parameters are per unit).

use std::cell::Cell;
use std::collections::HashMap;

use super::optimize::{minimize, minimize_smooth, Settings};
use super::special::{digamma, ln_gamma, ln_hyp2f1, log_add_exp};
use crate::error::{Error, ErrorKind, Result};

/// Fitted BG/NBD parameters: purchase rates λ ~ Gamma(shape `r`, rate
/// `alpha`), dropout probability after each repeat purchase p ~ Beta(`a`, `b`).
///
/// ```
/// use kaleido::predict::BgNbdParams;
/// // The CDNOW estimates of Fader, Hardie & Lee (2005), in weeks.
/// let m = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: -9582.4 };
/// let alive = m.p_alive(2.0, 30.43, 38.86).unwrap();
/// assert!(alive > 0.0 && alive < 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BgNbdParams {
    /// Shape of the Gamma distribution of purchase rates.
    pub r: f64,
    /// Rate (inverse scale) of the Gamma distribution of purchase rates, in time units.
    pub alpha: f64,
    /// First shape of the Beta distribution of dropout probabilities.
    pub a: f64,
    /// Second shape of the Beta distribution of dropout probabilities.
    pub b: f64,
    /// Log-likelihood of the data at these parameters (0 when not from a fit).
    pub log_likelihood: f64,
}

/// Groups of identical (x, tₓ, T) rows: the likelihood is a weighted sum,
/// which makes fits on large lists (many identical daily histories) cheap.
struct Groups {
    /// Distinct x values.
    xs: Vec<f64>,
    /// For each distinct x, its rows: (tₓ, T, count).
    rows: Vec<Vec<(f64, f64, f64)>>,
    /// Total count per distinct x.
    counts: Vec<f64>,
    n: f64,
}

fn data_error(row: usize, field: &str, message: String) -> Error {
    Error::new(ErrorKind::Data, message).with_row_field(Some(row as u64 + 1), Some(field.into()))
}

/// Checks one (x, tₓ, T) history; `row` is 0-based.
fn check_row(row: usize, x: f64, tx: f64, t: f64) -> Result<()> {
    if !(x.is_finite() && x >= 0.0) {
        return Err(data_error(
            row,
            "frequency",
            format!("frequency must be a finite number >= 0, got {x}"),
        ));
    }
    if !(tx.is_finite() && tx >= 0.0) {
        return Err(data_error(
            row,
            "recency",
            format!("recency must be a finite number >= 0, got {tx}"),
        ));
    }
    if !(t.is_finite() && t >= 0.0) {
        return Err(data_error(
            row,
            "T",
            format!("T must be a finite number >= 0, got {t}"),
        ));
    }
    if tx > t {
        return Err(data_error(
            row,
            "recency",
            format!("recency {tx} is greater than T {t}"),
        ));
    }
    Ok(())
}

impl Groups {
    fn new(rows: &[(f64, f64, f64)]) -> Result<Groups> {
        let mut map: HashMap<(u64, u64, u64), f64> = HashMap::new();
        for (i, &(x, tx, t)) in rows.iter().enumerate() {
            check_row(i, x, tx, t)?;
            // tₓ does not enter the likelihood when x = 0.
            let tx = if x == 0.0 { 0.0 } else { tx };
            *map.entry((x.to_bits(), tx.to_bits(), t.to_bits()))
                .or_insert(0.0) += 1.0;
        }
        let mut flat: Vec<(f64, f64, f64, f64)> = map
            .into_iter()
            .map(|((x, tx, t), w)| (f64::from_bits(x), f64::from_bits(tx), f64::from_bits(t), w))
            .collect();
        // Deterministic order, so that sums (and fits) do not depend on hashing.
        flat.sort_by(|p, q| {
            p.0.total_cmp(&q.0)
                .then(p.1.total_cmp(&q.1))
                .then(p.2.total_cmp(&q.2))
        });
        let mut groups = Groups {
            xs: Vec::new(),
            rows: Vec::new(),
            counts: Vec::new(),
            n: 0.0,
        };
        for (x, tx, t, w) in flat {
            if groups.xs.last() != Some(&x) {
                groups.xs.push(x);
                groups.rows.push(Vec::new());
                groups.counts.push(0.0);
            }
            if let (Some(rows), Some(c)) = (groups.rows.last_mut(), groups.counts.last_mut()) {
                rows.push((tx, t, w));
                *c += w;
            }
            groups.n += w;
        }
        Ok(groups)
    }

    /// The log-likelihood (FHL 2005, eq. 6, in log form as in `lifetimes`):
    /// ln L = A₁ + A₂ + ln(e^A₃ + δ(x>0) e^A₄), with
    /// A₁ = lnΓ(r+x) − lnΓ(r) + r ln α,
    /// A₂ = lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x),
    /// A₃ = −(r+x) ln(α+T), A₄ = ln a − ln(b+x−1) − (r+x) ln(α+tₓ).
    fn log_likelihood(&self, r: f64, alpha: f64, a: f64, b: f64) -> f64 {
        let common = -ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) - ln_gamma(b);
        let mut total = common * self.n;
        for ((&x, rows), &count) in self.xs.iter().zip(&self.rows).zip(&self.counts) {
            let per_x = ln_gamma(r + x) + ln_gamma(b + x) - ln_gamma(a + b + x);
            total += per_x * count;
            let rx = r + x;
            let ln_a4 = if x > 0.0 {
                a.ln() - (b + x - 1.0).ln()
            } else {
                f64::NEG_INFINITY
            };
            for &(tx, t, w) in rows {
                let a3 = -rx * (alpha + t).ln();
                let a4 = if x > 0.0 {
                    ln_a4 - rx * (alpha + tx).ln()
                } else {
                    f64::NEG_INFINITY
                };
                total += w * log_add_exp(a3, a4);
            }
        }
        total
    }

    /// The log-likelihood and its gradient with respect to (r, α, a, b).
    /// Differentiating term by term, with w₄ = e^A₄ / (e^A₃ + e^A₄), w₃ = 1 − w₄:
    /// ∂/∂r = ψ(r+x) − ψ(r) + ln α − w₃ ln(α+T) − w₄ ln(α+tₓ);
    /// ∂/∂α = r/α − (r+x)(w₃/(α+T) + w₄/(α+tₓ));
    /// ∂/∂a = ψ(a+b) − ψ(a+b+x) + w₄/a;
    /// ∂/∂b = ψ(a+b) + ψ(b+x) − ψ(b) − ψ(a+b+x) − w₄/(b+x−1).
    fn log_likelihood_grad(&self, r: f64, alpha: f64, a: f64, b: f64, grad: &mut [f64; 4]) -> f64 {
        let common = -ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) - ln_gamma(b);
        let mut total = common * self.n;
        let psi_ab = digamma(a + b);
        let mut g = [
            (-digamma(r) + alpha.ln()) * self.n,
            r / alpha * self.n,
            psi_ab * self.n,
            (psi_ab - digamma(b)) * self.n,
        ];
        for ((&x, rows), &count) in self.xs.iter().zip(&self.rows).zip(&self.counts) {
            total += (ln_gamma(r + x) + ln_gamma(b + x) - ln_gamma(a + b + x)) * count;
            let psi_abx = digamma(a + b + x);
            g[0] += digamma(r + x) * count;
            g[2] -= psi_abx * count;
            g[3] += (digamma(b + x) - psi_abx) * count;
            let rx = r + x;
            if x > 0.0 {
                let ln_a4 = a.ln() - (b + x - 1.0).ln();
                let (mut sr, mut salpha, mut sw4) = (0.0, 0.0, 0.0);
                for &(tx, t, w) in rows {
                    let (l3, l4) = ((alpha + t).ln(), (alpha + tx).ln());
                    let (a3, a4) = (-rx * l3, ln_a4 - rx * l4);
                    total += w * log_add_exp(a3, a4);
                    let w4 = 1.0 / (1.0 + (a3 - a4).exp());
                    let w3 = 1.0 - w4;
                    sr -= w * (w3 * l3 + w4 * l4);
                    salpha -= w * rx * (w3 / (alpha + t) + w4 / (alpha + tx));
                    sw4 += w * w4;
                }
                g[0] += sr;
                g[1] += salpha;
                g[2] += sw4 / a;
                g[3] -= sw4 / (b + x - 1.0);
            } else {
                for &(_, t, w) in rows {
                    let l3 = (alpha + t).ln();
                    total += w * (-rx * l3);
                    g[0] -= w * l3;
                    g[1] -= w * rx / (alpha + t);
                }
            }
        }
        *grad = g;
        total
    }
}

/// Log-parameters beyond ±LN_BOUND (≈ 1e-13 … 7e12) are outside the search box.
const LN_BOUND: f64 = 30.0;

/// A fitted parameter outside [1e-6, 1e6] (|ln| > ln 1e6) means the fit ran
/// off towards a boundary of the model: r, α → ∞ (purchase rates that barely
/// vary across customers: a single Poisson rate) or a → 0, b → ∞ (no sign of
/// dropout). The likelihood is then a ridge rising slowly towards infinity,
/// on which the optimiser would crawl for its whole evaluation budget (seconds
/// per thousand customers) and stop at an arbitrary point, so such a fit is
/// reported as not converged (the model's fields become unknown) rather than
/// returned.
pub(crate) const LN_DIVERGED: f64 = 13.815_510_557_964_274; // ln 1e6

/// The first log-parameter (with its name) beyond ±[`LN_DIVERGED`], or NaN.
pub(crate) fn diverged<'a>(names: &[&'a str], x: &[f64]) -> Option<(&'a str, f64)> {
    names
        .iter()
        .zip(x)
        .find(|(_, v)| v.is_nan() || v.abs() > LN_DIVERGED)
        .map(|(n, v)| (*n, *v))
}

/// Fits the BG/NBD model by maximum likelihood to rows of
/// (frequency x, recency tₓ, age T), all in the same time unit.
///
/// Works on log-parameters with BFGS on the analytic gradient from three
/// starting points scaled to the data, then once more from the best; if that
/// stalls short of a stationary point, Nelder–Mead with restarts takes over
/// (see `optimize.rs`). Identical rows are
/// grouped first, so the cost per likelihood evaluation is the number of
/// distinct histories.
///
/// Errors ([`ErrorKind::Data`], with the 1-based row and field where one row
/// is at fault): a non-finite or negative value, recency > T, no rows, no
/// repeat purchases at all, all T = 0, or a fit that diverges (a parameter
/// running to 0 or ∞, which happens when the data cannot identify it).
///
/// ```
/// use kaleido::predict::fit_bg_nbd;
/// // Eight customers, none of whom looks gone: b runs off to infinity (no dropout).
/// let rows = [(2.0, 30.4, 38.9), (1.0, 1.7, 38.9), (0.0, 0.0, 38.9), (5.0, 20.0, 30.0),
///             (0.0, 0.0, 35.0), (3.0, 10.0, 36.0), (1.0, 35.0, 37.0), (0.0, 0.0, 32.0)];
/// let err = fit_bg_nbd(&rows).unwrap_err();
/// assert!(err.message().contains("ran off to infinity"), "{}", err.message());
/// assert_eq!(fit_bg_nbd(&[]).unwrap_err().kind(), kaleido::ErrorKind::Data);
/// ```
pub fn fit_bg_nbd(rows: &[(f64, f64, f64)]) -> Result<BgNbdParams> {
    if rows.is_empty() {
        return Err(Error::new(
            ErrorKind::Data,
            "BG/NBD fit needs at least one customer, got none",
        ));
    }
    let groups = Groups::new(rows)?;
    let repeaters: f64 = groups
        .xs
        .iter()
        .zip(&groups.counts)
        .filter(|(x, _)| **x > 0.0)
        .map(|(_, c)| c)
        .sum();
    if repeaters == 0.0 {
        return Err(Error::new(
            ErrorKind::Data,
            "BG/NBD fit needs at least one customer with a repeat purchase (frequency > 0); \
             with none, the dropout parameters a and b are not identified",
        ));
    }
    let (mut sum_x, mut sum_t) = (0.0, 0.0);
    for (x, rows_x) in groups.xs.iter().zip(&groups.rows) {
        for (_, t, w) in rows_x {
            sum_x += x * w;
            sum_t += t * w;
        }
    }
    if sum_t <= 0.0 {
        return Err(Error::new(
            ErrorKind::Data,
            "BG/NBD fit needs some customers observed for T > 0; all have T = 0",
        ));
    }
    let mean_x = sum_x / groups.n;
    let mean_t = sum_t / groups.n;
    // Starting points: E[λ] = r/α near the observed purchase rate.
    let rate = (mean_x + 0.1) / mean_t;
    let starts: Vec<Vec<f64>> = [(1.0, 1.0, 1.0), (0.5, 0.5, 2.0), (2.0, 2.0, 5.0)]
        .iter()
        .map(|&(r, a, b)| vec![f64::ln(r), f64::ln(r / rate), f64::ln(a), f64::ln(b)])
        .collect();
    let n = groups.n;
    const NAMES: [&str; 4] = ["r", "alpha", "a", "b"];
    let in_bounds = |p: &[f64]| p.iter().all(|v| v.abs() <= LN_BOUND + 5.0);
    // When evaluations beyond LN_DIVERGED keep setting new bests (100 times;
    // one wild line-search trial out there does not count), the fit is running
    // off along a ridge: every later evaluation returns +∞, so the optimisers
    // stop within a few dozen evaluations instead of crawling outwards for
    // their whole budget, and the fit fails below.
    let ran_off: Cell<Option<(&str, f64)>> = Cell::new(None);
    let best_seen = Cell::new(f64::INFINITY);
    let outside_bests = Cell::new(0u32);
    let watch = |p: &[f64], value: f64| -> f64 {
        if ran_off.get().is_some() {
            return f64::INFINITY;
        }
        if value < best_seen.get() {
            best_seen.set(value);
            if let Some(hit) = diverged(&NAMES, p) {
                outside_bests.set(outside_bests.get() + 1);
                if outside_bests.get() >= 100 {
                    ran_off.set(Some(hit));
                    return f64::INFINITY;
                }
            }
        }
        value
    };
    // BFGS on the analytic gradient (chain rule to log-parameters) …
    let mut smooth = |p: &[f64], grad: &mut [f64]| -> f64 {
        match p {
            [lr, lalpha, la, lb] if in_bounds(p) && ran_off.get().is_none() => {
                let params = [lr.exp(), lalpha.exp(), la.exp(), lb.exp()];
                let [r, alpha, a, b] = params;
                let mut g = [0.0; 4];
                let ll = groups.log_likelihood_grad(r, alpha, a, b, &mut g);
                for ((gi, d), p) in grad.iter_mut().zip(g).zip(params) {
                    *gi = -d * p / n;
                }
                watch(p, -ll / n)
            }
            _ => f64::INFINITY,
        }
    };
    let mut best = minimize_smooth(&mut smooth, &starts, 1e-10)
        .ok_or_else(|| Error::new(ErrorKind::Data, "BG/NBD fit: no starting point"))?;
    // … and Nelder–Mead from there should BFGS stall short of a stationary point.
    let mut grad = [0.0; 4];
    let value = smooth(&best.x, &mut grad);
    if ran_off.get().is_none() && (!value.is_finite() || grad.iter().any(|g| g.abs() > 1e-6)) {
        let mut objective = |p: &[f64]| -> f64 {
            match p {
                [lr, lalpha, la, lb] if in_bounds(p) && ran_off.get().is_none() => watch(
                    p,
                    -groups.log_likelihood(lr.exp(), lalpha.exp(), la.exp(), lb.exp()) / n,
                ),
                _ => f64::INFINITY,
            }
        };
        let start = if value.is_finite() {
            vec![best.x.clone()]
        } else {
            starts.clone()
        };
        if let Some(polished) = minimize(&mut objective, &start, &Settings::default()) {
            if polished.value <= value || !value.is_finite() {
                best = polished;
            }
        }
    }
    if let Some((name, v)) = ran_off.get().or_else(|| diverged(&NAMES, &best.x)) {
        let why = match name {
            "r" | "alpha" => {
                "purchase rates vary too little across customers for a gamma mixture; \
                 the data look like one Poisson rate for everyone"
            }
            _ => "the data show no sign of customers dropping out",
        };
        return Err(Error::new(
            ErrorKind::Data,
            format!(
                "BG/NBD fit did not converge: parameter {name} ran off to {} (beyond {}; {why})",
                if v > 0.0 { "infinity" } else { "zero" },
                if v > 0.0 { "1e6" } else { "1e-6" }
            ),
        ));
    }
    let [lr, lalpha, la, lb] = best.x.as_slice() else {
        return Err(Error::new(
            ErrorKind::Data,
            "BG/NBD fit: optimiser returned a wrong dimension",
        ));
    };
    if !best.value.is_finite() {
        return Err(Error::new(
            ErrorKind::Data,
            "BG/NBD fit did not converge: no finite likelihood found (too few customers or \
             too little variation in repeat purchases?)",
        ));
    }
    let (r, alpha, a, b) = (lr.exp(), lalpha.exp(), la.exp(), lb.exp());
    Ok(BgNbdParams {
        r,
        alpha,
        a,
        b,
        log_likelihood: groups.log_likelihood(r, alpha, a, b),
    })
}

fn arg_error(message: String) -> Error {
    Error::new(ErrorKind::Argument, message)
}

impl BgNbdParams {
    fn check(&self) -> Result<()> {
        for (name, v) in [
            ("r", self.r),
            ("alpha", self.alpha),
            ("a", self.a),
            ("b", self.b),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(arg_error(format!(
                    "BG/NBD parameter {name} must be finite and > 0, got {v}"
                )));
            }
        }
        Ok(())
    }

    fn check_history(&self, x: f64, tx: f64, t: f64) -> Result<()> {
        self.check()?;
        check_row(0, x, tx, t).map_err(|e| Error::new(ErrorKind::Argument, e.message().to_string()))
    }

    /// Log-likelihood of rows of (x, tₓ, T) under these parameters (the sum
    /// maximised by [`fit_bg_nbd`]).
    ///
    /// ```
    /// use kaleido::predict::BgNbdParams;
    /// let m = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// assert!(m.log_likelihood_of(&[(2.0, 30.43, 38.86)]).unwrap() < 0.0);
    /// ```
    pub fn log_likelihood_of(&self, rows: &[(f64, f64, f64)]) -> Result<f64> {
        self.check()?;
        Ok(Groups::new(rows)?.log_likelihood(self.r, self.alpha, self.a, self.b))
    }

    /// ln of the odds of having dropped out vs. being alive, for x > 0:
    /// ln[a/(b+x−1)] + (r+x) ln[(α+T)/(α+tₓ)].
    fn ln_dead_odds(&self, x: f64, tx: f64, t: f64) -> f64 {
        if x == 0.0 {
            return f64::NEG_INFINITY;
        }
        (self.a / (self.b + x - 1.0)).ln()
            + (self.r + x) * ((self.alpha + t) / (self.alpha + tx)).ln()
    }

    /// P(alive | x, tₓ, T) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x))
    /// (FHL 2005, eq. 13; a customer without repeat purchases cannot have
    /// dropped out in this model, so the value is 1 when x = 0).
    ///
    /// ```
    /// use kaleido::predict::BgNbdParams;
    /// let m = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// let recent = m.p_alive(5.0, 38.0, 38.86).unwrap();
    /// let gone = m.p_alive(5.0, 5.0, 38.86).unwrap();
    /// assert!(recent > 0.8 && gone < 0.01);
    /// assert_eq!(m.p_alive(0.0, 0.0, 38.86).unwrap(), 1.0);
    /// ```
    pub fn p_alive(&self, frequency: f64, recency: f64, t: f64) -> Result<f64> {
        self.check_history(frequency, recency, t)?;
        Ok(1.0 / (1.0 + self.ln_dead_odds(frequency, recency, t).exp()))
    }

    /// Expected number of purchases in the next `horizon` time units given
    /// the history (FHL 2005, eq. 10):
    ///
    /// E[Y(t) | x, tₓ, T] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ·
    /// ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))] / (1 + δ(x>0) a/(b+x−1) ((α+T)/(α+tₓ))^(r+x)).
    ///
    /// ₂F₁ is summed in log space (`special.rs`); it fails with
    /// [`ErrorKind::Limit`] if it has not converged in 100 000 terms (a horizon
    /// thousands of times α + T). At a = 1, where the formula is 0/0, the value
    /// is the mean of those at a = 1 ± 1e-6. When a + b + x − 1 ≤ 0 (only
    /// possible for x = 0 with a + b ≤ 1) the closed form does not apply and the
    /// result is an [`ErrorKind::Argument`] error.
    ///
    /// ```
    /// use kaleido::predict::BgNbdParams;
    /// let m = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// let e = m.expected_purchases(39.0, 2.0, 30.43, 38.86).unwrap();
    /// assert!((e - 1.226).abs() < 0.001);
    /// ```
    pub fn expected_purchases(
        &self,
        horizon: f64,
        frequency: f64,
        recency: f64,
        t: f64,
    ) -> Result<f64> {
        self.check_history(frequency, recency, t)?;
        if !(horizon.is_finite() && horizon >= 0.0) {
            return Err(arg_error(format!(
                "horizon must be a finite number >= 0, got {horizon}"
            )));
        }
        if horizon == 0.0 {
            return Ok(0.0);
        }
        if (self.a - 1.0).abs() < 1e-6 {
            let lo = BgNbdParams {
                a: 1.0 - 1e-6,
                ..*self
            };
            let hi = BgNbdParams {
                a: 1.0 + 1e-6,
                ..*self
            };
            let e_lo = lo.expected_purchases_unchecked(horizon, frequency, recency, t)?;
            let e_hi = hi.expected_purchases_unchecked(horizon, frequency, recency, t)?;
            return Ok(0.5 * (e_lo + e_hi));
        }
        self.expected_purchases_unchecked(horizon, frequency, recency, t)
    }

    /// Eq. 10 for validated inputs and a ≠ 1.
    fn expected_purchases_unchecked(
        &self,
        horizon: f64,
        frequency: f64,
        recency: f64,
        t: f64,
    ) -> Result<f64> {
        let (r, alpha, a, b, x) = (self.r, self.alpha, self.a, self.b, frequency);
        let c = a + b + x - 1.0;
        if c <= 0.0 {
            return Err(arg_error(format!(
                "expected purchases: a + b + x - 1 = {c} <= 0, outside the closed form of FHL (2005) eq. 10"
            )));
        }
        let z = horizon / (alpha + t + horizon);
        let ln_pow = -(r + x) * (horizon / (alpha + t)).ln_1p();
        let ln_f = ln_hyp2f1(r + x, b + x, c, z)?;
        // 1 − e^(ln_pow + ln_f), accurately near 0.
        let bracket = -(ln_pow + ln_f).exp_m1();
        let value = c / (a - 1.0) * bracket / (1.0 + self.ln_dead_odds(x, recency, t).exp());
        if value.is_finite() {
            Ok(value.max(0.0))
        } else {
            Err(Error::new(
                ErrorKind::Limit,
                "expected purchases overflowed f64",
            ))
        }
    }

    /// Probability of at least one purchase in the next `horizon` time units.
    ///
    /// Exact under the BG/NBD assumptions (not a Poisson approximation): a
    /// customer who is alive at T makes no purchase in (T, T+t] only if the
    /// next purchase event is later than T+t (dropout happens only right after
    /// a purchase), which given λ has probability e^(−λt); the alive part of
    /// the likelihood, (1−p)^x λ^x e^(−λT), makes λ | alive ~ Gamma(r+x, α+T).
    /// Hence P(Y(t) = 0 | x, tₓ, T) = 1 − P(alive) + P(alive)·((α+T)/(α+T+t))^(r+x)
    /// — the n = 0 case of the conditional distribution of Y(t) in Fader &
    /// Hardie's note on the BG/NBD conditional PMF — and this returns
    /// P(alive) · [1 − ((α+T)/(α+T+t))^(r+x)].
    ///
    /// ```
    /// use kaleido::predict::BgNbdParams;
    /// let m = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// let p4 = m.prob_purchase_within(4.0, 2.0, 30.43, 38.86).unwrap();
    /// let p52 = m.prob_purchase_within(52.0, 2.0, 30.43, 38.86).unwrap();
    /// assert!(0.0 < p4 && p4 < p52 && p52 < 1.0);
    /// ```
    pub fn prob_purchase_within(
        &self,
        horizon: f64,
        frequency: f64,
        recency: f64,
        t: f64,
    ) -> Result<f64> {
        let alive = self.p_alive(frequency, recency, t)?;
        if !(horizon.is_finite() && horizon >= 0.0) {
            return Err(arg_error(format!(
                "horizon must be a finite number >= 0, got {horizon}"
            )));
        }
        let none_if_alive = (-(self.r + frequency) * (horizon / (self.alpha + t)).ln_1p()).exp();
        Ok((alive * (1.0 - none_if_alive)).clamp(0.0, 1.0))
    }

    /// Expected number of repeat purchases in (0, t] for a new customer
    /// (FHL 2005, eq. 9): (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))].
    /// Same error cases as [`BgNbdParams::expected_purchases`].
    ///
    /// ```
    /// use kaleido::predict::BgNbdParams;
    /// let m = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// assert!(m.expected_purchases_new(39.0).unwrap() > 0.0);
    /// ```
    pub fn expected_purchases_new(&self, horizon: f64) -> Result<f64> {
        // A fresh customer: x = 0, T = 0 gives exactly eq. 9 from eq. 10.
        self.expected_purchases(horizon, 0.0, 0.0, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let rows = [
            (0.0, 0.0, 30.0),
            (2.0, 20.0, 30.0),
            (5.0, 29.0, 35.0),
            (1.0, 3.0, 40.0),
            (0.0, 0.0, 12.0),
        ];
        let groups = Groups::new(&rows).unwrap();
        let p = [0.4, 5.0, 0.7, 2.2];
        let mut g = [0.0; 4];
        let ll = groups.log_likelihood_grad(p[0], p[1], p[2], p[3], &mut g);
        assert!((ll - groups.log_likelihood(p[0], p[1], p[2], p[3])).abs() < 1e-9);
        for i in 0..4 {
            let h = 1e-6 * p[i];
            let (mut up, mut down) = (p, p);
            up[i] += h;
            down[i] -= h;
            let numeric = (groups.log_likelihood(up[0], up[1], up[2], up[3])
                - groups.log_likelihood(down[0], down[1], down[2], down[3]))
                / (2.0 * h);
            assert!(
                (g[i] - numeric).abs() < 1e-5 * (1.0 + numeric.abs()),
                "{i}: {} vs {numeric}",
                g[i]
            );
        }
    }

    /// Five purchases per customer at uniformly random days: purchase rates
    /// vary less than any gamma mixture allows, so r and α run off to ∞.
    /// This used to crawl along the ridge for tens of thousands of
    /// evaluations (seconds); it must now fail as "did not converge".
    #[test]
    fn poisson_like_data_is_reported_as_diverged() {
        let mut s: u64 = 12345;
        let mut rnd = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let rows: Vec<(f64, f64, f64)> = (0..2000)
            .map(|_| {
                let mut days: Vec<f64> = (0..5).map(|_| (rnd() * 365.0).floor()).collect();
                days.sort_by(f64::total_cmp);
                days.dedup();
                let (first, last) = (days[0], days[days.len() - 1]);
                ((days.len() - 1) as f64, last - first, 365.0 - first)
            })
            .collect();
        let err = fit_bg_nbd(&rows).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Data);
        assert!(
            err.message().contains("ran off to infinity (beyond 1e6"),
            "{}",
            err.message()
        );
    }
}
