//! The one-profile evaluator against docs/semantics.md: every construct on
//! true / false / unknown cases, boundaries, DST, explanations and errors.
//!
//! Rules are built as JSON ASTs (the stored form) with the small builders
//! below, so these tests do not depend on the parser.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use kaleido::rules::ast::Expr;
use kaleido::{ErrorKind, EvalOptions, Segment, SegmentSet};
use serde_json::{json, Value};

// ---------- builders ----------

fn seg(v: Value) -> Segment {
    Segment::from_expr(serde_json::from_value::<Expr>(v).unwrap())
}
fn path(p: &str) -> Value {
    json!(p.split('.').collect::<Vec<_>>())
}
fn num(x: f64) -> Value {
    json!({ "number": x })
}
fn st(x: &str) -> Value {
    json!({ "string": x })
}
fn date(x: &str) -> Value {
    json!({ "date": x })
}
fn dt(x: &str) -> Value {
    json!({ "date_time": x })
}
fn dur(n: u32, unit: &str) -> Value {
    json!({ "amount": n, "unit": unit })
}
fn cmp(p: &str, op: &str, v: Value) -> Value {
    json!({ "op": "compare", "path": path(p), "cmp": op, "value": v })
}
fn and(args: Vec<Value>) -> Value {
    json!({ "op": "and", "args": args })
}
fn or(args: Vec<Value>) -> Value {
    json!({ "op": "or", "args": args })
}
fn not(arg: Value) -> Value {
    json!({ "op": "not", "arg": arg })
}
fn is_true(p: &str) -> Value {
    json!({ "op": "is_true", "path": path(p) })
}
fn ev(name: &str) -> Value {
    json!({ "name": name })
}
fn ev_where(name: &str, filter: Value) -> Value {
    json!({ "name": name, "filter": filter })
}
fn last_window(n: u32, unit: &str) -> Value {
    json!({ "last": dur(n, unit) })
}
fn did(event: Value, window: Option<Value>) -> Value {
    let mut v = json!({ "op": "did", "event": event });
    if let Some(w) = window {
        v["window"] = w;
    }
    v
}
fn did_not(event: Value, window: Option<Value>) -> Value {
    let mut v = did(event, window);
    v["negated"] = json!(true);
    v
}

fn utc(s: &str) -> DateTime<Utc> {
    kaleido::parse_as_of(s, Tz::UTC).unwrap()
}
fn at(s: &str) -> EvalOptions<'static> {
    EvalOptions::at(utc(s))
}
fn at_tz(s: &str, tz: Tz) -> EvalOptions<'static> {
    EvalOptions {
        as_of: utc(s),
        time_zone: tz,
        segments: None,
    }
}
const NOW: &str = "2025-06-15T12:00:00Z";

fn eval(rule: &Value, profile: Value) -> Option<bool> {
    seg(rule.clone()).evaluate(&profile, &at(NOW)).unwrap()
}

fn events(list: &[(&str, &str)]) -> Value {
    json!({ "events": list.iter().map(|(t, a)| json!({"type": t, "at": a})).collect::<Vec<_>>() })
}

// ---------- logic ----------

#[test]
fn kleene_and_or_not_tables() {
    // a, b each true / false / unknown (missing).
    let vals: [(Option<bool>, Value); 3] = [
        (Some(true), json!(true)),
        (Some(false), json!(false)),
        (None, Value::Null),
    ];
    for (ra, va) in &vals {
        for (rb, vb) in &vals {
            let profile = json!({ "a": va, "b": vb });
            let and_expected = match (ra, rb) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            };
            let or_expected = match (ra, rb) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            };
            assert_eq!(
                eval(&and(vec![is_true("a"), is_true("b")]), profile.clone()),
                and_expected,
                "{ra:?} and {rb:?}"
            );
            assert_eq!(
                eval(&or(vec![is_true("a"), is_true("b")]), profile.clone()),
                or_expected,
                "{ra:?} or {rb:?}"
            );
        }
        assert_eq!(eval(&not(is_true("a")), json!({ "a": va })), ra.map(|b| !b));
    }
}

#[test]
fn test_is_true_only_for_true() {
    let s = seg(is_true("vip"));
    let o = at(NOW);
    assert!(s.test(&json!({"vip": true}), &o).unwrap());
    assert!(!s.test(&json!({"vip": false}), &o).unwrap());
    assert!(!s.test(&json!({}), &o).unwrap());
    assert_eq!(s.evaluate(&json!({"vip": "yes"}), &o).unwrap(), None);
}

// ---------- attribute conditions ----------

#[test]
fn compare_numbers_strings_booleans_without_coercion() {
    let r = cmp("age", "ge", num(30.0));
    assert_eq!(eval(&r, json!({"age": 30})), Some(true));
    assert_eq!(eval(&r, json!({"age": 29.5})), Some(false));
    assert_eq!(eval(&r, json!({"age": "30"})), None);
    assert_eq!(eval(&r, json!({"age": null})), None);
    assert_eq!(eval(&r, json!({})), None);
    assert_eq!(eval(&r, json!({"age": [30]})), None);

    let c = cmp("country", "eq", st("US"));
    assert_eq!(eval(&c, json!({"country": "US"})), Some(true));
    assert_eq!(eval(&c, json!({"country": "us"})), Some(false));
    let ne = cmp("country", "ne", st("US"));
    assert_eq!(eval(&ne, json!({"country": "CA"})), Some(true));
    assert_eq!(eval(&ne, json!({})), None);

    // Strings order by code point.
    assert_eq!(
        eval(&cmp("n", "lt", st("b")), json!({"n": "a"})),
        Some(true)
    );
    assert_eq!(
        eval(&cmp("n", "lt", st("b")), json!({"n": "B"})),
        Some(true)
    );
    assert_eq!(
        eval(&cmp("n", "gt", st("Z")), json!({"n": "é"})),
        Some(true)
    );

    let b = cmp("optin", "eq", json!({"bool": true}));
    assert_eq!(eval(&b, json!({"optin": true})), Some(true));
    assert_eq!(eval(&b, json!({"optin": false})), Some(false));
    assert_eq!(eval(&b, json!({"optin": "true"})), None);
}

#[test]
fn between_is_inclusive_and_three_valued() {
    let r = json!({"op": "between", "path": path("age"), "low": num(25.0), "high": num(34.0)});
    assert_eq!(eval(&r, json!({"age": 25})), Some(true));
    assert_eq!(eval(&r, json!({"age": 34})), Some(true));
    assert_eq!(eval(&r, json!({"age": 35})), Some(false));
    assert_eq!(eval(&r, json!({"age": "29"})), None);
    assert_eq!(eval(&r, json!({})), None);
}

#[test]
fn in_and_not_in() {
    let r = json!({"op": "in", "path": path("country"), "values": [st("VN"), st("CN")]});
    assert_eq!(eval(&r, json!({"country": "CN"})), Some(true));
    assert_eq!(eval(&r, json!({"country": "cn"})), Some(false));
    assert_eq!(eval(&r, json!({})), None);
    let n = json!({"op": "in", "path": path("country"), "values": [st("VN"), st("CN")], "negated": true});
    assert_eq!(eval(&n, json!({"country": "US"})), Some(true));
    assert_eq!(eval(&n, json!({"country": "VN"})), Some(false));
    assert_eq!(eval(&n, json!({"country": null})), None);
    assert_eq!(eval(&n, json!({"country": 5})), None);
}

#[test]
fn contains_on_strings_and_lists() {
    let r = json!({"op": "contains", "path": path("tags"), "value": st("vip")});
    assert_eq!(eval(&r, json!({"tags": ["new", "vip"]})), Some(true));
    assert_eq!(
        eval(&r, json!({"tags": ["VIP"]})),
        Some(false),
        "lists are exact"
    );
    assert_eq!(eval(&r, json!({"tags": []})), Some(false));
    assert_eq!(eval(&r, json!({"tags": [null, 3]})), Some(false));
    assert_eq!(
        eval(&r, json!({"tags": "Super VIP club"})),
        Some(true),
        "strings are case-insensitive"
    );
    assert_eq!(eval(&r, json!({"tags": "regular"})), Some(false));
    assert_eq!(eval(&r, json!({"tags": 7})), None);
    assert_eq!(eval(&r, json!({})), None);
    let n = json!({"op": "contains", "path": path("scores"), "value": num(3.0)});
    assert_eq!(eval(&n, json!({"scores": [1, 3.0]})), Some(true));
}

#[test]
fn contains_any_and_all() {
    let any = json!({"op": "contains_list", "path": path("interests"), "all": false, "values": [st("hiking"), st("running")]});
    let all = json!({"op": "contains_list", "path": path("interests"), "all": true, "values": [st("hiking"), st("running")]});
    assert_eq!(
        eval(&any, json!({"interests": ["running", "chess"]})),
        Some(true)
    );
    assert_eq!(eval(&any, json!({"interests": ["chess"]})), Some(false));
    assert_eq!(
        eval(&all, json!({"interests": ["running", "chess"]})),
        Some(false)
    );
    assert_eq!(
        eval(&all, json!({"interests": ["running", "hiking"]})),
        Some(true)
    );
    assert_eq!(
        eval(&any, json!({"interests": "I love Hiking"})),
        Some(true)
    );
    assert_eq!(
        eval(&all, json!({"interests": "I love Hiking"})),
        Some(false)
    );
    assert_eq!(
        eval(&all, json!({"interests": "RUNNING and hiking"})),
        Some(true)
    );
    assert_eq!(eval(&any, json!({"interests": {"a": 1}})), None);
    assert_eq!(eval(&any, json!({})), None);
}

#[test]
fn starts_and_ends_with_are_case_insensitive_and_nfc() {
    let ends = json!({"op": "ends_with", "path": path("email"), "value": "@gmail.com"});
    assert_eq!(eval(&ends, json!({"email": "Ana@GMAIL.com"})), Some(true));
    assert_eq!(eval(&ends, json!({"email": "ana@gmail.co"})), Some(false));
    assert_eq!(eval(&ends, json!({"email": 3})), None);
    // "é" composed (U+00E9) in the rule, decomposed (e + U+0301) in the data, and upper case.
    let starts = json!({"op": "starts_with", "path": path("city"), "value": "\u{e9}vry"});
    assert_eq!(
        eval(&starts, json!({"city": "E\u{301}VRY-Courcouronnes"})),
        Some(true)
    );
    assert_eq!(eval(&starts, json!({"city": "\u{c9}vry"})), Some(true));
    assert_eq!(eval(&starts, json!({"city": "Evry"})), Some(false));
    // But `=` is exact.
    assert_eq!(
        eval(
            &cmp("city", "eq", st("\u{e9}vry")),
            json!({"city": "e\u{301}vry"})
        ),
        Some(false)
    );
    let tz = json!({"op": "starts_with", "path": path("timezone"), "value": "America/"});
    assert_eq!(
        eval(&tz, json!({"timezone": "america/New_York"})),
        Some(true)
    );
}

#[test]
fn matches_regex_with_flags_and_errors() {
    let r = json!({"op": "matches", "path": path("code"), "pattern": "^vip-\\d+$", "flags": ""});
    assert_eq!(eval(&r, json!({"code": "vip-12"})), Some(true));
    assert_eq!(eval(&r, json!({"code": "VIP-12"})), Some(false));
    assert_eq!(eval(&r, json!({"code": 12})), None);
    let ri = json!({"op": "matches", "path": path("code"), "pattern": "^vip-", "flags": "i"});
    assert_eq!(eval(&ri, json!({"code": "VIP-12"})), Some(true));
    // Searched anywhere.
    let any = json!({"op": "matches", "path": path("code"), "pattern": "\\d{3}", "flags": ""});
    assert_eq!(eval(&any, json!({"code": "ab123cd"})), Some(true));
    // Repeated evaluation uses the cache and gives the same answer.
    let s = seg(ri.clone());
    for _ in 0..1000 {
        assert!(s.test(&json!({"code": "Vip-1"}), &at(NOW)).unwrap());
    }
    let bad = seg(json!({"op": "matches", "path": path("code"), "pattern": "(", "flags": ""}));
    let err = bad.evaluate(&json!({"code": "x"}), &at(NOW)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Parse);
    assert_eq!(
        kaleido::rules::validate_regexes(bad.expr())
            .unwrap_err()
            .kind(),
        ErrorKind::Parse
    );
    assert!(kaleido::rules::validate_regexes(&serde_json::from_value(ri).unwrap()).is_ok());
    let flag = seg(json!({"op": "matches", "path": path("code"), "pattern": "a", "flags": "x"}));
    assert_eq!(
        kaleido::rules::validate_regexes(flag.expr())
            .unwrap_err()
            .kind(),
        ErrorKind::Parse
    );
}

#[test]
fn is_set_is_never_unknown() {
    let set = json!({"op": "is_set", "path": path("email")});
    let unset = json!({"op": "is_set", "path": path("email"), "negated": true});
    assert_eq!(eval(&set, json!({"email": ""})), Some(true));
    assert_eq!(eval(&set, json!({"email": null})), Some(false));
    assert_eq!(eval(&set, json!({})), Some(false));
    assert_eq!(eval(&unset, json!({})), Some(true));
    assert_eq!(eval(&unset, json!({"email": 0})), Some(false));
}

#[test]
fn dotted_paths_nested_then_flat() {
    let r = is_true("consent.marketing");
    assert_eq!(
        eval(&r, json!({"consent": {"marketing": true}})),
        Some(true)
    );
    assert_eq!(eval(&r, json!({"consent.marketing": true})), Some(true));
    assert_eq!(
        eval(&r, json!({"consent": {"marketing": false}})),
        Some(false)
    );
    assert_eq!(eval(&r, json!({"consent": true})), None);
    assert_eq!(eval(&r, json!({})), None);
}

#[test]
fn profile_must_be_an_object() {
    let err = seg(is_true("a"))
        .evaluate(&json!([1]), &at(NOW))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Data);
}

// ---------- dates ----------

fn within(p: &str, dir: &str, n: u32, unit: &str) -> Value {
    json!({"op": "date_within", "path": path(p), "direction": dir, "period": dur(n, unit)})
}

#[test]
fn date_attributes_within_last_and_next() {
    // today = 2025-06-15
    let r = within("signup_date", "last", 14, "days");
    assert_eq!(eval(&r, json!({"signup_date": "2025-06-15"})), Some(true));
    assert_eq!(eval(&r, json!({"signup_date": "2025-06-02"})), Some(true));
    assert_eq!(
        eval(&r, json!({"signup_date": "2025-06-01"})),
        Some(false),
        "today - 14 excluded"
    );
    assert_eq!(
        eval(&r, json!({"signup_date": "2025-06-16"})),
        Some(false),
        "future"
    );
    assert_eq!(eval(&r, json!({"signup_date": "June 3"})), None);
    assert_eq!(eval(&r, json!({"signup_date": 20250603})), None);
    let n = within("renewal", "next", 7, "days");
    assert_eq!(eval(&n, json!({"renewal": "2025-06-15"})), Some(true));
    assert_eq!(eval(&n, json!({"renewal": "2025-06-21"})), Some(true));
    assert_eq!(eval(&n, json!({"renewal": "2025-06-22"})), Some(false));
    assert_eq!(eval(&n, json!({"renewal": "2025-06-14"})), Some(false));
}

#[test]
fn date_time_attributes_within_are_instants() {
    let r = within("seen", "last", 24, "hours");
    assert_eq!(
        eval(&r, json!({"seen": "2025-06-14T12:00:01Z"})),
        Some(true)
    );
    assert_eq!(
        eval(&r, json!({"seen": "2025-06-14T12:00:00Z"})),
        Some(false)
    );
    assert_eq!(
        eval(&r, json!({"seen": "2025-06-15T14:00:00+02:00"})),
        Some(true),
        "asOf itself"
    );
    assert_eq!(
        eval(&r, json!({"seen": "2025-06-15T12:00:01Z"})),
        Some(false)
    );
}

#[test]
fn more_than_ago_before_after() {
    let ago = json!({"op": "date_ago", "path": path("d"), "period": dur(1, "months")});
    assert_eq!(eval(&ago, json!({"d": "2025-05-14"})), Some(true));
    assert_eq!(
        eval(&ago, json!({"d": "2025-05-15"})),
        Some(false),
        "exactly one month is not more"
    );
    assert_eq!(eval(&ago, json!({"d": "2025-05-15T11:59:59Z"})), Some(true));
    assert_eq!(
        eval(&ago, json!({"d": "2025-05-15T12:00:00Z"})),
        Some(false)
    );

    let before = json!({"op": "date_before", "path": path("d"), "value": date("2025-01-31")});
    assert_eq!(eval(&before, json!({"d": "2025-01-30"})), Some(true));
    assert_eq!(eval(&before, json!({"d": "2025-01-31"})), Some(false));
    assert_eq!(
        eval(&before, json!({"d": "2025-01-31T00:00:00Z"})),
        Some(false),
        "local date"
    );
    assert_eq!(
        eval(&before, json!({"d": "2025-01-30T23:59:59Z"})),
        Some(true)
    );
    assert_eq!(eval(&before, json!({"d": true})), None);

    let after_t =
        json!({"op": "date_after", "path": path("d"), "value": dt("2025-01-31T09:00:00Z")});
    assert_eq!(
        eval(&after_t, json!({"d": "2025-01-31T09:00:01Z"})),
        Some(true)
    );
    assert_eq!(
        eval(&after_t, json!({"d": "2025-01-31"})),
        Some(false),
        "start of day is before"
    );
    assert_eq!(eval(&after_t, json!({"d": "2025-02-01"})), Some(true));

    // Local date in the time zone: 2025-01-30T23:30Z is 2025-01-31 in Berlin.
    let s = seg(before);
    let o = at_tz(NOW, chrono_tz::Europe::Berlin);
    assert_eq!(
        s.evaluate(&json!({"d": "2025-01-30T23:30:00Z"}), &o)
            .unwrap(),
        Some(false)
    );
}

#[test]
fn anniversaries_including_29_february() {
    let next7 = json!({"op": "anniversary", "path": path("birthday"), "direction": "next", "period": dur(7, "days")});
    let s = seg(next7);
    let check = |as_of: &str, b: &str| s.evaluate(&json!({"birthday": b}), &at(as_of)).unwrap();
    assert_eq!(
        check("2025-06-15T12:00:00Z", "1990-06-15"),
        Some(true),
        "today"
    );
    assert_eq!(check("2025-06-15T12:00:00Z", "1990-06-21"), Some(true));
    assert_eq!(check("2025-06-15T12:00:00Z", "1990-06-22"), Some(false));
    assert_eq!(
        check("2025-06-15T12:00:00Z", "1990-06-14"),
        Some(false),
        "just passed"
    );
    assert_eq!(
        check("2025-12-28T12:00:00Z", "1985-01-02"),
        Some(true),
        "across the new year"
    );
    // 29 February recurs on 28 February in common years.
    assert_eq!(check("2025-02-25T12:00:00Z", "2000-02-29"), Some(true));
    assert_eq!(check("2025-03-01T12:00:00Z", "2000-02-29"), Some(false));
    assert_eq!(check("2028-02-28T12:00:00Z", "2000-02-29"), Some(true));
    assert_eq!(check("2025-02-27T12:00:00Z", "1990-03-05"), Some(true));
    assert_eq!(check("2025-06-15T12:00:00Z", "soon"), None);

    let last = seg(
        json!({"op": "anniversary", "path": path("signup"), "direction": "last", "period": dur(1, "months")}),
    );
    let o = at("2025-03-31T12:00:00Z");
    // today - 1 month = 2025-02-28; the latest recurrence must be after it.
    assert_eq!(
        last.evaluate(&json!({"signup": "2020-02-29"}), &o).unwrap(),
        Some(false)
    );
    assert_eq!(
        last.evaluate(&json!({"signup": "2020-03-01"}), &o).unwrap(),
        Some(true)
    );
    assert_eq!(
        last.evaluate(&json!({"signup": "2020-03-31T08:00:00Z"}), &o)
            .unwrap(),
        Some(true)
    );
}

// ---------- events and windows ----------

#[test]
fn in_last_window_boundaries() {
    let r = did(ev("purchase"), Some(last_window(30, "days")));
    // asOf - 30 days exactly is excluded.
    assert_eq!(
        eval(&r, events(&[("purchase", "2025-05-16T12:00:00Z")])),
        Some(false)
    );
    assert_eq!(
        eval(&r, events(&[("purchase", "2025-05-16T12:00:01Z")])),
        Some(true)
    );
    // asOf exactly is included; after asOf is ignored.
    assert_eq!(
        eval(&r, events(&[("purchase", "2025-06-15T12:00:00Z")])),
        Some(true)
    );
    assert_eq!(
        eval(&r, events(&[("purchase", "2025-06-15T12:00:01Z")])),
        Some(false)
    );
    // Other types do not count; no events at all is false, never unknown.
    assert_eq!(
        eval(&r, events(&[("email_open", "2025-06-10T00:00:00Z")])),
        Some(false)
    );
    assert_eq!(eval(&r, json!({})), Some(false));
    assert_eq!(eval(&r, json!({"events": null})), Some(false));
    assert_eq!(eval(&r, json!({"events": []})), Some(false));
}

#[test]
fn months_across_month_ends() {
    let r = seg(did(ev("purchase"), Some(last_window(1, "months"))));
    let o = at("2025-03-31T12:00:00Z");
    // 31 March minus one month is 28 February (clamped).
    let p = |t: &str| events(&[("purchase", t)]);
    assert_eq!(
        r.evaluate(&p("2025-02-28T12:00:00Z"), &o).unwrap(),
        Some(false)
    );
    assert_eq!(
        r.evaluate(&p("2025-02-28T12:00:01Z"), &o).unwrap(),
        Some(true)
    );
    let y = seg(did(ev("purchase"), Some(last_window(1, "years"))));
    let o = at("2028-02-29T12:00:00Z");
    assert_eq!(
        y.evaluate(&p("2027-02-28T12:00:00Z"), &o).unwrap(),
        Some(false)
    );
    assert_eq!(
        y.evaluate(&p("2027-02-28T12:00:01Z"), &o).unwrap(),
        Some(true)
    );
}

#[test]
fn days_are_calendar_days_across_dst() {
    let r = seg(did(ev("purchase"), Some(last_window(1, "days"))));
    let p = |t: &str| events(&[("purchase", t)]);
    // Berlin: clocks jump on 2025-03-30. asOf = 12:00 CEST (10:00Z); one day
    // earlier is 2025-03-29 12:00 CET = 11:00Z (23 hours).
    let berlin = at_tz("2025-03-30T10:00:00Z", chrono_tz::Europe::Berlin);
    let utc_o = at("2025-03-30T10:00:00Z");
    assert_eq!(
        r.evaluate(&p("2025-03-29T10:30:00Z"), &berlin).unwrap(),
        Some(false)
    );
    assert_eq!(
        r.evaluate(&p("2025-03-29T10:30:00Z"), &utc_o).unwrap(),
        Some(true)
    );
    assert_eq!(
        r.evaluate(&p("2025-03-29T11:00:01Z"), &berlin).unwrap(),
        Some(true)
    );
    // New York: clocks jump on 2025-03-09. asOf = 12:00 EDT (16:00Z); one day
    // earlier is 2025-03-08 12:00 EST = 17:00Z.
    let ny = at_tz("2025-03-09T16:00:00Z", chrono_tz::America::New_York);
    assert_eq!(
        r.evaluate(&p("2025-03-08T16:30:00Z"), &ny).unwrap(),
        Some(false)
    );
    assert_eq!(
        r.evaluate(&p("2025-03-08T17:00:00Z"), &ny).unwrap(),
        Some(false)
    );
    assert_eq!(
        r.evaluate(&p("2025-03-08T17:00:01Z"), &ny).unwrap(),
        Some(true)
    );
    // Fall back in New York (2025-11-02): one day is 25 hours.
    let ny_fall = at_tz("2025-11-02T17:00:00Z", chrono_tz::America::New_York); // 12:00 EST
    assert_eq!(
        r.evaluate(&p("2025-11-01T16:30:00Z"), &ny_fall).unwrap(),
        Some(true)
    ); // 12:30 EDT
    assert_eq!(
        r.evaluate(&p("2025-11-01T16:00:00Z"), &ny_fall).unwrap(),
        Some(false)
    );
}

#[test]
fn since_and_between_windows() {
    let since = seg(did(
        ev("purchase"),
        Some(json!({"since": date("2025-06-01")})),
    ));
    let p = |t: &str| events(&[("purchase", t)]);
    let berlin = at_tz(NOW, chrono_tz::Europe::Berlin);
    // Start of 2025-06-01 in Berlin is 2025-05-31T22:00Z.
    assert_eq!(
        since.evaluate(&p("2025-05-31T22:00:00Z"), &berlin).unwrap(),
        Some(true)
    );
    assert_eq!(
        since.evaluate(&p("2025-05-31T21:59:59Z"), &berlin).unwrap(),
        Some(false)
    );
    assert_eq!(
        since
            .evaluate(&p("2025-05-31T22:00:00Z"), &at(NOW))
            .unwrap(),
        Some(false)
    );

    let between = seg(did(
        ev("purchase"),
        Some(json!({"between": [date("2025-01-01"), date("2025-01-31")]})),
    ));
    let o = at(NOW);
    assert_eq!(
        between.evaluate(&p("2025-01-01T00:00:00Z"), &o).unwrap(),
        Some(true)
    );
    assert_eq!(
        between.evaluate(&p("2025-01-31T23:59:59Z"), &o).unwrap(),
        Some(true),
        "end of B included"
    );
    assert_eq!(
        between.evaluate(&p("2025-02-01T00:00:00Z"), &o).unwrap(),
        Some(false)
    );
    assert_eq!(
        between.evaluate(&p("2024-12-31T23:59:59Z"), &o).unwrap(),
        Some(false)
    );

    let between_t = seg(did(
        ev("purchase"),
        Some(json!({"between": [dt("2025-06-01T00:00:00Z"), dt("2025-07-01T00:00:00Z")]})),
    ));
    assert_eq!(
        between_t
            .evaluate(&p("2025-07-01T00:00:00Z"), &at("2025-08-01T00:00:00Z"))
            .unwrap(),
        Some(true)
    );
    // Never past asOf.
    assert_eq!(
        between_t.evaluate(&p("2025-06-20T00:00:00Z"), &o).unwrap(),
        Some(false)
    );
}

#[test]
fn did_quantifiers_and_filters() {
    let p = json!({"events": [
        {"type": "purchase", "at": "2025-06-01T00:00:00Z", "category": "shoes", "amount": 50},
        {"type": "purchase", "at": "2025-06-02T00:00:00Z", "category": "books", "amount": 20},
        {"type": "purchase", "at": "2025-06-03T00:00:00Z", "amount": 30},
    ]});
    let times = |t: Value| {
        let mut v = did(ev("purchase"), None);
        v["times"] = t;
        v
    };
    assert_eq!(eval(&times(json!({"at_least": 3})), p.clone()), Some(true));
    assert_eq!(eval(&times(json!({"at_least": 4})), p.clone()), Some(false));
    assert_eq!(eval(&times(json!({"at_most": 2})), p.clone()), Some(false));
    assert_eq!(eval(&times(json!({"exactly": 3})), p.clone()), Some(true));
    assert_eq!(eval(&times(json!("once")), p.clone()), Some(false));
    let shoes = ev_where("purchase", cmp("category", "eq", st("shoes")));
    let mut once = did(shoes.clone(), None);
    once["times"] = json!("once");
    // The third event has no category: its filter is unknown, so it does not count.
    assert_eq!(eval(&once, p.clone()), Some(true));
    assert_eq!(eval(&did_not(shoes, None), p.clone()), Some(false));
    let not_books = ev_where("purchase", cmp("category", "ne", st("books")));
    let mut exactly = did(not_books, None);
    exactly["times"] = json!({"exactly": 1});
    assert_eq!(eval(&exactly, p.clone()), Some(true));
    // `at` is readable in a filter.
    let late = ev_where(
        "purchase",
        json!({"op": "date_after", "path": path("at"), "value": dt("2025-06-02T12:00:00Z")}),
    );
    let mut one = did(late, None);
    one["times"] = json!("once");
    assert_eq!(eval(&one, p), Some(true));
}

fn agg(
    func: &str,
    event: Value,
    field: Option<&str>,
    window: Option<Value>,
    op: &str,
    x: f64,
) -> Value {
    let mut v = json!({"op": "aggregate", "func": func, "event": event, "cmp": op, "value": x});
    if let Some(f) = field {
        v["field"] = path(f);
    }
    if let Some(w) = window {
        v["window"] = w;
    }
    v
}

#[test]
fn aggregates() {
    let p = json!({"events": [
        {"type": "purchase", "at": "2025-06-01T00:00:00Z", "amount": 50},
        {"type": "purchase", "at": "2025-06-02T00:00:00Z", "amount": null},
        {"type": "purchase", "at": "2025-06-03T00:00:00Z", "amount": 10.5},
        {"type": "purchase", "at": "2025-06-04T00:00:00Z"},
        {"type": "purchase", "at": "2024-01-01T00:00:00Z", "amount": 1000},
    ]});
    let w = || Some(last_window(90, "days"));
    assert_eq!(
        eval(
            &agg("count", ev("purchase"), None, w(), "eq", 4.0),
            p.clone()
        ),
        Some(true)
    );
    assert_eq!(
        eval(
            &agg("sum", ev("purchase"), Some("amount"), w(), "eq", 60.5),
            p.clone()
        ),
        Some(true)
    );
    assert_eq!(
        eval(
            &agg("sum", ev("purchase"), Some("amount"), None, "gt", 1000.0),
            p.clone()
        ),
        Some(true)
    );
    assert_eq!(
        eval(
            &agg("avg", ev("purchase"), Some("amount"), w(), "eq", 30.25),
            p.clone()
        ),
        Some(true)
    );
    assert_eq!(
        eval(
            &agg("min", ev("purchase"), Some("amount"), w(), "eq", 10.5),
            p.clone()
        ),
        Some(true)
    );
    assert_eq!(
        eval(
            &agg("max", ev("purchase"), Some("amount"), w(), "eq", 50.0),
            p.clone()
        ),
        Some(true)
    );
    // Over no events: count and sum are 0, avg/min/max unknown.
    let none = json!({});
    assert_eq!(
        eval(
            &agg("count", ev("purchase"), None, w(), "eq", 0.0),
            none.clone()
        ),
        Some(true)
    );
    assert_eq!(
        eval(
            &agg("sum", ev("purchase"), Some("amount"), w(), "eq", 0.0),
            none.clone()
        ),
        Some(true)
    );
    assert_eq!(
        eval(
            &agg("avg", ev("purchase"), Some("amount"), w(), "gt", 0.0),
            none.clone()
        ),
        None
    );
    assert_eq!(
        eval(
            &agg("min", ev("purchase"), Some("amount"), w(), "gt", 0.0),
            none.clone()
        ),
        None
    );
    assert_eq!(
        eval(
            &agg("max", ev("purchase"), Some("amount"), w(), "gt", 0.0),
            none
        ),
        None
    );
    // Only null amounts: avg unknown.
    let nulls = json!({"events": [{"type": "purchase", "at": "2025-06-01T00:00:00Z"}]});
    assert_eq!(
        eval(
            &agg("avg", ev("purchase"), Some("amount"), None, "gt", 0.0),
            nulls
        ),
        None
    );
    // A non-numeric field is a data error naming the event field.
    let bad = json!({"events": [
        {"type": "purchase", "at": "2025-06-01T00:00:00Z", "amount": 5},
        {"type": "purchase", "at": "2025-06-02T00:00:00Z", "amount": "12"},
    ]});
    let err = seg(agg("sum", ev("purchase"), Some("amount"), None, "gt", 0.0))
        .evaluate(&bad, &at(NOW))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Data);
    assert_eq!(err.field(), Some("events[1].amount"));
}

#[test]
fn last_event_tests() {
    let more = json!({"op": "last", "event": ev("email_open"), "test": {"more_than_ago": dur(90, "days")}});
    let within_l =
        json!({"op": "last", "event": ev("email_open"), "test": {"within_last": dur(90, "days")}});
    let p = events(&[
        ("email_open", "2025-01-01T00:00:00Z"),
        ("email_open", "2025-03-01T00:00:00Z"),
    ]);
    assert_eq!(eval(&more, p.clone()), Some(true));
    assert_eq!(eval(&within_l, p), Some(false));
    let recent = events(&[
        ("email_open", "2025-01-01T00:00:00Z"),
        ("email_open", "2025-06-01T00:00:00Z"),
    ]);
    assert_eq!(eval(&more, recent.clone()), Some(false));
    assert_eq!(eval(&within_l, recent), Some(true));
    // An event after asOf is not the last one.
    let future = events(&[
        ("email_open", "2025-01-01T00:00:00Z"),
        ("email_open", "2025-07-01T00:00:00Z"),
    ]);
    assert_eq!(eval(&more, future), Some(true));
    assert_eq!(eval(&more, json!({})), None);
    assert_eq!(
        eval(&within_l, events(&[("purchase", "2025-06-01T00:00:00Z")])),
        None
    );
    // Exactly asOf - 90 days is neither within nor more than.
    let edge = events(&[("email_open", "2025-03-17T12:00:00Z")]);
    assert_eq!(eval(&more, edge.clone()), Some(false));
    assert_eq!(eval(&within_l, edge), Some(false));
}

fn seq(
    first: Value,
    then: Value,
    negated: bool,
    within: Option<Value>,
    window: Option<Value>,
) -> Value {
    let mut v = json!({"op": "sequence", "first": first, "then": then, "negated": negated});
    if let Some(w) = within {
        v["within"] = w;
    }
    if let Some(w) = window {
        v["window"] = w;
    }
    v
}

#[test]
fn sequences() {
    let pos = seq(
        ev("cart_add"),
        ev("purchase"),
        false,
        Some(dur(24, "hours")),
        None,
    );
    let neg = seq(
        ev("cart_add"),
        ev("purchase"),
        true,
        Some(dur(24, "hours")),
        None,
    );
    let bought = events(&[
        ("cart_add", "2025-06-10T10:00:00Z"),
        ("purchase", "2025-06-11T10:00:00Z"),
    ]);
    assert_eq!(
        eval(&pos, bought.clone()),
        Some(true),
        "exactly 24 hours later counts"
    );
    assert_eq!(eval(&neg, bought), Some(false));
    let late = events(&[
        ("cart_add", "2025-06-10T10:00:00Z"),
        ("purchase", "2025-06-11T10:00:01Z"),
    ]);
    assert_eq!(eval(&pos, late.clone()), Some(false));
    assert_eq!(eval(&neg, late), Some(true));
    // Same instant is not after.
    let same_t = events(&[
        ("cart_add", "2025-06-10T10:00:00Z"),
        ("purchase", "2025-06-10T10:00:00Z"),
    ]);
    assert_eq!(eval(&pos, same_t), Some(false));
    // Purchase before the cart add does not count.
    let before = events(&[
        ("purchase", "2025-06-09T10:00:00Z"),
        ("cart_add", "2025-06-10T10:00:00Z"),
    ]);
    assert_eq!(eval(&pos, before.clone()), Some(false));
    assert_eq!(eval(&neg, before), Some(true));
    // The period must have fully passed for `then did not`.
    let recent = events(&[("cart_add", "2025-06-15T00:00:00Z")]);
    assert_eq!(eval(&neg, recent), Some(false));
    let exactly = events(&[("cart_add", "2025-06-14T12:00:00Z")]);
    assert_eq!(eval(&neg, exactly), Some(true), "A + 24h = asOf has passed");
    // Several cart adds: one without a purchase is enough.
    let two = events(&[
        ("cart_add", "2025-06-01T10:00:00Z"),
        ("purchase", "2025-06-01T11:00:00Z"),
        ("cart_add", "2025-06-05T10:00:00Z"),
    ]);
    assert_eq!(eval(&neg, two.clone()), Some(true));
    assert_eq!(eval(&pos, two), Some(true));
    // Without within: the period runs to asOf.
    let open = seq(ev("cart_add"), ev("purchase"), true, None, None);
    assert_eq!(
        eval(&open, events(&[("cart_add", "2025-06-15T11:00:00Z")])),
        Some(true)
    );
    assert_eq!(
        eval(
            &open,
            events(&[
                ("cart_add", "2025-01-01T00:00:00Z"),
                ("purchase", "2025-06-15T12:00:00Z")
            ])
        ),
        Some(false)
    );
    // The window applies to the first event only.
    let windowed = seq(
        ev("cart_add"),
        ev("purchase"),
        false,
        None,
        Some(last_window(7, "days")),
    );
    assert_eq!(
        eval(
            &windowed,
            events(&[
                ("cart_add", "2025-06-01T00:00:00Z"),
                ("purchase", "2025-06-14T00:00:00Z")
            ])
        ),
        Some(false)
    );
    assert_eq!(
        eval(
            &windowed,
            events(&[
                ("cart_add", "2025-06-10T00:00:00Z"),
                ("purchase", "2025-06-14T00:00:00Z")
            ])
        ),
        Some(true)
    );
    assert_eq!(eval(&pos, json!({})), Some(false));
    assert_eq!(eval(&neg, json!({})), Some(false));
}

#[test]
fn sequences_with_same_field() {
    let rule = seq(
        ev_where("product_view", cmp("category", "eq", st("shoes"))),
        ev_where(
            "purchase",
            json!({"op": "same", "path": path("product_id")}),
        ),
        true,
        Some(dur(7, "days")),
        None,
    );
    let p = |bought: &str| {
        json!({"events": [
            {"type": "product_view", "at": "2025-06-01T00:00:00Z", "category": "shoes", "product_id": "p1"},
            {"type": "purchase", "at": "2025-06-03T00:00:00Z", "product_id": bought},
        ]})
    };
    assert_eq!(
        eval(&rule, p("p1")),
        Some(false),
        "bought the viewed product"
    );
    assert_eq!(eval(&rule, p("p2")), Some(true), "bought something else");
    let no_id = json!({"events": [
        {"type": "product_view", "at": "2025-06-01T00:00:00Z", "category": "shoes"},
        {"type": "purchase", "at": "2025-06-03T00:00:00Z", "product_id": "p1"},
    ]});
    assert_eq!(
        eval(&rule, no_id),
        Some(true),
        "unknown `same` does not count as a purchase"
    );
    let books = json!({"events": [
        {"type": "product_view", "at": "2025-06-01T00:00:00Z", "category": "books", "product_id": "p1"},
    ]});
    assert_eq!(eval(&rule, books), Some(false));
    // `same` outside a sequence's second filter is an error.
    let bad = did(
        ev_where("purchase", json!({"op": "same", "path": path("x")})),
        None,
    );
    let err = seg(bad)
        .evaluate(&events(&[("purchase", "2025-06-01T00:00:00Z")]), &at(NOW))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Type);
}

#[test]
fn malformed_events_are_data_errors() {
    let r = seg(did(ev("purchase"), None));
    let check = |p: Value, field: &str| {
        let err = r.evaluate(&p, &at(NOW)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Data, "{p}");
        assert_eq!(err.field(), Some(field), "{p}");
    };
    check(json!({"events": {"type": "purchase"}}), "events");
    check(
        json!({"events": [{"type": "purchase", "at": "2025-06-01T00:00:00Z"}, 3]}),
        "events[1]",
    );
    check(
        json!({"events": [{"at": "2025-06-01T00:00:00Z"}]}),
        "events[0].type",
    );
    check(
        json!({"events": [{"type": 3, "at": "2025-06-01T00:00:00Z"}]}),
        "events[0].type",
    );
    check(json!({"events": [{"type": "purchase"}]}), "events[0].at");
    check(
        json!({"events": [{"type": "purchase", "at": "yesterday"}]}),
        "events[0].at",
    );
    check(
        json!({"events": [{"type": "purchase", "at": 1718000000}]}),
        "events[0].at",
    );
    // Events after asOf are still checked (never silently dropped).
    check(
        json!({"events": [{"type": "x", "at": "?"}, {"type": "purchase", "at": "2030-01-01"}, {"type": "purchase", "at": "?"}]}),
        "events[2].at",
    );
    // Events of types the rule does not read need only a string type: their
    // `at` is never looked at (docs/semantics.md), in every engine.
    let other = json!({"events": [{"type": "x", "at": "?"}, {"type": "y"}]});
    assert_eq!(r.evaluate(&other, &at(NOW)).unwrap(), Some(false));
    check(json!({"events": [{"type": null}]}), "events[0].type");
    // A bare date is the start of that day in the time zone.
    let p = json!({"events": [{"type": "purchase", "at": "2025-06-15"}]});
    assert_eq!(r.evaluate(&p, &at(NOW)).unwrap(), Some(true));
    // A rule without event conditions does not read events.
    assert_eq!(
        seg(is_true("a"))
            .evaluate(&json!({"a": true, "events": 5}), &at(NOW))
            .unwrap(),
        Some(true)
    );
}

// ---------- segments ----------

#[test]
fn in_segment_membership() {
    let set = SegmentSet::new([
        (
            "lapsed".to_string(),
            seg(did_not(ev("purchase"), Some(last_window(6, "months")))),
        ),
        ("vip".to_string(), seg(cmp("tier", "eq", st("gold")))),
    ])
    .unwrap();
    let opts = EvalOptions {
        as_of: utc(NOW),
        time_zone: Tz::UTC,
        segments: Some(&set),
    };
    let in_vip = seg(json!({"op": "in_segment", "name": "vip"}));
    let not_vip = seg(json!({"op": "in_segment", "name": "vip", "negated": true}));
    assert_eq!(
        in_vip.evaluate(&json!({"tier": "gold"}), &opts).unwrap(),
        Some(true)
    );
    // Unknown inside the referenced segment is "not a member": false, never unknown.
    assert_eq!(in_vip.evaluate(&json!({}), &opts).unwrap(), Some(false));
    assert_eq!(not_vip.evaluate(&json!({}), &opts).unwrap(), Some(true));
    let lapsed = seg(json!({"op": "in_segment", "name": "lapsed"}));
    assert_eq!(lapsed.evaluate(&json!({}), &opts).unwrap(), Some(true));
    assert_eq!(
        lapsed
            .evaluate(&events(&[("purchase", "2025-06-01T00:00:00Z")]), &opts)
            .unwrap(),
        Some(false)
    );

    let err = in_vip.evaluate(&json!({}), &at(NOW)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Reference);
    assert!(err.message().contains("vip"), "{err}");
    let typo = seg(json!({"op": "in_segment", "name": "lapsd"}));
    let err = typo.evaluate(&json!({}), &opts).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Reference);
    assert!(err.message().contains("did you mean \"lapsed\""), "{err}");

    assert_eq!(lapsed.fields(), Vec::<String>::new());
    assert_eq!(lapsed.fields_with(Some(&set)), vec!["events".to_string()]);
}

#[test]
fn fields_lists_top_level_keys() {
    let r = seg(and(vec![
        cmp("age", "gt", num(3.0)),
        is_true("consent.marketing"),
        did(ev_where("purchase", cmp("category", "eq", st("x"))), None),
        cmp("age", "lt", num(9.0)),
        json!({"op": "is_set", "path": path("consent.email")}),
    ]));
    assert_eq!(r.fields(), vec!["age", "consent", "events"]);
}

// ---------- explanations ----------

#[test]
fn explanations_show_values_and_agree_with_evaluate() {
    let rule = seg(and(vec![
        json!({"op": "between", "path": path("age"), "low": num(25.0), "high": num(34.0)}),
        did(ev("purchase"), Some(last_window(30, "days"))),
        json!({"op": "starts_with", "path": path("first_name"), "value": "A"}),
    ]));
    let profile = json!({"age": 29, "events": []});
    let e = rule.explain(&profile, &at(NOW)).unwrap();
    assert_eq!(e.result, rule.evaluate(&profile, &at(NOW)).unwrap());
    assert_eq!(e.result, Some(false));
    assert_eq!(e.children.len(), 3);
    assert_eq!(e.children[0].text, "age is 29 → between 25 and 34: true");
    assert_eq!(e.children[0].actual, Some(json!(29)));
    assert_eq!(
        e.children[1].text,
        "did purchase in last 30 days: 0 events → false"
    );
    assert_eq!(e.children[1].actual, Some(json!(0)));
    assert_eq!(
        e.children[2].text,
        "first_name is not set → starts with \"A\": unknown"
    );
    assert_eq!(e.children[2].result, None);
    let js = serde_json::to_value(&e.children[2]).unwrap();
    assert_eq!(
        js,
        json!({"text": "first_name is not set → starts with \"A\": unknown", "result": null})
    );

    let wrong = seg(cmp("age", "gt", num(30.0)))
        .explain(&json!({"age": "40"}), &at(NOW))
        .unwrap();
    assert_eq!(wrong.result, None);
    assert!(
        wrong.text.starts_with("age is \"40\" → > 30: unknown"),
        "{}",
        wrong.text
    );

    let sum = seg(agg(
        "sum",
        ev("purchase"),
        Some("amount"),
        Some(last_window(365, "days")),
        "gt",
        500.0,
    ));
    let e = sum
        .explain(
            &json!({"events": [{"type": "purchase", "at": "2025-06-01T00:00:00Z", "amount": 620}]}),
            &at(NOW),
        )
        .unwrap();
    assert_eq!(
        e.text,
        "sum(purchase.amount in last 365 days) is 620 → > 500: true"
    );
    assert_eq!(e.actual, Some(json!(620.0)));

    let last = seg(
        json!({"op": "last", "event": ev("email_open"), "test": {"more_than_ago": dur(90, "days")}}),
    );
    let e = last.explain(&json!({}), &at(NOW)).unwrap();
    assert_eq!(e.result, None);
    assert!(e.text.contains("no email_open event"), "{}", e.text);

    let set = SegmentSet::new([("vip".to_string(), seg(cmp("tier", "eq", st("gold"))))]).unwrap();
    let opts = EvalOptions {
        as_of: utc(NOW),
        time_zone: Tz::UTC,
        segments: Some(&set),
    };
    let e = seg(json!({"op": "in_segment", "name": "vip", "negated": true}))
        .explain(&json!({"tier": "gold"}), &opts)
        .unwrap();
    assert_eq!(e.result, Some(false));
    assert_eq!(e.children.len(), 1);
    assert_eq!(e.children[0].text, "tier is \"gold\" → = \"gold\": true");

    let n = seg(not(is_true("vip")))
        .explain(&json!({"vip": false}), &at(NOW))
        .unwrap();
    assert_eq!(n.result, Some(true));
    assert_eq!(n.children[0].text, "vip is false → is true: false");
}

#[test]
fn explain_sequence_counts() {
    let rule = seg(seq(
        ev("cart_add"),
        ev("purchase"),
        true,
        Some(dur(24, "hours")),
        None,
    ));
    let p = events(&[
        ("cart_add", "2025-06-01T10:00:00Z"),
        ("purchase", "2025-06-01T11:00:00Z"),
        ("cart_add", "2025-06-05T10:00:00Z"),
    ]);
    let e = rule.explain(&p, &at(NOW)).unwrap();
    assert_eq!(e.result, Some(true));
    assert!(e.text.contains("1 of 2 cart_add events"), "{}", e.text);
}

// ---------- the 16 example rules, in text form ----------

fn examples_set() -> SegmentSet {
    SegmentSet::new([
        (
            "lapsed".to_string(),
            Segment::parse("did not purchase in last 6 months").unwrap(),
        ),
        (
            "complained".to_string(),
            Segment::parse("did complaint").unwrap(),
        ),
    ])
    .unwrap()
}

/// (rule, a member profile, a non-member profile, the fields it reads).
fn examples() -> Vec<(&'static str, Value, Value, Vec<&'static str>)> {
    let e = |list: Value| json!({ "events": list });
    vec![
        (
            "did not purchase in last 6 months",
            e(json!([{"type": "purchase", "at": "2024-12-15T12:00:00Z"}])),
            e(json!([{"type": "purchase", "at": "2024-12-15T12:00:01Z"}])),
            vec!["events"],
        ),
        (
            r#"gender = "m" and age between 25 and 34 and did purchase in last 30 days"#,
            json!({"gender": "m", "age": 34, "events": [{"type": "purchase", "at": "2025-06-01T00:00:00Z"}]}),
            json!({"gender": "m", "age": 35, "events": [{"type": "purchase", "at": "2025-06-01T00:00:00Z"}]}),
            vec!["gender", "age", "events"],
        ),
        (
            "signup_date within last 14 days and did not purchase",
            json!({"signup_date": "2025-06-02", "events": [{"type": "email_open", "at": "2025-06-03T00:00:00Z"}]}),
            json!({"signup_date": "2025-06-02", "events": [{"type": "purchase", "at": "2025-06-03T00:00:00Z"}]}),
            vec!["signup_date", "events"],
        ),
        (
            "did purchase at least 5 times in last 365 days",
            e(json!([
                {"type": "purchase", "at": "2024-06-16T00:00:00Z"},
                {"type": "purchase", "at": "2024-09-01T00:00:00Z"},
                {"type": "purchase", "at": "2025-01-01T00:00:00Z"},
                {"type": "purchase", "at": "2025-03-01T00:00:00Z"},
                {"type": "purchase", "at": "2025-06-15"},
            ])),
            e(json!([
                {"type": "purchase", "at": "2024-06-15T00:00:00Z"},
                {"type": "purchase", "at": "2024-09-01T00:00:00Z"},
                {"type": "purchase", "at": "2025-01-01T00:00:00Z"},
                {"type": "purchase", "at": "2025-03-01T00:00:00Z"},
                {"type": "purchase", "at": "2025-06-15T00:00:00Z"},
                {"type": "purchase", "at": "2025-06-16T00:00:00Z"},
            ])),
            vec!["events"],
        ),
        (
            "did cart_add then did not purchase within 24 hours",
            e(json!([
                {"type": "cart_add", "at": "2025-06-10T09:00:00Z"},
                {"type": "purchase", "at": "2025-06-11T09:00:01Z"},
            ])),
            e(json!([
                {"type": "cart_add", "at": "2025-06-10T09:00:00Z"},
                {"type": "purchase", "at": "2025-06-10T11:00:00Z"},
                {"type": "cart_add", "at": "2025-06-15T09:00:00Z"},
            ])),
            vec!["events"],
        ),
        (
            r#"did product_view where category = "shoes" then did not purchase where same product_id within 7 days"#,
            e(json!([
                {"type": "product_view", "at": "2025-06-01T09:00:00Z", "category": "shoes", "product_id": 17},
                {"type": "purchase", "at": "2025-06-02T09:00:00Z", "product_id": 18},
            ])),
            e(json!([
                {"type": "product_view", "at": "2025-06-01T09:00:00Z", "category": "shoes", "product_id": 17},
                {"type": "purchase", "at": "2025-06-02T09:00:00Z", "product_id": 17},
                {"type": "product_view", "at": "2025-06-02T09:00:00Z", "category": "hats", "product_id": 3},
            ])),
            vec!["events"],
        ),
        (
            "not did email_open in last 90 days and not did email_click in last 90 days",
            e(json!([{"type": "email_open", "at": "2025-03-01T00:00:00Z"}])),
            e(json!([{"type": "email_click", "at": "2025-06-01T00:00:00Z"}])),
            vec!["events"],
        ),
        (
            "sum(purchase.amount in last 365 days) > 500 or count(purchase in last 90 days) >= 3",
            e(json!([
                {"type": "purchase", "at": "2025-01-01T00:00:00Z", "amount": 400},
                {"type": "purchase", "at": "2025-02-01T00:00:00Z", "amount": 100.5},
            ])),
            e(json!([
                {"type": "purchase", "at": "2024-01-01T00:00:00Z", "amount": 900},
                {"type": "purchase", "at": "2025-06-01T00:00:00Z", "amount": 100},
                {"type": "purchase", "at": "2025-06-02T00:00:00Z", "amount": null},
            ])),
            vec!["events"],
        ),
        (
            r#"country in ["VN", "CN", "TW", "HK", "SG"] and language != "en""#,
            json!({"country": "TW", "language": "zh"}),
            json!({"country": "SG", "language": "en"}),
            vec!["country", "language"],
        ),
        (
            r#"interests contains any ["hiking", "running"] and city_size = "urban" and income_band >= 3"#,
            json!({"interests": ["chess", "running"], "city_size": "urban", "income_band": 3}),
            json!({"interests": ["chess", "Running"], "city_size": "urban", "income_band": 5}),
            vec!["interests", "city_size", "income_band"],
        ),
        (
            r#"in segment "lapsed" and consent.marketing and not in segment "complained""#,
            json!({"consent": {"marketing": true}, "events": [{"type": "purchase", "at": "2024-01-01T00:00:00Z"}]}),
            json!({"consent": {"marketing": true}, "events": [{"type": "complaint", "at": "2024-01-01T00:00:00Z"}]}),
            vec!["consent"],
        ),
        (
            "last email_open more than 90 days ago",
            e(
                json!([{"type": "email_open", "at": "2025-03-01T00:00:00Z"}, {"type": "email_click", "at": "2025-06-01T00:00:00Z"}]),
            ),
            e(
                json!([{"type": "email_open", "at": "2025-03-01T00:00:00Z"}, {"type": "email_open", "at": "2025-04-01T00:00:00Z"}]),
            ),
            vec!["events"],
        ),
        (
            "churn_risk > 0.7 and predicted_clv >= 200",
            json!({"churn_risk": 0.71, "predicted_clv": 200}),
            json!({"churn_risk": 0.7, "predicted_clv": 900}),
            vec!["churn_risk", "predicted_clv"],
        ),
        (
            "birthday anniversary within next 7 days",
            json!({"birthday": "1992-06-21"}),
            json!({"birthday": "1992-06-22"}),
            vec!["birthday"],
        ),
        (
            r#"timezone starts with "America/" and (lifecycle = "new" or lifecycle = "active")"#,
            json!({"timezone": "America/Chicago", "lifecycle": "active"}),
            json!({"timezone": "America/Chicago", "lifecycle": "Active"}),
            vec!["timezone", "lifecycle"],
        ),
        (
            r#"avg(purchase.amount where category = "electronics") > 120 and did app_open in last 7 days"#,
            e(json!([
                {"type": "purchase", "at": "2024-01-01T00:00:00Z", "amount": 100, "category": "electronics"},
                {"type": "purchase", "at": "2024-02-01T00:00:00Z", "amount": 150, "category": "electronics"},
                {"type": "purchase", "at": "2024-03-01T00:00:00Z", "amount": 5, "category": "books"},
                {"type": "app_open", "at": "2025-06-08T12:00:01Z"},
            ])),
            e(json!([
                {"type": "purchase", "at": "2024-01-01T00:00:00Z", "amount": 100, "category": "electronics"},
                {"type": "purchase", "at": "2024-02-01T00:00:00Z", "amount": 150, "category": "electronics"},
                {"type": "app_open", "at": "2025-06-08T12:00:00Z"},
            ])),
            vec!["events"],
        ),
    ]
}

#[test]
fn the_sixteen_examples_on_members_and_non_members() {
    let set = examples_set();
    let opts = EvalOptions {
        as_of: utc(NOW),
        time_zone: Tz::UTC,
        segments: Some(&set),
    };
    let list = examples();
    assert_eq!(list.len(), 16);
    for (text, member, non_member, fields) in list {
        let s = Segment::parse(text).unwrap();
        assert_eq!(
            s.evaluate(&member, &opts).unwrap(),
            Some(true),
            "member of {text}"
        );
        assert_eq!(
            s.evaluate(&non_member, &opts).unwrap(),
            Some(false),
            "non-member of {text}"
        );
        assert!(s.test(&member, &opts).unwrap());
        assert!(!s.test(&non_member, &opts).unwrap());
        for p in [&member, &non_member] {
            let e = s.explain(p, &opts).unwrap();
            assert_eq!(
                e.result,
                s.evaluate(p, &opts).unwrap(),
                "explain agrees: {text}"
            );
        }
        assert_eq!(s.fields(), fields, "fields of {text}");
        // Copying only the fields (with referenced segments') gives the same answer.
        let keys = s.fields_with(Some(&set));
        let slim = |p: &Value| {
            let o = p.as_object().unwrap();
            Value::Object(
                o.iter()
                    .filter(|(k, _)| keys.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        };
        assert_eq!(
            s.evaluate(&slim(&member), &opts).unwrap(),
            Some(true),
            "slim member of {text}"
        );
        assert_eq!(
            s.evaluate(&slim(&non_member), &opts).unwrap(),
            Some(false),
            "slim non-member of {text}"
        );
    }
}

#[test]
fn examples_unknown_when_attributes_are_missing() {
    let opts = at(NOW);
    let unknown = [
        (
            r#"gender = "m" and age between 25 and 34 and did purchase in last 30 days"#,
            json!({"age": 30, "events": [{"type": "purchase", "at": "2025-06-01T00:00:00Z"}]}),
        ),
        (
            "churn_risk > 0.7 and predicted_clv >= 200",
            json!({"churn_risk": 0.9, "predicted_clv": "300"}),
        ),
        (
            "birthday anniversary within next 7 days",
            json!({"birthday": null}),
        ),
        (
            "last email_open more than 90 days ago",
            json!({"events": []}),
        ),
        (
            r#"avg(purchase.amount where category = "electronics") > 120 and did app_open in last 7 days"#,
            json!({"events": [{"type": "app_open", "at": "2025-06-14T00:00:00Z"}]}),
        ),
    ];
    for (text, p) in unknown {
        assert_eq!(
            Segment::parse(text).unwrap().evaluate(&p, &opts).unwrap(),
            None,
            "{text}"
        );
    }
    // But a false conjunct makes the whole rule false.
    let s = Segment::parse(r#"gender = "m" and age between 25 and 34"#).unwrap();
    assert_eq!(s.evaluate(&json!({"age": 40}), &opts).unwrap(), Some(false));
}

#[test]
fn text_rules_case_insensitive_and_explained() {
    let opts = at(NOW);
    let s = Segment::parse(r#"email ends with "@gmail.com""#).unwrap();
    assert!(s.test(&json!({"email": "Ana@GMAIL.com"}), &opts).unwrap());
    let s = Segment::parse(r#"city contains "É""#).unwrap();
    assert!(s.test(&json!({"city": "Le Mans e\u{301}"}), &opts).unwrap());
    let s = Segment::parse(
        r#"gender = "m" and age between 25 and 34 and did purchase in last 30 days"#,
    )
    .unwrap();
    let e = s
        .explain(&json!({"gender": "m", "age": 29}), &opts)
        .unwrap();
    let texts: Vec<&str> = e.children.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "gender is \"m\" → = \"m\": true",
            "age is 29 → between 25 and 34: true",
            "did purchase in last 30 days: 0 events → false",
        ]
    );
    assert_eq!(e.text, "all of these: false");
    let s = Segment::parse(r#"did purchase where category = "shoes" in last 7 days"#).unwrap();
    let e = s.explain(&json!({}), &opts).unwrap();
    assert_eq!(
        e.text,
        "did purchase where category = \"shoes\" in last 7 days: 0 events → false"
    );
}

#[test]
fn explanations_snapshot() {
    // The explanation wording of the 16 examples on their members and
    // non-members, reviewed like code.
    let set = examples_set();
    let opts = EvalOptions {
        as_of: utc(NOW),
        time_zone: Tz::UTC,
        segments: Some(&set),
    };
    let all: Vec<Value> = examples()
        .into_iter()
        .map(|(text, member, non_member, _)| {
            let s = Segment::parse(text).unwrap();
            json!({
                "rule": text,
                "member": s.explain(&member, &opts).unwrap(),
                "non_member": s.explain(&non_member, &opts).unwrap(),
            })
        })
        .collect();
    insta::assert_json_snapshot!(all);
}

/// Rough timing of `test()` (run with `--release --ignored --nocapture`).
#[test]
#[ignore]
fn timing_test_100k() {
    let opts = at(NOW);
    let profile = json!({
        "gender": "m", "age": 30, "email": "Ana@GMAIL.com", "country": "VN", "language": "vi",
        "events": (0..20).map(|i| json!({"type": if i % 3 == 0 { "purchase" } else { "email_open" },
            "at": format!("2025-05-{:02}T10:00:00Z", i + 1), "amount": i})).collect::<Vec<_>>(),
    });
    for text in [
        r#"country in ["VN", "CN", "TW", "HK", "SG"] and language != "en""#,
        r#"email ends with "@gmail.com" and age between 25 and 34"#,
        r#"gender = "m" and age between 25 and 34 and did purchase in last 30 days"#,
        "sum(purchase.amount in last 365 days) > 500 or count(purchase in last 90 days) >= 3",
    ] {
        let s = Segment::parse(text).unwrap();
        let t = std::time::Instant::now();
        let mut n = 0;
        for _ in 0..100_000 {
            n += usize::from(s.test(&profile, &opts).unwrap());
        }
        eprintln!("{:>8.1} ms  {n}  {text}", t.elapsed().as_secs_f64() * 1e3);
    }
}
