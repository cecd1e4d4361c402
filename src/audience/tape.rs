//! A small JSON reader for loading: one record becomes a flat "tape" of
//! tokens borrowing the input text, reused from row to row, so a profile and
//! its events go into the columns without building a `serde_json::Value`
//! (whose per-key maps and strings cost most of a load).
//!
//! The reader is deliberately strict and partial: it accepts exactly the
//! JSON it can reproduce bit for bit as `serde_json` would read it (the
//! grammar, numbers, escapes, duplicate-free objects, nesting up to
//! [`MAX_DEPTH`]), and answers `None` for anything else. The loader then
//! reads that row with `serde_json` as before, so errors, messages and
//! corner cases (duplicate keys, huge numbers, lone surrogates) keep their
//! existing behaviour.

use std::borrow::Cow;

use serde_json::{Map, Number, Value};

use crate::json_scan::Scanner;

/// Deeper nesting is left to `serde_json` (which has its own limit).
const MAX_DEPTH: usize = 100;

/// One token. `Obj`/`Arr` hold the index just past their last token; an
/// object's contents alternate `Key` and a value.
#[derive(Debug, Clone)]
pub(crate) enum Tok<'a> {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, exactly as `serde_json` reads it.
    Num(Number),
    /// A string (borrowed unless it had escapes).
    Str(Cow<'a, str>),
    /// An object key.
    Key(Cow<'a, str>),
    /// An array; the value is the index past its last token.
    Arr(usize),
    /// An object; the value is the index past its last token.
    Obj(usize),
}

impl Tok<'_> {
    /// The string of a `Str` token.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Tok::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// The index just past the value starting at `i`.
#[inline(always)]
pub(crate) fn next(tape: &[Tok], i: usize) -> usize {
    match tape.get(i) {
        Some(Tok::Obj(end) | Tok::Arr(end)) => *end,
        _ => i + 1,
    }
}

/// The `(key, value index)` pairs of the object at `obj`.
pub(crate) fn entries<'t, 'a>(
    tape: &'t [Tok<'a>],
    obj: usize,
) -> impl Iterator<Item = (&'t str, usize)> + 't {
    let end = match tape.get(obj) {
        Some(Tok::Obj(end)) => *end,
        _ => obj + 1,
    };
    let mut i = obj + 1;
    std::iter::from_fn(move || {
        if i >= end {
            return None;
        }
        let key = match tape.get(i) {
            Some(Tok::Key(k)) => k.as_ref(),
            _ => return None,
        };
        let v = i + 1;
        i = next(tape, v);
        Some((key, v))
    })
}

/// The value of `key` in the object at `obj`.
pub(crate) fn get(tape: &[Tok], obj: usize, key: &str) -> Option<usize> {
    entries(tape, obj).find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// The element indexes of the array at `arr`.
pub(crate) fn elements<'t>(tape: &'t [Tok], arr: usize) -> impl Iterator<Item = usize> + 't {
    let end = match tape.get(arr) {
        Some(Tok::Arr(end)) => *end,
        _ => arr + 1,
    };
    let mut i = arr + 1;
    std::iter::from_fn(move || {
        if i >= end {
            return None;
        }
        let v = i;
        i = next(tape, v);
        Some(v)
    })
}

/// The value at `i` as a `serde_json::Value`.
pub(crate) fn to_value(tape: &[Tok], i: usize) -> Value {
    match tape.get(i) {
        None | Some(Tok::Null | Tok::Key(_)) => Value::Null,
        Some(Tok::Bool(b)) => Value::Bool(*b),
        Some(Tok::Num(n)) => Value::Number(n.clone()),
        Some(Tok::Str(s)) => Value::String(s.to_string()),
        Some(Tok::Arr(_)) => Value::Array(elements(tape, i).map(|e| to_value(tape, e)).collect()),
        Some(Tok::Obj(_)) => Value::Object(to_map(tape, i, &|_| false)),
    }
}

/// The object at `obj` as a map, leaving out keys for which `skip` is true.
pub(crate) fn to_map(tape: &[Tok], obj: usize, skip: &dyn Fn(&str) -> bool) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in entries(tape, obj) {
        if !skip(k) {
            m.insert(k.to_string(), to_value(tape, v));
        }
    }
    m
}

/// Reads one JSON value (with surrounding whitespace) into `tape`, which
/// is cleared first. `None`: not JSON this reader reproduces exactly.
pub(crate) fn read<'a>(text: &'a str, tape: &mut Vec<Tok<'a>>) -> Option<()> {
    tape.clear();
    let mut r = Reader {
        sc: Scanner::new(text),
    };
    r.sc.skip_ws();
    r.value(tape, 0)?;
    r.sc.skip_ws();
    r.sc.done().then_some(())
}

/// Builds the tape; the text itself is read by [`Scanner`] (shared with
/// the documents renders read).
struct Reader<'a> {
    sc: Scanner<'a>,
}

impl<'a> Reader<'a> {
    fn value(&mut self, tape: &mut Vec<Tok<'a>>, depth: usize) -> Option<()> {
        match self.sc.peek()? {
            b'{' => self.object(tape, depth + 1),
            b'[' => self.array(tape, depth + 1),
            b'"' => {
                let s = self.sc.string()?;
                tape.push(Tok::Str(s));
                Some(())
            }
            b't' => {
                self.sc.literal(b"true")?;
                tape.push(Tok::Bool(true));
                Some(())
            }
            b'f' => {
                self.sc.literal(b"false")?;
                tape.push(Tok::Bool(false));
                Some(())
            }
            b'n' => {
                self.sc.literal(b"null")?;
                tape.push(Tok::Null);
                Some(())
            }
            _ => {
                let n = self.sc.number()?;
                tape.push(Tok::Num(n));
                Some(())
            }
        }
    }

    fn object(&mut self, tape: &mut Vec<Tok<'a>>, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let at = tape.len();
        tape.push(Tok::Obj(0));
        self.sc.bump();
        self.sc.skip_ws();
        let mut keys = 0usize;
        if self.sc.peek()? == b'}' {
            self.sc.bump();
        } else {
            loop {
                if self.sc.peek()? != b'"' {
                    return None;
                }
                let k = self.sc.string()?;
                tape.push(Tok::Key(k));
                keys += 1;
                self.sc.skip_ws();
                if self.sc.peek()? != b':' {
                    return None;
                }
                self.sc.bump();
                self.sc.skip_ws();
                self.value(tape, depth)?;
                self.sc.skip_ws();
                match self.sc.peek()? {
                    b',' => {
                        self.sc.bump();
                        self.sc.skip_ws();
                    }
                    b'}' => {
                        self.sc.bump();
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let end = tape.len();
        if let Some(slot) = tape.get_mut(at) {
            *slot = Tok::Obj(end);
        }
        if keys > 1 && has_duplicate_keys(tape, at, keys) {
            return None;
        }
        Some(())
    }

    fn array(&mut self, tape: &mut Vec<Tok<'a>>, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let at = tape.len();
        tape.push(Tok::Arr(0));
        self.sc.bump();
        self.sc.skip_ws();
        if self.sc.peek()? == b']' {
            self.sc.bump();
        } else {
            loop {
                self.value(tape, depth)?;
                self.sc.skip_ws();
                match self.sc.peek()? {
                    b',' => {
                        self.sc.bump();
                        self.sc.skip_ws();
                    }
                    b']' => {
                        self.sc.bump();
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let end = tape.len();
        if let Some(slot) = tape.get_mut(at) {
            *slot = Tok::Arr(end);
        }
        Some(())
    }
}

/// Whether the object at `at` (with `keys` keys) repeats a key. Keys are
/// compared by a cheap signature (length, first, middle and last byte) and
/// only in full when signatures agree.
fn has_duplicate_keys(tape: &[Tok], at: usize, keys: usize) -> bool {
    let sig = |k: &str| -> u64 {
        let b = k.as_bytes();
        let byte = |i: usize| u64::from(b.get(i).copied().unwrap_or(0));
        (b.len() as u64)
            | byte(0) << 32
            | byte(b.len() / 2) << 40
            | byte(b.len().wrapping_sub(1)) << 48
    };
    if keys <= 24 {
        let mut seen: [(u64, &str); 24] = [(0, ""); 24];
        for (n, (k, _)) in entries(tape, at).enumerate() {
            let g = sig(k);
            if seen.iter().take(n).any(|(h, s)| *h == g && *s == k) {
                return true;
            }
            if let Some(slot) = seen.get_mut(n) {
                *slot = (g, k);
            }
        }
        false
    } else {
        let mut all: Vec<&str> = entries(tape, at).map(|(k, _)| k).collect();
        all.sort_unstable();
        all.windows(2).any(|w| w.first() == w.get(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> Option<Value> {
        let mut tape = Vec::new();
        read(text, &mut tape)?;
        Some(to_value(&tape, 0))
    }

    #[test]
    fn reads_what_serde_json_reads() {
        for text in [
            r#"{"a":1,"b":[true,false,null],"c":{"d":"x\"y\\z\u00e9\ud83d\ude00\n"},"e":-12.5e-3}"#,
            r#" [ 0 , -1 , 1.0 , 1e5 , 1E+2 , 123456789012345678 , -123456789012345678 ] "#,
            r#"[18446744073709551615, 18446744073709551616, -9223372036854775808, -9223372036854775809, -0, -0.0]"#,
            r#"[0.1, 0.30000000000000004, 2.2250738585072014e-308, 5e-324, 1.7976931348623157e308]"#,
            r#"{"":{},"x":[],"y":[[[]]]}"#,
            "\"caf\u{e9} \u{1f600}\"",
        ] {
            let want: Value = serde_json::from_str(text).unwrap();
            let got = round_trip(text).unwrap();
            assert_eq!(got, want, "{text}");
            assert_eq!(got.to_string(), want.to_string(), "{text}");
        }
    }

    #[test]
    fn leaves_the_rest_to_serde_json() {
        for text in [
            r#"{"a":1,"a":2}"#,
            r#"{"a":1,}"#,
            r#"[1,]"#,
            "01",
            "1.",
            "1e",
            "1e400",
            "-",
            r#""\ud800""#,
            r#""\x""#,
            "\"a\u{1}\"",
            "{} x",
            "",
            "nul",
            "[1 2]",
        ] {
            assert!(round_trip(text).is_none(), "{text}");
        }
        let deep = "[".repeat(150) + &"]".repeat(150);
        assert!(round_trip(&deep).is_none());
    }
}
