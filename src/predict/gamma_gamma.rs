//! The Gamma-Gamma spend model of Fader, Hardie & Lee (2005), "RFM and CLV:
//! Using Iso-Value Curves for Customer Base Analysis", Journal of Marketing
//! Research 42(4), and customer lifetime value combining it with BG/NBD.
//!
//! Each transaction value is Gamma(p, ν); ν varies across customers as
//! Gamma(q, v). The sufficient statistics of a customer are x (repeat
//! purchases) and m (their mean value).

use std::collections::HashMap;

use super::bgnbd::{diverged, BgNbdParams};
use super::optimize::{minimize, minimize_smooth, Settings};
use super::special::{digamma, ln_gamma};
use crate::error::{Error, ErrorKind, Result};

/// Fitted Gamma-Gamma parameters (shape `p` of transaction values, shape
/// `q` and rate `v` of their per-customer rate).
///
/// ```
/// use kaleido::predict::GammaGammaParams;
/// let gg = GammaGammaParams { p: 6.25, q: 3.74, v: 15.44, log_likelihood: 0.0 };
/// // A customer's expected order value shrinks their mean towards the population mean.
/// let e = gg.expected_spend(2.0, 22.35).unwrap();
/// assert!(e > 22.35 && e < gg.expected_spend(0.0, 0.0).unwrap());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GammaGammaParams {
    /// Shape of the Gamma distribution of a customer's transaction values.
    pub p: f64,
    /// Shape of the Gamma distribution of the per-customer rate ν.
    pub q: f64,
    /// Rate of the Gamma distribution of ν (in money units).
    pub v: f64,
    /// Log-likelihood of the data at these parameters (0 when not from a fit).
    pub log_likelihood: f64,
}

/// Options for [`GammaGammaParams::clv`]; the defaults are those of
/// `lifetimes`' `customer_lifetime_value` with daily model units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvOptions {
    /// Horizon in months.
    pub months: u32,
    /// Discount rate per month (0.01 = 1 % a month).
    pub monthly_discount_rate: f64,
    /// Model time units in a month: 30 for days, 4.345 for weeks, 1 for months.
    pub periods_per_month: f64,
}

impl Default for ClvOptions {
    fn default() -> ClvOptions {
        ClvOptions {
            months: 12,
            monthly_discount_rate: 0.01,
            periods_per_month: 30.0,
        }
    }
}

fn data_error(row: usize, field: &str, message: String) -> Error {
    Error::new(ErrorKind::Data, message).with_row_field(Some(row as u64 + 1), Some(field.into()))
}

/// Distinct (x, m) rows with counts and the logs the likelihood needs.
struct Rows {
    /// (x, ln x, m, ln m, count)
    rows: Vec<(f64, f64, f64, f64, f64)>,
    n: f64,
}

impl Rows {
    fn new(rows: &[(f64, f64)]) -> Result<Rows> {
        let mut map: HashMap<(u64, u64), f64> = HashMap::new();
        for (i, &(x, m)) in rows.iter().enumerate() {
            if !(x.is_finite() && x >= 0.0) {
                return Err(data_error(
                    i,
                    "frequency",
                    format!("frequency must be a finite number >= 0, got {x}"),
                ));
            }
            if x == 0.0 {
                continue; // no repeat purchase: carries no spend information
            }
            if !(m.is_finite() && m > 0.0) {
                return Err(data_error(
                    i,
                    "monetary_value",
                    format!("monetary value of a repeat customer must be finite and > 0, got {m}"),
                ));
            }
            *map.entry((x.to_bits(), m.to_bits())).or_insert(0.0) += 1.0;
        }
        let mut rows: Vec<(f64, f64, f64, f64, f64)> = map
            .into_iter()
            .map(|((x, m), w)| {
                let (x, m) = (f64::from_bits(x), f64::from_bits(m));
                (x, x.ln(), m, m.ln(), w)
            })
            .collect();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.total_cmp(&b.2)));
        let n = rows.iter().map(|r| r.4).sum();
        Ok(Rows { rows, n })
    }

    /// ln L = Σ lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v + (px−1) ln m + px ln x − (px+q) ln(xm+v)
    /// (FHL 2005b, eq. 3 for the mean of x values, as in `lifetimes`).
    fn log_likelihood(&self, p: f64, q: f64, v: f64) -> f64 {
        self.log_likelihood_grad(p, q, v, &mut [0.0; 3])
    }

    /// The log-likelihood and its gradient with respect to (p, q, v):
    /// ∂/∂p = Σ x[ψ(px+q) − ψ(px) + ln m + ln x − ln(xm+v)],
    /// ∂/∂q = Σ ψ(px+q) − ψ(q) + ln v − ln(xm+v),
    /// ∂/∂v = Σ q/v − (px+q)/(xm+v).
    /// Rows are sorted by x, so the Γ and ψ terms are computed once per x.
    fn log_likelihood_grad(&self, p: f64, q: f64, v: f64, grad: &mut [f64; 3]) -> f64 {
        let ln_v = v.ln();
        let mut total = (-ln_gamma(q) + q * ln_v) * self.n;
        let mut g = [0.0, (-digamma(q) + ln_v) * self.n, q / v * self.n];
        let mut cached_x = f64::NAN;
        let (mut lg, mut psi_sum, mut psi_px) = (0.0, 0.0, 0.0);
        for &(x, ln_x, m, ln_m, w) in &self.rows {
            let px = p * x;
            if x != cached_x {
                cached_x = x;
                lg = ln_gamma(px + q) - ln_gamma(px);
                psi_sum = digamma(px + q);
                psi_px = digamma(px);
            }
            let ln_xmv = (x * m + v).ln();
            total += w * (lg + (px - 1.0) * ln_m + px * ln_x - (px + q) * ln_xmv);
            g[0] += w * x * (psi_sum - psi_px + ln_m + ln_x - ln_xmv);
            g[1] += w * (psi_sum - ln_xmv);
            g[2] -= w * (px + q) / (x * m + v);
        }
        *grad = g;
        total
    }
}

const LN_BOUND: f64 = 30.0;

/// Fits the Gamma-Gamma model by maximum likelihood to rows of
/// (frequency x, mean repeat transaction value m). Rows with x = 0 are
/// skipped (they carry no spend information), so whole customer lists can be
/// passed as they are. Same optimiser as [`super::fit_bg_nbd`] (BFGS on the
/// analytic gradient, Nelder–Mead fallback), on ln p, ln q, ln v.
///
/// Errors ([`ErrorKind::Data`]): a non-finite or negative frequency, a repeat
/// customer with m ≤ 0 or non-finite (with the row and field; filter free
/// orders out first), no repeat customers, or a diverging fit (for example all
/// mean values equal, where p runs to infinity).
///
/// ```
/// use kaleido::predict::fit_gamma_gamma;
/// let rows = [(1.0, 20.0), (2.0, 35.5), (4.0, 12.0), (0.0, 0.0), (3.0, 60.0), (1.0, 9.5), (2.0, 27.0)];
/// let gg = fit_gamma_gamma(&rows).unwrap();
/// assert!(gg.p > 0.0 && gg.q > 0.0 && gg.v > 0.0);
/// assert!(fit_gamma_gamma(&[(0.0, 0.0)]).is_err());
/// ```
pub fn fit_gamma_gamma(rows: &[(f64, f64)]) -> Result<GammaGammaParams> {
    let data = Rows::new(rows)?;
    if data.n == 0.0 {
        return Err(Error::new(
            ErrorKind::Data,
            "Gamma-Gamma fit needs customers with repeat purchases (frequency > 0); got none",
        ));
    }
    let mean_m = data.rows.iter().map(|r| r.2 * r.4).sum::<f64>() / data.n;
    // E[value] = p v / (q − 1): start with q = 2…4 and v matched to the mean.
    let starts: Vec<Vec<f64>> = [(1.0, 2.0), (5.0, 4.0), (0.5, 1.5)]
        .iter()
        .map(|&(p, q): &(f64, f64)| vec![p.ln(), q.ln(), (mean_m * (q - 1.0) / p).ln()])
        .collect();
    let n = data.n;
    const NAMES: [&str; 3] = ["p", "q", "v"];
    let in_bounds = |x: &[f64]| x.iter().all(|t| t.abs() <= LN_BOUND + 5.0);
    let mut smooth = |x: &[f64], grad: &mut [f64]| -> f64 {
        match x {
            [lp, lq, lv] if in_bounds(x) => {
                let params = [lp.exp(), lq.exp(), lv.exp()];
                let [p, q, v] = params;
                let mut g = [0.0; 3];
                let ll = data.log_likelihood_grad(p, q, v, &mut g);
                for ((gi, d), t) in grad.iter_mut().zip(g).zip(params) {
                    *gi = -d * t / n;
                }
                -ll / n
            }
            _ => f64::INFINITY,
        }
    };
    let mut best = minimize_smooth(&mut smooth, &starts, 1e-10)
        .ok_or_else(|| Error::new(ErrorKind::Data, "Gamma-Gamma fit: no starting point"))?;
    let mut grad = [0.0; 3];
    let value = smooth(&best.x, &mut grad);
    // As in the BG/NBD fit: a point far out on a ridge is not polished.
    let ridge = diverged(&NAMES, &best.x).is_some();
    if !ridge && (!value.is_finite() || grad.iter().any(|g| g.abs() > 1e-6)) {
        let mut objective = |x: &[f64]| -> f64 {
            match x {
                [lp, lq, lv] if in_bounds(x) => {
                    -data.log_likelihood(lp.exp(), lq.exp(), lv.exp()) / n
                }
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
    let [lp, lq, lv] = best.x.as_slice() else {
        return Err(Error::new(
            ErrorKind::Data,
            "Gamma-Gamma fit: optimiser returned a wrong dimension",
        ));
    };
    if let Some((name, t)) = diverged(&NAMES, &best.x) {
        let why = match name {
            "q" | "v" => "mean spend varies too little across customers for a gamma mixture",
            _ => "the data do not identify it; too few repeat customers or no variation in spend?",
        };
        return Err(Error::new(
            ErrorKind::Data,
            format!(
                "Gamma-Gamma fit did not converge: parameter {name} ran off to {} (beyond {}; {why})",
                if t > 0.0 { "infinity" } else { "zero" },
                if t > 0.0 { "1e6" } else { "1e-6" }
            ),
        ));
    }
    if !best.value.is_finite() {
        return Err(Error::new(
            ErrorKind::Data,
            "Gamma-Gamma fit did not converge: no finite likelihood found (too few repeat \
             customers or no variation in spend?)",
        ));
    }
    let (p, q, v) = (lp.exp(), lq.exp(), lv.exp());
    Ok(GammaGammaParams {
        p,
        q,
        v,
        log_likelihood: data.log_likelihood(p, q, v),
    })
}

impl GammaGammaParams {
    fn check(&self) -> Result<()> {
        for (name, t) in [("p", self.p), ("q", self.q), ("v", self.v)] {
            if !(t.is_finite() && t > 0.0) {
                return Err(Error::new(
                    ErrorKind::Argument,
                    format!("Gamma-Gamma parameter {name} must be finite and > 0, got {t}"),
                ));
            }
        }
        Ok(())
    }

    /// Log-likelihood of rows of (x, m) under these parameters (rows with
    /// x = 0 skipped, as in [`fit_gamma_gamma`]).
    ///
    /// ```
    /// use kaleido::predict::GammaGammaParams;
    /// let gg = GammaGammaParams { p: 6.25, q: 3.74, v: 15.44, log_likelihood: 0.0 };
    /// assert!(gg.log_likelihood_of(&[(2.0, 22.35), (0.0, 0.0)]).unwrap().is_finite());
    /// ```
    pub fn log_likelihood_of(&self, rows: &[(f64, f64)]) -> Result<f64> {
        self.check()?;
        Ok(Rows::new(rows)?.log_likelihood(self.p, self.q, self.v))
    }

    /// Conditional expected average transaction value (FHL 2005b, eq. 5):
    /// E[M | x, m] = p(v + x·m) / (p·x + q − 1), a weighted mean of the
    /// population mean p·v/(q−1) and the customer's own mean m. For x = 0 it
    /// is the population mean. Zero spend (m = 0) is fine.
    ///
    /// Errors ([`ErrorKind::Argument`]): negative or non-finite inputs, or
    /// p·x + q ≤ 1 (for x = 0: q ≤ 1, where the population mean is infinite).
    ///
    /// ```
    /// use kaleido::predict::GammaGammaParams;
    /// let gg = GammaGammaParams { p: 6.25, q: 3.74, v: 15.44, log_likelihood: 0.0 };
    /// let population = gg.expected_spend(0.0, 0.0).unwrap();
    /// assert!((population - 6.25 * 15.44 / 2.74).abs() < 1e-9);
    /// ```
    pub fn expected_spend(&self, frequency: f64, monetary_value: f64) -> Result<f64> {
        self.check()?;
        let (x, m) = (frequency, monetary_value);
        if !(x.is_finite() && x >= 0.0 && m.is_finite() && m >= 0.0) {
            return Err(Error::new(
                ErrorKind::Argument,
                format!("expected spend needs finite frequency and monetary value >= 0, got {x} and {m}"),
            ));
        }
        let m = if x == 0.0 { 0.0 } else { m };
        let denominator = self.p * x + self.q - 1.0;
        if denominator <= 0.0 {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "expected spend is infinite when p*x + q <= 1 (p = {}, q = {}, x = {x})",
                    self.p, self.q
                ),
            ));
        }
        Ok(self.p * (self.v + x * m) / denominator)
    }

    /// Customer lifetime value over `options.months` months, discounted
    /// monthly, combining the two models as `lifetimes`'
    /// `customer_lifetime_value` does:
    ///
    /// CLV = Σᵢ₌₁ⁿ E[M | x, m] · (E[Y(i·k)] − E[Y((i−1)·k)]) / (1 + d)ⁱ,
    ///
    /// where k = `periods_per_month`, E[Y(t)] is
    /// [`BgNbdParams::expected_purchases`] for the history (x, tₓ, T) in the
    /// BG/NBD time unit, and d the monthly discount rate. Errors are those of
    /// the two predictions, or [`ErrorKind::Argument`] for bad options.
    ///
    /// ```
    /// use kaleido::predict::{BgNbdParams, ClvOptions, GammaGammaParams};
    /// let bg = BgNbdParams { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// let gg = GammaGammaParams { p: 6.25, q: 3.74, v: 15.44, log_likelihood: 0.0 };
    /// let weekly = ClvOptions { months: 12, monthly_discount_rate: 0.01, periods_per_month: 4.345 };
    /// let clv = gg.clv(&bg, 2.0, 30.43, 38.86, 22.35, &weekly).unwrap();
    /// assert!(clv > 0.0);
    /// ```
    pub fn clv(
        &self,
        bg: &BgNbdParams,
        frequency: f64,
        recency: f64,
        t: f64,
        monetary_value: f64,
        options: &ClvOptions,
    ) -> Result<f64> {
        let d = options.monthly_discount_rate;
        let k = options.periods_per_month;
        if !(d.is_finite() && d > -1.0 && k.is_finite() && k > 0.0) {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "CLV needs a discount rate > -1 and periods per month > 0, got {d} and {k}"
                ),
            ));
        }
        let spend = self.expected_spend(frequency, monetary_value)?;
        let mut total = 0.0;
        let mut previous = 0.0;
        for i in 1..=options.months {
            let cumulative = bg.expected_purchases(f64::from(i) * k, frequency, recency, t)?;
            total += spend * (cumulative - previous) / (1.0 + d).powi(i as i32);
            previous = cumulative;
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let data = Rows::new(&[
            (1.0, 20.0),
            (2.0, 35.5),
            (4.0, 12.0),
            (3.0, 60.0),
            (1.0, 9.5),
        ])
        .unwrap();
        let p = [3.0, 2.5, 12.0];
        let mut g = [0.0; 3];
        data.log_likelihood_grad(p[0], p[1], p[2], &mut g);
        for i in 0..3 {
            let h = 1e-6 * p[i];
            let (mut up, mut down) = (p, p);
            up[i] += h;
            down[i] -= h;
            let numeric = (data.log_likelihood(up[0], up[1], up[2])
                - data.log_likelihood(down[0], down[1], down[2]))
                / (2.0 * h);
            assert!(
                (g[i] - numeric).abs() < 1e-5 * (1.0 + numeric.abs()),
                "{i}: {} vs {numeric}",
                g[i]
            );
        }
    }
}
