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
            "2025-09-29T09:00:00+07:00 mid_autumn"
        ]
    );
    assert_eq!(
        names(person("IN", "Asia/Kolkata", "hi")),
        [
            "2025-10-15T09:00:00+05:30 diwali",
            "2025-12-15T09:00:00+05:30 christmas"
        ]
    );
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
