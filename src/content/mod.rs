//! Dynamic content: Jinja templates (minijinja) rendered with one profile.
//!
//! A [`Template`] is compiled once and rendered many times. Every template
//! HTML-escapes what it prints (`{{ value | safe }}` opts out), a missing or
//! `null` attribute prints as nothing (or its `default(...)`), never as
//! `undefined` or `none`, and each render runs on a fuel budget so a runaway
//! loop is an [`ErrorKind::Limit`] error instead of a hang.

use std::collections::BTreeMap;

use minijinja::value::{Rest, Value};
use minijinja::{AutoEscape, Environment, State, UndefinedBehavior};

use crate::error::{Error, ErrorKind, Result, Span};

/// The name the main template is registered under (blocks may not use it).
const MAIN: &str = "<template>";

/// Instructions one render may execute before it stops with a `limit` error.
pub const DEFAULT_FUEL: u64 = 1_000_000;

/// Options of [`Template::compile`].
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateOptions {
    /// Named templates the main one can `{% include "name" %}`, `{% import %}`
    /// or `{% extends %}`.
    pub blocks: BTreeMap<String, String>,
    /// Instruction budget of one render ([`DEFAULT_FUEL`] by default).
    pub fuel: u64,
}

impl Default for TemplateOptions {
    fn default() -> Self {
        TemplateOptions {
            blocks: BTreeMap::new(),
            fuel: DEFAULT_FUEL,
        }
    }
}

/// A compiled template.
///
/// ```
/// use kaleido::Template;
/// use serde_json::json;
///
/// let t = Template::compile(r#"Hello {{ first_name | default("there") }}"#).unwrap();
/// assert_eq!(t.render(&json!({ "first_name": "Ana" })).unwrap(), "Hello Ana");
/// assert_eq!(t.render(&json!({})).unwrap(), "Hello there");
/// ```
#[derive(Debug)]
pub struct Template {
    env: Environment<'static>,
}

impl Template {
    /// Compiles `source` with default options. Syntax errors are
    /// [`ErrorKind::Template`] with line, column and snippet.
    pub fn compile(source: &str) -> Result<Template> {
        Template::compile_with(source, &TemplateOptions::default())
    }

    /// Compiles `source` together with the named `blocks` of `options`.
    pub fn compile_with(source: &str, options: &TemplateOptions) -> Result<Template> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_formatter(|out, state, value| {
            let value = if value.is_none() {
                &Value::UNDEFINED
            } else {
                value
            };
            minijinja::escape_formatter(out, state, value)
        });
        env.add_filter("default", default_filter);
        env.add_filter("d", default_filter);
        env.set_fuel(Some(options.fuel));
        env.set_debug(true);
        for (name, block) in &options.blocks {
            if name == MAIN {
                return Err(Error::new(
                    ErrorKind::Argument,
                    format!("{MAIN:?} is reserved and cannot name a block"),
                ));
            }
            env.add_template_owned(name.clone(), block.clone())
                .map_err(|e| template_error(&e, block))?;
        }
        env.add_template_owned(MAIN, source.to_owned())
            .map_err(|e| template_error(&e, source))?;
        Ok(Template { env })
    }

    /// Renders with `profile`: its keys are top-level variables, and the whole
    /// object is also `profile` (so `{{ profile["first name"] }}` works).
    pub fn render(&self, profile: &serde_json::Value) -> Result<String> {
        if !profile.is_object() {
            return Err(Error::new(
                ErrorKind::Argument,
                "a profile must be an object",
            ));
        }
        let profile = Value::from_serialize(profile);
        let ctx = minijinja::context! { profile => profile.clone(), ..profile };
        let template = self
            .env
            .get_template(MAIN)
            .map_err(|e| Error::new(ErrorKind::Template, e.to_string()))?;
        template.render(ctx).map_err(|e| {
            let source = e
                .name()
                .and_then(|name| self.env.get_template(name).ok())
                .map(|t| t.source().to_owned())
                .unwrap_or_default();
            template_error(&e, &source)
        })
    }
}

/// `default(value, fallback = "", boolean = false)`: like Jinja's, but `none`
/// (a JSON `null`) counts as missing too, as marketers expect.
fn default_filter(
    _state: &State,
    value: &Value,
    args: Rest<Value>,
) -> std::result::Result<Value, minijinja::Error> {
    if args.len() > 2 {
        return Err(minijinja::Error::from(
            minijinja::ErrorKind::TooManyArguments,
        ));
    }
    let fallback = args.first().cloned().unwrap_or_else(|| Value::from(""));
    let boolean = match args.get(1) {
        Some(b) => b.is_true(),
        None => false,
    };
    if value.is_undefined() || value.is_none() || (boolean && !value.is_true()) {
        Ok(fallback)
    } else {
        Ok(value.clone())
    }
}

/// Converts a minijinja error; `source` is the text of the template it names.
fn template_error(e: &minijinja::Error, source: &str) -> Error {
    let kind = match e.kind() {
        minijinja::ErrorKind::OutOfFuel => ErrorKind::Limit,
        _ => ErrorKind::Template,
    };
    let mut message = e
        .detail()
        .map_or_else(|| e.kind().to_string(), |d| format!("{}: {d}", e.kind()));
    if let Some(name) = e.name().filter(|n| *n != MAIN) {
        message.push_str(&format!(" (in block {name:?})"));
    }
    let err = Error::new(kind, message);
    match (e.range(), e.line()) {
        (Some(range), _) if range.start <= source.len() => {
            err.with_span(source, Span::locate(source, range.start, range.end))
        }
        (_, Some(line)) => {
            let start = source
                .split_inclusive('\n')
                .take(line.saturating_sub(1))
                .map(str::len)
                .sum();
            err.with_span(source, Span::locate(source, start, start))
        }
        _ => err,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(src: &str, profile: serde_json::Value) -> String {
        Template::compile(src).unwrap().render(&profile).unwrap()
    }

    #[test]
    fn slice_with_and_without_the_field() {
        let src = r#"Hello {{ first_name | default("there") }}"#;
        assert_eq!(render(src, json!({ "first_name": "Ana" })), "Hello Ana");
        assert_eq!(render(src, json!({})), "Hello there");
        assert_eq!(render(src, json!({ "first_name": null })), "Hello there");
    }

    #[test]
    fn missing_and_null_print_nothing() {
        assert_eq!(
            render("[{{ a }}|{{ b }}|{{ c.d.e }}]", json!({ "b": null })),
            "[||]"
        );
        assert_eq!(
            render("{{ profile.first_name }}", json!({ "first_name": "Bo" })),
            "Bo"
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
    fn boolean_default_replaces_empty_strings() {
        let src = r#"{{ city | default("your city", true) }}"#;
        assert_eq!(render(src, json!({ "city": "" })), "your city");
        assert_eq!(render(src, json!({ "city": "Hanoi" })), "Hanoi");
    }

    #[test]
    fn blocks_are_includable_by_name() {
        let options = TemplateOptions {
            blocks: BTreeMap::from([(
                "greeting".to_string(),
                "Hi {{ first_name | default(\"friend\") }}".to_string(),
            )]),
            ..TemplateOptions::default()
        };
        let t = Template::compile_with(r#"{% include "greeting" %}!"#, &options).unwrap();
        assert_eq!(t.render(&json!({ "first_name": "Li" })).unwrap(), "Hi Li!");
        assert_eq!(t.render(&json!({})).unwrap(), "Hi friend!");
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = Template::compile("Hello\n{{ first_name | }}").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Template);
        assert_eq!(err.line(), Some(2));
        assert!(err.column().is_some());
        assert!(err.snippet().unwrap().contains('^'), "{err:#}");
    }

    #[test]
    fn block_syntax_errors_name_the_block() {
        let options = TemplateOptions {
            blocks: BTreeMap::from([("footer".to_string(), "{% if %}".to_string())]),
            ..TemplateOptions::default()
        };
        let err = Template::compile_with("x", &options).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Template);
        assert!(err.message().contains("footer"), "{err:#}");
    }

    #[test]
    fn runaway_loops_hit_the_fuel_limit() {
        let options = TemplateOptions {
            fuel: 1_000,
            ..TemplateOptions::default()
        };
        let t = Template::compile_with("{% for i in range(50000) %}{{ i }}{% endfor %}", &options)
            .unwrap();
        let err = t.render(&json!({})).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Limit, "{err:#}");
    }

    #[test]
    fn a_profile_must_be_an_object() {
        let t = Template::compile("x").unwrap();
        assert_eq!(
            t.render(&json!([1])).unwrap_err().kind(),
            ErrorKind::Argument
        );
    }

    #[test]
    fn runtime_errors_are_template_errors() {
        let t = Template::compile("ok\n{{ 1 + \"a\" }}").unwrap();
        let err = t.render(&json!({})).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Template, "{err:#}");
        assert_eq!(err.line(), Some(2));
        assert!(err.snippet().unwrap().contains("1 + \"a\""), "{err:#}");
    }
}
