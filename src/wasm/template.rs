//! `Template` for JavaScript.

use std::collections::BTreeMap;

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::options::{eval_options, Resolved};
use super::segment::schema_arg;
use super::{argument, data_from_js, from_js, to_js, to_js_error};
use crate::content::{Block, RenderOptions, Template, TemplateOptions};

/// `Template.compile` options as JavaScript writes them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CompileOptionsJs {
    /// Name -> source, or name -> `{ segmentName: source, default: source }`.
    #[serde(default)]
    blocks: BTreeMap<String, Block>,
    #[serde(default)]
    fuel: Option<u64>,
    #[serde(default)]
    max_output: Option<usize>,
}

/// The formatting part of `RenderOptions` (the rest is `EvalOptions`).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct FormatOptionsJs {
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    currency: Option<String>,
}

/// A compiled template (JS class `Template`).
#[wasm_bindgen(js_name = Template)]
pub struct JsTemplate {
    inner: Template,
}

/// Reads `RenderOptions`: the evaluation options and the formatting defaults.
fn render_options(value: JsValue) -> Result<(Resolved, FormatOptionsJs), JsValue> {
    let format = if value.is_object() {
        from_js(value.clone(), "invalid render options")?
    } else {
        FormatOptionsJs::default()
    };
    Ok((eval_options(value)?, format))
}

fn core_options<'a>(eval: &'a Resolved, format: &FormatOptionsJs) -> RenderOptions<'a> {
    RenderOptions {
        eval: eval.get(),
        locale: format.locale.clone(),
        currency: format.currency.clone(),
    }
}

/// Profiles from an array or an `Audience`.
fn profiles_from_js(value: &JsValue) -> Result<Vec<serde_json::Value>, JsValue> {
    super::profiles_arg(value, "variants")
}

#[wasm_bindgen(js_class = Template)]
impl JsTemplate {
    /// `Template.compile(source, { blocks?, fuel?, maxOutput? })`; throws a
    /// `template` KaleidoError with line/column.
    pub fn compile(source: &str, options: JsValue) -> Result<JsTemplate, JsValue> {
        let js: CompileOptionsJs = if options.is_undefined() || options.is_null() {
            CompileOptionsJs::default()
        } else if options.is_object() {
            from_js(options, "invalid template options")?
        } else {
            return Err(argument("options must be an object"));
        };
        let defaults = TemplateOptions::default();
        let options = TemplateOptions {
            blocks: js.blocks,
            fuel: js.fuel.unwrap_or(defaults.fuel),
            max_output: js.max_output.unwrap_or(defaults.max_output),
        };
        let inner = Template::compile_with(source, &options).map_err(|e| to_js_error(&e))?;
        Ok(JsTemplate { inner })
    }

    /// `template.render(profile, options?)`: the output HTML (values escaped).
    pub fn render(&self, profile: JsValue, options: JsValue) -> Result<String, JsValue> {
        if !profile.is_object() {
            return Err(argument("a profile must be an object"));
        }
        let (eval, format) = render_options(options)?;
        let profile = data_from_js(&profile, None)?;
        self.inner
            .render(&profile, &core_options(&eval, &format))
            .map_err(|e| to_js_error(&e))
    }

    /// `template.variants(profiles, options?)`: `Variant[]`, most subscribers first.
    pub fn variants(&self, audience: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let (eval, format) = render_options(options)?;
        let profiles = profiles_from_js(&audience)?;
        let report = self
            .inner
            .variants(&profiles, &core_options(&eval, &format))
            .map_err(|e| to_js_error(&e))?;
        to_js(&report.variants)
    }

    /// `template.variantReport(profiles, options?)`: `{ variants, matrix, warnings, total }`.
    #[wasm_bindgen(js_name = variantReport)]
    pub fn variant_report(&self, audience: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let (eval, format) = render_options(options)?;
        let profiles = profiles_from_js(&audience)?;
        let report = self
            .inner
            .variants(&profiles, &core_options(&eval, &format))
            .map_err(|e| to_js_error(&e))?;
        to_js(&report)
    }

    /// `template.check(schema?)`: static analysis, an array of `Diagnostic`s.
    pub fn check(&self, schema: JsValue) -> Result<JsValue, JsValue> {
        let schema = schema_arg(schema)?;
        to_js(&self.inner.check(schema.as_ref()))
    }

    /// `template.conditions()`: `{ kind: 'segment' | 'rule', text }[]`.
    pub fn conditions(&self) -> Result<JsValue, JsValue> {
        let list: Vec<serde_json::Value> = self
            .inner
            .conditions()
            .into_iter()
            .map(|(kind, text)| {
                let kind = match kind {
                    crate::content::ConditionKind::InSegment => "segment",
                    crate::content::ConditionKind::Rule => "rule",
                };
                serde_json::json!({ "kind": kind, "text": text })
            })
            .collect();
        to_js(&list)
    }
}
