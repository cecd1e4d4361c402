//! `Audience` for JavaScript: whole lists loaded once into WebAssembly memory.

use std::cell::RefCell;

use js_sys::{Array, Function, Reflect, Uint8Array};
use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::options::eval_options;
use super::{argument, data_from_js, from_js, to_js, to_js_error};
use crate::audience::{Audience, AudienceBuilder, IdValue, LoadOptions, PROGRESS_EVERY};
use crate::error::{Error, ErrorKind};
use crate::rules::{Schema, Segment};

/// `LoadOptions` (and `fromCsv`'s `delimiter`) as JavaScript writes them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct LoadOptionsJs {
    #[serde(default)]
    schema: Option<Value>,
    #[serde(default)]
    id_field: Option<String>,
    #[serde(default)]
    skip_invalid: bool,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    on_progress: JsValue,
    #[serde(default)]
    delimiter: Option<String>,
}

/// Load options read from JS: the core's options plus the progress callback.
struct Load {
    opts: LoadOptions,
    progress: Option<Function>,
    delimiter: u8,
    /// The first exception thrown by `onProgress`, rethrown after the load.
    thrown: RefCell<Option<JsValue>>,
}

impl Load {
    fn read(value: JsValue) -> Result<Load, JsValue> {
        let js: LoadOptionsJs = if value.is_undefined() || value.is_null() {
            LoadOptionsJs::default()
        } else if value.is_object() {
            from_js(value, "invalid load options")?
        } else {
            return Err(argument("load options must be an object"));
        };
        let schema = match js.schema {
            None | Some(Value::Null) => None,
            Some(s) => Some(Schema::from_json(&s).map_err(|e| to_js_error(&e))?),
        };
        let progress = if js.on_progress.is_undefined() || js.on_progress.is_null() {
            None
        } else {
            Some(
                js.on_progress
                    .dyn_into::<Function>()
                    .map_err(|_| argument("onProgress must be a function"))?,
            )
        };
        let delimiter = match js.delimiter.as_deref() {
            None => b',',
            Some(d) if d.len() == 1 && d.is_ascii() => {
                d.as_bytes().first().copied().unwrap_or(b',')
            }
            Some(d) => {
                return Err(argument(format!(
                    "delimiter must be one ASCII character, not {d:?}"
                )))
            }
        };
        Ok(Load {
            opts: LoadOptions {
                schema,
                id_field: js.id_field.unwrap_or_else(|| "id".into()),
                skip_invalid: js.skip_invalid,
            },
            progress,
            delimiter,
            thrown: RefCell::new(None),
        })
    }

    /// Calls `onProgress(done, total)`, remembering the first exception.
    fn report(&self, done: usize, total: usize) {
        let Some(f) = &self.progress else { return };
        if self.thrown.borrow().is_some() {
            return;
        }
        if let Err(e) = f.call2(
            &JsValue::NULL,
            &JsValue::from(done as f64),
            &JsValue::from(total as f64),
        ) {
            *self.thrown.borrow_mut() = Some(e);
        }
    }

    /// The exception `onProgress` threw, if any.
    fn rethrow(&self) -> Result<(), JsValue> {
        match self.thrown.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Grows the WebAssembly heap once, by `bytes`, before a load: the
/// allocator otherwise grows the memory in many small steps, and each
/// `memory.grow` costs about a millisecond in V8 (far more with a large JS
/// heap, where grows trigger collections), which made a million-profile load
/// take minutes. The block is freed at once and the allocator carves the
/// load's columns from it.
fn reserve_heap(bytes: usize) {
    let mut block: Vec<u8> = Vec::new();
    // Too big for the 4 GiB address space: grow as needed instead.
    if block.try_reserve_exact(bytes).is_ok() {
        std::hint::black_box(&block);
    }
}

/// The byte length a text argument will take (UTF-16 units for strings: exact for ASCII).
fn text_len(value: &JsValue) -> usize {
    if let Some(s) = value.dyn_ref::<js_sys::JsString>() {
        return s.length() as usize;
    }
    value
        .dyn_ref::<Uint8Array>()
        .map_or(0, |b| b.length() as usize)
}

/// Text input: a string or UTF-8 bytes (`Uint8Array`).
fn text_bytes(value: &JsValue, what: &str) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = value.as_string() {
        return Ok(s.into_bytes());
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    Err(argument(format!("{what} must be a string or a Uint8Array")))
}

/// Records cross in chunks of this many (one `JSON.stringify` each).
const CHUNK: u32 = PROGRESS_EVERY as u32;

/// Reads the records of a JS array, `CHUNK` at a time, calling `each(row
/// value or the error of a record that is not JSON data)`.
fn for_each_record(
    array: &Array,
    mut each: impl FnMut(Result<Value, Error>) -> Result<(), JsValue>,
    mut after_chunk: impl FnMut(usize),
) -> Result<(), JsValue> {
    let len = array.length();
    let mut start = 0;
    while start < len {
        let end = len.min(start.saturating_add(CHUNK));
        let chunk = array.slice(start, end);
        let parsed: Option<Vec<Value>> = js_sys::JSON::stringify(&chunk)
            .ok()
            .and_then(|t| t.as_string())
            .and_then(|t| serde_json::from_str(&t).ok())
            .filter(|v: &Vec<Value>| v.len() == (end - start) as usize);
        match parsed {
            Some(values) => {
                for v in values {
                    each(Ok(v))?;
                }
            }
            // Some record is not JSON data (a cycle, a BigInt): go one by one to find it.
            None => {
                for i in start..end {
                    let item = array.get(i);
                    let v = data_from_js(&item, None).map_err(|e| {
                        let message = Reflect::get(&e, &JsValue::from_str("message"))
                            .ok()
                            .and_then(|m| m.as_string())
                            .unwrap_or_else(|| "not JSON data".into());
                        Error::new(ErrorKind::Data, message)
                    });
                    each(v)?;
                }
            }
        }
        after_chunk(end as usize);
        start = end;
    }
    Ok(())
}

fn array_arg(value: &JsValue, what: &str) -> Result<Array, JsValue> {
    if Array::is_array(value) {
        Ok(value.clone().unchecked_into())
    } else {
        Err(argument(format!("{what} must be an array")))
    }
}

/// A segment argument: rule text or a `Segment`, with its label for `overlap`.
fn segment_arg(value: &JsValue) -> Result<(Segment, String), JsValue> {
    if let Some(text) = value.as_string() {
        let seg = Segment::parse(&text).map_err(|e| to_js_error(&e))?;
        return Ok((seg, text));
    }
    let to_json = if value.is_object() {
        Reflect::get(value, &JsValue::from_str("toJSON"))?
    } else {
        JsValue::UNDEFINED
    };
    let Some(to_json) = to_json.dyn_ref::<Function>() else {
        return Err(argument("a segment must be rule text or a Segment"));
    };
    let ast: Value = from_js(to_json.call0(value)?, "not a segment")?;
    let seg = Segment::from_json(&ast).map_err(|e| to_js_error(&e))?;
    let label = seg.to_string();
    Ok((seg, label))
}

fn id_arg(value: &JsValue) -> Result<IdValue, JsValue> {
    if let Some(s) = value.as_string() {
        return Ok(IdValue::String(s));
    }
    match value.as_f64() {
        Some(n) if n.is_finite() => Ok(IdValue::Number(n)),
        _ => Err(argument("a profile id must be a string or a finite number")),
    }
}

fn id_to_js(id: &IdValue) -> JsValue {
    match id {
        IdValue::String(s) => JsValue::from_str(s),
        IdValue::Number(n) => JsValue::from(*n),
    }
}

/// Reads a non-negative integer option (`offset`, `limit`).
fn index_option(options: &JsValue, key: &str) -> Result<Option<usize>, JsValue> {
    if !options.is_object() {
        return Ok(None);
    }
    let v = Reflect::get(options, &JsValue::from_str(key))?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n.is_finite() => Ok(Some(n as usize)),
        Some(n) if n == f64::INFINITY => Ok(Some(usize::MAX)),
        _ => Err(argument(format!("{key} must be a non-negative integer"))),
    }
}

/// A whole subscriber list in columnar WebAssembly memory (JS class `Audience`).
#[wasm_bindgen(js_name = Audience)]
pub struct JsAudience {
    inner: Audience,
}

#[wasm_bindgen(js_class = Audience)]
impl JsAudience {
    /// `Audience.fromRecords(profiles, options?)`: loads an array of profile objects.
    #[wasm_bindgen(js_name = fromRecords)]
    pub fn from_records(profiles: JsValue, options: JsValue) -> Result<JsAudience, JsValue> {
        let array = array_arg(&profiles, "profiles")?;
        let load = Load::read(options)?;
        let total = array.length() as usize;
        let mut builder = AudienceBuilder::new(&load.opts);
        let len = array.length();
        let mut start = 0;
        while start < len {
            let end = len.min(start.saturating_add(CHUNK));
            let chunk = array.slice(start, end);
            // One `JSON.stringify` per chunk, read straight into the columns.
            let text = js_sys::JSON::stringify(&chunk)
                .ok()
                .and_then(|t| t.as_string());
            let before = builder.rows_seen();
            if start == 0 {
                // Room for the whole list, estimated from the first chunk's JSON.
                let chunk_len = text.as_ref().map_or(0, String::len);
                let chunks = (len as usize).div_ceil((end - start).max(1) as usize);
                reserve_heap(chunk_len.saturating_mul(chunks));
            }
            let done = match text {
                Some(t) => builder.push_json_array(&t).map_err(|e| to_js_error(&e))?,
                None => false,
            };
            if !done || builder.rows_seen() - before != u64::from(end - start) {
                if builder.rows_seen() != before {
                    // Cannot happen (a JSON array of the chunk's records); say so rather than mis-number rows.
                    return Err(argument("records changed while being read"));
                }
                // Some record is not JSON data (a cycle, a BigInt): one by one to find it.
                for_each_record(
                    &chunk,
                    |rec| {
                        match rec {
                            Ok(v) => builder.push(v),
                            Err(e) => builder.push_error(e),
                        }
                        .map_err(|e| to_js_error(&e))
                    },
                    |_| {},
                )?;
            }
            load.report(end as usize, total);
            start = end;
        }
        load.rethrow()?;
        if total == 0 {
            load.report(0, 0);
        }
        Ok(JsAudience {
            inner: builder.finish(),
        })
    }

    /// `Audience.fromNdjson(text, options?)`: one profile per line (string or UTF-8 bytes).
    #[wasm_bindgen(js_name = fromNdjson)]
    pub fn from_ndjson(text: JsValue, options: JsValue) -> Result<JsAudience, JsValue> {
        // The text's copy plus the columns (about 0.7 B per byte of NDJSON, with growth slack).
        let len = text_len(&text);
        reserve_heap(len.saturating_mul(2));
        let bytes = text_bytes(&text, "NDJSON text")?;
        let load = Load::read(options)?;
        let inner =
            Audience::from_ndjson_with_progress(&bytes, &load.opts, &mut |d, t| load.report(d, t))
                .map_err(|e| to_js_error(&e))?;
        load.rethrow()?;
        Ok(JsAudience { inner })
    }

    /// `Audience.fromCsv(text, options?)`: a header row, then one profile per
    /// record (RFC 4180 quoting; `delimiter` defaults to `,`).
    #[wasm_bindgen(js_name = fromCsv)]
    pub fn from_csv(text: JsValue, options: JsValue) -> Result<JsAudience, JsValue> {
        reserve_heap(text_len(&text).saturating_mul(2));
        let bytes = text_bytes(&text, "CSV text")?;
        let load = Load::read(options)?;
        let inner =
            Audience::from_csv_with_progress(&bytes, load.delimiter, &load.opts, &mut |d, t| {
                load.report(d, t)
            })
            .map_err(|e| to_js_error(&e))?;
        load.rethrow()?;
        Ok(JsAudience { inner })
    }

    /// `audience.addEvents(events, options?)`: event records (or NDJSON) each
    /// holding the profile id under `idField` (default `id`).
    #[wasm_bindgen(js_name = addEvents)]
    pub fn add_events(&mut self, events: JsValue, options: JsValue) -> Result<(), JsValue> {
        let load = Load::read(options)?;
        if Array::is_array(&events) {
            let array = array_arg(&events, "events")?;
            let total = array.length() as usize;
            let mut list = Vec::with_capacity(total);
            let mut bad: Option<Error> = None;
            let mut row = 0u64;
            for_each_record(
                &array,
                |rec| {
                    row += 1;
                    match rec {
                        Ok(v) => list.push(v),
                        Err(e) if bad.is_none() => {
                            bad = Some(e.with_row_field(Some(row), None));
                            list.push(Value::Null);
                        }
                        Err(_) => list.push(Value::Null),
                    }
                    Ok(())
                },
                |done| load.report(done, total),
            )?;
            load.rethrow()?;
            if let (Some(e), false) = (bad, load.opts.skip_invalid) {
                return Err(to_js_error(&e));
            }
            self.inner
                .add_events(&list, &load.opts)
                .map_err(|e| to_js_error(&e))
        } else {
            let bytes = text_bytes(&events, "events")?;
            self.inner
                .add_events_ndjson(&bytes, &load.opts)
                .map_err(|e| to_js_error(&e))?;
            load.report(1, 1);
            load.rethrow()
        }
    }

    /// Every profile in load order as JSON text, reduced to the top-level
    /// `keys` (an array of strings) when given: how `Template.variants` and
    /// `Campaigns.simulateAudience` read an `Audience` (internal, not typed).
    #[wasm_bindgen(js_name = "__kaleidoProfilesJson")]
    pub fn profiles_json(&self, keys: JsValue) -> Result<String, JsValue> {
        let keys: Option<Vec<String>> = if keys.is_undefined() || keys.is_null() {
            None
        } else {
            Some(from_js(keys, "keys must be an array of strings")?)
        };
        self.inner
            .profiles_json(keys.as_deref())
            .map_err(|e| to_js_error(&e))
    }

    /// `audience.size`: the number of profiles.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> f64 {
        self.inner.size() as f64
    }

    /// `audience.count(segment, options?)`: how many profiles the rule is true for.
    pub fn count(&self, segment: JsValue, options: JsValue) -> Result<f64, JsValue> {
        let (seg, _) = segment_arg(&segment)?;
        let opts = eval_options(options)?;
        self.inner
            .count(&seg, &opts.get())
            .map(|n| n as f64)
            .map_err(|e| to_js_error(&e))
    }

    /// `audience.members(segment, options?)`: the ids of the members in load
    /// order, from `offset` (default 0), at most `limit` (default: all).
    pub fn members(&self, segment: JsValue, options: JsValue) -> Result<Array, JsValue> {
        let (seg, _) = segment_arg(&segment)?;
        let offset = index_option(&options, "offset")?.unwrap_or(0);
        let limit = index_option(&options, "limit")?.unwrap_or(usize::MAX);
        let opts = eval_options(options)?;
        let ids = self
            .inner
            .members(&seg, &opts.get(), offset, limit)
            .map_err(|e| to_js_error(&e))?;
        Ok(ids.iter().map(id_to_js).collect())
    }

    /// `audience.overlap(segments, options?)`: for up to 8 segments, the size
    /// of every non-empty combination, as `{ in, indexes, size }` where `in`
    /// lists the segments as given (rule text, or a Segment's canonical text).
    pub fn overlap(&self, segments: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let array = array_arg(&segments, "segments")?;
        let mut segs = Vec::new();
        let mut labels = Vec::new();
        for item in array.iter() {
            let (s, l) = segment_arg(&item)?;
            segs.push(s);
            labels.push(l);
        }
        let opts = eval_options(options)?;
        let regions = self
            .inner
            .overlap(&segs, &opts.get())
            .map_err(|e| to_js_error(&e))?;
        let out: Vec<Value> = regions
            .into_iter()
            .map(|(idx, size)| {
                let names: Vec<Value> = idx
                    .iter()
                    .filter_map(|i| labels.get(*i))
                    .map(|l| Value::String(l.clone()))
                    .collect();
                serde_json::json!({ "in": names, "indexes": idx, "size": size })
            })
            .collect();
        to_js(&out)
    }

    /// `audience.profile(id)`: the profile as loaded, or `undefined`.
    pub fn profile(&self, id: JsValue) -> Result<JsValue, JsValue> {
        let id = id_arg(&id)?;
        match self.inner.profile(&id) {
            Some(p) => to_js(&p),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// `audience.memoryBytes()`: bytes held by the columns, events, indexes and cache.
    #[wasm_bindgen(js_name = memoryBytes)]
    pub fn memory_bytes(&self) -> f64 {
        self.inner.memory_bytes() as f64
    }

    /// `audience.loadSummary`: `{ loaded, skipped: [{ row, field?, message }] }`
    /// of the last load or `addEvents`.
    #[wasm_bindgen(getter = loadSummary)]
    pub fn load_summary(&self) -> Result<JsValue, JsValue> {
        let s = self.inner.load_summary();
        let skipped: Vec<Value> = s
            .skipped
            .iter()
            .map(|r| {
                let mut o = serde_json::Map::new();
                o.insert("row".into(), Value::from(r.row));
                if let Some(f) = &r.field {
                    o.insert("field".into(), Value::String(f.clone()));
                }
                o.insert("message".into(), Value::String(r.message.clone()));
                Value::Object(o)
            })
            .collect();
        to_js(&serde_json::json!({ "loaded": s.loaded, "skipped": skipped }))
    }

    /// `audience.derive(options?)`: fits the prediction models on the whole
    /// list (`asOf`, `timeZone` and the `predict` options) and makes the
    /// derived fields (`churn_risk`, `rfm.segment`, …) available to every
    /// rule evaluated afterwards; returns the model summary. An unknown
    /// option or a bad value is an `argument` KaleidoError naming it.
    pub fn derive(&self, options: JsValue) -> Result<JsValue, JsValue> {
        let o = super::predict::derive_options_strict(options, super::predict::DERIVE_KEYS)?;
        let model = self.inner.derive(&o).map_err(|e| to_js_error(&e))?;
        to_js(&model)
    }

    /// `audience.clearDerived()`: forgets `derive`'s options and fit; rules
    /// reading derived fields then fit at their own `asOf`.
    #[wasm_bindgen(js_name = clearDerived)]
    pub fn clear_derived(&self) {
        self.inner.clear_derived();
    }

    /// `audience.derivedModel`: the model summary of the current fit, or `null`.
    #[wasm_bindgen(getter = derivedModel)]
    pub fn derived_model(&self) -> Result<JsValue, JsValue> {
        match self.inner.derived_model() {
            Some(m) => to_js(&m),
            None => Ok(JsValue::NULL),
        }
    }

    /// `audience.derivedFields(id, options?)`: the profile's derived fields
    /// as rules see them (its own values where it carries them), or `undefined`.
    #[wasm_bindgen(js_name = derivedFields)]
    pub fn derived_fields(&self, id: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let id = id_arg(&id)?;
        let opts = eval_options(options)?;
        match self
            .inner
            .derived_fields(&id, &opts.get())
            .map_err(|e| to_js_error(&e))?
        {
            Some(v) => to_js(&v),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// `audience.explain(segment, id, options?)`: the `Explanation` of the
    /// profile as the audience evaluates it (leaves reading predicted fields
    /// carry the model `inputs`), or `undefined` for an unknown id.
    pub fn explain(
        &self,
        segment: JsValue,
        id: JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let (seg, _) = segment_arg(&segment)?;
        let id = id_arg(&id)?;
        let opts = eval_options(options)?;
        match self
            .inner
            .explain(&seg, &id, &opts.get())
            .map_err(|e| to_js_error(&e))?
        {
            Some(x) => to_js(&x),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// `audience.clearCache()`: drops cached sub-rule results.
    #[wasm_bindgen(js_name = clearCache)]
    pub fn clear_cache(&self) {
        self.inner.clear_cache();
    }
}
