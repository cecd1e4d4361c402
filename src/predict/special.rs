//! Special functions: log-gamma (Lanczos), log-sum-exp and the Gaussian
//! hypergeometric function 2F1 by its power series.
//!
//! Written here rather than taken from a crate (`statrs`, `libm`): the models
//! need three small functions, all with well-known, short, documented
//! algorithms, and `std`'s `f64::ln`/`exp` work unchanged on `wasm32`.

use crate::error::{Error, ErrorKind, Result};

/// Lanczos coefficients for g = 7, n = 9 (the set published with the
/// "Lanczos approximation" in Numerical Recipes / Godfrey); relative error
/// about 1e-15 for positive arguments.
const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln Γ(x) for x > 0 (reflection for 0 < x < 0.5). Returns +∞ at x ≤ 0,
/// which only occurs for invalid parameters the callers reject first.
pub(crate) fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return f64::INFINITY;
    }
    if x < 0.5 {
        // Γ(x) Γ(1 − x) = π / sin(πx), with sin(πx) > 0 on (0, 0.5).
        let s = (std::f64::consts::PI * x).sin();
        return std::f64::consts::PI.ln() - s.ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + LANCZOS_G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The digamma function ψ(x) = d/dx ln Γ(x) for x > 0: the recurrence
/// ψ(x) = ψ(x+1) − 1/x up to x ≥ 10, then the asymptotic series
/// ln x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ) to k = 6 (truncation error below 1e-15).
pub(crate) fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv2 = 1.0 / (x * x);
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2
                                * (1.0 / 240.0 - inv2 * (1.0 / 132.0 - inv2 * 691.0 / 32_760.0)))));
    acc + x.ln() - 0.5 / x - series
}

/// ln(e^a + e^b) without overflow; −∞ inputs are the empty term.
pub(crate) fn log_add_exp(a: f64, b: f64) -> f64 {
    let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
    if hi == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    hi + (lo - hi).exp().ln_1p()
}

/// Most terms the 2F1 series may take before giving up with a
/// [`ErrorKind::Limit`] error. With z = t/(α + T + t) the series converges
/// like zⁿ: 100 000 terms suffice up to z ≈ 0.9997, i.e. a horizon t of
/// about 3 000 × (α + T).
pub(crate) const HYP2F1_MAX_TERMS: usize = 100_000;

/// ln ₂F₁(a, b; c; z) for a, b, c > 0 and 0 ≤ z < 1, summing the power
/// series Σ (a)ₙ(b)ₙ/(c)ₙ zⁿ/n!. With these signs every term is positive, so
/// there is no cancellation; the running sum is kept scaled (value × e^shift)
/// so that very large values (big x, z near 1) do not overflow.
///
/// Stops once the remaining tail, bounded by term·ρ/(1 − ρ) with ρ the larger
/// of the next term ratio and its limit z (a bound once the ratios are
/// monotone, as they eventually are), is below 1e-16 of the sum; fails with
/// [`ErrorKind::Limit`] after [`HYP2F1_MAX_TERMS`] terms.
pub(crate) fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64> {
    let valid = a.is_finite() && b.is_finite() && c.is_finite() && z.is_finite();
    if !valid || a <= 0.0 || b <= 0.0 || c <= 0.0 || !(0.0..1.0).contains(&z) {
        return Err(Error::new(
            ErrorKind::Argument,
            format!("hypergeometric 2F1({a}, {b}; {c}; {z}) is outside a, b, c > 0, 0 <= z < 1"),
        ));
    }
    if z == 0.0 {
        return Ok(0.0);
    }
    let mut shift = 0.0f64; // the true sum is sum · e^shift
    let mut term = 1.0f64;
    let mut sum = 1.0f64;
    for n in 0..HYP2F1_MAX_TERMS {
        let nf = n as f64;
        let ratio = (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
        term *= ratio;
        sum += term;
        if sum > 1e200 {
            sum *= 1e-200;
            term *= 1e-200;
            shift += 200.0 * std::f64::consts::LN_10;
        }
        // ρ bounds every later ratio when the ratios are monotone from here on
        // (they are eventually: a rational function of n tending to z).
        let next = (a + nf + 1.0) * (b + nf + 1.0) / ((c + nf + 1.0) * (nf + 2.0)) * z;
        let rho = next.max(z);
        if rho < 1.0 && term * rho / (1.0 - rho) <= 1e-16 * sum {
            return Ok(sum.ln() + shift);
        }
    }
    Err(Error::new(
        ErrorKind::Limit,
        format!(
            "hypergeometric 2F1({a}, {b}; {c}; {z}) did not converge in {HYP2F1_MAX_TERMS} terms \
             (z too close to 1: the horizon is very long relative to alpha + T)"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_known_values() {
        assert!((ln_gamma(1.0)).abs() < 1e-14);
        assert!((ln_gamma(2.0)).abs() < 1e-14);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-13);
        assert!((ln_gamma(10.0) - 362_880f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.1) - 2.252_712_651_734_206).abs() < 1e-13);
        assert!((ln_gamma(100.5) - 361.435_540_467_777_6).abs() < 1e-10);
    }

    #[test]
    fn digamma_known_values() {
        let euler = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + euler).abs() < 1e-13);
        assert!((digamma(0.5) + euler + 2.0 * 2f64.ln()).abs() < 1e-13);
        assert!((digamma(10.0) - 2.251_752_589_066_721).abs() < 1e-13);
        // ψ is the derivative of ln Γ.
        for x in [0.3, 2.7, 45.0] {
            let h = 1e-5;
            let numeric = (ln_gamma(x + h) - ln_gamma(x - h)) / (2.0 * h);
            assert!((digamma(x) - numeric).abs() < 1e-8, "{x}");
        }
    }

    #[test]
    fn hyp2f1_closed_forms() {
        // 2F1(1, 1; 2; z) = −ln(1 − z) / z
        for z in [0.1, 0.5, 0.9, 0.99] {
            let want = -(1.0f64 - z).ln() / z;
            let got = ln_hyp2f1(1.0, 1.0, 2.0, z).unwrap().exp();
            assert!((got - want).abs() < 1e-12 * want, "{z}: {got} vs {want}");
        }
        // 2F1(a, b; b; z) = (1 − z)^(−a)
        let got = ln_hyp2f1(2.5, 3.0, 3.0, 0.7).unwrap();
        assert!((got - (-2.5 * 0.3f64.ln())).abs() < 1e-12);
        // Large values stay finite in log space.
        let big = ln_hyp2f1(500.0, 500.0, 10.0, 0.95).unwrap();
        assert!(big.is_finite() && big > 700.0);
        assert_eq!(
            ln_hyp2f1(1.0, 1.0, 2.0, 0.999_999_9).unwrap_err().kind(),
            ErrorKind::Limit
        );
    }
}
