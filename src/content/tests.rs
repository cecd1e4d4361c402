use super::*;
use serde_json::json;

fn opts() -> RenderOptions<'static> {
    RenderOptions::at("2025-01-31T12:00:00Z".parse().unwrap())
}

fn render(src: &str, profile: serde_json::Value) -> String {
    Template::compile(src)
        .unwrap()
        .render(&profile, &opts())
        .unwrap()
}

#[test]
fn missing_and_null_print_nothing_or_the_fallback() {
    let src = r#"Hello {{ first_name | default("there") }}"#;
    assert_eq!(render(src, json!({ "first_name": "Ana" })), "Hello Ana");
    assert_eq!(render(src, json!({})), "Hello there");
    assert_eq!(render(src, json!({ "first_name": null })), "Hello there");
    assert_eq!(
        render("[{{ a }}|{{ b }}|{{ c.d.e }}]", json!({ "b": null })),
        "[||]"
    );
}

#[test]
fn html_is_escaped_unless_safe() {
    let p = json!({ "name": "<b>Ana & Co</b>" });
    assert_eq!(
        render("{{ name }}", p.clone()),
        "&lt;b&gt;Ana &amp; Co&lt;&#x2f;b&gt;"
    );
    assert_eq!(render("{{ name | safe }}", p), "<b>Ana & Co</b>");
}

#[test]
fn runaway_loops_hit_the_fuel_limit() {
    let options = TemplateOptions {
        fuel: 1_000,
        ..TemplateOptions::default()
    };
    let t =
        Template::compile_with("{% for i in range(50000) %}{{ i }}{% endfor %}", &options).unwrap();
    let err = t.render(&json!({}), &opts()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit, "{err:#}");
}
