//! `Template` for JavaScript.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use js_sys::Reflect;
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::options::{eval_options, Resolved};
use super::segment::schema_arg;
use super::{argument, data_from_js, from_js, to_js, to_js_error};
use crate::content::{Block, Formality, RenderOptions, Template, TemplateOptions};
use crate::rules::SegmentSet;

// The fast read of profiles: copy out only the keys a template can read
// (`Template::profile_keys`) and cross the boundary once as JSON text.
// Only own enumerable properties, as JSON.stringify of the whole profile
// would copy. A value that is not a plain object (an array, a Date, an
// object with toJSON) is left to the whole read, which reports it.
#[wasm_bindgen(module = "/src/wasm/pick.js")]
extern "C" {
    /// `JSON.stringify` of the `keys` of `profile` (of `events`, unless
    /// `types` is null, what the conditions read: see `pick_profiles`), as
    /// UTF-8 written into `buf` (a view of WebAssembly memory, so the text
    /// is not copied as a JS string): the length written; `-1` when the
    /// profile is not a plain object or JSON.stringify throws (the whole
    /// read then reports the error); minus the length needed when `buf` is
    /// too small (the text is kept for [`take_pending`]). Never throws: no
    /// exception wrapper per render.
    #[wasm_bindgen(js_name = kaleidoPickFieldsInto)]
    fn pick_fields_into(
        profile: &JsValue,
        keys: &js_sys::Array,
        types: &JsValue,
        props: &js_sys::Array,
        buf: &mut [u8],
    ) -> f64;

    /// Whether `options` holds the same `asOf` (a string), `timeZone`,
    /// `locale` and `currency` as at the last call, and no `segments`.
    #[wasm_bindgen(js_name = kaleidoSameRenderOptions)]
    fn same_render_options(options: &JsValue) -> bool;

    /// Writes the text kept by [`pick_fields_into`]: its length, or `-1`.
    #[wasm_bindgen(js_name = kaleidoTakePending)]
    fn take_pending(buf: &mut [u8]) -> f64;

    /// `JSON.stringify` of every profile of an array reduced to `keys`, with
    /// `0` standing in for the values of `marks` (`null` kept) and, unless
    /// `types` is null, of `events` only the events of `types` with `type`,
    /// `at` and their `props` (as `Segment.test`'s fast read copies them).
    #[wasm_bindgen(catch, js_name = kaleidoPickProfiles)]
    fn pick_profiles(
        profiles: &js_sys::Array,
        keys: &js_sys::Array,
        marks: &js_sys::Array,
        types: &JsValue,
        props: &js_sys::Array,
    ) -> Result<String, JsValue>;
}

/// The keys a template reads with one segment set, as JS arrays.
struct Reader {
    /// `Template::profile_keys`; `None`: read whole profiles.
    keys: Option<js_sys::Array>,
    /// `Template::template_only_keys`.
    marks: js_sys::Array,
    /// The same keys for `Template::render_json`.
    template_only: Vec<String>,
    /// The event types the conditions read (a JS array), and per type the
    /// properties; `null` when `events` is only read by the templates (its
    /// values are then a mark) or by nothing.
    types: JsValue,
    props: js_sys::Array,
    /// `types` for a render: null when the templates read `events` too.
    render_types: JsValue,
}

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
    /// `"formal"`, `"informal"` or `{ de: "formal", default: "informal" }`.
    #[serde(default)]
    formality: Option<Formality>,
}

/// The formatting part of `RenderOptions` (the rest is `EvalOptions`).
#[derive(Default, Clone)]
struct FormatOptionsJs {
    locale: Option<String>,
    currency: Option<String>,
}

/// A compiled template (JS class `Template`).
#[wasm_bindgen(js_name = Template)]
pub struct JsTemplate {
    inner: Template,
    /// The reader for the segment set (by id, 0 for none) last used.
    reader: RefCell<Option<(u32, Rc<Reader>)>>,
}

/// Property names of render options, made once as JS strings.
struct Keys {
    locale: JsValue,
    currency: JsValue,
}

thread_local! {
    static KEYS: Keys = Keys {
        locale: JsValue::from_str("locale"),
        currency: JsValue::from_str("currency"),
    };
    /// The last `locale` and `currency` option values (JS strings, compared
    /// with `===`) and their Rust copies: a loop rendering with one options
    /// object copies them once.
    static LAST_FORMAT: RefCell<Vec<(JsValue, String)>> = const { RefCell::new(Vec::new()) };
    /// What the last render options read to, when they can be reused.
    static LAST_RENDER: RefCell<Option<(DateTime<Utc>, Tz, FormatOptionsJs)>> = const { RefCell::new(None) };
    /// Where renders have JS write the picked profile (see [`pick_into`]).
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The first size of [`SCRATCH`]; it grows to the longest profile read.
const SCRATCH_START: usize = 16 * 1024;

/// The picked JSON text of a render, read where [`pick_into`] wrote it.
fn pick_into<'b>(
    profile: &JsValue,
    keys: &js_sys::Array,
    reader: &Reader,
    buf: &'b mut Vec<u8>,
) -> Option<&'b str> {
    if buf.len() < SCRATCH_START {
        buf.resize(SCRATCH_START, 0);
    }
    let mut n = pick_fields_into(profile, keys, &reader.render_types, &reader.props, buf);
    if n < -1.0 {
        // Longer than the buffer: grow it to the bound JS gave, then copy.
        buf.resize((-n) as usize, 0);
        n = take_pending(buf);
    }
    if n < 0.0 {
        return None;
    }
    std::str::from_utf8(buf.get(..n as usize)?).ok()
}

/// Reads an optional string option, remembering recent values.
fn string_option(value: JsValue, name: &str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !value.is_string() {
        return Err(argument(format!(
            "invalid render options: {name} must be a string"
        )));
    }
    let hit = LAST_FORMAT.with(|c| {
        c.borrow()
            .iter()
            .find(|(v, _)| *v == value)
            .map(|(_, s)| s.clone())
    });
    if let Some(s) = hit {
        return Ok(Some(s));
    }
    let text = value.as_string().unwrap_or_default();
    LAST_FORMAT.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 8 {
            c.remove(0);
        }
        c.push((value, text.clone()));
    });
    Ok(Some(text))
}

/// Reads `RenderOptions`: the evaluation options and the formatting defaults.
/// A loop rendering with the same option values (`kaleidoSameRenderOptions`)
/// has them read once.
fn render_options(value: JsValue) -> Result<(Resolved, FormatOptionsJs), JsValue> {
    if same_render_options(&value) {
        if let Some((as_of, time_zone, format)) = LAST_RENDER.with(|c| c.borrow().clone()) {
            return Ok((Resolved::fixed(as_of, time_zone), format));
        }
    }
    let read = read_render_options(value);
    LAST_RENDER.with(|c| {
        *c.borrow_mut() = match &read {
            // Only options without segments are kept (see pick.js).
            Ok((r, format)) if r.set().is_none() => {
                Some((r.get().as_of, r.get().time_zone, format.clone()))
            }
            _ => None,
        }
    });
    read
}

fn read_render_options(value: JsValue) -> Result<(Resolved, FormatOptionsJs), JsValue> {
    let format = if value.is_object() {
        // Two property gets, not a serde pass: this runs on every render.
        let (locale, currency) = KEYS.with(|k| {
            Ok::<_, JsValue>((
                Reflect::get(&value, &k.locale)?,
                Reflect::get(&value, &k.currency)?,
            ))
        })?;
        FormatOptionsJs {
            locale: string_option(locale, "locale")?,
            currency: string_option(currency, "currency")?,
        }
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

impl JsTemplate {
    /// The reader for `set` (cached per set).
    fn reader(&self, set: Option<(u32, &SegmentSet)>) -> Rc<Reader> {
        let set_id = set.map_or(0, |(id, _)| id);
        let cached = self
            .reader
            .borrow()
            .as_ref()
            .filter(|(id, _)| *id == set_id)
            .map(|(_, r)| Rc::clone(r));
        if let Some(r) = cached {
            return r;
        }
        let set = set.map(|(_, s)| s);
        let to_js = |keys: Vec<String>| {
            keys.iter()
                .map(|k| JsValue::from_str(k))
                .collect::<js_sys::Array>()
        };
        // `o.__proto__ = v` would set a prototype: such templates read whole profiles.
        let keys = self
            .inner
            .profile_keys(set)
            .filter(|keys| !keys.iter().any(|k| k == "__proto__"));
        let events = self.inner.event_properties(set);
        let conditions_read_events = keys
            .as_ref()
            .is_some_and(|k| k.iter().any(|k| k == "events"))
            && !self
                .inner
                .template_only_keys(set)
                .iter()
                .any(|k| k == "events");
        let (types, props) = if conditions_read_events {
            let types: js_sys::Array = events.iter().map(|(t, _)| JsValue::from_str(t)).collect();
            let props: js_sys::Array = events
                .iter()
                .map(|(_, p)| {
                    p.iter()
                        .map(|k| JsValue::from_str(k))
                        .collect::<js_sys::Array>()
                })
                .collect();
            (JsValue::from(types), props)
        } else {
            (JsValue::NULL, js_sys::Array::new())
        };
        let template_only = keys
            .as_ref()
            .map_or_else(Vec::new, |_| self.inner.template_only_keys(set));
        let render_types = if self.inner.templates_read("events") {
            JsValue::NULL
        } else {
            types.clone()
        };
        let reader = Rc::new(Reader {
            render_types,
            types,
            props,
            marks: to_js(template_only.clone()),
            template_only,
            keys: keys.map(to_js),
        });
        *self.reader.borrow_mut() = Some((set_id, Rc::clone(&reader)));
        reader
    }

    /// Reads variants input: every profile reduced (the fast read) with a
    /// way to read one whole, or every profile whole.
    fn variants_of(
        &self,
        audience: &JsValue,
        eval: &Resolved,
        format: &FormatOptionsJs,
    ) -> Result<crate::content::VariantReport, JsValue> {
        let opts = core_options(eval, format);
        let reader = self.reader(eval.set());
        if let (Some(array), Some(keys)) = (audience.dyn_ref::<js_sys::Array>(), &reader.keys) {
            // The picked text is read one profile at a time, never held as values.
            let fast = pick_profiles(array, keys, &reader.marks, &reader.types, &reader.props).ok();
            if let Some(text) = fast {
                let whole = |row: usize| -> crate::Result<Option<serde_json::Value>> {
                    let item = array.get(row as u32);
                    data_from_js(&item, None).map(Some).map_err(|_| {
                        crate::Error::new(
                            crate::ErrorKind::Data,
                            format!("profile {} is not JSON data", row + 1),
                        )
                    })
                };
                if let Ok(report) = self.inner.variants_json(&text, &whole, &opts) {
                    return Ok(report);
                }
            }
        }
        if let (Some(keys), false) = (&reader.keys, js_sys::Array::is_array(audience)) {
            // An `Audience` writes its profiles reduced to the keys the
            // template reads (samples render from them: they hold every key
            // a render reads).
            let method = Reflect::get(audience, &JsValue::from_str("__kaleidoProfilesJson"))
                .ok()
                .and_then(|m| m.dyn_into::<js_sys::Function>().ok());
            let text = method
                .and_then(|m| m.call1(audience, keys).ok())
                .and_then(|t| t.as_string());
            if let Some(text) = text {
                if let Ok(report) = self.inner.variants_json(&text, &|_| Ok(None), &opts) {
                    return Ok(report);
                }
            }
        }
        // The whole read: also how any error is reported.
        let profiles = profiles_from_js(audience)?;
        self.inner
            .variants(&profiles, &opts)
            .map_err(|e| to_js_error(&e))
    }
}

#[wasm_bindgen(js_class = Template)]
impl JsTemplate {
    /// `Template.compile(source, { blocks?, fuel?, maxOutput?, formality? })`; throws a
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
            formality: js.formality.unwrap_or_default(),
        };
        let inner = Template::compile_with(source, &options).map_err(|e| to_js_error(&e))?;
        Ok(JsTemplate {
            inner,
            reader: RefCell::new(None),
        })
    }

    /// `template.render(profile, options?)`: the output HTML (values escaped).
    pub fn render(&self, profile: JsValue, options: JsValue) -> Result<String, JsValue> {
        if !profile.is_object() {
            return Err(argument("a profile must be an object"));
        }
        let (eval, format) = render_options(options)?;
        let opts = core_options(&eval, &format);
        let reader = self.reader(eval.set());
        if let Some(keys) = &reader.keys {
            // The fast read; anything unusual (or an error) goes the whole way.
            // The scratch buffer is taken out while in use (no borrow is held).
            let mut buf = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
            let text = pick_into(&profile, keys, &reader, &mut buf);
            let fast = text.map(|text| {
                self.inner
                    .render_json_with(text, &reader.template_only, &opts)
            });
            SCRATCH.with(|s| *s.borrow_mut() = buf);
            if let Some(Ok(html)) = fast {
                return Ok(html);
            }
        }
        let profile = data_from_js(&profile, None)?;
        self.inner
            .render(&profile, &opts)
            .map_err(|e| to_js_error(&e))
    }

    /// `template.variants(profiles, options?)`: `Variant[]`, most subscribers first.
    pub fn variants(&self, audience: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let (eval, format) = render_options(options)?;
        let report = self.variants_of(&audience, &eval, &format)?;
        to_js(&report.variants)
    }

    /// `template.variantReport(profiles, options?)`: `{ variants, matrix, warnings, total }`.
    #[wasm_bindgen(js_name = variantReport)]
    pub fn variant_report(&self, audience: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let (eval, format) = render_options(options)?;
        let report = self.variants_of(&audience, &eval, &format)?;
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
