//! JsonLogic: conformance of `jsonlogic::apply` with json-logic-js, and the
//! conversions between JsonLogic and segment rules.

use std::path::PathBuf;

use kaleido::jsonlogic;
use kaleido::ErrorKind;
use serde_json::{json, Value};

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
            other => failures.push(format!("{rule} on {data}: expected {expected}, got {other:?}")),
        }
    }
    assert_eq!(ran, 277);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
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
                !msg.as_str().unwrap_or("").starts_with("Unrecognized operation")
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
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
