//! `formatNumber`, `formatCurrency`, `formatDate`, `pluralCategory`,
//! `holidays` and `localSendTime` for JavaScript (API.md, "Locale and culture").

use chrono::{DateTime, Utc};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{argument, data_from_js, from_js, to_js, to_js_error};
use crate::locale::{self, DateInput, DateOptions, DateStyle, NumberOptions};
use crate::rules::parse_time_zone;

/// Reads an optional options object (`undefined`/`null`: all defaults).
fn options<T: for<'de> Deserialize<'de> + Default>(value: JsValue) -> Result<T, JsValue> {
    if value.is_undefined() || value.is_null() {
        Ok(T::default())
    } else if value.is_object() {
        from_js(value, "invalid options")
    } else {
        Err(argument("options must be an object"))
    }
}

/// `formatNumber` options as JavaScript writes them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct NumberOptionsJs {
    #[serde(default)]
    minimum_fraction_digits: Option<u8>,
    #[serde(default)]
    maximum_fraction_digits: Option<u8>,
}

/// `formatNumber(value, locale, options?)`, as `Intl.NumberFormat`.
#[wasm_bindgen(js_name = formatNumber)]
pub fn format_number(value: f64, locale: &str, options_js: JsValue) -> Result<String, JsValue> {
    let o: NumberOptionsJs = options(options_js)?;
    let opts = NumberOptions {
        min_fraction_digits: o.minimum_fraction_digits,
        max_fraction_digits: o.maximum_fraction_digits,
    };
    locale::format_number(value, locale, opts).map_err(|e| to_js_error(&e))
}

/// `formatCurrency(value, currency, locale)`, as `Intl.NumberFormat` with `style: "currency"`.
#[wasm_bindgen(js_name = formatCurrency)]
pub fn format_currency(value: f64, currency: &str, locale: &str) -> Result<String, JsValue> {
    locale::format_currency(value, currency, locale).map_err(|e| to_js_error(&e))
}

/// `formatDate` options as JavaScript writes them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DateOptionsJs {
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    style: Option<String>,
    #[serde(default)]
    time: bool,
}

/// `formatDate(value, locale, options?)`: a `YYYY-MM-DD` date, an RFC 3339
/// instant or a `Date`, as `Intl.DateTimeFormat` with `dateStyle` (and `timeStyle`).
#[wasm_bindgen(js_name = formatDate)]
pub fn format_date(value: JsValue, locale: &str, options_js: JsValue) -> Result<String, JsValue> {
    let o: DateOptionsJs = options(options_js)?;
    let input = if let Some(text) = value.as_string() {
        DateInput::parse(&text).map_err(|e| to_js_error(&e))?
    } else if let Some(date) = value.dyn_ref::<js_sys::Date>() {
        let ms = date.get_time();
        let at = if ms.is_finite() {
            DateTime::from_timestamp_millis(ms as i64)
        } else {
            None
        };
        DateInput::Instant(at.ok_or_else(|| argument("formatDate: invalid Date"))?)
    } else {
        return Err(argument("formatDate: value must be a string or a Date"));
    };
    let mut opts = DateOptions {
        time: o.time,
        ..DateOptions::default()
    };
    if let Some(zone) = o.time_zone.as_deref() {
        opts.time_zone = parse_time_zone(zone).map_err(|e| to_js_error(&e))?;
    }
    if let Some(style) = o.style.as_deref() {
        opts.style = DateStyle::parse(style).map_err(|e| to_js_error(&e))?;
    }
    locale::format_date(input, locale, opts).map_err(|e| to_js_error(&e))
}

/// `pluralCategory(n, locale)`, as `Intl.PluralRules(locale).select(n)`.
#[wasm_bindgen(js_name = pluralCategory)]
pub fn plural_category(n: f64, locale: &str) -> Result<String, JsValue> {
    locale::plural_category(n, locale)
        .map(str::to_owned)
        .map_err(|e| to_js_error(&e))
}

/// `holidays` options as JavaScript writes them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct HolidayOptionsJs {
    #[serde(default)]
    region: Option<String>,
}

/// `holidays(country, year, { region? })`: `{ date, name, id, localName, estimated, regions? }[]`.
#[wasm_bindgen]
pub fn holidays(country: &str, year: f64, options_js: JsValue) -> Result<JsValue, JsValue> {
    let o: HolidayOptionsJs = options(options_js)?;
    if year.fract() != 0.0 || !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&year) {
        return Err(argument(format!(
            "holidays: year must be an integer, not {year}"
        )));
    }
    let list =
        locale::holidays(country, year as i32, o.region.as_deref()).map_err(|e| to_js_error(&e))?;
    to_js(&list)
}

/// `localSendTime` options as JavaScript writes them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SendOptionsJs {
    #[serde(default)]
    time_zone_field: Option<String>,
    #[serde(default)]
    fallback_time_zone: Option<String>,
    #[serde(default)]
    quiet_hours: Option<(String, String)>,
    /// A string (RFC 3339 or `YYYY-MM-DD`) or a `Date`; kept as a JS value.
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    as_of: JsValue,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    next: bool,
}

fn instant(value: &JsValue, what: &str) -> Result<DateTime<Utc>, JsValue> {
    if value.is_undefined() || value.is_null() {
        let ms = js_sys::Date::now();
        return DateTime::from_timestamp_millis(ms as i64)
            .ok_or_else(|| argument("the clock is unavailable"));
    }
    if let Some(text) = value.as_string() {
        return crate::rules::parse_as_of(&text, chrono_tz::Tz::UTC).map_err(|e| to_js_error(&e));
    }
    if let Some(date) = value.dyn_ref::<js_sys::Date>() {
        let ms = date.get_time();
        if ms.is_finite() {
            if let Some(t) = DateTime::from_timestamp_millis(ms as i64) {
                return Ok(t);
            }
        }
    }
    Err(argument(format!(
        "{what} must be a string (RFC 3339 or YYYY-MM-DD) or a valid Date"
    )))
}

/// `localSendTime(profile, at, options?)`: the UTC instant (RFC 3339, `Z`) of
/// local time `at` (`"09:00"`) for the profile, on the local date of `asOf`.
#[wasm_bindgen(js_name = localSendTime)]
pub fn local_send_time(profile: JsValue, at: &str, options_js: JsValue) -> Result<String, JsValue> {
    if !profile.is_object() {
        return Err(argument("a profile must be an object"));
    }
    let profile = data_from_js(&profile, None)?;
    let Some(profile) = profile.as_object() else {
        return Err(argument("a profile must be an object"));
    };
    let o: SendOptionsJs = options(options_js)?;
    let mut opts = locale::SendOptions::new(instant(&o.as_of, "asOf")?);
    opts.time_zone_field = o.time_zone_field;
    opts.next = o.next;
    if let Some(zone) = o.fallback_time_zone.as_deref() {
        opts.fallback_time_zone = Some(parse_time_zone(zone).map_err(|e| to_js_error(&e))?);
    }
    if let Some((start, end)) = o.quiet_hours {
        let start = locale::parse_wall_time(&start).map_err(|e| to_js_error(&e))?;
        let end = locale::parse_wall_time(&end).map_err(|e| to_js_error(&e))?;
        opts.quiet_hours = Some((start, end));
    }
    if let Some(d) = o.date.as_deref() {
        let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| argument(format!("date must be YYYY-MM-DD, not {d:?}")))?;
        opts.date = Some(date);
    }
    let t = locale::local_send_time(profile, at, &opts).map_err(|e| to_js_error(&e))?;
    Ok(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}
