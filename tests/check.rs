//! `Segment::check` and `Schema`: diagnostics with codes, messages and
//! positions; no false positives on the product's 16 examples; schema JSON
//! round-trip and inference.

use kaleido::{ErrorKind, Schema, Segment, Severity};
use serde_json::json;

const EXAMPLES: [&str; 16] = [
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
];

fn schema() -> Schema {
    Schema::from_json(&json!({
        "gender": "string",
        "age": "number",
        "signup_date": "date",
        "country": "string",
        "language": "string",
        "interests": "string[]",
        "city_size": "string",
        "income_band": "number",
        "consent.marketing": "boolean",
        "churn_risk": "number",
        "predicted_clv": "number",
        "birthday": "date",
        "timezone": "string",
        "lifecycle": "string",
        "last_seen": "datetime",
        "purchase": { "event": { "amount": "number", "category": "string", "product_id": "string" } },
        "cart_add": { "event": { "product_id": "string" } },
        "product_view": { "event": { "category": "string", "product_id": "string" } },
        "email_open": { "event": { "campaign": "string" } },
        "email_click": { "event": { "campaign": "string", "url": "string" } },
        "app_open": { "event": {} }
    }))
    .unwrap()
}

/// (code, message, line, column) of every diagnostic.
fn diags(text: &str) -> Vec<(String, String, Option<u32>, Option<u32>)> {
    let s = schema();
    Segment::parse(text)
        .unwrap()
        .check(Some(&s))
        .into_iter()
        .map(|d| (d.code.to_string(), d.message, d.line, d.column))
        .collect()
}

fn codes(text: &str, schema: Option<&Schema>) -> Vec<&'static str> {
    Segment::parse(text)
        .unwrap()
        .check(schema)
        .into_iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn the_16_examples_have_no_diagnostics() {
    let s = schema();
    for text in EXAMPLES {
        assert_eq!(diags(text), vec![], "with a schema: {text}");
        assert_eq!(codes(text, None), Vec::<&str>::new(), "without: {text}");
        assert_eq!(Segment::parse(text).unwrap().check_types(&s), Ok(()));
    }
}

/// One rule, one diagnostic: (rule, code, message, line, column).
const CASES: &[(&str, &str, &str, u32, u32)] = &[
    // errors, with the schema
    ("gender = \"m\" and agee > 40", "unknown-field", "unknown field \"agee\"; did you mean \"age\"?", 1, 18),
    ("xyzzy is set", "unknown-field", "unknown field \"xyzzy\"", 1, 1),
    ("purchase > 3", "unknown-field", "\"purchase\" is an event type, not a profile field; use \"did purchase\"", 1, 1),
    ("age = \"25\"", "type-mismatch", "age is a number but \"25\" is a string", 1, 1),
    ("age > 3 and country in [\"US\", 3]", "type-mismatch", "country is a string but 3 in the list is a number", 1, 13),
    ("interests = \"a\"", "type-mismatch", "interests is a list of strings (string[]), so it cannot be compared with \"a\"; use contains, contains any or contains all for lists", 1, 1),
    ("age contains any [\"a\"]", "type-mismatch", "\"contains any\" needs a string or a list of strings, but age is a number", 1, 1),
    ("gender within last 3 days", "type-mismatch", "date conditions need a date or date-time field, but gender is a string", 1, 1),
    ("signup_date > 2025-01-01 and\n  age before 2025-01-01", "type-mismatch", "date conditions need a date or date-time field, but age is a number", 2, 3),
    ("timezone starts with \"A\" and age ends with \"x\"", "type-mismatch", "\"ends with\" needs a string, but age is a number", 1, 30),
    ("age", "type-mismatch", "age is a number, not a boolean: a bare field means \"age is true\"; compare it with a value instead", 1, 1),
    ("age between 20 and 2025-01-01", "type-mismatch", "the bounds of between, 20 and 2025-01-01, have different types (a number and a date)", 1, 1),
    ("gender between 1 and 2", "type-mismatch", "gender is a string but the bounds 1 and 2 are numbers", 1, 1),
    ("did purchse", "unknown-event", "unknown event type \"purchse\"; did you mean \"purchase\"?", 1, 1),
    ("did age", "unknown-event", "\"age\" is a profile field, not an event type", 1, 1),
    ("did purchase where amout > 3", "unknown-event-field", "event \"purchase\" has no property \"amout\"; did you mean \"amount\"?", 1, 20),
    ("avg(purchase.amnt) > 3", "unknown-event-field", "event \"purchase\" has no property \"amnt\"; did you mean \"amount\"?", 1, 1),
    ("did purchase where category = 3", "type-mismatch", "category is a string but 3 is a number", 1, 20),
    ("sum(purchase.category) > 3", "type-mismatch", "sum() needs a number, but purchase.category is a string", 1, 1),
    ("did purchase then did email_open where same product_id within 1 day", "unknown-event-field", "event \"email_open\" has no property \"product_id\"", 1, 40),
    // warnings, no schema needed
    ("age > 40 and age < 30", "always-false", "age > 40 and age < 30 can never both be true", 1, 1),
    ("gender = \"m\" and gender = \"f\"", "always-false", "gender = \"m\" and gender = \"f\" can never both be true", 1, 1),
    ("country in [\"US\", \"CA\"] and country = \"VN\"", "always-false", "country in [\"US\", \"CA\"] and country = \"VN\" can never both be true", 1, 1),
    ("gender = \"f\" and (age > 30 and country = \"US\" and age <= 30)", "always-false", "age > 30 and age <= 30 can never both be true", 1, 19),
    ("age != 1 and age != 2 and age in [1, 2]", "always-false", "age != 1, age != 2 and age in [1, 2] can never all be true", 1, 1),
    ("age > 3 and not age >= 2", "always-false", "age > 3 and not age >= 2 can never both be true", 1, 1),
    ("age is not set and age > 3", "always-false", "age is not set and age > 3 can never both be true", 1, 1),
    ("signup_date > 2025-03-01 and signup_date < 2025-02-01", "always-false", "signup_date > 2025-03-01 and signup_date < 2025-02-01 can never both be true", 1, 1),
    ("age between 40 and 30", "always-false", "age between 40 and 30 can never be true: the low bound is above the high bound", 1, 1),
    ("gender = \"m\" and country in []", "always-false", "country in [] can never be true: the list is empty", 1, 18),
    ("country not in []", "always-true-when-set", "country not in [] is true whenever country is set: the list is empty", 1, 1),
    ("age >= 30 or age < 30", "always-true-when-set", "age >= 30 or age < 30 is always true when age is set (to a number); when age is missing it is unknown, not true", 1, 1),
    ("gender = \"m\" or age > 5 or gender != \"m\"", "always-true-when-set", "gender = \"m\" or gender != \"m\" is always true when gender is set (to a string); when gender is missing it is unknown, not true", 1, 1),
    ("consent.marketing or not consent.marketing", "always-true-when-set", "consent.marketing or not consent.marketing is always true when consent.marketing is set (to a boolean); when consent.marketing is missing it is unknown, not true", 1, 1),
    ("age is set or age is not set", "always-true", "age is set or age is not set is always true", 1, 1),
    ("did purchase at least 0 times", "always-true", "did purchase at least 0 times is always true: everyone did purchase at least 0 times", 1, 1),
    ("age > 3 and did not purchase at least 0 times", "always-false", "did not purchase at least 0 times can never be true: everyone did purchase at least 0 times", 1, 13),
    ("count(purchase) < 0", "always-false", "count(purchase) < 0 can never be true: a count is a whole number, 0 or more", 1, 1),
    ("count(purchase) = 1.5", "always-false", "count(purchase) = 1.5 can never be true: a count is a whole number, 0 or more", 1, 1),
    ("count(purchase) >= 0", "always-true", "count(purchase) >= 0 is always true: a count is a whole number, 0 or more", 1, 1),
    ("did not purchase at most 2 times", "negated-quantifier", "did not purchase at most 2 times means \"did purchase at least 3 times\"; write that instead", 1, 1),
    ("did purchase exactly 0 times", "use-did-not", "did purchase exactly 0 times means \"did not purchase\"; write that instead", 1, 1),
    ("did cart_add then did not purchase", "unbounded-then-not", "\"then did not purchase\" has no \"within\": it is true only if purchase never followed cart_add up to now; add \"within N days\" to give a deadline", 1, 1),
    ("did purchase between 2025-02-01 and 2025-01-01", "empty-window", "the window between 2025-02-01 and 2025-01-01 is empty: it starts after it ends", 1, 1),
    ("did purchase in last 0 days", "empty-window", "\"in last 0 days\" is an empty window: no event falls in it", 1, 1),
    ("did purchase where (amount > 100 and amount < 50)", "always-false", "amount > 100 and amount < 50 can never both be true", 1, 21),
];

#[test]
fn each_code_with_its_message_and_position() {
    for (text, code, message, line, column) in CASES {
        let found = diags(text);
        assert_eq!(
            found,
            vec![(
                code.to_string(),
                message.to_string(),
                Some(*line),
                Some(*column)
            )],
            "{text}"
        );
        let severity = Segment::parse(text).unwrap().check(Some(&schema()))[0].severity;
        let is_error = matches!(
            *code,
            "unknown-field" | "unknown-event" | "unknown-event-field" | "type-mismatch"
        );
        assert_eq!(severity == Severity::Error, is_error, "{text}");
    }
}

#[test]
fn warnings_need_no_schema_and_errors_do() {
    assert_eq!(codes("agee > 40 and agee < 30", None), ["always-false"]);
    // A number and a string condition on one field: values are never coerced.
    assert_eq!(codes("x > 3 and x = \"a\"", None), ["always-false"]);
    assert_eq!(codes("x and x = 1", None), ["always-false"]);
    assert_eq!(
        codes("age = \"25\" and did purchse", None),
        Vec::<&str>::new()
    );
    // Bounds of different types are wrong whatever the schema.
    assert_eq!(codes("age between 1 and \"x\"", None), ["type-mismatch"]);
}

#[test]
fn no_false_positives() {
    for text in [
        "age >= 30 and age <= 30",
        "age > 30 or age < 30",
        "age > 3 or gender = \"m\"",
        "age between 25 and 34 and age != 30",
        "country in [\"US\", \"CA\"] and country != \"US\"",
        "gender = \"m\" or gender = \"f\"",
        "did purchase at least 1 times in last 7 days",
        "did not purchase at least 3 times",
        "count(purchase) = 0 or count(purchase) > 0.5",
        "did cart_add then did not purchase within 1 day",
        "consent is set",
        "consent.marketing = true and not consent.marketing = false",
        "last_seen within last 7 days and last_seen > 2025-01-01",
        "interests contains \"hiking\" and not interests contains \"running\"",
        "age is not set or age > 3",
        "age is set and not age > 3",
    ] {
        assert_eq!(diags(text), vec![], "{text}");
    }
    // Conditions on different text kinds (a string and a date) may both hold
    // for "2025-01-01", so they are not a contradiction.
    for text in [
        "x = \"2025-01-01\" and x = 2025-01-01",
        "x = \"2025-01-01\" or x != 2025-01-01",
    ] {
        assert_eq!(codes(text, None), Vec::<&str>::new(), "{text}");
    }
}

#[test]
fn diagnostic_json_shape_and_underline() {
    let text = "gender = \"m\" and\n  agee > 40";
    let d = Segment::parse(text)
        .unwrap()
        .check(Some(&schema()))
        .remove(0);
    assert_eq!(
        serde_json::to_value(&d).unwrap(),
        json!({"severity": "error", "message": "unknown field \"agee\"; did you mean \"age\"?",
               "line": 2, "column": 3, "code": "unknown-field"})
    );
    assert_eq!(d.end(text), Some((2, 12)));
    // An AST built without text has no positions: line and column are left out.
    let built = Segment::from_expr(
        Segment::parse("age > 4 and age < 2")
            .unwrap()
            .expr()
            .clone(),
    );
    let ast: kaleido::rules::ast::Expr =
        serde_json::from_value(serde_json::to_value(built.expr()).unwrap()).unwrap();
    let d = Segment::from_expr(ast).check(None).remove(0);
    assert_eq!(
        serde_json::to_value(&d).unwrap(),
        json!({"severity": "warning", "message": "age > 4 and age < 2 can never both be true",
               "code": "always-false"})
    );
}

#[test]
fn check_types_is_the_first_error_as_a_type_error() {
    let s = schema();
    let text = "age > 40 and age < 30 and\n  gender = 3 and agee = 1";
    let rule = Segment::parse(text).unwrap();
    let err = rule.check_types(&s).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Type);
    assert_eq!(err.message(), "gender is a string but 3 is a number");
    assert_eq!((err.line(), err.column()), (Some(2), Some(3)));
    assert_eq!(err.snippet(), None);
    let err = rule.check_types_in(&s, text).unwrap_err();
    assert_eq!(
        err.snippet(),
        Some("2 |   gender = 3 and agee = 1\n      ^^^^^^^^^^")
    );
    // Warnings alone do not fail.
    assert_eq!(
        Segment::parse("age > 40 and age < 30")
            .unwrap()
            .check_types(&s),
        Ok(())
    );
}

#[test]
fn schema_json_round_trips() {
    let doc = json!({
        "age": "number", "name": "string", "vip": "boolean", "birthday": "date",
        "last_seen": "datetime", "interests": "string[]", "consent.marketing": "boolean",
        "purchase": { "event": { "amount": "number", "item.sku": "string", "at": "datetime" } },
        "app_open": { "event": {} }
    });
    let s = Schema::from_json(&doc).unwrap();
    assert_eq!(s.to_json(), doc);
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        serde_json::to_string(&doc).unwrap()
    );
    let back: Schema = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(back, s);
    assert_eq!(
        s.attribute("consent.marketing"),
        Some(kaleido::ValueType::Boolean)
    );
    assert_eq!(
        s.event("purchase").unwrap().get("item.sku"),
        Some(kaleido::ValueType::String)
    );
    assert_eq!(
        s.event("app_open").unwrap().get("at"),
        Some(kaleido::ValueType::DateTime)
    );
}

#[test]
fn bad_schemas_name_the_field() {
    for (doc, field, message) in [
        (json!({"age": "int"}), "age", "bad schema: field \"age\" has unknown type \"int\" (expected number, string, boolean, date, datetime, string[] or {\"event\": {…}})"),
        (json!({"age": 3}), "age", "bad schema: field \"age\" has type 3, expected a type name or {\"event\": {…}}"),
        (json!({"p": {"events": {}}}), "p", "bad schema: field \"p\": an object entry must be {\"event\": {property: type, …}}"),
        (json!({"p": {"event": {"amount": "float"}}}), "p", "bad schema: event \"p\": property \"amount\" has unknown type \"float\" (expected number, string, boolean, date, datetime or string[])"),
        (json!({"p": {"event": {"at": "date"}}}), "p", "bad schema: event \"p\": property \"at\" is always a datetime, not a date"),
        (json!({"a..b": "number"}), "a..b", "bad schema: field \"a..b\" has an empty segment in its dotted path"),
        (json!({"consent": "boolean", "consent.marketing": "boolean"}), "consent.marketing", "bad schema: field \"consent.marketing\" is inside \"consent\", which is declared as a value, not an object"),
    ] {
        let err = Schema::from_json(&doc).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Argument, "{doc}");
        assert_eq!(err.field(), Some(field), "{doc}");
        assert_eq!(err.message(), message, "{doc}");
    }
    assert_eq!(
        Schema::from_json(&json!([])).unwrap_err().kind(),
        ErrorKind::Argument
    );
    assert!(serde_json::from_value::<Schema>(json!({"age": "int"})).is_err());
}

#[test]
fn inference_from_sample_profiles() {
    let profiles = [
        json!({"id": "a1", "age": 31, "gender": "f", "vip": true, "birthday": "1990-02-28",
        "signup": "2024-05-01T10:00:00Z", "interests": ["hiking"],
        "consent": {"marketing": true, "sms": null},
        "events": [
            {"type": "purchase", "at": "2025-01-02T10:00:00Z", "amount": 20.5, "item": {"sku": "X1"}},
            {"type": "email_open", "at": "2025-01-03T10:00:00Z"}
        ]}),
        json!({"id": "a2", "age": null, "gender": "m", "interests": [], "signup": "2024-06-01",
               "note": "2024-01-01", "events": [{"type": "purchase", "at": "2025-01-05T10:00:00Z", "amount": 3, "coupon": "X"}]}),
        json!({"id": "a3", "note": "hello", "nothing": null, "empty": {}}),
    ];
    let s = Schema::infer(&profiles).unwrap();
    assert_eq!(
        s.to_json(),
        json!({
            "id": "string", "age": "number", "gender": "string", "vip": "boolean",
            "birthday": "date", "signup": "datetime", "interests": "string[]",
            "consent.marketing": "boolean", "note": "string",
            "purchase": { "event": { "amount": "number", "item.sku": "string", "coupon": "string" } },
            "email_open": { "event": {} }
        })
    );
    assert_eq!(kaleido::rules::schema::infer(&profiles).unwrap(), s);
    // The inferred schema checks the examples it covers.
    let rule = Segment::parse("age > 30 and did purchase where amount > 10 and vip").unwrap();
    assert_eq!(rule.check(Some(&s)), vec![]);
    assert_eq!(
        Segment::parse("agee > 30").unwrap().check(Some(&s))[0].message,
        "unknown field \"agee\"; did you mean \"age\"?"
    );
}

#[test]
fn inference_reports_conflicts() {
    let err = Schema::infer(&[json!({"age": 3}), json!({}), json!({"age": "3"})]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Data);
    assert_eq!(
        err.message(),
        "cannot infer a type for field \"age\": it holds numbers (row 1) and strings (row 3)"
    );
    assert_eq!((err.row(), err.field()), (Some(3), Some("age")));

    let err = Schema::infer(&[
        json!({"consent": {"marketing": true}}),
        json!({"consent": true}),
    ])
    .unwrap_err();
    assert_eq!(
        err.message(),
        "cannot infer a type for field \"consent\": it holds objects (row 1) and booleans (row 2)"
    );

    let err = Schema::infer(&[json!({"events": [{"type": "p", "at": "2025-01-01T00:00:00Z", "n": 1}, {"type": "p", "at": "2025-01-01T00:00:00Z", "n": true}]})]).unwrap_err();
    assert_eq!(err.message(), "cannot infer a type for property of event \"p\" \"n\": it holds numbers (row 1) and booleans (row 1)");

    for (bad, message) in [
        (json!([1]), "profile is [1], expected an object"),
        (
            json!({"scores": [1, 2]}),
            "field \"scores\" is a list holding 1; lists must hold strings",
        ),
        (
            json!({"events": {}}),
            "\"events\" must be an array of {type, at, …} objects",
        ),
        (
            json!({"events": [{"at": "2025-01-01T00:00:00Z"}]}),
            "event {\"at\":\"2025-01-01T00:00:00Z\"} is not an object with a string \"type\"",
        ),
    ] {
        let err = Schema::infer(std::slice::from_ref(&bad)).unwrap_err();
        assert_eq!(
            (err.kind(), err.message(), err.row()),
            (ErrorKind::Data, message, Some(1)),
            "{bad}"
        );
    }
}
