//! JsonLogic: conformance of `jsonlogic::apply` with json-logic-js, and the
//! conversions between JsonLogic and segment rules.

use std::path::PathBuf;

use kaleido::jsonlogic;
use kaleido::ErrorKind;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn shared_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("KALEIDO_SHARED") {
        return PathBuf::from(dir);
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if beside.join("corpora").is_dir() {
        return beside;
    }
    PathBuf::from("/work/shared")
}

fn read_json(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// JSON equality with every number compared as a double (`1` equals `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn official_suite_passes_in_full() {
    let suite = read_json(shared_dir().join("corpora/jsonlogic-tests.json"));
    let mut ran = 0;
    let mut failures = Vec::new();
    for case in suite.as_array().expect("suite is an array") {
        let Some([rule, data, expected]) = case.as_array().map(Vec::as_slice) else {
            assert!(case.is_string(), "unexpected entry {case}");
            continue;
        };
        ran += 1;
        match jsonlogic::apply(rule, data) {
            Ok(got) if same(&got, expected) => {}
            other => failures.push(format!(
                "{rule} on {data}: expected {expected}, got {other:?}"
            )),
        }
    }
    assert_eq!(ran, 277);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

struct CompatCase {
    key: String,
    file: String,
    description: String,
    rule: Value,
    data: Value,
    /// `Ok(result)` or `Err(())` for an expected error.
    expected: Result<Value, ()>,
}

fn compat_cases() -> Vec<CompatCase> {
    let base = shared_dir().join("corpora/jsonlogic-compat-suites");
    let index = read_json(base.join("index.json"));
    let mut out = Vec::new();
    for file in index.as_array().expect("index is an array") {
        let file = file.as_str().expect("file name");
        let suite = read_json(base.join(file));
        for (i, case) in suite.as_array().expect("suite").iter().enumerate() {
            if case.is_string() {
                continue;
            }
            out.push(CompatCase {
                key: format!("{file}#{i}"),
                file: file.to_owned(),
                description: case["description"].as_str().unwrap_or("").to_owned(),
                rule: case["rule"].clone(),
                data: case.get("data").cloned().unwrap_or(Value::Null),
                expected: if case.get("error").is_some() {
                    Err(())
                } else {
                    Ok(case["result"].clone())
                },
            });
        }
    }
    out
}

/// The core files of the compat suites; the rest (`*.extra.json` and the
/// newer proposals) are informative.
fn is_core(file: &str) -> bool {
    const PROPOSALS: &[&str] = &[
        "coalesce.json",
        "exists.json",
        "scopes.json",
        "throw.json",
        "try.json",
        "val.json",
        "val-compat.json",
        "additional.json",
        "chained.json",
    ];
    !file.ends_with(".extra.json") && !PROPOSALS.contains(&file)
}

/// Every case of every compat suite gives what json-logic-js gives (as
/// recorded by tests/node/gen-jsonlogic-reference.mjs): the same JSON value,
/// or an error where it throws.
#[test]
fn compat_suites_match_json_logic_js() {
    let reference = read_json(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jsonlogic-js-reference.json"),
    );
    let mut failures = Vec::new();
    let cases = compat_cases();
    for c in &cases {
        let want = &reference["cases"][&c.key];
        let got = jsonlogic::apply(&c.rule, &c.data);
        let ok = match (want.get("value"), want.get("error"), &got) {
            (Some(v), _, Ok(g)) => same(v, g),
            (_, Some(msg), Err(e)) => {
                // The unknown-operator message is json-logic-js's, word for word.
                !msg.as_str()
                    .unwrap_or("")
                    .starts_with("Unrecognized operation")
                    || (e.message() == msg.as_str().unwrap_or("")
                        && e.kind() == ErrorKind::Argument)
            }
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{} ({}): {} on {}: json-logic-js {want}, got {got:?}",
                c.key, c.description, c.rule, c.data
            ));
        }
    }
    assert_eq!(cases.len(), 1138);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Core compat cases whose expected result differs from what json-logic-js
/// returns. The JSON Logic organisation's suites follow a newer draft of the
/// spec; Kaleido follows json-logic-js (what `jsonLogic.apply` means on the
/// web), so for these it gives json-logic-js's answer, which
/// `compat_suites_match_json_logic_js` checks.
const CORE_CONFLICTS: &[(&str, &str)] = &[
    ("arithmetic/plus.json#6", "json-logic-js converts operands of `+` with parseFloat: booleans, null and \"\" are NaN"), // Addition with Booleans
    ("arithmetic/plus.json#7", "json-logic-js converts operands of `+` with parseFloat: booleans, null and \"\" are NaN"), // Addition with Multiple Value Types
    ("arithmetic/plus.json#20", "json-logic-js converts operands of `+` with parseFloat: booleans, null and \"\" are NaN"), // Plus Operator with Single Operand, Direct (true)
    ("arithmetic/plus.json#21", "json-logic-js converts operands of `+` with parseFloat: booleans, null and \"\" are NaN"), // Plus Operator with Single Operand, Direct (false)
    ("arithmetic/plus.json#22", "json-logic-js converts operands of `+` with parseFloat: booleans, null and \"\" are NaN"), // Plus Operator with Single Operand, Direct (Empty String)
    ("arithmetic/plus.json#23", "json-logic-js converts operands of `+` with parseFloat: booleans, null and \"\" are NaN"), // Plus Operator with a Single Operand, Direct (null)
    ("arithmetic/plus.json#24", "uses `val`, a newer operator json-logic-js 2.x lacks (Unrecognized operation)"), // Addition with val
    ("arithmetic/plus.json#25", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Addition with string produces NaN
    ("arithmetic/plus.json#26", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Addition with Array produces NaN
    ("arithmetic/plus.json#29", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Plus Operator with Single Operand, Invalid String Produces NaN
    ("arithmetic/plus.json#30", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Plus Operator with Single Operand, Array Input Produces NaN
    ("arithmetic/plus.json#31", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Plus Operator with Single Operand, Object Input Produces NaN
    ("arithmetic/plus.json#32", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Plus Operator with Single Operand, Direct Object Input Produces NaN
    ("arithmetic/multiply.json#6", "json-logic-js converts operands of `*` with parseFloat: booleans, null and \"\" are NaN"), // Multiply with Booleans
    ("arithmetic/multiply.json#7", "json-logic-js converts operands of `*` with parseFloat: booleans, null and \"\" are NaN"), // Multiply with Multiple Value Types
    ("arithmetic/multiply.json#9", "json-logic-js converts operands of `*` with parseFloat: booleans, null and \"\" are NaN"), // Multiply with Multiple Value Types (3)
    ("arithmetic/multiply.json#15", "json-logic-js: `*` without operands reduces an empty array (TypeError)"), // Multiply with zero operands is 1 (Product)
    ("arithmetic/multiply.json#18", "json-logic-js returns a single operand of `*` unchanged (no conversion)"), // Multiply Operator with Single Operand (String)
    ("arithmetic/multiply.json#19", "json-logic-js returns a single operand of `*` unchanged (no conversion)"), // Multiply Operator with Single Operand, Direct (Negative Number String)
    ("arithmetic/multiply.json#20", "json-logic-js returns a single operand of `*` unchanged (no conversion)"), // Multiply Operator with Single Operand, Direct (String 0)
    ("arithmetic/multiply.json#21", "json-logic-js returns a single operand of `*` unchanged (no conversion)"), // Multiply Operator with Single Operand, Direct (true)
    ("arithmetic/multiply.json#22", "json-logic-js returns a single operand of `*` unchanged (no conversion)"), // Multiply Operator with Single Operand, Direct (false)
    ("arithmetic/multiply.json#23", "json-logic-js returns a single operand of `*` unchanged (no conversion)"), // Multiply Operator with Single Operand, Direct (Empty String)
    ("arithmetic/multiply.json#24", "json-logic-js returns a single operand of `*` unchanged (no conversion)"), // Multiply Operator with a Single Operand, Direct (null)
    ("arithmetic/multiply.json#25", "uses `val`, a newer operator json-logic-js 2.x lacks (Unrecognized operation)"), // Multiply with val
    ("arithmetic/multiply.json#26", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Multiply with string produces NaN
    ("arithmetic/multiply.json#27", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Multiply with a single string produces NaN
    ("arithmetic/multiply.json#28", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Multiply with Array produces NaN
    ("arithmetic/minus.json#3", "json-logic-js uses only the first two operands of `-`"), // Subtraction with Multiple Operands
    ("arithmetic/minus.json#4", "json-logic-js uses only the first two operands of `-`"), // Subtraction with Negative Numbers
    ("arithmetic/minus.json#5", "json-logic-js uses only the first two operands of `-`"), // Subtraction with Strings
    ("arithmetic/minus.json#6", "json-logic-js uses only the first two operands of `-`"), // Subtraction with Booleans
    ("arithmetic/minus.json#7", "json-logic-js uses only the first two operands of `-`"), // Subtraction with Multiple Value Types
    ("arithmetic/minus.json#10", "newer spec rejects this operand shape; json-logic-js accepts it"), // Minus with zero operands is an error
    ("arithmetic/minus.json#20", "uses `val`, a newer operator json-logic-js 2.x lacks (Unrecognized operation)"), // Subtraction with val
    ("arithmetic/minus.json#21", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Subtraction with string produces NaN
    ("arithmetic/minus.json#22", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Subtraction with Array produces NaN
    ("arithmetic/divide.json#3", "json-logic-js uses only the first two operands of `/`"), // Divide with Multiple Operands
    ("arithmetic/divide.json#6", "json-logic-js uses only the first two operands of `/`"), // Divide with Strings
    ("arithmetic/divide.json#8", "json-logic-js uses only the first two operands of `/`"), // Divide with Multiple Value Types
    ("arithmetic/divide.json#10", "json-logic-js divides a single operand by undefined (NaN)"), // Divide with Single Operand (Number)
    ("arithmetic/divide.json#11", "newer spec rejects this operand shape; json-logic-js accepts it"), // Divide with zero operands is an error
    ("arithmetic/divide.json#12", "json-logic-js divides a single operand by undefined (NaN)"), // Divide with Single Operand, Direct (Number)
    ("arithmetic/divide.json#13", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Divide with Single Operand, Direct (0)
    ("arithmetic/divide.json#14", "json-logic-js divides a single operand by undefined (NaN)"), // Divide Operator with Single Operand (Number)
    ("arithmetic/divide.json#15", "json-logic-js divides a single operand by undefined (NaN)"), // Divide Operator with Single Operand (Negative Number)
    ("arithmetic/divide.json#16", "json-logic-js divides a single operand by undefined (NaN)"), // Divide Operator with Single Operand, Direct (Number)
    ("arithmetic/divide.json#17", "json-logic-js divides a single operand by undefined (NaN)"), // Divide Operator with Single Operand, Direct (2)
    ("arithmetic/divide.json#18", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Divide Operator with Single Operand, Direct (0)
    ("arithmetic/divide.json#19", "json-logic-js divides a single operand by undefined (NaN)"), // Divide Operator with Single Operand (String)
    ("arithmetic/divide.json#20", "json-logic-js divides a single operand by undefined (NaN)"), // Divide Operator with Single Operand, Direct (Negative Number String)
    ("arithmetic/divide.json#21", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Divide Operator with Single Operand, Direct (String 0)
    ("arithmetic/divide.json#22", "json-logic-js divides a single operand by undefined (NaN)"), // Divide Operator with Single Operand, Direct (true)
    ("arithmetic/divide.json#23", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Divide Operator with Single Operand, Direct (false)
    ("arithmetic/divide.json#24", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Divide Operator with Single Operand, Direct (Empty String)
    ("arithmetic/divide.json#25", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Divide Operator with a Single Operand, Direct (null)
    ("arithmetic/divide.json#26", "uses `val`, a newer operator json-logic-js 2.x lacks (Unrecognized operation)"), // Divide with val
    ("arithmetic/divide.json#27", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Divide by Zero
    ("arithmetic/divide.json#28", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Divide with String produces NaN
    ("arithmetic/divide.json#29", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Divide with Array produces NaN
    ("arithmetic/divide.json#30", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Any division by zero should return NaN
    ("arithmetic/divide.json#31", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Any division by zero should return NaN (2)
    ("arithmetic/modulo.json#10", "json-logic-js uses only the first two operands of `%`"), // Modulo with Multiple Value Types
    ("arithmetic/modulo.json#12", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo with Single Operand (Number)
    ("arithmetic/modulo.json#13", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo with Single Operand, Direct (Number)
    ("arithmetic/modulo.json#14", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo with Single Operand, Direct (0)
    ("arithmetic/modulo.json#15", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo Operator with Single Operand (Number)
    ("arithmetic/modulo.json#16", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo Operator with Single Operand (Negative Number)
    ("arithmetic/modulo.json#17", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo with zero operands is an error
    ("arithmetic/modulo.json#18", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo Operator with Single Operand, Direct (Number)
    ("arithmetic/modulo.json#19", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo Operator with Single Operand, Direct (0)
    ("arithmetic/modulo.json#20", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo Operator with Single Operand (String)
    ("arithmetic/modulo.json#21", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo Operator with Single Operand, Direct (Negative Number String)
    ("arithmetic/modulo.json#22", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo Operator with Single Operand, Direct (String 0)
    ("arithmetic/modulo.json#23", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo Operator with Single Operand, Direct (true)
    ("arithmetic/modulo.json#24", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo Operator with Single Operand, Direct (false)
    ("arithmetic/modulo.json#25", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo Operator with Single Operand, Direct (Empty String)
    ("arithmetic/modulo.json#26", "newer spec rejects this operand shape; json-logic-js accepts it"), // Modulo Operator with a Single Operand, Direct (null)
    ("arithmetic/modulo.json#27", "uses `val`, a newer operator json-logic-js 2.x lacks (Unrecognized operation)"), // Modulo with val
    ("arithmetic/modulo.json#28", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Modulo with string produces NaN
    ("arithmetic/modulo.json#29", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // Modulo with array produces NaN
    ("comparison/greaterThan.json#1", "json-logic-js ignores a third operand of `>`"), // > with 3 arguments failing
    ("comparison/greaterThan.json#2", "tests lazy evaluation with `throw`, which json-logic-js 2.x lacks (Unrecognized operation)"), // > is lazily evaluated
    ("comparison/greaterThan.json#3", "newer spec rejects this operand shape; json-logic-js accepts it"), // > with 1 argument
    ("comparison/greaterThan.json#4", "newer spec rejects this operand shape; json-logic-js accepts it"), // > with direct argument
    ("comparison/greaterThan.json#5", "newer spec rejects this operand shape; json-logic-js accepts it"), // > with empty argument
    ("comparison/greaterThan.json#16", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // > with (2023n, 2024-01-01s)
    ("comparison/greaterThan.json#24", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // > with (1n, As)
    ("comparison/greaterThan.json#31", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // > with [] and [1]
    ("comparison/greaterThan.json#32", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // > with [1] and 5
    ("comparison/greaterThan.json#33", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // > with {} and 1
    ("comparison/greaterThan.json#34", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // > with 1 and {}
    ("comparison/greaterThanEquals.json#1", "json-logic-js ignores a third operand of `>=`"), // >= with 3 arguments failing
    ("comparison/greaterThanEquals.json#2", "tests lazy evaluation with `throw`, which json-logic-js 2.x lacks (Unrecognized operation)"), // >= is lazily evaluated
    ("comparison/greaterThanEquals.json#3", "newer spec rejects this operand shape; json-logic-js accepts it"), // >= with 1 argument
    ("comparison/greaterThanEquals.json#4", "newer spec rejects this operand shape; json-logic-js accepts it"), // >= with direct argument
    ("comparison/greaterThanEquals.json#5", "newer spec rejects this operand shape; json-logic-js accepts it"), // >= with empty argument
    ("comparison/greaterThanEquals.json#16", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // >= with (1n, As)
    ("comparison/greaterThanEquals.json#17", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // >= with (1n, As)
    ("comparison/greaterThanEquals.json#24", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // >= with [] and [1]
    ("comparison/greaterThanEquals.json#25", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // >= with [1] and 5
    ("comparison/greaterThanEquals.json#26", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // >= with {} and 1
    ("comparison/greaterThanEquals.json#27", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // >= with 1 and {}
    ("comparison/lessThan.json#1", "tests lazy evaluation with `throw`, which json-logic-js 2.x lacks (Unrecognized operation)"), // < is lazily evaluated
    ("comparison/lessThan.json#2", "newer spec rejects this operand shape; json-logic-js accepts it"), // < with 1 argument
    ("comparison/lessThan.json#3", "newer spec rejects this operand shape; json-logic-js accepts it"), // < with direct argument
    ("comparison/lessThan.json#4", "newer spec rejects this operand shape; json-logic-js accepts it"), // < with empty argument
    ("comparison/lessThan.json#16", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // < with (2023n, 2024-01-01s)
    ("comparison/lessThan.json#34", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // < with (1n, As)
    ("comparison/lessThan.json#41", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // < with [] and [1]
    ("comparison/lessThan.json#42", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // < with [1] and 5
    ("comparison/lessThan.json#43", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // < with {} and 1
    ("comparison/lessThan.json#44", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // < with 1 and {}
    ("comparison/lessThanEquals.json#0", "tests lazy evaluation with `throw`, which json-logic-js 2.x lacks (Unrecognized operation)"), // <= is lazily evaluated
    ("comparison/lessThanEquals.json#1", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // <= with (2023n, 2024-01-01s)
    ("comparison/lessThanEquals.json#9", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // <= with (1n, As)
    ("comparison/lessThanEquals.json#16", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // <= with [] and [1]
    ("comparison/lessThanEquals.json#17", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // <= with [1] and 5
    ("comparison/lessThanEquals.json#18", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // <= with {} and 1
    ("comparison/lessThanEquals.json#19", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // <= with 1 and {}
    ("comparison/softEquals.json#2", "tests lazy evaluation with `throw`, which json-logic-js 2.x lacks (Unrecognized operation)"), // == is lazily evaluated
    ("comparison/softEquals.json#3", "newer spec rejects this operand shape; json-logic-js accepts it"), // == with 1 argument
    ("comparison/softEquals.json#4", "newer spec rejects this operand shape; json-logic-js accepts it"), // == with direct argument
    ("comparison/softEquals.json#5", "newer spec rejects this operand shape; json-logic-js accepts it"), // == with empty argument
    ("comparison/softEquals.json#16", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // == with (2023n, 2024-01-01s)
    ("comparison/softEquals.json#24", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // == with (1n, As)
    ("comparison/softEquals.json#27", "JavaScript: null == 0 is false (null is loosely equal only to undefined)"), // == with (null, 0)
    ("comparison/softEquals.json#31", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // == with [] and [1]
    ("comparison/softEquals.json#32", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // == with [1] and 5
    ("comparison/softEquals.json#33", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // == with {} and 1
    ("comparison/softEquals.json#34", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // == with 1 and {}
    ("comparison/softNotEquals.json#1", "tests lazy evaluation with `throw`, which json-logic-js 2.x lacks (Unrecognized operation)"), // != is lazily evaluated
    ("comparison/softNotEquals.json#2", "newer spec rejects this operand shape; json-logic-js accepts it"), // != with 1 argument
    ("comparison/softNotEquals.json#3", "newer spec rejects this operand shape; json-logic-js accepts it"), // != with direct argument
    ("comparison/softNotEquals.json#4", "newer spec rejects this operand shape; json-logic-js accepts it"), // != with empty argument
    ("comparison/softNotEquals.json#15", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // != with (2023n, 2024-01-01s)
    ("comparison/softNotEquals.json#23", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // != with (1n, As)
    ("comparison/softNotEquals.json#26", "JavaScript: null != 0 is true (null is loosely equal only to undefined)"), // != with (null, 0)
    ("comparison/softNotEquals.json#30", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // != with [] and [1]
    ("comparison/softNotEquals.json#31", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // != with [1] and 5
    ("comparison/softNotEquals.json#32", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // != with {} and 1
    ("comparison/softNotEquals.json#33", "newer spec makes a NaN result an error; json-logic-js coerces as JavaScript does"), // != with 1 and {}
    ("comparison/strictEquals.json#1", "json-logic-js ignores a third operand of `===`"), // === with 3 arguments failing
    ("comparison/strictEquals.json#2", "tests lazy evaluation with `throw`, which json-logic-js 2.x lacks (Unrecognized operation)"), // === is lazily evaluated
    ("comparison/strictEquals.json#3", "newer spec rejects this operand shape; json-logic-js accepts it"), // === with 1 argument
    ("comparison/strictEquals.json#4", "newer spec rejects this operand shape; json-logic-js accepts it"), // === with direct argument
    ("comparison/strictEquals.json#5", "newer spec rejects this operand shape; json-logic-js accepts it"), // === with empty argument
    ("comparison/strictNotEquals.json#1", "tests lazy evaluation with `throw`, which json-logic-js 2.x lacks (Unrecognized operation)"), // !== is lazily evaluated
    ("comparison/strictNotEquals.json#2", "newer spec rejects this operand shape; json-logic-js accepts it"), // !== with 1 argument
    ("comparison/strictNotEquals.json#3", "newer spec rejects this operand shape; json-logic-js accepts it"), // !== with direct argument
    ("comparison/strictNotEquals.json#4", "newer spec rejects this operand shape; json-logic-js accepts it"), // !== with empty argument
    ("control/and.json#21", "json-logic-js returns undefined (null in JSON) for an empty `and`"), // And with no arguments should return false
    ("control/and.json#23", "newer spec rejects this operand shape; json-logic-js accepts it"), // And with non-array arguments should throw
    ("control/if.json#7", "uses `val`, a newer operator json-logic-js 2.x lacks (Unrecognized operation)"), // Objects are always truthy, with keys defined
    ("control/if.json#48", "newer spec rejects this operand shape; json-logic-js accepts it"), // If with non-array arguments throws
    ("control/or.json#5", "json-logic-js returns undefined (null in JSON) for an empty `or`"), // Empty OR returns false
    ("control/or.json#19", "newer spec rejects this operand shape; json-logic-js accepts it"), // OR with non-array arguments should throw
    ("array/map.json#9", "newer spec rejects this operand shape; json-logic-js accepts it"), // Map with null mapper should throw
    ("array/map.json#10", "newer spec rejects this operand shape; json-logic-js accepts it"), // Map with null array should throw
    ("array/filter.json#9", "newer spec rejects this operand shape; json-logic-js accepts it"), // Filter with null predicate should throw
    ("array/filter.json#10", "newer spec rejects this operand shape; json-logic-js accepts it"), // Filter with null array should throw
    ("array/reduce.json#9", "json-logic-js starts `reduce` at null without an initial value (null + 1 is NaN through parseFloat)"), // Initial value is optional
    ("array/all.json#8", "newer spec rejects this operand shape; json-logic-js accepts it"), // Null array should throw
    ("array/all.json#9", "newer spec rejects this operand shape; json-logic-js accepts it"), // Missing array returns error
    ("array/some.json#8", "newer spec rejects this operand shape; json-logic-js accepts it"), // Null array should throw
    ("array/some.json#9", "newer spec rejects this operand shape; json-logic-js accepts it"), // Missing array returns error
    ("array/none.json#8", "newer spec rejects this operand shape; json-logic-js accepts it"), // Null array should throw
    ("array/none.json#9", "newer spec rejects this operand shape; json-logic-js accepts it"), // Missing array returns error
    ("truthiness.json#12", "uses `val`, a newer operator json-logic-js 2.x lacks (Unrecognized operation)"), // Truthy: Zero Key Object
    ("truthiness.json#13", "uses `val`, a newer operator json-logic-js 2.x lacks (Unrecognized operation)"), // Truthy: Single Key Object
    ("truthiness.json#14", "uses `val`, a newer operator json-logic-js 2.x lacks (Unrecognized operation)"), // Truthy: Multi Key Object
    ("truthiness.json#15", "uses `val`, a newer operator json-logic-js 2.x lacks (Unrecognized operation)"), // Truthy: Single Key Object (Empty Key)
];

#[test]
fn core_compat_files_pass_except_listed_conflicts() {
    let conflicts: BTreeMap<&str, &str> = CORE_CONFLICTS.iter().copied().collect();
    assert_eq!(conflicts.len(), CORE_CONFLICTS.len(), "duplicate entries");
    let mut per_file: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for c in compat_cases() {
        let got = jsonlogic::apply(&c.rule, &c.data);
        let agrees = match (&c.expected, &got) {
            (Ok(want), Ok(g)) => same(want, g),
            (Err(()), Err(_)) => true,
            _ => false,
        };
        let entry = per_file.entry(c.file.clone()).or_default();
        if agrees {
            entry.0 += 1;
        } else if conflicts.contains_key(c.key.as_str()) {
            entry.1 += 1;
        } else {
            entry.2 += 1;
        }
        if !is_core(&c.file) {
            continue;
        }
        match (agrees, conflicts.get(c.key.as_str())) {
            (true, Some(why)) => failures.push(format!(
                "{} ({}) is listed as a conflict ({why}) but passes",
                c.key, c.description
            )),
            (false, None) => failures.push(format!(
                "{} ({}): {} on {}: expected {:?}, got {got:?}",
                c.key, c.description, c.rule, c.data, c.expected
            )),
            _ => {}
        }
    }
    println!("file: agree / json-logic-js conflicts / other");
    for (file, (ok, listed, other)) in &per_file {
        let tag = if is_core(file) { "core" } else { "informative" };
        println!("{file} ({tag}): {ok} / {listed} / {other}");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Conversion: JsonLogic → segment rules
// ---------------------------------------------------------------------------

use kaleido::rules::ast::{CmpOp, Expr, Literal};
use kaleido::{EvalOptions, Segment};
use proptest::prelude::*;

fn text_of(logic: Value) -> String {
    match Segment::from_json_logic(&logic) {
        Ok(s) => s.to_string(),
        Err(e) => panic!("{logic}: {e}"),
    }
}

#[test]
fn from_json_logic_maps_the_boolean_subset() {
    let cases = [
        (json!({"==": [{"var": "age"}, 30]}), "age = 30"),
        (json!({"===": ["US", {"var": "country"}]}), "country = \"US\""),
        (json!({"!==": [{"var": "vip"}, true]}), "vip != true"),
        (json!({"==": [{"var": "email"}, null]}), "email is not set"),
        (json!({"!=": [{"var": "email"}, null]}), "email is set"),
        (json!({"<": [{"var": "age"}, 30]}), "age < 30"),
        (json!({"<": [30, {"var": "age"}]}), "age > 30"),
        (json!({">=": [30, {"var": "age"}]}), "age <= 30"),
        (json!({"<": [18, {"var": "age"}, 65]}), "age > 18 and age < 65"),
        (json!({"<=": [18, {"var": "age"}, 65]}), "age between 18 and 65"),
        (json!({"in": [{"var": "country"}, ["US", "CA"]]}), "country in [\"US\", \"CA\"]"),
        (json!({"in": ["vip", {"var": "tags"}]}), "tags contains \"vip\""),
        (json!({"and": [{"var": "a"}, {"!!": {"var": "b"}}]}), "a and b"),
        (json!({"or": [{"==": [{"var": "a"}, 1]}]}), "a = 1"),
        (json!({"!": {"==": [{"var": "a"}, 1]}}), "not a = 1"),
        (json!({"!": {"var": "unsubscribed"}}), "unsubscribed is not set or unsubscribed = false"),
        (json!({"missing": ["a", "b.c"]}), "a is not set or b.c is not set"),
        (json!({"missing": "a"}), "a is not set"),
        (
            json!({"missing_some": [2, ["a", "b", "c"]]}),
            "a is not set and b is not set or a is not set and c is not set or b is not set and c is not set",
        ),
        (json!({"missing_some": [1, ["a", "b"]]}), "a is not set and b is not set"),
        (
            json!({"some": [{"var": "tags"}, {"==": [{"var": ""}, "x"]}]}),
            "tags contains any [\"x\"]",
        ),
        (
            json!({"some": [{"var": "tags"}, {"or": [{"===": ["x", {"var": ""}]}, {"in": [{"var": ""}, ["y", "z"]]}]}]}),
            "tags contains any [\"x\", \"y\", \"z\"]",
        ),
        (
            json!({"none": [{"var": "tags"}, {"==": [{"var": ""}, 2]}]}),
            "not tags contains any [2]",
        ),
        (json!({"var": ["consent.marketing"]}), "consent.marketing"),
    ];
    for (logic, text) in cases {
        assert_eq!(text_of(logic.clone()), text, "{logic}");
    }
}

#[test]
fn from_json_logic_names_what_it_cannot_convert() {
    let cases = [
        (
            json!({"and": [{"==": [{"var": "a"}, 1]}, {"map": [{"var": "x"}, 1]}]}),
            "unsupported JsonLogic operator \"map\" at /and/1",
        ),
        (
            json!({"if": [true, 1, 2]}),
            "unsupported JsonLogic operator \"if\" at /",
        ),
        (
            json!({"!": {"+": [1, 2]}}),
            "unsupported JsonLogic operator \"+\" at /!",
        ),
        (
            json!({"all": [{"var": "tags"}, {"==": [{"var": ""}, 1]}]}),
            "unsupported JsonLogic operator \"all\" at /",
        ),
        (
            json!({"or": [true]}),
            "unsupported JsonLogic at /or/0: the value true is not a condition",
        ),
        (
            json!({"==": [{"var": ["a", 1]}, 1]}),
            "unsupported JsonLogic at /==/0: \"var\" with a default value",
        ),
        (
            json!({"==": [{"var": "a"}, {"var": "b"}]}),
            "unsupported JsonLogic at /: \"==\" needs a variable and a literal",
        ),
        (
            json!({">": [3, {"var": "a"}, 1]}),
            "unsupported JsonLogic at /: \">\" takes two operands",
        ),
        (
            json!({"a/b": []}),
            "unsupported JsonLogic operator \"a/b\" at /",
        ),
        (
            json!({"and": []}),
            "unsupported JsonLogic at /: \"and\" without operands",
        ),
        (
            json!({"missing_some": [0, ["a"]]}),
            "unsupported JsonLogic at /: \"missing_some\" that is never true",
        ),
    ];
    for (logic, message) in cases {
        let err = jsonlogic::from_json_logic(&logic).expect_err(&logic.to_string());
        assert_eq!(err.kind(), ErrorKind::Argument, "{logic}");
        assert!(
            err.message().starts_with(message),
            "{logic}: {}",
            err.message()
        );
    }
}

// ---------------------------------------------------------------------------
// Conversion: segment rules → JsonLogic
// ---------------------------------------------------------------------------

fn logic_of(rule: &str) -> Result<Value, kaleido::Error> {
    Segment::parse(rule).expect(rule).to_json_logic()
}

#[test]
fn to_json_logic_writes_definitely_true_conditions() {
    let v = json!({"var": "age"});
    let is_num = json!({"===": [v, {"+": [v]}]});
    let cases = [
        ("age = 30", json!({"===": [v, 30]})),
        ("age != 30", json!({"and": [is_num, {"!==": [v, 30]}]})),
        ("not age = 30", json!({"and": [is_num, {"!==": [v, 30]}]})),
        ("age < 30", json!({"and": [is_num, {"<": [v, 30]}]})),
        ("not age < 30", json!({"and": [is_num, {">=": [v, 30]}]})),
        (
            "age between 18 and 65",
            json!({"and": [is_num, {"<=": [18, v, 65]}]}),
        ),
        ("age is set", json!({"!=": [v, null]})),
        ("not age is set", json!({"==": [v, null]})),
        ("vip", json!({"===": [{"var": "vip"}, true]})),
        ("not vip", json!({"===": [{"var": "vip"}, false]})),
        ("vip < true", json!({"===": [{"var": "vip"}, false]})),
        (
            "country in [\"US\", \"CA\"]",
            json!({"in": [{"var": "country"}, ["US", "CA"]]}),
        ),
        (
            "country not in [\"US\"]",
            json!({"and": [{"===": [{"var": "country"}, {"cat": [{"var": "country"}]}]}, {"!": [{"in": [{"var": "country"}, ["US"]]}]}]}),
        ),
        (
            "tags contains 3",
            json!({"and": [{"reduce": [{"var": "tags"}, true, false]}, {"in": [3, {"var": "tags"}]}]}),
        ),
        (
            "a = 1 or not (b = 2 and c.d)",
            json!({"or": [
                {"===": [{"var": "a"}, 1]},
                {"or": [
                    {"and": [{"===": [{"var": "b"}, {"+": [{"var": "b"}]}]}, {"!==": [{"var": "b"}, 2]}]},
                    {"===": [{"var": "c.d"}, false]},
                ]},
            ]}),
        ),
    ];
    for (rule, want) in cases {
        assert_eq!(logic_of(rule).expect(rule), want, "{rule}");
    }
}

#[test]
fn to_json_logic_refuses_what_json_logic_cannot_express() {
    let cases = [
        "email contains \"gmail\"",
        "email starts with \"ana\"",
        "email ends with \"@x.com\"",
        "email matches /^a/",
        "tags contains any [\"a\", \"b\"]",
        "signup_date > 2025-01-01",
        "signup_date within last 30 days",
        "birthday anniversary within next 7 days",
        "did purchase",
        "count(purchase) > 2",
        "in segment \"vip\"",
        "name < \"\u{e9}\u{1F600}\"",
        "name > \"\u{FFFD}\"",
        "items.length > 2",
        "`a.b` = 1",
        "list.`0` = 1",
        "user.toString = \"x\"",
    ];
    for rule in cases {
        let err = logic_of(rule).expect_err(rule);
        assert_eq!(err.kind(), ErrorKind::Argument, "{rule}");
        assert!(
            err.message().contains("cannot be expressed in JsonLogic"),
            "{rule}: {}",
            err.message()
        );
    }
    // A plain code-point-safe string ordering is fine.
    assert!(logic_of("name < \"\u{e9}t\u{e9}\"").is_ok());
}

// ---------------------------------------------------------------------------
// Membership: Kaleido's test() and JsonLogic agree on generated profiles
// ---------------------------------------------------------------------------

const PATHS: &[&str] = &["age", "country", "vip", "tags", "consent.marketing"];

fn path_strategy() -> impl Strategy<Value = Vec<String>> {
    proptest::sample::select(PATHS).prop_map(|p| p.split('.').map(str::to_owned).collect())
}

fn number_lit() -> impl Strategy<Value = Literal> {
    proptest::sample::select(vec![0.0, 1.0, 2.5, 30.0, -1.0]).prop_map(Literal::Number)
}

fn string_lit() -> impl Strategy<Value = Literal> {
    proptest::sample::select(vec!["US", "CA", "", "b", "30", "\u{e9}"])
        .prop_map(|s| Literal::String(s.to_owned()))
}

fn scalar_lit() -> impl Strategy<Value = Literal> {
    prop_oneof![
        number_lit(),
        string_lit(),
        any::<bool>().prop_map(Literal::Bool)
    ]
}

fn cmp_op() -> impl Strategy<Value = CmpOp> {
    proptest::sample::select(vec![
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
    ])
}

/// Attribute conditions JsonLogic can express. `readable` keeps to what
/// `from_json_logic` reads back (no constant results: no boolean ordering,
/// no mixed-type `not in`).
fn leaf(readable: bool) -> BoxedStrategy<Expr> {
    let span = kaleido::Span::default();
    let homogeneous = prop_oneof![
        proptest::collection::vec(number_lit(), 1..4),
        proptest::collection::vec(string_lit(), 1..4),
        proptest::collection::vec(any::<bool>().prop_map(Literal::Bool), 1..3),
    ];
    let lists = if readable {
        homogeneous.boxed()
    } else {
        prop_oneof![homogeneous, proptest::collection::vec(scalar_lit(), 1..4)].boxed()
    };
    let compare_lit = if readable {
        prop_oneof![
            (cmp_op(), prop_oneof![number_lit(), string_lit()]),
            any::<bool>().prop_map(|b| (CmpOp::Eq, Literal::Bool(b))),
            any::<bool>().prop_map(|b| (CmpOp::Ne, Literal::Bool(b))),
        ]
        .boxed()
    } else {
        (cmp_op(), scalar_lit()).boxed()
    };
    let non_string = prop_oneof![number_lit(), any::<bool>().prop_map(Literal::Bool)];
    prop_oneof![
        (path_strategy(), compare_lit).prop_map(move |(path, (cmp, value))| Expr::Compare {
            path,
            cmp,
            value,
            span
        }),
        (path_strategy(), number_lit(), number_lit()).prop_map(move |(path, low, high)| {
            Expr::Between {
                path,
                low,
                high,
                span,
            }
        }),
        (path_strategy(), lists, any::<bool>()).prop_map(move |(path, values, negated)| {
            Expr::In {
                path,
                values,
                negated,
                span,
            }
        }),
        (path_strategy(), non_string.clone()).prop_map(move |(path, value)| Expr::Contains {
            path,
            value,
            span
        }),
        (
            path_strategy(),
            any::<bool>(),
            proptest::collection::vec(non_string, 1..3)
        )
            .prop_map(move |(path, all, values)| Expr::ContainsList {
                path,
                all,
                values,
                span
            }),
        (path_strategy(), any::<bool>()).prop_map(move |(path, negated)| Expr::IsSet {
            path,
            negated,
            span
        }),
        path_strategy().prop_map(move |path| Expr::IsTrue { path, span }),
    ]
    .boxed()
}

fn rule_strategy(readable: bool) -> impl Strategy<Value = Expr> {
    let span = kaleido::Span::default();
    leaf(readable).prop_recursive(3, 16, 3, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4)
                .prop_map(move |args| Expr::And { args, span }),
            proptest::collection::vec(inner.clone(), 2..4)
                .prop_map(move |args| Expr::Or { args, span }),
            inner.prop_map(move |a| Expr::Not {
                arg: Box::new(a),
                span
            }),
        ]
    })
}

/// An attribute value of any JSON type (or `None`: missing).
fn attr_value() -> impl Strategy<Value = Option<Value>> {
    let scalar = prop_oneof![
        proptest::sample::select(vec![0.0, 1.0, 2.5, 30.0, 31.0, -1.0]).prop_map(|n| json!(n)),
        proptest::sample::select(vec!["US", "CA", "", "b", "30", "\u{e9}", "us"])
            .prop_map(|s| json!(s)),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    prop_oneof![
        2 => scalar.clone().prop_map(Some),
        1 => proptest::collection::vec(scalar, 0..4).prop_map(|v| Some(Value::Array(v))),
        1 => Just(Some(json!({"x": 1}))),
        1 => Just(None),
    ]
}

fn profile_strategy() -> impl Strategy<Value = Value> {
    (
        proptest::collection::vec(attr_value(), 4),
        prop_oneof![
            attr_value().prop_map(|m| m.map(|m| json!({ "marketing": m }))),
            attr_value(),
        ],
    )
        .prop_map(|(values, consent)| {
            let mut profile = serde_json::Map::new();
            profile.insert("id".into(), json!(1));
            for (name, v) in ["age", "country", "vip", "tags"].iter().zip(values) {
                if let Some(v) = v {
                    profile.insert((*name).to_owned(), v);
                }
            }
            if let Some(c) = consent {
                profile.insert("consent".into(), c);
            }
            Value::Object(profile)
        })
}

fn options() -> EvalOptions<'static> {
    let as_of = kaleido::parse_as_of("2025-01-31T00:00:00Z", chrono_tz::Tz::UTC).unwrap();
    EvalOptions::at(as_of)
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(_) => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// `jsonLogic.apply(toJsonLogic(rule), profile)` is truthy exactly when
    /// `rule.test(profile)`.
    #[test]
    fn exported_rules_keep_kaleido_membership(
        rule in rule_strategy(false),
        profiles in proptest::collection::vec(profile_strategy(), 8),
    ) {
        let segment = Segment::from_expr(rule);
        let logic = segment.to_json_logic().unwrap();
        for profile in &profiles {
            let kaleido = segment.test(profile, &options()).unwrap();
            let json_logic = truthy(&jsonlogic::apply(&logic, profile).unwrap());
            prop_assert_eq!(kaleido, json_logic, "rule {} on {}: JsonLogic {}", segment, profile, logic);
        }
    }

    /// `fromJsonLogic(toJsonLogic(rule))` has the rule's membership.
    #[test]
    fn round_trip_keeps_membership(
        rule in rule_strategy(true),
        profiles in proptest::collection::vec(profile_strategy(), 8),
    ) {
        let segment = Segment::from_expr(rule);
        let logic = segment.to_json_logic().unwrap();
        let back = Segment::from_json_logic(&logic)
            .unwrap_or_else(|e| panic!("{segment}: {logic}: {e}"));
        for profile in &profiles {
            prop_assert_eq!(
                segment.test(profile, &options()).unwrap(),
                back.test(profile, &options()).unwrap(),
                "rule {} came back as {} (via {}) on {}", segment, back, logic, profile
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        (-5i64..40).prop_map(|n| json!(n)),
        "[a-z0-9. ]{0,6}".prop_map(Value::String),
        proptest::sample::select(vec![
            "", "a", "a.b", "0", "length", "-1", "0x1f", "1e3", " 2 "
        ])
        .prop_map(|s| json!(s)),
    ];
    let ops = vec![
        "var",
        "missing",
        "missing_some",
        "if",
        "?:",
        "==",
        "===",
        "!=",
        "!==",
        ">",
        ">=",
        "<",
        "<=",
        "!",
        "!!",
        "or",
        "and",
        "%",
        "log",
        "in",
        "cat",
        "substr",
        "+",
        "-",
        "*",
        "/",
        "min",
        "max",
        "merge",
        "map",
        "filter",
        "reduce",
        "all",
        "none",
        "some",
        "var.length",
        "current",
        "accumulator",
        "x",
    ];
    leaf.prop_recursive(6, 64, 5, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            (proptest::sample::select(ops.clone()), inner.clone())
                .prop_map(|(k, v)| json!({ k: v })),
            proptest::collection::btree_map("[a-z]{1,3}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Arbitrary JSON never panics any of the three entry points.
    #[test]
    fn never_panics_on_arbitrary_json(logic in arbitrary_json(), data in arbitrary_json()) {
        let _ = jsonlogic::apply(&logic, &data);
        if let Ok(expr) = jsonlogic::from_json_logic(&logic) {
            let _ = jsonlogic::to_json_logic(&expr);
        }
    }
}

#[test]
fn deep_rules_hit_the_limit_instead_of_the_stack() {
    // Debug builds use far bigger frames than release ones (about 1.5 KB per
    // level there); give this thread the 8 MB a main thread has.
    let run = || {
        let mut logic = json!(true);
        for _ in 0..5000 {
            logic = Value::Object(
                [("!".to_owned(), Value::Array(vec![logic]))]
                    .into_iter()
                    .collect(),
            );
        }
        let err = jsonlogic::apply(&logic, &json!({})).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Limit);
        let err = jsonlogic::from_json_logic(&logic).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Limit);
        let mut rule = Segment::parse("a = 1").unwrap().expr().clone();
        for _ in 0..5000 {
            rule = Expr::Not {
                arg: Box::new(rule),
                span: kaleido::Span::default(),
            };
        }
        let err = jsonlogic::to_json_logic(&rule).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Limit);
        // Dropping is recursive in serde_json and in the AST: leak these.
        std::mem::forget(logic);
        std::mem::forget(rule);
    };
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn runaway_growth_hits_the_limit() {
    // Each step doubles the string: 2^40 bytes without a limit.
    let logic = json!({"reduce": [
        {"merge": [[1,2,3,4,5,6,7,8,9,10], [1,2,3,4,5,6,7,8,9,10], [1,2,3,4,5,6,7,8,9,10], [1,2,3,4,5,6,7,8,9,10]]},
        {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]},
        "x"
    ]});
    assert_eq!(
        jsonlogic::apply(&logic, &json!(null)).unwrap_err().kind(),
        ErrorKind::Limit
    );
}

#[test]
fn javascript_semantics_spot_checks() {
    let cases = [
        (
            json!({"cat": [{"+": [0.1, 0.2]}]}),
            json!("0.30000000000000004"),
        ),
        (
            json!({"cat": [1e21, " ", {"-": [0]}, " ", 1e-7]}),
            json!("1e+21 0 1e-7"),
        ),
        (json!({"==": [[1, 2], "1,2"]}), json!(true)),
        (json!({"<": [[2], 10]}), json!(true)),
        (json!({"<": ["2", "10"]}), json!(false)),
        (json!({"==": [" 0x1A ", 26]}), json!(true)),
        (json!({"==": [null, 0]}), json!(false)),
        (json!({">=": [null, 0]}), json!(true)),
        (json!({"and": [1, [], 2]}), json!([])),
        (json!({"or": [0, "", "x"]}), json!("x")),
        (json!({"/": [1, 0]}), Value::Null),
        (json!({"substr": ["jsonlogic", -5, -2]}), json!("log")),
        (json!({"var": "s.length"}), json!(2)),
        (json!({"var": ["a.0.b", "dflt"]}), json!("dflt")),
        (json!({"in": [1, "a1"]}), json!(true)),
        (json!({"max": []}), Value::Null),
        (json!({"*": ["2"]}), json!("2")),
    ];
    let data = json!({"s": "h\u{e9}", "a": [{"c": 1}]});
    for (logic, want) in cases {
        assert_eq!(jsonlogic::apply(&logic, &data).unwrap(), want, "{logic}");
    }
    let err = jsonlogic::apply(&json!({"nope": [1]}), &json!({})).unwrap_err();
    assert_eq!(
        (err.kind(), err.message()),
        (ErrorKind::Argument, "Unrecognized operation nope")
    );
    let err = jsonlogic::apply(&json!({"var.x": [1]}), &json!({})).unwrap_err();
    assert_eq!(
        err.message(),
        "Unrecognized operation var.x (failed at var.x)"
    );
}
