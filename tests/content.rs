//! Templates: rendering, segment blocks, filters, variants, checks, limits.

use std::collections::BTreeMap;

use kaleido::{
    Block, ErrorKind, RenderOptions, Schema, Segment, SegmentSet, Template, TemplateOptions,
};
use serde_json::{json, Value};

fn at() -> chrono::DateTime<chrono::Utc> {
    "2025-01-31T12:00:00Z".parse().unwrap()
}

fn opts() -> RenderOptions<'static> {
    RenderOptions::at(at())
}

fn render(src: &str, profile: Value) -> String {
    Template::compile(src)
        .unwrap()
        .render(&profile, &opts())
        .unwrap()
}

fn set() -> SegmentSet {
    SegmentSet::new([
        ("vip".to_string(), Segment::parse("ltv > 1000").unwrap()),
        (
            "de".to_string(),
            Segment::parse("country = \"DE\"").unwrap(),
        ),
    ])
    .unwrap()
}

#[test]
fn compiled_once_rendered_many_times_with_fallbacks() {
    let t = Template::compile(r#"Hi {{ first_name | default("there") }}, {{ city }}!"#).unwrap();
    let o = opts();
    assert_eq!(
        t.render(&json!({"first_name": "Ana", "city": "Porto"}), &o)
            .unwrap(),
        "Hi Ana, Porto!"
    );
    assert_eq!(
        t.render(&json!({"first_name": null}), &o).unwrap(),
        "Hi there, !"
    );
    for p in [json!({}), json!({"x": 1})] {
        let out = t.render(&p, &o).unwrap();
        for bad in ["undefined", "None", "none", "null"] {
            assert!(!out.contains(bad), "{out}");
        }
    }
}

#[test]
fn escaping_is_on_by_default() {
    let p = json!({"name": "<script>alert(1)</script>", "url": "\" onmouseover=\"x"});
    let out = render(r#"<a title="{{ url }}">{{ name }}</a>"#, p.clone());
    assert!(!out.contains("<script>"), "{out}");
    assert!(!out.contains("\" onmouseover"), "{out}");
    assert_eq!(render("{{ name | safe }}", p), "<script>alert(1)</script>");
    // Script URLs are defused, whatever their case or padding.
    for url in [
        "javascript:alert(1)",
        " JaVa\tScRiPt:alert(1)",
        "data:text/html,<b>",
        "vbscript:x",
    ] {
        let out = render(r#"<a href="{{ u }}">"#, json!({ "u": url }));
        assert!(out.starts_with("<a href=\"unsafe:"), "{out}");
    }
    assert_eq!(
        render("{{ u }}", json!({"u": "https://x.test/a?b=1"})),
        "https:&#x2f;&#x2f;x.test&#x2f;a?b=1"
    );
    // An unquoted attribute is a check warning.
    let t = Template::compile("<a href={{ u }}>x</a> <p>a={{ b }}</p>").unwrap();
    let found = t.check(None);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, "unquoted-attribute");
    assert_eq!(found[0].column, Some(9));
}

#[test]
fn segment_conditions_use_the_rule_engine_and_options() {
    let src = r#"{% if in_segment("vip") %}VIP{% elif matches("did purchase in last 30 days") %}recent{% else %}other{% endif %}"#;
    let t = Template::compile(src).unwrap();
    let segments = set();
    let mut o = opts();
    o.eval.segments = Some(&segments);
    assert_eq!(t.render(&json!({"ltv": 5000}), &o).unwrap(), "VIP");
    let buyer = json!({"ltv": 10, "events": [{"type": "purchase", "at": "2025-01-20T00:00:00Z"}]});
    assert_eq!(t.render(&buyer, &o).unwrap(), "recent");
    // asOf moves the window: 40 days later the purchase is too old.
    o.eval.as_of = "2025-03-01T00:00:00Z".parse().unwrap();
    assert_eq!(t.render(&buyer, &o).unwrap(), "other");
    // Without a segment set, in_segment is a reference error.
    let err = t.render(&json!({}), &opts()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Reference, "{err:#}");
    assert_eq!(err.line(), Some(1));
}

#[test]
fn rule_literals_are_checked_when_compiling() {
    let err = Template::compile("line\n{% if matches(\"age >= \") %}x{% endif %}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Template);
    assert_eq!(err.line(), Some(2));
    assert!(err.message().contains("matches"), "{err:#}");
    let err = Template::compile("{% if in_segment(name) %}x{% endif %}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Template);
}

#[test]
fn syntax_errors_are_template_errors_with_positions() {
    let err = Template::compile("Hello\n{{ first_name | }}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Template);
    assert_eq!(err.line(), Some(2));
    assert!(err.column().is_some());
    assert!(err.snippet().unwrap().contains('^'), "{err:#}");
}

fn blocks() -> TemplateOptions {
    let mut blocks = BTreeMap::new();
    blocks.insert(
        "footer".to_string(),
        Block::BySegment(vec![
            ("vip".to_string(), "VIP footer {{ first_name }}".to_string()),
            ("default".to_string(), "Standard footer".to_string()),
        ]),
    );
    blocks.insert(
        "sig".to_string(),
        Block::from("-- {{ brand | default(\"Kaleido\") }}"),
    );
    TemplateOptions {
        blocks,
        ..TemplateOptions::default()
    }
}

#[test]
fn named_blocks_with_segment_variants() {
    let t = Template::compile_with(
        r#"Body|{% include "footer" %}|{% include "sig" %}"#,
        &blocks(),
    )
    .unwrap();
    let segments = set();
    let mut o = opts();
    o.eval.segments = Some(&segments);
    assert_eq!(
        t.render(&json!({"ltv": 2000, "first_name": "<i>Li</i>"}), &o)
            .unwrap(),
        "Body|VIP footer &lt;i&gt;Li&lt;&#x2f;i&gt;|-- Kaleido"
    );
    assert_eq!(
        t.render(&json!({"ltv": 1}), &o).unwrap(),
        "Body|Standard footer|-- Kaleido"
    );
}

#[test]
fn filters_format_in_the_subscriber_locale() {
    let p = json!({
        "first_name": "ana", "price": 1234.5, "n": 1, "m": 3, "rate": 0.256,
        "signup": "2024-03-05", "last_login": "2025-01-31T14:05:00Z",
        "timeZone": "America/New_York", "bio": "one two three four five six seven"
    });
    let src = r##"{{ price | money("USD") }}|{{ price | number }}|{{ rate | percent }}|{{ n | plural(one="# item", other="# items") }}|{{ m | plural(one="# item", other="# items") }}|{{ signup | date("long") }}|{{ last_login | datetime("short") }}|{{ first_name | title }}|{{ first_name | upper }}|{{ bio | truncate(15) }}"##;
    assert_eq!(
        render(src, p),
        "$1,234.50|1,234.5|26%|1 item|3 items|March 5, 2024|1&#x2f;31&#x2f;25, 9:05\u{202f}AM|Ana|ANA|one two..."
    );
    // Locale-correct case mapping comes from the profile's locale.
    assert_eq!(
        render(
            "{{ c | upper }}",
            json!({"c": "istanbul", "locale": "tr-TR"})
        ),
        "İSTANBUL"
    );
    // Missing values give the fallback, not an error.
    assert_eq!(
        render(
            r#"{{ price | money("EUR") | default("none given") }}"#,
            json!({})
        ),
        "none given"
    );
    // The currency render option.
    let t = Template::compile("{{ 5 | money }}").unwrap();
    let mut o = opts();
    o.currency = Some("EUR".into());
    assert_eq!(t.render(&json!({}), &o).unwrap(), "€5.00");
}

#[test]
fn greeting_respects_order_and_formality() {
    let src = "{{ greeting() }} / {{ profile | greeting(formal=true) }}";
    let p = json!({"first_name": "Hanako", "last_name": "Yamada", "locale": "ja"});
    assert_eq!(render(src, p), "Yamadaさん / Yamada Hanako 様");
    assert_eq!(
        render(src, json!({"first_name": "Ana"})),
        "Hi Ana / Dear Ana"
    );
    assert_eq!(render("{{ greeting() }}", json!({})), "Hi there");
}

#[test]
fn loops_with_index() {
    let p = json!({"products": [{"name": "A", "price": 10}, {"name": "B", "price": 2.5}]});
    assert_eq!(
        render(
            r#"{% for p in products %}{{ loop.index }}.{{ p.name }} {{ p.price | money("EUR") }};{% endfor %}"#,
            p
        ),
        "1.A €10.00;2.B €2.50;"
    );
}

#[test]
fn limits_on_steps_recursion_and_output() {
    let small = TemplateOptions {
        fuel: 1_000,
        ..TemplateOptions::default()
    };
    let t =
        Template::compile_with("{% for i in range(50000) %}{{ i }}{% endfor %}", &small).unwrap();
    assert_eq!(
        t.render(&json!({}), &opts()).unwrap_err().kind(),
        ErrorKind::Limit
    );

    let t = Template::compile("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}").unwrap();
    let err = t.render(&json!({}), &opts()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit, "{err:#}");

    let capped = TemplateOptions {
        max_output: 1000,
        ..TemplateOptions::default()
    };
    let t =
        Template::compile_with("{% for i in range(200) %}{{ s }}{% endfor %}", &capped).unwrap();
    let err = t.render(&json!({"s": "0123456789"}), &opts()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit, "{err:#}");
    assert!(t.render(&json!({"s": "x"}), &opts()).is_ok());

    let mut blocks = BTreeMap::new();
    blocks.insert("a".to_string(), Block::from("{% include \"a\" %}"));
    let t = Template::compile_with(
        "{% include \"a\" %}",
        &TemplateOptions {
            blocks,
            ..TemplateOptions::default()
        },
    )
    .unwrap();
    let err = t.render(&json!({}), &opts()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit, "{err:#}");
}

#[test]
fn check_reports_fields_filters_and_impossible_branches() {
    let schema = Schema::from_json(&json!({"first_name": "string", "age": "number"})).unwrap();
    let src = "Hi {{ frist_name }}\n{{ age | monye }}\n{% if matches(\"age > 60 and age < 20\") %}never{% endif %}";
    let t = Template::compile(src).unwrap();
    let found = t.check(Some(&schema));
    let codes: Vec<&str> = found.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["unknown-field", "unknown-filter", "always-false"],
        "{found:?}"
    );
    assert!(
        found[0].message.contains("did you mean \"first_name\""),
        "{}",
        found[0].message
    );
    assert_eq!((found[0].line, found[0].column), (Some(1), Some(7)));
    assert!(found[1].message.contains("money"), "{}", found[1].message);
    assert_eq!(found[1].line, Some(2));
    assert_eq!(found[2].line, Some(3));
    assert!(
        found[2].message.contains("can never be shown"),
        "{}",
        found[2].message
    );
    // Without a schema fields are not judged; the filter and the rule still are.
    assert_eq!(t.check(None).len(), 2);
    // Filters and loop variables are not fields.
    let t = Template::compile("{% for p in items %}{{ p.name | upper }}{% endfor %}").unwrap();
    let schema = Schema::from_json(&json!({"items": "string[]"})).unwrap();
    assert!(t.check(Some(&schema)).is_empty());
}

#[test]
fn variants_group_by_condition_outcomes_and_locale() {
    let src = r#"{{ first_name | default("there") }}: {% if in_segment("vip") %}VIP{% if matches("age > 40") %} senior{% endif %}{% else %}regular{% endif %} {% include "footer" %}"#;
    let t = Template::compile_with(src, &blocks()).unwrap();
    let segments = set();
    let mut o = opts();
    o.eval.segments = Some(&segments);
    let mut profiles = Vec::new();
    for i in 0..100 {
        let mut p = json!({"id": i, "ltv": if i % 4 == 0 { 5000 } else { 10 }, "age": if i % 2 == 0 { 50 } else { 30 }});
        if i % 10 != 0 {
            p["first_name"] = json!(format!("N{i}"));
        }
        if i >= 90 {
            p["locale"] = json!("de");
        }
        profiles.push(p);
    }
    let report = t.variants(&profiles, &o).unwrap();
    let total: usize = report.variants.iter().map(|v| v.count).sum();
    assert_eq!(total, 100);
    // vip (i % 4 == 0: all even, so age 50) -> "VIP senior"; non-vip: age is not consulted.
    let en_regular = report.variants.iter().find(|v| v.key == "0-/en").unwrap();
    assert_eq!(en_regular.count, 67);
    assert_eq!(
        en_regular.conditions,
        ["not in segment \"vip\"", "locale = \"en\""]
    );
    assert!(
        en_regular.html.contains("regular Standard footer"),
        "{}",
        en_regular.html
    );
    assert_eq!(en_regular.blocks["footer"], "default");
    let en_vip = report.variants.iter().find(|v| v.key == "11/en").unwrap();
    assert_eq!(en_vip.count, 23);
    assert!(
        en_vip.html.contains("VIP senior VIP footer"),
        "{}",
        en_vip.html
    );
    assert_eq!(
        en_vip.conditions,
        ["in segment \"vip\"", "age > 40", "locale = \"en\""]
    );
    assert_eq!(en_vip.sample_id, json!(0));
    // i = 0, 20, 40, 60, 80 are vip and lack first_name: 5 of 23.
    let w = en_vip
        .warnings
        .iter()
        .find(|w| w.message.starts_with("first_name"))
        .unwrap();
    assert_eq!(w.code, "missing-field");
    assert!(
        w.message
            .starts_with("first_name missing for 22% (5 of 23)"),
        "{}",
        w.message
    );
    assert!(w.message.contains("they get \"there\""), "{}", w.message);
    assert_eq!(report.variants.len(), 4);
    assert_eq!(report.matrix.len(), 4);
    assert_eq!(report.matrix[0].key, report.variants[0].key);
    // Nobody is unreached here; a segment nobody is in is reported.
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let young: Vec<Value> = profiles
        .iter()
        .map(|p| json!({"id": p["id"], "ltv": 1, "age": 20}))
        .collect();
    let report = t.variants(&young, &o).unwrap();
    assert_eq!(report.variants.len(), 1);
    let codes: Vec<&str> = report.warnings.iter().map(|w| w.code).collect();
    assert_eq!(
        codes,
        ["unreached-branch", "unreached-branch"],
        "{:?}",
        report.warnings
    );
    assert!(report.warnings[0]
        .message
        .contains("in_segment(\"vip\") holds for no subscriber"));
}

#[test]
fn variants_render_once_per_group_and_report_bad_rows() {
    let t = Template::compile(r#"{% if matches("age > 40") %}old{% endif %}"#).unwrap();
    let profiles = vec![json!({"age": 50}), json!([1])];
    let err = t.variants(&profiles, &opts()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Argument);
    assert_eq!(err.row(), Some(2));
    // Unknown (missing age) is not membership: same group as false.
    let report = t
        .variants(
            &[
                json!({"age": 50, "id": "a"}),
                json!({"id": "b"}),
                json!({"age": 1, "id": "c"}),
            ],
            &opts(),
        )
        .unwrap();
    assert_eq!(report.variants.len(), 2);
    assert_eq!(report.variants[0].count, 2);
    assert_eq!(report.variants[0].sample_id, json!("b"));
    assert_eq!(report.variants[0].conditions, ["not (age > 40)"]);
}
