//! `Campaigns` and `assignVariant` for JavaScript.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::segment::JsSegmentSet;
use super::{argument, data_from_js, from_js, to_js, to_js_error};
use crate::campaign::{Campaigns, SimulateOptions, VariantWeight};
use crate::rules::{parse_as_of, parse_time_zone};

/// `new Campaigns(definitions, options)` options as JavaScript writes them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CampaignsOptionsJs {
    /// A `SegmentSet` instance; kept as a JS value and resolved by id.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    segments: JsValue,
}

/// `simulate` options: `{ from, to, asOf?, timeZone?, includeSuppressed?, includeBody? }`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SimulateOptionsJs {
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    from: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    to: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    as_of: JsValue,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    include_suppressed: bool,
    #[serde(default)]
    include_body: bool,
}

/// A compiled programme of campaigns (JS class `Campaigns`).
#[wasm_bindgen(js_name = Campaigns)]
pub struct JsCampaigns {
    inner: Campaigns,
}

#[wasm_bindgen(js_class = Campaigns)]
impl JsCampaigns {
    /// `new Campaigns(definitions, { segments? })`: an array of campaigns or a
    /// programme object; a bad field throws an `argument` KaleidoError whose
    /// `field` is its JSON path.
    #[wasm_bindgen(constructor)]
    pub fn new(definitions: JsValue, options: JsValue) -> Result<JsCampaigns, JsValue> {
        let options: CampaignsOptionsJs = if options.is_undefined() || options.is_null() {
            CampaignsOptionsJs::default()
        } else if options.is_object() {
            from_js(options, "invalid options")?
        } else {
            return Err(argument("options must be an object"));
        };
        let segments = if options.segments.is_undefined() || options.segments.is_null() {
            None
        } else {
            Some(JsSegmentSet::resolve(&options.segments)?.1.as_ref().clone())
        };
        let definitions = data_from_js(&definitions, None)?;
        let inner = Campaigns::new(&definitions, segments).map_err(|e| to_js_error(&e))?;
        Ok(JsCampaigns { inner })
    }

    /// `Campaigns.examples()`: the built-in example programme (plain data;
    /// `new Campaigns(Campaigns.examples())` compiles it).
    pub fn examples() -> Result<JsValue, JsValue> {
        to_js(&Campaigns::examples_json())
    }

    /// The campaign names, in definition order.
    pub fn names(&self) -> Vec<String> {
        self.inner.names().into_iter().map(str::to_owned).collect()
    }

    /// `campaigns.simulate(profile, { from, to, asOf?, timeZone?, includeSuppressed?, includeBody? })`:
    /// the `ScheduledMessage`s the subscriber would receive in `[from, to)`.
    pub fn simulate(&self, profile: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let options = simulate_options(options)?;
        if !profile.is_object() || js_sys::Array::is_array(&profile) {
            return Err(argument("a profile must be an object"));
        }
        let profile = data_from_js(&profile, None)?;
        let messages = self
            .inner
            .simulate(&profile, &options)
            .map_err(|e| to_js_error(&e))?;
        to_js(&messages)
    }

    /// `campaigns.simulateAudience(profiles | audience, { from, to, ... })`: messages sent
    /// per local date and campaign, `{ date, campaign, count }[]`.
    #[wasm_bindgen(js_name = simulateAudience)]
    pub fn simulate_audience(
        &self,
        profiles: JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let options = simulate_options(options)?;
        let list = super::profiles_arg(&profiles, "simulateAudience")?;
        if let Some(i) = list.iter().position(|p| !p.is_object()) {
            return Err(to_js_error(
                &crate::Error::new(crate::ErrorKind::Argument, "a profile must be an object")
                    .with_row_field(Some(i as u64 + 1), None),
            ));
        }
        let counts = self
            .inner
            .simulate_audience(&list, &options)
            .map_err(|e| to_js_error(&e))?;
        to_js(&counts)
    }
}

fn simulate_options(value: JsValue) -> Result<SimulateOptions, JsValue> {
    if !value.is_object() {
        return Err(argument("options must be an object with `from` and `to`"));
    }
    let js: SimulateOptionsJs = from_js(value, "invalid options")?;
    let time_zone = match js.time_zone.as_deref() {
        None => Tz::UTC,
        Some(name) => parse_time_zone(name).map_err(|e| to_js_error(&e))?,
    };
    let from = instant(&js.from, time_zone, "from")?
        .ok_or_else(|| argument("options.from is required"))?;
    let to = instant(&js.to, time_zone, "to")?.ok_or_else(|| argument("options.to is required"))?;
    let mut options = SimulateOptions::new(from, to).map_err(|e| to_js_error(&e))?;
    options.as_of = instant(&js.as_of, time_zone, "asOf")?;
    options.time_zone = time_zone;
    options.include_suppressed = js.include_suppressed;
    options.include_body = js.include_body;
    Ok(options)
}

/// A string (RFC 3339 or `YYYY-MM-DD`, the start of that day in `tz`) or a `Date`.
fn instant(value: &JsValue, tz: Tz, name: &str) -> Result<Option<DateTime<Utc>>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if let Some(text) = value.as_string() {
        return parse_as_of(&text, tz)
            .map(Some)
            .map_err(|e| argument(format!("options.{name}: {}", e.message())));
    }
    if let Some(date) = value.dyn_ref::<js_sys::Date>() {
        let ms = date.get_time();
        if ms.is_finite() {
            if let Some(t) = DateTime::from_timestamp_millis(ms as i64) {
                return Ok(Some(t));
            }
        }
        return Err(argument(format!("options.{name} is an invalid Date")));
    }
    Err(argument(format!(
        "options.{name} must be a string (RFC 3339 or YYYY-MM-DD) or a Date"
    )))
}

/// `assignVariant(test, id, variants)`: the deterministic, weighted variant of
/// subscriber `id` in `test` (SHA-256 of `test + ":" + id`; see docs/campaigns.md).
#[wasm_bindgen(js_name = assignVariant)]
pub fn assign_variant(test: &str, id: JsValue, variants: JsValue) -> Result<String, JsValue> {
    let id = if let Some(s) = id.as_string() {
        s
    } else if let Some(n) = id.as_f64() {
        // As JavaScript's String(n) for the integers and decimals ids use.
        match data_from_js(&id, None)? {
            serde_json::Value::Number(n) => n.to_string(),
            _ => return Err(argument(format!("id {n} is not a finite number"))),
        }
    } else {
        return Err(argument("id must be a string or a number"));
    };
    // Read as JSON data (one JSON.stringify), cheaper than walking the array.
    let variants: Vec<VariantWeight> = serde_json::from_value(data_from_js(&variants, None)?)
        .map_err(|e| {
            argument(format!(
                "variants must be an array of {{ name, weight }}: {e}"
            ))
        })?;
    crate::campaign::assign_variant(test, &id, &variants).map_err(|e| to_js_error(&e))
}
