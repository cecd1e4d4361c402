//! Templates: rendering, segment blocks, filters, variants, checks, limits.

use std::collections::BTreeMap;

use kaleido::{
    Block, ErrorKind, Formality, Register, RenderOptions, Schema, Segment, SegmentSet, Template,
    TemplateOptions,
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
        "$1,234.50|1,234.5|26%|1 item|3 items|March 5, 2024|1&#x2f;31&#x2f;25, 9:05 AM|Ana|ANA|one two..."
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

#[test]
fn filters_use_cldr_data_of_the_subscriber_locale_and_zone() {
    let src = r##"{{ price | money("EUR") }}|{{ big | number }}|{{ rate | percent }}|{{ n | plural(one="# Artikel", other="# Artikel!") }}|{{ day | date("long") }}|{{ at | datetime("short") }}"##;
    let p = |locale: &str| {
        json!({
            "locale": locale, "price": 1234.5, "big": 1234567.891, "rate": 0.256, "n": 1,
            "day": "2025-03-09", "at": "2025-01-31T14:05:00Z", "timeZone": "Asia/Tokyo"
        })
    };
    assert_eq!(
        render(src, p("de-DE")),
        "1.234,50\u{a0}€|1.234.567,891|26\u{a0}%|1 Artikel|9. März 2025|31.01.25, 23:05"
    );
    assert_eq!(
        render(src, p("ja-JP")),
        "€1,234.50|1,234,567.891|26%|1 Artikel!|2025年3月9日|2025&#x2f;01&#x2f;31 23:05"
    );
    // Polish plural categories (few) come from CLDR, not English rules.
    let pl = r##"{{ n | plural(one="# plik", few="# pliki", many="# plików", other="# pliku") }}"##;
    assert_eq!(render(pl, json!({"locale": "pl", "n": 3})), "3 pliki");
    assert_eq!(render(pl, json!({"locale": "pl", "n": 5})), "5 plików");
    // language + country make the locale; the zone falls back to the country's.
    assert_eq!(
        render(
            r#"{{ at | datetime("short") }}|{{ x | number }}"#,
            json!({"language": "pt", "country": "BR", "at": "2025-01-31T14:05:00Z", "x": 1.5})
        ),
        "31&#x2f;01&#x2f;2025, 11:05|1,5"
    );
    // The campaign default locale applies when the profile has none.
    let t = Template::compile(r#"{{ 1234.5 | money("EUR") }}"#).unwrap();
    let mut o = opts();
    o.locale = Some("fr-FR".into());
    assert_eq!(t.render(&json!({}), &o).unwrap(), "1\u{202f}234,50\u{a0}€");
    assert_eq!(
        t.render(&json!({"locale": "de_AT"}), &o).unwrap(),
        "€\u{a0}1\u{a0}234,50"
    );
    // An unknown currency is a render error, not silent output.
    let bad = Template::compile(r#"{{ 5 | money("XYZ") }}"#).unwrap();
    assert!(bad.render(&json!({}), &opts()).is_err());
}

#[test]
fn culture_helpers_holidays_seasons_direction_weeks() {
    // 2025-12-10 in Berlin: Christmas is 15 days away.
    let o = RenderOptions::at("2025-12-10T12:00:00Z".parse().unwrap());
    let t = Template::compile(
        r#"{{ holiday_within("christmas", 21) }} {{ holiday_within("christmas", 10) }} {{ holiday_within("christmas", 30, next=false) }} {{ season() | default("?") }}"#,
    )
    .unwrap();
    let r = |p: Value| t.render(&p, &o).unwrap();
    assert_eq!(r(json!({"country": "DE"})), "True False False winter");
    assert_eq!(r(json!({"country": "AU"})), "True False False summer");
    // Countries without a calendar of their own: the shared holidays of
    // campaign schedules (Christmas in Spain).
    assert_eq!(r(json!({"country": "ES"})), "True False False winter");
    // No holiday data or no country: false; no country: no season.
    assert_eq!(r(json!({"country": "ZZ"})), "False False False winter");
    assert_eq!(r(json!({})), "False False False ?");
    // Mid-autumn 2025 is 6 October in China; the day starts in the subscriber's zone.
    let t = Template::compile(r#"{{ holiday_within("mid_autumn", 1) }}"#).unwrap();
    let o = RenderOptions::at("2025-10-05T17:00:00Z".parse().unwrap());
    assert_eq!(t.render(&json!({"country": "CN"}), &o).unwrap(), "True");
    assert_eq!(
        t.render(&json!({"country": "CN", "timeZone": "UTC"}), &o)
            .unwrap(),
        "False"
    );

    let t = Template::compile(
        r#"<html lang="{{ lang }}" dir="{{ dir }}">{% set w = week_info() %}{{ w.first_day }} {{ w.weekend | join(",") }}"#,
    )
    .unwrap();
    let r = |p: Value| t.render(&p, &opts()).unwrap();
    assert_eq!(
        r(json!({"locale": "ar-EG"})),
        r#"<html lang="ar-EG" dir="rtl">saturday friday,saturday"#
    );
    assert_eq!(
        r(json!({"locale": "he"})),
        r#"<html lang="he" dir="rtl">sunday friday,saturday"#
    );
    assert_eq!(
        r(json!({"language": "fa"})),
        r#"<html lang="fa" dir="rtl">saturday friday"#
    );
    assert_eq!(
        r(json!({"locale": "ur-PK"})),
        r#"<html lang="ur-PK" dir="rtl">sunday saturday,sunday"#
    );
    assert_eq!(
        r(json!({"locale": "de-DE"})),
        r#"<html lang="de-DE" dir="ltr">monday saturday,sunday"#
    );
    assert_eq!(
        r(json!({})),
        r#"<html lang="en" dir="ltr">sunday saturday,sunday"#
    );
    // `dir`, `lang` and `formal` are not profile fields for `check`.
    let schema = Schema::from_json(&json!({"locale": "string"})).unwrap();
    assert!(
        t.check(Some(&schema)).is_empty(),
        "{:?}",
        t.check(Some(&schema))
    );
}

#[test]
fn name_order_and_formality_per_campaign() {
    let src = "{{ greeting() }}|{{ full_name() }}|{{ address() }}|{% if formal %}Sie{% else %}du{% endif %}";
    let informal = Template::compile(src).unwrap();
    let formal_de = Template::compile_with(
        src,
        &TemplateOptions {
            formality: serde_json::from_value::<Formality>(
                json!({"de": "formal", "ja": "formal", "default": "informal"}),
            )
            .unwrap(),
            ..TemplateOptions::default()
        },
    )
    .unwrap();
    let anna =
        json!({"first_name": "Anna", "last_name": "Müller", "gender": "female", "locale": "de-AT"});
    assert_eq!(
        informal.render(&anna, &opts()).unwrap(),
        "Hallo Anna|Anna Müller|Anna|du"
    );
    assert_eq!(
        formal_de.render(&anna, &opts()).unwrap(),
        "Guten Tag Frau Müller|Anna Müller|Frau Müller|Sie"
    );
    // English stays informal with that setting.
    let en = json!({"first_name": "Ann", "last_name": "Lee", "gender": "f"});
    assert_eq!(
        formal_de.render(&en, &opts()).unwrap(),
        "Hi Ann|Ann Lee|Ann|du"
    );
    let all_formal = Template::compile_with(
        src,
        &TemplateOptions {
            formality: Formality::all(Register::Formal),
            ..TemplateOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        all_formal.render(&en, &opts()).unwrap(),
        "Dear Ms. Lee|Ann Lee|Ms. Lee|Sie"
    );
    // Family name first: Japanese, Chinese, Korean, Vietnamese, Hungarian.
    let ja = json!({"first_name": "太郎", "last_name": "山田", "locale": "ja-JP"});
    assert_eq!(
        formal_de.render(&ja, &opts()).unwrap(),
        "山田太郎 様|山田太郎|山田様|Sie"
    );
    let zh = json!({"first_name": "伟", "last_name": "王", "gender": "male", "locale": "zh-CN"});
    assert_eq!(
        all_formal.render(&zh, &opts()).unwrap(),
        "尊敬的王先生|王伟|王先生|Sie"
    );
    let ko = json!({"first_name": "민수", "last_name": "김", "locale": "ko"});
    assert_eq!(
        informal.render(&ko, &opts()).unwrap(),
        "김민수님|김민수|민수|du"
    );
    let vi =
        json!({"first_name": "Văn An", "last_name": "Nguyễn", "gender": "male", "locale": "vi-VN"});
    assert_eq!(
        all_formal.render(&vi, &opts()).unwrap(),
        "Kính gửi Ông Văn An|Nguyễn Văn An|Ông Văn An|Sie"
    );
    let hu = json!({"first_name": "Péter", "last_name": "Kovács", "locale": "hu-HU"});
    assert_eq!(
        informal.render(&hu, &opts()).unwrap(),
        "Kedves Kovács Péter|Kovács Péter|Péter|du"
    );
    // The greeting's own argument still wins.
    let t = Template::compile("{{ greeting(formal=true) }}").unwrap();
    assert_eq!(t.render(&anna, &opts()).unwrap(), "Guten Tag Frau Müller");
    // Bad settings are errors.
    assert!(serde_json::from_value::<Formality>(json!("polite")).is_err());
    assert!(serde_json::from_value::<Formality>(json!({"not a tag!": "formal"})).is_err());
}

#[test]
fn blocks_with_locale_variants_follow_the_fallback_chain() {
    let blocks: BTreeMap<String, Block> = serde_json::from_value(json!({
        "footer": {"locale:de": "Abmelden", "locale:pt-BR": "Cancelar (BR)", "locale:pt": "Cancelar", "default": "Unsubscribe"},
        "legal": {"locale:fr": "Mentions légales"}
    }))
    .unwrap();
    assert!(matches!(blocks["footer"], Block::ByLocale(_)));
    let options = TemplateOptions {
        blocks,
        ..TemplateOptions::default()
    };
    let t = Template::compile_with(r#"{% include "footer" %}|{% include "legal" %}"#, &options)
        .unwrap();
    let r = |p: Value| t.render(&p, &opts()).unwrap();
    assert_eq!(r(json!({"locale": "de-CH"})), "Abmelden|");
    assert_eq!(r(json!({"locale": "pt-BR"})), "Cancelar (BR)|");
    assert_eq!(r(json!({"language": "pt", "country": "AO"})), "Cancelar|");
    assert_eq!(r(json!({"locale": "pt-PT"})), "Cancelar|");
    assert_eq!(
        r(json!({"locale": "fr-CA"})),
        "Unsubscribe|Mentions légales"
    );
    assert_eq!(r(json!({})), "Unsubscribe|");
    // The campaign default locale picks a variant for profiles without one.
    let mut o = opts();
    o.locale = Some("de".into());
    assert_eq!(t.render(&json!({}), &o).unwrap(), "Abmelden|");

    // Variants group by resolved locale and name the block variant shown.
    let profiles = vec![
        json!({"id": 1, "locale": "de-DE"}),
        json!({"id": 2, "locale": "de_DE"}),
        json!({"id": 3, "language": "de", "country": "DE"}),
        json!({"id": 4, "locale": "pt-AO"}),
        json!({"id": 5}),
    ];
    let report = t.variants(&profiles, &opts()).unwrap();
    let keys: Vec<(&str, usize, &str)> = report
        .variants
        .iter()
        .map(|v| (v.key.as_str(), v.count, v.blocks["footer"].as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("/de-DE", 3, "locale:de"),
            ("/en", 1, "default"),
            ("/pt-AO", 1, "locale:pt")
        ]
    );
    assert_eq!(report.variants[0].html, "Abmelden|");
    assert_eq!(report.matrix[1].blocks["legal"], "none");

    // Mixing segment and locale keys, or a bad tag, is an error.
    assert!(serde_json::from_value::<Block>(json!({"vip": "a", "locale:de": "b"})).is_err());
    let bad: BTreeMap<String, Block> =
        serde_json::from_value(json!({"f": {"locale:not a tag": "x"}})).unwrap();
    let err = Template::compile_with(
        "x",
        &TemplateOptions {
            blocks: bad,
            ..TemplateOptions::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Argument, "{err:#}");
}
