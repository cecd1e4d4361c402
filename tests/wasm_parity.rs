//! Native results that the WebAssembly build must reproduce exactly.
//!
//! This test computes, natively, the results of a fixed set of rules,
//! profiles, segment sets and templates, and compares them with the committed
//! fixture `tests/fixtures/parity.json`. The Node test
//! `tests/node/parity.test.mjs` runs the same inputs (read from that fixture)
//! through the built package and compares with the same expected values, so
//! "native and WASM give identical results" is checked on every `make test`.
//!
//! After a deliberate change of behaviour, regenerate the fixture with
//! `KALEIDO_UPDATE_FIXTURES=1 cargo test --test wasm_parity` and review the diff.

use std::path::PathBuf;

use kaleido::{parse_as_of, parse_time_zone, EvalOptions, Schema, Segment, SegmentSet, Template};
use kaleido::{Error, TemplateOptions};
use serde_json::{json, Map, Value};

const AS_OF: &str = "2025-06-30T12:00:00Z";

fn rules() -> Vec<&'static str> {
    vec![
        // The product's 16 examples.
        "did not purchase in last 6 months",
        "gender = \"m\" and age between 25 and 34 and did purchase in last 30 days",
        "signup_date within last 14 days and did not purchase",
        "did purchase at least 5 times in last 365 days",
        "did cart_add then did not purchase within 24 hours",
        "did product_view where category = \"shoes\" then did not purchase where same product_id within 7 days",
        "not did email_open in last 90 days and not did email_click in last 90 days",
        "sum(purchase.amount in last 365 days) > 500 or count(purchase in last 90 days) >= 3",
        "country in [\"VN\", \"CN\", \"TW\", \"HK\", \"SG\"] and language != \"en\"",
        "interests contains any [\"hiking\", \"running\"] and city_size = \"urban\" and income_band >= 3",
        "in segment \"lapsed\" and consent.marketing and not in segment \"complained\"",
        "last email_open more than 90 days ago",
        "churn_risk > 0.7 and predicted_clv >= 200",
        "birthday anniversary within next 7 days",
        "timezone starts with \"America/\" and (lifecycle = \"new\" or lifecycle = \"active\")",
        "avg(purchase.amount where category = \"electronics\") > 120 and did app_open in last 7 days",
        // The vertical slice and more.
        "age >= 30",
        "email ends with \"@gmail.com\"",
        "first_name is set",
        "tags contains \"vip\" or email matches /^vip-/i",
        "prefs.channel = \"email\"",
        "consent.marketing",
        // Errors.
        "age >=",
        "age >= 30 and",
        "country in [\"VN\",",
        "did purchase in last x days",
        "(age > 3",
        "in segment \"nope\"",
    ]
}

fn profiles() -> Vec<Value> {
    vec![
        json!({
            "id": 1, "first_name": "Ana", "gender": "m", "age": 29, "country": "VN", "language": "vi",
            "email": "Ana@GMAIL.com", "signup_date": "2025-06-20", "birthday": "1990-07-04",
            "interests": ["hiking", "cooking"], "city_size": "urban", "income_band": 3,
            "churn_risk": 0.8, "predicted_clv": 250, "timezone": "America/Bogota", "lifecycle": "new",
            "consent": { "marketing": true }, "tags": ["vip"], "prefs": { "channel": "email" },
            "events": [
                { "type": "purchase", "at": "2025-06-15T10:00:00Z", "amount": 320, "category": "electronics" },
                { "type": "purchase", "at": "2025-03-01T10:00:00Z", "amount": 250, "category": "shoes" },
                { "type": "product_view", "at": "2025-06-25T08:00:00Z", "category": "shoes", "product_id": "p1" },
                { "type": "cart_add", "at": "2025-06-29T09:00:00Z", "product_id": "p1" },
                { "type": "email_open", "at": "2025-01-02T09:00:00Z" },
                { "type": "app_open", "at": "2025-06-28T20:00:00Z" }
            ]
        }),
        json!({
            "id": "b-2", "age": 41, "gender": "f", "country": "US", "language": "en",
            "email": "vip-bo@example.com", "signup_date": "2020-01-01", "churn_risk": null,
            "consent.marketing": false, "timezone": "Europe/Paris", "lifecycle": "active",
            "events": [
                { "type": "email_open", "at": "2025-06-29T09:00:00Z" },
                { "type": "email_click", "at": "2025-06-29T09:05:00Z" },
                { "type": "purchase", "at": "2025-07-15T10:00:00Z", "amount": 999 }
            ]
        }),
        json!({ "id": 3 }),
        json!({ "id": 4, "age": "34", "events": [{ "type": "purchase", "at": "not a date" }] }),
        // Events of other types need only a string type (the WASM boundary
        // copies nothing else of them); a non-object event is an error.
        json!({ "id": 7, "events": [
            { "type": "page_view", "at": "?" },
            { "type": "purchase", "at": "2025-06-29T10:00:00Z", "amount": 90, "category": "electronics" },
        ] }),
        json!({ "id": 8, "events": [{ "type": "purchase", "at": "2025-06-29T10:00:00Z" }, "oops"] }),
    ]
}

fn templates() -> Vec<(&'static str, Value)> {
    vec![
        ("Hello {{ first_name | default(\"there\") }}", json!({})),
        (
            "{% include \"greeting\" %}, {{ profile.country }}{% if age >= 30 %} ({{ age }}){% endif %}",
            json!({ "greeting": "Hi {{ first_name | default(\"friend\") | upper }}" }),
        ),
        ("<p>{{ email }}</p>{{ prefs.channel }}{{ missing.deep.path }}", json!({})),
        ("{% for t in tags %}[{{ t }}]{% else %}no tags{% endfor %}", json!({})),
        ("Hello {{ first_name | }}", json!({})),
        ("{% for i in range(10) %}{{ i }}{% endfor %}{{ 1 + \"a\" }}", json!({})),
    ]
}

fn error_json(e: &Error) -> Value {
    let mut m = Map::new();
    m.insert("kind".into(), json!(e.kind().as_str()));
    m.insert("message".into(), json!(e.message()));
    if let Some(v) = e.line() {
        m.insert("line".into(), json!(v));
    }
    if let Some(v) = e.column() {
        m.insert("column".into(), json!(v));
    }
    if let Some(v) = e.row() {
        m.insert("row".into(), json!(v));
    }
    if let Some(v) = e.field() {
        m.insert("field".into(), json!(v));
    }
    if let Some(v) = e.snippet() {
        m.insert("snippet".into(), json!(v));
    }
    json!({ "error": m })
}

fn result<T: serde::Serialize>(r: kaleido::Result<T>) -> Value {
    match r {
        Ok(v) => json!({ "ok": v }),
        Err(e) => error_json(&e),
    }
}

fn compute() -> Value {
    let tz = parse_time_zone("UTC").unwrap();
    let as_of = parse_as_of(AS_OF, tz).unwrap();
    let set = SegmentSet::new([
        (
            "lapsed".to_string(),
            Segment::parse("not did purchase in last 30 days").unwrap(),
        ),
        (
            "complained".to_string(),
            Segment::parse("did complaint").unwrap(),
        ),
    ])
    .unwrap();
    let set_defs =
        json!({ "lapsed": "not did purchase in last 30 days", "complained": "did complaint" });
    let profiles = profiles();
    let schema = Schema::infer(&profiles[..1]).unwrap();
    let infer = json!([
        { "rows": [0, 2], "result": result(Schema::infer(&[profiles[0].clone(), profiles[2].clone()]).map(|s| s.to_json())) },
        { "rows": [0, 1, 2, 3], "result": result(Schema::infer(&profiles[..4]).map(|s| s.to_json())) },
    ]);

    let mut segment_cases = Vec::new();
    for rule in rules() {
        let mut case = Map::new();
        case.insert("rule".into(), json!(rule));
        match Segment::parse(rule) {
            Err(e) => {
                case.insert("parse".into(), error_json(&e));
            }
            Ok(segment) => {
                case.insert("parse".into(), json!({ "ok": true }));
                case.insert("text".into(), json!(segment.to_string()));
                case.insert("json".into(), segment.to_json());
                case.insert("check".into(), json!(segment.check(Some(&schema))));
                case.insert(
                    "parseWithSchema".into(),
                    result(segment.check_types_in(&schema, rule).map(|_| true)),
                );
                let opts = EvalOptions {
                    as_of,
                    time_zone: tz,
                    segments: Some(&set),
                };
                let mut runs = Vec::new();
                for profile in &profiles {
                    runs.push(json!({
                        "evaluate": result(segment.evaluate(profile, &opts)),
                        "test": result(segment.test(profile, &opts)),
                        "explain": result(segment.explain(profile, &opts)),
                    }));
                }
                case.insert("runs".into(), Value::Array(runs));
            }
        }
        segment_cases.push(Value::Object(case));
    }

    let mut template_cases = Vec::new();
    for (source, blocks) in templates() {
        let options = TemplateOptions {
            blocks: serde_json::from_value(blocks.clone()).unwrap(),
            ..TemplateOptions::default()
        };
        let mut case = json!({ "source": source, "blocks": blocks });
        match Template::compile_with(source, &options) {
            Err(e) => case["compile"] = error_json(&e),
            Ok(t) => {
                case["compile"] = json!({ "ok": true });
                case["renders"] = profiles
                    .iter()
                    .map(|p| result(t.render(p, &EvalOptions::at(as_of).into())))
                    .collect();
            }
        }
        template_cases.push(case);
    }

    json!({
        "asOf": AS_OF,
        "timeZone": "UTC",
        "segmentSet": set_defs,
        "profiles": profiles,
        "schema": schema.to_json(),
        "inferSchema": infer,
        "segments": segment_cases,
        "templates": template_cases,
    })
}

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/parity.json")
}

#[test]
fn native_results_match_the_committed_fixture() {
    let actual = compute();
    let path = fixture_path();
    let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
    if std::env::var_os("KALEIDO_UPDATE_FIXTURES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; generate it with KALEIDO_UPDATE_FIXTURES=1 cargo test --test wasm_parity",
            path.display()
        )
    });
    let committed: Value = serde_json::from_str(&committed).unwrap();
    assert!(
        committed == actual,
        "native results differ from {}; if the change is deliberate, regenerate with \
         KALEIDO_UPDATE_FIXTURES=1 cargo test --test wasm_parity and review the diff",
        path.display()
    );
}

#[test]
fn the_fixture_exercises_every_outcome() {
    let actual = compute();
    let segments = actual["segments"].as_array().unwrap();
    let parse_errors = segments
        .iter()
        .filter(|c| c["parse"]["error"].is_object())
        .count();
    assert!(parse_errors >= 5, "{parse_errors} parse errors");
    let outcomes: Vec<&Value> = segments
        .iter()
        .filter_map(|c| c["runs"].as_array())
        .flatten()
        .map(|r| &r["evaluate"])
        .collect();
    for want in [
        json!({ "ok": true }),
        json!({ "ok": false }),
        json!({ "ok": null }),
    ] {
        assert!(outcomes.contains(&&want), "no run evaluates to {want}");
    }
    assert!(outcomes.iter().any(|o| o["error"]["kind"] == "data"));
    let first = &segments.iter().find(|c| c["rule"] == "age >=").unwrap()["parse"]["error"];
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(1), Some(7))
    );
}
