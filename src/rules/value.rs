//! The small semantic helpers every engine shares: reading a profile value,
//! comparing it with a literal, case-insensitive text matching, and turning
//! windows and date conditions into instants and dates.
//!
//! The one-profile evaluator ([`super::eval`]) is written in terms of these;
//! the columnar batch engine and the SQL compiler reuse them so that all
//! engines agree on the edge cases (see `docs/semantics.md`):
//!
//! - a missing or `null` attribute, or a value of the wrong type, is *unknown*
//!   (`None`); values are never coerced;
//! - strings compare exactly (code points) except for the case-insensitive
//!   operators, which use [`fold`] (NFC + full lower-case mapping);
//! - windows and date conditions use the calendar arithmetic of [`super::time`].

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::ast::{CmpOp, Direction, Duration, Literal, Window};
use super::time;
use crate::error::{Error, ErrorKind, Result};

/// The clock of one evaluation: `asOf`, the time zone, and `today` (the
/// date of `asOf` in the zone), computed once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Clock {
    /// The evaluation instant; events after it are ignored.
    pub as_of: DateTime<Utc>,
    /// The zone that cuts calendar days, months and years.
    pub tz: Tz,
    /// The calendar date of `as_of` in `tz`.
    pub today: NaiveDate,
}

impl Clock {
    /// The clock at `as_of` in `tz`.
    pub fn new(as_of: DateTime<Utc>, tz: Tz) -> Clock {
        Clock {
            as_of,
            tz,
            today: time::local_date(as_of, tz),
        }
    }
}

/// `obj[key]`. Profiles and events are small objects, and comparing their
/// few keys is cheaper than hashing `key` (serde_json's map uses SipHash).
pub(crate) fn get<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if obj.len() <= 12 {
        obj.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        obj.get(key)
    }
}

/// Looks up `path` in `obj`: nested objects first (`consent.marketing` is
/// `obj["consent"]["marketing"]`), then a flat key holding the dots
/// (`obj["consent.marketing"]`). `null` counts as missing: `None` means the
/// attribute is not set.
pub(crate) fn lookup<'a>(obj: &'a Map<String, Value>, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut cur = get(obj, first);
    for seg in rest {
        cur = cur.and_then(Value::as_object).and_then(|o| get(o, seg));
    }
    match cur {
        Some(Value::Null) | None if !rest.is_empty() => obj.get(&path.join(".")),
        other => other,
    }
    .filter(|v| !v.is_null())
}

/// A date or date-time attribute value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Temporal {
    /// A calendar date (`YYYY-MM-DD`).
    Date(NaiveDate),
    /// An instant (RFC 3339).
    Instant(DateTime<Utc>),
}

impl Temporal {
    /// The calendar date: the date itself, or the local date of the instant in `tz`.
    pub fn date(self, tz: Tz) -> NaiveDate {
        match self {
            Temporal::Date(d) => d,
            Temporal::Instant(t) => time::local_date(t, tz),
        }
    }
}

/// Reads a string as a date (`YYYY-MM-DD`) or a date-time (RFC 3339).
/// Anything else is `None` (a value of the wrong type).
pub(crate) fn parse_temporal(s: &str) -> Option<Temporal> {
    if s.len() == 10 {
        return fast_date(s.as_bytes())
            .or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map(Temporal::Date);
    }
    fast_instant(s.as_bytes())
        .or_else(|| {
            DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        })
        .map(Temporal::Instant)
}

/// The number written by the ASCII digits `b[from..to]`.
fn digits(b: &[u8], from: usize, to: usize) -> Option<u32> {
    let mut n: u32 = 0;
    for &c in b.get(from..to)? {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

/// Fast path for `YYYY-MM-DD` at the start of `b` (profiles hold many of
/// these; chrono's format-driven parser is several times slower).
pub(crate) fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let year = i32::try_from(digits(b, 0, 4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(b, 5, 7)?, digits(b, 8, 10)?)
}

/// Fast path for the common RFC 3339 shapes
/// (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`); `None` sends anything else
/// (leap seconds, lower-case separators…) to chrono's full parser.
fn fast_instant(b: &[u8]) -> Option<DateTime<Utc>> {
    let date = fast_date(b)?;
    if b.get(10) != Some(&b'T') || b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (h, m, sec) = (digits(b, 11, 13)?, digits(b, 14, 16)?, digits(b, 17, 19)?);
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let len = i - start;
        if len == 0 || len > 9 {
            return None;
        }
        nanos = digits(b, start, i)? * 10u32.pow(u32::try_from(9 - len).ok()?);
    }
    let offset_secs: i64 = match b.get(i..)? {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let secs = i64::from(digits(b, i + 1, i + 3)?) * 3600
                + i64::from(digits(b, i + 4, i + 6)?) * 60;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let time = chrono::NaiveTime::from_hms_nano_opt(h, m, sec, nanos)?;
    let local = date.and_time(time);
    let utc = local.checked_sub_signed(chrono::Duration::try_seconds(offset_secs)?)?;
    Some(DateTime::from_naive_utc_and_offset(utc, Utc))
}

/// Reads a JSON value as a date or date-time attribute (`None`: not a string
/// holding one).
pub(crate) fn temporal_value(v: &Value) -> Option<Temporal> {
    v.as_str().and_then(parse_temporal)
}

/// Reads an event's `at`: RFC 3339, or a bare date meaning the start of that
/// day in `tz`.
pub(crate) fn parse_event_time(s: &str, tz: Tz) -> Option<DateTime<Utc>> {
    match parse_temporal(s)? {
        Temporal::Date(d) => Some(time::start_of_day(d, tz)),
        Temporal::Instant(t) => Some(t),
    }
}

/// Whether `ord` (attribute compared with value) satisfies `op`.
pub(crate) fn cmp_holds(op: CmpOp, ord: Ordering) -> bool {
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

/// `a OP b` on numbers (false if either is NaN, which JSON cannot hold).
pub(crate) fn cmp_f64(op: CmpOp, a: f64, b: f64) -> bool {
    a.partial_cmp(&b).is_some_and(|o| cmp_holds(op, o))
}

/// How an attribute value orders against a literal, or `None` when the
/// types differ (unknown). Numbers compare numerically, strings by code
/// point, booleans `false < true`. A date literal `D` compares with a date
/// attribute directly and with a date-time attribute through its local date
/// in `tz`; a date-time literal `T` compares with a date attribute through the
/// start of that day in `tz`, and with a date-time attribute as instants.
pub(crate) fn order_with_literal(v: &Value, lit: &Literal, tz: Tz) -> Option<Ordering> {
    match (v, lit) {
        (Value::Number(n), Literal::Number(x)) => n.as_f64()?.partial_cmp(x),
        (Value::String(s), Literal::String(x)) => Some(s.as_str().cmp(x.as_str())),
        (Value::Bool(b), Literal::Bool(x)) => Some(b.cmp(x)),
        (Value::String(s), Literal::Date(d)) => Some(parse_temporal(s)?.date(tz).cmp(d)),
        (Value::String(s), Literal::DateTime(t)) => {
            let t = t.with_timezone(&Utc);
            Some(match parse_temporal(s)? {
                Temporal::Date(d) => time::start_of_day(d, tz).cmp(&t),
                Temporal::Instant(a) => a.cmp(&t),
            })
        }
        _ => None,
    }
}

/// `v OP lit`, three-valued: `None` when the types differ.
pub(crate) fn compare_literal(v: &Value, op: CmpOp, lit: &Literal, tz: Tz) -> Option<bool> {
    order_with_literal(v, lit, tz).map(|o| cmp_holds(op, o))
}

/// `v = lit` (exact for strings), three-valued.
pub(crate) fn eq_literal(v: &Value, lit: &Literal, tz: Tz) -> Option<bool> {
    compare_literal(v, CmpOp::Eq, lit, tz)
}

/// Kleene conjunction of two values.
pub(crate) fn and3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Kleene disjunction of two values.
pub(crate) fn or3(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

/// Kleene conjunction of many values (`true` over none).
pub(crate) fn all3(items: impl IntoIterator<Item = Option<bool>>) -> Option<bool> {
    let mut acc = Some(true);
    for r in items {
        acc = and3(acc, r);
        if acc == Some(false) {
            break;
        }
    }
    acc
}

/// Kleene disjunction of many values (`false` over none).
pub(crate) fn any3(items: impl IntoIterator<Item = Option<bool>>) -> Option<bool> {
    let mut acc = Some(false);
    for r in items {
        acc = or3(acc, r);
        if acc == Some(true) {
            break;
        }
    }
    acc
}

/// `v in [values]`: the Kleene disjunction of `v = value` over the list
/// (true if one is equal; unknown if none is and some comparison had the
/// wrong type; false otherwise).
pub(crate) fn in_list(v: &Value, values: &[Literal], tz: Tz) -> Option<bool> {
    any3(values.iter().map(|lit| eq_literal(v, lit, tz)))
}

/// Whether a list attribute holds an element equal to `lit` (exact; null
/// and other-typed elements never equal).
pub(crate) fn list_has(list: &[Value], lit: &Literal, tz: Tz) -> bool {
    list.iter().any(|e| eq_literal(e, lit, tz) == Some(true))
}

/// Case-insensitive form of a string: lower-cased with the full Unicode
/// mapping, then normalised to NFC. Borrows when nothing changes (lower-case
/// ASCII), so the common case does not allocate.
pub(crate) fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    } else {
        let lower = s.to_lowercase();
        if is_nfc_quick(lower.chars()) == IsNormalized::Yes {
            Cow::Owned(lower)
        } else {
            Cow::Owned(lower.nfc().collect())
        }
    }
}

/// Case-insensitive `haystack contains needle` (both folded with [`fold`]).
pub(crate) fn contains_ci(haystack: &str, needle: &str) -> bool {
    fold(haystack).contains(fold(needle).as_ref())
}

/// Case-insensitive prefix test.
pub(crate) fn starts_with_ci(s: &str, prefix: &str) -> bool {
    fold(s).starts_with(fold(prefix).as_ref())
}

/// Case-insensitive suffix test.
pub(crate) fn ends_with_ci(s: &str, suffix: &str) -> bool {
    fold(s).ends_with(fold(suffix).as_ref())
}

/// A range of instants with open or closed ends; no `start` means unbounded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Interval {
    /// The first instant, if bounded.
    pub start: Option<DateTime<Utc>>,
    /// Whether `start` itself is inside.
    pub start_inclusive: bool,
    /// The last instant (never after `asOf`).
    pub end: DateTime<Utc>,
    /// Whether `end` itself is inside.
    pub end_inclusive: bool,
}

impl Interval {
    /// Whether `t` lies in the interval.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        let after_start = match self.start {
            None => true,
            Some(s) if self.start_inclusive => t >= s,
            Some(s) => t > s,
        };
        let before_end = if self.end_inclusive {
            t <= self.end
        } else {
            t < self.end
        };
        after_start && before_end
    }
}

fn window_literal_start(lit: &Literal, tz: Tz) -> Result<DateTime<Utc>> {
    match lit {
        Literal::Date(d) => Ok(time::start_of_day(*d, tz)),
        Literal::DateTime(t) => Ok(t.with_timezone(&Utc)),
        _ => Err(Error::new(
            ErrorKind::Type,
            "an event window needs a date or a date-time",
        )),
    }
}

/// The instants an event window covers (`docs/semantics.md`, Time):
/// no window is everything up to `asOf`; `in last N UNIT` is
/// `(asOf - N UNIT, asOf]`; `since D` is `[start of D, asOf]`; `between A and
/// B` is `[start of A, end of B]` for dates (the end exclusive at the next
/// day's start) and `[A, B]` for date-times, never past `asOf`. A non-date
/// bound is a `type` error.
pub(crate) fn window_interval(window: Option<&Window>, clock: &Clock) -> Result<Interval> {
    let up_to_as_of = Interval {
        start: None,
        start_inclusive: true,
        end: clock.as_of,
        end_inclusive: true,
    };
    let Some(window) = window else {
        return Ok(up_to_as_of);
    };
    match window {
        Window::Last(d) => Ok(Interval {
            start: time::before(clock.as_of, *d, clock.tz),
            start_inclusive: false,
            ..up_to_as_of
        }),
        Window::Since(lit) => Ok(Interval {
            start: Some(window_literal_start(lit, clock.tz)?),
            ..up_to_as_of
        }),
        Window::Between(low, high) => {
            let start = window_literal_start(low, clock.tz)?;
            let (end, end_inclusive) = match high {
                Literal::Date(d) => match d.succ_opt() {
                    Some(next) => (time::start_of_day(next, clock.tz), false),
                    None => (clock.as_of, true),
                },
                other => (window_literal_start(other, clock.tz)?, true),
            };
            let (end, end_inclusive) = if end > clock.as_of {
                (clock.as_of, true)
            } else {
                (end, end_inclusive)
            };
            Ok(Interval {
                start: Some(start),
                start_inclusive: true,
                end,
                end_inclusive,
            })
        }
    }
}

/// `PATH within last/next N UNIT` on a date or date-time value.
///
/// Dates: `today - N < d <= today` / `today <= d < today + N`; instants:
/// `asOf - N < t <= asOf` / `asOf <= t < asOf + N`. A bound past the
/// calendar's range is unbounded.
pub(crate) fn date_within(v: Temporal, dir: Direction, p: Duration, clock: &Clock) -> bool {
    let n = i64::from(p.amount);
    match (v, dir) {
        (Temporal::Date(d), Direction::Last) => {
            d <= clock.today && time::shift_date(clock.today, p.unit, -n).is_none_or(|lo| d > lo)
        }
        (Temporal::Date(d), Direction::Next) => {
            d >= clock.today && time::shift_date(clock.today, p.unit, n).is_none_or(|hi| d < hi)
        }
        (Temporal::Instant(t), Direction::Last) => {
            t <= clock.as_of && time::before(clock.as_of, p, clock.tz).is_none_or(|lo| t > lo)
        }
        (Temporal::Instant(t), Direction::Next) => {
            t >= clock.as_of && time::after(clock.as_of, p, clock.tz).is_none_or(|hi| t < hi)
        }
    }
}

/// `PATH more than N UNIT ago`: `d < today - N` / `t < asOf - N` (false
/// when the bound is past the calendar's range).
pub(crate) fn date_ago(v: Temporal, p: Duration, clock: &Clock) -> bool {
    let n = i64::from(p.amount);
    match v {
        Temporal::Date(d) => time::shift_date(clock.today, p.unit, -n).is_some_and(|b| d < b),
        Temporal::Instant(t) => time::before(clock.as_of, p, clock.tz).is_some_and(|b| t < b),
    }
}

/// `PATH anniversary within next/last N UNIT`: the yearly recurrence of the
/// value's (local) date. Next: the next recurrence `r >= today` has
/// `r < today + N`; last: the latest `r <= today` has `r > today - N`.
/// 29 February recurs on 28 February in common years.
pub(crate) fn anniversary(v: Temporal, dir: Direction, p: Duration, clock: &Clock) -> bool {
    let date = v.date(clock.tz);
    let (month, day) = (date.month(), date.day());
    let n = i64::from(p.amount);
    match dir {
        Direction::Next => time::next_anniversary(month, day, clock.today)
            .is_some_and(|r| time::shift_date(clock.today, p.unit, n).is_none_or(|hi| r < hi)),
        Direction::Last => time::previous_anniversary(month, day, clock.today)
            .is_some_and(|r| time::shift_date(clock.today, p.unit, -n).is_none_or(|lo| r > lo)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_nested_then_flat_and_null_is_missing() {
        let p = json!({"consent": {"marketing": true}, "a.b": 1, "n": null});
        let o = p.as_object().unwrap();
        let path = |s: &str| s.split('.').map(String::from).collect::<Vec<_>>();
        assert_eq!(lookup(o, &path("consent.marketing")), Some(&json!(true)));
        assert_eq!(lookup(o, &path("a.b")), Some(&json!(1)));
        assert_eq!(lookup(o, &path("n")), None);
        assert_eq!(lookup(o, &path("missing.x")), None);
    }

    #[test]
    fn fast_parsers_agree_with_chrono() {
        for text in [
            "2025-01-31T09:00:00Z",
            "2025-01-31T09:00:00.5Z",
            "2025-01-31T09:00:00.123456789+05:30",
            "2025-01-31T23:59:59-08:00",
            "2024-02-29T00:00:00+00:00",
            "2025-02-29T00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-01-31T24:00:00Z",
            "2025-01-31t09:00:00z",
            "2025-01-31 09:00:00Z",
            "2016-12-31T23:59:60Z",
            "2025-01-31T09:00:00.Z",
            "2025-01-31T09:00:00",
            "2025-01-31T09:00:00+0530",
            "not a date at all!!",
        ] {
            let chrono = DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.with_timezone(&Utc));
            assert_eq!(
                parse_temporal(text),
                chrono.map(Temporal::Instant),
                "{text}"
            );
        }
        for text in [
            "2025-01-31",
            "2024-02-29",
            "2025-02-29",
            "2025-1-031",
            "abcdefghij",
        ] {
            let chrono = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
            assert_eq!(parse_temporal(text), chrono.map(Temporal::Date), "{text}");
        }
    }

    #[test]
    fn fold_is_nfc_lowercase() {
        assert_eq!(fold("Ana@GMAIL.com"), "ana@gmail.com");
        assert_eq!(fold("E\u{301}"), "\u{e9}");
        assert_eq!(fold("\u{c9}"), "\u{e9}");
        assert!(matches!(fold("abc"), Cow::Borrowed(_)));
    }

    #[test]
    fn orders_without_coercion() {
        let tz = Tz::UTC;
        assert_eq!(
            compare_literal(&json!("25"), CmpOp::Lt, &Literal::Number(30.0), tz),
            None
        );
        assert_eq!(
            compare_literal(&json!(25), CmpOp::Lt, &Literal::Number(30.0), tz),
            Some(true)
        );
        assert_eq!(
            compare_literal(&json!("US"), CmpOp::Eq, &Literal::String("us".into()), tz),
            Some(false)
        );
        let d = Literal::Date(NaiveDate::from_ymd_opt(2025, 1, 31).unwrap());
        assert_eq!(
            compare_literal(&json!("2025-01-31T23:30:00Z"), CmpOp::Eq, &d, tz),
            Some(true)
        );
        assert_eq!(compare_literal(&json!("soon"), CmpOp::Eq, &d, tz), None);
    }

    #[test]
    fn in_list_is_kleene_or() {
        let tz = Tz::UTC;
        let vals = [Literal::String("a".into()), Literal::Number(1.0)];
        assert_eq!(in_list(&json!("a"), &vals, tz), Some(true));
        assert_eq!(in_list(&json!("b"), &vals, tz), None);
        assert_eq!(
            in_list(&json!("b"), &[Literal::String("a".into())], tz),
            Some(false)
        );
    }
}
