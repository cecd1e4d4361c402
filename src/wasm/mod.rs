//! The JavaScript boundary: the only module that knows about JavaScript.
//!
//! It wraps and converts only. Values cross with serde-wasm-bindgen (JSON
//! compatible output: maps become plain objects), every failure leaves through
//! [`to_js_error`] as a JS `Error` named `KaleidoError`, and option structs
//! that exist only for JavaScript live here with camelCase names. `init()`,
//! the `KaleidoError` class and the `jsonLogic` object are defined by the JS
//! entry points in `pkg-template/`.

mod audience;
mod campaign;
mod jsonlogic;
mod locale;
mod options;
mod predict;
mod segment;
mod sql;
mod template;

use js_sys::Reflect;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorKind};

/// Runs once when the module is instantiated: routes Rust panics (bugs, never
/// an error path) to `console.error` with their message.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The library version (the crate's and the npm package's).
#[wasm_bindgen]
pub fn version() -> String {
    crate::version().to_owned()
}

/// Converts a Kaleido error into a thrown JS value: an `Error` whose `name` is
/// `"KaleidoError"` with own properties `kind`, and where known `line`,
/// `column`, `row`, `field` and `snippet`.
pub fn to_js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(e.message());
    err.set_name("KaleidoError");
    let obj: &JsValue = err.as_ref();
    set(obj, "kind", &JsValue::from_str(e.kind().as_str()));
    if let Some(line) = e.line() {
        set(obj, "line", &JsValue::from(line));
    }
    if let Some(column) = e.column() {
        set(obj, "column", &JsValue::from(column));
    }
    if let Some(row) = e.row() {
        set(obj, "row", &JsValue::from(row as f64));
    }
    if let Some(field) = e.field() {
        set(obj, "field", &JsValue::from_str(field));
    }
    if let Some(snippet) = e.snippet() {
        set(obj, "snippet", &JsValue::from_str(snippet));
    }
    err.into()
}

fn set(obj: &JsValue, key: &str, value: &JsValue) {
    // Setting a property on a fresh Error object cannot fail; if it somehow
    // did, the error still carries its message and name.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// An `argument` error thrown to JS.
fn argument(message: impl Into<String>) -> JsValue {
    to_js_error(&Error::new(ErrorKind::Argument, message))
}

/// Reads a JS value as data (`serde_json::Value`), as an `argument` error
/// naming `what` if it cannot be.
fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| argument(format!("{what}: {e}")))
}

/// Reads a JS data value (a profile, an attribute, events) as JSON data, the
/// fast way: primitives directly, objects and arrays through `JSON.stringify`
/// and serde_json, which is several times cheaper than walking them property
/// by property across the boundary. As in JSON, `Date`s become ISO strings,
/// `undefined` in arrays and non-finite numbers become `null`. A value JSON
/// cannot hold (a cycle, a BigInt) is a `data` error naming `field`.
fn data_from_js(value: &JsValue, field: Option<&str>) -> Result<serde_json::Value, JsValue> {
    use serde_json::Value;
    if value.is_null() || value.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(s) = value.as_string() {
        return Ok(Value::String(s));
    }
    if let Some(b) = value.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = value.as_f64() {
        // Integers stay integers, as they do when the same JSON is parsed natively.
        if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 {
            return Ok(Value::from(n as i64));
        }
        return Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number));
    }
    let bad = |detail: String| {
        let e = Error::new(ErrorKind::Data, detail);
        to_js_error(&match field {
            Some(f) => e.with_row_field(None, Some(f.to_owned())),
            None => e,
        })
    };
    let what = field.map_or_else(|| "the value".to_owned(), |f| format!("field {f:?}"));
    let text = js_sys::JSON::stringify(value)
        .map_err(|e| {
            let detail = js_sys::Error::from(e).message();
            bad(format!("{what} is not JSON data: {detail}"))
        })?
        .as_string()
        .ok_or_else(|| bad(format!("{what} is not JSON data")))?;
    serde_json::from_str(&text).map_err(|e| bad(format!("{what} is not JSON data: {e}")))
}

/// Writes Rust data as plain JS values (objects, not `Map`s).
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| argument(format!("cannot convert the result to JavaScript: {e}")))
}

/// Reads profiles for list operations: a JS array of profile objects (one
/// `JSON.stringify` crossing) or an `Audience` (its profiles in load order).
fn profiles_arg(value: &JsValue, what: &str) -> Result<Vec<serde_json::Value>, JsValue> {
    let wrong = || argument(format!("{what} takes an array of profiles or an Audience"));
    if js_sys::Array::is_array(value) {
        return match data_from_js(value, None)? {
            serde_json::Value::Array(items) => Ok(items),
            _ => Err(wrong()),
        };
    }
    if !value.is_object() {
        return Err(wrong());
    }
    let method = Reflect::get(value, &JsValue::from_str("__kaleidoProfilesJson"))?;
    let Some(method) = method.dyn_ref::<js_sys::Function>() else {
        return Err(wrong());
    };
    let text = method.call0(value)?.as_string().ok_or_else(wrong)?;
    serde_json::from_str(&text).map_err(|e| argument(format!("cannot read the audience: {e}")))
}
