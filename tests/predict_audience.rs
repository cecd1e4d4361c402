//! Predicted fields on an `Audience` and in `Segment::explain`: the audience
//! fits once per (asOf, time zone) or per `derive` call, and every count,
//! member list and explanation equals `derive_fields` + merge then the
//! one-profile evaluator (or an audience of the enriched list).

use std::path::PathBuf;

use chrono_tz::Tz;
use kaleido::predict::{
    derive_fields, merge_derived, merge_missing, DeriveOptions, Predictor, DERIVED_FIELDS,
};
use kaleido::{
    parse_as_of, Audience, ErrorKind, EvalOptions, Explanation, IdValue, LoadOptions, Segment,
    SegmentSet,
};
use serde_json::{json, Value};

fn shared() -> PathBuf {
    if let Some(dir) = std::env::var_os("KALEIDO_SHARED") {
        return PathBuf::from(dir);
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if beside.is_dir() {
        return beside;
    }
    PathBuf::from("/work/shared")
}

const AS_OF: &str = "1997-09-30T23:59:59Z";

/// The CDNOW sample as profiles with purchase events, plus opens, zones,
/// sign-up dates, unrelated events and a few profiles without purchases.
fn profiles() -> Vec<Value> {
    let text = std::fs::read_to_string(shared().join("corpora/cdnow/CDNOW_sample.txt")).unwrap();
    let mut events: Vec<Vec<Value>> = vec![Vec::new(); 2358];
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let id: usize = f[1].parse().unwrap();
        let d = f[2];
        let at = format!("{}-{}-{}T00:00:00Z", &d[0..4], &d[4..6], &d[6..8]);
        let amount: f64 = f[4].parse().unwrap();
        events[id].push(json!({"type": "purchase", "at": at, "amount": amount}));
    }
    let mut out: Vec<Value> = events
        .into_iter()
        .enumerate()
        .skip(1)
        .map(|(id, mut ev)| {
            if id % 5 == 0 {
                let hour = 6 + id % 15;
                ev.push(json!({"type": "email_open", "at": format!("1997-08-0{}T{hour:02}:15:00Z", 1 + id % 9)}));
                ev.push(json!({"type": "email_open", "at": format!("1997-09-1{}T{hour:02}:40:00Z", id % 10)}));
            }
            if id % 11 == 0 {
                ev.insert(0, json!({"type": "page_view", "at": "1997-02-01T10:00:00Z", "path": "/"}));
            }
            let mut p = json!({"id": id, "events": ev});
            if id % 3 == 0 {
                p["timezone"] = json!("America/New_York");
            }
            if id % 4 == 0 {
                p["signup_date"] = json!("1996-12-15");
            }
            p
        })
        .collect();
    for i in 0..40 {
        let mut p =
            json!({"id": format!("lead-{i}"), "signup_date": format!("1997-09-{:02}", 1 + i % 28)});
        if i % 2 == 0 {
            p["events"] = json!([{"type": "email_open", "at": "1997-09-20T20:05:00Z"}]);
        }
        out.push(p);
    }
    out
}

fn options(as_of: &str) -> DeriveOptions {
    DeriveOptions::new(parse_as_of(as_of, Tz::UTC).unwrap(), Tz::UTC)
}

fn enrich(profiles: &[Value], o: &DeriveOptions) -> Vec<Value> {
    let (fields, _) = derive_fields(profiles, o).unwrap();
    profiles
        .iter()
        .zip(&fields)
        .map(|(p, f)| {
            let mut p = p.clone();
            merge_derived(&mut p, f);
            p
        })
        .collect()
}

const RULES: &[&str] = &[
    "churn_risk > 0.7 and predicted_clv >= 200",
    "churn_risk > 0.7 and predicted_clv >= 20",
    "rfm.segment in [\"at_risk\", \"cannot_lose\"]",
    "lifecycle = \"lapsed\"",
    "lifecycle in [\"active\", \"vip\", \"new\"] or rfm.r = 5",
    "best_send_hour = 20",
    "best_send_hour >= 12 and not (p_alive > 0.5)",
    "p_alive is not set",
    "purchase_probability_30d > 0.1 or expected_purchases_90d >= 0.5",
    "rfm.f >= 4 and rfm.m <= 2 and did purchase in last 400 days",
    "in segment \"risky\" and not in segment \"champions\"",
];

fn set() -> SegmentSet {
    SegmentSet::new([
        (
            "risky".to_string(),
            Segment::parse("churn_risk > 0.5").unwrap(),
        ),
        (
            "champions".to_string(),
            Segment::parse("rfm.segment = \"champions\"").unwrap(),
        ),
    ])
    .unwrap()
}

fn ids(profiles: &[Value], rule: &Segment, opts: &EvalOptions) -> Vec<IdValue> {
    profiles
        .iter()
        .filter(|p| rule.test(p, opts).unwrap())
        .map(|p| IdValue::from_json(&p["id"]).unwrap())
        .collect()
}

#[test]
fn audience_equals_enrich_then_evaluate() {
    let profiles = profiles();
    let o = options(AS_OF);
    let enriched = enrich(&profiles, &o);
    let aud = Audience::from_records(&profiles, &LoadOptions::default()).unwrap();
    let aud_enriched = Audience::from_records(&enriched, &LoadOptions::default()).unwrap();
    let set = set();
    let eval = EvalOptions {
        segments: Some(&set),
        ..EvalOptions::at(o.as_of)
    };
    let mut nonempty = 0;
    for text in RULES {
        let rule = Segment::parse(text).unwrap();
        let want = ids(&enriched, &rule, &eval);
        let got = aud.members(&rule, &eval, 0, usize::MAX).unwrap();
        assert_eq!(got, want, "{text}");
        assert_eq!(
            aud.count(&rule, &eval).unwrap(),
            want.len() as u64,
            "{text}"
        );
        assert_eq!(
            aud_enriched.members(&rule, &eval, 0, usize::MAX).unwrap(),
            want,
            "{text}"
        );
        nonempty += usize::from(!want.is_empty() && want.len() < profiles.len());
    }
    // The rules are not trivially all-or-nothing.
    assert!(nonempty >= RULES.len() - 1, "{nonempty}");
    // One fit for all of them, with the list's parameters.
    let model = aud.derived_model().unwrap();
    let (_, want_model) = derive_fields(&profiles, &o).unwrap();
    assert_eq!(model, want_model);
    // Overlap uses the same fields.
    let a = Segment::parse("churn_risk > 0.7").unwrap();
    let b = Segment::parse("lifecycle = \"lapsed\"").unwrap();
    let regions = aud.overlap(&[a.clone(), b.clone()], &eval).unwrap();
    let both = enriched
        .iter()
        .filter(|p| a.test(p, &eval).unwrap() && b.test(p, &eval).unwrap())
        .count() as u64;
    assert_eq!(
        regions.iter().find(|(i, _)| i == &vec![0, 1]).map(|r| r.1),
        Some(both)
    );
}

#[test]
fn a_new_as_of_refits_and_cached_results_follow() {
    let profiles = profiles();
    let aud = Audience::from_records(&profiles, &LoadOptions::default()).unwrap();
    // A time-independent rule (cached without its asOf) must still follow the fit.
    let rule = Segment::parse("churn_risk > 0.6 or lifecycle = \"churned\"").unwrap();
    for as_of in [AS_OF, "1998-03-31T00:00:00Z", AS_OF, "1998-06-30"] {
        let o = options(as_of);
        let enriched = enrich(&profiles, &o);
        let eval = EvalOptions::at(o.as_of);
        let want = ids(&enriched, &rule, &eval);
        assert_eq!(
            aud.members(&rule, &eval, 0, usize::MAX).unwrap(),
            want,
            "{as_of}"
        );
        assert_eq!(
            aud.derived_model().unwrap()["bgNbd"],
            derive_fields(&profiles, &o).unwrap().1["bgNbd"]
        );
    }
    // A time zone is part of the fit.
    let o = DeriveOptions::new(parse_as_of(AS_OF, Tz::UTC).unwrap(), Tz::Asia__Tokyo);
    let enriched = enrich(&profiles, &o);
    let eval = EvalOptions {
        time_zone: Tz::Asia__Tokyo,
        ..EvalOptions::at(o.as_of)
    };
    assert_eq!(
        aud.members(&rule, &eval, 0, usize::MAX).unwrap(),
        ids(&enriched, &rule, &eval)
    );
}

#[test]
fn derive_fixes_the_fields_and_options() {
    let profiles = profiles();
    let aud = Audience::from_records(&profiles, &LoadOptions::default()).unwrap();
    let mut o = options("1997-06-30");
    o.clv.months = 24;
    o.lifecycle.active_days = 60.0;
    let model = aud.derive(&o).unwrap();
    assert_eq!(model, derive_fields(&profiles, &o).unwrap().1);
    let enriched = enrich(&profiles, &o);
    // Evaluated at another asOf: the fields stay those of `derive`.
    let eval = EvalOptions::at(parse_as_of(AS_OF, Tz::UTC).unwrap());
    for text in RULES.iter().take(8) {
        let rule = Segment::parse(text).unwrap();
        assert_eq!(
            aud.members(&rule, &eval, 0, usize::MAX).unwrap(),
            ids(&enriched, &rule, &eval),
            "{text}"
        );
    }
    assert_eq!(aud.derived_model().unwrap(), model);
    // Back to automatic fits at the evaluation's asOf.
    aud.clear_derived();
    assert!(aud.derived_model().is_none());
    let auto = enrich(&profiles, &options(AS_OF));
    let rule = Segment::parse("lifecycle = \"at_risk\" and predicted_clv > 30").unwrap();
    assert_eq!(
        aud.members(&rule, &eval, 0, usize::MAX).unwrap(),
        ids(&auto, &rule, &eval)
    );
}

#[test]
fn profiles_carrying_a_field_keep_their_own_value() {
    let mut profiles = profiles();
    for (i, p) in profiles.iter_mut().enumerate() {
        match i % 50 {
            0 => p["churn_risk"] = json!(0.99),
            1 => p["churn_risk"] = Value::Null,
            2 => p["rfm"] = json!({"segment": "at_risk"}),
            3 => p["rfm.segment"] = json!("cannot_lose"),
            4 => p["lifecycle"] = json!("lapsed"),
            _ => {}
        }
    }
    let o = options(AS_OF);
    let (fields, _) = derive_fields(&profiles, &o).unwrap();
    let merged: Vec<Value> = profiles
        .iter()
        .zip(&fields)
        .map(|(p, f)| {
            let mut p = p.clone();
            merge_missing(&mut p, f);
            p
        })
        .collect();
    assert_eq!(merged[0]["churn_risk"], 0.99);
    assert_ne!(merged[1]["churn_risk"], Value::Null);
    let aud = Audience::from_records(&profiles, &LoadOptions::default()).unwrap();
    let eval = EvalOptions::at(o.as_of);
    // Automatically, a field that some profiles store is an ordinary
    // attribute (missing = unknown); other fields are derived.
    let stored = Segment::parse("churn_risk > 0.98 or lifecycle = \"lapsed\"").unwrap();
    assert_eq!(
        aud.members(&stored, &eval, 0, usize::MAX).unwrap(),
        ids(&profiles, &stored, &eval)
    );
    let mixed = Segment::parse("churn_risk > 0.98 or predicted_clv > 50").unwrap();
    let only_clv: Vec<Value> = profiles
        .iter()
        .zip(&fields)
        .map(|(p, f)| {
            let mut p = p.clone();
            p["predicted_clv"] = f["predicted_clv"].clone();
            p
        })
        .collect();
    assert_eq!(
        aud.members(&mixed, &eval, 0, usize::MAX).unwrap(),
        ids(&only_clv, &mixed, &eval)
    );
    let x = aud
        .explain(&mixed, &IdValue::Number(3.0), &eval)
        .unwrap()
        .unwrap();
    assert!(x.children[0].inputs.is_none() && x.children[1].inputs.is_some());
    assert_eq!(
        aud.derived_fields(&IdValue::Number(3.0), &eval)
            .unwrap()
            .unwrap()["churn_risk"],
        Value::Null
    );
    // With `derive`, every profile without a value of its own gets the derived one.
    aud.derive(&o).unwrap();
    for text in [
        "churn_risk > 0.98",
        "churn_risk > 0.7 and predicted_clv >= 20",
        "rfm.segment in [\"at_risk\", \"cannot_lose\"]",
        "rfm.r is set",
        "lifecycle = \"lapsed\"",
    ] {
        let rule = Segment::parse(text).unwrap();
        assert_eq!(
            aud.members(&rule, &eval, 0, usize::MAX).unwrap(),
            ids(&merged, &rule, &eval),
            "{text}"
        );
    }
    let fields_of = |id: Value| {
        aud.derived_fields(&IdValue::from_json(&id).unwrap(), &eval)
            .unwrap()
            .unwrap()
    };
    assert_eq!(fields_of(json!(1))["churn_risk"], 0.99);
    assert_eq!(fields_of(json!(2))["churn_risk"], merged[1]["churn_risk"]);
    assert_eq!(fields_of(json!(3))["rfm"], json!({"segment": "at_risk"}));
    assert_eq!(
        DERIVED_FIELDS.len(),
        fields_of(json!(7)).as_object().unwrap().len()
    );
}

#[test]
fn add_events_refits() {
    let profiles: Vec<Value> = profiles().into_iter().take(600).collect();
    let mut aud = Audience::from_records(&profiles, &LoadOptions::default()).unwrap();
    let eval = EvalOptions::at(parse_as_of(AS_OF, Tz::UTC).unwrap());
    let rule = Segment::parse("lifecycle = \"active\" or p_alive > 0.9").unwrap();
    let before = aud.count(&rule, &eval).unwrap();
    let new: Vec<Value> = (1..=300)
        .map(|id| json!({"id": id, "type": "purchase", "at": "1997-09-20T12:00:00Z", "amount": 12.5}))
        .collect();
    aud.add_events(&new, &LoadOptions::default()).unwrap();
    let updated = aud.profiles();
    let want = ids(&enrich(&updated, &options(AS_OF)), &rule, &eval);
    assert_eq!(aud.members(&rule, &eval, 0, usize::MAX).unwrap(), want);
    assert!(want.len() as u64 > before);
}

fn leaves(e: &Explanation) -> Vec<&Explanation> {
    if e.children.is_empty() {
        vec![e]
    } else {
        e.children.iter().flat_map(leaves).collect()
    }
}

#[test]
fn explain_shows_the_inputs_behind_predicted_values() {
    let profiles = profiles();
    let o = options(AS_OF);
    let aud = Audience::from_records(&profiles, &LoadOptions::default()).unwrap();
    let enriched = enrich(&profiles, &o);
    let set = set();
    let eval = EvalOptions {
        segments: Some(&set),
        ..EvalOptions::at(o.as_of)
    };
    let rule = Segment::parse(
        "churn_risk > 0.7 and predicted_clv >= 20 or rfm.segment = \"lost\" or in segment \"risky\" or age > 3",
    )
    .unwrap();
    for (p, e) in profiles.iter().zip(&enriched).step_by(97) {
        let id = IdValue::from_json(&p["id"]).unwrap();
        let x = aud.explain(&rule, &id, &eval).unwrap().unwrap();
        assert_eq!(x.result, rule.evaluate(e, &eval).unwrap(), "{id}");
        let ls = leaves(&x);
        let churn = ls
            .iter()
            .find(|l| l.text.starts_with("churn_risk"))
            .unwrap();
        let inputs = churn.inputs.as_ref().unwrap();
        assert_eq!(inputs["field"], "churn_risk");
        assert_eq!(inputs["value"], e["churn_risk"]);
        let age = ls.iter().find(|l| l.text.starts_with("age")).unwrap();
        assert!(age.inputs.is_none());
        if e["churn_risk"].is_number() {
            assert_eq!(
                churn.actual.as_ref().unwrap(),
                &e["churn_risk"],
                "{}",
                churn.text
            );
            assert!(churn.text.contains("BG/NBD r="), "{}", churn.text);
            assert!(churn.text.contains("customer for"), "{}", churn.text);
            let clv = ls.iter().find(|l| l.text.starts_with("predicted_clv"));
            if let Some(clv) = clv {
                assert!(clv.text.contains("Gamma-Gamma p="), "{}", clv.text);
                assert!(clv.inputs.as_ref().unwrap()["gammaGamma"]["p"].is_number());
            }
        } else {
            assert!(
                churn.text.contains("no purchases as of 1997-09-30"),
                "{}",
                churn.text
            );
        }
    }
    // Customer 1 (purchases on days 0, 17, 213 of 272): the inputs of the text.
    let x = aud
        .explain(
            &Segment::parse("churn_risk > 0.7").unwrap(),
            &IdValue::Number(1.0),
            &eval,
        )
        .unwrap()
        .unwrap();
    let inputs = x.inputs.as_ref().unwrap();
    assert_eq!(
        (
            inputs["frequency"].as_f64(),
            inputs["recency"].as_f64(),
            inputs["T"].as_f64()
        ),
        (Some(2.0), Some(213.0), Some(272.0))
    );
    assert!(x.text.starts_with("churn_risk is 0."), "{}", x.text);
    assert!(
        x.text.contains(
            "(3 purchase days, the last 59 days ago, customer for 272 days; BG/NBD r=0.2426"
        ),
        "{}",
        x.text
    );
    // Unknown id.
    assert!(aud
        .explain(&rule, &IdValue::String("nobody".into()), &eval)
        .unwrap()
        .is_none());
    // Every derived field has a phrase.
    for f in [
        "rfm.segment = \"lost\"",
        "lifecycle = \"x\"",
        "best_send_hour = 3",
        "purchase_probability_30d > 0",
        "expected_purchases_90d > 0",
        "p_alive > 0",
    ] {
        for id in [IdValue::Number(5.0), IdValue::String("lead-0".into())] {
            let x = aud
                .explain(&Segment::parse(f).unwrap(), &id, &eval)
                .unwrap()
                .unwrap();
            assert!(x.inputs.is_some(), "{f}");
            assert!(x.text.contains(" ("), "{}", x.text);
        }
    }
}

#[test]
fn explain_predicted_with_a_predictor_or_given_parameters() {
    let profiles = profiles();
    let o = options(AS_OF);
    let predictor = Predictor::fit(&profiles, &o).unwrap();
    let eval = EvalOptions::at(o.as_of);
    let rule = Segment::parse("churn_risk > 0.7 and rfm.segment in [\"at_risk\", \"cannot_lose\", \"hibernating\", \"lost\"]").unwrap();
    let enriched = enrich(&profiles, &o);
    for (p, e) in profiles.iter().zip(&enriched).take(300) {
        let x = rule.explain_predicted(p, &eval, &predictor, 0).unwrap();
        assert_eq!(x.result, rule.evaluate(e, &eval).unwrap());
        assert_eq!(x.children.len(), 2);
        assert!(x.children.iter().all(|c| c.inputs.is_some()));
    }
    // Without the list: given parameters score BG/NBD and CLV; RFM is unknown.
    let mut given = o.clone();
    given.bg_nbd = predictor.bg_nbd().copied();
    given.gamma_gamma = predictor.gamma_gamma().copied();
    let alone = Predictor::from_params(&given, Some(20));
    let p = &profiles[0];
    let x = rule.explain_predicted(p, &eval, &alone, 0).unwrap();
    let churn = &x.children[0];
    assert_eq!(churn.actual.as_ref(), Some(&enriched[0]["churn_risk"]));
    let rfm = &x.children[1];
    assert_eq!(rfm.result, None);
    assert!(rfm.text.contains("this model has no list"), "{}", rfm.text);
    // A profile carrying its own value keeps it, and no inputs are attached.
    let mut own = p.clone();
    own["churn_risk"] = json!(0.95);
    let x = rule.explain_predicted(&own, &eval, &predictor, 0).unwrap();
    assert_eq!(x.children[0].actual, Some(json!(0.95)));
    assert!(x.children[0].inputs.is_none());
    // A rule without derived fields is a plain explanation.
    let plain = Segment::parse("did purchase").unwrap();
    assert_eq!(
        plain.explain_predicted(p, &eval, &alone, 0).unwrap(),
        plain.explain(p, &eval).unwrap()
    );
}

#[test]
fn bad_purchase_data_is_a_data_error_naming_the_event() {
    let profiles = vec![
        json!({"id": "a", "events": [{"type": "purchase", "at": "2024-01-01T00:00:00Z", "amount": 3}]}),
        json!({"id": "b", "events": [
            {"type": "view", "at": "2024-01-01T00:00:00Z", "amount": "x"},
            {"type": "purchase", "at": "2024-01-02T00:00:00Z", "amount": "12"}]}),
    ];
    let aud = Audience::from_records(&profiles, &LoadOptions::default()).unwrap();
    let eval = EvalOptions::at(parse_as_of("2024-06-01", Tz::UTC).unwrap());
    // Rules without derived fields are unaffected.
    assert_eq!(
        aud.count(&Segment::parse("did purchase").unwrap(), &eval)
            .unwrap(),
        2
    );
    let e = aud
        .count(&Segment::parse("churn_risk > 0.5").unwrap(), &eval)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Data);
    assert_eq!(e.row(), Some(2));
    assert_eq!(e.field(), Some("events[1].amount"));
    assert!(aud.derive(&options("2024-06-01")).is_err());
}
