//! Campaigns: definitions and their errors, variant assignment, series,
//! exits, caps, quiet hours, DST, holidays, and the example programme over a
//! generated list checked against an independent reference computation.

use kaleido::campaign::{
    assign_variant, unit_hash, Campaigns, Reason, ScheduledMessage, SimulateOptions, Status,
    VariantWeight,
};
use kaleido::{ErrorKind, Segment, SegmentSet};
use serde_json::{json, Value};

fn opts(from: &str, to: &str) -> SimulateOptions {
    SimulateOptions::between(from, to).unwrap()
}

fn all(from: &str, to: &str) -> SimulateOptions {
    SimulateOptions {
        include_suppressed: true,
        ..opts(from, to)
    }
}

fn summary(messages: &[ScheduledMessage]) -> Vec<String> {
    messages
        .iter()
        .map(|m| {
            let mut s = format!("{} {}", m.send_at, m.campaign);
            if let Some(step) = &m.step {
                s.push_str(&format!("/{step}"));
            }
            if let Some(r) = m.reason {
                s.push_str(&format!(" ({r:?})"));
            }
            s
        })
        .collect()
}

fn examples() -> Campaigns {
    Campaigns::examples().unwrap()
}

// ------------------------------------------------------------ definitions

fn err_of(defs: Value) -> kaleido::Error {
    Campaigns::new(&defs, None).unwrap_err()
}

fn series_with_steps(steps: Value) -> Value {
    json!({
        "name": "s",
        "trigger": { "event": "x" },
        "steps": steps
    })
}

fn once(name: &str) -> Value {
    json!({
        "name": name,
        "schedule": { "type": "once", "date": "2025-06-03", "at": "09:00" },
        "content": { "subject": "Hi" }
    })
}

#[test]
fn the_example_programme_compiles() {
    let c = examples();
    assert_eq!(
        c.names(),
        [
            "welcome",
            "newsletter",
            "christmas",
            "lunar_new_year",
            "mid_autumn",
            "diwali",
            "eid_al_fitr",
            "cart_abandonment",
            "loyalty_offer",
            "birthday",
            "re_engagement"
        ]
    );
}

#[test]
fn a_bad_delay_is_named_by_its_json_path() {
    let step = |delay: &str| json!({ "delay": delay, "content": { "subject": "x" } });
    let defs = json!([
        once("a"),
        once("b"),
        series_with_steps(json!([step("1 hour"), step("3 dayz")]))
    ]);
    let e = err_of(defs);
    assert_eq!(e.kind(), ErrorKind::Argument);
    assert_eq!(e.field(), Some("campaigns[2].steps[1].delay"));
    assert!(
        e.message()
            .starts_with("campaigns[2].steps[1].delay: \"3 dayz\""),
        "{e}"
    );
}

#[test]
fn definition_errors_name_paths() {
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!([{ "name": "a", "schedul": {} }]),
            "campaigns[0].schedul",
            "did you mean \"schedule\"",
        ),
        (
            json!([{ "schedule": {} }]),
            "campaigns[0].name",
            "is required",
        ),
        (
            json!([once("a"), once("a")]),
            "campaigns[1].name",
            "used twice",
        ),
        (
            json!([{ "name": "a", "schedule": { "type": "once", "date": "2025-13-01", "at": "09:00" }, "content": { "subject": "x" } }]),
            "campaigns[0].schedule.date",
            "not a YYYY-MM-DD date",
        ),
        (
            json!([{ "name": "a", "schedule": { "type": "once", "date": "2025-01-01", "at": "9am" }, "content": { "subject": "x" } }]),
            "campaigns[0].schedule.at",
            "HH:MM",
        ),
        (
            json!([{ "name": "a", "schedule": { "type": "once", "holiday": "mid_autum", "at": "09:00" }, "content": { "subject": "x" } }]),
            "campaigns[0].schedule.holiday",
            "did you mean \"mid_autumn\"",
        ),
        (
            json!([{ "name": "a", "schedule": { "type": "weekly", "weekday": "funday", "at": "09:00" }, "content": { "subject": "x" } }]),
            "campaigns[0].schedule.weekday",
            "not a weekday",
        ),
        (
            json!([{ "name": "a", "schedule": { "type": "monthly", "at": "09:00" }, "content": { "subject": "x" } }]),
            "campaigns[0].schedule.type",
            "unknown schedule type",
        ),
        (
            json!([{ "name": "a", "schedule": { "type": "once", "date": "2025-01-01", "at": "09:00" } }]),
            "campaigns[0].content",
            "is required",
        ),
        (
            json!([{ "name": "a", "schedule": { "type": "once", "date": "2025-01-01", "at": "09:00" }, "content": { "preview": "x" } }]),
            "campaigns[0].content.subject",
            "is required",
        ),
        (
            json!([{ "name": "a", "split": { "variants": [{ "name": "A", "weight": 0 }] }, "schedule": { "type": "once", "date": "2025-01-01", "at": "09:00" }, "content": { "subject": "x" } }]),
            "campaigns[0].split.variants",
            "positive",
        ),
        (
            json!([{ "name": "a", "split": { "variants": [{ "name": "A" }], "holdout": 1.5 }, "schedule": { "type": "once", "date": "2025-01-01", "at": "09:00" }, "content": { "subject": "x" } }]),
            "campaigns[0].split.holdout",
            "[0, 1)",
        ),
        (
            json!([{ "name": "a", "quietHours": ["21:00", "8"], "schedule": { "type": "once", "date": "2025-01-01", "at": "09:00" }, "content": { "subject": "x" } }]),
            "campaigns[0].quietHours[1]",
            "HH:MM",
        ),
        (
            json!([series_with_steps(json!([]))]),
            "campaigns[0].steps",
            "at least one step",
        ),
        (
            json!([{ "name": "s", "trigger": { "event": "x", "segment": "a = 1" }, "steps": [] }]),
            "campaigns[0].trigger",
            "exactly one",
        ),
        (
            json!({ "frequencyCap": { "messages": 0, "days": 7 }, "campaigns": [] }),
            "frequencyCap.messages",
            "positive integer",
        ),
        (
            json!({ "campaign": [] }),
            "campaign",
            "did you mean \"campaigns\"",
        ),
        (json!("nope"), "campaigns", "must be an array"),
    ];
    for (defs, path, text) in cases {
        let e = err_of(defs.clone());
        assert_eq!(e.kind(), ErrorKind::Argument, "{defs}: {e}");
        assert_eq!(e.field(), Some(path), "{defs}: {e}");
        assert!(e.message().contains(text), "{defs}: {e}");
    }
}

#[test]
fn rule_and_template_errors_keep_their_position_in_the_text() {
    let mut c = once("a");
    c["audience"] = json!("age >= 30 and\ncountry = ");
    let e = err_of(json!([c]));
    assert_eq!(e.kind(), ErrorKind::Argument);
    assert_eq!(e.field(), Some("campaigns[0].audience"));
    assert_eq!(e.line(), Some(2));
    assert!(e.snippet().unwrap().contains('^'), "{e:#}");

    let mut c = once("a");
    c["content"] = json!({ "subject": "Hi {{ name | }}" });
    let e = err_of(json!([c]));
    assert_eq!(e.field(), Some("campaigns[0].content.subject"));
    assert_eq!(e.line(), Some(1));
    assert!(e.column().is_some());

    let mut c = once("a");
    c["content"] = json!({ "subject": "x", "locales": { "de": { "subject": "{% if %}" } } });
    let e = err_of(json!([c]));
    assert_eq!(e.field(), Some("campaigns[0].content.locales.de.subject"));
}

#[test]
fn segment_references_are_checked_against_the_set() {
    let mut c = once("a");
    c["audience"] = json!("in segment \"vip\"");
    let e = err_of(json!([c.clone()]));
    assert_eq!(e.field(), Some("campaigns[0].audience"));
    assert!(e.message().contains("no segments were given"), "{e}");

    let set =
        SegmentSet::new([("vips".to_string(), Segment::parse("spend > 100").unwrap())]).unwrap();
    let e = Campaigns::new(&json!([c.clone()]), Some(set)).unwrap_err();
    assert!(e.message().contains("did you mean \"vips\""), "{e}");

    let set =
        SegmentSet::new([("vip".to_string(), Segment::parse("spend > 100").unwrap())]).unwrap();
    let campaigns = Campaigns::new(&json!([c]), Some(set)).unwrap();
    let window = opts("2025-06-01", "2025-07-01");
    assert_eq!(
        campaigns
            .simulate(&json!({ "spend": 200 }), &window)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        campaigns
            .simulate(&json!({ "spend": 50 }), &window)
            .unwrap()
            .len(),
        0
    );
}

// ------------------------------------------------------------ variants

fn arms(weights: &[(&str, f64)]) -> Vec<VariantWeight> {
    weights
        .iter()
        .map(|(n, w)| VariantWeight {
            name: n.to_string(),
            weight: *w,
        })
        .collect()
}

#[test]
fn assignment_is_deterministic_and_known() {
    let v = arms(&[("A", 1.0), ("B", 1.0)]);
    for id in ["1", "42", "user-7", "ü"] {
        assert_eq!(
            assign_variant("t", id, &v).unwrap(),
            assign_variant("t", id, &v).unwrap()
        );
    }
    // u("welcome-subject", "42") = 0.1044… (checked with DuckDB's sha256), so A of A/B.
    assert_eq!(assign_variant("welcome-subject", "42", &v).unwrap(), "A");
    // The cut points follow the cumulative weights in order.
    let u = unit_hash("welcome-subject", "42");
    let w = arms(&[("small", 0.1), ("rest", 0.9)]);
    let expected = if u < 0.1 { "small" } else { "rest" };
    assert_eq!(
        assign_variant("welcome-subject", "42", &w).unwrap(),
        expected
    );
    assert!(assign_variant("t", "1", &[]).is_err());
    assert!(assign_variant("t", "1", &arms(&[("A", -1.0)])).is_err());
    assert!(assign_variant("t", "1", &arms(&[("A", 1.0), ("A", 1.0)])).is_err());
}

#[test]
fn split_proportions_on_100000_ids() {
    let v = arms(&[("A", 1.0), ("B", 2.0), ("C", 1.0)]);
    let n = 100_000;
    let mut counts = [0usize; 3];
    for i in 0..n {
        let name = assign_variant("proportions", &i.to_string(), &v).unwrap();
        counts[match name.as_str() {
            "A" => 0,
            "B" => 1,
            _ => 2,
        }] += 1;
    }
    // Each share within 5 standard deviations (sd <= 0.0016 here).
    for (count, p) in counts.iter().zip([0.25, 0.5, 0.25]) {
        let share = *count as f64 / n as f64;
        let sd = (p * (1.0 - p) / n as f64).sqrt();
        assert!((share - p).abs() < 5.0 * sd, "{counts:?}");
    }
    // Chi-square goodness of fit, 2 degrees of freedom: 13.8 is p = 0.001.
    let chi: f64 = counts
        .iter()
        .zip([0.25, 0.5, 0.25])
        .map(|(c, p)| {
            let e = p * n as f64;
            (*c as f64 - e).powi(2) / e
        })
        .sum();
    assert!(chi < 13.8, "chi-square {chi}, counts {counts:?}");
}

#[test]
fn two_tests_are_independent() {
    let v = arms(&[("A", 1.0), ("B", 1.0)]);
    let n = 100_000usize;
    let mut table = [[0f64; 2]; 2];
    for i in 0..n {
        let id = format!("sub-{i}");
        let a = (assign_variant("subject-line", &id, &v).unwrap() == "B") as usize;
        let b = (assign_variant("send-time", &id, &v).unwrap() == "B") as usize;
        table[a][b] += 1.0;
    }
    let rows = [table[0][0] + table[0][1], table[1][0] + table[1][1]];
    let cols = [table[0][0] + table[1][0], table[0][1] + table[1][1]];
    let mut chi = 0.0;
    for (i, row) in rows.iter().enumerate() {
        for (j, col) in cols.iter().enumerate() {
            let e = row * col / n as f64;
            chi += (table[i][j] - e).powi(2) / e;
        }
    }
    // One degree of freedom: 10.83 is p = 0.001.
    assert!(chi < 10.83, "chi-square {chi}, table {table:?}");
    // The same test name twice is perfectly dependent (the statistic is huge).
    let same = (0..1000)
        .filter(|i| {
            let id = i.to_string();
            assign_variant("x", &id, &v).unwrap() == assign_variant("x", &id, &v).unwrap()
        })
        .count();
    assert_eq!(same, 1000);
}

#[test]
fn holdout_takes_its_share_and_templates_see_the_variant() {
    let defs = json!([{
        "name": "promo",
        "split": { "test": "promo-test", "variants": [{ "name": "A" }, { "name": "B" }], "holdout": 0.2 },
        "schedule": { "type": "once", "date": "2025-06-03", "at": "09:00" },
        "content": { "subject": "{% if variant == \"B\" %}Bee{% else %}Ay{% endif %} {{ campaign }}" }
    }]);
    let c = Campaigns::new(&defs, None).unwrap();
    let window = all("2025-06-01", "2025-07-01");
    let (mut held, mut a, mut b) = (0, 0, 0);
    for i in 0..5000 {
        let m = c.simulate(&json!({ "id": i }), &window).unwrap();
        assert_eq!(m.len(), 1);
        let m = &m[0];
        let u = unit_hash("promo-test", &i.to_string());
        match m.reason {
            Some(Reason::Holdout) => {
                assert!(u < 0.2);
                held += 1
            }
            None => {
                assert!(u >= 0.2);
                let v = m.variant.as_deref().unwrap();
                assert_eq!(m.subject, if v == "B" { "Bee promo" } else { "Ay promo" });
                if v == "A" {
                    a += 1
                } else {
                    b += 1
                }
            }
            other => panic!("{other:?}"),
        }
    }
    assert!((held as f64 / 5000.0 - 0.2).abs() < 0.03, "{held}");
    assert!((a as f64 - b as f64).abs() < 250.0, "{a} {b}");
    // A split needs an id.
    let e = c.simulate(&json!({}), &window).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Data);
}

// ------------------------------------------------------------ series and exits

fn cart_profile(events: Value) -> Value {
    json!({
        "id": "c1", "first_name": "Ana", "timeZone": "Europe/Berlin", "locale": "de-AT",
        "consent": { "email": true }, "events": events
    })
}

#[test]
fn cart_series_runs_all_steps_without_a_purchase() {
    let p = cart_profile(
        json!([{ "type": "cart_add", "at": "2025-06-02T10:00:00+02:00", "value": 80 }]),
    );
    let m = examples()
        .simulate(&p, &opts("2025-06-01", "2025-06-10"))
        .unwrap();
    assert_eq!(
        summary(&m),
        [
            "2025-06-02T09:00:00Z cart_abandonment/1h",
            "2025-06-03T08:00:00Z cart_abandonment/24h",
            "2025-06-05T08:00:00Z cart_abandonment/72h"
        ]
    );
    // de-AT uses the "de" block; the 24h step is split.
    assert_eq!(m[0].subject, "Da liegt noch etwas in deinem Warenkorb");
    assert_eq!(m[0].locale.as_deref(), Some("de"));
    assert_eq!(m[0].local_time, "2025-06-02T11:00:00+02:00");
    assert!(m[1].variant.is_some());
    assert!(m[0].variant.is_none());
}

#[test]
fn a_purchase_on_day_two_exits_the_cart_series() {
    let p = cart_profile(json!([
        { "type": "cart_add", "at": "2025-06-02T10:00:00+02:00", "value": 80 },
        { "type": "purchase", "at": "2025-06-03T09:00:00+02:00", "amount": 80 }
    ]));
    let m = examples()
        .simulate(&p, &all("2025-06-01", "2025-06-10"))
        .unwrap();
    assert_eq!(
        summary(&m),
        [
            "2025-06-02T09:00:00Z cart_abandonment/1h",
            "2025-06-03T08:00:00Z cart_abandonment/24h (Exit)"
        ]
    );
    // As of day one, the purchase is not known yet: all three steps are expected.
    let as_of_day_one = SimulateOptions {
        as_of: Some("2025-06-02T12:00:00Z".parse().unwrap()),
        ..opts("2025-06-01", "2025-06-10")
    };
    assert_eq!(examples().simulate(&p, &as_of_day_one).unwrap().len(), 3);
    // A purchase before the cart does not count (the exit sees events since entry).
    let p = cart_profile(json!([
        { "type": "purchase", "at": "2025-06-01T09:00:00+02:00", "amount": 80 },
        { "type": "cart_add", "at": "2025-06-02T10:00:00+02:00", "value": 80 }
    ]));
    assert_eq!(
        examples()
            .simulate(&p, &opts("2025-06-01", "2025-06-10"))
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn cart_reentry_waits_for_the_running_series_and_filters_by_value() {
    let p = cart_profile(json!([
        { "type": "cart_add", "at": "2025-06-02T10:00:00+02:00", "value": 80 },
        { "type": "cart_add", "at": "2025-06-03T12:00:00+02:00", "value": 30 },
        { "type": "cart_add", "at": "2025-06-06T12:00:00+02:00", "value": 5 },
        { "type": "cart_add", "at": "2025-06-07T12:00:00+02:00", "value": 25 }
    ]));
    let m = examples()
        .simulate(&p, &all("2025-06-01", "2025-06-20"))
        .unwrap();
    // The second cart falls inside the first run; the third is under 20; the
    // fourth starts a new run, whose 24h step meets the cap (4 in 7 days).
    assert_eq!(
        summary(&m),
        [
            "2025-06-02T09:00:00Z cart_abandonment/1h",
            "2025-06-03T08:00:00Z cart_abandonment/24h",
            "2025-06-05T08:00:00Z cart_abandonment/72h",
            "2025-06-07T11:00:00Z cart_abandonment/1h",
            "2025-06-08T10:00:00Z cart_abandonment/24h (Cap)",
            "2025-06-10T10:00:00Z cart_abandonment/72h"
        ]
    );
}

#[test]
fn quiet_hours_move_late_steps_to_the_morning() {
    // 1 hour after a 21:30 cart is 22:30, inside 21:00–08:00: sent at 08:00 the next day.
    let p = cart_profile(
        json!([{ "type": "cart_add", "at": "2025-06-02T21:30:00+02:00", "value": 80 }]),
    );
    let m = examples()
        .simulate(&p, &opts("2025-06-01", "2025-06-10"))
        .unwrap();
    assert_eq!(m[0].local_time, "2025-06-03T08:00:00+02:00");
    assert_eq!(
        m[1].local_time,
        "2025-06-03T21:30:00+02:00"
            .replace("21:30", "08:00")
            .replace("06-03", "06-04")
    );
}

#[test]
fn welcome_differs_by_source_and_region_and_is_sent_once() {
    let base = |source: &str, region: &str| {
        json!({
            "id": format!("{source}-{region}"), "first_name": "Li", "timeZone": "Asia/Singapore",
            "signup_source": source, "region": region, "consent": { "email": true },
            "events": [
                { "type": "signup", "at": "2025-03-03T07:30:00+08:00" },
                { "type": "signup", "at": "2025-03-20T07:30:00+08:00" }
            ]
        })
    };
    let window = all("2025-03-01", "2025-04-01");
    let c = examples();
    let checkout = c.simulate(&base("checkout", "APAC"), &window).unwrap();
    assert_eq!(
        summary(&checkout),
        [
            "2025-03-03T00:00:00Z welcome/welcome",
            "2025-03-05T02:00:00Z welcome/first_order_offer (Condition)",
            "2025-03-08T02:00:00Z welcome/community"
        ]
    );
    assert_eq!(checkout[0].subject, "Thanks for your first order, Li");
    // 07:30 is inside quiet hours: the first step waits until 08:00.
    assert_eq!(checkout[0].local_time, "2025-03-03T08:00:00+08:00");
    assert_eq!(checkout[2].subject, "Trails and meet-ups near you");

    let form = c.simulate(&base("form", "APAC"), &window).unwrap();
    assert_eq!(form[1].status, Status::Sent);
    assert_eq!(form[1].subject, "Free express delivery on your first order");
    let eu = c.simulate(&base("form", "EU"), &window).unwrap();
    assert_eq!(eu[1].subject, "Free shipping on your first order over €50");
    assert_eq!(eu[2].subject, "Join a group run near you");
    // Variant branches in the first subject.
    let variant = form[0].variant.as_deref().unwrap();
    let expected = if variant == "direct" {
        "Your account is ready"
    } else {
        "Welcome aboard, Li!"
    };
    assert_eq!(form[0].subject, expected);
}

#[test]
fn consent_is_checked_at_send_time() {
    let mut p = cart_profile(
        json!([{ "type": "cart_add", "at": "2025-06-02T10:00:00+02:00", "value": 80 }]),
    );
    p["consent"]["email"] = json!(false);
    let c = examples();
    assert!(c
        .simulate(&p, &opts("2025-06-01", "2025-06-10"))
        .unwrap()
        .is_empty());
    let m = c.simulate(&p, &all("2025-06-01", "2025-06-10")).unwrap();
    assert_eq!(m.len(), 3);
    assert!(m
        .iter()
        .all(|m| m.reason == Some(Reason::Consent) && m.status == Status::Suppressed));
}

#[test]
fn segment_triggers_birthday_loyalty_and_re_engagement() {
    let c = examples();
    let p = json!({
        "id": 7, "first_name": "Noor", "timeZone": "America/New_York", "locale": "fr-CA",
        "birthday": "1990-02-14", "consent": { "email": true },
        "events": [
            { "type": "open", "at": "2024-11-01T12:00:00Z" },
            { "type": "purchase", "at": "2025-02-01T15:00:00Z", "amount": 10 },
            { "type": "purchase", "at": "2025-02-05T15:00:00Z", "amount": 10 },
            { "type": "purchase", "at": "2025-02-10T15:00:00Z", "amount": 10 },
            { "type": "click", "at": "2025-02-12T15:00:00Z" }
        ]
    });
    let m = c.simulate(&p, &all("2025-01-25", "2025-03-01")).unwrap();
    assert_eq!(
        summary(&m),
        [
            // Last open 2024-11-01: more than 90 days ago from 2025-01-31 on (checked at local midnight).
            "2025-01-31T15:00:00Z re_engagement/we_miss_you",
            "2025-02-07T15:00:00Z re_engagement/preferences",
            // The third purchase in 90 days (at 10:00 local) makes a frequent buyer.
            "2025-02-10T15:00:00Z loyalty_offer/offer",
            "2025-02-14T14:00:00Z birthday/greeting",
            // The click on 12 February ends the re-engagement series before its last step.
            "2025-02-14T15:00:00Z re_engagement/last_chance (Exit)"
        ]
    );
    assert_eq!(m[3].subject, "Joyeux anniversaire, Noor !");
    assert_eq!(m[3].local_time, "2025-02-14T09:00:00-05:00");
}

// ------------------------------------------------------------ caps and priorities

fn capped(cap: Value) -> Campaigns {
    let c = |name: &str, priority: i64, date: &str, at: &str| {
        json!({
            "name": name, "priority": priority,
            "schedule": { "type": "once", "date": date, "at": at },
            "content": { "subject": name }
        })
    };
    let mut exempt = c("receipt", -5, "2025-06-03", "12:00");
    exempt["capExempt"] = json!(true);
    Campaigns::new(
        &json!({
            "frequencyCap": cap,
            "campaigns": [
                c("low", 1, "2025-06-03", "08:00"),
                c("high", 9, "2025-06-03", "18:00"),
                c("mid", 5, "2025-06-03", "10:00"),
                c("next_day", 1, "2025-06-04", "09:00"),
                c("week_later", 1, "2025-06-10", "09:00"),
                exempt
            ]
        }),
        None,
    )
    .unwrap()
}

#[test]
fn caps_keep_the_highest_priorities_within_the_window() {
    let c = capped(json!({ "messages": 2, "days": 7 }));
    let m = c
        .simulate(&json!({ "id": 1 }), &all("2025-06-01", "2025-06-20"))
        .unwrap();
    assert_eq!(
        summary(&m),
        [
            "2025-06-03T08:00:00Z low (Cap)",
            "2025-06-03T10:00:00Z mid",
            "2025-06-03T12:00:00Z receipt",
            "2025-06-03T18:00:00Z high",
            "2025-06-04T09:00:00Z next_day (Cap)",
            // 3 June + 7 days: the window 4–10 June holds no sent message.
            "2025-06-10T09:00:00Z week_later"
        ]
    );
    let c = capped(json!({ "messages": 1, "days": 1 }));
    let sent = c
        .simulate(&json!({ "id": 1 }), &opts("2025-06-01", "2025-06-20"))
        .unwrap();
    assert_eq!(
        summary(&sent),
        [
            "2025-06-03T12:00:00Z receipt",
            "2025-06-03T18:00:00Z high",
            "2025-06-04T09:00:00Z next_day",
            "2025-06-10T09:00:00Z week_later"
        ]
    );
}

// ------------------------------------------------------------ time: DST, holidays

#[test]
fn dst_gaps_move_forward_and_overlaps_take_the_earlier_instant() {
    let weekly = |at: &str, weekday: &str| {
        json!([{
            "name": "w", "schedule": { "type": "weekly", "weekday": weekday, "at": at },
            "content": { "subject": "x" }
        }])
    };
    // Sunday 2025-03-30 02:30 does not exist in Berlin: 03:30 CEST.
    let c = Campaigns::new(&weekly("02:30", "sunday"), None).unwrap();
    let p = json!({ "timeZone": "Europe/Berlin" });
    let m = c.simulate(&p, &opts("2025-03-22", "2025-04-03")).unwrap();
    assert_eq!(
        summary(&m),
        ["2025-03-23T01:30:00Z w", "2025-03-30T01:30:00Z w"]
    );
    assert_eq!(m[1].local_time, "2025-03-30T03:30:00+02:00");
    // Sunday 2025-11-02 01:30 happens twice in New York: the first (EDT).
    let c = Campaigns::new(&weekly("01:30", "sunday"), None).unwrap();
    let p = json!({ "timeZone": "America/New_York" });
    let m = c.simulate(&p, &opts("2025-11-01", "2025-11-10")).unwrap();
    assert_eq!(
        summary(&m),
        ["2025-11-02T05:30:00Z w", "2025-11-09T06:30:00Z w"]
    );
    // Days in a series are calendar days: 2 days after Saturday 10:00 CET is Monday 10:00 CEST.
    let s = json!([{
        "name": "s", "trigger": { "event": "go" },
        "steps": [{ "delay": "2 days", "content": { "subject": "x" } }]
    }]);
    let c = Campaigns::new(&s, None).unwrap();
    let p = json!({ "timeZone": "Europe/Berlin", "events": [{ "type": "go", "at": "2025-03-29T10:00:00+01:00" }] });
    let m = c.simulate(&p, &opts("2025-03-28", "2025-04-05")).unwrap();
    assert_eq!(m[0].local_time, "2025-03-31T10:00:00+02:00");
    // Subscribers without a zone use the option's zone.
    let c = Campaigns::new(&weekly("09:00", "monday"), None).unwrap();
    let tokyo = SimulateOptions {
        time_zone: "Asia/Tokyo".parse().unwrap(),
        ..opts("2025-06-01", "2025-06-03")
    };
    assert_eq!(
        summary(&c.simulate(&json!({}), &tokyo).unwrap()),
        ["2025-06-02T00:00:00Z w"]
    );
    // A bad zone on the profile is an error naming the field.
    let e = c
        .simulate(&json!({ "timeZone": "Mars/Base" }), &tokyo)
        .unwrap_err();
    assert_eq!(e.field(), Some("timeZone"));
}

#[test]
fn quiet_hours_wrap_midnight_and_can_be_turned_off() {
    let defs = |quiet: Value| {
        json!({
            "quietHours": ["22:00", "07:30"],
            "campaigns": [
                { "name": "late", "schedule": { "type": "once", "date": "2025-06-03", "at": "23:15" }, "content": { "subject": "x" } },
                { "name": "early", "schedule": { "type": "once", "date": "2025-06-05", "at": "06:00" }, "content": { "subject": "x" } },
                { "name": "own", "quietHours": quiet, "schedule": { "type": "once", "date": "2025-06-07", "at": "12:30" }, "content": { "subject": "x" } }
            ]
        })
    };
    let c = Campaigns::new(&defs(json!(["12:00", "13:00"])), None).unwrap();
    let m = c
        .simulate(&json!({}), &opts("2025-06-01", "2025-06-10"))
        .unwrap();
    assert_eq!(
        summary(&m),
        [
            "2025-06-04T07:30:00Z late",
            "2025-06-05T07:30:00Z early",
            "2025-06-07T13:00:00Z own"
        ]
    );
    let c = Campaigns::new(&defs(Value::Null), None).unwrap();
    let m = c
        .simulate(&json!({}), &opts("2025-06-01", "2025-06-10"))
        .unwrap();
    assert_eq!(summary(&m)[2], "2025-06-07T12:30:00Z own");
}

#[test]
fn holiday_campaigns_follow_the_country_calendar() {
    let c = examples();
    let person = |country: &str, tz: &str, locale: &str| json!({ "id": country, "country": country, "timeZone": tz, "locale": locale, "consent": { "email": true } });
    let year = all("2025-01-01", "2026-01-01");
    let names = |p: Value| -> Vec<String> {
        c.simulate(&p, &year)
            .unwrap()
            .iter()
            .map(|m| format!("{} {}", m.local_time, m.campaign))
            .collect()
    };
    assert_eq!(
        names(person("VN", "Asia/Ho_Chi_Minh", "vi")),
        [
            "2025-01-22T09:00:00+07:00 lunar_new_year",
            "2025-09-29T09:00:00+07:00 mid_autumn",
            "2025-12-15T09:00:00+07:00 christmas"
        ]
    );
    assert_eq!(
        names(person("IN", "Asia/Kolkata", "hi")),
        [
            "2025-03-27T09:00:00+05:30 eid_al_fitr",
            "2025-10-15T09:00:00+05:30 diwali",
            "2025-12-15T09:00:00+05:30 christmas"
        ]
    );
    // Countries without a calendar of their own keep the shared holidays,
    // dated by the reference country's rule, in any year 2000–2050.
    assert_eq!(
        names(person("ES", "Europe/Madrid", "es")),
        ["2025-12-15T09:00:00+01:00 christmas"]
    );
    let y2040 = all("2040-01-01", "2041-01-01");
    let eg: Vec<String> = c
        .simulate(&person("EG", "Africa/Cairo", "ar"), &y2040)
        .unwrap()
        .iter()
        .map(|m| format!("{} {}", m.local_time, m.campaign))
        .collect();
    assert_eq!(eg, ["2040-10-04T09:00:00+03:00 eid_al_fitr"]);
    assert_eq!(
        names(person("SA", "Asia/Riyadh", "ar")),
        ["2025-03-27T09:00:00+03:00 eid_al_fitr"]
    );
    // Indonesia celebrated Eid al-Fitr a day later in 2025.
    assert_eq!(
        names(person("ID", "Asia/Jakarta", "id")),
        [
            "2025-01-22T09:00:00+07:00 lunar_new_year",
            "2025-03-28T09:00:00+07:00 eid_al_fitr"
        ]
    );
    assert_eq!(
        names(person("DE", "Europe/Berlin", "de")),
        ["2025-12-15T09:00:00+01:00 christmas"]
    );
    let vi = c
        .simulate(&person("VN", "Asia/Ho_Chi_Minh", "vi"), &year)
        .unwrap();
    assert_eq!(vi[1].subject, "Tết Trung Thu: đi bộ dưới trăng");
    // No country, no holiday.
    assert!(c
        .simulate(&json!({ "consent": { "email": true } }), &year)
        .unwrap()
        .is_empty());
    // An offset can move next year's holiday into this year's window.
    let early = json!([{
        "name": "early", "schedule": { "type": "once", "holiday": "lunar_new_year", "offsetDays": -60, "at": "12:00" },
        "content": { "subject": "x" }
    }]);
    let early = Campaigns::new(&early, None).unwrap();
    let m = early
        .simulate(
            &json!({ "country": "SG", "timeZone": "Asia/Singapore" }),
            &opts("2025-12-01", "2026-01-01"),
        )
        .unwrap();
    assert_eq!(summary(&m), ["2025-12-19T04:00:00Z early"]);
    // A pinned year.
    let pinned = json!([{
        "name": "lny", "schedule": { "type": "once", "holiday": "lunar_new_year", "year": 2026, "offsetDays": -1, "at": "18:00" },
        "content": { "subject": "x" }
    }]);
    let c = Campaigns::new(&pinned, None).unwrap();
    let m = c
        .simulate(
            &json!({ "country": "cn", "timeZone": "Asia/Shanghai" }),
            &opts("2025-01-01", "2027-12-31"),
        )
        .unwrap();
    assert_eq!(summary(&m), ["2026-02-16T10:00:00Z lny"]);
}

#[test]
fn bodies_are_rendered_on_request_and_events_must_have_times() {
    let c = examples();
    let p = json!({
        "id": 3, "interests": ["running", "camping"], "consent": { "email": true }, "locale": "en"
    });
    let window = SimulateOptions {
        include_body: true,
        ..opts("2025-06-01", "2025-06-30")
    };
    let m = c.simulate(&p, &window).unwrap();
    // Newsletter on Tuesdays 3, 10, 17, 24 June (unless held out).
    let held_out = unit_hash("newsletter-2025", "3") < 0.1;
    assert_eq!(m.len(), if held_out { 0 } else { 4 });
    if let Some(first) = m.first() {
        assert_eq!(
            first.body.as_deref(),
            Some("<section><h2>Running</h2></section><section><h2>Camping</h2></section>")
        );
        assert_eq!(first.preview, "2 topics picked for you.");
    }
    let bad = json!({ "events": [{ "type": "cart_add", "at": "yesterday" }] });
    let e = c.simulate(&bad, &window).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Data);
    assert_eq!(e.field(), Some("events[0].at"));
    let rows = c.simulate_audience(&[json!({}), bad], &window).unwrap_err();
    assert_eq!(rows.row(), Some(2));
}

// ------------------------------------------------------------ the programme over a generated list

mod reference {
    //! An independent, direct computation of what the example programme sends
    //! (written from docs/campaigns.md, sharing no scheduling code with the
    //! library; only the documented hash is reused).

    use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc, Weekday};
    use chrono_tz::Tz;
    use kaleido::campaign::unit_hash;
    use serde_json::{json, Value};
    use std::collections::BTreeMap;

    /// xorshift64*: a small deterministic generator.
    pub struct Rng(u64);
    impl Rng {
        pub fn new(seed: u64) -> Rng {
            Rng(seed.max(1))
        }
        pub fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        pub fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        pub fn chance(&mut self, percent: u64) -> bool {
            self.below(100) < percent
        }
    }

    const COUNTRIES: [(&str, &str, &str, &str); 9] = [
        ("DE", "Europe/Berlin", "de", "EU"),
        ("FR", "Europe/Paris", "fr-FR", "EU"),
        ("US", "America/New_York", "en-US", "NA"),
        ("BR", "America/Sao_Paulo", "pt-BR", "LATAM"),
        ("VN", "Asia/Ho_Chi_Minh", "vi", "APAC"),
        ("CN", "Asia/Shanghai", "zh", "APAC"),
        ("IN", "Asia/Kolkata", "hi", "APAC"),
        ("ID", "Asia/Jakarta", "id", "APAC"),
        ("SA", "Asia/Riyadh", "ar", "MEA"),
    ];

    fn local(tz: Tz, date: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
        tz.from_local_datetime(&date.and_hms_opt(h, m, 0).unwrap())
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn random_time(rng: &mut Rng, tz: Tz, first: NaiveDate, days: u64) -> DateTime<Utc> {
        let date = first + Duration::days(rng.below(days) as i64);
        // 07:00–22:59 local: never inside a DST gap.
        local(tz, date, 7 + rng.below(16) as u32, rng.below(60) as u32)
    }

    /// `n` profiles with attributes and event histories, from a seed.
    pub fn generate(n: usize, seed: u64) -> Vec<Value> {
        let mut rng = Rng::new(seed);
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        (0..n)
            .map(|i| {
                let (country, zone, locale, region) = COUNTRIES[rng.below(9) as usize];
                let tz: Tz = zone.parse().unwrap();
                let first_name = ["Ana", "Li", "Noor", "Sam", "Minh"][rng.below(5) as usize];
                let source = ["checkout", "form", "social"][rng.below(3) as usize];
                let mut p = json!({
                    "id": i,
                    "first_name": first_name,
                    "locale": locale,
                    "region": region,
                    "signup_source": source,
                    "consent": { "email": rng.chance(85) },
                });
                let has_country = rng.chance(95);
                if has_country {
                    p["country"] = json!(country);
                }
                let has_zone = rng.chance(90);
                if has_zone {
                    p["timeZone"] = json!(zone);
                }
                let tz = if has_zone { tz } else { Tz::UTC };
                if rng.chance(70) {
                    let all = ["running", "camping", "climbing"];
                    let k = 1 + rng.below(3) as usize;
                    p["interests"] = json!(all[..k]);
                }
                if rng.chance(80) {
                    let birthday = if rng.chance(3) {
                        d(1992, 2, 29)
                    } else {
                        d(1960, 1, 1) + Duration::days(rng.below(16_000) as i64)
                    };
                    p["birthday"] = json!(birthday.to_string());
                }
                let mut events = Vec::new();
                let mut push = |kind: &str, at: DateTime<Utc>, extra: Value| {
                    let mut e = json!({ "type": kind, "at": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) });
                    if let (Value::Object(e), Value::Object(x)) = (&mut e, extra) {
                        e.extend(x);
                    }
                    events.push(e);
                };
                if rng.chance(60) {
                    let at = random_time(&mut rng, tz, d(2024, 10, 1), 457);
                    push("signup", at, json!({}));
                }
                for _ in 0..rng.below(7) {
                    let at = random_time(&mut rng, tz, d(2025, 1, 1), 365);
                    let value = 5 + rng.below(150);
                    push("cart_add", at, json!({ "value": value }));
                }
                for _ in 0..rng.below(9) {
                    let at = random_time(&mut rng, tz, d(2024, 10, 1), 457);
                    push("purchase", at, json!({ "amount": 10 + rng.below(90) }));
                }
                for _ in 0..rng.below(8) {
                    let at = random_time(&mut rng, tz, d(2024, 6, 1), 578);
                    push("open", at, json!({}));
                }
                for _ in 0..rng.below(3) {
                    let at = random_time(&mut rng, tz, d(2024, 6, 1), 578);
                    push("click", at, json!({}));
                }
                p["events"] = Value::Array(events);
                p
            })
            .collect()
    }

    struct Msg {
        campaign: usize,
        step: usize,
        at: DateTime<Utc>,
    }

    const NAMES: [&str; 11] = [
        "welcome",
        "newsletter",
        "christmas",
        "lunar_new_year",
        "mid_autumn",
        "diwali",
        "eid_al_fitr",
        "cart_abandonment",
        "loyalty_offer",
        "birthday",
        "re_engagement",
    ];
    const PRIORITY: [i64; 11] = [80, 10, 50, 50, 50, 50, 50, 90, 60, 70, 20];
    const BIRTHDAY: usize = 9;

    /// Quiet hours 21:00–08:00.
    fn quiet(t: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        let l = t.with_timezone(&tz);
        if l.hour() >= 21 {
            local(tz, l.date_naive() + Duration::days(1), 8, 0)
        } else if l.hour() < 8 {
            local(tz, l.date_naive(), 8, 0)
        } else {
            t
        }
    }

    /// The first local `h`:00 at or after `t`.
    fn next_at(t: DateTime<Utc>, tz: Tz, h: u32) -> DateTime<Utc> {
        let date = t.with_timezone(&tz).date_naive();
        let same = local(tz, date, h, 0);
        if same >= t {
            same
        } else {
            local(tz, date + Duration::days(1), h, 0)
        }
    }

    /// `t` moved by `n` calendar days in `tz` (same wall-clock time).
    fn days(t: DateTime<Utc>, tz: Tz, n: i64) -> DateTime<Utc> {
        let l = t.with_timezone(&tz).naive_local() + Duration::days(n);
        tz.from_local_datetime(&l)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn times(events: &[(DateTime<Utc>, String, Value)], kind: &str) -> Vec<DateTime<Utc>> {
        events.iter().filter(|e| e.1 == kind).map(|e| e.0).collect()
    }

    /// Sent messages per (local date, campaign) for the example programme.
    pub fn counts(
        profiles: &[Value],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> BTreeMap<(String, String), u64> {
        let mut out = BTreeMap::new();
        for p in profiles {
            if p["consent"]["email"] != json!(true) {
                continue;
            }
            let tz: Tz = p["timeZone"]
                .as_str()
                .map_or(Tz::UTC, |z| z.parse().unwrap());
            let id = p["id"].to_string();
            let mut events: Vec<(DateTime<Utc>, String, Value)> = p["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let at = DateTime::parse_from_rfc3339(e["at"].as_str().unwrap())
                        .unwrap()
                        .with_timezone(&Utc);
                    (at, e["type"].as_str().unwrap().to_string(), e.clone())
                })
                .filter(|e| e.0 <= to)
                .collect();
            events.sort_by_key(|e| e.0);
            let mut msgs: Vec<Msg> = Vec::new();
            let in_window = |t: DateTime<Utc>| t >= from && t < to;
            let purchases = times(&events, "purchase");

            // welcome: the first sign-up only.
            if let Some(t0) = times(&events, "signup").first().copied() {
                let steps = [
                    quiet(t0, tz),
                    quiet(next_at(days(t0, tz, 2), tz, 10), tz),
                    quiet(next_at(days(t0, tz, 5), tz, 10), tz),
                ];
                for (k, t) in steps.into_iter().enumerate() {
                    let condition = k != 1
                        || (p["signup_source"] != json!("checkout")
                            && !purchases.iter().any(|at| *at <= t));
                    if in_window(t) && condition {
                        msgs.push(Msg {
                            campaign: 0,
                            step: k,
                            at: t,
                        });
                    }
                }
            }

            // newsletter: Tuesdays 10:00 local, 10% holdout.
            if !p["interests"].is_null() && unit_hash("newsletter-2025", &id) >= 0.1 {
                let mut d = from.with_timezone(&tz).date_naive() - Duration::days(1);
                while d <= to.with_timezone(&tz).date_naive() {
                    if d.weekday() == Weekday::Tue && in_window(local(tz, d, 10, 0)) {
                        msgs.push(Msg {
                            campaign: 1,
                            step: 0,
                            at: local(tz, d, 10, 0),
                        });
                    }
                    d += Duration::days(1);
                }
            }

            // holidays, 2025 dates for the generated countries, at 09:00 local.
            let country = p["country"].as_str().unwrap_or("");
            let holiday: [(usize, &[&str], (u32, u32)); 6] = [
                // The locale calendars list Christmas in CN and VN too, and
                // Eid al-Fitr in India (Umm al-Qura date, as SA).
                (2, &["DE", "FR", "US", "BR", "IN", "CN", "VN"], (12, 15)),
                (3, &["CN", "VN", "ID"], (1, 22)),
                (4, &["CN", "VN"], (9, 29)),
                (5, &["IN"], (10, 15)),
                (6, &["SA", "IN"], (3, 27)),
                (6, &["ID"], (3, 28)),
            ];
            for (campaign, countries, (m, dd)) in holiday {
                if countries.contains(&country) {
                    let t = local(tz, NaiveDate::from_ymd_opt(2025, m, dd).unwrap(), 9, 0);
                    if in_window(t) {
                        msgs.push(Msg {
                            campaign,
                            step: 0,
                            at: t,
                        });
                    }
                }
            }

            // cart abandonment: carts of 20 or more; one run at a time; exit on purchase.
            let mut active_until: Option<DateTime<Utc>> = None;
            for e in events
                .iter()
                .filter(|e| e.1 == "cart_add" && e.2["value"].as_u64().unwrap() >= 20)
            {
                let entry = e.0;
                if entry >= to || active_until.is_some_and(|a| entry <= a) {
                    continue;
                }
                let steps = [1, 24, 72].map(|h| quiet(entry + Duration::hours(h), tz));
                let mut end = steps[2];
                for (k, t) in steps.into_iter().enumerate() {
                    if t >= to {
                        break;
                    }
                    if purchases.iter().any(|at| *at > entry && *at <= t) {
                        end = t;
                        break;
                    }
                    if t >= from {
                        msgs.push(Msg {
                            campaign: 7,
                            step: k,
                            at: t,
                        });
                    }
                }
                active_until = Some(end);
            }

            // segment triggers: checked at `from`, at events and at local midnights.
            let mut checks: Vec<DateTime<Utc>> = vec![from];
            checks.extend(events.iter().map(|e| e.0).filter(|t| *t > from && *t < to));
            let mut d = from.with_timezone(&tz).date_naive() + Duration::days(1);
            while local(tz, d, 0, 0) < to {
                checks.push(local(tz, d, 0, 0));
                d += Duration::days(1);
            }
            checks.sort();
            checks.dedup();
            let rising = |member: &dyn Fn(DateTime<Utc>) -> bool| -> Vec<DateTime<Utc>> {
                let mut was = false;
                let mut entries = Vec::new();
                for t in &checks {
                    let is = member(*t);
                    if is && !was {
                        entries.push(*t);
                    }
                    was = is;
                }
                entries
            };

            // loyalty: 3+ purchases in the last 90 days.
            let loyal = |t: DateTime<Utc>| {
                let start = days(t, tz, -90);
                purchases
                    .iter()
                    .filter(|at| **at > start && **at <= t)
                    .count()
                    >= 3
            };
            let mut active_until: Option<DateTime<Utc>> = None;
            for entry in rising(&loyal) {
                if active_until.is_some_and(|a| entry <= a) {
                    continue;
                }
                let t = quiet(next_at(entry, tz, 10), tz);
                if in_window(t) {
                    msgs.push(Msg {
                        campaign: 8,
                        step: 0,
                        at: t,
                    });
                }
                active_until = Some(t);
            }

            // birthday: on the local birthday (29 February on 28 February in common years).
            if let Some(b) = p["birthday"].as_str() {
                let b = NaiveDate::parse_from_str(b, "%Y-%m-%d").unwrap();
                let today_is = |t: DateTime<Utc>| {
                    let today = t.with_timezone(&tz).date_naive();
                    let r = NaiveDate::from_ymd_opt(today.year(), b.month(), b.day())
                        .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 2, 28).unwrap());
                    r == today
                };
                let mut active_until: Option<DateTime<Utc>> = None;
                for entry in rising(&today_is) {
                    if active_until.is_some_and(|a| entry <= a) {
                        continue;
                    }
                    let t = quiet(next_at(entry, tz, 9), tz);
                    if in_window(t) {
                        msgs.push(Msg {
                            campaign: BIRTHDAY,
                            step: 0,
                            at: t,
                        });
                    }
                    active_until = Some(t);
                }
            }

            // re-engagement: last open more than 90 days ago; exit on an open or click.
            let opens = times(&events, "open");
            let lapsed = |t: DateTime<Utc>| {
                opens
                    .iter()
                    .filter(|at| **at <= t)
                    .max()
                    .is_some_and(|last| *last < days(t, tz, -90))
            };
            let mut active_until: Option<DateTime<Utc>> = None;
            for entry in rising(&lapsed) {
                if active_until.is_some_and(|a| entry <= a) {
                    continue;
                }
                let steps = [0, 7, 14].map(|n| quiet(next_at(days(entry, tz, n), tz, 10), tz));
                let mut end = steps[2];
                for (k, t) in steps.into_iter().enumerate() {
                    if t >= to {
                        break;
                    }
                    let engaged = events
                        .iter()
                        .any(|e| (e.1 == "open" || e.1 == "click") && e.0 > entry && e.0 <= t);
                    if engaged {
                        end = t;
                        break;
                    }
                    if t >= from {
                        msgs.push(Msg {
                            campaign: 10,
                            step: k,
                            at: t,
                        });
                    }
                }
                active_until = Some(end);
            }

            // The cap: 4 in any 7 local days, by day, higher priority first; birthdays exempt.
            let date = |m: &Msg| m.at.with_timezone(&tz).date_naive();
            msgs.sort_by_key(|m| (date(m), -PRIORITY[m.campaign], m.at, m.campaign, m.step));
            let mut sent_days: Vec<NaiveDate> = Vec::new();
            for m in &msgs {
                let day = date(m);
                if m.campaign != BIRTHDAY {
                    let recent = sent_days
                        .iter()
                        .filter(|d| **d > day - Duration::days(7) && **d <= day)
                        .count();
                    if recent >= 4 {
                        continue;
                    }
                    sent_days.push(day);
                }
                *out.entry((day.to_string(), NAMES[m.campaign].to_string()))
                    .or_insert(0) += 1;
            }
        }
        out
    }
}

#[test]
fn the_programme_over_a_generated_list_matches_a_reference_computation() {
    let profiles = reference::generate(250, 20251123);
    let window = opts("2025-01-01", "2026-01-01");
    let counts = examples().simulate_audience(&profiles, &window).unwrap();
    let expected = reference::counts(&profiles, window.from, window.to);
    let actual: std::collections::BTreeMap<(String, String), u64> = counts
        .iter()
        .map(|c| ((c.date.clone(), c.campaign.clone()), c.count))
        .collect();
    let mut totals: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    for ((_, campaign), n) in &expected {
        totals.entry(campaign).or_default().0 += n;
    }
    for ((_, campaign), n) in &actual {
        totals.entry(campaign).or_default().1 += n;
    }
    let differences: Vec<String> = expected
        .keys()
        .chain(actual.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter(|k| expected.get(*k) != actual.get(*k))
        .map(|k| {
            format!(
                "{k:?}: expected {:?}, simulated {:?}",
                expected.get(k),
                actual.get(k)
            )
        })
        .collect();
    assert!(
        differences.is_empty(),
        "totals {totals:?}\n{}",
        differences.join("\n")
    );
    // Every campaign sends something over the list, so each rule is exercised.
    for name in examples().names() {
        assert!(
            totals.get(name).is_some_and(|t| t.1 > 0),
            "{name}: {totals:?}"
        );
    }
    // Sorted by date, then campaign.
    assert!(counts
        .windows(2)
        .all(|w| (&w[0].date, &w[0].campaign) < (&w[1].date, &w[1].campaign)));
}

// ------------------------------------------------------------ formality

/// Two campaigns to the same German subscriber: one formal for German, one informal.
fn formality_programme() -> Value {
    json!({
        "formality": "informal",
        "campaigns": [
            {
                "name": "bank_notice",
                "formality": { "de": "formal", "default": "informal" },
                "schedule": { "type": "once", "date": "2025-06-03", "at": "09:00" },
                "content": {
                    "subject": "{{ greeting() }}: {% if formal %}Ihr{% else %}Dein{% endif %} Konto",
                    "preview": "{{ address() }}",
                    "body": "{% if formal %}Sie{% else %}du{% endif %}"
                }
            },
            {
                "name": "festival",
                "schedule": { "type": "once", "date": "2025-06-04", "at": "09:00" },
                "content": {
                    "subject": "{{ greeting() }}: {% if formal %}Ihr{% else %}Dein{% endif %} Ticket",
                    "preview": "{{ address() }}",
                    "body": "{% if formal %}Sie{% else %}du{% endif %}"
                }
            }
        ]
    })
}

#[test]
fn formality_is_chosen_per_campaign_and_per_locale() {
    let campaigns = Campaigns::new(&formality_programme(), None).unwrap();
    let anna = json!({
        "id": 7, "first_name": "Anna", "last_name": "Müller", "gender": "female",
        "locale": "de-DE", "timeZone": "Europe/Berlin"
    });
    let options = SimulateOptions {
        include_body: true,
        ..opts("2025-06-01", "2025-06-10")
    };
    let got = campaigns.simulate(&anna, &options).unwrap();
    let texts: Vec<(&str, &str, &str, &str)> = got
        .iter()
        .map(|m| {
            (
                m.campaign.as_str(),
                m.subject.as_str(),
                m.preview.as_str(),
                m.body.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        texts,
        vec![
            (
                "bank_notice",
                "Guten Tag Frau Müller: Ihr Konto",
                "Frau Müller",
                "Sie"
            ),
            ("festival", "Hallo Anna: Dein Ticket", "Anna", "du"),
        ]
    );
    // The same formal campaign addresses an English subscriber informally (its default).
    let john = json!({ "id": 8, "first_name": "John", "last_name": "Smith", "locale": "en-GB" });
    let got = campaigns
        .simulate(&john, &opts("2025-06-01", "2025-06-10"))
        .unwrap();
    assert_eq!(got[0].subject, "Hi John: Dein Konto");
    // A programme-wide "formal" applies to campaigns without their own.
    let mut formal_programme = formality_programme();
    formal_programme["formality"] = json!("formal");
    let campaigns = Campaigns::new(&formal_programme, None).unwrap();
    let got = campaigns
        .simulate(&anna, &opts("2025-06-01", "2025-06-10"))
        .unwrap();
    assert_eq!(got[1].subject, "Guten Tag Frau Müller: Ihr Ticket");
}

#[test]
fn formality_errors_name_their_json_path() {
    let mut defs = formality_programme();
    defs["campaigns"][0]["formality"] = json!({ "de": "formel" });
    let e = err_of(defs);
    assert_eq!(e.kind(), ErrorKind::Argument);
    assert_eq!(e.field(), Some("campaigns[0].formality.de"));
    assert!(
        e.message().starts_with("campaigns[0].formality.de: "),
        "{}",
        e.message()
    );
    assert!(e.message().contains("\"formel\""), "{}", e.message());

    let mut defs = formality_programme();
    defs["campaigns"][1]["formality"] = json!({ "not a tag!": "formal" });
    let e = err_of(defs);
    assert_eq!(e.field(), Some("campaigns[1].formality.not a tag!"));

    let mut defs = formality_programme();
    defs["campaigns"][1]["formality"] = json!(true);
    let e = err_of(defs);
    assert_eq!(e.field(), Some("campaigns[1].formality"));
    assert!(e.message().contains("found a boolean"), "{}", e.message());

    let mut defs = formality_programme();
    defs["formality"] = json!(["formal"]);
    assert_eq!(err_of(defs).field(), Some("formality"));
}
