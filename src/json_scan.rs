//! Scanning JSON text exactly as serde_json reads it, for the readers that
//! skip serde_json's deserializer: the audience loader's token tape
//! (`audience/tape.rs`) and the arena documents renders read
//! (`content/doc/read.rs`).
//!
//! Numbers it cannot read exactly by itself (integers past 64 bits, floats
//! whose digits or power of ten are not exact in an `f64`) are read by
//! serde_json, value by value. Every method answers `None` for anything
//! serde_json would not read the same way: invalid syntax, control
//! characters in strings, lone surrogates, floats out of range. The readers
//! then leave the whole text to serde_json, which keeps its errors and
//! corner cases.

use std::borrow::Cow;

use serde_json::Number;

/// A cursor over JSON text.
pub(crate) struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// The byte offset of the next byte to read.
    at: usize,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `text`.
    pub fn new(text: &'a str) -> Scanner<'a> {
        Scanner {
            text,
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    /// Whether the whole text has been read.
    pub fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    /// The next byte, not consumed.
    #[inline]
    pub fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// Consumes one byte (known to be there, from [`Scanner::peek`]).
    #[inline]
    pub fn bump(&mut self) {
        self.at += 1;
    }

    /// Skips JSON whitespace.
    #[inline]
    pub fn skip_ws(&mut self) {
        // Most texts (JSON.stringify's) have none: one test, no loop.
        if let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            let rest = self.bytes.get(self.at..).unwrap_or_default();
            self.at += rest
                .iter()
                .position(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
                .unwrap_or(rest.len());
        }
    }

    /// Consumes `word` (`true`, `false`, `null`) if it is next.
    pub fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
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

    /// The string starting at the opening quote: borrowed when it has no
    /// escapes.
    pub fn string(&mut self) -> Option<Cow<'a, str>> {
        self.at += 1;
        let start = self.at;
        self.at += self.plain_run();
        match *self.bytes.get(self.at)? {
            b'"' => {
                let s = self.text.get(start..self.at)?;
                self.at += 1;
                return Some(Cow::Borrowed(s));
            }
            b'\\' => {}
            // Control characters must be escaped (serde_json refuses them).
            _ => return None,
        }
        let mut out = String::from(self.text.get(start..self.at)?);
        loop {
            let run = self.at;
            self.at += self.plain_run();
            out.push_str(self.text.get(run..self.at)?);
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(Cow::Owned(out));
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
    /// (`-0`, and integers past 64 bits, as floats); floats correctly rounded
    /// (serde_json's `float_roundtrip`), here when one IEEE operation gives
    /// that (at most 15 significant digits and a power of ten up to 22, so
    /// both operands are exact), else by serde_json itself.
    pub fn number(&mut self) -> Option<Number> {
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
            return match (negative, mantissa) {
                // Past 64 bits serde_json reads a float: let it.
                _ if overflow => serde_json::from_str(self.text.get(start..at)?).ok(),
                (false, m) => Some(m.into()),
                (true, 0) => Number::from_f64(-0.0),
                // 2^63 itself is i64::MIN.
                (true, m) if m <= 1 << 63 => Some((m as i64).wrapping_neg().into()),
                (true, _) => serde_json::from_str(self.text.get(start..at)?).ok(),
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
