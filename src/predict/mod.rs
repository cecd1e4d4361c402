//! Predictive and lifecycle segments: RFM scores and segments, the BG/NBD
//! purchase model, the Gamma-Gamma spend model, customer lifetime value and
//! lifecycle stages, all from purchase events, in pure Rust (natively and in
//! WebAssembly).
//!
//! The usual pipeline: [`summarize`] each customer's purchases as of a date,
//! fit [`fit_bg_nbd`] on (frequency, recency, T) and [`fit_gamma_gamma`] on
//! (frequency, monetary), then score customers with the fitted parameters.
//!
//! ```
//! use kaleido::predict::{fit_bg_nbd, simulate_bg_nbd, summarize, BgNbdParams};
//!
//! // 2 000 synthetic customers observed for 52 weeks.
//! let truth = BgNbdParams { r: 0.5, alpha: 5.0, a: 0.8, b: 2.5, log_likelihood: 0.0 };
//! let rows = simulate_bg_nbd(&truth, &vec![52.0; 2_000], 42);
//! let model = fit_bg_nbd(&rows).unwrap();
//!
//! // Score one customer from raw (day, amount) purchases, in weeks, as of day 364.
//! let s = summarize(&[(0.0, 20.0), (30.0, 15.0), (200.0, 40.0)], 364.0, 7.0).unwrap();
//! let alive = model.p_alive(s.frequency, s.recency, s.t).unwrap();
//! let next_quarter = model.expected_purchases(13.0, s.frequency, s.recency, s.t).unwrap();
//! assert!((0.0..=1.0).contains(&alive) && next_quarter >= 0.0);
//! ```
//!
//! Numerics (log-gamma, the hypergeometric series, the optimiser) are small
//! documented implementations in this module; no dependency is added.

mod bgnbd;
mod derive;
mod explain;
mod gamma_gamma;
mod lifecycle;
mod optimize;
mod rfm;
mod score;
mod simulate;
mod special;
mod summary;

pub use bgnbd::{fit_bg_nbd, BgNbdParams};
pub use derive::{
    derive_fields, explain_fields, merge_derived, merge_missing, profile_history, DeriveOptions,
    Predictor, ProfileHistory, DERIVED_FIELDS,
};
pub use explain::{derived_heads, field_inputs};
pub use gamma_gamma::{fit_gamma_gamma, ClvOptions, GammaGammaParams};
pub use lifecycle::{LifecycleConfig, LifecycleStage};
pub use rfm::{rfm_scores, RfmScore, RfmSegment};
pub use score::{check_horizon, score_columns, BgNbdScore};
pub use simulate::{simulate_bg_nbd, simulate_gamma_gamma};
pub use summary::{summarize, Summary};
