//! A JSON document that borrows its strings from the text it was read from.
//!
//! The plan (`plan.rs`) reads a profile's template fields from a [`Doc`]
//! rather than a `serde_json::Value`: a `Value` object is an `IndexMap`
//! whose every key and string is its own allocation and whose every insert
//! and lookup hashes with SipHash. A render of an email reads a few dozen
//! values once, so building that map costs more than the render itself.
//! A `Doc` is read by the same serde_json parser (same numbers, same
//! escapes, same errors, same depth limit); its objects are lists searched
//! by key, and its strings point into the text unless they hold escapes.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Number, Value};

/// A JSON value; strings borrowed from the text where they have no escapes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Doc<'a> {
    Null,
    Bool(bool),
    /// As serde_json reads it: `u64`, `i64` or `f64`.
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Doc<'a>>),
    /// Entries in the order of the text; keys are unique (a text that
    /// repeats a key in an object is refused by [`Doc::parse`]).
    Object(Vec<(Cow<'a, str>, Doc<'a>)>),
}

mod read;

/// Objects with more keys than this are checked for repeats with a set.
const SMALL_OBJECT: usize = 16;

impl<'a> Doc<'a> {
    /// Reads `text`; `None` where serde_json would not read it into the same
    /// `Value` (invalid JSON, or an object repeating a key, where a `Value`
    /// keeps the last).
    pub(crate) fn parse(text: &'a str) -> Option<Doc<'a>> {
        read::parse(text).or_else(|| serde_json::from_str(text).ok())
    }

    /// `self[key]` for an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Doc<'a>> {
        match self {
            Doc::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The same data as a `serde_json::Value`.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Doc::Null => Value::Null,
            Doc::Bool(b) => Value::Bool(*b),
            Doc::Number(n) => Value::Number(n.clone()),
            Doc::String(s) => Value::String(s.as_ref().to_owned()),
            Doc::Array(items) => Value::Array(items.iter().map(Doc::to_value).collect()),
            Doc::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_ref().to_owned(), v.to_value()))
                    .collect(),
            ),
        }
    }

    /// A document borrowing from `value`.
    pub(crate) fn of(value: &'a Value) -> Doc<'a> {
        match value {
            Value::Null => Doc::Null,
            Value::Bool(b) => Doc::Bool(*b),
            Value::Number(n) => Doc::Number(n.clone()),
            Value::String(s) => Doc::String(Cow::Borrowed(s)),
            Value::Array(items) => Doc::Array(items.iter().map(Doc::of).collect()),
            Value::Object(map) => Doc::Object(
                map.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Doc::of(v)))
                    .collect(),
            ),
        }
    }
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
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Doc::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k.as_ref(), v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Doc<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DocVisitor)
    }
}

/// The visitor of `serde_json::Value`, building a [`Doc`].
struct DocVisitor;

impl<'de> Visitor<'de> for DocVisitor {
    type Value = Doc<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Doc<'de>, E> {
        Ok(Doc::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Doc<'de>, E> {
        Ok(Doc::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Doc<'de>, E> {
        Ok(Doc::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Doc<'de>, E> {
        Ok(Number::from_f64(n).map_or(Doc::Null, Doc::Number))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Doc<'de>, E> {
        Ok(Doc::String(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Doc<'de>, E> {
        Ok(Doc::String(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Doc<'de>, E> {
        Ok(Doc::String(Cow::Owned(s)))
    }

    fn visit_none<E>(self) -> Result<Doc<'de>, E> {
        Ok(Doc::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Doc<'de>, D::Error> {
        Deserialize::deserialize(d)
    }

    fn visit_unit<E>(self) -> Result<Doc<'de>, E> {
        Ok(Doc::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Doc<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Doc::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Doc<'de>, A::Error> {
        let mut entries: Vec<(Cow<'de, str>, Doc<'de>)> = Vec::new();
        let mut seen: Option<HashSet<Cow<'de, str>>> = None;
        while let Some(Key(key)) = map.next_key()? {
            let repeated = match &mut seen {
                Some(set) => !set.insert(key.clone()),
                None => entries.iter().any(|(k, _)| *k == key),
            };
            if repeated {
                return Err(de::Error::custom(format!("the key {key:?} is repeated")));
            }
            if seen.is_none() && entries.len() == SMALL_OBJECT {
                seen = Some(
                    entries
                        .iter()
                        .map(|(k, _)| k.clone())
                        .chain([key.clone()])
                        .collect(),
                );
            }
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Doc::Object(entries))
    }
}

/// An object key, borrowed from the text where it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text reads into the data serde_json reads, and serializes back
    /// to the same JSON.
    #[test]
    fn a_doc_holds_what_serde_json_reads() {
        let texts = [
            r#"{"a":1,"b":-2,"c":1.5,"d":1e21,"e":-0,"f":"x\"y\u00e9","g":[null,true,false,{}],"h":{"i":[]}}"#,
            r#"{"big":18446744073709551615,"neg":-9223372036854775808,"f":0.1,"t":"\ud83d\ude00"}"#,
            r#"[1,"two",{"three":3}]"#,
            r#""plain""#,
            "2.675",
            r#"{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17}"#,
        ];
        for text in texts {
            let want: Value = serde_json::from_str(text).unwrap();
            let doc = Doc::parse(text).unwrap();
            assert_eq!(doc.to_value(), want, "{text}");
            assert_eq!(
                serde_json::to_string(&doc).unwrap(),
                serde_json::to_string(&want).unwrap()
            );
            assert_eq!(Doc::of(&want), doc, "{text}");
        }
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let doc = Doc::parse(r#"{"plain":"abc","esc":"a\nb"}"#).unwrap();
        assert!(matches!(
            doc.get("plain"),
            Some(Doc::String(Cow::Borrowed("abc")))
        ));
        assert!(matches!(doc.get("esc"), Some(Doc::String(Cow::Owned(s))) if s == "a\nb"));
    }

    #[test]
    fn repeated_keys_and_bad_text_are_refused() {
        assert!(Doc::parse(r#"{"a":1,"a":2}"#).is_none());
        let many: Vec<String> = (0..40).map(|i| format!("\"k{}\":{i}", i % 39)).collect();
        assert!(Doc::parse(&format!("{{{}}}", many.join(","))).is_none());
        assert!(Doc::parse(r#"{"a":1"#).is_none());
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(serde_json::from_str::<Value>(&deep).is_err());
        assert!(Doc::parse(&deep).is_none());
        assert!(Doc::parse(r#"{"a":{"b":1},"c":{"b":2}}"#).is_some());
    }
}
