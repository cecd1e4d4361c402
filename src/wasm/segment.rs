//! `Segment` and `SegmentSet` for JavaScript.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::options::eval_options;
use super::{argument, data_from_js, from_js, to_js, to_js_error};
use crate::rules::ast::Expr;
use crate::rules::{Schema, Segment, SegmentSet};

/// A parsed segment rule (JS class `Segment`): compile once, test many profiles.
#[wasm_bindgen(js_name = Segment)]
pub struct JsSegment {
    inner: Segment,
    /// The profile keys `test` copies out of a JS profile, as JS strings,
    /// for the segment set (by id, 0 for none) they were computed with.
    keys: RefCell<Option<(u32, Rc<ProfileKeys>)>>,
}

/// Profile keys as Rust strings and as ready-made JS strings.
type ProfileKeys = Vec<(String, JsValue)>;

#[wasm_bindgen(js_class = Segment)]
impl JsSegment {
    /// `Segment.parse(text, options?)`: parses rule text; throws a `parse` KaleidoError.
    /// With `{ schema }`, also throws a `type` KaleidoError for the first
    /// schema error (unknown field, type mismatch).
    pub fn parse(text: &str, options: JsValue) -> Result<JsSegment, JsValue> {
        let options: ParseOptionsJs = if options.is_undefined() || options.is_null() {
            ParseOptionsJs::default()
        } else if options.is_object() {
            from_js(options, "invalid options")?
        } else {
            return Err(argument("options must be an object"));
        };
        let inner = Segment::parse(text).map_err(|e| to_js_error(&e))?;
        if let Some(schema) = options.schema {
            let schema = Schema::from_json(&schema).map_err(|e| to_js_error(&e))?;
            inner
                .check_types_in(&schema, text)
                .map_err(|e| to_js_error(&e))?;
        }
        Ok(JsSegment::new(inner))
    }

    /// `segment.test(profile, options?)`: membership, true only if the rule is true.
    pub fn test(&self, profile: JsValue, options: JsValue) -> Result<bool, JsValue> {
        let options = eval_options(options)?;
        let profile = self.read_profile(&profile, options.set())?;
        self.inner
            .test(&profile, &options.get())
            .map_err(|e| to_js_error(&e))
    }

    /// `segment.evaluate(profile, options?)`: `true`, `false` or `null` (unknown).
    pub fn evaluate(&self, profile: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let options = eval_options(options)?;
        let profile = self.read_profile(&profile, options.set())?;
        let result = self
            .inner
            .evaluate(&profile, &options.get())
            .map_err(|e| to_js_error(&e))?;
        Ok(result.map_or(JsValue::NULL, JsValue::from_bool))
    }

    /// `segment.explain(profile, options?)`: an `Explanation` tree.
    pub fn explain(&self, profile: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let options = eval_options(options)?;
        let profile = self.read_profile(&profile, options.set())?;
        let explanation = self
            .inner
            .explain(&profile, &options.get())
            .map_err(|e| to_js_error(&e))?;
        to_js(&explanation)
    }

    /// `segment.check(schema?)`: static analysis, an array of `Diagnostic`s.
    pub fn check(&self, schema: JsValue) -> Result<JsValue, JsValue> {
        let schema = schema_arg(schema)?;
        to_js(&self.inner.check(schema.as_ref()))
    }

    /// `Segment.fromJSON(ast)`: reads the canonical JSON form.
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(ast: JsValue) -> Result<JsSegment, JsValue> {
        let value: serde_json::Value = from_js(ast, "not a segment AST")?;
        let inner = Segment::from_json(&value).map_err(|e| to_js_error(&e))?;
        Ok(JsSegment::new(inner))
    }

    /// `segment.toJSON()`: the canonical, versioned JSON form (so `JSON.stringify` works).
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.to_json())
    }

    /// `segment.toString()`: the canonical text.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_text(&self) -> String {
        self.inner.to_string()
    }
}

impl JsSegment {
    /// Wraps a core segment.
    pub(super) fn new(inner: Segment) -> JsSegment {
        JsSegment {
            inner,
            keys: RefCell::new(None),
        }
    }

    /// The core segment.
    pub(super) fn segment(&self) -> &Segment {
        &self.inner
    }

    /// Copies what the rule reads out of a JS profile: only the top-level
    /// keys it uses (and flat dotted keys), not the whole object, so testing
    /// many large profiles stays cheap. Anything but a plain object is
    /// converted whole and left to the core to reject.
    fn read_profile(
        &self,
        profile: &JsValue,
        set: Option<(u32, &SegmentSet)>,
    ) -> Result<serde_json::Value, JsValue> {
        if !profile.is_object() || js_sys::Array::is_array(profile) {
            return data_from_js(profile, None);
        }
        let set_id = set.map_or(0, |(id, _)| id);
        let cached = self
            .keys
            .borrow()
            .as_ref()
            .filter(|(id, _)| *id == set_id)
            .map(|(_, keys)| Rc::clone(keys));
        let keys = match cached {
            Some(keys) => keys,
            None => {
                let keys: ProfileKeys = profile_keys(&self.inner, set.map(|(_, s)| s))
                    .into_iter()
                    .map(|k| {
                        let js = JsValue::from_str(&k);
                        (k, js)
                    })
                    .collect();
                let keys = Rc::new(keys);
                *self.keys.borrow_mut() = Some((set_id, Rc::clone(&keys)));
                keys
            }
        };
        let mut map = serde_json::Map::new();
        for (key, js_key) in keys.iter() {
            let value = Reflect::get(profile, js_key)?;
            if value.is_undefined() {
                continue;
            }
            map.insert(key.clone(), data_from_js(&value, Some(key))?);
        }
        Ok(serde_json::Value::Object(map))
    }
}

/// The profile keys a rule can read: its top-level fields (through `set`
/// for references) and, since `a.b` also finds a flat `"a.b"` key, every
/// dotted path whole.
fn profile_keys(segment: &Segment, set: Option<&SegmentSet>) -> Vec<String> {
    let mut keys = segment.fields_with(set);
    add_dotted_keys(segment.expr(), &mut keys);
    if let Some(set) = set {
        for name in set.names() {
            if let Some(s) = set.get(name) {
                add_dotted_keys(s.expr(), &mut keys);
            }
        }
    }
    keys
}

fn add_dotted_keys(expr: &Expr, keys: &mut Vec<String>) {
    expr.walk(&mut |e| {
        if let Some(path) = e.attribute_path().filter(|p| p.len() > 1) {
            let key = path.join(".");
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    });
}

/// `Segment.parse` options as JavaScript writes them.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ParseOptionsJs {
    #[serde(default)]
    schema: Option<serde_json::Value>,
}

/// Reads an optional `Schema` argument (`undefined`/`null`: none).
pub(super) fn schema_arg(value: JsValue) -> Result<Option<Schema>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let json: serde_json::Value = from_js(value, "invalid schema")?;
    Schema::from_json(&json)
        .map(Some)
        .map_err(|e| to_js_error(&e))
}

/// `inferSchema(profiles)`: the `Schema` that a list of profiles follows.
#[wasm_bindgen(js_name = inferSchema)]
pub fn infer_schema(profiles: JsValue) -> Result<JsValue, JsValue> {
    let profiles: Vec<serde_json::Value> =
        from_js(profiles, "profiles must be an array of objects")?;
    let schema = Schema::infer(&profiles).map_err(|e| to_js_error(&e))?;
    to_js(&schema.to_json())
}

thread_local! {
    /// Live segment sets by id, so an options object's `segments` (a JS
    /// `SegmentSet` instance) can be found again without taking it over.
    static SETS: RefCell<HashMap<u32, Rc<SegmentSet>>> = RefCell::new(HashMap::new());
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// Property of a `SegmentSet` instance holding its registry id.
const SET_ID: &str = "__kaleidoSegmentSet";

/// Named segments that may refer to each other (JS class `SegmentSet`).
#[wasm_bindgen(js_name = SegmentSet)]
pub struct JsSegmentSet {
    id: u32,
}

#[wasm_bindgen(js_class = SegmentSet)]
impl JsSegmentSet {
    /// `new SegmentSet({ name: "rule text" | Segment, ... })`; a cycle or an
    /// unknown name is a `reference` KaleidoError.
    #[wasm_bindgen(constructor)]
    pub fn new(definitions: JsValue) -> Result<JsSegmentSet, JsValue> {
        let Some(object) = definitions.dyn_ref::<Object>() else {
            return Err(argument(
                "SegmentSet definitions must be an object of name: rule",
            ));
        };
        let mut segments = Vec::new();
        for entry in Object::entries(object).iter() {
            let name = Reflect::get_u32(&entry, 0)?
                .as_string()
                .ok_or_else(|| argument("segment names must be strings"))?;
            let value = Reflect::get_u32(&entry, 1)?;
            let segment = if let Some(text) = value.as_string() {
                Segment::parse(&text).map_err(|e| to_js_error(&e))?
            } else {
                // A `Segment` instance: read its canonical JSON (without
                // taking the JS object over) and rebuild it.
                let to_json = if value.is_object() {
                    Reflect::get(&value, &JsValue::from_str("toJSON"))?
                } else {
                    JsValue::UNDEFINED
                };
                let Some(to_json) = to_json.dyn_ref::<js_sys::Function>() else {
                    return Err(argument(format!(
                        "segment {name:?} must be rule text or a Segment"
                    )));
                };
                let ast: serde_json::Value = from_js(to_json.call0(&value)?, "not a segment")?;
                Segment::from_json(&ast).map_err(|e| to_js_error(&e))?
            };
            segments.push((name, segment));
        }
        let set = SegmentSet::new(segments).map_err(|e| to_js_error(&e))?;
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id.wrapping_add(1));
            id
        });
        SETS.with(|s| s.borrow_mut().insert(id, Rc::new(set)));
        Ok(JsSegmentSet { id })
    }

    /// The registry id (read back when the set is passed inside options).
    #[wasm_bindgen(getter = __kaleidoSegmentSet)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The segment names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.with(|set| set.names().map(str::to_owned).collect())
            .unwrap_or_default()
    }
}

impl JsSegmentSet {
    fn with<T>(&self, f: impl FnOnce(&SegmentSet) -> T) -> Option<T> {
        SETS.with(|s| s.borrow().get(&self.id).map(|set| f(set)))
    }

    /// Finds the set behind a JS `SegmentSet` instance, with its id.
    pub(super) fn resolve(value: &JsValue) -> Result<(u32, Rc<SegmentSet>), JsValue> {
        let id = Reflect::get(value, &JsValue::from_str(SET_ID))?
            .as_f64()
            .ok_or_else(|| argument("options.segments must be a SegmentSet"))?
            as u32;
        SETS.with(|s| s.borrow().get(&id).cloned())
            .map(|set| (id, set))
            .ok_or_else(|| argument("options.segments is a SegmentSet that was freed"))
    }
}

impl Drop for JsSegmentSet {
    fn drop(&mut self) {
        SETS.with(|s| s.borrow_mut().remove(&self.id));
    }
}
