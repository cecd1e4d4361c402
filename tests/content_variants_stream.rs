//! `Template::variants` groups profiles one at a time: the report over a
//! slice, over the JSON text of the list (`variants_json`, what WASM reads)
//! and over reduced profiles agree, and agree with an independent recount
//! through the public API (`Segment::test` per condition and profile, the
//! profile's locale), on generated profiles with nulls, missing fields,
//! several locales, `in_segment` through a segment set and unknown values.

use kaleido::{RenderOptions, Segment, SegmentSet, Template, TemplateOptions};
use serde_json::{json, Map, Value};

const SOURCE: &str = r#"<h1>Hi {{ first_name | default("there") }} from {{ city | default("here") }}</h1>
{% if matches("ltv > 1000") %}VIP{% elif matches("did purchase in last 30 days") %}recent{% else %}other{% endif %}
{% if in_segment("de") %}{{ company }}{% endif %}
{% if matches("age >= 18 and not (plan = \"free\")") %}adult paying{% endif %}
{% include "legal" %}"#;

fn template() -> Template {
    let mut blocks = std::collections::BTreeMap::new();
    blocks.insert(
        "legal".to_owned(),
        kaleido::Block::ByLocale(vec![
            ("de".to_owned(), "Impressum".to_owned()),
            ("fr".to_owned(), "Mentions".to_owned()),
            ("default".to_owned(), "Imprint".to_owned()),
        ]),
    );
    let options = TemplateOptions {
        blocks,
        ..TemplateOptions::default()
    };
    Template::compile_with(SOURCE, &options).unwrap()
}

fn set() -> SegmentSet {
    SegmentSet::new([(
        "de".to_owned(),
        Segment::parse("country = \"DE\" or locale = \"de-AT\"").unwrap(),
    )])
    .unwrap()
}

/// A deterministic generator (an LCG), as bench/template.mjs uses.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a>(&mut self, items: &'a [Value]) -> &'a Value {
        let i = (self.next() * items.len() as f64) as usize;
        &items[i.min(items.len() - 1)]
    }
}

fn profiles(n: usize, seed: u64) -> Vec<Value> {
    let mut r = Rng(seed);
    let locales = [
        json!("de-DE"),
        json!("de-AT"),
        json!("fr-CA"),
        json!("en"),
        json!("not a locale !!"),
        json!(7),
        Value::Null,
    ];
    let countries = [json!("DE"), json!("fr"), json!("US"), json!(null), json!(3)];
    let languages = [json!("fr"), json!("pt"), json!("en"), json!(null)];
    let plans = [json!("free"), json!("pro"), json!(null), json!(1)];
    (0..n)
        .map(|i| {
            let mut p = Map::new();
            match i % 7 {
                0 => {}
                1 => {
                    p.insert("id".into(), json!(format!("s{i}")));
                }
                _ => {
                    p.insert("id".into(), json!(i));
                }
            }
            let maybe = |p: &mut Map<String, Value>, key: &str, v: Value, r: &mut Rng| {
                let x = r.next();
                if x < 0.15 {
                    p.insert(key.into(), Value::Null);
                } else if x < 0.75 {
                    p.insert(key.into(), v);
                }
            };
            maybe(&mut p, "ltv", json!((r.next() * 3000.0).round()), &mut r);
            maybe(&mut p, "age", json!((r.next() * 70.0).round()), &mut r);
            let plan = r.pick(&plans).clone();
            maybe(&mut p, "plan", plan, &mut r);
            maybe(
                &mut p,
                "first_name",
                json!(["Ana", "<b>Bo</b>"][i % 2]),
                &mut r,
            );
            maybe(&mut p, "city", json!("Porto"), &mut r);
            maybe(&mut p, "company", json!("ACME & Co"), &mut r);
            let locale = r.pick(&locales).clone();
            maybe(&mut p, "locale", locale, &mut r);
            let language = r.pick(&languages).clone();
            maybe(&mut p, "language", language, &mut r);
            let country = r.pick(&countries).clone();
            maybe(&mut p, "country", country, &mut r);
            let events: Vec<Value> = (0..(r.next() * 4.0) as usize)
                .map(|_| {
                    let day = (r.next() * 60.0) as u32;
                    let at = if r.next() < 0.2 {
                        // A date, and events after asOf.
                        format!("2025-{:02}-{:02}", 1 + day / 31, 1 + day % 28)
                    } else {
                        format!("2025-01-{:02}T10:00:00Z", 1 + day % 31)
                    };
                    let ty = if r.next() < 0.6 { "purchase" } else { "open" };
                    json!({ "type": ty, "at": at, "amount": day })
                })
                .collect();
            if !events.is_empty() || r.next() < 0.5 {
                p.insert("events".into(), Value::Array(events));
            }
            Value::Object(p)
        })
        .collect()
}

fn options(segments: &SegmentSet) -> RenderOptions<'_> {
    let mut opts = RenderOptions::at("2025-01-31T12:00:00Z".parse().unwrap());
    opts.eval.segments = Some(segments);
    opts.locale = Some("en-US".to_owned());
    opts
}

/// The reduced profile `Template.variants` builds in JS (src/wasm/pick.js).
fn reduce(p: &Value, keys: &[String], marks: &[String]) -> Value {
    let map = p.as_object().unwrap();
    let mut out: Map<String, Value> = keys
        .iter()
        .filter_map(|k| Some((k.clone(), map.get(k)?.clone())))
        .collect();
    for k in marks {
        if let Some(v) = out.get_mut(k) {
            if !v.is_null() {
                *v = json!(0);
            }
        }
    }
    Value::Object(out)
}

#[test]
fn slice_json_text_and_reduced_profiles_give_the_same_report() {
    let segments = set();
    let opts = options(&segments);
    let t = template();
    let all = profiles(3000, 11);
    let want = t.variants(&all, &opts).unwrap();
    let text = serde_json::to_string(&all).unwrap();
    let got = t.variants_json(&text, &|_| Ok(None), &opts).unwrap();
    assert_eq!(got, want);
    let keys = t.profile_keys(Some(&segments)).unwrap();
    let marks = t.template_only_keys(Some(&segments));
    let reduced: Vec<Value> = all.iter().map(|p| reduce(p, &keys, &marks)).collect();
    let whole = |row: usize| Ok(all.get(row).cloned());
    assert_eq!(t.variants_with(&reduced, &whole, &opts).unwrap(), want);
    let text = serde_json::to_string(&reduced).unwrap();
    assert_eq!(t.variants_json(&text, &whole, &opts).unwrap(), want);
    // Several locales and every condition outcome are exercised.
    assert!(want.variants.len() >= 8, "{:?}", want.variants.len());
    assert!(want.variants.iter().any(|v| v.locale.starts_with("de")));
    assert!(want.variants.iter().any(|v| !v.warnings.is_empty()));
}

#[test]
fn counts_samples_and_keys_match_an_independent_recount() {
    let segments = set();
    let opts = options(&segments);
    let t = template();
    let all = profiles(2500, 5);
    let report = t.variants(&all, &opts).unwrap();
    let conditions: Vec<Segment> = t
        .conditions()
        .into_iter()
        .map(|(kind, text)| match kind {
            kaleido::ConditionKind::InSegment => {
                Segment::parse(&format!("in segment {text:?}")).unwrap()
            }
            kaleido::ConditionKind::Rule => Segment::parse(text).unwrap(),
        })
        .collect();
    let rows: Vec<(String, String)> = all
        .iter()
        .map(|p| {
            let bits: String = conditions
                .iter()
                .map(|c| {
                    if c.test(p, &opts.eval).unwrap() {
                        '1'
                    } else {
                        '0'
                    }
                })
                .collect();
            let locale = kaleido::locale::profile_locale(p).unwrap_or_else(|| "en-US".into());
            (bits, locale)
        })
        .collect();
    let fits = |key: &str, (bits, locale): &(String, String)| {
        let (pattern, want_locale) = key.split_once('/').unwrap();
        want_locale == locale
            && pattern
                .chars()
                .zip(bits.chars())
                .all(|(p, b)| p == '-' || p == b)
    };
    let mut total = 0;
    for v in &report.variants {
        let members: Vec<usize> = (0..all.len()).filter(|i| fits(&v.key, &rows[*i])).collect();
        assert_eq!(v.count, members.len(), "{}", v.key);
        let first = members[0];
        assert_eq!(
            v.sample_id,
            all[first].get("id").cloned().unwrap_or(Value::Null),
            "{}",
            v.key
        );
        let missing = members
            .iter()
            .filter(|i| all[**i].get("first_name").is_none_or(Value::is_null))
            .count();
        let said = v
            .warnings
            .iter()
            .any(|w| w.message.contains("first_name missing for"));
        assert_eq!(said, missing > 0, "{}", v.key);
        if missing > 0 {
            assert!(v
                .warnings
                .iter()
                .any(|w| w.message.contains(&format!("({missing} of {})", v.count))));
        }
        total += v.count;
    }
    assert_eq!(total, all.len());
    assert_eq!(report.total, all.len());
}

#[test]
fn bad_rows_are_the_same_error_on_every_path() {
    let segments = set();
    let opts = options(&segments);
    let t = template();
    let mut all = profiles(300, 3);
    all[120] = json!({ "id": 1, "events": [{ "type": "purchase", "at": "yesterday" }] });
    let want = t.variants(&all, &opts).unwrap_err();
    assert_eq!(want.row(), Some(121));
    assert_eq!(want.field(), Some("events[0].at"));
    let text = serde_json::to_string(&all).unwrap();
    let got = t.variants_json(&text, &|_| Ok(None), &opts).unwrap_err();
    assert_eq!(format!("{got:#}"), format!("{want:#}"));
    all[120] = json!("not an object");
    let want = t.variants(&all, &opts).unwrap_err();
    assert_eq!(want.row(), Some(121));
    let text = serde_json::to_string(&all).unwrap();
    let got = t.variants_json(&text, &|_| Ok(None), &opts).unwrap_err();
    assert_eq!(format!("{got:#}"), format!("{want:#}"));
    // Text that is not an array of profiles.
    let err = t
        .variants_json("{\"a\": 1}", &|_| Ok(None), &opts)
        .unwrap_err();
    assert_eq!(err.kind(), kaleido::ErrorKind::Argument);
    let empty = t.variants_json("[]", &|_| Ok(None), &opts).unwrap();
    assert_eq!(empty, t.variants(&[], &opts).unwrap());
}

#[test]
fn an_audience_reduced_to_the_template_keys_gives_the_same_report() {
    // What `Template.variants(audience)` does in WASM: the audience writes
    // its profiles reduced to `profile_keys`, and samples render from them.
    let segments = set();
    let opts = options(&segments);
    let t = template();
    let ndjson: String = profiles(2000, 5)
        .into_iter()
        .enumerate()
        .map(|(i, mut p)| {
            // An audience needs an id on every profile.
            p["id"] = json!(i);
            // ... and fields no template reads, which the reduced read leaves out.
            p["crm_notes"] = json!(format!("note {i} about this subscriber"));
            format!("{p}\n")
        })
        .collect();
    let audience = kaleido::Audience::from_ndjson(ndjson.as_bytes(), &Default::default()).unwrap();
    let want = t.variants(&audience.profiles(), &opts).unwrap();
    let keys = t.profile_keys(Some(&segments)).unwrap();
    let text = audience.profiles_json(Some(&keys)).unwrap();
    assert!(text.len() < audience.profiles_json(None).unwrap().len());
    let got = t.variants_json(&text, &|_| Ok(None), &opts).unwrap();
    assert_eq!(got, want);
    assert!(want.variants.len() >= 8, "{:?}", want.variants.len());
}
