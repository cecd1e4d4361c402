//! Explanations of predicted fields: which rules read them, the model inputs
//! behind one profile's value, and [`Segment::explain_predicted`], which
//! attaches those inputs to the leaves of an explanation.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::derive::{merge_missing, Predictor, ProfileHistory, DERIVED_FIELDS};
use crate::error::Result;
use crate::rules::ast::Expr;
use crate::rules::{EvalOptions, Explanation, Segment, SegmentSet};

/// How deep `in segment` references are followed when collecting fields.
const MAX_DEPTH: u32 = 64;

/// The derived fields (their top-level names, as in [`DERIVED_FIELDS`]) that
/// a rule's attribute conditions read, following `in segment` references
/// through `segments`. Event conditions (and their `where` filters, which
/// read event properties) are not attribute reads of the profile.
///
/// ```
/// use kaleido::{predict::derived_heads, Segment};
/// let rule = Segment::parse("churn_risk > 0.7 and rfm.segment = \"lost\" and age > 3").unwrap();
/// assert_eq!(derived_heads(rule.expr(), None).into_iter().collect::<Vec<_>>(), ["churn_risk", "rfm"]);
/// ```
pub fn derived_heads(expr: &Expr, segments: Option<&SegmentSet>) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    collect(expr, segments, 0, &mut out, &mut seen);
    out
}

fn collect<'s>(
    expr: &'s Expr,
    segments: Option<&'s SegmentSet>,
    depth: u32,
    out: &mut BTreeSet<&'static str>,
    seen: &mut BTreeSet<&'s str>,
) {
    match expr {
        Expr::And { args, .. } | Expr::Or { args, .. } => {
            for a in args {
                collect(a, segments, depth, out, seen);
            }
        }
        Expr::Not { arg, .. } => collect(arg, segments, depth, out, seen),
        Expr::InSegment { name, .. } => {
            let Some(seg) = segments.and_then(|s| s.get(name)) else {
                return;
            };
            if depth < MAX_DEPTH && seen.insert(name.as_str()) {
                collect(seg.expr(), segments, depth + 1, out, seen);
            }
        }
        other => {
            let head = other.attribute_path().and_then(|p| p.first());
            if let Some(field) = head.and_then(|h| DERIVED_FIELDS.iter().find(|f| **f == h)) {
                out.insert(*field);
            }
        }
    }
}

/// A number as a person reads it: at most 4 significant decimals, no
/// trailing zeros (`30`, `0.2426`, `30.91`).
fn short(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 10) as usize;
    let s = format!("{x:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "0" || s == "-0" {
        format!("{x:.2e}")
    } else {
        s
    }
}

fn days(n: f64) -> String {
    if n == 1.0 {
        "1 day".into()
    } else {
        format!("{} days", short(n))
    }
}

fn purchase_days(n: u32) -> String {
    if n == 1 {
        "1 purchase day".into()
    } else {
        format!("{n} purchase days")
    }
}

/// The (local) `as_of` date, for phrases like "no purchases as of …".
fn as_of_text(p: &Predictor) -> String {
    let o = p.options();
    o.as_of
        .with_timezone(&o.time_zone)
        .format("%Y-%m-%d")
        .to_string()
}

/// "3 purchase days, the last 40 days ago, customer for 300 days".
fn history_text(h: &ProfileHistory) -> String {
    let s = &h.summary;
    format!(
        "{}, the last {} ago, customer for {}",
        purchase_days(s.purchase_days),
        days(s.days_since_last),
        days(s.t)
    )
}

/// The phrase and the inputs behind `field` (a name of [`DERIVED_FIELDS`])
/// for one profile's history, or `None` for a name that is not a derived
/// field. The inputs are `{ field, value, asOf, timeZone, unit: "day",
/// frequency, recency, T, monetaryValue, purchaseDays, daysSinceLast,
/// totalSpend }` plus, by field: `bgNbd` (and `gammaGamma`, `clv` for
/// `predicted_clv`), `rfm` (`{ r, f, m, code, segment, customers }`),
/// `lifecycle` (the thresholds) and `signupDaysAgo`, or `opens`,
/// `openHoursUsed` and `populationSendHour`; `error` says why a model is
/// missing.
///
/// The phrase reads like `3 purchase days, the last 40 days ago, customer
/// for 300 days; BG/NBD r=0.243, α=30.9, a=0.793, b=2.426`.
pub fn field_inputs(
    predictor: &Predictor,
    h: &ProfileHistory,
    field: &str,
) -> Option<(String, Value)> {
    let field = *DERIVED_FIELDS.iter().find(|f| **f == field)?;
    let s = &h.summary;
    let o = predictor.options();
    let fields = predictor.derive_history(h);
    let mut m = Map::new();
    m.insert("field".into(), json!(field));
    m.insert(
        "value".into(),
        fields.get(field).cloned().unwrap_or(Value::Null),
    );
    m.insert(
        "asOf".into(),
        json!(o.as_of.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    );
    m.insert("timeZone".into(), json!(o.time_zone.name()));
    m.insert("unit".into(), json!("day"));
    m.insert("frequency".into(), json!(s.frequency));
    m.insert("recency".into(), json!(s.recency));
    m.insert("T".into(), json!(s.t));
    m.insert("monetaryValue".into(), json!(s.monetary));
    m.insert("purchaseDays".into(), json!(s.purchase_days));
    m.insert(
        "daysSinceLast".into(),
        if s.purchase_days > 0 {
            json!(s.days_since_last)
        } else {
            Value::Null
        },
    );
    m.insert("totalSpend".into(), json!(s.total_spend));
    let buyer = s.purchase_days > 0;
    let no_purchases = || {
        format!(
            "no purchases as of {}: the purchase models describe customers",
            as_of_text(predictor)
        )
    };
    let bg_text = |m: &mut Map<String, Value>| -> std::result::Result<String, String> {
        match predictor.bg_nbd() {
            Some(p) => {
                m.insert(
                    "bgNbd".into(),
                    json!({"r": p.r, "alpha": p.alpha, "a": p.a, "b": p.b}),
                );
                Ok(format!(
                    "BG/NBD r={}, α={}, a={}, b={}",
                    short(p.r),
                    short(p.alpha),
                    short(p.a),
                    short(p.b)
                ))
            }
            None => {
                let e = predictor.bg_nbd_error().unwrap_or("no parameters");
                m.insert("bgNbd".into(), Value::Null);
                m.insert("error".into(), json!(e));
                Err(format!("BG/NBD not fitted: {e}"))
            }
        }
    };
    let text = match field {
        "p_alive" | "churn_risk" | "purchase_probability_30d" | "expected_purchases_90d" => {
            let model = bg_text(&mut m);
            match (buyer, model) {
                (false, _) => no_purchases(),
                (true, Err(e)) => e,
                (true, Ok(model)) => format!("{}; {model}", history_text(h)),
            }
        }
        "predicted_clv" => {
            let model = bg_text(&mut m);
            let spend = match predictor.gamma_gamma() {
                Some(p) => {
                    m.insert("gammaGamma".into(), json!({"p": p.p, "q": p.q, "v": p.v}));
                    Ok(format!(
                        "Gamma-Gamma p={}, q={}, v={}",
                        short(p.p),
                        short(p.q),
                        short(p.v)
                    ))
                }
                None => {
                    let e = predictor.gamma_gamma_error().unwrap_or("no parameters");
                    m.insert("gammaGamma".into(), Value::Null);
                    m.insert("error".into(), json!(e));
                    Err(format!("Gamma-Gamma not fitted: {e}"))
                }
            };
            m.insert(
                "clv".into(),
                json!({"months": o.clv.months, "monthlyDiscountRate": o.clv.monthly_discount_rate}),
            );
            match (buyer, model, spend) {
                (false, _, _) => no_purchases(),
                (true, Err(e), _) | (true, _, Err(e)) => e,
                (true, Ok(model), Ok(spend)) => format!(
                    "{}, mean repeat spend {}; {model}; {spend}; {} months at {}% a month",
                    history_text(h),
                    short(s.monetary),
                    o.clv.months,
                    short(o.clv.monthly_discount_rate * 100.0)
                ),
            }
        }
        "rfm" => match predictor.rfm(h) {
            Some(sc) => {
                m.insert(
                    "rfm".into(),
                    json!({"r": sc.r, "f": sc.f, "m": sc.m, "code": sc.code(),
                           "segment": sc.segment().as_str(), "customers": predictor.customers()}),
                );
                format!(
                    "last purchase {} ago, {}, {} spent: R{} F{} M{} among {} customers → {}",
                    days(s.days_since_last),
                    purchase_days(s.purchase_days),
                    short(s.total_spend),
                    sc.r,
                    sc.f,
                    sc.m,
                    predictor.customers(),
                    sc.segment().as_str()
                )
            }
            None if !buyer => format!("no purchases as of {}: no RFM score", as_of_text(predictor)),
            None => "RFM scores rank a whole list: this model has no list".into(),
        },
        "lifecycle" => {
            m.insert(
                "lifecycle".into(),
                serde_json::to_value(o.lifecycle).unwrap_or(Value::Null),
            );
            let as_of_day = {
                let local = o.as_of.with_timezone(&o.time_zone).naive_local().and_utc();
                local.timestamp_millis() as f64 / 86_400_000.0
            };
            let signup = h
                .signup_day
                .map(|d| (as_of_day.floor() - d.floor()).max(0.0));
            m.insert("signupDaysAgo".into(), json!(signup));
            let signup_text = signup
                .map(|d| format!(", signed up {} ago", days(d)))
                .unwrap_or_default();
            let l = &o.lifecycle;
            let thresholds = format!(
                "new ≤ {}, active ≤ {}, lapsed > {}, churned > {} days",
                short(l.new_days),
                short(l.active_days),
                short(l.lapsed_days),
                short(l.churned_days)
            );
            if buyer {
                format!("{}{signup_text}; {thresholds}", history_text(h))
            } else {
                format!(
                    "no purchases as of {}{signup_text}; {thresholds}",
                    as_of_text(predictor)
                )
            }
        }
        _ => {
            let own = !h.open_hours.is_empty();
            m.insert("opens".into(), json!(h.open_hours.len()));
            m.insert(
                "openHoursUsed".into(),
                json!(if own { "own" } else { "population" }),
            );
            m.insert(
                "populationSendHour".into(),
                json!(predictor.population_send_hour()),
            );
            match (own, predictor.population_send_hour()) {
                (true, _) => format!(
                    "from {} of their own, in local hours",
                    if h.open_hours.len() == 1 {
                        "1 open".to_string()
                    } else {
                        format!("{} opens", h.open_hours.len())
                    }
                ),
                (false, Some(hour)) => {
                    format!("no opens of their own: the list's most common open hour, {hour}")
                }
                (false, None) => "no opens in the list".into(),
            }
        }
    };
    Some((text, Value::Object(m)))
}

impl Segment {
    /// [`Segment::explain`] with predicted fields: the profile's derived
    /// fields (from `predictor`, see [`Predictor::derive`]) fill the keys it
    /// does not carry (absent or `null`; [`merge_missing`]), and each leaf
    /// reading such a field gets the model inputs behind its value in
    /// `inputs` and a phrase in its text, e.g. `churn_risk is 0.82 (2
    /// purchase days, the last 40 days ago, customer for 300 days; BG/NBD
    /// r=…, α=…, a=…, b=…) → > 0.7: true`. The result equals `evaluate` on
    /// the profile with those fields merged.
    ///
    /// `row` (0-based) only numbers the profile in data errors. A rule that
    /// reads no derived field is explained as [`Segment::explain`] does.
    /// Errors: `explain`'s and [`crate::predict::profile_history`]'s.
    pub fn explain_predicted(
        &self,
        profile: &Value,
        opts: &EvalOptions,
        predictor: &Predictor,
        row: usize,
    ) -> Result<Explanation> {
        self.explain_predicted_only(profile, opts, predictor, row, &|_| true)
    }

    /// [`Segment::explain_predicted`] deriving only the fields for which
    /// `derive` is true (the others are read from the profile as they are).
    pub(crate) fn explain_predicted_only(
        &self,
        profile: &Value,
        opts: &EvalOptions,
        predictor: &Predictor,
        row: usize,
        derive: &dyn Fn(&str) -> bool,
    ) -> Result<Explanation> {
        if !derived_heads(self.expr(), opts.segments)
            .iter()
            .any(|f| derive(f))
        {
            return self.explain(profile, opts);
        }
        let h = predictor.history(row, profile)?;
        let mut fields = predictor.derive_history(&h);
        if let Some(obj) = fields.as_object_mut() {
            obj.retain(|k, _| derive(k));
        }
        let mut merged = profile.clone();
        let written = merge_missing(&mut merged, &fields);
        let annotate = |path: &[String]| {
            let head = path.first()?;
            if !written.iter().any(|w| w == head) {
                return None;
            }
            field_inputs(predictor, &h, head)
        };
        self.explain_annotated(&merged, opts, &annotate)
    }
}
