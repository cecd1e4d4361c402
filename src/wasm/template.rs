//! `Template` for JavaScript.

use std::collections::BTreeMap;

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::{argument, data_from_js, from_js, to_js_error};
use crate::content::{Template, TemplateOptions};

/// `Template.compile` options as JavaScript writes them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CompileOptionsJs {
    #[serde(default)]
    blocks: BTreeMap<String, String>,
}

/// A compiled template (JS class `Template`).
#[wasm_bindgen(js_name = Template)]
pub struct JsTemplate {
    inner: Template,
}

#[wasm_bindgen(js_class = Template)]
impl JsTemplate {
    /// `Template.compile(source, { blocks? })`; throws a `template` KaleidoError with line/column.
    pub fn compile(source: &str, options: JsValue) -> Result<JsTemplate, JsValue> {
        let js: CompileOptionsJs = if options.is_undefined() || options.is_null() {
            CompileOptionsJs::default()
        } else if options.is_object() {
            from_js(options, "invalid template options")?
        } else {
            return Err(argument("options must be an object"));
        };
        let options = TemplateOptions {
            blocks: js.blocks,
            ..TemplateOptions::default()
        };
        let inner = Template::compile_with(source, &options).map_err(|e| to_js_error(&e))?;
        Ok(JsTemplate { inner })
    }

    /// `template.render(profile)`: the output text (HTML-escaped values).
    pub fn render(&self, profile: JsValue) -> Result<String, JsValue> {
        if !profile.is_object() {
            return Err(argument("a profile must be an object"));
        }
        let profile = data_from_js(&profile, None)?;
        self.inner.render(&profile).map_err(|e| to_js_error(&e))
    }
}
