//! `predict` for JavaScript: model fits on summary rows, scoring, summaries,
//! RFM, lifecycle, and derived fields of whole profile lists. The JS entry
//! points gather these functions into the frozen `predict` object.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Array, Float64Array, Object, Reflect};
use serde::Deserialize;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::options::eval_options;
use super::{argument, data_from_js, from_js, to_js, to_js_error};
use crate::error::{Error, ErrorKind};
use crate::predict::{
    fit_bg_nbd, fit_gamma_gamma, profile_history, rfm_scores, score_columns, summarize,
    BgNbdParams, ClvOptions, DeriveOptions, GammaGammaParams, LifecycleConfig, Predictor,
};

fn data_error(row: Option<usize>, field: &str, message: String) -> JsValue {
    to_js_error(
        &Error::new(ErrorKind::Data, message)
            .with_row_field(row.map(|r| r as u64 + 1), Some(field.to_owned())),
    )
}

/// Numeric columns read from rows (`[{ frequency, recency, T }, …]`) or from
/// a columns object (`{ frequency: Float64Array | number[], … }`).
struct Columns {
    /// One vector per requested name; an absent optional column is empty.
    columns: Vec<Vec<f64>>,
    len: usize,
    /// Whether the input was a columns object (results then come as columns).
    columnar: bool,
}

impl Columns {
    fn get(&self, i: usize) -> &[f64] {
        self.columns.get(i).map_or(&[], Vec::as_slice)
    }
}

/// Reads `required` and, where present, `optional` numeric fields. Rows:
/// an optional field is read when the first row has it, and then every row
/// must. Errors: `argument` for a wrong shape; `data` with the 1-based row
/// and the field for a value that is not a finite number.
fn read_columns(value: &JsValue, required: &[&str], optional: &[&str]) -> Result<Columns, JsValue> {
    let names: Vec<&str> = required.iter().chain(optional).copied().collect();
    if Array::is_array(value) {
        let rows = data_from_js(value, None)?;
        let rows = rows.as_array().map(Vec::as_slice).unwrap_or(&[]);
        let first = rows.first();
        let wanted: Vec<(usize, &str)> = names
            .iter()
            .enumerate()
            .filter(|(i, n)| *i < required.len() || first.and_then(|r| r.get(**n)).is_some())
            .map(|(i, n)| (i, *n))
            .collect();
        let mut columns = vec![Vec::new(); names.len()];
        for &(i, _) in &wanted {
            if let Some(col) = columns.get_mut(i) {
                col.reserve(rows.len());
            }
        }
        for (r, row) in rows.iter().enumerate() {
            if !row.is_object() {
                return Err(to_js_error(
                    &Error::new(ErrorKind::Data, format!("row must be an object, got {row}"))
                        .with_row_field(Some(r as u64 + 1), None),
                ));
            }
            for &(i, name) in &wanted {
                let v = row
                    .get(name)
                    .and_then(Value::as_f64)
                    .filter(|v| v.is_finite());
                let v = v.ok_or_else(|| {
                    let got = row.get(name).map_or("nothing".to_owned(), Value::to_string);
                    data_error(
                        Some(r),
                        name,
                        format!("{name} must be a finite number, got {got}"),
                    )
                })?;
                if let Some(col) = columns.get_mut(i) {
                    col.push(v);
                }
            }
        }
        return Ok(Columns {
            columns,
            len: rows.len(),
            columnar: false,
        });
    }
    if !value.is_object() {
        return Err(argument(format!(
            "expected an array of rows or an object of columns ({})",
            required.join(", ")
        )));
    }
    let mut columns = Vec::with_capacity(names.len());
    let mut len: Option<usize> = None;
    for (i, name) in names.iter().enumerate() {
        let col = Reflect::get(value, &JsValue::from_str(name))?;
        if col.is_undefined() || col.is_null() {
            if i < required.len() {
                return Err(argument(format!(
                    "the columns object has no {name:?} column"
                )));
            }
            columns.push(Vec::new());
            continue;
        }
        let values: Vec<f64> = if let Some(typed) = col.dyn_ref::<Float64Array>() {
            typed.to_vec()
        } else if Array::is_array(&col) {
            let data = data_from_js(&col, Some(name))?;
            let items = data.as_array().map(Vec::as_slice).unwrap_or(&[]);
            let mut out = Vec::with_capacity(items.len());
            for (r, v) in items.iter().enumerate() {
                out.push(v.as_f64().ok_or_else(|| {
                    data_error(
                        Some(r),
                        name,
                        format!("{name} must be a finite number, got {v}"),
                    )
                })?);
            }
            out
        } else {
            return Err(argument(format!(
                "column {name:?} must be a Float64Array or an array of numbers"
            )));
        };
        if let Some(r) = values.iter().position(|v| !v.is_finite()) {
            return Err(data_error(
                Some(r),
                name,
                format!("{name} must be a finite number"),
            ));
        }
        match len {
            Some(n) if n != values.len() => {
                return Err(argument(format!(
                    "column {name:?} has {} values, the others {n}",
                    values.len()
                )))
            }
            _ => len = Some(values.len()),
        }
        columns.push(values);
    }
    Ok(Columns {
        columns,
        len: len.unwrap_or(0),
        columnar: true,
    })
}

/// `predict.fitBgNbd(rows)`: `{ r, alpha, a, b, logLikelihood }`.
#[wasm_bindgen(js_name = predictFitBgNbd)]
pub fn predict_fit_bg_nbd(rows: JsValue) -> Result<JsValue, JsValue> {
    let c = read_columns(&rows, &["frequency", "recency", "T"], &[])?;
    let (x, tx, t) = (c.get(0), c.get(1), c.get(2));
    let rows: Vec<(f64, f64, f64)> = x
        .iter()
        .zip(tx)
        .zip(t)
        .map(|((a, b), c)| (*a, *b, *c))
        .collect();
    let p = fit_bg_nbd(&rows).map_err(|e| to_js_error(&e))?;
    to_js(&bg_json(&p))
}

/// `predict.fitGammaGamma(rows)`: `{ p, q, v, logLikelihood }`; rows with
/// frequency 0 are skipped.
#[wasm_bindgen(js_name = predictFitGammaGamma)]
pub fn predict_fit_gamma_gamma(rows: JsValue) -> Result<JsValue, JsValue> {
    let c = read_columns(&rows, &["frequency", "monetaryValue"], &[])?;
    let rows: Vec<(f64, f64)> = c
        .get(0)
        .iter()
        .copied()
        .zip(c.get(1).iter().copied())
        .collect();
    let p = fit_gamma_gamma(&rows).map_err(|e| {
        // The core names the field in Rust style; JS callers wrote `monetaryValue`.
        if e.field() == Some("monetary_value") {
            to_js_error(
                &e.clone()
                    .with_row_field(e.row(), Some("monetaryValue".into())),
            )
        } else {
            to_js_error(&e)
        }
    })?;
    to_js(&json!({"p": p.p, "q": p.q, "v": p.v, "logLikelihood": p.log_likelihood}))
}

fn bg_json(p: &BgNbdParams) -> Value {
    json!({"r": p.r, "alpha": p.alpha, "a": p.a, "b": p.b, "logLikelihood": p.log_likelihood})
}

#[derive(Deserialize)]
struct BgJs {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

#[derive(Deserialize)]
struct GgJs {
    p: f64,
    q: f64,
    v: f64,
}

/// A model as JS passes it: what `fitBgNbd`/`fitGammaGamma` or
/// `Predictor.model` return.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ModelJs {
    #[serde(default)]
    bg_nbd: Option<BgJs>,
    #[serde(default)]
    gamma_gamma: Option<GgJs>,
    /// The list's most common open hour (`Predictor.model.populationSendHour`).
    #[serde(default)]
    population_send_hour: Option<f64>,
}

fn positive(name: &str, v: f64) -> Result<f64, JsValue> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(to_js_error(
            &Error::new(
                ErrorKind::Argument,
                format!("{name} must be finite and > 0, got {v}"),
            )
            .with_row_field(None, Some(name.to_owned())),
        ))
    }
}

impl ModelJs {
    fn bg(&self) -> Result<Option<BgNbdParams>, JsValue> {
        self.bg_nbd
            .as_ref()
            .map(|p| {
                Ok(BgNbdParams {
                    r: positive("bgNbd.r", p.r)?,
                    alpha: positive("bgNbd.alpha", p.alpha)?,
                    a: positive("bgNbd.a", p.a)?,
                    b: positive("bgNbd.b", p.b)?,
                    log_likelihood: 0.0,
                })
            })
            .transpose()
    }

    fn gg(&self) -> Result<Option<GammaGammaParams>, JsValue> {
        self.gamma_gamma
            .as_ref()
            .map(|p| {
                Ok(GammaGammaParams {
                    p: positive("gammaGamma.p", p.p)?,
                    q: positive("gammaGamma.q", p.q)?,
                    v: positive("gammaGamma.v", p.v)?,
                    log_likelihood: 0.0,
                })
            })
            .transpose()
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ClvJs {
    months: Option<u32>,
    monthly_discount_rate: Option<f64>,
    periods_per_month: Option<f64>,
}

impl ClvJs {
    fn apply(&self, base: ClvOptions) -> ClvOptions {
        ClvOptions {
            months: self.months.unwrap_or(base.months),
            monthly_discount_rate: self
                .monthly_discount_rate
                .unwrap_or(base.monthly_discount_rate),
            periods_per_month: self.periods_per_month.unwrap_or(base.periods_per_month),
        }
    }
}

/// `score` options: `{ horizon?, clv? }`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ScoreOptionsJs {
    horizon: Option<f64>,
    #[serde(default)]
    clv: ClvJs,
}

/// `predict.score(model, rows, options?)`: per customer `pAlive`,
/// `expectedPurchases` and `purchaseProbability` over `horizon` model units
/// (default 30), plus `expectedSpend` and `clv` when the model has Gamma-Gamma
/// parameters and the rows a `monetaryValue`. Rows in, an array of objects
/// out; columns in, an object of `Float64Array`s out.
#[wasm_bindgen(js_name = predictScore)]
pub fn predict_score(model: JsValue, rows: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let model: ModelJs = if model.is_object() {
        from_js(model, "invalid model")?
    } else {
        return Err(argument("model must be an object { bgNbd, gammaGamma? }"));
    };
    let bg = model
        .bg()?
        .ok_or_else(|| argument("model.bgNbd ({ r, alpha, a, b }) is required"))?;
    let gg = model.gg()?;
    let options: ScoreOptionsJs = if options.is_undefined() || options.is_null() {
        ScoreOptionsJs::default()
    } else {
        from_js(options, "invalid options")?
    };
    let horizon = options.horizon.unwrap_or(30.0);
    if !(horizon.is_finite() && horizon >= 0.0) {
        return Err(argument(format!(
            "horizon must be a finite number >= 0, got {horizon}"
        )));
    }
    let clv_options = options.clv.apply(ClvOptions::default());
    let c = read_columns(&rows, &["frequency", "recency", "T"], &["monetaryValue"])?;
    let with_spend = gg.is_some() && c.get(3).len() == c.len;
    let n = c.len;
    let spend_capacity = if with_spend { n } else { 0 };
    let mut out: [Vec<f64>; 5] = [
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(spend_capacity),
        Vec::with_capacity(spend_capacity),
    ];
    let (xs, txs, ts, ms) = (c.get(0), c.get(1), c.get(2), c.get(3));
    if let Some(i) = (0..n).find(|&i| {
        let (x, tx, t) = (xs.get(i), txs.get(i), ts.get(i));
        x.is_some_and(|x| *x < 0.0) || tx.is_some_and(|tx| *tx < 0.0 || t.is_some_and(|t| tx > t))
    }) {
        let field = if xs.get(i).is_some_and(|x| *x < 0.0) {
            "frequency"
        } else {
            "recency"
        };
        return Err(data_error(
            Some(i),
            field,
            "need frequency >= 0 and 0 <= recency <= T".to_owned(),
        ));
    }
    let scores = score_columns(&bg, horizon, xs, txs, ts)
        .map_err(|(i, e)| data_error(Some(i), "T", e.message().to_string()))?;
    for (i, s) in scores.iter().enumerate() {
        let [alive, expected, prob, spend, clv] = &mut out;
        alive.push(s.p_alive);
        expected.push(s.expected_purchases);
        prob.push(s.purchase_probability);
        if let (true, Some(gg)) = (with_spend, gg.as_ref()) {
            let at = |e: Error| data_error(Some(i), "monetaryValue", e.message().to_string());
            let (Some(&x), Some(&tx), Some(&t)) = (xs.get(i), txs.get(i), ts.get(i)) else {
                break;
            };
            let m = ms.get(i).copied().unwrap_or(0.0);
            spend.push(gg.expected_spend(x, m).map_err(at)?);
            clv.push(gg.clv(&bg, x, tx, t, m, &clv_options).map_err(at)?);
        }
    }
    let keep = if with_spend { 5 } else { 3 };
    let out: Vec<Vec<f64>> = out.into_iter().take(keep).collect();
    let names = [
        "pAlive",
        "expectedPurchases",
        "purchaseProbability",
        "expectedSpend",
        "clv",
    ];
    if c.columnar {
        let obj = Object::new();
        for (name, col) in names.iter().zip(&out) {
            Reflect::set(
                &obj,
                &JsValue::from_str(name),
                &Float64Array::from(col.as_slice()),
            )?;
        }
        return Ok(obj.into());
    }
    let rows: Vec<Value> = (0..n)
        .map(|i| {
            let mut m = serde_json::Map::new();
            for (name, col) in names.iter().zip(&out) {
                m.insert(
                    (*name).into(),
                    json!(col.get(i).copied().unwrap_or(f64::NAN)),
                );
            }
            Value::Object(m)
        })
        .collect();
    to_js(&rows)
}

/// `predict.rfm(rows)`: `[{ r, f, m, segment, code }]` for rows of
/// `{ recency, frequency, monetary }` (recency: time since the last purchase).
#[wasm_bindgen(js_name = predictRfm)]
pub fn predict_rfm(rows: JsValue) -> Result<JsValue, JsValue> {
    let c = read_columns(&rows, &["recency", "frequency", "monetary"], &[])?;
    let rows: Vec<(f64, f64, f64)> = c
        .get(0)
        .iter()
        .zip(c.get(1))
        .zip(c.get(2))
        .map(|((a, b), c)| (*a, *b, *c))
        .collect();
    let scores = rfm_scores(&rows).map_err(|e| to_js_error(&e))?;
    let out: Vec<Value> = scores
        .iter()
        .map(|s| json!({"r": s.r, "f": s.f, "m": s.m, "segment": s.segment().as_str(), "code": s.code()}))
        .collect();
    to_js(&out)
}

/// Lifecycle thresholds as JS writes them (days; camelCase).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct LifecycleJs {
    new_days: Option<f64>,
    active_days: Option<f64>,
    lapsed_days: Option<f64>,
    churned_days: Option<f64>,
    reactivation_gap_days: Option<f64>,
    reactivated_days: Option<f64>,
    vip_window_days: Option<f64>,
    vip_min_purchases: Option<u32>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    vip_min_spend: JsValue,
}

/// Options of the profile functions (`summarize`, `lifecycle`, `fit`,
/// `deriveFields`): everything but `asOf`/`timeZone`, read by `eval_options`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ProfileOptionsJs {
    event_type: Option<String>,
    amount_field: Option<String>,
    open_event_type: Option<String>,
    time_zone_field: Option<String>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    signup_field: JsValue,
    #[serde(default)]
    lifecycle: LifecycleJs,
    #[serde(default)]
    clv: ClvJs,
    #[serde(default)]
    model: ModelJs,
    unit_days: Option<f64>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    as_of: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    time_zone: JsValue,
}

/// Reads the profile options; returns the core's options and `unitDays`.
pub(super) fn derive_options(options: JsValue) -> Result<(DeriveOptions, f64), JsValue> {
    let clock = eval_options(options.clone())?;
    let clock = clock.get();
    let js: ProfileOptionsJs = if options.is_undefined() || options.is_null() {
        ProfileOptionsJs::default()
    } else {
        from_js(options, "invalid options")?
    };
    let mut o = DeriveOptions::new(clock.as_of, clock.time_zone);
    if let Some(v) = js.event_type {
        o.event_type = v;
    }
    if let Some(v) = js.amount_field {
        o.amount_field = v;
    }
    if let Some(v) = js.open_event_type {
        o.open_event_type = v;
    }
    if let Some(v) = js.time_zone_field {
        o.time_zone_field = v;
    }
    if js.signup_field.is_null() {
        o.signup_field = None;
    } else if let Some(s) = js.signup_field.as_string() {
        o.signup_field = Some(s);
    } else if !js.signup_field.is_undefined() {
        return Err(argument("signupField must be a string or null"));
    }
    let l = &js.lifecycle;
    let d = LifecycleConfig::default();
    o.lifecycle = LifecycleConfig {
        new_days: l.new_days.unwrap_or(d.new_days),
        active_days: l.active_days.unwrap_or(d.active_days),
        lapsed_days: l.lapsed_days.unwrap_or(d.lapsed_days),
        churned_days: l.churned_days.unwrap_or(d.churned_days),
        reactivation_gap_days: l.reactivation_gap_days.unwrap_or(d.reactivation_gap_days),
        reactivated_days: l.reactivated_days.unwrap_or(d.reactivated_days),
        vip_window_days: l.vip_window_days.unwrap_or(d.vip_window_days),
        vip_min_purchases: l.vip_min_purchases.unwrap_or(d.vip_min_purchases),
        vip_min_spend: if l.vip_min_spend.is_undefined() || l.vip_min_spend.is_null() {
            d.vip_min_spend
        } else {
            Some(
                l.vip_min_spend
                    .as_f64()
                    .ok_or_else(|| argument("lifecycle.vipMinSpend must be a number or null"))?,
            )
        },
    };
    o.lifecycle.validate().map_err(|e| to_js_error(&e))?;
    o.clv = js.clv.apply(o.clv);
    o.bg_nbd = js.model.bg()?;
    o.gamma_gamma = js.model.gg()?;
    let unit_days = js.unit_days.unwrap_or(1.0);
    if !(unit_days.is_finite() && unit_days > 0.0) {
        return Err(argument(format!(
            "unitDays must be a number > 0, got {unit_days}"
        )));
    }
    let _ = (js.as_of, js.time_zone);
    Ok((o, unit_days))
}

/// Reads an array of profiles.
fn profiles_from_js(profiles: &JsValue) -> Result<Vec<Value>, JsValue> {
    if !Array::is_array(profiles) {
        return Err(argument("profiles must be an array of objects"));
    }
    match data_from_js(profiles, None)? {
        Value::Array(a) => Ok(a),
        _ => Err(argument("profiles must be an array of objects")),
    }
}

/// `predict.summarize(profiles, options?)`: per profile `{ frequency,
/// recency, T, monetaryValue, purchaseDays, daysSinceLast, totalSpend }` in
/// units of `unitDays` days (default 1), from its purchase events.
#[wasm_bindgen(js_name = predictSummarize)]
pub fn predict_summarize(profiles: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (o, unit_days) = derive_options(options)?;
    let profiles = profiles_from_js(&profiles)?;
    let as_of_day = {
        let local = o.as_of.with_timezone(&o.time_zone).naive_local().and_utc();
        local.timestamp_millis() as f64 / 86_400_000.0
    };
    let mut out = Vec::with_capacity(profiles.len());
    for (i, p) in profiles.iter().enumerate() {
        let h = profile_history(i, p, &o).map_err(|e| to_js_error(&e))?;
        let s = summarize(&h.purchases, as_of_day, unit_days).map_err(|e| to_js_error(&e))?;
        out.push(json!({
            "frequency": s.frequency, "recency": s.recency, "T": s.t,
            "monetaryValue": s.monetary, "purchaseDays": s.purchase_days,
            "daysSinceLast": s.days_since_last, "totalSpend": s.total_spend,
        }));
    }
    to_js(&out)
}

/// `predict.lifecycle(profile, options?)`: the stage name of one profile.
#[wasm_bindgen(js_name = predictLifecycle)]
pub fn predict_lifecycle(profile: JsValue, options: JsValue) -> Result<String, JsValue> {
    let (o, _) = derive_options(options)?;
    let p = data_from_js(&profile, None)?;
    let h = profile_history(0, &p, &o).map_err(|e| to_js_error(&e))?;
    let as_of_day = {
        let local = o.as_of.with_timezone(&o.time_zone).naive_local().and_utc();
        local.timestamp_millis() as f64 / 86_400_000.0
    };
    let stage = o
        .lifecycle
        .stage(&h.purchases, h.signup_day, as_of_day)
        .map_err(|e| to_js_error(&e))?;
    Ok(stage.as_str().to_owned())
}

thread_local! {
    /// Live predictors by id, so an options object's `predictor` (a JS
    /// `Predictor` instance) can be found again without taking it over.
    static PREDICTORS: RefCell<HashMap<u32, Rc<Predictor>>> = RefCell::new(HashMap::new());
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// A model fitted on a profile list (JS class `Predictor`, made by
/// `predict.fit`): derives fields and explains them for any profile.
#[wasm_bindgen(js_name = Predictor)]
pub struct JsPredictor {
    inner: Rc<Predictor>,
    id: u32,
}

impl JsPredictor {
    fn new(p: Predictor) -> JsPredictor {
        let inner = Rc::new(p);
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id.wrapping_add(1));
            id
        });
        PREDICTORS.with(|m| m.borrow_mut().insert(id, inner.clone()));
        JsPredictor { inner, id }
    }
}

impl Drop for JsPredictor {
    fn drop(&mut self) {
        PREDICTORS.with(|m| m.borrow_mut().remove(&self.id));
    }
}

fn argument_field(field: &str, message: String) -> JsValue {
    to_js_error(
        &Error::new(ErrorKind::Argument, message).with_row_field(None, Some(field.to_owned())),
    )
}

/// The predictor `Segment.explain` uses for predicted fields: the options'
/// `predictor` (a `Predictor` from `predict.fit`), or one made from
/// `model` (`{ bgNbd?, gammaGamma?, populationSendHour? }`, e.g. a
/// `Predictor.model`) with the options' `asOf`, `timeZone` and prediction
/// options; `None` without either.
pub(super) fn explain_predictor(options: &JsValue) -> Result<Option<Rc<Predictor>>, JsValue> {
    if !options.is_object() {
        return Ok(None);
    }
    let predictor = Reflect::get(options, &JsValue::from_str("predictor"))?;
    let model = Reflect::get(options, &JsValue::from_str("model"))?;
    let given = |v: &JsValue| !(v.is_undefined() || v.is_null());
    match (given(&predictor), given(&model)) {
        (false, false) => Ok(None),
        (true, true) => Err(argument_field(
            "predictor",
            "give either options.predictor or options.model, not both".into(),
        )),
        (true, false) => {
            let bad = || {
                argument_field(
                    "predictor",
                    "options.predictor must be a Predictor (from predict.fit) that was not freed"
                        .into(),
                )
            };
            // A freed Predictor throws from its getter: that is a bad argument too.
            let id = if predictor.is_object() {
                Reflect::get(&predictor, &JsValue::from_str("__kaleidoPredictor"))
                    .ok()
                    .and_then(|v| v.as_f64())
            } else {
                None
            };
            let id = id.ok_or_else(bad)? as u32;
            PREDICTORS
                .with(|m| m.borrow().get(&id).cloned())
                .map(Some)
                .ok_or_else(bad)
        }
        (false, true) => {
            if !model.is_object() {
                return Err(argument_field(
                    "model",
                    "options.model must be an object like Predictor.model".into(),
                ));
            }
            let (o, _) = derive_options(options.clone())?;
            if o.bg_nbd.is_none() && o.gamma_gamma.is_none() {
                return Err(argument_field(
                    "model",
                    "options.model needs bgNbd or gammaGamma parameters".into(),
                ));
            }
            let js: ModelJs = from_js(model, "invalid options.model")?;
            let hour = match js.population_send_hour {
                None => None,
                Some(h) if (0.0..24.0).contains(&h) && h.fract() == 0.0 => Some(h as u8),
                Some(h) => {
                    return Err(argument_field(
                        "model.populationSendHour",
                        format!("model.populationSendHour must be an hour 0-23 or null, got {h}"),
                    ))
                }
            };
            Ok(Some(Rc::new(Predictor::from_params(&o, hour))))
        }
    }
}

/// The option keys of `audience.derive`.
pub(super) const DERIVE_KEYS: &[&str] = &[
    "asOf",
    "timeZone",
    "eventType",
    "amountField",
    "openEventType",
    "timeZoneField",
    "signupField",
    "lifecycle",
    "clv",
    "model",
];

/// [`derive_options`] for APIs that check their options: a key outside
/// `allowed` or a value of the wrong type is an `argument` error whose
/// `field` names the option.
pub(super) fn derive_options_strict(
    options: JsValue,
    allowed: &[&str],
) -> Result<DeriveOptions, JsValue> {
    if options.is_undefined() || options.is_null() {
        return derive_options(options).map(|(o, _)| o);
    }
    let Some(obj) = options.dyn_ref::<Object>() else {
        return Err(argument("options must be an object"));
    };
    let keys: Vec<String> = Object::keys(obj)
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    for k in &keys {
        if !allowed.contains(&k.as_str()) {
            return Err(argument_field(
                k,
                format!("unknown option {k:?} (known: {})", allowed.join(", ")),
            ));
        }
    }
    match derive_options(options.clone()) {
        Ok((o, _)) => Ok(o),
        Err(e) => {
            if Reflect::get(&e, &JsValue::from_str("field"))?.is_undefined() {
                // Find the option at fault: the first that fails on its own.
                for k in &keys {
                    let one = Object::new();
                    Reflect::set(
                        &one,
                        &JsValue::from_str(k),
                        &Reflect::get(&options, &JsValue::from_str(k))?,
                    )?;
                    if k == "asOf" {
                        Reflect::set(
                            &one,
                            &JsValue::from_str("timeZone"),
                            &Reflect::get(&options, &JsValue::from_str("timeZone"))?,
                        )?;
                    }
                    if derive_options(one.into()).is_err() {
                        Reflect::set(&e, &JsValue::from_str("field"), &JsValue::from_str(k))?;
                        break;
                    }
                }
            }
            Err(e)
        }
    }
}

#[wasm_bindgen(js_class = Predictor)]
impl JsPredictor {
    /// The registry id (read back when the predictor is passed inside options).
    #[wasm_bindgen(getter = __kaleidoPredictor)]
    pub fn registry_id(&self) -> u32 {
        self.id
    }

    /// `{ profiles, customers, unit, bgNbd, gammaGamma, populationSendHour, … }`.
    #[wasm_bindgen(getter)]
    pub fn model(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.model())
    }

    /// The derived fields of one profile.
    pub fn derive(&self, profile: JsValue) -> Result<JsValue, JsValue> {
        let p = data_from_js(&profile, None)?;
        to_js(&self.inner.derive(0, &p).map_err(|e| to_js_error(&e))?)
    }

    /// The derived fields of each profile (a parallel array).
    #[wasm_bindgen(js_name = deriveAll)]
    pub fn derive_all(&self, profiles: JsValue) -> Result<JsValue, JsValue> {
        let profiles = profiles_from_js(&profiles)?;
        let mut out = Vec::with_capacity(profiles.len());
        for (i, p) in profiles.iter().enumerate() {
            out.push(self.inner.derive(i, p).map_err(|e| to_js_error(&e))?);
        }
        to_js(&out)
    }

    /// The inputs behind one profile's derived fields.
    pub fn explain(&self, profile: JsValue) -> Result<JsValue, JsValue> {
        let p = data_from_js(&profile, None)?;
        to_js(&self.inner.explain(0, &p).map_err(|e| to_js_error(&e))?)
    }
}

/// `predict.fit(profiles, options?)`: reads the list once and fits both models.
#[wasm_bindgen(js_name = predictFit)]
pub fn predict_fit(profiles: JsValue, options: JsValue) -> Result<JsPredictor, JsValue> {
    let (o, _) = derive_options(options)?;
    let profiles = profiles_from_js(&profiles)?;
    let inner = Predictor::fit(&profiles, &o).map_err(|e| to_js_error(&e))?;
    Ok(JsPredictor::new(inner))
}

/// `predict.deriveFields(profiles, options?)`: `{ fields, model }`, the
/// derived fields of each profile (parallel array) after one fit.
#[wasm_bindgen(js_name = predictDeriveFields)]
pub fn predict_derive_fields(profiles: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let (o, _) = derive_options(options)?;
    let profiles = profiles_from_js(&profiles)?;
    let (fields, model) =
        crate::predict::derive_fields(&profiles, &o).map_err(|e| to_js_error(&e))?;
    to_js(&json!({"fields": fields, "model": model}))
}
