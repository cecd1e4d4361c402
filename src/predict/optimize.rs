//! A small derivative-free minimiser: Nelder–Mead with the dimension-adapted
//! coefficients of Gao & Han (2012), multiple starting points, and restarts
//! from the best vertex until a restart no longer improves the value (the
//! usual cure for Nelder–Mead's occasional stall on a collapsed simplex).
//!
//! The models optimise over log-parameters, so the search space is all of
//! ℝⁿ and positivity needs no constraint. Written here because the problems
//! are tiny (3–4 parameters) and a crate such as `argmin` would add far more
//! code to the WASM module than these hundred lines.

/// The result of a minimisation.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    /// The arg-min found.
    pub x: Vec<f64>,
    /// The function value there.
    pub value: f64,
    /// Function evaluations used (all starts and restarts).
    pub evals: usize,
}

/// Limits for one Nelder–Mead run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    /// Side of the initial simplex (in the units of x; log-units for the models).
    pub step: f64,
    /// Stop when the values on the simplex differ by at most ftol·(1 + |best|)…
    pub ftol: f64,
    /// …and the vertices by at most xtol in every coordinate.
    pub xtol: f64,
    /// Evaluation budget for one run.
    pub max_evals: usize,
    /// Restarts from the best point after the first run.
    pub max_restarts: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            step: 0.5,
            ftol: 1e-14,
            xtol: 1e-10,
            max_evals: 4_000,
            max_restarts: 8,
        }
    }
}

fn finite_or_inf(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        f64::INFINITY
    }
}

/// One Nelder–Mead run from `x0`. Non-finite function values count as +∞,
/// so the simplex walks away from invalid regions.
pub(crate) fn nelder_mead<F: FnMut(&[f64]) -> f64>(
    f: &mut F,
    x0: &[f64],
    settings: &Settings,
) -> Minimum {
    let n = x0.len();
    let nf = n.max(1) as f64;
    let (alpha, gamma, rho, sigma) = (
        1.0,
        1.0 + 2.0 / nf,
        0.75 - 1.0 / (2.0 * nf),
        1.0 - 1.0 / nf.max(2.0),
    );
    let mut evals = 0usize;
    let mut eval = |x: &[f64], evals: &mut usize| {
        *evals += 1;
        finite_or_inf(f(x))
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    let v0 = eval(x0, &mut evals);
    simplex.push((x0.to_vec(), v0));
    for i in 0..n {
        let x: Vec<f64> = x0
            .iter()
            .enumerate()
            .map(|(j, &v)| if j == i { v + settings.step } else { v })
            .collect();
        let v = eval(&x, &mut evals);
        simplex.push((x, v));
    }
    let along = |c: &[f64], w: &[f64], t: f64| -> Vec<f64> {
        c.iter().zip(w).map(|(ci, wi)| ci + t * (ci - wi)).collect()
    };
    loop {
        simplex.sort_by(|p, q| p.1.total_cmp(&q.1));
        let Some(((best_x, best_v), _)) = simplex.split_first() else {
            break;
        };
        let Some(((worst_x, worst_v), rest)) = simplex.split_last() else {
            break;
        };
        let fspread = worst_v - best_v;
        let xspread = simplex
            .iter()
            .flat_map(|(x, _)| x.iter().zip(best_x).map(|(a, b)| (a - b).abs()))
            .fold(0.0f64, f64::max);
        let converged = best_v.is_finite()
            && fspread <= settings.ftol * (1.0 + best_v.abs())
            && xspread <= settings.xtol;
        if converged || evals >= settings.max_evals {
            break;
        }
        let best_v = *best_v;
        let worst_v = *worst_v;
        // Centroid of all vertices but the worst.
        let mut centroid = vec![0.0; n];
        for (x, _) in rest {
            for (c, xi) in centroid.iter_mut().zip(x) {
                *c += xi / nf;
            }
        }
        let second_worst_v = rest.last().map(|p| p.1).unwrap_or(best_v);
        let xr = along(&centroid, worst_x, alpha);
        let vr = eval(&xr, &mut evals);
        let replacement = if vr < best_v {
            let xe = along(&centroid, worst_x, alpha * gamma);
            let ve = eval(&xe, &mut evals);
            if ve < vr {
                Some((xe, ve))
            } else {
                Some((xr, vr))
            }
        } else if vr < second_worst_v {
            Some((xr, vr))
        } else if vr < worst_v {
            // Outside contraction.
            let xc = along(&centroid, worst_x, alpha * rho);
            let vc = eval(&xc, &mut evals);
            (vc <= vr).then_some((xc, vc))
        } else {
            // Inside contraction.
            let xc = along(&centroid, worst_x, -rho);
            let vc = eval(&xc, &mut evals);
            (vc < worst_v).then_some((xc, vc))
        };
        match replacement {
            Some(p) => {
                if let Some(last) = simplex.last_mut() {
                    *last = p;
                }
            }
            None => {
                // Shrink towards the best vertex.
                let Some((best, others)) = simplex.split_first_mut() else {
                    break;
                };
                for (x, v) in others.iter_mut() {
                    for (xi, bi) in x.iter_mut().zip(&best.0) {
                        *xi = bi + sigma * (*xi - bi);
                    }
                    *v = eval(x, &mut evals);
                }
            }
        }
    }
    simplex.sort_by(|p, q| p.1.total_cmp(&q.1));
    let (x, value) = simplex
        .into_iter()
        .next()
        .unwrap_or((x0.to_vec(), f64::INFINITY));
    Minimum { x, value, evals }
}

/// Runs Nelder–Mead from every start, then restarts from the best point
/// until a restart improves the value by less than ftol·(1 + |value|).
pub(crate) fn minimize<F: FnMut(&[f64]) -> f64>(
    f: &mut F,
    starts: &[Vec<f64>],
    settings: &Settings,
) -> Option<Minimum> {
    let mut evals = 0;
    let mut best: Option<Minimum> = None;
    for start in starts {
        let m = nelder_mead(f, start, settings);
        evals += m.evals;
        if best.as_ref().is_none_or(|b| m.value < b.value) {
            best = Some(m);
        }
    }
    let mut best = best?;
    let mut restart = *settings;
    restart.step = settings.step * 0.2;
    for _ in 0..settings.max_restarts {
        let m = nelder_mead(f, &best.x, &restart);
        evals += m.evals;
        let gain = best.value - m.value;
        if m.value < best.value {
            best = m;
        }
        if gain.is_nan() || gain <= settings.ftol * (1.0 + best.value.abs()) {
            break;
        }
    }
    best.evals = evals;
    Some(best)
}

/// BFGS (inverse-Hessian update) with a backtracking Armijo line search,
/// for smooth objectives with an analytic gradient. `f(x, grad)` returns the
/// value and writes the gradient; non-finite values count as +∞ (the line
/// search then backs off). Stops when every gradient component is at most
/// `gtol`, when an iteration no longer lowers the value by more than
/// 1e-15·(1 + |f|), or after `max_iter` iterations.
pub(crate) fn bfgs<F: FnMut(&[f64], &mut [f64]) -> f64>(
    f: &mut F,
    x0: &[f64],
    gtol: f64,
    max_iter: usize,
) -> Minimum {
    let n = x0.len();
    let mut evals = 0usize;
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut fx = finite_or_inf(f(&x, &mut g));
    evals += 1;
    let identity = |n: usize| -> Vec<Vec<f64>> {
        (0..n)
            .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
            .collect()
    };
    let mut h = identity(n);
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    for _ in 0..max_iter {
        if !fx.is_finite() || g.iter().all(|gi| gi.abs() <= gtol) {
            break;
        }
        let mut d: Vec<f64> = h
            .iter()
            .map(|row| -row.iter().zip(&g).map(|(hij, gj)| hij * gj).sum::<f64>())
            .collect();
        let mut slope: f64 = d.iter().zip(&g).map(|(di, gi)| di * gi).sum();
        if slope.is_nan() || slope >= 0.0 {
            // Not a descent direction: forget the curvature and go downhill.
            h = identity(n);
            d = g.iter().map(|gi| -gi).collect();
            slope = -g.iter().map(|gi| gi * gi).sum::<f64>();
        }
        // Keep steps in log-parameter space moderate.
        let longest = d.iter().fold(0.0f64, |m, di| m.max(di.abs()));
        let mut step = if longest > 2.0 { 2.0 / longest } else { 1.0 };
        let mut f_new = f64::INFINITY;
        let mut accepted = false;
        for _ in 0..60 {
            for ((xn, xi), di) in x_new.iter_mut().zip(&x).zip(&d) {
                *xn = xi + step * di;
            }
            f_new = finite_or_inf(f(&x_new, &mut g_new));
            evals += 1;
            if f_new <= fx + 1e-4 * step * slope {
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if !accepted {
            break;
        }
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy: f64 = s.iter().zip(&y).map(|(a, b)| a * b).sum();
        let improvement = fx - f_new;
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        fx = f_new;
        let s_norm = s.iter().map(|v| v * v).sum::<f64>().sqrt();
        let y_norm = y.iter().map(|v| v * v).sum::<f64>().sqrt();
        if sy > 1e-12 * s_norm * y_norm {
            // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1 / (yᵀs).
            let rho = 1.0 / sy;
            let hy: Vec<f64> = h
                .iter()
                .map(|row| row.iter().zip(&y).map(|(a, b)| a * b).sum())
                .collect();
            let yhy: f64 = y.iter().zip(&hy).map(|(a, b)| a * b).sum();
            for (i, row) in h.iter_mut().enumerate() {
                let (si, hyi) = (
                    s.get(i).copied().unwrap_or(0.0),
                    hy.get(i).copied().unwrap_or(0.0),
                );
                for (j, hij) in row.iter_mut().enumerate() {
                    let (sj, hyj) = (
                        s.get(j).copied().unwrap_or(0.0),
                        hy.get(j).copied().unwrap_or(0.0),
                    );
                    *hij += -rho * (si * hyj + hyi * sj) + (rho * rho * yhy + rho) * si * sj;
                }
            }
        }
        if improvement <= 1e-15 * (1.0 + fx.abs()) && g.iter().all(|gi| gi.abs() <= gtol.sqrt()) {
            break;
        }
    }
    Minimum {
        x,
        value: fx,
        evals,
    }
}

/// BFGS from every start, then once more from the best point (fresh
/// curvature), keeping the best.
pub(crate) fn minimize_smooth<F: FnMut(&[f64], &mut [f64]) -> f64>(
    f: &mut F,
    starts: &[Vec<f64>],
    gtol: f64,
) -> Option<Minimum> {
    let mut evals = 0;
    let mut best: Option<Minimum> = None;
    for start in starts {
        let m = bfgs(f, start, gtol, 500);
        evals += m.evals;
        if best.as_ref().is_none_or(|b| m.value < b.value) {
            best = Some(m);
        }
    }
    let mut best = best?;
    let again = bfgs(f, &best.x, gtol, 500);
    evals += again.evals;
    if again.value <= best.value {
        best = again;
    }
    best.evals = evals;
    Some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rosenbrock() {
        let mut f = |x: &[f64]| {
            let (a, b) = (x[0], x[1]);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let m = minimize(&mut f, &[vec![-1.2, 1.0]], &Settings::default()).unwrap();
        assert!(
            (m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6,
            "{m:?}"
        );
    }

    #[test]
    fn bfgs_rosenbrock() {
        let mut f = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let m = minimize_smooth(&mut f, &[vec![-1.2, 1.0]], 1e-10).unwrap();
        assert!(
            (m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6,
            "{m:?}"
        );
    }

    #[test]
    fn quadratic_4d() {
        let target = [0.3, -2.0, 5.0, 1.5];
        let mut f = |x: &[f64]| {
            x.iter()
                .zip(target)
                .enumerate()
                .map(|(i, (a, t))| (i as f64 + 1.0) * (a - t).powi(2))
                .sum::<f64>()
        };
        let m = minimize(&mut f, &[vec![0.0; 4]], &Settings::default()).unwrap();
        for (a, t) in m.x.iter().zip(target) {
            assert!((a - t).abs() < 1e-6, "{m:?}");
        }
    }
}
