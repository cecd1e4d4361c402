//! Schemas: the declared type of every profile field and event property.
//!
//! The JSON form is the JavaScript `Schema` type:
//!
//! ```json
//! { "age": "number", "consent.marketing": "boolean", "interests": "string[]",
//!   "purchase": { "event": { "amount": "number", "category": "string" } } }
//! ```
//!
//! Field names are dotted paths into nested objects. An `{ "event": … }` entry
//! declares an event type and the types of its properties; every event also
//! has `type` (a string) and `at` (a date-time), which need not be declared.
//!
//! [`Schema::infer`] derives a schema from sample profiles.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};

/// The type of one attribute or event property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// `"number"`: a JSON number.
    Number,
    /// `"string"`: a JSON string.
    String,
    /// `"boolean"`: `true` or `false`.
    Boolean,
    /// `"date"`: a `YYYY-MM-DD` string, a calendar date.
    Date,
    /// `"datetime"`: an RFC 3339 string, an instant.
    DateTime,
    /// `"string[]"`: an array of strings.
    StringList,
}

impl ValueType {
    /// The type's name in the JSON form (`"number"`, `"string[]"`, …).
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Number => "number",
            ValueType::String => "string",
            ValueType::Boolean => "boolean",
            ValueType::Date => "date",
            ValueType::DateTime => "datetime",
            ValueType::StringList => "string[]",
        }
    }

    /// Reads a type name of the JSON form.
    pub fn from_name(name: &str) -> Option<ValueType> {
        Some(match name {
            "number" => ValueType::Number,
            "string" => ValueType::String,
            "boolean" => ValueType::Boolean,
            "date" => ValueType::Date,
            "datetime" => ValueType::DateTime,
            "string[]" => ValueType::StringList,
            _ => return None,
        })
    }

    /// `date` or `datetime`: the types date conditions accept.
    pub fn is_temporal(self) -> bool {
        matches!(self, ValueType::Date | ValueType::DateTime)
    }
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The declared properties of one event type (besides `type` and `at`).
#[derive(Debug, Clone, Default)]
pub struct EventSchema {
    properties: Vec<(String, ValueType)>,
}

impl EventSchema {
    /// An event type with no declared properties.
    pub fn new() -> EventSchema {
        EventSchema::default()
    }

    /// Declares (or redeclares) a property, a dotted path into the event object.
    pub fn insert(&mut self, name: impl Into<String>, ty: ValueType) {
        let name = name.into();
        match self.properties.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = ty,
            None => self.properties.push((name, ty)),
        }
    }

    /// The type of property `name`; `type` is a string and `at` a date-time
    /// even when not declared.
    pub fn get(&self, name: &str) -> Option<ValueType> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| *t)
            .or(match name {
                "type" => Some(ValueType::String),
                "at" => Some(ValueType::DateTime),
                _ => None,
            })
    }

    /// The declared properties, in declaration order.
    pub fn properties(&self) -> impl Iterator<Item = (&str, ValueType)> {
        self.properties.iter().map(|(n, t)| (n.as_str(), *t))
    }

    /// Every property name `get` knows, for did-you-mean suggestions.
    fn names(&self) -> impl Iterator<Item = &str> {
        self.properties
            .iter()
            .map(|(n, _)| n.as_str())
            .chain(["type", "at"])
    }

    /// A did-you-mean suggestion for an unknown property.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        super::suggest(name, self.names())
    }
}

/// Equality ignores declaration order.
impl PartialEq for EventSchema {
    fn eq(&self, other: &EventSchema) -> bool {
        self.properties.len() == other.properties.len()
            && self
                .properties
                .iter()
                .all(|(n, t)| other.properties.iter().any(|(m, u)| n == m && t == u))
    }
}

/// What a schema entry declares.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    /// A profile attribute of this type.
    Value(ValueType),
    /// An event type with these properties.
    Event(EventSchema),
}

/// The declared types of a profile's attributes and events.
///
/// Serializes to and from the JavaScript `Schema` JSON, keeping the order of
/// its entries; equality ignores that order.
///
/// ```
/// use kaleido::Schema;
/// use serde_json::json;
/// let doc = json!({ "age": "number", "purchase": { "event": { "amount": "number" } } });
/// let schema = Schema::from_json(&doc).unwrap();
/// assert_eq!(schema.to_json(), doc);
/// assert!(Schema::from_json(&json!({ "age": "int" })).is_err());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Schema {
    fields: Vec<(String, FieldType)>,
    /// Attributes holding sensitive data (health, religion…): `check` warns
    /// when a rule reads one without a consent condition. JSON form:
    /// `{"health.condition": {"type": "string", "sensitive": true}}`.
    sensitive: Vec<String>,
}

impl PartialEq for Schema {
    fn eq(&self, other: &Schema) -> bool {
        self.sensitive.len() == other.sensitive.len()
            && self.sensitive.iter().all(|s| other.sensitive.contains(s))
            && self.fields.len() == other.fields.len()
            && self
                .fields
                .iter()
                .all(|(n, t)| other.get(n).is_some_and(|u| t == u))
    }
}

fn argument(field: &str, message: String) -> Error {
    Error::new(ErrorKind::Argument, message).with_row_field(None, Some(field.to_string()))
}

/// Checks a dotted path: non-empty, no empty segment.
fn check_name(what: &str, name: &str) -> std::result::Result<(), String> {
    if name.is_empty() {
        return Err(format!("{what} name is empty"));
    }
    if name.split('.').any(str::is_empty) {
        return Err(format!(
            "{what} {name:?} has an empty segment in its dotted path"
        ));
    }
    Ok(())
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Schema {
        Schema::default()
    }

    /// Adds an entry. An empty name or dotted segment, a duplicate name, or an
    /// attribute nested inside another attribute (`consent` and
    /// `consent.marketing` both declared) is an [`ErrorKind::Argument`] error
    /// naming the field.
    pub fn insert(&mut self, name: impl Into<String>, ty: FieldType) -> Result<()> {
        let name = name.into();
        check_name("field", &name).map_err(|m| argument(&name, format!("bad schema: {m}")))?;
        if self.get(&name).is_some() {
            return Err(argument(
                &name,
                format!("bad schema: field {name:?} is declared twice"),
            ));
        }
        if let FieldType::Event(event) = &ty {
            for (prop, t) in event.properties() {
                check_name("property", prop)
                    .map_err(|m| argument(&name, format!("bad schema: event {name:?}: {m}")))?;
                let implicit = match prop {
                    "type" => Some(ValueType::String),
                    "at" => Some(ValueType::DateTime),
                    _ => None,
                };
                if let Some(implicit) = implicit.filter(|i| *i != t) {
                    return Err(argument(
                        &name,
                        format!(
                            "bad schema: event {name:?}: property {prop:?} is always a {implicit}, not a {t}"
                        ),
                    ));
                }
            }
        } else {
            for (other, other_ty) in &self.fields {
                if !matches!(other_ty, FieldType::Value(_)) {
                    continue;
                }
                let (outer, inner) = if name.len() < other.len() {
                    (name.as_str(), other.as_str())
                } else {
                    (other.as_str(), name.as_str())
                };
                if inner
                    .strip_prefix(outer)
                    .is_some_and(|r| r.starts_with('.'))
                {
                    return Err(argument(
                        &name,
                        format!(
                            "bad schema: field {inner:?} is inside {outer:?}, which is declared as a value, not an object"
                        ),
                    ));
                }
            }
        }
        self.fields.push((name, ty));
        Ok(())
    }

    /// Marks attribute `name` (declared or not) as sensitive.
    pub fn mark_sensitive(&mut self, name: impl Into<String>) {
        let name = name.into();
        if !self.sensitive.contains(&name) {
            self.sensitive.push(name);
        }
    }

    /// Whether attribute `name` (a dotted path), or an object containing it,
    /// is marked sensitive.
    pub fn is_sensitive(&self, name: &str) -> bool {
        self.sensitive.iter().any(|s| {
            name == s
                || name
                    .strip_prefix(s.as_str())
                    .is_some_and(|r| r.starts_with('.'))
        })
    }

    /// The entry called `name`.
    pub fn get(&self, name: &str) -> Option<&FieldType> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// The type of attribute `name` (a dotted path), if declared as one.
    pub fn attribute(&self, name: &str) -> Option<ValueType> {
        match self.get(name) {
            Some(FieldType::Value(t)) => Some(*t),
            _ => None,
        }
    }

    /// The properties of event type `name`, if declared as one.
    pub fn event(&self, name: &str) -> Option<&EventSchema> {
        match self.get(name) {
            Some(FieldType::Event(e)) => Some(e),
            _ => None,
        }
    }

    /// Every entry, in declaration order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &FieldType)> {
        self.fields.iter().map(|(n, t)| (n.as_str(), t))
    }

    /// The attribute names, in declaration order.
    pub fn attribute_names(&self) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(|(_, t)| matches!(t, FieldType::Value(_)))
            .map(|(n, _)| n.as_str())
    }

    /// The event type names, in declaration order.
    pub fn event_names(&self) -> impl Iterator<Item = &str> {
        self.fields
            .iter()
            .filter(|(_, t)| matches!(t, FieldType::Event(_)))
            .map(|(n, _)| n.as_str())
    }

    /// Reads the JSON form. A malformed schema is an [`ErrorKind::Argument`]
    /// error whose `field` names the offending entry.
    pub fn from_json(value: &Value) -> Result<Schema> {
        let Value::Object(map) = value else {
            return Err(Error::new(
                ErrorKind::Argument,
                "bad schema: expected an object mapping field names to types",
            ));
        };
        let mut schema = Schema::new();
        for (name, ty) in map {
            let ty = match ty {
                Value::String(t) => FieldType::Value(ValueType::from_name(t).ok_or_else(|| {
                    argument(name, format!("bad schema: field {name:?} has unknown type {t:?} (expected number, string, boolean, date, datetime, string[] or {{\"event\": {{…}}}})"))
                })?),
                Value::Object(o) if o.contains_key("type") => {
                    let t = o.get("type").and_then(Value::as_str).and_then(ValueType::from_name);
                    let sensitive = o.get("sensitive").and_then(Value::as_bool);
                    let known = o.keys().all(|k| k == "type" || k == "sensitive");
                    match (t, sensitive.is_some() || !o.contains_key("sensitive"), known) {
                        (Some(t), true, true) => {
                            if sensitive == Some(true) {
                                schema.mark_sensitive(name.clone());
                            }
                            FieldType::Value(t)
                        }
                        _ => return Err(argument(
                            name,
                            format!("bad schema: field {name:?}: an attribute object must be {{\"type\": TYPE, \"sensitive\": true|false}}"),
                        )),
                    }
                }
                Value::Object(o) => FieldType::Event(Schema::event_from_json(name, o)?),
                other => {
                    return Err(argument(
                        name,
                        format!("bad schema: field {name:?} has type {other}, expected a type name or {{\"event\": {{…}}}}"),
                    ))
                }
            };
            schema.insert(name.clone(), ty)?;
        }
        Ok(schema)
    }

    fn event_from_json(name: &str, o: &Map<String, Value>) -> Result<EventSchema> {
        let props = match (o.get("event"), o.len()) {
            (Some(Value::Object(props)), 1) => props,
            _ => {
                return Err(argument(
                    name,
                    format!("bad schema: field {name:?}: an object entry must be {{\"event\": {{property: type, …}}}}"),
                ))
            }
        };
        let mut event = EventSchema::new();
        for (prop, t) in props {
            let ty = t.as_str().and_then(ValueType::from_name).ok_or_else(|| {
                argument(
                    name,
                    format!("bad schema: event {name:?}: property {prop:?} has unknown type {t} (expected number, string, boolean, date, datetime or string[])"),
                )
            })?;
            event.insert(prop.clone(), ty);
        }
        Ok(event)
    }

    /// The JSON form (the JavaScript `Schema`), in declaration order.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        for (name, ty) in &self.fields {
            let v = match ty {
                FieldType::Value(t) if self.sensitive.contains(name) => {
                    let mut o = Map::new();
                    o.insert("type".into(), Value::String(t.name().into()));
                    o.insert("sensitive".into(), Value::Bool(true));
                    Value::Object(o)
                }
                FieldType::Value(t) => Value::String(t.name().into()),
                FieldType::Event(e) => {
                    let props: Map<String, Value> = e
                        .properties()
                        .map(|(p, t)| (p.to_string(), Value::String(t.name().into())))
                        .collect();
                    let mut o = Map::new();
                    o.insert("event".into(), Value::Object(props));
                    Value::Object(o)
                }
            };
            map.insert(name.clone(), v);
        }
        Value::Object(map)
    }

    /// Infers a schema from sample profiles; see [`infer`].
    pub fn infer(profiles: &[Value]) -> Result<Schema> {
        infer(profiles)
    }
}

impl Serialize for Schema {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Schema, D::Error> {
        let value = Value::deserialize(d)?;
        Schema::from_json(&value).map_err(|e| serde::de::Error::custom(e.message()))
    }
}

// ---------------------------------------------------------------------------
// Inference

/// What one value looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Number,
    Boolean,
    String,
    Date,
    DateTime,
    List,
    EmptyList,
    Object,
}

impl Seen {
    const ALL: [Seen; 8] = [
        Seen::Number,
        Seen::Boolean,
        Seen::String,
        Seen::Date,
        Seen::DateTime,
        Seen::List,
        Seen::EmptyList,
        Seen::Object,
    ];

    fn index(self) -> usize {
        self as usize
    }

    fn plural(self) -> &'static str {
        match self {
            Seen::Number => "numbers",
            Seen::Boolean => "booleans",
            Seen::String => "strings",
            Seen::Date => "dates",
            Seen::DateTime => "date-times",
            Seen::List => "lists of strings",
            Seen::EmptyList => "empty lists",
            Seen::Object => "objects",
        }
    }
}

/// Whether `s` is a `YYYY-MM-DD` calendar date.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// Whether `s` is an RFC 3339 date-time.
fn is_date_time(s: &str) -> bool {
    s.len() >= 20 && DateTime::parse_from_rfc3339(s).is_ok()
}

/// The first row (1-based) each kind was seen in, for one path.
#[derive(Debug, Default)]
struct Observed {
    first_row: [Option<u64>; 8],
}

#[derive(Debug, Default)]
struct Collector {
    order: Vec<String>,
    seen: HashMap<String, Observed>,
}

impl Collector {
    fn note(&mut self, path: &str, kind: Seen, row: u64) {
        if !self.seen.contains_key(path) {
            self.order.push(path.to_string());
        }
        let slot = self.seen.entry(path.to_string()).or_default();
        if let Some(first) = slot.first_row.get_mut(kind.index()) {
            first.get_or_insert(row);
        }
    }

    /// Records `value` at `path` (and, for objects, every path below it).
    fn value(&mut self, path: &str, value: &Value, row: u64, what: &str) -> Result<()> {
        let kind = match value {
            Value::Null => return Ok(()),
            Value::Number(_) => Seen::Number,
            Value::Bool(_) => Seen::Boolean,
            Value::String(s) if is_date(s) => Seen::Date,
            Value::String(s) if is_date_time(s) => Seen::DateTime,
            Value::String(_) => Seen::String,
            Value::Array(items) => {
                let mut any = false;
                for item in items {
                    match item {
                        Value::Null => {}
                        Value::String(_) => any = true,
                        other => {
                            return Err(Error::new(
                                ErrorKind::Data,
                                format!("{what} {path:?} is a list holding {other}; lists must hold strings"),
                            )
                            .with_row_field(Some(row), Some(path.to_string())))
                        }
                    }
                }
                if any {
                    Seen::List
                } else {
                    Seen::EmptyList
                }
            }
            Value::Object(map) => {
                for (key, v) in map {
                    self.value(&format!("{path}.{key}"), v, row, what)?;
                }
                Seen::Object
            }
        };
        self.note(path, kind, row);
        Ok(())
    }

    /// The resolved type of each path, in first-seen order. Paths seen only
    /// as objects or nulls get no entry.
    fn finish(self, what: &str) -> Result<Vec<(String, ValueType)>> {
        let mut out = Vec::new();
        for path in self.order {
            let Some(obs) = self.seen.get(&path) else {
                continue;
            };
            let has = |k: Seen| obs.first_row.get(k.index()).copied().flatten().is_some();
            let kinds: Vec<Seen> = Seen::ALL.into_iter().filter(|k| has(*k)).collect();
            let textual = [Seen::String, Seen::Date, Seen::DateTime];
            let lists = [Seen::List, Seen::EmptyList];
            let ty = if kinds == [Seen::Object] {
                None
            } else if kinds == [Seen::Number] {
                Some(ValueType::Number)
            } else if kinds == [Seen::Boolean] {
                Some(ValueType::Boolean)
            } else if kinds.iter().all(|k| textual.contains(k)) {
                Some(if has(Seen::String) {
                    ValueType::String
                } else if has(Seen::DateTime) {
                    ValueType::DateTime
                } else {
                    ValueType::Date
                })
            } else if kinds.iter().all(|k| lists.contains(k)) {
                Some(ValueType::StringList)
            } else {
                // Two incompatible kinds: name the first two, with their rows.
                let rows: Vec<(Seen, u64)> = kinds
                    .iter()
                    .filter_map(|k| {
                        obs.first_row
                            .get(k.index())
                            .copied()
                            .flatten()
                            .map(|r| (*k, r))
                    })
                    .collect();
                let (a, b) = match (rows.first(), rows.get(1)) {
                    (Some(a), Some(b)) => (*a, *b),
                    _ => continue,
                };
                let (first, second) = if a.1 <= b.1 { (a, b) } else { (b, a) };
                return Err(Error::new(
                    ErrorKind::Data,
                    format!(
                        "cannot infer a type for {what} {path:?}: it holds {} (row {}) and {} (row {})",
                        first.0.plural(),
                        first.1,
                        second.0.plural(),
                        second.1
                    ),
                )
                .with_row_field(Some(second.1), Some(path)));
            };
            if let Some(ty) = ty {
                out.push((path, ty));
            }
        }
        Ok(out)
    }
}

/// Infers a schema from sample profiles.
///
/// - Numbers, booleans, strings, `YYYY-MM-DD` dates, RFC 3339 date-times and
///   lists of strings give `number`, `boolean`, `string`, `date`, `datetime`
///   and `string[]`; nested objects are flattened to dotted paths
///   (`consent.marketing`).
/// - `null`s (and null list elements) are ignored; a field that is only ever
///   null or an empty object gets no entry. An empty list is a `string[]`.
/// - The `events` array gives one `{ "event": … }` entry per event type, with
///   the types of its properties (`type` and `at` are implicit).
/// - Where profiles disagree the common type is taken when there is one: dates
///   with date-times give `datetime`; dates or date-times with other strings
///   give `string`. Any other disagreement (a number in one profile, a string
///   in another; a value in one, an object in another) is an
///   [`ErrorKind::Data`] error naming the field and the rows. So is a profile
///   that is not an object, a list holding non-strings, an event without a
///   string `type`, or an event type that is also an attribute name.
///
/// ```
/// use serde_json::json;
/// let schema = kaleido::Schema::infer(&[
///     json!({ "id": 1, "age": 31, "consent": { "marketing": true },
///             "events": [{ "type": "purchase", "at": "2025-01-02T10:00:00Z", "amount": 20 }] }),
///     json!({ "id": 2, "age": null, "birthday": "1990-05-01" }),
/// ]).unwrap();
/// assert_eq!(schema.to_json(), json!({
///     "id": "number", "age": "number", "consent.marketing": "boolean", "birthday": "date",
///     "purchase": { "event": { "amount": "number" } }
/// }));
/// ```
pub fn infer(profiles: &[Value]) -> Result<Schema> {
    let mut attributes = Collector::default();
    let mut event_order: Vec<String> = Vec::new();
    let mut events: HashMap<String, Collector> = HashMap::new();
    for (i, profile) in profiles.iter().enumerate() {
        let row = i as u64 + 1;
        let Value::Object(map) = profile else {
            return Err(Error::new(
                ErrorKind::Data,
                format!("profile is {profile}, expected an object"),
            )
            .with_row_field(Some(row), None));
        };
        for (key, value) in map {
            if key != "events" {
                attributes.value(key, value, row, "field")?;
                continue;
            }
            let list = match value {
                Value::Null => continue,
                Value::Array(list) => list,
                _ => {
                    return Err(Error::new(
                        ErrorKind::Data,
                        "\"events\" must be an array of {type, at, …} objects",
                    )
                    .with_row_field(Some(row), Some("events".into())))
                }
            };
            for event in list {
                let bad = || {
                    Error::new(
                        ErrorKind::Data,
                        format!("event {event} is not an object with a string \"type\""),
                    )
                    .with_row_field(Some(row), Some("events".into()))
                };
                let Value::Object(props) = event else {
                    return Err(bad());
                };
                let Some(Value::String(ty)) = props.get("type") else {
                    return Err(bad());
                };
                if !events.contains_key(ty) {
                    event_order.push(ty.clone());
                }
                let collector = events.entry(ty.clone()).or_default();
                for (prop, v) in props {
                    if prop != "type" && prop != "at" {
                        collector.value(prop, v, row, &format!("property of event {ty:?}"))?;
                    }
                }
            }
        }
    }
    let mut schema = Schema::new();
    for (name, ty) in attributes.finish("field")? {
        schema.insert(name, FieldType::Value(ty))?;
    }
    for name in event_order {
        let Some(collector) = events.remove(&name) else {
            continue;
        };
        let mut event = EventSchema::new();
        for (prop, ty) in collector.finish(&format!("property of event {name:?}"))? {
            event.insert(prop, ty);
        }
        if schema.get(&name).is_some() {
            return Err(Error::new(
                ErrorKind::Data,
                format!(
                    "{name:?} is both a profile field and an event type; a schema cannot hold both"
                ),
            )
            .with_row_field(None, Some(name)));
        }
        schema.insert(name, FieldType::Event(event))?;
    }
    Ok(schema)
}
