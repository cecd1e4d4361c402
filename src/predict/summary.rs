//! Per-customer summaries (frequency, recency, T, monetary value) from raw
//! purchase events, with the conventions of the `lifetimes` package.

use crate::error::{Error, ErrorKind, Result};

/// A customer's purchase history reduced to the models' inputs.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// Repeat purchase days: distinct purchase days after the first (x).
    pub frequency: f64,
    /// From the first to the last purchase day, in units (tₓ).
    pub recency: f64,
    /// From the first purchase day to the `as_of` day, in units (T).
    pub t: f64,
    /// Mean spend per repeat purchase day (same-day purchases summed); 0 without repeats.
    pub monetary: f64,
    /// Distinct purchase days up to `as_of`, the first included (0 = never purchased).
    pub purchase_days: u32,
    /// Days from the last purchase day to the `as_of` day (0 without purchases): the R of RFM.
    pub days_since_last: f64,
    /// Total spend up to `as_of`.
    pub total_spend: f64,
}

/// Summarises one customer's purchases, given as (day, amount) with days as
/// day numbers on one scale (e.g. days since 1970-01-01 in the list's time
/// zone; a fractional part is the time of day), as of the day `as_of`, in
/// model units of `unit_days` days (1 = days, 7 = weeks).
///
/// Conventions (those of `lifetimes.utils.summary_data_from_transaction_data`
/// with a daily period and `freq_multiplier = unit_days`, which is how
/// `cdnow_customers_summary.csv` was made):
/// - purchases are grouped by calendar day (⌊day⌋), amounts summed per day;
///   purchases later than `as_of` are ignored (a calibration period);
/// - frequency = distinct purchase days − 1; recency = (last day − first
///   day) / unit_days; T = (⌊as_of⌋ − first day) / unit_days;
/// - monetary = mean of the daily totals of the repeat days (the first day
///   excluded), 0 when there are none.
///
/// Edge cases are defined, never NaN: no purchases → all zeros with
/// `purchase_days` 0; one purchase, or all purchases on one day → frequency 0,
/// recency 0, monetary 0; zero spend → monetary 0.
///
/// Errors ([`ErrorKind::Argument`]): non-finite days, amounts or `as_of`, or
/// `unit_days` ≤ 0.
///
/// ```
/// use kaleido::predict::summarize;
/// // Customer 1 of CDNOW: 1997-01-01 (day 0), 01-18, 08-02; as of 1997-09-30 (day 272), weeks.
/// let s = summarize(&[(0.0, 29.33), (17.0, 29.73), (213.0, 14.96), (345.0, 26.48)], 272.0, 7.0).unwrap();
/// assert_eq!(s.frequency, 2.0);
/// assert_eq!(format!("{:.2} {:.2}", s.recency, s.t), "30.43 38.86");
/// assert!((s.monetary - (29.73 + 14.96) / 2.0).abs() < 1e-9);
/// assert_eq!(summarize(&[], 272.0, 7.0).unwrap().purchase_days, 0);
/// ```
pub fn summarize(purchases: &[(f64, f64)], as_of: f64, unit_days: f64) -> Result<Summary> {
    if !(as_of.is_finite() && unit_days.is_finite() && unit_days > 0.0) {
        return Err(Error::new(
            ErrorKind::Argument,
            format!(
                "summarize needs a finite as_of and unit_days > 0, got {as_of} and {unit_days}"
            ),
        ));
    }
    let mut days: Vec<(f64, f64)> = Vec::with_capacity(purchases.len());
    for (i, &(day, amount)) in purchases.iter().enumerate() {
        if !(day.is_finite() && amount.is_finite()) {
            return Err(Error::new(
                ErrorKind::Argument,
                format!("purchase ({day}, {amount}) is not finite"),
            )
            .with_row_field(Some(i as u64 + 1), None));
        }
        if day <= as_of {
            days.push((day.floor(), amount));
        }
    }
    days.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Merge same-day purchases.
    let mut daily: Vec<(f64, f64)> = Vec::with_capacity(days.len());
    for (day, amount) in days {
        match daily.last_mut() {
            Some(last) if last.0 == day => last.1 += amount,
            _ => daily.push((day, amount)),
        }
    }
    let (Some(&(first, _)), Some(&(last, _))) = (daily.first(), daily.last()) else {
        return Ok(Summary {
            frequency: 0.0,
            recency: 0.0,
            t: 0.0,
            monetary: 0.0,
            purchase_days: 0,
            days_since_last: 0.0,
            total_spend: 0.0,
        });
    };
    let repeats = daily.get(1..).unwrap_or(&[]);
    let repeat_spend: f64 = repeats.iter().map(|d| d.1).sum();
    let monetary = if repeats.is_empty() {
        0.0
    } else {
        repeat_spend / repeats.len() as f64
    };
    let end = as_of.floor();
    Ok(Summary {
        frequency: repeats.len() as f64,
        recency: (last - first) / unit_days,
        t: (end - first) / unit_days,
        monetary,
        purchase_days: daily.len() as u32,
        days_since_last: end - last,
        total_spend: daily.iter().map(|d| d.1).sum(),
    })
}
