//! The fast paths of templates give byte-identical results to the whole
//! path: a profile reduced to `Template::profile_keys` renders exactly as the
//! whole profile does (and as the same template forced to read the whole
//! profile does), and `variants_with` over reduced profiles with stand-in
//! values reports exactly what `variants` over the whole profiles does.

use std::collections::BTreeMap;

use kaleido::{
    Block, Formality, Register, RenderOptions, Segment, SegmentSet, Template, TemplateOptions,
};
use serde_json::{json, Map, Value};

/// The email of bench/template.mjs.
const EMAIL: &str = r#"<!doctype html>
<html>
<body>
<table class="email">
  <tr><td class="header">
    <h1>Hi {{ first_name | default("there") }},</h1>
    <p>Here is what is new near {{ city | default("you") }}.</p>
  </td></tr>
  <tr><td class="offer">
  {% if matches("ltv > 1000") %}
    <h2>Thank you for being a VIP</h2>
  {% elif matches("did purchase in last 30 days") %}
    <h2>Thanks for your recent order</h2>
  {% else %}
    <h2>We miss you</h2>
  {% endif %}
  </td></tr>
  {% for p in products %}
    <tr><td>{{ loop.index }}.</td><td>{{ p.name }}</td><td>{{ p.price | money("EUR") }}</td></tr>
  {% endfor %}
  <p>Member since {{ signup | date("long") }}.</p>
</table>
</body>
</html>
"#;

fn templates() -> Vec<(&'static str, String, TemplateOptions)> {
    let mut blocks = BTreeMap::new();
    blocks.insert(
        "offer".to_owned(),
        Block::BySegment(vec![
            ("vip".to_owned(), "VIP {{ first_name }}".to_owned()),
            (
                "default".to_owned(),
                "Hello {{ city | default('x') }}".to_owned(),
            ),
        ]),
    );
    blocks.insert(
        "legal".to_owned(),
        Block::ByLocale(vec![
            ("de".to_owned(), "Impressum {{ company }}".to_owned()),
            ("default".to_owned(), "Imprint {{ company }}".to_owned()),
        ]),
    );
    blocks.insert(
        "row".to_owned(),
        Block::Source("[{{ item.name }} {{ note }}]".to_owned()),
    );
    let with_blocks = TemplateOptions {
        blocks,
        ..TemplateOptions::default()
    };
    let formal = TemplateOptions {
        formality: Formality {
            default: Register::Informal,
            by_locale: [("de".to_owned(), Register::Formal)].into_iter().collect(),
        },
        ..TemplateOptions::default()
    };
    vec![
        ("email", EMAIL.to_owned(), TemplateOptions::default()),
        (
            "greeting",
            "{{ greeting() }} / {{ address() }} / {{ full_name() }} / {{ greeting(fallback='friend') }} {{ dir }} {{ lang }} {{ formal }}".to_owned(),
            formal.clone(),
        ),
        (
            "nested and markup",
            "<a href=\"{{ url }}\">{{ user.address.city | upper }}</a> {{ bio | safe }} {{ n | number(2) }} {{ share | percent }} {{ at | datetime('short') }} {{ count | plural(one='# item', other='# items') }} {{ tags | join(', ') }}".to_owned(),
            TemplateOptions::default(),
        ),
        (
            "blocks",
            "{% include 'offer' %} {% include 'legal' %} {% for item in products %}{% include 'row' %}{% endfor %} {% if in_segment('de') %}DE{% endif %}".to_owned(),
            with_blocks,
        ),
        (
            "set, macro, conditions on nested fields",
            "{% set who = first_name | default('you') %}{% macro tag(x) %}<b>{{ x }}</b>{% endmacro %}{{ tag(who) }} {% if matches('user.address.city = \"Berlin\"') %}berlin{% endif %}{% if matches('a.b = 1') %}flat{% endif %} {{ title | title }}".to_owned(),
            formal,
        ),
    ]
}

fn profiles() -> Vec<Value> {
    vec![
        json!({}),
        json!({ "id": 1, "first_name": "Ana", "city": "Porto", "ltv": 2000, "signup": "2021-03-04",
                "products": [{ "name": "Tent <2p>", "price": 99.5 }, { "name": "Sock", "price": "3" }],
                "events": [{ "type": "purchase", "at": "2025-01-20T00:00:00Z" }] }),
        json!({ "id": "b", "first_name": "<script>alert(1)</script>", "city": null, "ltv": 10,
                "url": "javascript:alert(1)", "bio": "<i>safe</i>", "user": { "address": { "city": "Berlin" } },
                "events": [{ "type": "purchase", "at": "2025-01-30T10:00:00Z", "amount": 5 }],
                "signup": "2020-02-29", "products": [] }),
        json!({ "id": 3, "first_name": "Anna", "last_name": "Müller", "salutation": "Frau",
                "locale": "de-DE", "country": "DE", "company": "ACME & Co", "n": 1234.5, "share": 0.25,
                "at": "2025-01-31T08:00:00Z", "count": 1, "tags": ["a", "<b>"], "timeZone": "Europe/Berlin",
                "a.b": 1, "title": "dr. müller-lüdenscheidt" }),
        json!({ "id": 4, "first_name": "Hanako", "last_name": "Yamada", "language": "ja", "country": "JP",
                "n": "7", "count": 5, "products": [{ "name": "Ramen", "price": 1200 }], "signup": "2019-12-31",
                "user": { "address": null }, "ltv": "1001", "extra": { "deep": [1, 2, 3] } }),
        json!({ "id": 5, "locale": "ar-EG", "first_name": "\" onmouseover=\"alert(1)", "note": "x'y",
                "products": [{ "name": null, "price": null }, { "price": -0.005 }], "signup": null,
                "country": "eg", "user": { "address": { "city": "berlin" } } }),
        json!({ "id": 6, "locale": "th-TH", "signup": "2025-03-09", "first_name": "สมชาย",
                "products": [{ "name": "A", "price": 1e21 }], "ltv": 1000.5, "gender": "f",
                "time_zone": "Asia/Bangkok", "title": "khun" }),
    ]
}

fn set() -> SegmentSet {
    SegmentSet::new([
        ("vip".to_owned(), Segment::parse("ltv > 1000").unwrap()),
        ("de".to_owned(), Segment::parse("country = \"DE\"").unwrap()),
    ])
    .unwrap()
}

fn pick(profile: &Value, keys: &[String]) -> Value {
    let map = profile.as_object().unwrap();
    let out: Map<String, Value> = keys
        .iter()
        .filter_map(|k| Some((k.clone(), map.get(k)?.clone())))
        .collect();
    Value::Object(out)
}

/// A reduced profile as `Template.variants` builds it in JS: the keys, and
/// `0` for each template-only key that holds a value (`null` kept).
fn reduce(profile: &Value, keys: &[String], marks: &[String]) -> Value {
    let mut out = pick(profile, keys);
    let map = profile.as_object().unwrap();
    for m in marks {
        match map.get(m) {
            Some(Value::Null) => {
                out.as_object_mut().unwrap().insert(m.clone(), Value::Null);
            }
            Some(_) => {
                out.as_object_mut().unwrap().insert(m.clone(), json!(0));
            }
            None => {}
        }
    }
    out
}

#[test]
fn reduced_profiles_render_byte_for_byte_as_whole_ones() {
    let segments = set();
    let mut opts = RenderOptions::at("2025-01-31T12:00:00Z".parse().unwrap());
    opts.eval.segments = Some(&segments);
    opts.locale = Some("en-US".to_owned());
    for (name, source, options) in templates() {
        let t = Template::compile_with(&source, &options).unwrap();
        // The same template forced onto the whole-profile path.
        let whole_source = format!("{{% if false %}}{{{{ profile }}}}{{% endif %}}{source}");
        let whole = Template::compile_with(&whole_source, &options).unwrap();
        assert!(whole.profile_keys(Some(&segments)).is_none());
        let keys = t.profile_keys(Some(&segments)).unwrap();
        for (i, p) in profiles().iter().enumerate() {
            let want = whole.render(p, &opts);
            let got_whole = t.render(p, &opts);
            let got_reduced = t.render(&pick(p, &keys), &opts);
            match want {
                Ok(want) => {
                    assert_eq!(got_whole.unwrap(), want, "{name}, profile {i}");
                    assert_eq!(got_reduced.unwrap(), want, "{name}, profile {i} reduced");
                }
                Err(e) => {
                    assert_eq!(got_whole.unwrap_err().message(), e.message(), "{name} {i}");
                    assert_eq!(
                        got_reduced.unwrap_err().message(),
                        e.message(),
                        "{name} {i}"
                    );
                }
            }
            // Twice: the second render uses kept formatters and locale data.
            assert_eq!(
                t.render(&pick(p, &keys), &opts).ok(),
                whole.render(p, &opts).ok(),
                "{name}, profile {i}, again"
            );
        }
    }
}

#[test]
fn variants_over_reduced_profiles_equal_variants_over_whole_ones() {
    let segments = set();
    let mut opts = RenderOptions::at("2025-01-31T12:00:00Z".parse().unwrap());
    opts.eval.segments = Some(&segments);
    // Many subscribers: every profile repeated with a different id.
    let all: Vec<Value> = (0..40)
        .flat_map(|n| {
            profiles().into_iter().map(move |mut p| {
                p.as_object_mut().unwrap().insert("id".to_owned(), json!(n));
                p
            })
        })
        .collect();
    for (name, source, options) in templates() {
        let t = Template::compile_with(&source, &options).unwrap();
        let keys = t.profile_keys(Some(&segments)).unwrap();
        let marks = t.template_only_keys(Some(&segments));
        let reduced: Vec<Value> = all.iter().map(|p| reduce(p, &keys, &marks)).collect();
        let want = t.variants(&all, &opts).unwrap();
        let got = t
            .variants_with(&reduced, &|row| Ok(all.get(row).cloned()), &opts)
            .unwrap();
        assert_eq!(got, want, "{name}");
        assert!(!want.variants.is_empty());
    }
}

#[test]
fn templates_reading_the_whole_profile_have_no_key_list() {
    for source in [
        "{{ profile }}",
        "{{ profile['first name'] }}",
        "{% for k, v in profile | items %}{{ k }}{% endfor %}",
        "{{ debug() }}",
    ] {
        let t = Template::compile(source).unwrap();
        assert!(t.profile_keys(None).is_none(), "{source}");
        assert!(t.template_only_keys(None).is_empty(), "{source}");
    }
    let t = Template::compile("{{ a }} {{ b.c }} {% if matches('d > 1') %}{% endif %}").unwrap();
    let keys = t.profile_keys(None).unwrap();
    for k in ["a", "b", "d", "locale", "country", "first_name", "id"] {
        assert!(keys.iter().any(|x| x == k), "{k} in {keys:?}");
    }
    assert_eq!(
        t.template_only_keys(None)
            .into_iter()
            .filter(|k| k == "a" || k == "b" || k == "d")
            .collect::<Vec<_>>(),
        vec!["a", "b"]
    );
}
