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
    keys: RefCell<Option<(u32, Rc<ProfileReader>)>>,
}

// The fast read of a profile: only the keys a rule reads, in JS (src/wasm/pick.js).
#[wasm_bindgen(module = "/src/wasm/pick.js")]
extern "C" {
    /// `JSON.stringify` of what a rule reads of `profile` (see above): one
    /// crossing of the boundary per profile. Throws what JSON.stringify throws.
    #[wasm_bindgen(catch, js_name = kaleidoPickProfile)]
    fn pick_profile(
        profile: &JsValue,
        keys: &js_sys::Array,
        types: &js_sys::Array,
        props: &js_sys::Array,
    ) -> Result<String, JsValue>;
}

/// A key as a Rust string and as a ready-made JS string.
type Key = (String, JsValue);

/// What `test` copies out of a JS profile: the top-level keys the rule
/// reads and, from `events`, only `type`, `at` and the properties the rule
/// reads of each event type it names.
struct ProfileReader {
    keys: Vec<Key>,
    /// Event types the rule names (as Rust and JS strings), with the
    /// property keys it reads.
    event_types: Vec<(Key, Vec<Key>)>,
    /// The `type` written for events of types the rule never names (nothing
    /// else of them is copied, as the core reads nothing else of them): a
    /// string no named type equals, so error positions stay the same.
    other_type: String,
    type_key: JsValue,
    at_key: JsValue,
    /// The same as JS arrays, for [`pick_profile`].
    js_keys: js_sys::Array,
    js_types: js_sys::Array,
    js_props: js_sys::Array,
}

fn key(k: String) -> Key {
    let js = JsValue::from_str(&k);
    (k, js)
}

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
        self.with_profile(&profile, options.set(), |p| {
            self.inner.test(p, &options.get())
        })
    }

    /// `segment.evaluate(profile, options?)`: `true`, `false` or `null` (unknown).
    pub fn evaluate(&self, profile: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let options = eval_options(options)?;
        let result = self.with_profile(&profile, options.set(), |p| {
            self.inner.evaluate(p, &options.get())
        })?;
        Ok(result.map_or(JsValue::NULL, JsValue::from_bool))
    }

    /// `segment.explain(profile, options?)`: an `Explanation` tree.
    /// With `predictor` (a `Predictor`) or `model` (a `Predictor.model`) in
    /// the options, predicted fields the profile does not carry are derived
    /// and their leaves carry the model `inputs`.
    pub fn explain(&self, profile: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let predictor = super::predict::explain_predictor(&options)?;
        let options = eval_options(options)?;
        if let Some(predictor) = predictor {
            let p = data_from_js(&profile, None)?;
            let explanation = self
                .inner
                .explain_predicted(&p, &options.get(), &predictor, 0)
                .map_err(|e| to_js_error(&e))?;
            return to_js(&explanation);
        }
        let explanation = self.with_profile(&profile, options.set(), |p| {
            self.inner.explain(p, &options.get())
        })?;
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

    /// Runs `f` on what the rule reads of a JS profile. First on the fast
    /// read ([`pick_profile`]: only the keys the rule reads and, of `events`,
    /// only those of the types it reads); if `f` fails, again on the exact
    /// read (every event in place), so a data error names the same
    /// `events[i]` as natively. Both reads give the core the same answer:
    /// it reads nothing of events of other types but their `type`, which
    /// the fast read checks before leaving them out.
    fn with_profile<T>(
        &self,
        profile: &JsValue,
        set: Option<(u32, &SegmentSet)>,
        f: impl Fn(&serde_json::Value) -> crate::Result<T>,
    ) -> Result<T, JsValue> {
        if !profile.is_object() || js_sys::Array::is_array(profile) {
            return f(&data_from_js(profile, None)?).map_err(|e| to_js_error(&e));
        }
        let reader = self.reader(set);
        if let Some(fast) = reader.pick(profile) {
            if let Ok(result) = f(&fast) {
                return Ok(result);
            }
        }
        f(&reader.read(profile)?).map_err(|e| to_js_error(&e))
    }

    /// The profile reader for this rule with `set` (cached per set).
    fn reader(&self, set: Option<(u32, &SegmentSet)>) -> Rc<ProfileReader> {
        let set_id = set.map_or(0, |(id, _)| id);
        let cached = self
            .keys
            .borrow()
            .as_ref()
            .filter(|(id, _)| *id == set_id)
            .map(|(_, keys)| Rc::clone(keys));
        let reader = match cached {
            Some(reader) => reader,
            None => {
                let set = set.map(|(_, s)| s);
                let event_types: Vec<(Key, Vec<Key>)> = self
                    .inner
                    .event_properties_with(set)
                    .into_iter()
                    .map(|(ty, props)| (key(ty), props.into_iter().map(key).collect()))
                    .collect();
                let mut other_type = String::from("\u{1}");
                while event_types.iter().any(|((t, _), _)| *t == other_type) {
                    other_type.push('\u{1}');
                }
                let keys: Vec<Key> = profile_keys(&self.inner, set)
                    .into_iter()
                    .map(key)
                    .collect();
                let js_keys = keys.iter().map(|(_, js)| js.clone()).collect();
                let js_types = event_types.iter().map(|((_, js), _)| js.clone()).collect();
                let js_props = event_types
                    .iter()
                    .map(|(_, props)| {
                        props
                            .iter()
                            .map(|(_, js)| js.clone())
                            .collect::<js_sys::Array>()
                    })
                    .collect();
                let reader = Rc::new(ProfileReader {
                    keys,
                    js_keys,
                    js_types,
                    js_props,
                    event_types,
                    other_type,
                    type_key: JsValue::from_str("type"),
                    at_key: JsValue::from_str("at"),
                });
                *self.keys.borrow_mut() = Some((set_id, Rc::clone(&reader)));
                reader
            }
        };
        reader
    }
}

impl ProfileReader {
    /// The fast read: one call into JS that picks and stringifies, one
    /// parse. `None` if JSON.stringify throws (a cycle, a BigInt) or the
    /// text is not JSON serde_json accepts (a lone surrogate).
    fn pick(&self, profile: &JsValue) -> Option<serde_json::Value> {
        let text = pick_profile(profile, &self.js_keys, &self.js_types, &self.js_props).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The exact read, key by key, naming the field of anything that is
    /// not JSON data; events keep their positions ([`Self::read_events`]).
    fn read(&self, profile: &JsValue) -> Result<serde_json::Value, JsValue> {
        let mut map = serde_json::Map::new();
        for (key, js_key) in self.keys.iter() {
            let value = Reflect::get(profile, js_key)?;
            if value.is_undefined() {
                continue;
            }
            let data = if key == "events" {
                self.read_events(&value)?
            } else {
                data_from_js(&value, Some(key))?
            };
            map.insert(key.clone(), data);
        }
        Ok(serde_json::Value::Object(map))
    }

    /// Copies an `events` array keeping every event (so error positions stay
    /// the same) but, of each, only what the core reads: `type`, and for the
    /// types the rule names, `at` and the properties the rule reads. Anything
    /// that is not an object with a string `type` is copied whole for the
    /// core to reject.
    fn read_events(&self, events: &JsValue) -> Result<serde_json::Value, JsValue> {
        let Some(array) = events.dyn_ref::<js_sys::Array>() else {
            return data_from_js(events, Some("events"));
        };
        let mut out = Vec::with_capacity(array.length() as usize);
        for event in array.iter() {
            if !event.is_object() || js_sys::Array::is_array(&event) {
                out.push(data_from_js(&event, Some("events"))?);
                continue;
            }
            let ty = Reflect::get(&event, &self.type_key)?;
            if !ty.is_string() {
                out.push(data_from_js(&event, Some("events"))?);
                continue;
            }
            let mut map = serde_json::Map::new();
            // `===` on JS strings: no copy of the type into Rust.
            let named = self.event_types.iter().find(|((_, js), _)| *js == ty);
            let type_name = match named {
                Some(((name, _), props)) => {
                    let at = Reflect::get(&event, &self.at_key)?;
                    if !at.is_undefined() {
                        map.insert("at".to_owned(), data_from_js(&at, Some("events"))?);
                    }
                    for (key, js_key) in props {
                        let value = Reflect::get(&event, js_key)?;
                        if !value.is_undefined() {
                            map.insert(key.clone(), data_from_js(&value, Some(key))?);
                        }
                    }
                    name.clone()
                }
                None => self.other_type.clone(),
            };
            map.insert("type".to_owned(), serde_json::Value::String(type_name));
            out.push(serde_json::Value::Object(map));
        }
        Ok(serde_json::Value::Array(out))
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
