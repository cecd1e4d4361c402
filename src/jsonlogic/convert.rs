//! Conversion between JsonLogic and segment rules (see the module docs of
//! [`crate::jsonlogic`] for what maps to what).

use serde_json::{json, Map, Value};

use super::js::number_to_string;
use crate::error::{Error, ErrorKind, Result, Span};
use crate::rules::ast::{CmpOp, Expr, Literal, Path};

/// Deepest nesting either conversion follows.
const MAX_NESTING: usize = super::apply::MAX_DEPTH;
/// Most alternatives `missing_some` may expand to.
const MAX_COMBINATIONS: usize = 64;

fn argument(msg: String) -> Error {
    Error::new(ErrorKind::Argument, msg)
}

fn too_deep() -> Error {
    Error::new(ErrorKind::Limit, "rule nested too deeply to convert")
}

// ---------------------------------------------------------------------------
// JsonLogic → segment AST
// ---------------------------------------------------------------------------

/// A JSON Pointer step (`~` and `/` escaped).
fn step(ptr: &str, key: &str) -> String {
    format!("{ptr}/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn at(ptr: &str) -> &str {
    if ptr.is_empty() {
        "/"
    } else {
        ptr
    }
}

/// The operands of an operation with their pointers: an array's elements, or
/// the one value of the unary shorthand (`{"!": x}`).
fn operands<'v>(raw: &'v Value, ptr: &str) -> Vec<(&'v Value, String)> {
    match raw {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (v, step(ptr, &i.to_string())))
            .collect(),
        other => vec![(other, ptr.to_owned())],
    }
}

/// The single `(operator, operands)` of a JsonLogic operation.
fn operation(v: &Value) -> Option<(&str, &Value)> {
    match v {
        Value::Object(o) if o.len() == 1 => o.iter().next().map(|(k, v)| (k.as_str(), v)),
        _ => None,
    }
}

enum VarRef {
    /// `{"var": ""}`: the whole data (the element inside `some`/`none`).
    Whole,
    /// `{"var": "a.b"}`.
    Path(Path),
}

/// Reads `{"var": …}` without a default value.
fn var_ref(v: &Value, ptr: &str) -> Result<Option<VarRef>> {
    let Some(("var", raw)) = operation(v) else {
        return Ok(None);
    };
    let args: Vec<&Value> = match raw {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    if args.len() > 1 {
        return Err(argument(format!(
            "unsupported JsonLogic at {}: \"var\" with a default value",
            at(ptr)
        )));
    }
    let name = match args.first() {
        None | Some(Value::Null) => return Ok(Some(VarRef::Whole)),
        Some(Value::String(s)) if s.is_empty() => return Ok(Some(VarRef::Whole)),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => number_to_string(n.as_f64().unwrap_or(f64::NAN)),
        Some(_) => {
            return Err(argument(format!(
                "unsupported JsonLogic at {}: \"var\" needs a literal name",
                at(ptr)
            )))
        }
    };
    let path: Path = name.split('.').map(str::to_owned).collect();
    if path.iter().any(String::is_empty) {
        return Err(argument(format!(
            "unsupported JsonLogic at {}: variable name {name:?} has an empty part",
            at(ptr)
        )));
    }
    Ok(Some(VarRef::Path(path)))
}

fn var_path(v: &Value, ptr: &str) -> Result<Option<Path>> {
    match var_ref(v, ptr)? {
        Some(VarRef::Path(p)) => Ok(Some(p)),
        Some(VarRef::Whole) => Err(argument(format!(
            "unsupported JsonLogic at {}: {{\"var\": \"\"}} (the whole data) outside \"some\"/\"none\"",
            at(ptr)
        ))),
        None => Ok(None),
    }
}

/// A literal operand: a number, a string or a boolean.
fn literal(v: &Value) -> Option<Literal> {
    match v {
        Value::Number(n) => n.as_f64().map(Literal::Number),
        Value::String(s) => Some(Literal::String(s.clone())),
        Value::Bool(b) => Some(Literal::Bool(*b)),
        _ => None,
    }
}

fn join(and: bool, mut args: Vec<Expr>) -> Expr {
    if args.len() == 1 {
        if let Some(only) = args.pop() {
            return only;
        }
    }
    let span = Span::default();
    if and {
        Expr::And { args, span }
    } else {
        Expr::Or { args, span }
    }
}

fn not(e: Expr) -> Expr {
    Expr::Not {
        arg: Box::new(e),
        span: Span::default(),
    }
}

fn is_set(path: Path, negated: bool) -> Expr {
    Expr::IsSet {
        path,
        negated,
        span: Span::default(),
    }
}

fn compare(path: Path, cmp: CmpOp, value: Literal) -> Expr {
    Expr::Compare {
        path,
        cmp,
        value,
        span: Span::default(),
    }
}

fn flip(cmp: CmpOp) -> CmpOp {
    match cmp {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

/// Converts a JsonLogic rule (the boolean subset) to a segment rule.
pub(crate) fn from_json_logic(logic: &Value) -> Result<Expr> {
    from_logic(logic, "", 0)
}

fn from_logic(v: &Value, ptr: &str, depth: usize) -> Result<Expr> {
    if depth > MAX_NESTING {
        return Err(too_deep());
    }
    let Some((op, raw)) = operation(v) else {
        let what = match v {
            Value::Object(o) if o.is_empty() => "an empty object".to_owned(),
            Value::Object(_) => "an object with several keys".to_owned(),
            other => format!("the value {other}"),
        };
        return Err(argument(format!(
            "unsupported JsonLogic at {}: {what} is not a condition",
            at(ptr)
        )));
    };
    let here = step(ptr, op);
    let args = operands(raw, &here);
    let unsupported = |why: &str| argument(format!("unsupported JsonLogic at {}: {why}", at(ptr)));
    let one = || -> Result<&(&Value, String)> {
        match args.as_slice() {
            [a] => Ok(a),
            _ => Err(unsupported(&format!("\"{op}\" takes one operand"))),
        }
    };
    match op {
        "var" => Ok(Expr::IsTrue {
            path: var_path(v, ptr)?.unwrap_or_default(),
            span: Span::default(),
        }),
        "!!" => {
            let (a, p) = one()?;
            match var_path(a, p)? {
                Some(path) => Ok(Expr::IsTrue {
                    path,
                    span: Span::default(),
                }),
                None => from_logic(a, p, depth + 1),
            }
        }
        "!" => {
            let (a, p) = one()?;
            match var_path(a, p)? {
                // Falsy: not set, or false.
                Some(path) => Ok(join(
                    false,
                    vec![
                        is_set(path.clone(), true),
                        compare(path, CmpOp::Eq, Literal::Bool(false)),
                    ],
                )),
                None => Ok(not(from_logic(a, p, depth + 1)?)),
            }
        }
        "and" | "or" => {
            if let [(guard, _), (cond, _)] = args.as_slice() {
                if op == "and" {
                    if let Some(e) = guarded(guard, cond) {
                        return Ok(e);
                    }
                }
            }
            if args.is_empty() {
                return Err(unsupported(&format!("\"{op}\" without operands")));
            }
            let items = args
                .iter()
                .map(|(a, p)| from_logic(a, p, depth + 1))
                .collect::<Result<Vec<_>>>()?;
            Ok(join(op == "and", items))
        }
        "==" | "===" | "!=" | "!==" => {
            let [(a, pa), (b, pb)] = args.as_slice() else {
                return Err(unsupported(&format!("\"{op}\" takes two operands")));
            };
            let (path, other) = match (var_path(a, pa)?, var_path(b, pb)?) {
                (Some(p), None) => (p, *b),
                (None, Some(p)) => (p, *a),
                _ => {
                    return Err(unsupported(&format!(
                        "\"{op}\" needs a variable and a literal"
                    )))
                }
            };
            let equal = op == "==" || op == "===";
            if other.is_null() {
                return Ok(is_set(path, equal));
            }
            let lit = literal(other).ok_or_else(|| {
                unsupported(&format!("\"{op}\" with {other} (not a number, string, boolean or null)"))
            })?;
            Ok(compare(path, if equal { CmpOp::Eq } else { CmpOp::Ne }, lit))
        }
        "<" | "<=" | ">" | ">=" => {
            let cmp = match op {
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                _ => CmpOp::Ge,
            };
            let ordered = |v: &Value| match v {
                Value::Number(_) | Value::String(_) => literal(v),
                _ => None,
            };
            match args.as_slice() {
                [(a, pa), (b, pb)] => match (var_path(a, pa)?, var_path(b, pb)?) {
                    (Some(path), None) => match ordered(b) {
                        Some(lit) => Ok(compare(path, cmp, lit)),
                        None => Err(unsupported(&format!("\"{op}\" with {b}"))),
                    },
                    (None, Some(path)) => match ordered(a) {
                        Some(lit) => Ok(compare(path, flip(cmp), lit)),
                        None => Err(unsupported(&format!("\"{op}\" with {a}"))),
                    },
                    _ => Err(unsupported(&format!(
                        "\"{op}\" needs a variable and a number or string"
                    ))),
                },
                [(a, _), (x, px), (b, _)] if matches!(op, "<" | "<=") => {
                    let path = var_path(x, px)?.ok_or_else(|| {
                        unsupported(&format!("\"{op}\" with three operands needs the variable in the middle"))
                    })?;
                    let (Some(low), Some(high)) = (ordered(a), ordered(b)) else {
                        return Err(unsupported(&format!(
                            "\"{op}\" with three operands needs number or string bounds"
                        )));
                    };
                    Ok(if op == "<=" {
                        Expr::Between {
                            path,
                            low,
                            high,
                            span: Span::default(),
                        }
                    } else {
                        join(
                            true,
                            vec![
                                compare(path.clone(), CmpOp::Gt, low),
                                compare(path, CmpOp::Lt, high),
                            ],
                        )
                    })
                }
                _ => Err(unsupported(&format!(
                    "\"{op}\" takes two operands{}",
                    if matches!(op, "<" | "<=") { " (or three)" } else { "" }
                ))),
            }
        }
        "in" => {
            let [(a, pa), (b, pb)] = args.as_slice() else {
                return Err(unsupported("\"in\" takes two operands"));
            };
            if let Some(path) = var_path(a, pa)? {
                let Value::Array(items) = b else {
                    return Err(unsupported("\"in\" with a variable needs a literal list"));
                };
                let values = items
                    .iter()
                    .map(literal)
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| unsupported("\"in\" list must hold numbers, strings or booleans"))?;
                return Ok(Expr::In {
                    path,
                    values,
                    negated: false,
                    span: Span::default(),
                });
            }
            match (literal(a), var_path(b, pb)?) {
                (Some(value), Some(path)) => Ok(Expr::Contains {
                    path,
                    value,
                    span: Span::default(),
                }),
                _ => Err(unsupported(
                    "\"in\" needs a variable and a literal list, or a literal and a variable",
                )),
            }
        }
        "missing" => {
            let keys: Vec<&Value> = match args.as_slice() {
                [(Value::Array(items), _)] => items.iter().collect(),
                _ => args.iter().map(|(a, _)| *a).collect(),
            };
            let paths = key_paths(&keys).ok_or_else(|| {
                unsupported("\"missing\" needs literal attribute names")
            })?;
            if paths.is_empty() {
                return Err(unsupported("\"missing\" without names is never true"));
            }
            Ok(join(
                false,
                paths.into_iter().map(|p| is_set(p, true)).collect(),
            ))
        }
        "missing_some" => {
            let [(Value::Number(n), _), (Value::Array(keys), _)] = args.as_slice() else {
                return Err(unsupported(
                    "\"missing_some\" needs a count and a literal list of names",
                ));
            };
            let need = n.as_f64().unwrap_or(-1.0);
            let keys: Vec<&Value> = keys.iter().collect();
            let paths = key_paths(&keys).ok_or_else(|| {
                unsupported("\"missing_some\" needs literal attribute names")
            })?;
            // Truthy when fewer than min(need, keys) of the keys are present,
            // that is when at least `r` of them are missing.
            let m = paths.len();
            let k = need.ceil().min(m as f64);
            if k < 1.0 {
                return Err(unsupported("\"missing_some\" that is never true"));
            }
            let r = m - (k as usize) + 1;
            let combos = combinations(m, r, MAX_COMBINATIONS).ok_or_else(|| {
                unsupported("\"missing_some\" expands to too many alternatives")
            })?;
            let alternatives = combos
                .into_iter()
                .map(|c| {
                    let all = c
                        .into_iter()
                        .filter_map(|i| paths.get(i).cloned())
                        .map(|p| is_set(p, true))
                        .collect();
                    join(true, all)
                })
                .collect();
            Ok(join(false, alternatives))
        }
        "some" | "none" => {
            let [(a, pa), (inner, pi)] = args.as_slice() else {
                return Err(unsupported(&format!("\"{op}\" takes two operands")));
            };
            let path = var_path(a, pa)?
                .ok_or_else(|| unsupported(&format!("\"{op}\" needs a variable as its list")))?;
            let values = element_values(inner, pi, depth + 1)?;
            let any = Expr::ContainsList {
                path,
                all: false,
                values,
                span: Span::default(),
            };
            Ok(if op == "some" { any } else { not(any) })
        }
        "all" => Err(argument(format!(
            "unsupported JsonLogic operator \"all\" at {} (every element satisfying a condition has no segment equivalent)",
            at(ptr)
        ))),
        other => Err(argument(format!(
            "unsupported JsonLogic operator \"{other}\" at {}",
            at(ptr)
        ))),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Guard {
    Number,
    String,
    NonEmptyArray,
    Array,
}

/// The type test `to_json_logic` writes before a condition, and its path.
fn guard_of(v: &Value) -> Option<(Guard, Path)> {
    let candidates: Vec<&Value> = match operation(v)? {
        ("===", Value::Array(a)) => a.iter().take(1).collect(),
        ("reduce", Value::Array(a)) => a.iter().take(1).collect(),
        ("or", Value::Array(a)) => a
            .first()
            .and_then(|r| operation(r))
            .and_then(|(_, x)| x.as_array())
            .map(|x| x.iter().take(1).collect())
            .unwrap_or_default(),
        _ => return None,
    };
    let first = candidates.first()?;
    let Ok(Some(path)) = var_path(first, "") else {
        return None;
    };
    let v_json = json!({ "var": path.join(".") });
    [
        (Guard::Number, is_number(&v_json)),
        (Guard::String, is_string(&v_json)),
        (Guard::NonEmptyArray, is_nonempty_array(&v_json)),
        (Guard::Array, is_array(&v_json)),
    ]
    .into_iter()
    .find(|(_, g)| g == v)
    .map(|(kind, _)| (kind, path))
}

/// `{"in": [lit, {"var": p}]}` (or its negation `{"!": [...]}`): the literal.
fn membership(v: &Value, path: &Path, negated: bool) -> Option<Literal> {
    let inner = if negated {
        match operation(v)? {
            ("!", Value::Array(a)) if a.len() == 1 => a.first()?,
            _ => return None,
        }
    } else {
        v
    };
    match operation(inner)? {
        ("in", Value::Array(a)) => match a.as_slice() {
            [lit, x] if var_path(x, "").ok()?.as_ref() == Some(path) => match literal(lit)? {
                Literal::String(_) => None,
                l => Some(l),
            },
            _ => None,
        },
        _ => None,
    }
}

/// Reads back the guarded conditions `to_json_logic` writes: `and(type test,
/// condition)` is the Kaleido condition, which holds only for values of that type.
fn guarded(guard: &Value, cond: &Value) -> Option<Expr> {
    let (kind, path) = guard_of(guard)?;
    let (op, raw) = operation(cond)?;
    let args: Vec<&Value> = match raw {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let is_var = |x: &Value| var_path(x, "").ok().flatten().as_ref() == Some(&path);
    let typed = |x: &Value| match (kind, literal(x)?) {
        (Guard::Number, l @ Literal::Number(_)) | (Guard::String, l @ Literal::String(_)) => {
            Some(l)
        }
        _ => None,
    };
    let span = Span::default();
    match (kind, op, args.as_slice()) {
        (Guard::Number | Guard::String, "<" | "<=" | ">" | ">=" | "===" | "!==", [x, lit])
            if is_var(x) =>
        {
            let cmp = match op {
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                ">=" => CmpOp::Ge,
                "===" => CmpOp::Eq,
                _ => CmpOp::Ne,
            };
            Some(compare(path.clone(), cmp, typed(lit)?))
        }
        (Guard::Number, "<=", [lo, x, hi]) if is_var(x) => Some(Expr::Between {
            path: path.clone(),
            low: typed(lo)?,
            high: typed(hi)?,
            span,
        }),
        (Guard::Number | Guard::String, "!", [inner]) => match operation(inner)? {
            ("in", Value::Array(a)) => match a.as_slice() {
                [x, Value::Array(items)] if is_var(x) => Some(Expr::In {
                    path: path.clone(),
                    values: items.iter().map(typed).collect::<Option<Vec<_>>>()?,
                    negated: true,
                    span,
                }),
                _ => None,
            },
            _ => None,
        },
        (Guard::NonEmptyArray, "in", _) => Some(Expr::Contains {
            value: membership(cond, &path, false)?,
            path,
            span,
        }),
        (Guard::Array, "!", _) => Some(not(Expr::Contains {
            value: membership(cond, &path, true)?,
            path,
            span,
        })),
        (Guard::NonEmptyArray | Guard::Array, "and" | "or", items) => {
            let negated = kind == Guard::Array;
            let values = items
                .iter()
                .map(|i| membership(i, &path, negated))
                .collect::<Option<Vec<_>>>()?;
            // T(any) = or(in…), T(all) = and(in…); F(any) = and(!in…), F(all) = or(!in…).
            let all = (op == "and") != negated;
            let list = Expr::ContainsList {
                path,
                all,
                values,
                span,
            };
            Some(if negated { not(list) } else { list })
        }
        _ => None,
    }
}

/// Attribute paths named by literal keys (strings, or numbers as JavaScript prints them).
fn key_paths(keys: &[&Value]) -> Option<Vec<Path>> {
    keys.iter()
        .map(|k| {
            let name = match k {
                Value::String(s) => s.clone(),
                Value::Number(n) => number_to_string(n.as_f64()?),
                _ => return None,
            };
            let path: Path = name.split('.').map(str::to_owned).collect();
            (!path.iter().any(String::is_empty)).then_some(path)
        })
        .collect()
}

/// The `r`-element subsets of `0..m`, or `None` if there are more than `max`.
fn combinations(m: usize, r: usize, max: usize) -> Option<Vec<Vec<usize>>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    fn go(
        start: usize,
        m: usize,
        r: usize,
        max: usize,
        current: &mut Vec<usize>,
        out: &mut Vec<Vec<usize>>,
    ) -> bool {
        if current.len() == r {
            out.push(current.clone());
            return out.len() <= max;
        }
        for i in start..m {
            current.push(i);
            let ok = go(i + 1, m, r, max, current, out);
            current.pop();
            if !ok {
                return false;
            }
        }
        true
    }
    go(0, m, r, max, &mut current, &mut out).then_some(out)
}

/// The values an element-level condition of `some`/`none` accepts: equality
/// of `{"var": ""}` with literals, `in` a literal list, or an `or` of these.
fn element_values(v: &Value, ptr: &str, depth: usize) -> Result<Vec<Literal>> {
    if depth > MAX_NESTING {
        return Err(too_deep());
    }
    let unsupported = || {
        argument(format!(
            "unsupported JsonLogic at {}: the condition of \"some\"/\"none\" must compare {{\"var\": \"\"}} with literals (==, ===, in, or)",
            at(ptr)
        ))
    };
    let Some((op, raw)) = operation(v) else {
        return Err(unsupported());
    };
    let here = step(ptr, op);
    let args = operands(raw, &here);
    let is_element =
        |v: &Value, p: &str| -> Result<bool> { Ok(matches!(var_ref(v, p)?, Some(VarRef::Whole))) };
    match (op, args.as_slice()) {
        ("==" | "===", [(a, pa), (b, pb)]) => {
            let lit = if is_element(a, pa)? {
                literal(b)
            } else if is_element(b, pb)? {
                literal(a)
            } else {
                None
            };
            lit.map(|l| vec![l]).ok_or_else(unsupported)
        }
        ("in", [(a, pa), (Value::Array(items), _)]) if is_element(a, pa)? => items
            .iter()
            .map(literal)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(unsupported),
        ("or", items) if !items.is_empty() => {
            let mut out = Vec::new();
            for (a, p) in items {
                out.extend(element_values(a, p, depth + 1)?);
            }
            Ok(out)
        }
        _ => Err(unsupported()),
    }
}

// ---------------------------------------------------------------------------
// Segment AST → JsonLogic
// ---------------------------------------------------------------------------

/// Names JavaScript values inherit from their prototypes (Object, String,
/// Array, Number, Boolean): json-logic-js's `var` would read these instead of
/// finding nothing.
const JS_INHERITED: &[&str] = &[
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
    "__proto__",
    "anchor",
    "at",
    "big",
    "blink",
    "bold",
    "charAt",
    "charCodeAt",
    "codePointAt",
    "concat",
    "constructor",
    "copyWithin",
    "endsWith",
    "entries",
    "every",
    "fill",
    "filter",
    "find",
    "findIndex",
    "findLast",
    "findLastIndex",
    "fixed",
    "flat",
    "flatMap",
    "fontcolor",
    "fontsize",
    "forEach",
    "hasOwnProperty",
    "includes",
    "indexOf",
    "isPrototypeOf",
    "isWellFormed",
    "italics",
    "join",
    "keys",
    "lastIndexOf",
    "length",
    "link",
    "localeCompare",
    "map",
    "match",
    "matchAll",
    "normalize",
    "padEnd",
    "padStart",
    "pop",
    "propertyIsEnumerable",
    "push",
    "reduce",
    "reduceRight",
    "repeat",
    "replace",
    "replaceAll",
    "reverse",
    "search",
    "shift",
    "slice",
    "small",
    "some",
    "sort",
    "splice",
    "split",
    "startsWith",
    "strike",
    "sub",
    "substr",
    "substring",
    "sup",
    "toExponential",
    "toFixed",
    "toLocaleLowerCase",
    "toLocaleString",
    "toLocaleUpperCase",
    "toLowerCase",
    "toPrecision",
    "toReversed",
    "toSorted",
    "toSpliced",
    "toString",
    "toUpperCase",
    "toWellFormed",
    "trim",
    "trimEnd",
    "trimLeft",
    "trimRight",
    "trimStart",
    "unshift",
    "valueOf",
    "values",
    "with",
];

fn not_expressible(what: &str) -> Error {
    argument(format!("{what} cannot be expressed in JsonLogic"))
}

/// `{"var": "a.b"}` for a path JsonLogic reads the way Kaleido does.
fn var(path: &Path) -> Result<Value> {
    for seg in path {
        let why = if seg.is_empty() {
            Some("is empty")
        } else if seg.contains('.') {
            Some("contains a dot (JsonLogic splits variable names at dots)")
        } else if seg.bytes().all(|b| b.is_ascii_digit()) {
            Some("is a number (JsonLogic would index strings and arrays)")
        } else if JS_INHERITED.contains(&seg.as_str()) {
            Some("is a JavaScript built-in member name")
        } else {
            None
        };
        if let Some(why) = why {
            return Err(not_expressible(&format!(
                "attribute path {:?} (the part {seg:?} {why})",
                path.join(".")
            )));
        }
    }
    Ok(json!({ "var": path.join(".") }))
}

fn and_all(mut items: Vec<Value>) -> Value {
    if items.iter().any(|v| *v == Value::Bool(false)) {
        return Value::Bool(false);
    }
    items.retain(|v| *v != Value::Bool(true));
    match items.len() {
        0 => Value::Bool(true),
        1 => items.pop().unwrap_or(Value::Bool(true)),
        _ => json!({ "and": items }),
    }
}

fn or_any(mut items: Vec<Value>) -> Value {
    if items.iter().any(|v| *v == Value::Bool(true)) {
        return Value::Bool(true);
    }
    items.retain(|v| *v != Value::Bool(false));
    match items.len() {
        0 => Value::Bool(false),
        1 => items.pop().unwrap_or(Value::Bool(false)),
        _ => json!({ "or": items }),
    }
}

fn op2(op: &str, a: Value, b: Value) -> Value {
    let mut m = Map::new();
    m.insert(op.to_owned(), Value::Array(vec![a, b]));
    Value::Object(m)
}

/// The value is a number: `x === +x` (`+` is `parseFloat`, so `"5"` fails).
fn is_number(v: &Value) -> Value {
    op2("===", v.clone(), json!({ "+": [v] }))
}

/// The value is a string: `x === cat(x)`.
fn is_string(v: &Value) -> Value {
    op2("===", v.clone(), json!({ "cat": [v] }))
}

/// The value is a boolean.
fn is_boolean(v: &Value) -> Value {
    json!({ "in": [v, [true, false]] })
}

/// The value is a non-empty array: `reduce` over anything else returns the initial value.
fn is_nonempty_array(v: &Value) -> Value {
    json!({ "reduce": [v, true, false] })
}

/// The value is an array: non-empty, or falsy without being `0`, `""`, `null` or `false`.
fn is_array(v: &Value) -> Value {
    or_any(vec![
        is_nonempty_array(v),
        and_all(vec![
            json!({ "!": [v] }),
            op2("!==", v.clone(), json!(0)),
            op2("!==", v.clone(), json!("")),
            op2("!==", v.clone(), Value::Null),
            op2("!==", v.clone(), json!(false)),
        ]),
    ])
}

fn literal_json(lit: &Literal) -> Result<Value> {
    match lit {
        Literal::Number(n) if n.is_finite() => Ok(super::js::number_to_json(*n)),
        Literal::Number(_) => Err(not_expressible("a non-finite number")),
        Literal::String(s) => Ok(Value::String(s.clone())),
        Literal::Bool(b) => Ok(Value::Bool(*b)),
        Literal::Date(_) | Literal::DateTime(_) => Err(not_expressible(
            "a date or date-time comparison (JsonLogic has no dates)",
        )),
    }
}

fn holds(cmp: CmpOp, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match cmp {
        CmpOp::Eq => ord == Equal,
        CmpOp::Ne => ord != Equal,
        CmpOp::Lt => ord == Less,
        CmpOp::Le => ord != Greater,
        CmpOp::Gt => ord == Greater,
        CmpOp::Ge => ord != Less,
    }
}

fn negate(cmp: CmpOp) -> CmpOp {
    match cmp {
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
    }
}

fn js_op(cmp: CmpOp) -> &'static str {
    match cmp {
        CmpOp::Eq => "===",
        CmpOp::Ne => "!==",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    }
}

/// `(definitely true, definitely false)` of `PATH cmp lit`: Kaleido compares
/// only values of the literal's type (anything else is unknown).
fn compare_tf(path: &Path, cmp: CmpOp, lit: &Literal) -> Result<(Value, Value)> {
    let v = var(path)?;
    match lit {
        Literal::Bool(x) => {
            // Booleans order false < true: list the values that satisfy.
            let pick = |c: CmpOp| {
                let sat: Vec<Value> = [false, true]
                    .into_iter()
                    .filter(|b| holds(c, b.cmp(x)))
                    .map(Value::Bool)
                    .collect();
                match sat.as_slice() {
                    [] => Value::Bool(false),
                    [one] => op2("===", v.clone(), one.clone()),
                    _ => is_boolean(&v),
                }
            };
            Ok((pick(cmp), pick(negate(cmp))))
        }
        Literal::Number(_) | Literal::String(_) => {
            let is_num = matches!(lit, Literal::Number(_));
            if let Literal::String(s) = lit {
                if !matches!(cmp, CmpOp::Eq | CmpOp::Ne)
                    && s.chars().any(|c| u32::from(c) >= 0xD800)
                {
                    return Err(not_expressible(&format!(
                        "ordering against {s:?} (JavaScript compares strings by UTF-16 code units, Kaleido by code points, and they differ past U+D7FF)"
                    )));
                }
            }
            let l = literal_json(lit)?;
            let guard = if is_num { is_number(&v) } else { is_string(&v) };
            let cond = |c: CmpOp| match c {
                // Strict equality already implies the type.
                CmpOp::Eq => op2("===", v.clone(), l.clone()),
                c => and_all(vec![guard.clone(), op2(js_op(c), v.clone(), l.clone())]),
            };
            Ok((cond(cmp), cond(negate(cmp))))
        }
        Literal::Date(_) | Literal::DateTime(_) => Err(literal_json(lit)
            .err()
            .unwrap_or_else(|| not_expressible("a date comparison"))),
    }
}

/// The type test for values of a literal's type.
fn type_guard(v: &Value, lit: &Literal) -> Result<Value> {
    Ok(match lit {
        Literal::Number(_) => is_number(v),
        Literal::String(_) => is_string(v),
        Literal::Bool(_) => is_boolean(v),
        Literal::Date(_) | Literal::DateTime(_) => {
            return Err(literal_json(lit)
                .err()
                .unwrap_or_else(|| not_expressible("a date")))
        }
    })
}

fn same_kind(a: &Literal, b: &Literal) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// List membership of non-string literals (strings inside a string attribute
/// would be a case-insensitive substring test).
fn list_literals(values: &[Literal], what: &str) -> Result<Vec<Value>> {
    values
        .iter()
        .map(|l| match l {
            Literal::String(_) => Err(not_expressible(&format!(
                "{what} with a string (case-insensitive on string attributes)"
            ))),
            other => literal_json(other),
        })
        .collect()
}

/// `(T, F)`: JsonLogic rules that are truthy exactly when `e` is definitely
/// true, and definitely false, under Kaleido's three-valued logic.
fn tf(e: &Expr, depth: usize) -> Result<(Value, Value)> {
    if depth > MAX_NESTING {
        return Err(too_deep());
    }
    let d = depth + 1;
    match e {
        Expr::And { args, .. } | Expr::Or { args, .. } => {
            let parts = args.iter().map(|a| tf(a, d)).collect::<Result<Vec<_>>>()?;
            let (ts, fs): (Vec<Value>, Vec<Value>) = parts.into_iter().unzip();
            Ok(if matches!(e, Expr::And { .. }) {
                (and_all(ts), or_any(fs))
            } else {
                (or_any(ts), and_all(fs))
            })
        }
        Expr::Not { arg, .. } => {
            let (t, f) = tf(arg, d)?;
            Ok((f, t))
        }
        Expr::Compare {
            path, cmp, value, ..
        } => compare_tf(path, *cmp, value),
        Expr::Between {
            path, low, high, ..
        } => {
            let (t1, f1) = compare_tf(path, CmpOp::Ge, low)?;
            let (t2, f2) = compare_tf(path, CmpOp::Le, high)?;
            if let (Literal::Number(_), Literal::Number(_)) = (low, high) {
                // The compact form json-logic-js offers for ranges.
                let v = var(path)?;
                let t = and_all(vec![
                    is_number(&v),
                    json!({ "<=": [literal_json(low)?, v, literal_json(high)?] }),
                ]);
                return Ok((t, or_any(vec![f1, f2])));
            }
            Ok((and_all(vec![t1, t2]), or_any(vec![f1, f2])))
        }
        Expr::In {
            path,
            values,
            negated,
            ..
        } => {
            let v = var(path)?;
            let lits = values
                .iter()
                .map(literal_json)
                .collect::<Result<Vec<_>>>()?;
            // True: equal to one (strict `in`); false: every equality false,
            // which needs the value to have the type of every literal.
            let t = if lits.is_empty() {
                Value::Bool(false)
            } else {
                json!({ "in": [v, lits] })
            };
            let f = match values.first() {
                None => Value::Bool(true),
                Some(first) if values.iter().all(|l| same_kind(l, first)) => and_all(vec![
                    type_guard(&v, first)?,
                    json!({ "!": [{ "in": [v, lits] }] }),
                ]),
                Some(_) => Value::Bool(false),
            };
            Ok(if *negated { (f, t) } else { (t, f) })
        }
        Expr::Contains { path, value, .. } => {
            let v = var(path)?;
            let lit = list_literals(std::slice::from_ref(value), "contains")?;
            let member = json!({ "in": [lit.first().cloned().unwrap_or(Value::Null), v] });
            Ok((
                and_all(vec![is_nonempty_array(&v), member.clone()]),
                and_all(vec![is_array(&v), json!({ "!": [member] })]),
            ))
        }
        Expr::ContainsList {
            path, all, values, ..
        } => {
            let v = var(path)?;
            let lits = list_literals(values, "contains any/all")?;
            if lits.is_empty() {
                // Over no values: any is false, all is true, for lists and strings.
                let typed = or_any(vec![is_array(&v), is_string(&v)]);
                return Ok(if *all {
                    (typed, Value::Bool(false))
                } else {
                    (Value::Bool(false), typed)
                });
            }
            let has: Vec<Value> = lits.iter().map(|l| json!({ "in": [l, v] })).collect();
            let lacks: Vec<Value> = has.iter().map(|h| json!({ "!": [h] })).collect();
            Ok(if *all {
                (
                    and_all(vec![is_nonempty_array(&v), and_all(has)]),
                    and_all(vec![is_array(&v), or_any(lacks)]),
                )
            } else {
                (
                    and_all(vec![is_nonempty_array(&v), or_any(has)]),
                    and_all(vec![is_array(&v), and_all(lacks)]),
                )
            })
        }
        Expr::IsSet { path, negated, .. } => {
            let v = var(path)?;
            let set = op2("!=", v.clone(), Value::Null);
            let unset = op2("==", v, Value::Null);
            Ok(if *negated { (unset, set) } else { (set, unset) })
        }
        Expr::IsTrue { path, .. } => {
            let v = var(path)?;
            Ok((
                op2("===", v.clone(), Value::Bool(true)),
                op2("===", v, Value::Bool(false)),
            ))
        }
        Expr::StartsWith { .. } | Expr::EndsWith { .. } => Err(not_expressible(
            "\"starts with\"/\"ends with\" (case-insensitive)",
        )),
        Expr::Matches { .. } => Err(not_expressible("a regular expression")),
        Expr::DateWithin { .. }
        | Expr::DateAgo { .. }
        | Expr::DateBefore { .. }
        | Expr::DateAfter { .. }
        | Expr::Anniversary { .. } => Err(not_expressible("a date condition")),
        Expr::Did { .. }
        | Expr::Aggregate { .. }
        | Expr::Last { .. }
        | Expr::Sequence { .. }
        | Expr::Same { .. } => Err(not_expressible("an event condition")),
        Expr::InSegment { .. } => Err(not_expressible("a segment reference")),
        Expr::Culture { .. } => Err(not_expressible("a holiday, season or local_time condition")),
    }
}

/// Converts a segment rule to a JsonLogic rule that is truthy exactly when
/// the rule is true.
pub(crate) fn to_json_logic(expr: &Expr) -> Result<Value> {
    tf(expr, 0).map(|(t, _)| t)
}
