//! Differential tests: the plan's output equals minijinja's, byte for byte,
//! on generated templates of the subset and generated profiles.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{json, Value as Json};

use super::PLAN_RENDERS;
use crate::content::{Formality, RenderOptions, Template, TemplateOptions};

const RULES: &[&str] = &["ltv > 1000", "did purchase in last 30 days", "city is set"];
const FIELDS: &[&str] = &[
    "first_name",
    "city",
    "ltv",
    "score",
    "flag",
    "note",
    "missing",
    "when",
];
const LOCALES: &[&str] = &[
    "en-US", "de-DE", "tr-TR", "ar-EG", "ja-JP", "nl-NL", "fr-FR",
];

/// A path readable at loop depth `depth` (`x0`, `x1` are loop items).
fn path(depth: usize) -> BoxedStrategy<String> {
    let mut options: Vec<BoxedStrategy<String>> = vec![
        proptest::sample::select(FIELDS)
            .prop_map(str::to_owned)
            .boxed(),
        Just("nested.x".to_owned()).boxed(),
        Just("nested.deep.y".to_owned()).boxed(),
        Just("lang".to_owned()).boxed(),
        Just("dir".to_owned()).boxed(),
        Just("formal".to_owned()).boxed(),
    ];
    if depth > 0 {
        let d = depth - 1;
        options.push(
            proptest::sample::select(vec!["name", "price", "tag", "when", "nope"])
                .prop_map(move |a| format!("x{d}.{a}"))
                .boxed(),
        );
        options.push(
            proptest::sample::select(vec![
                "index",
                "index0",
                "first",
                "last",
                "length",
                "revindex",
                "revindex0",
            ])
            .prop_map(|a| format!("loop.{a}"))
            .boxed(),
        );
    }
    proptest::strategy::Union::new(options).boxed()
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"there\"".to_owned()),
        Just("'<b>&amp;</b>'".to_owned()),
        Just("\"javascript:alert(1)\"".to_owned()),
        Just("0".to_owned()),
        Just("1000".to_owned()),
        Just("2.5".to_owned()),
        Just("true".to_owned()),
        Just("none".to_owned()),
        Just("\"\"".to_owned()),
    ]
}

fn filter() -> impl Strategy<Value = String> {
    prop_oneof![
        literal().prop_map(|l| format!("default({l})")),
        literal().prop_map(|l| format!("d({l}, true)")),
        Just("default".to_owned()),
        Just("money(\"EUR\")".to_owned()),
        Just("money(\"JPY\")".to_owned()),
        Just("money".to_owned()),
        Just("number".to_owned()),
        Just("number(2, 2)".to_owned()),
        Just("percent(1)".to_owned()),
        Just("date(\"long\")".to_owned()),
        Just("date".to_owned()),
        Just("datetime(\"short\")".to_owned()),
        Just("upper".to_owned()),
        Just("title".to_owned()),
        Just("truncate(8)".to_owned()),
        Just("truncate(6, true, \"…\", 0)".to_owned()),
    ]
}

fn emit(depth: usize) -> impl Strategy<Value = String> {
    (
        prop_oneof![4 => path(depth), 1 => literal()],
        proptest::collection::vec(filter(), 0..3),
        proptest::sample::select(vec!["{{ ", "{{- ", "{{"]),
        proptest::sample::select(vec![" }}", " -}}", "}}"]),
    )
        .prop_map(|(p, fs, open, close)| {
            let mut s = format!("{open}{p}");
            for f in fs {
                s.push_str(" | ");
                s.push_str(&f);
            }
            s.push_str(close);
            s
        })
}

fn cond(depth: usize) -> BoxedStrategy<String> {
    let atom = prop_oneof![
        proptest::sample::select(RULES).prop_map(|r| format!("matches(\"{r}\")")),
        path(depth),
        (
            path(depth),
            proptest::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]),
            literal()
        )
            .prop_map(|(p, op, l)| format!("{p} {op} {l}")),
    ];
    atom.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} or {b}")),
            inner.clone().prop_map(|a| format!("not {a}")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
    .boxed()
}

fn text() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![
        "Hi ",
        "<p>",
        "</p>\n",
        " & ",
        "\n  ",
        "café ",
        "\t",
        "{# note #}",
        "{#- trim -#}",
        "\r\n",
    ])
    .prop_map(str::to_owned)
}

/// A template body at loop depth `depth`.
fn body(depth: usize, level: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![3 => text(), 3 => emit(depth)].boxed();
    if level == 0 {
        return proptest::collection::vec(leaf, 0..4)
            .prop_map(|v| v.concat())
            .boxed();
    }
    let ifs = (
        cond(depth),
        body(depth, level - 1),
        proptest::option::of((cond(depth), body(depth, level - 1))),
        proptest::option::of(body(depth, level - 1)),
        proptest::sample::select(vec!["{% ", "{%- "]),
        proptest::sample::select(vec![" %}", " -%}"]),
    )
        .prop_map(|(c, a, elif, otherwise, o, e)| {
            let mut s = format!("{o}if {c}{e}{a}");
            if let Some((c2, b)) = elif {
                s.push_str(&format!("{o}elif {c2}{e}{b}"));
            }
            if let Some(b) = otherwise {
                s.push_str(&format!("{o}else{e}{b}"));
            }
            s.push_str(&format!("{o}endif{e}"));
            s
        });
    let fors = (
        proptest::sample::select(vec!["items", "nested.items", "city", "missing", "tags"]),
        body(depth + 1, level - 1),
    )
        .prop_map(move |(list, b)| format!("{{% for x{depth} in {list} %}}{b}{{% endfor %}}"));
    proptest::collection::vec(prop_oneof![4 => leaf, 2 => ifs, 1 => fors], 0..5)
        .prop_map(|v| v.concat())
        .boxed()
}

fn scalar() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(Json::Null),
        Just(json!("Ana")),
        Just(json!("<script>alert(1)</script>")),
        Just(json!(" javascript:alert(1)")),
        Just(json!("istanbul ijssel o'brien")),
        Just(json!("")),
        Just(json!("2024-02-29")),
        Just(json!("2025-01-30T23:30:00Z")),
        Just(json!("12.5")),
        Just(json!("not a number")),
        Just(json!("Jo \"J\" & co\n\u{e9}")),
        any::<i32>().prop_map(|i| json!(i)),
        (0u64..3000).prop_map(|i| json!(i)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        Just(json!(1e21)),
        Just(json!(0.1)),
        any::<bool>().prop_map(|b| json!(b)),
        Just(json!([1, 2])),
        Just(json!({ "k": 1 })),
    ]
}

fn item() -> impl Strategy<Value = Json> {
    (scalar(), scalar(), scalar(), scalar()).prop_map(|(name, price, tag, when)| {
        json!({ "name": name, "price": price, "tag": tag, "when": when })
    })
}

fn profile() -> impl Strategy<Value = Json> {
    (
        proptest::collection::vec((proptest::sample::select(FIELDS), scalar()), 0..8),
        proptest::option::of(proptest::collection::vec(item(), 0..4)),
        proptest::option::of(scalar()),
        proptest::option::of(proptest::sample::select(LOCALES)),
        any::<bool>(),
    )
        .prop_map(|(fields, items, nested, locale, purchase)| {
            let mut p = serde_json::Map::new();
            for (k, v) in fields {
                if k != "missing" {
                    p.insert(k.to_owned(), v);
                }
            }
            if let Some(items) = items {
                p.insert("items".into(), Json::Array(items.clone()));
                p.insert(
                    "nested".into(),
                    json!({ "x": nested.clone(), "items": items, "deep": { "y": nested } }),
                );
            } else if let Some(n) = nested {
                p.insert("nested".into(), n);
            }
            if let Some(l) = locale {
                p.insert("locale".into(), json!(l));
            }
            if purchase {
                p.insert(
                    "events".into(),
                    json!([{ "type": "purchase", "at": "2025-01-20T10:00:00Z" }]),
                );
            }
            Json::Object(p)
        })
}

/// The result of a render as comparable text (errors by kind and message).
fn outcome(r: crate::Result<String>) -> String {
    match r {
        Ok(s) => format!("ok:{s}"),
        Err(e) => format!("err:{:?}:{}", e.kind(), e.message()),
    }
}

fn check(source: &str, profiles: &[Json], options: &TemplateOptions, currency: Option<&str>) {
    let with_plan = Template::compile_with(source, options).expect("generated templates compile");
    assert!(with_plan.plan.is_some(), "no plan for {source:?}");
    let mut reference = Template::compile_with(source, options).expect("compiles");
    reference.plan = None;
    let mut opts = RenderOptions::at("2025-01-31T12:00:00Z".parse().expect("instant"));
    opts.currency = currency.map(str::to_owned);
    let template_only = with_plan.template_only_keys(None);
    for p in profiles {
        let got = outcome(with_plan.render(p, &opts));
        let want = outcome(reference.render(p, &opts));
        assert_eq!(got, want, "template {source:?}\nprofile {p}");
        // The JS boundary's path: the profile as JSON text, read as a `Doc`.
        let text = serde_json::to_string(p).expect("serializes");
        let got = outcome(with_plan.render_json_with(&text, &template_only, &opts));
        assert_eq!(got, want, "render_json: template {source:?}\nprofile {p}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn plan_renders_what_minijinja_renders(
        source in body(0, 2),
        profiles in proptest::collection::vec(profile(), 1..6),
        currency in proptest::option::of(proptest::sample::select(vec!["EUR", "usd", "XYZ"])),
        formal in any::<bool>(),
    ) {
        let options = TemplateOptions {
            formality: if formal { Formality::all(crate::content::Register::Formal) } else { Formality::default() },
            ..TemplateOptions::default()
        };
        check(&source, &profiles, &options, currency);
    }
}

#[test]
fn the_plan_is_used_for_most_generated_renders() {
    // Guards the property above against a plan that always gives up.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let before = PLAN_RENDERS.with(std::cell::Cell::get);
    let mut renders = 0;
    for _ in 0..200 {
        let source = body(0, 2).new_tree(&mut runner).expect("tree").current();
        let profile = profile().new_tree(&mut runner).expect("tree").current();
        let t = Template::compile(&source).expect("compiles");
        let mut opts = RenderOptions::at("2025-01-31T12:00:00Z".parse().expect("instant"));
        opts.currency = Some("EUR".into());
        let _ = t.render(&profile, &opts);
        renders += 1;
    }
    let used = PLAN_RENDERS.with(std::cell::Cell::get) - before;
    assert!(
        used * 2 > renders,
        "the plan rendered only {used} of {renders}"
    );
}

#[test]
fn the_benchmark_email_has_a_plan_and_renders_the_same() {
    let source = include_str!("../../../tests/data/bench-email.j2");
    let profiles = [
        json!({ "first_name": "Jo \"J\" & co", "ltv": 1500, "signup": "2020-03-04",
                "products": [{ "name": "Tent <2p>", "price": 12.3 }, { "name": "Socks", "price": 5 }] }),
        json!({ "ltv": 10, "signup": "2024-12-31", "city": "Porto",
                "events": [{ "type": "purchase", "at": "2025-01-20T00:00:00Z" }],
                "products": [] }),
        json!({ "products": "not a list" }),
    ];
    let t = Template::compile(source).expect("compiles");
    assert!(t.plan.is_some());
    let mut reference = Template::compile(source).expect("compiles");
    reference.plan = None;
    let mut opts = RenderOptions::at("2025-01-31T12:00:00Z".parse().expect("instant"));
    opts.locale = Some("en-US".into());
    for p in &profiles {
        assert_eq!(
            outcome(t.render(p, &opts)),
            outcome(reference.render(p, &opts))
        );
    }
}

#[test]
fn templates_outside_the_subset_have_no_plan() {
    for source in [
        "{{ profile.first_name }}",
        "{% set x = 1 %}{{ x }}",
        "{{ items | length }}",
        "{{ greeting() }}",
        "{% for x in items if x %}{% endfor %}",
        "{{ a ~ b }}",
        "{{ a[\"b\"] }}",
        "{% raw %}{{ x }}{% endraw %}",
        "{{ \"a\\nb\" }}",
        "{{+ a }}",
        "{% include \"x\" %}",
        "{{ range }}",
        "{{ -1 }}",
        "{{ 007 }}",
    ] {
        let t = Template::compile_with(
            source,
            &TemplateOptions {
                blocks: [("x".to_owned(), "hi".into())].into_iter().collect(),
                ..TemplateOptions::default()
            },
        );
        if let Ok(t) = t {
            assert!(t.plan.is_none(), "{source:?} should not have a plan");
        }
    }
}

#[test]
fn missing_values_in_loops_comparisons_and_attributes_render_as_minijinja_does() {
    let profile = json!({ "nul": null, "s": "ab", "n": 7 });
    for source in [
        "[{% for x in missing %}a{% endfor %}]",
        "[{% for x in nul %}a{% endfor %}]",
        "[{% if missing == 5 %}y{% else %}n{% endif %}]",
        "[{% if nul != \"x\" %}y{% else %}n{% endif %}]",
        "[{% if s == 5 %}y{% else %}n{% endif %}]",
        "[{% if n == \"7\" %}y{% else %}n{% endif %}]",
        "[{{ nul.x }}|{{ s.x }}|{{ missing.x.y }}]",
    ] {
        check(
            source,
            std::slice::from_ref(&profile),
            &TemplateOptions::default(),
            None,
        );
        let t = Template::compile(source).expect("compiles");
        let before = PLAN_RENDERS.with(std::cell::Cell::get);
        let opts = RenderOptions::at("2025-01-31T12:00:00Z".parse().expect("instant"));
        t.render(&profile, &opts).expect("renders");
        assert_eq!(
            PLAN_RENDERS.with(std::cell::Cell::get),
            before + 1,
            "{source}"
        );
    }
}

#[test]
fn render_json_reads_what_segments_of_a_set_read() {
    use crate::rules::SegmentSet;
    let rule = |name: &str, text: &str| {
        (
            name.to_owned(),
            crate::Segment::parse(text).expect("parses"),
        )
    };
    let set =
        SegmentSet::new([rule("vip", "ltv > 1000"), rule("near", "city is set")]).expect("set");
    let source = r#"{% if in_segment("vip") %}VIP {{ first_name }}{% elif in_segment("near") %}{{ city | upper }}{% else %}-{% endif %}"#;
    let t = Template::compile(source).expect("compiles");
    assert!(t.plan.is_some());
    let mut opts = RenderOptions::at("2025-01-31T12:00:00Z".parse().expect("instant"));
    opts.eval.segments = Some(&set);
    let only = t.template_only_keys(Some(&set));
    assert!(!only.iter().any(|k| k == "ltv" || k == "city"), "{only:?}");
    for p in [
        json!({ "ltv": 2000, "first_name": "Ana", "city": "Porto" }),
        json!({ "ltv": 10, "first_name": "Ana", "city": "Porto", "locale": "tr-TR" }),
        json!({ "ltv": 10, "first_name": "Ana" }),
        json!({ "ltv": "x" }),
        json!({ "ltv": 2000, "first_name": "A", "first_name2": "B" }),
    ] {
        let text = serde_json::to_string(&p).expect("serializes");
        assert_eq!(
            outcome(t.render_json_with(&text, &only, &opts)),
            outcome(t.render(&p, &opts)),
            "{p}"
        );
    }
    // Text that is not JSON, or repeats a key, renders as serde_json reads it.
    let repeated = r#"{"ltv": 5, "ltv": 2000, "first_name": "Bo"}"#;
    let value: Json = serde_json::from_str(repeated).expect("serde_json keeps the last");
    assert_eq!(
        outcome(t.render_json(repeated, &opts)),
        outcome(t.render(&value, &opts))
    );
    assert!(t.render_json("{", &opts).is_err());
}
