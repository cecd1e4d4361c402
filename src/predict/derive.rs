//! Derived fields for whole profile lists: RFM, the BG/NBD and Gamma-Gamma
//! predictions, lifecycle stages and the best send hour, computed from the
//! profiles' events and usable in segment rules once merged into the
//! profiles (`churn_risk > 0.7 and predicted_clv >= 200`).
//!
//! [`Predictor::fit`] reads every profile once, fits the two models and keeps
//! what scoring needs (the parameters, the RFM population, the population's
//! open hours); [`Predictor::derive`] then computes one profile's fields and
//! [`Predictor::explain`] the inputs behind them. [`derive_fields`] does both
//! for a slice, and [`merge_derived`] writes the fields into a profile.

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

use super::bgnbd::{fit_bg_nbd, BgNbdParams};
use super::gamma_gamma::{fit_gamma_gamma, ClvOptions, GammaGammaParams};
use super::lifecycle::LifecycleConfig;
use super::rfm::RfmScore;
use super::summary::{summarize, Summary};
use crate::error::{Error, ErrorKind, Result};
use crate::rules::parse_event_time;

/// The names of the derived fields, in output order.
pub const DERIVED_FIELDS: [&str; 8] = [
    "rfm",
    "p_alive",
    "churn_risk",
    "purchase_probability_30d",
    "expected_purchases_90d",
    "predicted_clv",
    "lifecycle",
    "best_send_hour",
];

/// How profiles are read and scored. Times are cut into calendar days in
/// `time_zone`; the models' time unit is the day.
#[derive(Debug, Clone, PartialEq)]
pub struct DeriveOptions {
    /// The evaluation clock: events later than this are ignored.
    pub as_of: DateTime<Utc>,
    /// The zone that cuts purchase days (and the fallback for send hours).
    pub time_zone: Tz,
    /// The event type of purchases (`"purchase"`).
    pub event_type: String,
    /// The purchase event property holding its amount (`"amount"`); a
    /// missing or `null` amount counts as 0.
    pub amount_field: String,
    /// The event type of email opens for `best_send_hour` (`"email_open"`).
    pub open_event_type: String,
    /// The profile attribute holding the subscriber's IANA zone (`"timezone"`).
    pub time_zone_field: String,
    /// The profile attribute holding the sign-up date, for lifecycle `new`
    /// (`"signup_date"`); `None` ignores sign-ups.
    pub signup_field: Option<String>,
    /// Lifecycle thresholds.
    pub lifecycle: LifecycleConfig,
    /// CLV horizon and discounting (`periods_per_month` must match the day unit: 30).
    pub clv: ClvOptions,
    /// Use these BG/NBD parameters (per day) instead of fitting.
    pub bg_nbd: Option<BgNbdParams>,
    /// Use these Gamma-Gamma parameters instead of fitting.
    pub gamma_gamma: Option<GammaGammaParams>,
}

impl DeriveOptions {
    /// Defaults as documented on each field, at `as_of` in `time_zone`.
    pub fn new(as_of: DateTime<Utc>, time_zone: Tz) -> DeriveOptions {
        DeriveOptions {
            as_of,
            time_zone,
            event_type: "purchase".into(),
            amount_field: "amount".into(),
            open_event_type: "email_open".into(),
            time_zone_field: "timezone".into(),
            signup_field: Some("signup_date".into()),
            lifecycle: LifecycleConfig::default(),
            clv: ClvOptions::default(),
            bg_nbd: None,
            gamma_gamma: None,
        }
    }
}

/// A local day number: days since 1970-01-01 of `t`'s wall clock in `tz`,
/// the fraction being the time of day.
fn local_day(t: DateTime<Utc>, tz: Tz) -> f64 {
    let local = t.with_timezone(&tz).naive_local().and_utc();
    local.timestamp_millis() as f64 / 86_400_000.0
}

fn data_error(row: usize, field: Option<String>, message: String) -> Error {
    Error::new(ErrorKind::Data, message).with_row_field(Some(row as u64 + 1), field)
}

/// What one profile contributes: its purchases as (local day, amount), its
/// summary and sign-up day, and its email opens' local hours.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileHistory {
    /// Purchases on or before `as_of` and after, as (local day number, amount).
    pub purchases: Vec<(f64, f64)>,
    /// The models' inputs, in days.
    pub summary: Summary,
    /// The sign-up day (local day number), if the profile has one.
    pub signup_day: Option<f64>,
    /// Local hours (0–23, in the subscriber's zone) of opens up to `as_of`.
    pub open_hours: Vec<u8>,
}

/// Reads one profile (`row` is its 0-based index, for errors).
///
/// Errors ([`ErrorKind::Data`], with the 1-based row and the field, e.g.
/// `events[3].amount`): a profile that is not an object, `events` that is not
/// an array, a purchase or open without a readable `at`, a purchase amount
/// that is not a finite number, a sign-up value that is not a date.
/// Events of other types are not read.
pub fn profile_history(
    row: usize,
    profile: &Value,
    options: &DeriveOptions,
) -> Result<ProfileHistory> {
    let obj = profile
        .as_object()
        .ok_or_else(|| data_error(row, None, "a profile must be an object".into()))?;
    let tz = options.time_zone;
    let as_of_day = local_day(options.as_of, tz);
    let subscriber_tz = obj
        .get(&options.time_zone_field)
        .and_then(Value::as_str)
        .and_then(|name| name.parse::<Tz>().ok())
        .unwrap_or(tz);
    let mut purchases = Vec::new();
    let mut open_hours = Vec::new();
    let events = match obj.get("events") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => {
            return Err(data_error(
                row,
                Some("events".into()),
                "events must be an array of { type, at, ... } objects".into(),
            ))
        }
    };
    for (i, event) in events.iter().enumerate() {
        let Some(ty) = event.get("type").and_then(Value::as_str) else {
            continue;
        };
        let is_purchase = ty == options.event_type;
        if !is_purchase && ty != options.open_event_type {
            continue;
        }
        let at = event
            .get("at")
            .and_then(Value::as_str)
            .and_then(|s| parse_event_time(s, tz))
            .ok_or_else(|| {
                data_error(
                    row,
                    Some(format!("events[{i}].at")),
                    format!("a {ty:?} event needs an RFC 3339 `at`"),
                )
            })?;
        if at > options.as_of {
            continue;
        }
        if is_purchase {
            let amount = match event.get(&options.amount_field) {
                None | Some(Value::Null) => 0.0,
                Some(v) => v.as_f64().filter(|a| a.is_finite()).ok_or_else(|| {
                    data_error(
                        row,
                        Some(format!("events[{i}].{}", options.amount_field)),
                        format!("a purchase amount must be a number, got {v}"),
                    )
                })?,
            };
            purchases.push((local_day(at, tz), amount));
        } else {
            open_hours.push(at.with_timezone(&subscriber_tz).hour() as u8);
        }
    }
    let signup_day = match options
        .signup_field
        .as_ref()
        .and_then(|f| obj.get(f).map(|v| (f, v)))
    {
        None | Some((_, Value::Null)) => None,
        Some((field, v)) => Some(
            v.as_str()
                .and_then(|s| parse_event_time(s, tz))
                .map(|t| local_day(t, tz))
                .ok_or_else(|| {
                    data_error(
                        row,
                        Some(field.clone()),
                        format!(
                            "{field} must be a YYYY-MM-DD date or an RFC 3339 date-time, got {v}"
                        ),
                    )
                })?,
        ),
    };
    let summary = summarize(&purchases, as_of_day, 1.0)
        .map_err(|e| data_error(row, Some("events".into()), e.message().to_string()))?;
    Ok(ProfileHistory {
        purchases,
        summary,
        signup_day,
        open_hours,
    })
}

/// Quintile score of `v` against `sorted` (ascending, by the same key):
/// 1 + ⌊5·(worse + ties/2)/n⌋, as [`super::rfm_scores`] computes it.
fn quintile(sorted: &[f64], v: f64) -> u8 {
    if sorted.is_empty() {
        return 3;
    }
    let below = sorted.partition_point(|&s| s < v);
    let upto = sorted.partition_point(|&s| s <= v);
    let p = (below as f64 + 0.5 * (upto - below) as f64) / sorted.len() as f64;
    (1.0 + (5.0 * p).floor()).clamp(1.0, 5.0) as u8
}

/// A fitted scorer: the models and populations behind the derived fields.
#[derive(Debug, Clone)]
pub struct Predictor {
    options: DeriveOptions,
    bg: std::result::Result<BgNbdParams, String>,
    gg: std::result::Result<GammaGammaParams, String>,
    /// Purchasers' −(days since last purchase), ascending (smaller recency is better).
    rfm_recency: Vec<f64>,
    /// Purchasers' purchase days, ascending.
    rfm_frequency: Vec<f64>,
    /// Purchasers' total spend, ascending.
    rfm_monetary: Vec<f64>,
    /// Opens per local hour over the whole list.
    hour_counts: [u64; 24],
    customers: usize,
    profiles: usize,
}

impl Predictor {
    /// Reads every profile and fits BG/NBD on the purchasers' (frequency,
    /// recency, T) in days and Gamma-Gamma on the repeat buyers with a
    /// positive mean spend, unless `options` supplies the parameters.
    ///
    /// A model that cannot be fitted (too few customers, no repeat buyers)
    /// does not fail the call: its fields become `null` and
    /// [`Predictor::model`] says why. Errors: those of [`profile_history`].
    pub fn fit(profiles: &[Value], options: &DeriveOptions) -> Result<Predictor> {
        let histories = profiles
            .iter()
            .enumerate()
            .map(|(i, p)| profile_history(i, p, options))
            .collect::<Result<Vec<_>>>()?;
        Ok(Predictor::from_histories(&histories, options))
    }

    /// [`Predictor::fit`] on histories already read.
    pub fn from_histories(histories: &[ProfileHistory], options: &DeriveOptions) -> Predictor {
        let buyers: Vec<&Summary> = histories
            .iter()
            .map(|h| &h.summary)
            .filter(|s| s.purchase_days > 0)
            .collect();
        let bg = match options.bg_nbd {
            Some(p) => Ok(p),
            None => {
                let rows: Vec<(f64, f64, f64)> = buyers
                    .iter()
                    .map(|s| (s.frequency, s.recency, s.t))
                    .collect();
                fit_bg_nbd(&rows).map_err(|e| e.message().to_string())
            }
        };
        let gg = match options.gamma_gamma {
            Some(p) => Ok(p),
            None => {
                let rows: Vec<(f64, f64)> = buyers
                    .iter()
                    .filter(|s| s.frequency > 0.0 && s.monetary > 0.0)
                    .map(|s| (s.frequency, s.monetary))
                    .collect();
                fit_gamma_gamma(&rows).map_err(|e| e.message().to_string())
            }
        };
        let sorted = |pick: fn(&Summary) -> f64| {
            let mut v: Vec<f64> = buyers.iter().map(|s| pick(s)).collect();
            v.sort_by(f64::total_cmp);
            v
        };
        let mut hour_counts = [0u64; 24];
        for h in histories.iter().flat_map(|h| &h.open_hours) {
            if let Some(c) = hour_counts.get_mut(usize::from(*h)) {
                *c += 1;
            }
        }
        Predictor {
            options: options.clone(),
            bg,
            gg,
            rfm_recency: sorted(|s| -s.days_since_last),
            rfm_frequency: sorted(|s| f64::from(s.purchase_days)),
            rfm_monetary: sorted(|s| s.total_spend),
            hour_counts,
            customers: buyers.len(),
            profiles: histories.len(),
        }
    }

    /// A scorer from given parameters, without a list: `options.bg_nbd` and
    /// `options.gamma_gamma` (either may be `None`: its fields are then
    /// `null`) and the list's most common open hour. Without the list there
    /// is no RFM population, so `rfm` is `null`; `best_send_hour` falls back
    /// to `population_send_hour` (which also breaks a subscriber's ties).
    pub fn from_params(options: &DeriveOptions, population_send_hour: Option<u8>) -> Predictor {
        let mut hour_counts = [0u64; 24];
        if let Some(c) = population_send_hour.and_then(|h| hour_counts.get_mut(usize::from(h))) {
            *c = 1;
        }
        let missing = |what: &str| format!("no {what} parameters were given");
        Predictor {
            options: options.clone(),
            bg: options.bg_nbd.ok_or_else(|| missing("BG/NBD")),
            gg: options.gamma_gamma.ok_or_else(|| missing("Gamma-Gamma")),
            rfm_recency: Vec::new(),
            rfm_frequency: Vec::new(),
            rfm_monetary: Vec::new(),
            hour_counts,
            customers: 0,
            profiles: 0,
        }
    }

    /// The options the predictor was made with (its `as_of`, zone, event types, …).
    pub fn options(&self) -> &DeriveOptions {
        &self.options
    }

    /// Whether RFM scores can be given: the predictor was fitted on a list
    /// with customers (not made by [`Predictor::from_params`]).
    pub fn has_rfm_population(&self) -> bool {
        !self.rfm_recency.is_empty()
    }

    /// The BG/NBD fit error, if it failed (or no parameters were given).
    pub fn bg_nbd_error(&self) -> Option<&str> {
        self.bg.as_ref().err().map(String::as_str)
    }

    /// The Gamma-Gamma fit error, if it failed (or no parameters were given).
    pub fn gamma_gamma_error(&self) -> Option<&str> {
        self.gg.as_ref().err().map(String::as_str)
    }

    /// The number of customers (profiles with a purchase) in the fitted list.
    pub fn customers(&self) -> usize {
        self.customers
    }

    /// Reads one profile with the predictor's options ([`profile_history`]).
    pub fn history(&self, row: usize, profile: &Value) -> Result<ProfileHistory> {
        profile_history(row, profile, &self.options)
    }

    /// The fitted BG/NBD parameters (per day), if the fit succeeded.
    pub fn bg_nbd(&self) -> Option<&BgNbdParams> {
        self.bg.as_ref().ok()
    }

    /// The fitted Gamma-Gamma parameters, if the fit succeeded.
    pub fn gamma_gamma(&self) -> Option<&GammaGammaParams> {
        self.gg.as_ref().ok()
    }

    /// The most common local open hour over the whole list (ties: the
    /// earliest), `None` without opens.
    pub fn population_send_hour(&self) -> Option<u8> {
        let max = *self.hour_counts.iter().max()?;
        if max == 0 {
            return None;
        }
        self.hour_counts
            .iter()
            .position(|&c| c == max)
            .map(|h| h as u8)
    }

    /// A JSON description of the models: `{ profiles, customers, bgNbd:
    /// {r, alpha, a, b, logLikelihood} | null, bgNbdError?, gammaGamma: … |
    /// null, gammaGammaError?, populationSendHour, unit: "day" }`.
    pub fn model(&self) -> Value {
        let mut m = Map::new();
        m.insert("profiles".into(), json!(self.profiles));
        m.insert("customers".into(), json!(self.customers));
        m.insert("unit".into(), json!("day"));
        match &self.bg {
            Ok(p) => {
                m.insert("bgNbd".into(), json!({"r": p.r, "alpha": p.alpha, "a": p.a, "b": p.b, "logLikelihood": p.log_likelihood}));
            }
            Err(e) => {
                m.insert("bgNbd".into(), Value::Null);
                m.insert("bgNbdError".into(), json!(e));
            }
        }
        match &self.gg {
            Ok(p) => {
                m.insert(
                    "gammaGamma".into(),
                    json!({"p": p.p, "q": p.q, "v": p.v, "logLikelihood": p.log_likelihood}),
                );
            }
            Err(e) => {
                m.insert("gammaGamma".into(), Value::Null);
                m.insert("gammaGammaError".into(), json!(e));
            }
        }
        m.insert(
            "populationSendHour".into(),
            json!(self.population_send_hour()),
        );
        Value::Object(m)
    }

    /// The RFM scores of a history against the fitted population (`None`
    /// without purchases).
    pub fn rfm(&self, h: &ProfileHistory) -> Option<RfmScore> {
        let s = &h.summary;
        (s.purchase_days > 0 && self.has_rfm_population()).then(|| RfmScore {
            r: quintile(&self.rfm_recency, -s.days_since_last),
            f: quintile(&self.rfm_frequency, f64::from(s.purchase_days)),
            m: quintile(&self.rfm_monetary, s.total_spend),
        })
    }

    /// The best local send hour: the subscriber's most common open hour, ties
    /// broken by the population's counts (then the earliest); without opens of
    /// their own, the population's most common hour.
    pub fn best_send_hour(&self, h: &ProfileHistory) -> Option<u8> {
        if h.open_hours.is_empty() {
            return self.population_send_hour();
        }
        let mut own = [0u64; 24];
        for &hour in &h.open_hours {
            if let Some(c) = own.get_mut(usize::from(hour)) {
                *c += 1;
            }
        }
        (0u8..24).max_by(|&x, &y| {
            let key = |h: u8| {
                let i = usize::from(h);
                (own.get(i).copied(), self.hour_counts.get(i).copied())
            };
            key(x).cmp(&key(y)).then(y.cmp(&x))
        })
    }

    /// The derived fields of one profile as a JSON object with the keys of
    /// [`DERIVED_FIELDS`]. Without purchases `rfm` and the model fields are
    /// `null` (unknown: the models describe customers); a model that could
    /// not be fitted gives `null` too.
    ///
    /// Errors: [`profile_history`]'s, with `row` as the profile's index.
    pub fn derive(&self, row: usize, profile: &Value) -> Result<Value> {
        let h = profile_history(row, profile, &self.options)?;
        Ok(self.derive_history(&h))
    }

    /// [`Predictor::derive`] for a history already read.
    pub fn derive_history(&self, h: &ProfileHistory) -> Value {
        let s = &h.summary;
        let buyer = s.purchase_days > 0;
        let num = |v: Option<f64>| {
            v.filter(|v| v.is_finite())
                .map_or(Value::Null, |v| json!(v))
        };
        let bg = self.bg.as_ref().ok().filter(|_| buyer);
        let s30 = bg.and_then(|m| m.score(30.0, s.frequency, s.recency, s.t).ok());
        let p_alive = s30.map(|v| v.p_alive);
        let p30 = s30.map(|v| v.purchase_probability);
        let e90 = bg.and_then(|m| m.score(90.0, s.frequency, s.recency, s.t).ok());
        let e90 = e90.map(|v| v.expected_purchases);
        let clv = match (bg, self.gg.as_ref()) {
            (Some(bg), Ok(gg)) => gg
                .clv(
                    bg,
                    s.frequency,
                    s.recency,
                    s.t,
                    s.monetary,
                    &self.options.clv,
                )
                .ok(),
            _ => None,
        };
        let as_of_day = local_day(self.options.as_of, self.options.time_zone);
        let lifecycle = self
            .options
            .lifecycle
            .stage(&h.purchases, h.signup_day, as_of_day)
            .ok()
            .map_or(Value::Null, |st| json!(st.as_str()));
        let rfm = self.rfm(h).map_or(
            Value::Null,
            |sc| json!({"r": sc.r, "f": sc.f, "m": sc.m, "segment": sc.segment().as_str()}),
        );
        let mut m = Map::new();
        m.insert("rfm".into(), rfm);
        m.insert("p_alive".into(), num(p_alive));
        m.insert("churn_risk".into(), num(p_alive.map(|p| 1.0 - p)));
        m.insert("purchase_probability_30d".into(), num(p30));
        m.insert("expected_purchases_90d".into(), num(e90));
        m.insert("predicted_clv".into(), num(clv));
        m.insert("lifecycle".into(), lifecycle);
        m.insert("best_send_hour".into(), json!(self.best_send_hour(h)));
        Value::Object(m)
    }

    /// The inputs behind one profile's derived fields, for an explanation:
    /// `{ asOf, unit: "day", frequency, recency, T, monetaryValue,
    /// purchaseDays, daysSinceLast, totalSpend, bgNbd, gammaGamma, rfm:
    /// { r, f, m, customers }, opens, openHoursUsed: "own" | "population",
    /// fields: <the derived fields> }`.
    ///
    /// Errors: [`profile_history`]'s, with `row` as the profile's index.
    pub fn explain(&self, row: usize, profile: &Value) -> Result<Value> {
        let h = profile_history(row, profile, &self.options)?;
        let s = &h.summary;
        let model = self.model();
        let rfm = self.rfm(&h).map_or(Value::Null, |sc| {
            json!({"r": sc.r, "f": sc.f, "m": sc.m, "code": sc.code(),
                   "segment": sc.segment().as_str(), "customers": self.customers})
        });
        Ok(json!({
            "asOf": self.options.as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "timeZone": self.options.time_zone.name(),
            "unit": "day",
            "frequency": s.frequency,
            "recency": s.recency,
            "T": s.t,
            "monetaryValue": s.monetary,
            "purchaseDays": s.purchase_days,
            "daysSinceLast": if s.purchase_days > 0 { json!(s.days_since_last) } else { Value::Null },
            "totalSpend": s.total_spend,
            "bgNbd": model.get("bgNbd").cloned().unwrap_or(Value::Null),
            "gammaGamma": model.get("gammaGamma").cloned().unwrap_or(Value::Null),
            "rfm": rfm,
            "opens": h.open_hours.len(),
            "openHoursUsed": if h.open_hours.is_empty() { "population" } else { "own" },
            "fields": self.derive_history(&h),
        }))
    }
}

/// Fits once on `profiles` and returns each profile's derived fields (same
/// order), with the model description of [`Predictor::model`].
///
/// ```
/// use kaleido::predict::{derive_fields, DeriveOptions};
/// use serde_json::json;
/// let as_of = kaleido::parse_as_of("2025-01-01", chrono_tz::Tz::UTC).unwrap();
/// let profiles = vec![json!({"id": 1, "events": [
///     {"type": "purchase", "at": "2024-12-20T10:00:00Z", "amount": 30},
///     {"type": "email_open", "at": "2024-12-21T18:05:00Z"}]})];
/// let (fields, _model) = derive_fields(&profiles, &DeriveOptions::new(as_of, chrono_tz::Tz::UTC)).unwrap();
/// assert_eq!(fields[0]["lifecycle"], "new");
/// assert_eq!(fields[0]["best_send_hour"], 18);
/// assert_eq!(fields[0]["p_alive"], serde_json::Value::Null); // one customer: no fit
/// ```
pub fn derive_fields(profiles: &[Value], options: &DeriveOptions) -> Result<(Vec<Value>, Value)> {
    let histories = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| profile_history(i, p, options))
        .collect::<Result<Vec<_>>>()?;
    let predictor = Predictor::from_histories(&histories, options);
    let fields = histories
        .iter()
        .map(|h| predictor.derive_history(h))
        .collect();
    Ok((fields, predictor.model()))
}

/// Writes derived fields (an object from [`derive_fields`]) into a profile
/// object, replacing attributes of the same names. A non-object profile is
/// left as it is.
pub fn merge_derived(profile: &mut Value, fields: &Value) {
    if let (Some(target), Some(source)) = (profile.as_object_mut(), fields.as_object()) {
        for (k, v) in source {
            target.insert(k.clone(), v.clone());
        }
    }
}

/// Writes derived fields into a profile object where the profile does not
/// carry them: keys that are absent or `null` get the derived value, others
/// keep the profile's own. Returns the keys written. This is how an
/// [`crate::Audience`] and [`crate::Segment::explain_predicted`] see derived
/// fields ([`merge_derived`] replaces every key instead).
pub fn merge_missing(profile: &mut Value, fields: &Value) -> Vec<String> {
    let mut written = Vec::new();
    if let (Some(target), Some(source)) = (profile.as_object_mut(), fields.as_object()) {
        for (k, v) in source {
            if target.get(k).is_none_or(Value::is_null) {
                target.insert(k.clone(), v.clone());
                written.push(k.clone());
            }
        }
    }
    written
}

/// The inputs behind one profile's predicted fields (see
/// [`Predictor::explain`]), for `Segment.explain` to attach: fits `predictor`
/// once per list and call this per profile.
pub fn explain_fields(predictor: &Predictor, row: usize, profile: &Value) -> Result<Value> {
    predictor.explain(row, profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::{rfm_scores, RfmSegment};
    use crate::{parse_as_of, EvalOptions, Segment};

    fn shared() -> std::path::PathBuf {
        if let Some(dir) = std::env::var_os("KALEIDO_SHARED") {
            return dir.into();
        }
        let beside = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
        if beside.is_dir() {
            return beside;
        }
        "/work/shared".into()
    }

    /// CDNOW_sample.txt as profiles with purchase events at midnight UTC.
    fn cdnow_profiles() -> Vec<Value> {
        let path = shared().join("corpora/cdnow/CDNOW_sample.txt");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut events: Vec<Vec<Value>> = vec![Vec::new(); 2358];
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let id: usize = f[1].parse().unwrap();
            let d = f[2];
            let at = format!("{}-{}-{}T00:00:00Z", &d[0..4], &d[4..6], &d[6..8]);
            let amount: f64 = f[4].parse().unwrap();
            events[id].push(json!({"type": "purchase", "at": at, "amount": amount}));
        }
        events
            .into_iter()
            .enumerate()
            .skip(1)
            .map(|(id, ev)| json!({"id": id, "events": ev}))
            .collect()
    }

    fn options(as_of: &str) -> DeriveOptions {
        DeriveOptions::new(parse_as_of(as_of, Tz::UTC).unwrap(), Tz::UTC)
    }

    #[test]
    fn cdnow_profiles_reproduce_published_fits_in_days() {
        let profiles = cdnow_profiles();
        let p = Predictor::fit(&profiles, &options("1997-09-30T23:59:59Z")).unwrap();
        let bg = p.bg_nbd().unwrap();
        let round = |v: f64, d: i32| (v * 10f64.powi(d)).round() / 10f64.powi(d);
        // Days instead of weeks: only the rate parameter alpha scales (by 7).
        assert_eq!(
            (
                round(bg.r, 3),
                round(bg.alpha / 7.0, 3),
                round(bg.a, 3),
                round(bg.b, 3)
            ),
            (0.243, 4.414, 0.793, 2.426),
            "{bg:?}"
        );
        let gg = p.gamma_gamma().unwrap();
        assert_eq!(
            (round(gg.p, 2), round(gg.q, 2), round(gg.v, 2)),
            (6.25, 3.74, 15.44)
        );
        assert_eq!(p.model()["customers"], 2357);
    }

    #[test]
    fn rfm_against_the_population_matches_rfm_scores() {
        let profiles = cdnow_profiles();
        let opts = options("1997-09-30T23:59:59Z");
        let (fields, _) = derive_fields(&profiles, &opts).unwrap();
        let hist: Vec<ProfileHistory> = profiles
            .iter()
            .enumerate()
            .map(|(i, p)| profile_history(i, p, &opts).unwrap())
            .collect();
        let rows: Vec<(f64, f64, f64)> = hist
            .iter()
            .map(|h| {
                let s = h.summary;
                (s.days_since_last, f64::from(s.purchase_days), s.total_spend)
            })
            .collect();
        let want = rfm_scores(&rows).unwrap();
        for (f, w) in fields.iter().zip(&want) {
            assert_eq!(f["rfm"]["r"], w.r);
            assert_eq!(f["rfm"]["f"], w.f);
            assert_eq!(f["rfm"]["m"], w.m);
            assert_eq!(f["rfm"]["segment"], w.segment().as_str());
        }
        assert!(want.iter().any(|w| w.segment() == RfmSegment::Champions));
    }

    #[test]
    fn merged_fields_work_in_segment_rules() {
        let mut profiles = cdnow_profiles();
        let opts = options("1997-09-30T23:59:59Z");
        let (fields, _) = derive_fields(&profiles, &opts).unwrap();
        for (p, f) in profiles.iter_mut().zip(&fields) {
            merge_derived(p, f);
        }
        let eval = EvalOptions::at(opts.as_of);
        let rule = Segment::parse("churn_risk > 0.7 and predicted_clv >= 20").unwrap();
        let mut members = 0;
        for p in &profiles {
            let want = p["churn_risk"].as_f64().unwrap() > 0.7
                && p["predicted_clv"].as_f64().unwrap() >= 20.0;
            assert_eq!(rule.test(p, &eval).unwrap(), want);
            members += usize::from(want);
        }
        assert!(members > 0);
        let rule = Segment::parse(
            "rfm.segment = \"champions\" and rfm.r = 5 and purchase_probability_30d > 0 \
             and expected_purchases_90d > 0 and lifecycle = \"active\" and p_alive <= 1",
        )
        .unwrap();
        let n = profiles
            .iter()
            .filter(|p| rule.test(p, &eval).unwrap())
            .count();
        assert!(n > 0, "no champion active");
        // Fields are consistent: churn = 1 − P(alive); P(buy in 30 d) ≤ P(alive).
        for f in &fields {
            let alive = f["p_alive"].as_f64().unwrap();
            assert!((f["churn_risk"].as_f64().unwrap() - (1.0 - alive)).abs() < 1e-12);
            assert!(f["purchase_probability_30d"].as_f64().unwrap() <= alive + 1e-12);
        }
    }

    #[test]
    fn best_send_hour_uses_the_subscriber_zone_and_the_population() {
        let opens = |ats: &[&str]| -> Vec<Value> {
            ats.iter()
                .map(|a| json!({"type": "email_open", "at": a}))
                .collect()
        };
        let profiles = vec![
            // 18:00 UTC = 19:00 in Berlin (winter).
            json!({"timezone": "Europe/Berlin", "events": opens(&["2024-12-01T18:00:00Z", "2024-12-02T18:30:00Z", "2024-12-03T07:00:00Z"])}),
            // A tie between 9 and 20 local: the population (mostly 20) decides.
            json!({"events": opens(&["2024-12-01T09:00:00Z", "2024-12-02T20:00:00Z"])}),
            json!({"events": opens(&["2024-12-01T20:00:00Z", "2024-12-02T20:10:00Z", "2024-12-03T20:20:00Z"])}),
            // No opens: the population's hour; a bad zone falls back to the list's.
            json!({"timezone": "Not/AZone", "events": []}),
            // Opens after asOf do not count.
            json!({"events": opens(&["2025-06-01T03:00:00Z"])}),
        ];
        let (fields, model) = derive_fields(&profiles, &options("2025-01-01")).unwrap();
        let hours: Vec<Value> = fields.iter().map(|f| f["best_send_hour"].clone()).collect();
        assert_eq!(
            hours,
            vec![json!(19), json!(20), json!(20), json!(20), json!(20)]
        );
        assert_eq!(model["populationSendHour"], 20);
        // Nobody bought: everything model-based is unknown, lifecycle is prospect.
        assert!(fields
            .iter()
            .all(|f| f["p_alive"].is_null() && f["rfm"].is_null()));
        assert_eq!(fields[0]["lifecycle"], "prospect");
        assert!(model["bgNbdError"].is_string());
        let none = derive_fields(&[json!({})], &options("2025-01-01"))
            .unwrap()
            .0;
        assert!(none[0]["best_send_hour"].is_null());
    }

    #[test]
    fn bad_profiles_are_data_errors_with_row_and_field() {
        let opts = options("2025-01-01");
        let cases = [
            (json!([1]), None),
            (json!({"events": {}}), Some("events")),
            (
                json!({"events": [{"type": "purchase", "at": "yesterday"}]}),
                Some("events[0].at"),
            ),
            (
                json!({"events": [{"type": "x"}, {"type": "purchase", "at": "2024-01-01", "amount": "12"}]}),
                Some("events[1].amount"),
            ),
            (json!({"signup_date": "soon"}), Some("signup_date")),
        ];
        for (bad, field) in cases {
            let profiles = vec![json!({"id": 1}), bad.clone()];
            let e = derive_fields(&profiles, &opts).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Data, "{bad}");
            assert_eq!(e.row(), Some(2), "{bad}");
            assert_eq!(e.field(), field, "{bad}");
        }
        // Unread event types, null amounts and null sign-ups are fine.
        let ok = json!({"signup_date": null, "events": [{"type": "view"}, {"type": "purchase", "at": "2024-12-30", "amount": null}]});
        let (f, _) = derive_fields(&[ok], &opts).unwrap();
        assert_eq!(f[0]["lifecycle"], "new");
    }

    #[test]
    fn explain_lists_the_inputs() {
        let profiles = cdnow_profiles();
        let opts = options("1997-09-30T23:59:59Z");
        let p = Predictor::fit(&profiles, &opts).unwrap();
        let first = profiles.first().unwrap();
        let e = explain_fields(&p, 0, first).unwrap();
        // Customer 1: purchases on days 0, 17, 213 before asOf (day 272).
        assert_eq!(e["frequency"], 2.0);
        assert_eq!(e["recency"], 213.0);
        assert_eq!(e["T"], 272.0);
        assert_eq!(e["bgNbd"]["r"], json!(p.bg_nbd().unwrap().r));
        assert_eq!(e["fields"], p.derive(0, first).unwrap());
        assert_eq!(e["openHoursUsed"], "population");
    }
}
