//! Parser, canonical printer and JSON form: examples, errors, round-trips.

use kaleido::{ErrorKind, Segment};

/// The product's own examples (the segment-language issue).
pub const EXAMPLES: [&str; 16] = [
    r#"did not purchase in last 6 months"#,
    r#"gender = "m" and age between 25 and 34 and did purchase in last 30 days"#,
    r#"signup_date within last 14 days and did not purchase"#,
    r#"did purchase at least 5 times in last 365 days"#,
    r#"did cart_add then did not purchase within 24 hours"#,
    r#"did product_view where category = "shoes" then did not purchase where same product_id within 7 days"#,
    r#"not did email_open in last 90 days and not did email_click in last 90 days"#,
    r#"sum(purchase.amount in last 365 days) > 500 or count(purchase in last 90 days) >= 3"#,
    r#"country in ["VN", "CN", "TW", "HK", "SG"] and language != "en""#,
    r#"interests contains any ["hiking", "running"] and city_size = "urban" and income_band >= 3"#,
    r#"in segment "lapsed" and consent.marketing and not in segment "complained""#,
    r#"last email_open more than 90 days ago"#,
    r#"churn_risk > 0.7 and predicted_clv >= 200"#,
    r#"birthday anniversary within next 7 days"#,
    r#"timezone starts with "America/" and (lifecycle = "new" or lifecycle = "active")"#,
    r#"avg(purchase.amount where category = "electronics") > 120 and did app_open in last 7 days"#,
];

#[test]
fn examples_parse_and_print_canonically() {
    for text in EXAMPLES {
        let s = Segment::parse(text).unwrap_or_else(|e| panic!("{text}\n{e:#}"));
        // The examples are already in canonical form.
        assert_eq!(s.to_string(), text);
        let back = Segment::from_json(&s.to_json()).unwrap();
        assert_eq!(back, s, "{text}");
    }
}

#[test]
fn examples_ast_snapshot() {
    let all: Vec<_> = EXAMPLES
        .iter()
        .map(|t| Segment::parse(t).unwrap().to_json())
        .collect();
    insta::assert_json_snapshot!(all);
}

fn parse_err(text: &str) -> kaleido::Error {
    Segment::parse(text).expect_err(text)
}

#[test]
fn missing_value_points_after_the_operator() {
    let e = parse_err("age >=");
    assert_eq!(e.kind(), ErrorKind::Parse);
    assert_eq!((e.line(), e.column()), (Some(1), Some(7)));
    assert_eq!(e.message(), "expected a value after \">=\"");
    assert_eq!(
        format!("{e:#}"),
        "parse: expected a value after \">=\" (at 1:7)\n1 | age >=\n          ^"
    );
}

#[test]
fn errors_have_positions_and_help() {
    let cases: &[(&str, (u32, u32), &str)] = &[
        (
            "age >= 30 and\n  country betwen 1 and 2",
            (2, 11),
            "did you mean \"between\"",
        ),
        (
            "did purchase in last 3 fortnights",
            (1, 24),
            "expected a unit",
        ),
        ("name = \"unterminated", (1, 8), "unterminated string"),
        ("(age > 1", (1, 9), "expected \")\""),
        ("age > 1 age < 2", (1, 9), "expected \"and\", \"or\""),
        ("email matches /[a-/", (1, 15), "invalid regular expression"),
        ("x = 2025-02-30", (1, 5), "not a valid date"),
        (
            "did a then did not b where same",
            (1, 28),
            "\"same\" is a keyword",
        ),
        ("did a where same id", (1, 13), "only allowed in the second"),
        ("did not a then did b", (1, 11), "a sequence starts with"),
        ("sum(purchase) > 3", (1, 5), "takes EVENT.FIELD"),
        ("country = US", (1, 11), "strings are written in quotes"),
        ("", (1, 1), "empty"),
        ("in segment vip", (1, 12), "in quotes"),
        ("did purchase where did x", (1, 20), "cannot be nested"),
        ("age >= 30 or", (1, 13), "expected a condition"),
    ];
    for (text, (line, col), needle) in cases {
        let e = parse_err(text);
        assert_eq!(e.kind(), ErrorKind::Parse, "{text}");
        assert_eq!(
            (e.line(), e.column()),
            (Some(*line), Some(*col)),
            "{text}: {e}"
        );
        assert!(e.message().contains(needle), "{text}: {e}");
        assert!(e.snippet().is_some_and(|s| s.contains('^')), "{text}");
    }
}

#[test]
fn layout_and_case_do_not_matter() {
    let a = Segment::parse("AGE >= 30 AND (x OR NOT y)").unwrap();
    assert_eq!(a.to_string(), "AGE >= 30 and (x or not y)");
    let b =
        Segment::parse("  `first name` is set\n and # a comment\n did   Purchase   ONCE").unwrap();
    assert_eq!(b.to_string(), "`first name` is set and did Purchase once");
}

#[test]
fn ambiguous_filters_are_parenthesised() {
    for text in [
        "did purchase where (gift) in last 30 days",
        "last email_open where (not bounced) more than 3 days ago",
        "did a then did not b where (same sku and qty > 1) within 2 hours in last 7 days",
        "count(purchase where (x or y) since 2025-01-01) = 0",
        "did visit where at between 2025-01-01T00:00:00Z and 2025-01-02T00:00:00+02:00 between 2025-01-01 and 2025-02-01",
        "not (in segment \"a\") and not in segment \"b\"",
        "`in`.x = 1 and `last` = 2 and x.`a b` = \"q\\\"\\\\\"",
        "email matches /^a\\/b$/i and tags contains all [] and n not in [1, -2.5, 0.0000001]",
    ] {
        let s = Segment::parse(text).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(s.to_string(), text);
    }
}

#[test]
fn bad_json_is_an_argument_error() {
    use serde_json::json;
    let e = Segment::from_json(
        &json!({"kaleido": "segment", "version": 99, "rule": {"op": "is_true", "path": ["x"]}}),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument);
    assert!(e.message().contains("version 99"));
    let e = Segment::from_json(
        &json!({"kaleido": "segment", "version": 1, "rule": {"op": "frobnicate"}}),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument);
    let e = Segment::from_json(
        &json!({"kaleido": "segment", "version": 1, "rule": {"op": "and", "args": []}}),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument, "{e}");
}
