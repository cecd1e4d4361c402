//! A direct reader of the JSON texts profiles cross the JS boundary as.
//!
//! Reading through serde_json's deserializer costs more in visitor calls
//! and allocations than reading the text itself. This reader handles what
//! `JSON.stringify` writes (objects, arrays, strings with their escapes,
//! numbers, literals) in one pass over the bytes, into an arena. It is an
//! accelerator, never a second reading: whatever it is not sure to read as
//! serde_json does (a float it cannot round exactly, which serde_json then
//! reads; a repeated key; an integer past 64 bits; nesting past
//! [`MAX_DEPTH`]; any syntax error) makes it return `None`, and the caller
//! reads a `serde_json::Value`. Tests check the two agree on generated
//! documents and on broken ones.

use std::collections::HashSet;

use bumpalo::collections::{String as ArenaString, Vec as ArenaVec};
use bumpalo::Bump;
use serde_json::Number;

use super::{repeats, Doc};

/// Deeper documents are left to serde_json (whose limit is 128).
const MAX_DEPTH: usize = 100;

/// `text` as a [`Doc`], or `None` to leave it to serde_json.
pub(super) fn parse<'a>(text: &'a str, arena: &'a Bump) -> Option<Doc<'a>> {
    let mut r = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        arena,
    };
    let doc = r.value(0)?;
    r.skip_ws();
    (r.at == r.bytes.len()).then_some(doc)
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    arena: &'a Bump,
}

impl<'a> Reader<'a> {
    #[inline]
    fn skip_ws(&mut self) {
        // Most texts (JSON.stringify's) have none: one test, no loop.
        if let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            let rest = self.bytes.get(self.at..).unwrap_or_default();
            self.at += rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
                .unwrap_or(rest.len());
        }
    }

    /// The length of the run at the cursor up to a quote, a backslash or a
    /// control character (the end of the text if none).
    #[inline]
    fn plain_run(&self) -> usize {
        let rest = self.bytes.get(self.at..).unwrap_or_default();
        rest.iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(rest.len())
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn literal(&mut self, word: &[u8], doc: Doc<'a>) -> Option<Doc<'a>> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| {
            self.at = end;
            doc
        })
    }

    fn value(&mut self, depth: usize) -> Option<Doc<'a>> {
        self.skip_ws();
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(Doc::String),
            b't' => self.literal(b"true", Doc::Bool(true)),
            b'f' => self.literal(b"false", Doc::Bool(false)),
            b'n' => self.literal(b"null", Doc::Null),
            b'-' | b'0'..=b'9' => self.number().map(Doc::Number),
            _ => None,
        }
    }

    fn array(&mut self, depth: usize) -> Option<Doc<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.at += 1;
        self.skip_ws();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(Doc::Array(&[]));
        }
        let mut items = ArenaVec::with_capacity_in(4, self.arena);
        loop {
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(Doc::Array(items.into_bump_slice()));
                }
                _ => return None,
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<Doc<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.at += 1;
        self.skip_ws();
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(Doc::Object(&[]));
        }
        let mut entries = ArenaVec::with_capacity_in(8, self.arena);
        let mut seen: Option<HashSet<&'a str>> = None;
        loop {
            self.skip_ws();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            if repeats(&entries, &mut seen, key) {
                return None;
            }
            self.skip_ws();
            if self.peek()? != b':' {
                return None;
            }
            self.at += 1;
            let value = self.value(depth)?;
            entries.push((key, value));
            self.skip_ws();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(Doc::Object(entries.into_bump_slice()));
                }
                _ => return None,
            }
        }
    }

    /// A string at `"`: borrowed when it has no escapes.
    fn string(&mut self) -> Option<&'a str> {
        self.at += 1;
        let start = self.at;
        self.at += self.plain_run();
        match *self.bytes.get(self.at)? {
            b'"' => {
                let s = self.text.get(start..self.at)?;
                self.at += 1;
                return Some(s);
            }
            b'\\' => {}
            // Control characters must be escaped (serde_json refuses them).
            _ => return None,
        }
        let mut out = ArenaString::from_str_in(self.text.get(start..self.at)?, self.arena);
        loop {
            let run = self.at;
            self.at += self.plain_run();
            out.push_str(self.text.get(run..self.at)?);
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(out.into_bump_str());
                }
                b'\\' => {
                    let c = match *self.bytes.get(self.at + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            self.at += 2;
                            let c = self.unicode_escape()?;
                            out.push(c);
                            continue;
                        }
                        _ => return None,
                    };
                    out.push(c);
                    self.at += 2;
                }
                _ => return None,
            }
        }
    }

    /// The character of `\uXXXX` (after the `u`), with a following low
    /// surrogate for a high one; lone surrogates are left to serde_json.
    fn unicode_escape(&mut self) -> Option<char> {
        let high = self.hex4()?;
        if !(0xD800..0xE000).contains(&high) {
            return char::from_u32(high);
        }
        if high >= 0xDC00 || self.bytes.get(self.at..self.at + 2)? != b"\\u" {
            return None;
        }
        self.at += 2;
        let low = self.hex4()?;
        if !(0xDC00..0xE000).contains(&low) {
            return None;
        }
        char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.at += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    /// A number as serde_json reads it: integers as `u64`, else `i64`
    /// (`-0` as a float); floats correctly rounded (serde_json's
    /// `float_roundtrip`), here when one IEEE operation gives that (at most
    /// 15 significant digits and a power of ten up to 22, so both operands
    /// are exact), else by serde_json itself.
    fn number(&mut self) -> Option<Number> {
        // A local cursor: the digit loops stay in registers.
        let bytes = self.bytes;
        let start = self.at;
        let mut at = start;
        let at_byte = |i: usize| bytes.get(i).copied();
        let negative = at_byte(at) == Some(b'-');
        if negative {
            at += 1;
        }
        let first = at;
        // Significant digits, as an integer while it stays exact.
        let mut mantissa: u64 = 0;
        let mut mantissa_digits = 0u32;
        let mut overflow = false;
        let mut add = |b: u8| {
            if mantissa == 0 && b == b'0' {
                return; // leading zeros are not significant
            }
            mantissa_digits += 1;
            match mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(b - b'0')))
            {
                Some(v) => mantissa = v,
                None => overflow = true,
            }
        };
        while let Some(b @ b'0'..=b'9') = at_byte(at) {
            add(b);
            at += 1;
        }
        let digits = at - first;
        // No digits, or a leading zero followed by more digits: invalid.
        if digits == 0 || (digits > 1 && at_byte(first) == Some(b'0')) {
            return None;
        }
        let mut float = false;
        let mut scale: i64 = 0;
        if at_byte(at) == Some(b'.') {
            at += 1;
            let from = at;
            while let Some(b @ b'0'..=b'9') = at_byte(at) {
                add(b);
                at += 1;
            }
            if at == from {
                return None;
            }
            scale -= (at - from) as i64;
            float = true;
        }
        if let Some(b'e' | b'E') = at_byte(at) {
            at += 1;
            let minus = match at_byte(at) {
                Some(b'-') => {
                    at += 1;
                    true
                }
                Some(b'+') => {
                    at += 1;
                    false
                }
                _ => false,
            };
            let from = at;
            let mut exponent: i64 = 0;
            while let Some(b @ b'0'..=b'9') = at_byte(at) {
                exponent = (exponent * 10 + i64::from(b - b'0')).min(100_000);
                at += 1;
            }
            if at == from {
                return None;
            }
            scale += if minus { -exponent } else { exponent };
            float = true;
        }
        self.at = at;
        if !float {
            if overflow {
                return None;
            }
            if !negative {
                return Some(mantissa.into());
            }
            return match mantissa {
                0 => Number::from_f64(-0.0),
                // 2^63 itself is i64::MIN.
                m if m <= 1 << 63 => Some((m as i64).wrapping_neg().into()),
                _ => None,
            };
        }
        const POW10: [f64; 23] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
        ];
        let exact = !overflow && mantissa_digits <= 15;
        let power = usize::try_from(scale.unsigned_abs())
            .ok()
            .and_then(|p| POW10.get(p));
        let value = match power {
            _ if mantissa == 0 && !overflow => Some(0.0),
            Some(p) if exact && scale < 0 => Some(mantissa as f64 / p),
            Some(p) if exact => Some(mantissa as f64 * p),
            _ => None,
        };
        let value = match value {
            Some(v) if negative => -v,
            Some(v) => v,
            None => serde_json::from_str(self.text.get(start..self.at)?).ok()?,
        };
        Number::from_f64(value)
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
            r#"{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17}"#,
        ];
        for text in texts {
            assert!(read(text).is_some(), "{text}");
            agrees(text);
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
            r#"{"a":18446744073709551616}"#,
            r#"{"a":-9223372036854775809}"#,
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
            // Only integers past 64 bits and out-of-range floats are left.
            let serde = serde_json::from_str::<Value>(&doc).is_ok();
            if serde && !(frac.is_none() && exp.is_none()) {
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
