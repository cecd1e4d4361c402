//! The JavaScript value model json-logic-js computes with, and the parts of
//! ECMAScript's abstract operations it relies on: truthiness, `ToPrimitive`,
//! `ToNumber`, `ToString` (Number-to-String included), `parseFloat`, loose
//! (`==`) and strict (`===`) equality, and the abstract relational comparison.
//!
//! Arrays and objects keep their identity, as in JavaScript: values read from
//! the data or the rule borrow the JSON node (identity is its address), values
//! built while evaluating are reference-counted (identity is the allocation).

use std::cmp::Ordering;
use std::rc::Rc;

use serde_json::{Map, Number, Value};

use crate::error::{Error, ErrorKind, Result};

/// Nesting limit for the recursive conversions (array joins, JSON output).
const MAX_NESTING: usize = 256;

/// A JavaScript value as json-logic-js sees it.
#[derive(Debug, Clone)]
pub(crate) enum JsVal<'a> {
    /// `undefined`: a missing argument, `{"and": []}`, …
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (an IEEE double, NaN and the infinities included).
    Num(f64),
    /// A string borrowed from the rule or the data.
    Str(&'a str),
    /// A string built while evaluating.
    OwnedStr(Rc<str>),
    /// An array of the rule or the data (identity: the node).
    JsonArr(&'a Vec<Value>),
    /// An array built while evaluating (identity: the allocation).
    Arr(Rc<Vec<JsVal<'a>>>),
    /// An object of the rule or the data (identity: the node).
    JsonObj(&'a Map<String, Value>),
    /// An object built while evaluating (the `{current, accumulator}` of `reduce`).
    Obj(Rc<Vec<(&'static str, JsVal<'a>)>>),
}

impl<'a> JsVal<'a> {
    /// The JavaScript view of a JSON node (shallow: children stay borrowed).
    pub(crate) fn from_json(v: &'a Value) -> JsVal<'a> {
        match v {
            Value::Null => JsVal::Null,
            Value::Bool(b) => JsVal::Bool(*b),
            Value::Number(n) => JsVal::Num(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => JsVal::Str(s),
            Value::Array(a) => JsVal::JsonArr(a),
            Value::Object(o) => JsVal::JsonObj(o),
        }
    }

    /// A string value.
    pub(crate) fn string(s: String) -> JsVal<'a> {
        JsVal::OwnedStr(Rc::from(s))
    }

    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            JsVal::Str(s) => Some(s),
            JsVal::OwnedStr(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is an array (`Array.isArray`).
    pub(crate) fn is_array(&self) -> bool {
        matches!(self, JsVal::JsonArr(_) | JsVal::Arr(_))
    }

    /// Whether this is an array or an object.
    pub(crate) fn is_object(&self) -> bool {
        matches!(
            self,
            JsVal::JsonArr(_) | JsVal::Arr(_) | JsVal::JsonObj(_) | JsVal::Obj(_)
        )
    }

    /// The elements of an array, cloned (cheap: children stay borrowed or shared).
    pub(crate) fn array_items(&self) -> Option<Vec<JsVal<'a>>> {
        match self {
            JsVal::JsonArr(a) => Some(a.iter().map(JsVal::from_json).collect()),
            JsVal::Arr(a) => Some(a.as_ref().clone()),
            _ => None,
        }
    }

    /// The length of an array.
    pub(crate) fn array_len(&self) -> Option<usize> {
        match self {
            JsVal::JsonArr(a) => Some(a.len()),
            JsVal::Arr(a) => Some(a.len()),
            _ => None,
        }
    }

    /// Element `i` of an array.
    pub(crate) fn array_get(&self, i: usize) -> Option<JsVal<'a>> {
        match self {
            JsVal::JsonArr(a) => a.get(i).map(JsVal::from_json),
            JsVal::Arr(a) => a.get(i).cloned(),
            _ => None,
        }
    }

    /// An own property of an object.
    pub(crate) fn own_property(&self, key: &str) -> Option<JsVal<'a>> {
        match self {
            JsVal::JsonObj(o) => o.get(key).map(JsVal::from_json),
            JsVal::Obj(o) => o.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()),
            _ => None,
        }
    }

    /// `value[key]` for the properties JSON values really have: own keys of
    /// objects, `length` and indices of arrays and strings. Inherited members
    /// (methods of the prototypes) are functions, which JSON cannot hold:
    /// they read as `undefined` (`None`).
    pub(crate) fn get_property(&self, key: &str) -> Option<JsVal<'a>> {
        match self {
            JsVal::JsonObj(_) | JsVal::Obj(_) => self.own_property(key),
            JsVal::JsonArr(_) | JsVal::Arr(_) => {
                if key == "length" {
                    return self.array_len().map(|n| JsVal::Num(n as f64));
                }
                array_index(key).and_then(|i| self.array_get(i))
            }
            JsVal::Str(_) | JsVal::OwnedStr(_) => {
                let s = self.as_str().unwrap_or("");
                if key == "length" {
                    return Some(JsVal::Num(s.encode_utf16().count() as f64));
                }
                let i = array_index(key)?;
                let unit = s.encode_utf16().nth(i)?;
                Some(JsVal::string(String::from_utf16_lossy(&[unit])))
            }
            _ => None,
        }
    }

    /// Converts to JSON the way `JSON.stringify` would: `undefined`, NaN and
    /// the infinities become `null`, `-0` becomes `0`.
    pub(crate) fn to_json(&self) -> Result<Value> {
        self.to_json_at(0)
    }

    fn to_json_at(&self, depth: usize) -> Result<Value> {
        if depth > MAX_NESTING {
            return Err(too_deep());
        }
        Ok(match self {
            JsVal::Undefined | JsVal::Null => Value::Null,
            JsVal::Bool(b) => Value::Bool(*b),
            JsVal::Num(n) => number_to_json(*n),
            JsVal::Str(s) => Value::String((*s).to_owned()),
            JsVal::OwnedStr(s) => Value::String(s.to_string()),
            JsVal::JsonArr(a) => Value::Array((*a).clone()),
            JsVal::JsonObj(o) => Value::Object((*o).clone()),
            JsVal::Arr(a) => Value::Array(
                a.iter()
                    .map(|v| v.to_json_at(depth + 1))
                    .collect::<Result<_>>()?,
            ),
            JsVal::Obj(o) => {
                let mut m = Map::new();
                for (k, v) in o.iter() {
                    m.insert((*k).to_owned(), v.to_json_at(depth + 1)?);
                }
                Value::Object(m)
            }
        })
    }
}

fn too_deep() -> Error {
    Error::new(ErrorKind::Limit, "JsonLogic value nested too deeply")
}

/// A JSON number for a double; non-finite values become `null` (as `JSON.stringify` does).
pub(crate) fn number_to_json(n: f64) -> Value {
    if !n.is_finite() {
        return Value::Null;
    }
    if n == n.trunc() && n.abs() < 9.0e15 {
        return Value::Number(Number::from(n as i64));
    }
    Number::from_f64(n)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// `key` as an array index (`"0"`, `"17"`; not `"01"`, `"-0"` or `"1.0"`).
fn array_index(key: &str) -> Option<usize> {
    let bytes = key.as_bytes();
    if bytes.is_empty() || bytes.len() > 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if bytes.len() > 1 && bytes.first() == Some(&b'0') {
        return None;
    }
    let i: u64 = key.parse().ok()?;
    if i >= u64::from(u32::MAX) {
        return None;
    }
    usize::try_from(i).ok()
}

/// JavaScript truthiness, with json-logic-js's one exception: `[]` is falsy.
pub(crate) fn truthy(v: &JsVal) -> bool {
    match v {
        JsVal::Undefined | JsVal::Null => false,
        JsVal::Bool(b) => *b,
        JsVal::Num(n) => !(n.is_nan() || *n == 0.0),
        JsVal::Str(_) | JsVal::OwnedStr(_) => !v.as_str().unwrap_or("").is_empty(),
        JsVal::JsonArr(_) | JsVal::Arr(_) => v.array_len().unwrap_or(0) != 0,
        JsVal::JsonObj(_) | JsVal::Obj(_) => true,
    }
}

/// Plain JavaScript truthiness (`!!v`), where `[]` is truthy.
pub(crate) fn js_truthy(v: &JsVal) -> bool {
    v.is_array() || truthy(v)
}

/// `ToPrimitive(v)` for plain objects and arrays: `valueOf` returns the object
/// itself, so `toString` decides: arrays join their elements with `,`, objects
/// give `"[object Object]"`. An own `toString` key (a JSON value, so not
/// callable) leaves no way to a primitive: a `TypeError` in JavaScript.
pub(crate) fn to_primitive<'a>(v: &JsVal<'a>) -> Result<JsVal<'a>> {
    to_primitive_at(v, 0)
}

fn to_primitive_at<'a>(v: &JsVal<'a>, depth: usize) -> Result<JsVal<'a>> {
    match v {
        JsVal::JsonArr(_) | JsVal::Arr(_) => Ok(JsVal::string(join_at(v, ",", depth)?)),
        JsVal::JsonObj(_) | JsVal::Obj(_) => {
            if v.own_property("toString").is_some() {
                Err(type_error("Cannot convert object to primitive value"))
            } else {
                Ok(JsVal::Str("[object Object]"))
            }
        }
        other => Ok(other.clone()),
    }
}

/// `Array.prototype.join`: `null` and `undefined` elements are empty.
fn join_at(v: &JsVal, sep: &str, depth: usize) -> Result<String> {
    if depth > MAX_NESTING {
        return Err(too_deep());
    }
    let mut out = String::new();
    for (i, item) in v.array_items().unwrap_or_default().iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        match item {
            JsVal::Undefined | JsVal::Null => {}
            other => out.push_str(&to_string_at(other, depth + 1)?),
        }
    }
    Ok(out)
}

/// `ToString(v)`.
pub(crate) fn to_string(v: &JsVal) -> Result<String> {
    to_string_at(v, 0)
}

fn to_string_at(v: &JsVal, depth: usize) -> Result<String> {
    Ok(match v {
        JsVal::Undefined => "undefined".into(),
        JsVal::Null => "null".into(),
        JsVal::Bool(b) => b.to_string(),
        JsVal::Num(n) => number_to_string(*n),
        JsVal::Str(s) => (*s).to_owned(),
        JsVal::OwnedStr(s) => s.to_string(),
        obj => {
            let p = to_primitive_at(obj, depth)?;
            p.as_str().unwrap_or("").to_owned()
        }
    })
}

/// `ToNumber(v)`.
pub(crate) fn to_number(v: &JsVal) -> Result<f64> {
    Ok(match v {
        JsVal::Undefined => f64::NAN,
        JsVal::Null => 0.0,
        JsVal::Bool(b) => f64::from(u8::from(*b)),
        JsVal::Num(n) => *n,
        JsVal::Str(s) => string_to_number(s),
        JsVal::OwnedStr(s) => string_to_number(s),
        obj => to_number(&to_primitive(obj)?)?,
    })
}

/// `ToIntegerOrInfinity(v)`.
pub(crate) fn to_integer_or_infinity(v: &JsVal) -> Result<f64> {
    let n = to_number(v)?;
    Ok(if n.is_nan() { 0.0 } else { n.trunc() + 0.0 })
}

pub(crate) fn type_error(msg: &str) -> Error {
    Error::new(ErrorKind::Type, format!("TypeError: {msg}"))
}

/// JavaScript's white space and line terminators (what `trim` removes).
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{A}' | '\u{B}' | '\u{C}' | '\u{D}' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// Length of the longest prefix of `s` that is a `StrDecimalLiteral` without
/// sign or `Infinity`: digits, an optional fraction, an optional exponent.
fn decimal_prefix_len(s: &str) -> usize {
    let b = s.as_bytes();
    let digits = |from: usize| {
        b.get(from..)
            .map(|r| r.iter().take_while(|c| c.is_ascii_digit()).count())
            .unwrap_or(0)
    };
    let int = digits(0);
    let mut end = int;
    let mut frac = 0;
    if b.get(end) == Some(&b'.') {
        frac = digits(end + 1);
        if int > 0 || frac > 0 {
            end += 1 + frac;
        }
    }
    if int == 0 && frac == 0 {
        return 0;
    }
    if matches!(b.get(end), Some(b'e' | b'E')) {
        let mut e = end + 1;
        if matches!(b.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let exp = digits(e);
        if exp > 0 {
            end = e + exp;
        }
    }
    end
}

/// Parses a decimal literal accepted by [`decimal_prefix_len`].
fn parse_decimal(s: &str) -> f64 {
    // Rust's parser takes `1.`, `.5` and `1e5`; normalise `1.e5` just in case.
    let fixed;
    let text = if s.contains(".e") || s.contains(".E") || s.ends_with('.') {
        fixed = s.replacen('.', ".0", 1);
        fixed.as_str()
    } else {
        s
    };
    text.parse::<f64>().unwrap_or(f64::NAN)
}

/// `StringToNumber`: what `Number("…")` gives.
pub(crate) fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            if rest.is_empty() || !rest.chars().all(|c| c.is_digit(radix)) {
                return f64::NAN;
            }
            return rest.chars().fold(0.0, |acc, c| {
                acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
            });
        }
    }
    let (sign, body) = match t.as_bytes().first() {
        Some(b'+') => (1.0, t.get(1..).unwrap_or("")),
        Some(b'-') => (-1.0, t.get(1..).unwrap_or("")),
        _ => (1.0, t),
    };
    if body == "Infinity" {
        return sign * f64::INFINITY;
    }
    if body.is_empty() || decimal_prefix_len(body) != body.len() {
        return f64::NAN;
    }
    sign * parse_decimal(body)
}

/// `parseFloat(ToString(v))`.
pub(crate) fn parse_float(v: &JsVal) -> Result<f64> {
    let s = to_string(v)?;
    Ok(parse_float_str(&s))
}

/// `parseFloat` on a string: the longest decimal prefix after leading white space.
pub(crate) fn parse_float_str(s: &str) -> f64 {
    let t = s.trim_start_matches(is_js_space);
    let (sign, body) = match t.as_bytes().first() {
        Some(b'+') => (1.0, t.get(1..).unwrap_or("")),
        Some(b'-') => (-1.0, t.get(1..).unwrap_or("")),
        _ => (1.0, t),
    };
    if body.starts_with("Infinity") {
        return sign * f64::INFINITY;
    }
    let len = decimal_prefix_len(body);
    if len == 0 {
        return f64::NAN;
    }
    sign * parse_decimal(body.get(..len).unwrap_or(""))
}

/// `Number::toString(n)`: the shortest digits that round-trip, laid out as
/// JavaScript does (`1e+21`, `0.000001`, `1e-7`, `-0` → `"0"`).
pub(crate) fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n == 0.0 {
        return "0".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sci = format!("{:e}", n.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let e: i64 = exp.parse().unwrap_or(0);
    let k = digits.len() as i64;
    let point = e + 1; // the decimal point sits after `point` digits
    let mut out = String::new();
    if n < 0.0 {
        out.push('-');
    }
    if k <= point && point <= 21 {
        out.push_str(&digits);
        out.push_str(&"0".repeat((point - k) as usize));
    } else if 0 < point && point <= 21 {
        let (a, b) = digits.split_at(point as usize);
        out.push_str(a);
        out.push('.');
        out.push_str(b);
    } else if -6 < point && point <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-point) as usize));
        out.push_str(&digits);
    } else {
        let (a, b) = digits.split_at(1);
        out.push_str(a);
        if !b.is_empty() {
            out.push('.');
            out.push_str(b);
        }
        out.push('e');
        out.push(if point > 0 { '+' } else { '-' });
        out.push_str(&(point - 1).abs().to_string());
    }
    out
}

/// Whether two arrays or objects are the same object.
fn same_object(a: &JsVal, b: &JsVal) -> bool {
    match (a, b) {
        (JsVal::JsonArr(x), JsVal::JsonArr(y)) => std::ptr::eq(*x, *y),
        (JsVal::JsonObj(x), JsVal::JsonObj(y)) => std::ptr::eq(*x, *y),
        (JsVal::Arr(x), JsVal::Arr(y)) => Rc::ptr_eq(x, y),
        (JsVal::Obj(x), JsVal::Obj(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// `a === b`.
pub(crate) fn strict_eq(a: &JsVal, b: &JsVal) -> bool {
    match (a, b) {
        (JsVal::Undefined, JsVal::Undefined) | (JsVal::Null, JsVal::Null) => true,
        (JsVal::Bool(x), JsVal::Bool(y)) => x == y,
        (JsVal::Num(x), JsVal::Num(y)) => x == y,
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => x == y,
            _ => same_object(a, b),
        },
    }
}

/// `a == b` (IsLooselyEqual).
pub(crate) fn loose_eq(a: &JsVal, b: &JsVal) -> Result<bool> {
    use JsVal::*;
    let nullish = |v: &JsVal| matches!(v, Undefined | Null);
    if nullish(a) || nullish(b) {
        return Ok(nullish(a) && nullish(b));
    }
    match (a, b) {
        (Bool(x), _) => loose_eq(&Num(f64::from(u8::from(*x))), b),
        (_, Bool(y)) => loose_eq(a, &Num(f64::from(u8::from(*y)))),
        (Num(x), Num(y)) => Ok(x == y),
        _ if a.is_object() && b.is_object() => Ok(same_object(a, b)),
        _ if a.is_object() => loose_eq(&to_primitive(a)?, b),
        _ if b.is_object() => loose_eq(a, &to_primitive(b)?),
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => Ok(x == y),
            (Some(x), None) => Ok(string_to_number(x) == to_number(b)?),
            (None, Some(y)) => Ok(to_number(a)? == string_to_number(y)),
            (None, None) => Ok(false),
        },
    }
}

/// `a < b` (IsLessThan): `None` is JavaScript's `undefined` (a NaN was involved).
pub(crate) fn less_than(a: &JsVal, b: &JsVal) -> Result<Option<bool>> {
    let pa = to_primitive(a)?;
    let pb = to_primitive(b)?;
    if let (Some(x), Some(y)) = (pa.as_str(), pb.as_str()) {
        return Ok(Some(
            x.encode_utf16().cmp(y.encode_utf16()) == Ordering::Less,
        ));
    }
    let x = to_number(&pa)?;
    let y = to_number(&pb)?;
    if x.is_nan() || y.is_nan() {
        return Ok(None);
    }
    Ok(Some(x < y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_in_javascript() {
        let cases = [
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-0.0, "0"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (123.456, "123.456"),
            (-1.5e-10, "-1.5e-10"),
            (2.5e25, "2.5e+25"),
            (f64::INFINITY, "Infinity"),
            (f64::NAN, "NaN"),
            (5.0, "5"),
        ];
        for (n, s) in cases {
            assert_eq!(number_to_string(n), s, "{n}");
        }
    }

    #[test]
    fn strings_convert_to_numbers_as_in_javascript() {
        let nan = f64::NAN;
        let cases = [
            ("", 0.0),
            ("  12  ", 12.0),
            ("\u{FEFF}\u{A0}7\n", 7.0),
            ("0x1A", 26.0),
            ("0b101", 5.0),
            ("0o17", 15.0),
            ("-0x10", nan),
            ("1e3", 1000.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("+5", 5.0),
            ("-Infinity", f64::NEG_INFINITY),
            ("infinity", nan),
            ("inf", nan),
            ("NaN", nan),
            ("1,2", nan),
            ("\u{85}1", nan),
            ("1_000", nan),
        ];
        for (s, want) in cases {
            let got = string_to_number(s);
            assert!(
                got == want || (got.is_nan() && want.is_nan()),
                "{s:?}: {got}"
            );
        }
    }

    #[test]
    fn parse_float_takes_the_longest_prefix() {
        let cases = [
            ("3.5abc", 3.5),
            ("  -2e3x", -2000.0),
            ("1e", 1.0),
            ("0x10", 0.0),
            ("Infinityx", f64::INFINITY),
            (".e1", f64::NAN),
            ("abc", f64::NAN),
        ];
        for (s, want) in cases {
            let got = parse_float_str(s);
            assert!(
                got == want || (got.is_nan() && want.is_nan()),
                "{s:?}: {got}"
            );
        }
    }
}
