//! Property tests: text and JSON round-trips over generated rules, and a
//! parser that never panics on arbitrary input.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use kaleido::rules::ast::*;
use kaleido::{Segment, Span};
use proptest::prelude::*;

fn sp() -> Span {
    Span::default()
}

fn arb_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z_][a-z0-9_]{0,7}",
        1 => "[^`\\\\]{1,6}",
        1 => Just("and".to_string()),
        1 => Just("last".to_string()),
        1 => Just("season".to_string()),
        1 => Just("holiday".to_string()),
        1 => Just("local_time".to_string()),
        1 => Just("with space".to_string()),
        1 => Just("tick`quote\\slash".to_string()),
    ]
}

fn arb_path() -> impl Strategy<Value = Path> {
    prop::collection::vec(arb_name(), 1..3)
}

fn arb_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..80_000)
        .prop_map(|d| NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(d))
}

fn arb_datetime() -> impl Strategy<Value = DateTime<FixedOffset>> {
    (-2_000_000_000i64..4_000_000_000, 0u32..1000, -48i32..56).prop_map(|(s, ms, q)| {
        let off = FixedOffset::east_opt(q * 15 * 60).unwrap();
        off.timestamp_opt(s, ms * 1_000_000).unwrap()
    })
}

fn arb_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1000i32..1000).prop_map(f64::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
    ]
}

fn arb_literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        arb_number().prop_map(Literal::Number),
        any::<String>().prop_map(Literal::String),
        any::<bool>().prop_map(Literal::Bool),
        arb_date().prop_map(Literal::Date),
        arb_datetime().prop_map(Literal::DateTime),
    ]
}

fn arb_date_literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        arb_date().prop_map(Literal::Date),
        arb_datetime().prop_map(Literal::DateTime)
    ]
}

fn arb_duration() -> impl Strategy<Value = Duration> {
    (
        0u32..500,
        prop_oneof![
            Just(Unit::Hours),
            Just(Unit::Days),
            Just(Unit::Weeks),
            Just(Unit::Months),
            Just(Unit::Years)
        ],
    )
        .prop_map(|(amount, unit)| Duration { amount, unit })
}

fn arb_direction() -> impl Strategy<Value = Direction> {
    prop_oneof![Just(Direction::Last), Just(Direction::Next)]
}

fn arb_cmp() -> impl Strategy<Value = CmpOp> {
    prop_oneof![
        Just(CmpOp::Eq),
        Just(CmpOp::Ne),
        Just(CmpOp::Lt),
        Just(CmpOp::Le),
        Just(CmpOp::Gt),
        Just(CmpOp::Ge)
    ]
}

fn arb_attr() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (arb_path(), arb_cmp(), arb_literal()).prop_map(|(path, cmp, value)| Expr::Compare {
            path,
            cmp,
            value,
            span: sp()
        }),
        (arb_path(), arb_literal(), arb_literal()).prop_map(|(path, low, high)| Expr::Between {
            path,
            low,
            high,
            span: sp()
        }),
        (
            arb_path(),
            prop::collection::vec(arb_literal(), 0..4),
            any::<bool>()
        )
            .prop_map(|(path, values, negated)| Expr::In {
                path,
                values,
                negated,
                span: sp()
            }),
        (arb_path(), arb_literal()).prop_map(|(path, value)| Expr::Contains {
            path,
            value,
            span: sp()
        }),
        (
            arb_path(),
            any::<bool>(),
            prop::collection::vec(arb_literal(), 0..3)
        )
            .prop_map(|(path, all, values)| Expr::ContainsList {
                path,
                all,
                values,
                span: sp()
            }),
        (arb_path(), any::<String>()).prop_map(|(path, value)| Expr::StartsWith {
            path,
            value,
            span: sp()
        }),
        (arb_path(), any::<String>()).prop_map(|(path, value)| Expr::EndsWith {
            path,
            value,
            span: sp()
        }),
        (
            arb_path(),
            prop::sample::select(vec!["^vip-", "a/b", "\\d+/x", "[é]+$", "(?:x|y)"]),
            prop::sample::select(vec!["", "i", "ims"])
        )
            .prop_map(|(path, p, f)| Expr::Matches {
                path,
                pattern: p.into(),
                flags: f.into(),
                span: sp()
            }),
        (arb_path(), any::<bool>()).prop_map(|(path, negated)| Expr::IsSet {
            path,
            negated,
            span: sp()
        }),
        arb_path().prop_map(|path| Expr::IsTrue { path, span: sp() }),
        (arb_path(), arb_direction(), arb_duration()).prop_map(|(path, direction, period)| {
            Expr::DateWithin {
                path,
                direction,
                period,
                span: sp(),
            }
        }),
        (arb_path(), arb_duration()).prop_map(|(path, period)| Expr::DateAgo {
            path,
            period,
            span: sp()
        }),
        (arb_path(), arb_date_literal()).prop_map(|(path, value)| Expr::DateBefore {
            path,
            value,
            span: sp()
        }),
        (arb_path(), arb_date_literal()).prop_map(|(path, value)| Expr::DateAfter {
            path,
            value,
            span: sp()
        }),
        (arb_path(), arb_direction(), arb_duration()).prop_map(|(path, direction, period)| {
            Expr::Anniversary {
                path,
                direction,
                period,
                span: sp(),
            }
        }),
    ]
}

/// Boolean combinations of `leaf`, at most `depth` deep.
fn combine(leaf: BoxedStrategy<Expr>, depth: u32) -> BoxedStrategy<Expr> {
    leaf.prop_recursive(depth, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|args| Expr::And { args, span: sp() }),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|args| Expr::Or { args, span: sp() }),
            inner.prop_map(|a| Expr::Not {
                arg: Box::new(a),
                span: sp()
            }),
        ]
    })
    .boxed()
}

fn arb_filter(same: bool) -> BoxedStrategy<Option<Box<Expr>>> {
    let leaf = if same {
        prop_oneof![3 => arb_attr(), 1 => arb_path().prop_map(|path| Expr::Same { path, span: sp() })].boxed()
    } else {
        arb_attr().boxed()
    };
    prop::option::of(combine(leaf, 2).prop_map(Box::new)).boxed()
}

fn arb_event(same: bool) -> impl Strategy<Value = EventRef> {
    (arb_name(), arb_filter(same)).prop_map(|(name, filter)| EventRef { name, filter })
}

fn arb_window() -> impl Strategy<Value = Option<Window>> {
    prop::option::of(prop_oneof![
        arb_duration().prop_map(Window::Last),
        arb_date_literal().prop_map(Window::Since),
        (arb_date_literal(), arb_date_literal()).prop_map(|(a, b)| Window::Between(a, b)),
    ])
}

fn arb_times() -> impl Strategy<Value = Option<Times>> {
    prop::option::of(prop_oneof![
        (0u32..20).prop_map(Times::AtLeast),
        (0u32..20).prop_map(Times::AtMost),
        (0u32..20).prop_map(Times::Exactly),
        Just(Times::Once),
    ])
}

fn arb_condition() -> impl Strategy<Value = Expr> {
    prop_oneof![
        4 => arb_attr(),
        1 => (arb_event(false), any::<bool>(), arb_times(), arb_window())
            .prop_map(|(event, negated, times, window)| Expr::Did { event, negated, times, window, span: sp() }),
        1 => (
            prop_oneof![Just(AggFunc::Count), Just(AggFunc::Sum), Just(AggFunc::Avg), Just(AggFunc::Min), Just(AggFunc::Max)],
            arb_event(false), arb_path(), arb_window(), arb_cmp(), arb_number(),
        )
            .prop_map(|(func, event, field, window, cmp, value)| Expr::Aggregate {
                func,
                event,
                field: (func != AggFunc::Count).then_some(field),
                window,
                cmp,
                value,
                span: sp(),
            }),
        1 => (arb_event(false), any::<bool>(), arb_duration()).prop_map(|(event, within, d)| Expr::Last {
            event,
            test: if within { LastTest::WithinLast(d) } else { LastTest::MoreThanAgo(d) },
            span: sp(),
        }),
        1 => (arb_event(false), arb_event(true), any::<bool>(), prop::option::of(arb_duration()), arb_window())
            .prop_map(|(first, then, negated, within, window)| Expr::Sequence { first, then, negated, within, window, span: sp() }),
        1 => (any::<String>(), any::<bool>()).prop_map(|(name, negated)| Expr::InSegment { name, negated, span: sp() }),
        1 => arb_culture().prop_map(|test| Expr::Culture { test, span: sp() }),
    ]
}

fn arb_wall_time() -> impl Strategy<Value = String> {
    (0u32..24, 0u32..60).prop_map(|(h, m)| format!("{h:02}:{m:02}"))
}

fn arb_culture() -> impl Strategy<Value = CultureTest> {
    prop_oneof![
        (any::<String>(), arb_direction(), arb_duration()).prop_map(|(id, direction, period)| {
            CultureTest::Holiday {
                id,
                direction,
                period,
            }
        }),
        (
            prop::sample::select(vec!["winter", "spring", "summer", "autumn"]),
            any::<bool>()
        )
            .prop_map(|(s, negated)| CultureTest::Season {
                season: s.to_string(),
                negated
            }),
        (arb_wall_time(), arb_wall_time())
            .prop_map(|(from, to)| CultureTest::LocalTime { from, to }),
    ]
}

fn arb_rule() -> BoxedStrategy<Expr> {
    combine(arb_condition().boxed(), 3)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn text_round_trip(expr in arb_rule()) {
        let s = Segment::from_expr(expr);
        let text = s.to_string();
        let back = Segment::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}\n{e:#}")))?;
        prop_assert_eq!(&back, &s, "{}", text);
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn json_round_trip(expr in arb_rule()) {
        let s = Segment::from_expr(expr);
        let json = s.to_json();
        let text = serde_json::to_string(&json).unwrap();
        let reread: serde_json::Value = serde_json::from_str(&text).unwrap();
        let back = Segment::from_json(&reread).map_err(|e| TestCaseError::fail(format!("{text}\n{e:#}")))?;
        prop_assert_eq!(back, s);
    }

    #[test]
    fn parser_never_panics(text in "\\PC{0,80}") {
        let _ = Segment::parse(&text);
    }

    #[test]
    fn parser_never_panics_on_near_rules(words in prop::collection::vec(prop::sample::select(vec![
        "age", ">=", "30", "and", "or", "not", "(", ")", "did", "purchase", "where", "then", "in", "last",
        "segment", "\"x\"", "[", "]", ",", "between", "within", "next", "days", "more", "than", "ago",
        "count(", "sum(", "p.amount", "same", "at", "least", "times", "once", "since", "2025-01-01",
        "2025-01-01T00:00:00Z", "/re/i", "is", "set", "contains", "any", "all", "starts", "with", "`q`", "-", ".",
        "anniversary", "before", "after", "exactly", "=", "!=", "<", "matches", "\"", "`", "/",
        "holiday", "season", "local_time", "08:00", "24:00", "\"winter\"",
    ]), 0..25)) {
        let _ = Segment::parse(&words.join(" "));
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(Segment::parse(&text).is_err());
    let text = format!("{}x", "not ".repeat(10_000));
    assert!(Segment::parse(&text).is_err());
}
