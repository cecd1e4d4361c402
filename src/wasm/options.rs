//! Option objects that exist only for JavaScript (camelCase on the JS side).

use std::cell::RefCell;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::segment::JsSegmentSet;
use super::{argument, to_js_error};
use crate::rules::{parse_as_of, parse_time_zone, EvalOptions, SegmentSet};

/// Evaluation options read from JS, owning what [`EvalOptions`] borrows.
pub(super) struct Resolved {
    as_of: DateTime<Utc>,
    time_zone: Tz,
    segments: Option<(u32, Rc<SegmentSet>)>,
}

impl Resolved {
    /// Options with an instant and a zone, and no segment set.
    pub(super) fn fixed(as_of: DateTime<Utc>, time_zone: Tz) -> Resolved {
        Resolved {
            as_of,
            time_zone,
            segments: None,
        }
    }

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

/// Property names read from options objects, made once as JS strings
/// (making a JS string from Rust costs a text decode on every call).
struct Keys {
    as_of: JsValue,
    time_zone: JsValue,
    segments: JsValue,
}

thread_local! {
    static KEYS: Keys = Keys {
        as_of: JsValue::from_str("asOf"),
        time_zone: JsValue::from_str("timeZone"),
        segments: JsValue::from_str("segments"),
    };
    /// The last `timeZone` value (a JS string) and its zone, and the last
    /// `asOf` string with the zone it was read in and its instant: loops over
    /// many profiles with one options object parse them once. JS strings are
    /// compared with `===`, without copying them into Rust.
    static LAST_TIME_ZONE: RefCell<Option<(JsValue, Tz)>> = const { RefCell::new(None) };
    static LAST_AS_OF: RefCell<Option<(JsValue, Tz, DateTime<Utc>)>> = const { RefCell::new(None) };
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
    // Three property gets rather than a serde pass: `test` reads its
    // options once per profile, so this is on the hot path.
    let (time_zone, as_of_value, segments) = KEYS.with(|k| {
        Ok::<_, JsValue>((
            Reflect::get(&value, &k.time_zone)?,
            Reflect::get(&value, &k.as_of)?,
            Reflect::get(&value, &k.segments)?,
        ))
    })?;
    let time_zone = if time_zone.is_undefined() || time_zone.is_null() {
        Tz::UTC
    } else {
        read_time_zone(time_zone)?
    };
    let as_of = as_of(as_of_value, time_zone)?;
    let segments = if segments.is_undefined() || segments.is_null() {
        None
    } else {
        Some(JsSegmentSet::resolve(&segments)?)
    };
    Ok(Resolved {
        as_of,
        time_zone,
        segments,
    })
}

/// Reads a `timeZone` option, remembering the last one.
fn read_time_zone(value: JsValue) -> Result<Tz, JsValue> {
    let cached = LAST_TIME_ZONE.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(v, _)| *v == value)
            .map(|(_, tz)| *tz)
    });
    if let Some(tz) = cached {
        return Ok(tz);
    }
    let name = value
        .as_string()
        .ok_or_else(|| argument("timeZone must be a string (an IANA zone name)"))?;
    let tz = parse_time_zone(&name).map_err(|e| to_js_error(&e))?;
    LAST_TIME_ZONE.with(|c| *c.borrow_mut() = Some((value, tz)));
    Ok(tz)
}

fn as_of(value: JsValue, tz: Tz) -> Result<DateTime<Utc>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return now();
    }
    if value.is_string() {
        let cached = LAST_AS_OF.with(|c| {
            c.borrow()
                .as_ref()
                .filter(|(v, z, _)| *z == tz && *v == value)
                .map(|(_, _, at)| *at)
        });
        if let Some(at) = cached {
            return Ok(at);
        }
        let text = value.as_string().unwrap_or_default();
        let at = parse_as_of(&text, tz).map_err(|e| to_js_error(&e))?;
        LAST_AS_OF.with(|c| *c.borrow_mut() = Some((value, tz, at)));
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
