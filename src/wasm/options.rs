//! Option objects that exist only for JavaScript (camelCase on the JS side).

use std::cell::RefCell;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::segment::JsSegmentSet;
use super::{argument, from_js, to_js_error};
use crate::rules::{parse_as_of, parse_time_zone, EvalOptions, SegmentSet};

/// `EvalOptions` as JavaScript writes it: `{ asOf?, timeZone?, segments? }`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EvalOptionsJs {
    /// A string (RFC 3339 or `YYYY-MM-DD`) or a `Date`; kept as a JS value.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    as_of: JsValue,
    #[serde(default)]
    time_zone: Option<String>,
    /// A `SegmentSet` instance; kept as a JS value and resolved by id.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    segments: JsValue,
}

/// Evaluation options read from JS, owning what [`EvalOptions`] borrows.
pub(super) struct Resolved {
    as_of: DateTime<Utc>,
    time_zone: Tz,
    segments: Option<(u32, Rc<SegmentSet>)>,
}

impl Resolved {
    /// The core's options, borrowing the segment set.
    pub(super) fn get(&self) -> EvalOptions<'_> {
        EvalOptions {
            as_of: self.as_of,
            time_zone: self.time_zone,
            segments: self.segments.as_ref().map(|(_, set)| &**set),
        }
    }

    /// The segment set with its registry id, if any.
    pub(super) fn set(&self) -> Option<(u32, &SegmentSet)> {
        self.segments.as_ref().map(|(id, set)| (*id, &**set))
    }
}

thread_local! {
    /// The last `(asOf, timeZone)` strings and their parse: loops over many
    /// profiles with one options object parse them once.
    static LAST_AS_OF: RefCell<Option<(String, Tz, DateTime<Utc>)>> = const { RefCell::new(None) };
}

/// Reads `EvalOptions` (`undefined`/`null` means all defaults: now, UTC, no set).
pub(super) fn eval_options(value: JsValue) -> Result<Resolved, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Resolved {
            as_of: now()?,
            time_zone: Tz::UTC,
            segments: None,
        });
    }
    if !value.is_object() {
        return Err(argument("options must be an object"));
    }
    let js: EvalOptionsJs = from_js(value, "invalid options")?;
    let time_zone = match js.time_zone.as_deref() {
        None => Tz::UTC,
        Some(name) => parse_time_zone(name).map_err(|e| to_js_error(&e))?,
    };
    let as_of = as_of(&js.as_of, time_zone)?;
    let segments = if js.segments.is_undefined() || js.segments.is_null() {
        None
    } else {
        Some(JsSegmentSet::resolve(&js.segments)?)
    };
    Ok(Resolved {
        as_of,
        time_zone,
        segments,
    })
}

fn as_of(value: &JsValue, tz: Tz) -> Result<DateTime<Utc>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return now();
    }
    if let Some(text) = value.as_string() {
        let cached = LAST_AS_OF.with(|c| {
            c.borrow()
                .as_ref()
                .filter(|(t, z, _)| *t == text && *z == tz)
                .map(|(_, _, at)| *at)
        });
        if let Some(at) = cached {
            return Ok(at);
        }
        let at = parse_as_of(&text, tz).map_err(|e| to_js_error(&e))?;
        LAST_AS_OF.with(|c| *c.borrow_mut() = Some((text, tz, at)));
        return Ok(at);
    }
    if let Some(date) = value.dyn_ref::<js_sys::Date>() {
        return millis(date.get_time(), "asOf is an invalid Date");
    }
    Err(argument(
        "asOf must be a string (RFC 3339 or YYYY-MM-DD) or a Date",
    ))
}

fn now() -> Result<DateTime<Utc>, JsValue> {
    millis(js_sys::Date::now(), "the clock is unavailable")
}

fn millis(ms: f64, message: &str) -> Result<DateTime<Utc>, JsValue> {
    if !ms.is_finite() {
        return Err(argument(message));
    }
    DateTime::from_timestamp_millis(ms as i64).ok_or_else(|| argument(message))
}
