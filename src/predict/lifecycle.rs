//! Lifecycle stages from purchase history, with configurable thresholds.

use crate::error::{Error, ErrorKind, Result};

/// A customer's lifecycle stage as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleStage {
    /// No purchase yet and not (or not recently) signed up.
    Prospect,
    /// First purchase (or, without purchases, sign-up) within `new_days`.
    New,
    /// Last purchase within `active_days`.
    Active,
    /// Active and a big buyer: at least `vip_min_purchases` purchases, or
    /// `vip_min_spend` spent, within `vip_window_days`.
    Vip,
    /// Active again after a gap of at least `reactivation_gap_days`, the
    /// comeback purchase within `reactivated_days`.
    Reactivated,
    /// Last purchase more than `active_days` ago.
    AtRisk,
    /// Last purchase more than `lapsed_days` ago.
    Lapsed,
    /// Last purchase more than `churned_days` ago.
    Churned,
}

impl LifecycleStage {
    /// The snake_case name used in rules and JSON (`"at_risk"`).
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleStage::Prospect => "prospect",
            LifecycleStage::New => "new",
            LifecycleStage::Active => "active",
            LifecycleStage::Vip => "vip",
            LifecycleStage::Reactivated => "reactivated",
            LifecycleStage::AtRisk => "at_risk",
            LifecycleStage::Lapsed => "lapsed",
            LifecycleStage::Churned => "churned",
        }
    }
}

/// Thresholds, in days, that define the lifecycle stages.
///
/// With d = days since the last purchase, the stage is decided in this order:
/// 1. no purchase on or before `as_of`: `New` if signed up within `new_days`,
///    else `Prospect`;
/// 2. d > `churned_days`: `Churned`; d > `lapsed_days`: `Lapsed`;
///    d > `active_days`: `AtRisk`;
/// 3. otherwise (recently active) the first that applies of `Vip`,
///    `Reactivated`, `New` (first purchase within `new_days`), `Active`.
///
/// Defaults: new 30, active 90, lapsed 180, churned 365, reactivation gap
/// 180, reactivated 90, VIP 5 purchases (or no spend threshold) in 365 days.
///
/// ```
/// use kaleido::predict::{LifecycleConfig, LifecycleStage};
/// let config = LifecycleConfig::default();
/// let as_of = 1_000.0; // day numbers; purchases are (day, amount)
/// assert_eq!(config.stage(&[(990.0, 20.0)], None, as_of).unwrap(), LifecycleStage::New);
/// assert_eq!(config.stage(&[(500.0, 20.0), (800.0, 5.0)], None, as_of).unwrap(), LifecycleStage::Lapsed);
/// assert_eq!(config.stage(&[(100.0, 9.0), (980.0, 9.0)], None, as_of).unwrap(), LifecycleStage::Reactivated);
/// assert_eq!(config.stage(&[], Some(995.0), as_of).unwrap(), LifecycleStage::New);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct LifecycleConfig {
    /// A first purchase (or sign-up, without purchases) this recent is `New`.
    pub new_days: f64,
    /// Purchased within this many days: active (or VIP, reactivated, new).
    pub active_days: f64,
    /// No purchase for more than this: `Lapsed` (between `active_days` and this: `AtRisk`).
    pub lapsed_days: f64,
    /// No purchase for more than this: `Churned`.
    pub churned_days: f64,
    /// A gap between consecutive purchases at least this long ends a customer's run.
    pub reactivation_gap_days: f64,
    /// The comeback purchase after such a gap is this recent: `Reactivated`.
    pub reactivated_days: f64,
    /// The window for the VIP thresholds.
    pub vip_window_days: f64,
    /// Purchases (counted individually) within the window that make a VIP; 0 disables.
    pub vip_min_purchases: u32,
    /// Spend within the window that makes a VIP; `None` disables.
    pub vip_min_spend: Option<f64>,
}

impl Default for LifecycleConfig {
    fn default() -> LifecycleConfig {
        LifecycleConfig {
            new_days: 30.0,
            active_days: 90.0,
            lapsed_days: 180.0,
            churned_days: 365.0,
            reactivation_gap_days: 180.0,
            reactivated_days: 90.0,
            vip_window_days: 365.0,
            vip_min_purchases: 5,
            vip_min_spend: None,
        }
    }
}

fn argument(message: String) -> Error {
    Error::new(ErrorKind::Argument, message)
}

impl LifecycleConfig {
    /// Checks that every threshold is finite and ≥ 0 and that
    /// `active_days` ≤ `lapsed_days` ≤ `churned_days`.
    pub fn validate(&self) -> Result<()> {
        let days = [
            ("new_days", self.new_days),
            ("active_days", self.active_days),
            ("lapsed_days", self.lapsed_days),
            ("churned_days", self.churned_days),
            ("reactivation_gap_days", self.reactivation_gap_days),
            ("reactivated_days", self.reactivated_days),
            ("vip_window_days", self.vip_window_days),
            ("vip_min_spend", self.vip_min_spend.unwrap_or(0.0)),
        ];
        for (name, v) in days {
            if !(v.is_finite() && v >= 0.0) {
                return Err(argument(format!(
                    "lifecycle {name} must be a finite number >= 0, got {v}"
                )));
            }
        }
        if !(self.active_days <= self.lapsed_days && self.lapsed_days <= self.churned_days) {
            return Err(argument(format!(
                "lifecycle thresholds must satisfy active_days <= lapsed_days <= churned_days, got {} / {} / {}",
                self.active_days, self.lapsed_days, self.churned_days
            )));
        }
        Ok(())
    }

    /// The stage as of `as_of` of a customer with `purchases` as (day,
    /// amount) and an optional sign-up day. Days are day numbers on any one
    /// scale (e.g. days since 1970-01-01; fractions are times of day).
    /// Purchases after `as_of` are ignored; order does not matter; amounts
    /// only count towards `vip_min_spend`.
    ///
    /// Errors ([`ErrorKind::Argument`]): an invalid config, or a non-finite
    /// day, amount or `as_of`.
    pub fn stage(
        &self,
        purchases: &[(f64, f64)],
        signup_day: Option<f64>,
        as_of: f64,
    ) -> Result<LifecycleStage> {
        self.validate()?;
        if !as_of.is_finite() || signup_day.is_some_and(|d| !d.is_finite()) {
            return Err(argument(
                "lifecycle: as_of and the sign-up day must be finite".into(),
            ));
        }
        let mut days: Vec<(f64, f64)> = Vec::with_capacity(purchases.len());
        for &(day, amount) in purchases {
            if !(day.is_finite() && amount.is_finite()) {
                return Err(argument(format!(
                    "lifecycle: purchase ({day}, {amount}) is not finite"
                )));
            }
            if day <= as_of {
                days.push((day, amount));
            }
        }
        days.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (Some(&(first, _)), Some(&(last, _))) = (days.first(), days.last()) else {
            let recent_signup =
                signup_day.is_some_and(|s| s <= as_of && as_of - s <= self.new_days);
            return Ok(if recent_signup {
                LifecycleStage::New
            } else {
                LifecycleStage::Prospect
            });
        };
        let since_last = as_of - last;
        if since_last > self.churned_days {
            return Ok(LifecycleStage::Churned);
        }
        if since_last > self.lapsed_days {
            return Ok(LifecycleStage::Lapsed);
        }
        if since_last > self.active_days {
            return Ok(LifecycleStage::AtRisk);
        }
        let window_start = as_of - self.vip_window_days;
        let (count, spend) = days
            .iter()
            .filter(|(d, _)| *d > window_start)
            .fold((0u32, 0.0), |(c, s), (_, a)| (c + 1, s + a));
        let vip_by_count = self.vip_min_purchases > 0 && count >= self.vip_min_purchases;
        let vip_by_spend = self.vip_min_spend.is_some_and(|min| spend >= min);
        if vip_by_count || vip_by_spend {
            return Ok(LifecycleStage::Vip);
        }
        // The first purchase after the latest long gap.
        let comeback = days.windows(2).rev().find_map(|w| match w {
            [(a, _), (b, _)] if b - a >= self.reactivation_gap_days => Some(*b),
            _ => None,
        });
        if comeback.is_some_and(|c| as_of - c <= self.reactivated_days) {
            return Ok(LifecycleStage::Reactivated);
        }
        if as_of - first <= self.new_days {
            return Ok(LifecycleStage::New);
        }
        Ok(LifecycleStage::Active)
    }
}
