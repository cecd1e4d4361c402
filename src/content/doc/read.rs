//! The direct reader of the JSON texts profiles cross the JS boundary as.
//!
//! Reading through serde_json's deserializer costs more in visitor calls
//! and allocations than reading the text itself. This reader builds a
//! [`Doc`] in an arena in one pass, with the scanner the audience loader
//! uses too ([`crate::json_scan`]). It is an accelerator, never a second
//! reading: whatever the scanner is not sure to read as serde_json does, a
//! repeated key, or nesting past [`MAX_DEPTH`] makes it return `None`, and
//! the caller reads a `serde_json::Value`. Tests check the two agree on
//! generated documents and on broken ones.

use std::borrow::Cow;
use std::collections::HashSet;

use bumpalo::collections::Vec as ArenaVec;
use bumpalo::Bump;

use super::{repeats, Doc};
use crate::json_scan::Scanner;

/// Deeper documents are left to serde_json (whose limit is 128).
const MAX_DEPTH: usize = 100;

/// `text` as a [`Doc`] in `arena`, or `None` to leave it to serde_json.
pub(super) fn parse<'a>(text: &'a str, arena: &'a Bump) -> Option<Doc<'a>> {
    let mut r = Reader {
        sc: Scanner::new(text),
        arena,
    };
    let doc = r.value(0)?;
    r.sc.skip_ws();
    r.sc.done().then_some(doc)
}

struct Reader<'a> {
    sc: Scanner<'a>,
    arena: &'a Bump,
}

impl<'a> Reader<'a> {
    fn value(&mut self, depth: usize) -> Option<Doc<'a>> {
        self.sc.skip_ws();
        match self.sc.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Doc::String),
            b't' => self.sc.literal(b"true").map(|()| Doc::Bool(true)),
            b'f' => self.sc.literal(b"false").map(|()| Doc::Bool(false)),
            b'n' => self.sc.literal(b"null").map(|()| Doc::Null),
            b'-' | b'0'..=b'9' => self.sc.number().map(Doc::Number),
            _ => None,
        }
    }

    /// A string, in the arena when it had escapes.
    fn string(&mut self) -> Option<&'a str> {
        Some(match self.sc.string()? {
            Cow::Borrowed(s) => s,
            Cow::Owned(s) => self.arena.alloc_str(&s),
        })
    }

    /// After a value in a container: `true` at `,`, `false` at `close`.
    fn next_or_close(&mut self, close: u8) -> Option<bool> {
        self.sc.skip_ws();
        let b = self.sc.peek()?;
        self.sc.bump();
        match b {
            b',' => Some(true),
            _ if b == close => Some(false),
            _ => None,
        }
    }

    /// Past the opening bracket of a container at `depth`: `false` when it
    /// closes at once with `close`.
    fn open(&mut self, depth: usize, close: u8) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.sc.bump();
        self.sc.skip_ws();
        if self.sc.peek()? == close {
            self.sc.bump();
            return Some(false);
        }
        Some(true)
    }

    fn array(&mut self, depth: usize) -> Option<Doc<'a>> {
        if !self.open(depth, b']')? {
            return Some(Doc::Array(&[]));
        }
        let mut items = ArenaVec::with_capacity_in(4, self.arena);
        loop {
            items.push(self.value(depth)?);
            if !self.next_or_close(b']')? {
                return Some(Doc::Array(items.into_bump_slice()));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<Doc<'a>> {
        if !self.open(depth, b'}')? {
            return Some(Doc::Object(&[]));
        }
        let mut entries = ArenaVec::with_capacity_in(8, self.arena);
        let mut seen: Option<HashSet<&'a str>> = None;
        loop {
            self.sc.skip_ws();
            if self.sc.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            if repeats(&entries, &mut seen, key) {
                return None;
            }
            self.sc.skip_ws();
            if self.sc.peek()? != b':' {
                return None;
            }
            self.sc.bump();
            entries.push((key, self.value(depth)?));
            if !self.next_or_close(b'}')? {
                return Some(Doc::Object(entries.into_bump_slice()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn read(text: &str) -> Option<Value> {
        parse(text, &Bump::new()).map(|d| d.to_value())
    }

    /// The direct reading agrees with serde_json's wherever it reads.
    fn agrees(text: &str) {
        let arena = Bump::new();
        if let Some(doc) = parse(text, &arena) {
            let want: Value =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(doc.to_value(), want, "{text:?}");
            // Same numbers in the same representation (u64 / i64 / f64).
            assert_eq!(
                serde_json::to_string(&doc).unwrap(),
                serde_json::to_string(&want).unwrap()
            );
        }
    }

    /// Every text reads into the data serde_json reads, and serializes back
    /// to the same JSON; so does a document borrowing from serde_json's value.
    #[test]
    fn reads_what_json_stringify_writes() {
        let texts = [
            r#"{"a":1,"b":-2,"c":1.5,"d":1e21,"e":-0,"f":"x\"y\u00e9","g":[null,true,false,{}],"h":{"i":[]}}"#,
            r#"{"big":18446744073709551615,"neg":-9223372036854775808,"f":0.1,"t":"\ud83d\ude00"}"#,
            r#"[1,"two",{"three":3}]"#,
            r#""plain""#,
            "2.675",
            " { \"a\" : [ 1 , 2 ] , \"b\" : \"\\n\\t\\/\\\\\\b\\f\\r\" } ",
            r#"{"name":"Jo \"J\" & co","price":211.46,"at":"2025-01-02T00:00:00.000Z"}"#,
            r#"[18446744073709551616,-9223372036854775809,123456789012345678901234567890]"#,
            r#"{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17}"#,
        ];
        for text in texts {
            assert!(read(text).is_some(), "{text}");
            agrees(text);
            // And a document borrowing from serde_json's value is the same.
            let arena = Bump::new();
            let want: Value = serde_json::from_str(text).unwrap();
            assert_eq!(Some(Doc::of(&want, &arena)), parse(text, &arena), "{text}");
        }
    }

    #[test]
    fn leaves_to_serde_json_what_it_is_not_sure_of() {
        let texts = [
            r#"{"a":1,"a":2}"#,
            r#"{"a":1"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":-}"#,
            r#"{"a":1e400}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00\udc00"}"#,
            r#"{"a":"\x"}"#,
            "{\"a\":\"tab\there\"}",
            r#"{"a":tru}"#,
            r#"{"a":1} x"#,
            r#"{"a":1,}"#,
            r#"[1,]"#,
            r#"{1:2}"#,
            "",
        ];
        for text in texts {
            assert!(read(text).is_none(), "{text}");
        }
        let deep = format!("{}{}", "[".repeat(150), "]".repeat(150));
        assert!(read(&deep).is_none());
        let ok = format!("{}{}", "[".repeat(90), "]".repeat(90));
        assert!(read(&ok).is_some());
        agrees(&ok);
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            (-1000i64..1000, 0u32..4)
                .prop_map(|(n, p)| Value::from(n as f64 / 10f64.powi(p as i32))),
            "\\PC{0,8}".prop_map(Value::String),
            "[a-z\"\\\\/\n\t\u{1}é€😀]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-c]{0,2}", inner), 0..20)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn agrees_with_serde_json_on_generated_documents(v in json(), pretty in any::<bool>()) {
            let text = if pretty {
                serde_json::to_string_pretty(&v).unwrap()
            } else {
                serde_json::to_string(&v).unwrap()
            };
            prop_assert!(read(&text).is_some(), "{}", text);
            agrees(&text);
        }

        #[test]
        fn reads_numbers_as_serde_json_does(
            minus in any::<bool>(),
            int in "0|[1-9][0-9]{0,20}",
            frac in proptest::option::of("[0-9]{1,20}"),
            exp in proptest::option::of(("[eE]", "[+-]?", 0u32..400)),
        ) {
            let mut text = format!("{}{int}", if minus { "-" } else { "" });
            if let Some(f) = &frac {
                text += &format!(".{f}");
            }
            if let Some((e, sign, n)) = &exp {
                text += &format!("{e}{sign}{n}");
            }
            let doc = format!("[{text}]");
            agrees(&doc);
            // Every number serde_json reads is read.
            if serde_json::from_str::<Value>(&doc).is_ok() {
                prop_assert!(read(&doc).is_some(), "{}", doc);
            }
        }

        #[test]
        fn agrees_with_serde_json_on_broken_documents(v in json(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let mut bytes = serde_json::to_string(&v).unwrap().into_bytes();
            let i = cut.index(bytes.len() + 1);
            if byte % 2 == 0 {
                bytes.truncate(i);
            } else if i < bytes.len() {
                bytes[i] = b" \"\\{}[],:0-.eEu"[usize::from(byte) % 15];
            }
            if let Ok(text) = String::from_utf8(bytes) {
                agrees(&text);
            }
        }
    }
}
