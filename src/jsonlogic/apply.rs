//! The JsonLogic interpreter: a port of json-logic-js 2.x `apply`.

use std::rc::Rc;

use serde_json::Value;

use super::js::{
    less_than, loose_eq, number_to_string, parse_float, strict_eq, to_integer_or_infinity,
    to_number, to_primitive, to_string, truthy, type_error, JsVal,
};
use crate::error::{Error, ErrorKind, Result};

/// Deepest nesting of operations evaluated (deeper rules are a `limit` error,
/// never a stack overflow).
pub const MAX_DEPTH: usize = 128;
/// Most operations evaluated in one call.
pub const MAX_STEPS: u64 = 10_000_000;
/// Longest string (UTF-16 code units) or array built while evaluating.
pub const MAX_LEN: usize = 16 * 1024 * 1024;

/// The operations json-logic-js registers as functions (its `operations` object).
const OPERATIONS: &[&str] = &[
    "==",
    "===",
    "!=",
    "!==",
    ">",
    ">=",
    "<",
    "<=",
    "!!",
    "!",
    "%",
    "log",
    "in",
    "cat",
    "substr",
    "+",
    "*",
    "-",
    "/",
    "min",
    "max",
    "merge",
    "var",
    "missing",
    "missing_some",
];

struct Interp {
    steps: u64,
}

pub(crate) fn apply_json(logic: &Value, data: &Value) -> Result<Value> {
    let mut interp = Interp { steps: 0 };
    let result = interp.apply(&JsVal::from_json(logic), &JsVal::from_json(data), 0)?;
    result.to_json()
}

fn limit(msg: &str) -> Error {
    Error::new(ErrorKind::Limit, msg.to_owned())
}

fn check_len(n: usize) -> Result<()> {
    if n > MAX_LEN {
        Err(limit("JsonLogic value too large"))
    } else {
        Ok(())
    }
}

/// `values` of an operation: an array's elements, or the one value (json-logic-js's
/// "easy syntax for unary operators").
fn values_of<'a>(v: &JsVal<'a>) -> Vec<JsVal<'a>> {
    v.array_items().unwrap_or_else(|| vec![v.clone()])
}

fn arg<'a>(args: &[JsVal<'a>], i: usize) -> JsVal<'a> {
    args.get(i).cloned().unwrap_or(JsVal::Undefined)
}

impl Interp {
    fn apply<'a>(
        &mut self,
        logic: &JsVal<'a>,
        data: &JsVal<'a>,
        depth: usize,
    ) -> Result<JsVal<'a>> {
        if depth > MAX_DEPTH {
            return Err(limit("JsonLogic rule nested too deeply"));
        }
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(limit("JsonLogic evaluation took too many steps"));
        }
        if let Some(items) = logic.array_items() {
            let out = items
                .iter()
                .map(|l| self.apply(l, data, depth + 1))
                .collect::<Result<Vec<_>>>()?;
            return Ok(JsVal::Arr(Rc::new(out)));
        }
        let (op, raw) = match logic {
            JsVal::JsonObj(o) if o.len() == 1 => match o.iter().next() {
                Some((k, v)) => (k.as_str(), JsVal::from_json(v)),
                None => return Ok(logic.clone()),
            },
            JsVal::Obj(o) if o.len() == 1 => match o.first() {
                Some((k, v)) => (*k, v.clone()),
                None => return Ok(logic.clone()),
            },
            _ => return Ok(logic.clone()),
        };
        let values = values_of(&raw);
        let d = depth + 1;
        match op {
            "if" | "?:" => {
                let mut i = 0;
                while i + 1 < values.len() {
                    let cond = self.apply(&arg(&values, i), data, d)?;
                    if truthy(&cond) {
                        return self.apply(&arg(&values, i + 1), data, d);
                    }
                    i += 2;
                }
                if values.len() == i + 1 {
                    return self.apply(&arg(&values, i), data, d);
                }
                Ok(JsVal::Null)
            }
            "and" | "or" => {
                let want = op == "or";
                let mut current = JsVal::Undefined;
                for v in &values {
                    current = self.apply(v, data, d)?;
                    if truthy(&current) == want {
                        return Ok(current);
                    }
                }
                Ok(current)
            }
            "filter" | "map" | "all" | "none" | "some" => {
                let scoped = self.apply(&arg(&values, 0), data, d)?;
                let scoped_logic = arg(&values, 1);
                let items = scoped.array_items();
                match op {
                    "filter" | "map" => {
                        let Some(items) = items else {
                            return Ok(JsVal::Arr(Rc::new(Vec::new())));
                        };
                        let mut out = Vec::new();
                        for item in items {
                            let r = self.apply(&scoped_logic, &item, d)?;
                            if op == "map" {
                                out.push(r);
                            } else if truthy(&r) {
                                out.push(item);
                            }
                        }
                        Ok(JsVal::Arr(Rc::new(out)))
                    }
                    _ => {
                        let items = items.unwrap_or_default();
                        if items.is_empty() {
                            return Ok(JsVal::Bool(op == "none"));
                        }
                        // all: stop at the first falsy; some/none: at the first truthy.
                        let stop_on = op != "all";
                        for item in items {
                            let r = self.apply(&scoped_logic, &item, d)?;
                            if truthy(&r) == stop_on {
                                return Ok(JsVal::Bool(op == "some"));
                            }
                        }
                        Ok(JsVal::Bool(op != "some"))
                    }
                }
            }
            "reduce" => {
                let scoped = self.apply(&arg(&values, 0), data, d)?;
                let scoped_logic = arg(&values, 1);
                let initial = match values.get(2) {
                    Some(JsVal::Undefined) | None => JsVal::Null,
                    Some(v) => self.apply(v, data, d)?,
                };
                let Some(items) = scoped.array_items() else {
                    return Ok(initial);
                };
                let mut acc = initial;
                for current in items {
                    let scope =
                        JsVal::Obj(Rc::new(vec![("current", current), ("accumulator", acc)]));
                    acc = self.apply(&scoped_logic, &scope, d)?;
                }
                Ok(acc)
            }
            _ => {
                let args = values
                    .iter()
                    .map(|v| self.apply(v, data, d))
                    .collect::<Result<Vec<_>>>()?;
                let name = resolve_operation(op)?;
                self.call(name, &args, data, d)
            }
        }
    }

    fn call<'a>(
        &mut self,
        op: &str,
        args: &[JsVal<'a>],
        data: &JsVal<'a>,
        depth: usize,
    ) -> Result<JsVal<'a>> {
        let a = arg(args, 0);
        let b = arg(args, 1);
        Ok(match op {
            "==" => JsVal::Bool(loose_eq(&a, &b)?),
            "===" => JsVal::Bool(strict_eq(&a, &b)),
            "!=" => JsVal::Bool(!loose_eq(&a, &b)?),
            "!==" => JsVal::Bool(!strict_eq(&a, &b)),
            ">" => JsVal::Bool(less_than(&b, &a)? == Some(true)),
            ">=" => JsVal::Bool(less_than(&a, &b)? == Some(false)),
            "<" | "<=" => {
                let c = arg(args, 2);
                let cmp = |x: &JsVal, y: &JsVal| -> Result<bool> {
                    Ok(if op == "<" {
                        less_than(x, y)? == Some(true)
                    } else {
                        less_than(y, x)? == Some(false)
                    })
                };
                if matches!(c, JsVal::Undefined) {
                    JsVal::Bool(cmp(&a, &b)?)
                } else {
                    JsVal::Bool(cmp(&a, &b)? && cmp(&b, &c)?)
                }
            }
            "!!" => JsVal::Bool(truthy(&a)),
            "!" => JsVal::Bool(!truthy(&a)),
            "%" => JsVal::Num(to_number(&a)? % to_number(&b)?),
            "log" => a,
            "in" => JsVal::Bool(op_in(&a, &b)?),
            "cat" => {
                let mut out = String::new();
                for v in args {
                    if !matches!(v, JsVal::Undefined | JsVal::Null) {
                        out.push_str(&to_string(v)?);
                        check_len(out.len())?;
                    }
                }
                JsVal::string(out)
            }
            "substr" => op_substr(&a, &b, &arg(args, 2))?,
            "+" => {
                let mut acc = JsVal::Num(0.0);
                for v in args {
                    acc = JsVal::Num(parse_float(&acc)? + parse_float(v)?);
                }
                acc
            }
            "*" => {
                let mut it = args.iter();
                let Some(first) = it.next() else {
                    return Err(type_error("Reduce of empty array with no initial value"));
                };
                let mut acc = first.clone();
                for v in it {
                    acc = JsVal::Num(parse_float(&acc)? * parse_float(v)?);
                }
                acc
            }
            "-" => {
                if matches!(b, JsVal::Undefined) {
                    JsVal::Num(-to_number(&a)?)
                } else {
                    JsVal::Num(to_number(&a)? - to_number(&b)?)
                }
            }
            "/" => JsVal::Num(to_number(&a)? / to_number(&b)?),
            "min" | "max" => {
                let nums = args.iter().map(to_number).collect::<Result<Vec<_>>>()?;
                let is_min = op == "min";
                let mut acc = if is_min {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                };
                for n in nums {
                    if n.is_nan() || acc.is_nan() {
                        acc = f64::NAN;
                    } else if is_min {
                        // Math.min(0, -0) is -0.
                        if n < acc || (n == 0.0 && acc == 0.0 && n.is_sign_negative()) {
                            acc = n;
                        }
                    } else if n > acc || (n == 0.0 && acc == 0.0 && n.is_sign_positive()) {
                        acc = n;
                    }
                }
                JsVal::Num(acc)
            }
            "merge" => {
                let mut out = Vec::new();
                for v in args {
                    match v.array_items() {
                        Some(items) => out.extend(items),
                        None => out.push(v.clone()),
                    }
                    check_len(out.len())?;
                }
                JsVal::Arr(Rc::new(out))
            }
            "var" => op_var(&a, &b, data)?,
            "missing" => self.op_missing(args, data, depth)?,
            "missing_some" => {
                let options = b;
                // jsonLogic.apply({"missing": options}, this)
                let are_missing = {
                    let evaluated = values_of(&options)
                        .iter()
                        .map(|v| self.apply(v, data, depth))
                        .collect::<Result<Vec<_>>>()?;
                    self.op_missing(&evaluated, data, depth)?
                };
                let options_len = match &options {
                    JsVal::Undefined | JsVal::Null => {
                        return Err(type_error(&format!(
                            "Cannot read properties of {} (reading 'length')",
                            to_string(&options)?
                        )))
                    }
                    other => other
                        .get_property("length")
                        .map(|l| to_number(&l))
                        .transpose()?
                        .unwrap_or(f64::NAN),
                };
                let missing_len = are_missing.array_len().unwrap_or(0) as f64;
                let present = JsVal::Num(options_len - missing_len);
                if less_than(&present, &a)? == Some(false) {
                    JsVal::Arr(Rc::new(Vec::new()))
                } else {
                    are_missing
                }
            }
            _ => return Err(unrecognized(op, None)),
        })
    }

    /// `missing`: the keys (arguments, or the elements of a first array
    /// argument) whose `{"var": key}` is `null` or `""`.
    fn op_missing<'a>(
        &mut self,
        args: &[JsVal<'a>],
        data: &JsVal<'a>,
        depth: usize,
    ) -> Result<JsVal<'a>> {
        let keys = match args.first() {
            Some(first) if first.is_array() => first.array_items().unwrap_or_default(),
            _ => args.to_vec(),
        };
        let mut missing = Vec::new();
        for key in keys {
            // jsonLogic.apply({"var": key}, this): the key is evaluated as logic again.
            let var_args = values_of(&key)
                .iter()
                .map(|v| self.apply(v, data, depth + 1))
                .collect::<Result<Vec<_>>>()?;
            let value = op_var(&arg(&var_args, 0), &arg(&var_args, 1), data)?;
            let is_missing = match &value {
                JsVal::Null => true,
                other => other.as_str() == Some(""),
            };
            if is_missing {
                missing.push(key);
            }
        }
        Ok(JsVal::Arr(Rc::new(missing)))
    }
}

/// The operation an operator name calls. json-logic-js also resolves dotted
/// names through its `operations` object (`"var.length"` reaches a function's
/// `length`, which cannot be called).
fn resolve_operation(op: &str) -> Result<&str> {
    if OPERATIONS.contains(&op) {
        return Ok(op);
    }
    if !matches!(op.find('.'), Some(i) if i > 0) {
        return Err(unrecognized(op, None));
    }
    enum Node<'s> {
        Ops,
        Func(&'s str),
        Proto(&'s str),
        Str(String),
        Other,
    }
    let parts: Vec<&str> = op.split('.').collect();
    let mut node = Node::Ops;
    for (i, part) in parts.iter().enumerate() {
        let next = match &node {
            Node::Ops => OPERATIONS
                .iter()
                .find(|o| **o == *part)
                .map(|o| Node::Func(o)),
            Node::Func(name) => match *part {
                "length" => Some(Node::Other),
                "name" => Some(Node::Str((*name).to_owned())),
                "prototype" => Some(Node::Proto(name)),
                _ => None,
            },
            Node::Proto(name) => (*part == "constructor").then_some(Node::Func(name)),
            Node::Str(s) => {
                let units: Vec<u16> = s.encode_utf16().collect();
                if *part == "length" {
                    Some(Node::Other)
                } else {
                    part.parse::<usize>()
                        .ok()
                        .filter(|n| n.to_string() == *part)
                        .and_then(|n| units.get(n))
                        .map(|u| Node::Str(String::from_utf16_lossy(&[*u])))
                }
            }
            Node::Other => None,
        };
        match next {
            Some(n) => node = n,
            None => {
                let failed = parts.get(..=i).unwrap_or_default().join(".");
                return Err(unrecognized(op, Some(&failed)));
            }
        }
    }
    match node {
        Node::Func(name) => Ok(name),
        _ => Err(type_error("operation.apply is not a function")),
    }
}

fn unrecognized(op: &str, failed_at: Option<&str>) -> Error {
    let msg = match failed_at {
        Some(f) => format!("Unrecognized operation {op} (failed at {f})"),
        None => format!("Unrecognized operation {op}"),
    };
    Error::new(ErrorKind::Argument, msg)
}

/// `in`: substring of a string, or (strict) element of an array.
fn op_in(a: &JsVal, b: &JsVal) -> Result<bool> {
    if !super::js::js_truthy(b) {
        return Ok(false);
    }
    if let Some(s) = b.as_str() {
        return Ok(s.contains(to_string(a)?.as_str()));
    }
    if let Some(items) = b.array_items() {
        return Ok(items.iter().any(|x| strict_eq(x, a)));
    }
    if b.own_property("indexOf").is_some() {
        return Err(type_error("b.indexOf is not a function"));
    }
    Ok(false)
}

/// `String.prototype.substr(start, length)` on UTF-16 code units.
fn js_substr(units: &[u16], start: &JsVal, length: &JsVal) -> Result<Vec<u16>> {
    let size = units.len() as f64;
    let s = to_integer_or_infinity(start)?;
    let int_start = if s < 0.0 {
        (size + s).max(0.0)
    } else {
        s.min(size)
    };
    let int_len = match length {
        JsVal::Undefined => size,
        l => to_integer_or_infinity(l)?,
    }
    .clamp(0.0, size);
    let end = (int_start + int_len).min(size);
    let (from, to) = (int_start as usize, end as usize);
    Ok(units.get(from..to.max(from)).unwrap_or_default().to_vec())
}

/// json-logic-js `substr(source, start, end)`, whose negative `end` drops
/// characters from the end (as PHP does).
fn op_substr<'a>(source: &JsVal, start: &JsVal, end: &JsVal) -> Result<JsVal<'a>> {
    let units: Vec<u16> = to_string(source)?.encode_utf16().collect();
    let out = if less_than(end, &JsVal::Num(0.0))? == Some(true) {
        let temp = js_substr(&units, start, &JsVal::Undefined)?;
        // temp.length + end: JavaScript's `+`, a concatenation if `end` is (or
        // becomes) a string.
        let len = temp.len() as f64;
        let length = match to_primitive(end)? {
            p if p.as_str().is_some() => JsVal::string(format!(
                "{}{}",
                number_to_string(len),
                p.as_str().unwrap_or("")
            )),
            p => JsVal::Num(len + to_number(&p)?),
        };
        js_substr(&temp, &JsVal::Num(0.0), &length)?
    } else {
        js_substr(&units, start, end)?
    };
    Ok(JsVal::string(String::from_utf16_lossy(&out)))
}

/// `var`: a dotted path into the data, with a default for what is not found.
fn op_var<'a>(a: &JsVal<'a>, b: &JsVal<'a>, data: &JsVal<'a>) -> Result<JsVal<'a>> {
    let not_found = match b {
        JsVal::Undefined => JsVal::Null,
        other => other.clone(),
    };
    if matches!(a, JsVal::Undefined | JsVal::Null) || a.as_str() == Some("") {
        return Ok(data.clone());
    }
    let path = to_string(a)?;
    let mut current = data.clone();
    for part in path.split('.') {
        if matches!(current, JsVal::Undefined | JsVal::Null) {
            return Ok(not_found);
        }
        match current.get_property(part) {
            Some(JsVal::Undefined) | None => return Ok(not_found),
            Some(v) => current = v,
        }
    }
    Ok(current)
}
