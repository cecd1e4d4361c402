//! RFM: quintile scores for recency, frequency and monetary value, and the
//! common named segments.

use crate::error::{Error, ErrorKind, Result};

/// A customer's RFM scores, each 1 (worst) to 5 (best).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RfmScore {
    /// Recency score: 5 = bought most recently.
    pub r: u8,
    /// Frequency score: 5 = buys most often.
    pub f: u8,
    /// Monetary score: 5 = spends most.
    pub m: u8,
}

/// The named RFM segments.
///
/// Mapping from scores, with FM = ⌈(F + M) / 2⌉ (frequency and monetary
/// value averaged, rounding half up) — the usual R × FM grid:
///
/// | R \ FM | 1              | 2              | 3                   | 4         | 5           |
/// |--------|----------------|----------------|---------------------|-----------|-------------|
/// | 5      | new            | potential loyalists | potential loyalists | champions | champions |
/// | 4      | promising      | potential loyalists | potential loyalists | loyal | loyal       |
/// | 3      | about to sleep | about to sleep | need attention      | loyal     | loyal       |
/// | 2      | hibernating    | hibernating    | at risk             | at risk   | cannot lose |
/// | 1      | lost           | hibernating    | at risk             | at risk   | cannot lose |
///
/// ```
/// use kaleido::predict::{RfmScore, RfmSegment};
/// assert_eq!(RfmScore { r: 5, f: 5, m: 4 }.segment(), RfmSegment::Champions);
/// assert_eq!(RfmScore { r: 1, f: 5, m: 5 }.segment(), RfmSegment::CannotLose);
/// assert_eq!(RfmSegment::NeedAttention.as_str(), "need_attention");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RfmSegment {
    /// Bought recently, buy often and spend the most.
    Champions,
    /// Buy often and spend well; bought fairly recently.
    Loyal,
    /// Recent customers with average frequency and spend.
    PotentialLoyalists,
    /// Bought very recently, not yet often.
    New,
    /// Recent, but low frequency and spend.
    Promising,
    /// Middling recency, frequency and spend.
    NeedAttention,
    /// Middling recency, low frequency and spend.
    AboutToSleep,
    /// Bought often or spent well, but long ago.
    AtRisk,
    /// The best frequency and spend, but long ago.
    CannotLose,
    /// Long ago, little and seldom.
    Hibernating,
    /// The lowest scores on recency, frequency and spend.
    Lost,
}

impl RfmSegment {
    /// The snake_case name used in segment rules and JSON (`"cannot_lose"`).
    pub fn as_str(self) -> &'static str {
        match self {
            RfmSegment::Champions => "champions",
            RfmSegment::Loyal => "loyal",
            RfmSegment::PotentialLoyalists => "potential_loyalists",
            RfmSegment::New => "new",
            RfmSegment::Promising => "promising",
            RfmSegment::NeedAttention => "need_attention",
            RfmSegment::AboutToSleep => "about_to_sleep",
            RfmSegment::AtRisk => "at_risk",
            RfmSegment::CannotLose => "cannot_lose",
            RfmSegment::Hibernating => "hibernating",
            RfmSegment::Lost => "lost",
        }
    }

    /// All segments, best first.
    pub const ALL: [RfmSegment; 11] = [
        RfmSegment::Champions,
        RfmSegment::Loyal,
        RfmSegment::PotentialLoyalists,
        RfmSegment::New,
        RfmSegment::Promising,
        RfmSegment::NeedAttention,
        RfmSegment::AboutToSleep,
        RfmSegment::AtRisk,
        RfmSegment::CannotLose,
        RfmSegment::Hibernating,
        RfmSegment::Lost,
    ];
}

impl RfmScore {
    /// The combined frequency-monetary score ⌈(F + M) / 2⌉.
    pub fn fm(&self) -> u8 {
        (self.f.clamp(1, 5) + self.m.clamp(1, 5)).div_ceil(2)
    }

    /// The named segment of these scores (table on [`RfmSegment`]); scores
    /// outside 1–5 are clamped.
    pub fn segment(&self) -> RfmSegment {
        use RfmSegment::*;
        match (self.r.clamp(1, 5), self.fm()) {
            (5, 4..) => Champions,
            (3..=4, 4..) => Loyal,
            (4..=5, 2..=3) => PotentialLoyalists,
            (5, _) => New,
            (4, _) => Promising,
            (3, 3) => NeedAttention,
            (3, _) => AboutToSleep,
            (_, 5) => CannotLose,
            (_, 3) | (_, 4) => AtRisk,
            (1, 1) => Lost,
            _ => Hibernating,
        }
    }

    /// The usual three-digit code, `"555"`.
    pub fn code(&self) -> String {
        format!("{}{}{}", self.r, self.f, self.m)
    }
}

/// Quintile scores of every value among `values` (larger = better unless
/// `lower_is_better`). The score of v is 1 + ⌊5·(below + equal/2)/n⌋, capped
/// at 5, where `below` counts values strictly worse than v and `equal` values
/// equal to it: a mid-rank percentile. Tied values therefore always get the
/// same score, the result does not depend on input order, and a heavy tie
/// (say 60 % of customers with one purchase) lands in the middle of the
/// quintiles it spans rather than at either end.
fn quintiles(values: &[f64], lower_is_better: bool) -> Vec<u8> {
    let key = |v: f64| if lower_is_better { -v } else { v };
    let mut sorted: Vec<f64> = values.iter().map(|&v| key(v)).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    values
        .iter()
        .map(|&v| {
            let k = key(v);
            let below = sorted.partition_point(|&s| s < k);
            let upto = sorted.partition_point(|&s| s <= k);
            let p = (below as f64 + 0.5 * (upto - below) as f64) / n;
            (1.0 + (5.0 * p).floor()).clamp(1.0, 5.0) as u8
        })
        .collect()
}

/// RFM quintile scores for customers given as (recency, frequency, monetary):
/// recency = time since the last purchase as of the evaluation date (any
/// unit; smaller is better), frequency = number of purchases, monetary = total
/// or mean spend (larger is better). Scores are relative to the customers
/// passed, one per input row in order; see `quintiles` above for ties: value
/// v scores 1 + ⌊5·(worse + ties/2)/n⌋. Only customers with at least one
/// purchase belong here (others have no recency).
///
/// Errors: [`ErrorKind::Data`] with the row and field for a non-finite value.
///
/// ```
/// use kaleido::predict::{rfm_scores, RfmSegment};
/// let customers = [(3.0, 12.0, 900.0), (400.0, 1.0, 15.0), (40.0, 3.0, 120.0),
///                  (10.0, 2.0, 30.0), (200.0, 6.0, 700.0)];
/// let scores = rfm_scores(&customers).unwrap();
/// assert_eq!(scores[0].code(), "555");
/// assert_eq!(scores[1].segment(), RfmSegment::Lost);
/// ```
pub fn rfm_scores(customers: &[(f64, f64, f64)]) -> Result<Vec<RfmScore>> {
    for (i, &(r, f, m)) in customers.iter().enumerate() {
        for (field, v) in [("recency", r), ("frequency", f), ("monetary", m)] {
            if !v.is_finite() {
                return Err(Error::new(
                    ErrorKind::Data,
                    format!("RFM {field} must be a finite number, got {v}"),
                )
                .with_row_field(Some(i as u64 + 1), Some(field.into())));
            }
        }
    }
    let column =
        |pick: fn(&(f64, f64, f64)) -> f64| customers.iter().map(pick).collect::<Vec<f64>>();
    let r = quintiles(&column(|c| c.0), true);
    let f = quintiles(&column(|c| c.1), false);
    let m = quintiles(&column(|c| c.2), false);
    Ok(r.into_iter()
        .zip(f)
        .zip(m)
        .map(|((r, f), m)| RfmScore { r, f, m })
        .collect())
}
