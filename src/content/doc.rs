//! A JSON document in an arena, borrowing its strings from the text it was
//! read from.
//!
//! The plan (`plan.rs`) reads a profile's template fields from a [`Doc`]
//! rather than a `serde_json::Value`: a `Value` object is an `IndexMap`
//! whose every key and string is its own allocation and whose every insert
//! and lookup hashes with SipHash. A render of an email reads a few dozen
//! values once, so building that map costs more than the render itself.
//! A `Doc` is read by a direct reader ([`read`]) that leaves to serde_json
//! whatever it is not sure to read the same way; its arrays and objects are
//! slices in a [`Bump`] arena (one reset per render, no allocation per
//! object), its objects are searched by key, and its strings point into the
//! text unless they hold escapes.

use std::collections::HashSet;

use bumpalo::Bump;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Number, Value};

mod read;

/// A JSON value; containers in an arena, strings borrowed where possible.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Doc<'a> {
    Null,
    Bool(bool),
    /// As serde_json reads it: `u64`, `i64` or `f64`.
    Number(Number),
    String(&'a str),
    Array(&'a [Doc<'a>]),
    /// Entries in the order of the text; keys are unique (a text that
    /// repeats a key in an object is refused by [`Doc::parse`]).
    Object(&'a [(&'a str, Doc<'a>)]),
}

/// Objects with more keys than this are checked for repeats with a set.
const SMALL_OBJECT: usize = 16;

impl<'a> Doc<'a> {
    /// Reads `text` into `arena`; `None` where the direct reader is not sure
    /// to read what serde_json reads (invalid JSON, an object repeating a
    /// key, where a `Value` keeps the last, a lone surrogate, deep
    /// nesting): the caller then reads a `serde_json::Value`.
    pub(crate) fn parse(text: &'a str, arena: &'a Bump) -> Option<Doc<'a>> {
        read::parse(text, arena)
    }

    /// `self[key]` for an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Doc<'a>> {
        match self {
            Doc::Object(entries) => entries.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The same data as a `serde_json::Value`.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Doc::Null => Value::Null,
            Doc::Bool(b) => Value::Bool(*b),
            Doc::Number(n) => Value::Number(n.clone()),
            Doc::String(s) => Value::String((*s).to_owned()),
            Doc::Array(items) => Value::Array(items.iter().map(Doc::to_value).collect()),
            Doc::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), v.to_value()))
                    .collect(),
            ),
        }
    }

    /// A document borrowing from `value`, its containers in `arena`.
    pub(crate) fn of(value: &'a Value, arena: &'a Bump) -> Doc<'a> {
        match value {
            Value::Null => Doc::Null,
            Value::Bool(b) => Doc::Bool(*b),
            Value::Number(n) => Doc::Number(n.clone()),
            Value::String(s) => Doc::String(s),
            Value::Array(items) => {
                Doc::Array(arena.alloc_slice_fill_iter(items.iter().map(|v| Doc::of(v, arena))))
            }
            Value::Object(map) => {
                Doc::Object(arena.alloc_slice_fill_iter(
                    map.iter().map(|(k, v)| (k.as_str(), Doc::of(v, arena))),
                ))
            }
        }
    }
}

/// Whether `entries` (unique keys) already hold `key`; `seen` is the set of
/// their keys once there are more than [`SMALL_OBJECT`].
fn repeats<'a>(
    entries: &[(&'a str, Doc<'a>)],
    seen: &mut Option<HashSet<&'a str>>,
    key: &'a str,
) -> bool {
    if let Some(set) = seen {
        return !set.insert(key);
    }
    if entries.iter().any(|(k, _)| *k == key) {
        return true;
    }
    if entries.len() == SMALL_OBJECT {
        *seen = Some(entries.iter().map(|(k, _)| *k).chain([key]).collect());
    }
    false
}

/// Serializes as the `serde_json::Value` it stands for does.
impl Serialize for Doc<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Doc::Null => s.serialize_unit(),
            Doc::Bool(b) => s.serialize_bool(*b),
            Doc::Number(n) => n.serialize(s),
            Doc::String(t) => s.serialize_str(t),
            Doc::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in *items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Doc::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in *entries {
                    map.serialize_entry(*k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let text = r#"{"plain":"abc","esc":"a\nb"}"#;
        let arena = Bump::new();
        let doc = Doc::parse(text, &arena).unwrap();
        let Some(Doc::String(plain)) = doc.get("plain") else {
            panic!()
        };
        assert!(text.as_bytes().as_ptr_range().contains(&plain.as_ptr()));
        assert_eq!(doc.get("esc"), Some(&Doc::String("a\nb")));
    }

    #[test]
    fn repeated_keys_and_bad_text_are_refused() {
        let arena = Bump::new();
        assert!(Doc::parse(r#"{"a":1,"a":2}"#, &arena).is_none());
        let many: Vec<String> = (0..40).map(|i| format!("\"k{}\":{i}", i % 39)).collect();
        assert!(Doc::parse(&format!("{{{}}}", many.join(",")), &arena).is_none());
        let distinct: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        assert!(Doc::parse(&format!("{{{}}}", distinct.join(",")), &arena).is_some());
        assert!(Doc::parse(r#"{"a":1"#, &arena).is_none());
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(serde_json::from_str::<Value>(&deep).is_err());
        assert!(Doc::parse(&deep, &arena).is_none());
        assert!(Doc::parse(r#"{"a":{"b":1},"c":{"b":2}}"#, &arena).is_some());
    }
}
