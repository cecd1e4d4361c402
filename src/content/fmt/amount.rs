//! Money amounts written without going through ICU4X for every value.
//!
//! A currency formatter writes an amount that is not negative as
//! `prefix digits [decimal fraction] suffix`, where everything but the
//! digits is fixed for the formatter. [`AmountShape::learn`] reads those
//! pieces (digit glyphs, separators, fraction digits, grouping sizes) off
//! the formatter's own output, then checks the shape reproduces that
//! output on a set of check values; a formatter it cannot reproduce exactly
//! gets no shape and every value keeps going through ICU4X. Rounding is the
//! formatter's: half away from zero, on the shortest decimal that reads back
//! as the `f64` (the same decimal [`super::decimal`] gives ICU4X).

/// How one currency formatter writes amounts that are not negative.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct AmountShape {
    /// The text around and between the digits, as written.
    plain: Texts,
    /// The same, escaped for HTML.
    html: Texts,
    fraction_digits: u8,
    primary: u8,
    secondary: u8,
    min_grouping: u8,
    glyphs: [char; 10],
}

/// The fixed text of an amount.
#[derive(Debug, Clone, PartialEq)]
struct Texts {
    prefix: String,
    suffix: String,
    decimal: String,
    group: String,
}

impl Texts {
    fn escaped(&self) -> Texts {
        let esc = |s: &str| {
            let mut out = String::new();
            crate::content::plan::escape_into(&mut out, s);
            out
        };
        Texts {
            prefix: esc(&self.prefix),
            suffix: esc(&self.suffix),
            decimal: esc(&self.decimal),
            group: esc(&self.group),
        }
    }
}

/// Amounts at or above this are left to ICU4X (the shortest decimal of
/// larger floats may print in exponent form; such prices are not seen).
const LIMIT: f64 = 1e15;

/// Values the learned shape must reproduce before it is used: zeros,
/// rounding ties at every fraction position, every grouping length.
const CHECKS: &[f64] = &[
    0.0,
    0.004,
    0.005,
    0.0049,
    0.05,
    0.5,
    0.45,
    0.55,
    1.0,
    1.005,
    1.015,
    2.675,
    9.995,
    9.5,
    10.0,
    12.345,
    99.995,
    100.0,
    999.5,
    999.995,
    1000.0,
    1234.5,
    9999.0,
    10000.0,
    12345.678,
    99999.995,
    100000.0,
    123456.785,
    999999.5,
    1000000.0,
    1234567.891,
    12345678.9,
    123456789.0,
    1234567890.12,
    98765432109.87,
    999999999999.995,
    123456789012345.0,
    0.125,
    0.375,
    3.0001,
    7.77777,
    0.1,
    0.01,
    0.001,
    0.0001,
    1e-7,
    5e-324,
];

impl AmountShape {
    /// The shape of `format` (a currency formatter: ICU4X's text for a
    /// value), or `None` when its output does not follow one.
    pub(super) fn learn(format: impl Fn(f64) -> Option<String>) -> Option<AmountShape> {
        let chars = |v: f64| format(v).map(|s| s.chars().collect::<Vec<char>>());
        // The integer digit: the one position where 0..9 differ.
        let zero = chars(0.0)?;
        let mut at = None;
        let mut glyphs = ['0'; 10];
        for (k, glyph) in glyphs.iter_mut().enumerate().skip(1) {
            let other = chars(k as f64)?;
            if other.len() != zero.len() {
                return None;
            }
            let diff: Vec<usize> = (0..zero.len())
                .filter(|&i| zero.get(i) != other.get(i))
                .collect();
            let [i] = diff.as_slice() else { return None };
            if at.is_some_and(|a| a != *i) {
                return None;
            }
            at = Some(*i);
            *glyph = *other.get(*i)?;
        }
        let at = at?;
        glyphs[0] = *zero.get(at)?;
        // The fraction digits: the positions where 0.1111111 differs from 0.
        let ones = chars(0.111_111_1)?;
        if ones.len() != zero.len() {
            return None;
        }
        let fraction: Vec<usize> = (0..zero.len())
            .filter(|&i| zero.get(i) != ones.get(i))
            .collect();
        let text = |r: std::ops::Range<usize>| zero.get(r).map(|c| c.iter().collect::<String>());
        let (decimal, suffix) = match (fraction.first(), fraction.last()) {
            (Some(&first), Some(&last)) => {
                if last + 1 - first != fraction.len() || first <= at + 1 {
                    return None;
                }
                (text(at + 1..first)?, text(last + 1..zero.len())?)
            }
            _ => (String::new(), text(at + 1..zero.len())?),
        };
        let fraction_digits = u8::try_from(fraction.len()).ok()?;
        let prefix = text(0..at)?;
        // The group separator: what stands between the digits of 1234567.
        let big: String = format(1_234_567.0)?;
        let int = big
            .strip_prefix(prefix.as_str())?
            .strip_suffix(suffix.as_str())?;
        let int = match fraction_digits {
            0 => int,
            n => {
                let tail: String = std::iter::once(decimal.clone())
                    .chain((0..n).map(|_| glyphs[0].to_string()))
                    .collect();
                int.strip_suffix(tail.as_str())?
            }
        };
        let mut group = String::new();
        for piece in int.split(|c| glyphs.contains(&c)).filter(|p| !p.is_empty()) {
            if !group.is_empty() && group != piece {
                return None;
            }
            group = piece.to_owned();
        }
        // Digits that need no escaping, and no text a browser could read as
        // a URL scheme (the output is never a `javascript:` URL).
        if glyphs.iter().any(|c| "<>&\"'/:".contains(*c)) || prefix.contains(':') {
            return None;
        }
        let plain = Texts {
            prefix,
            suffix,
            decimal,
            group,
        };
        let html = plain.escaped();
        // Grouping sizes: the first that reproduces every check value.
        let sizes: Vec<(u8, u8, u8)> = if plain.group.is_empty() {
            vec![(0, 0, 1)]
        } else {
            (1..=4)
                .flat_map(|p| (1..=4).flat_map(move |s| (1..=4).map(move |m| (p, s, m))))
                .collect()
        };
        let expected: Vec<Option<String>> = CHECKS.iter().map(|&v| format(v)).collect();
        sizes
            .into_iter()
            .find_map(|(primary, secondary, min_grouping)| {
                let shape = AmountShape {
                    plain: plain.clone(),
                    html: html.clone(),
                    fraction_digits,
                    primary,
                    secondary,
                    min_grouping,
                    glyphs,
                };
                let all = CHECKS.iter().zip(&expected).all(|(&v, want)| {
                    let mut got = String::new();
                    want.as_ref()
                        .is_some_and(|w| shape.write(&mut got, v, false) && got == *w)
                });
                all.then_some(shape)
            })
    }

    /// Appends `value` as the formatter writes it; `false` (nothing
    /// written) for negative values (including -0), non-finite ones, those
    /// at or above 10^15 and those needing 16 or more significant digits,
    /// which are left to ICU4X. `html` writes the fixed text escaped.
    pub(super) fn write(&self, out: &mut String, value: f64, html: bool) -> bool {
        let Some((int, fraction)) = self.rounded(value) else {
            return false;
        };
        let texts = if html { &self.html } else { &self.plain };
        out.push_str(&texts.prefix);
        let mut buf = [0u8; 20];
        let int_digits = decimal_digits(int, &mut buf);
        let upper = int_digits.len().saturating_sub(1);
        for (i, &d) in int_digits.iter().enumerate() {
            out.push(self.glyph(d));
            if self.grouped(upper, upper - i) {
                out.push_str(&texts.group);
            }
        }
        if self.fraction_digits > 0 {
            out.push_str(&texts.decimal);
            let mut buf = [0u8; 20];
            let digits = decimal_digits(fraction, &mut buf);
            for _ in digits.len()..usize::from(self.fraction_digits) {
                out.push(self.glyph(0));
            }
            for &d in digits {
                out.push(self.glyph(d));
            }
        }
        out.push_str(&texts.suffix);
        true
    }

    /// `value` rounded half away from zero to the fraction digits, as
    /// (integer part, fraction digits read as an integer).
    fn rounded(&self, value: f64) -> Option<(u64, u64)> {
        if !value.is_finite() || value.is_sign_negative() || value >= LIMIT {
            return None;
        }
        let places = u32::from(self.fraction_digits);
        let unit = pow10(places);
        // Most prices are n / 10^places for an integer n: then that is the
        // shortest decimal (with at most 15 digits no other decimal that
        // short reads back as the same float), and nothing is rounded.
        let scaled = value * unit as f64;
        let n = scaled.round();
        if n < 1e15 && n / unit as f64 == value {
            let n = n as u64;
            return Some((n / unit, n % unit));
        }
        // The shortest decimal of `value`, as digits × 10^scale.
        let mut buf = ryu::Buffer::new();
        let text = buf.format_finite(value);
        let (mantissa, exponent) = match text.split_once('e') {
            Some((m, e)) => (m, e.parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (mut digits, mut scale) = (0u64, exponent);
        let mut fraction = false;
        for b in mantissa.bytes() {
            match b {
                b'.' => fraction = true,
                b'0'..=b'9' => {
                    digits = digits.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                    scale -= i32::from(fraction);
                }
                _ => return None,
            }
        }
        while digits != 0 && digits.is_multiple_of(10) {
            digits /= 10;
            scale += 1;
        }
        // With 16 or more digits two shortest decimals may read back as
        // `value`, and ryu and ICU4X's decimal may pick different ones.
        if digits >= pow10(15) {
            return None;
        }
        // Integer part and fraction digits (as an integer), all in u64:
        // u128 arithmetic is a library call in WebAssembly.
        if scale >= 0 {
            let int = digits.checked_mul(10u64.checked_pow(scale.unsigned_abs())?)?;
            return Some((int, 0));
        }
        let shown = scale.unsigned_abs(); // fraction digits of `digits`
        if shown <= places {
            let p = pow10(shown);
            let fraction = (digits % p).checked_mul(pow10(places - shown))?;
            return Some((digits / p, fraction));
        }
        let drop = shown - places;
        // Below half a unit when 16 or more digits go (`digits` < 10^15).
        let units = if drop > 16 {
            0
        } else {
            let p = pow10(drop);
            digits / p + u64::from(digits % p >= p / 2)
        };
        Some((units / unit, units % unit))
    }

    /// The glyph of digit `d` (0–9).
    fn glyph(&self, d: u8) -> char {
        self.glyphs.get(usize::from(d)).copied().unwrap_or('0')
    }

    /// Whether a group separator follows the digit of magnitude `m` in a
    /// number whose highest digit has magnitude `upper` (ICU4X's rule).
    fn grouped(&self, upper: usize, m: usize) -> bool {
        if self.plain.group.is_empty() || self.primary == 0 {
            return false;
        }
        let (primary, secondary) = (usize::from(self.primary), usize::from(self.secondary));
        m >= primary
            && upper + 1 >= primary + usize::from(self.min_grouping)
            && (m - primary).is_multiple_of(secondary.max(1))
    }
}

/// Powers of ten that fit a u64.
#[rustfmt::skip]
const POW10: [u64; 20] = [
    1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
    10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000,
    100_000_000_000_000, 1_000_000_000_000_000, 10_000_000_000_000_000,
    100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
];

/// 10^m (saturating above 10^19).
fn pow10(m: u32) -> u64 {
    POW10.get(m as usize).copied().unwrap_or(u64::MAX)
}

/// The decimal digits of `n` (at least one), written at the end of `buf`.
fn decimal_digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut start = buf.len();
    for slot in buf.iter_mut().rev() {
        *slot = (n % 10) as u8;
        n /= 10;
        start -= 1;
        if n == 0 {
            break;
        }
    }
    buf.get(start..).unwrap_or(&[])
}
