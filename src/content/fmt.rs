//! The formatting the template filters call: CLDR data through
//! [`crate::locale`] (ICU4X), in the subscriber's locale.
//!
//! Building an ICU4X formatter (locale fallback, data lookups) costs far more
//! than formatting one value with it, and an email formats several values in
//! the same few locales over and over. So the filters keep the formatters
//! they built, per thread, keyed by locale (and currency, date style): the
//! first use of a key goes through the plain [`crate::locale`] function (the
//! reference; it also produces every error), later ones format with the kept
//! formatter. The outputs are the same by construction (the same ICU calls
//! on the same inputs) and by test (`cached_formatting_matches_the_locale_module`).

use std::cell::RefCell;

use chrono::{Datelike, Timelike};
use fixed_decimal::{Decimal, SignedRoundingMode, UnsignedRoundingMode};
use icu_calendar::cal::{Buddhist, Persian};
use icu_calendar::{AnyCalendarKind, Date, Gregorian};
use icu_datetime::fieldsets::builder::{DateFields, FieldSetBuilder};
use icu_datetime::fieldsets::enums::CompositeDateTimeFieldSet;
use icu_datetime::options::{Length, TimePrecision};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_decimal::options::DecimalFormatterOptions;
use icu_decimal::DecimalFormatter;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_experimental::dimension::currency::CurrencyType;
use icu_time::Time;
use writeable::Writeable;

use crate::error::Result;
pub(crate) use crate::locale::{
    format_percent, plural_category, DateInput, DateOptions, DateStyle, NumberOptions,
};

/// Kept formatters per key; a list that grows past this is emptied (a
/// campaign uses a handful of locales, so this only bounds odd inputs).
const MAX_KEPT: usize = 256;

/// A date formatter for dates without a shown zone, in the locale's calendar.
enum DateFormatter {
    Gregorian(FixedCalendarDateTimeFormatter<Gregorian, CompositeDateTimeFieldSet>),
    Buddhist(FixedCalendarDateTimeFormatter<Buddhist, CompositeDateTimeFieldSet>),
    Persian(FixedCalendarDateTimeFormatter<Persian, CompositeDateTimeFieldSet>),
}

/// The kept formatters. Lists, searched by the borrowed key: with the few
/// keys a campaign has, that is cheaper than hashing an owned key per value.
#[derive(Default)]
struct Kept {
    /// (locale, currency as given, formatter).
    currency: Vec<(String, String, CurrencyFormatter<DecimalFormatter>)>,
    /// (locale, formatter).
    decimal: Vec<(String, DecimalFormatter)>,
    /// (locale, style, with time, formatter).
    date: Vec<(String, u8, bool, DateFormatter)>,
}

thread_local! {
    static KEPT: RefCell<Kept> = RefCell::new(Kept::default());
}

/// Adds `item`, first emptying `list` when it is full.
fn keep<T>(list: &mut Vec<T>, item: T) {
    if list.len() >= MAX_KEPT {
        list.clear();
    }
    list.push(item);
}

/// Text written into a stack buffer (`None` when it does not fit).
struct Digits {
    buf: [u8; 64],
    len: usize,
}

impl std::fmt::Write for Digits {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The shortest decimal that reads back as `value`, as the locale module
/// makes it (the same `Display` text, parsed); `None` where that module
/// reports an error instead.
fn decimal(value: f64) -> Option<Decimal> {
    use std::fmt::Write;
    if !value.is_finite() {
        return None;
    }
    let mut d = Digits {
        buf: [0; 64],
        len: 0,
    };
    if write!(d, "{value}").is_ok() {
        return Decimal::try_from_utf8(d.buf.get(..d.len)?).ok();
    }
    // Very large or very small magnitudes print more than 64 digits.
    Decimal::try_from_str(&format!("{value}")).ok()
}

/// As [`crate::locale::format_currency`], with a kept formatter.
pub(crate) fn format_currency(value: f64, currency: &str, locale: &str) -> Result<String> {
    let hit = KEPT.with(|k| {
        let kept = k.borrow();
        let (_, _, f) = kept
            .currency
            .iter()
            .find(|(l, c, _)| l == locale && c == currency)?;
        let d = decimal(value)?;
        let text = f.format_fixed_decimal(&d).write_to_string().into_owned();
        Some(text)
    });
    if let Some(text) = hit {
        return Ok(text);
    }
    let text = crate::locale::format_currency(value, currency, locale)?;
    // It formatted, so the locale and the code are valid: keep the formatter.
    let loc = crate::locale::parse_locale(locale)?;
    let code = CurrencyType::try_from_str(&currency.trim().to_ascii_uppercase()).ok();
    let formatter = code.and_then(|code| {
        CurrencyFormatter::try_new_symbol((&loc).into(), code, Default::default()).ok()
    });
    if let Some(f) = formatter {
        KEPT.with(|k| {
            let item = (locale.to_owned(), currency.to_owned(), f);
            keep(&mut k.borrow_mut().currency, item);
        });
    }
    Ok(text)
}

/// The fraction digits of [`crate::locale::format_number`]; `None` where it
/// reports an error.
fn digits(options: NumberOptions) -> Option<(u8, u8)> {
    let min = options.min_fraction_digits.unwrap_or(0);
    let max = options.max_fraction_digits.unwrap_or(min.max(3));
    (min <= 20 && max <= 20 && min <= max).then_some((min, max))
}

/// As [`crate::locale::format_number`], with a kept formatter.
pub(crate) fn format_number(value: f64, locale: &str, options: NumberOptions) -> Result<String> {
    let hit = KEPT.with(|k| {
        let kept = k.borrow();
        let (_, f) = kept.decimal.iter().find(|(l, _)| l == locale)?;
        let (min, max) = digits(options)?;
        let mut d = decimal(value)?;
        let half_expand = SignedRoundingMode::Unsigned(UnsignedRoundingMode::HalfExpand);
        d.round_with_mode(-i16::from(max), half_expand);
        d.absolute.trim_end();
        d.absolute.pad_end(-i16::from(min));
        Some(f.format(&d).write_to_string().into_owned())
    });
    if let Some(text) = hit {
        return Ok(text);
    }
    let text = crate::locale::format_number(value, locale, options)?;
    let loc = crate::locale::parse_locale(locale)?;
    if let Ok(f) = DecimalFormatter::try_new((&loc).into(), DecimalFormatterOptions::default()) {
        KEPT.with(|k| keep(&mut k.borrow_mut().decimal, (locale.to_owned(), f)));
    }
    Ok(text)
}

fn style_key(style: DateStyle) -> u8 {
    match style {
        DateStyle::Short => 0,
        DateStyle::Medium => 1,
        DateStyle::Long => 2,
        DateStyle::Full => 3,
    }
}

/// The field set of [`crate::locale::format_date`] for a date (and time)
/// shown without its zone.
fn plain_fields(style: DateStyle, time: bool) -> Option<CompositeDateTimeFieldSet> {
    let mut builder = FieldSetBuilder::new();
    builder.length = Some(match style {
        DateStyle::Short => Length::Short,
        DateStyle::Medium => Length::Medium,
        DateStyle::Long | DateStyle::Full => Length::Long,
    });
    builder.date_fields = Some(match style {
        DateStyle::Full => DateFields::YMDE,
        _ => DateFields::YMD,
    });
    if time {
        builder.time_precision = Some(match style {
            DateStyle::Short => TimePrecision::Minute,
            _ => TimePrecision::Second,
        });
    }
    builder.build_composite_datetime().ok()
}

fn date_formatter(locale: &str, style: DateStyle, time: bool) -> Option<DateFormatter> {
    let loc = crate::locale::parse_locale(locale).ok()?;
    let fields = plain_fields(style, time)?;
    let prefs = (&loc).into();
    // The calendar choice of the locale module: Intl's default for the locale.
    Some(
        match AnyCalendarKind::try_new((&loc).into()).unwrap_or(AnyCalendarKind::Gregorian) {
            AnyCalendarKind::Buddhist => DateFormatter::Buddhist(
                FixedCalendarDateTimeFormatter::try_new(prefs, fields).ok()?,
            ),
            AnyCalendarKind::Persian => {
                DateFormatter::Persian(FixedCalendarDateTimeFormatter::try_new(prefs, fields).ok()?)
            }
            _ => DateFormatter::Gregorian(
                FixedCalendarDateTimeFormatter::try_new(prefs, fields).ok()?,
            ),
        },
    )
}

/// The local wall time `value` is shown at, as the locale module computes it.
fn local_time(value: DateInput, options: &DateOptions) -> chrono::NaiveDateTime {
    match value {
        DateInput::Instant(t) => t.with_timezone(&options.time_zone).naive_local(),
        DateInput::Date(d) => d.and_time(chrono::NaiveTime::MIN),
    }
}

fn format_plain(f: &DateFormatter, local: chrono::NaiveDateTime) -> Option<String> {
    let date = Date::try_new_iso(local.year(), local.month() as u8, local.day() as u8).ok()?;
    let time = Time::try_new(
        local.hour() as u8,
        local.minute() as u8,
        local.second() as u8,
        0,
    )
    .ok()?;
    let text = match f {
        DateFormatter::Gregorian(f) => f
            .format(&icu_time::DateTime {
                date: date.to_calendar(Gregorian),
                time,
            })
            .write_to_string()
            .into_owned(),
        DateFormatter::Buddhist(f) => f
            .format(&icu_time::DateTime {
                date: date.to_calendar(Buddhist),
                time,
            })
            .write_to_string()
            .into_owned(),
        DateFormatter::Persian(f) => f
            .format(&icu_time::DateTime {
                date: date.to_calendar(Persian::new()),
                time,
            })
            .write_to_string()
            .into_owned(),
    };
    // Intl writes a plain space where CLDR has a narrow no-break space.
    Some(if text.contains('\u{202f}') {
        text.replace('\u{202f}', " ")
    } else {
        text
    })
}

/// As [`crate::locale::format_date`], with a kept formatter when the zone is
/// not shown (dates, and short or medium date-times).
pub(crate) fn format_date(value: DateInput, locale: &str, options: DateOptions) -> Result<String> {
    let zone_shown = options.time && matches!(options.style, DateStyle::Long | DateStyle::Full);
    if zone_shown {
        return crate::locale::format_date(value, locale, options);
    }
    let (style, time) = (style_key(options.style), options.time);
    let local = local_time(value, &options);
    let hit = KEPT.with(|k| {
        let kept = k.borrow();
        let (.., f) = kept
            .date
            .iter()
            .find(|(l, s, t, _)| l == locale && *s == style && *t == time)?;
        format_plain(f, local)
    });
    if let Some(text) = hit {
        return Ok(text);
    }
    let text = crate::locale::format_date(value, locale, options)?;
    if let Some(f) = date_formatter(locale, options.style, options.time) {
        KEPT.with(|k| {
            keep(
                &mut k.borrow_mut().date,
                (locale.to_owned(), style, time, f),
            )
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twice per input: the first call may build the formatter, the second
    /// uses the kept one; both must equal the locale module's output.
    #[test]
    fn cached_formatting_matches_the_locale_module() {
        let locales = [
            "en-US", "de-DE", "fr", "th-TH", "fa-IR", "ar-SA", "ja", "hi-IN", "pt-BR", "en_GB",
        ];
        let numbers = [
            0.0,
            -0.0,
            1.0,
            12.5,
            1234.5,
            -99.999,
            0.0005,
            1e21,
            123456789.125,
            2.675,
        ];
        for loc in locales {
            for n in numbers {
                for cur in ["EUR", "jpy", "USD", "BHD"] {
                    let want = crate::locale::format_currency(n, cur, loc).unwrap();
                    assert_eq!(format_currency(n, cur, loc).unwrap(), want);
                    assert_eq!(
                        format_currency(n, cur, loc).unwrap(),
                        want,
                        "{n} {cur} {loc}"
                    );
                }
                for (min, max) in [
                    (None, None),
                    (Some(2), None),
                    (Some(0), Some(0)),
                    (None, Some(1)),
                ] {
                    let o = NumberOptions {
                        min_fraction_digits: min,
                        max_fraction_digits: max,
                    };
                    let want = crate::locale::format_number(n, loc, o).unwrap();
                    assert_eq!(format_number(n, loc, o).unwrap(), want);
                    assert_eq!(format_number(n, loc, o).unwrap(), want, "{n} {loc} {o:?}");
                }
            }
            for at in [
                "2025-01-31",
                "1999-12-31T23:59:59Z",
                "2025-03-09T01:30:00-08:00",
                "2024-02-29T12:00:00Z",
            ] {
                for zone in [
                    "UTC",
                    "America/New_York",
                    "Asia/Kolkata",
                    "Pacific/Kiritimati",
                ] {
                    for style in [
                        DateStyle::Short,
                        DateStyle::Medium,
                        DateStyle::Long,
                        DateStyle::Full,
                    ] {
                        for time in [false, true] {
                            let o = DateOptions {
                                time_zone: zone.parse().unwrap(),
                                style,
                                time,
                            };
                            let d = DateInput::parse(at).unwrap();
                            let want = crate::locale::format_date(d, loc, o).unwrap();
                            assert_eq!(format_date(d, loc, o).unwrap(), want);
                            assert_eq!(format_date(d, loc, o).unwrap(), want, "{at} {loc} {o:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn errors_are_the_locale_module_errors() {
        for _ in 0..2 {
            let e = format_currency(f64::NAN, "EUR", "en").unwrap_err();
            let want = crate::locale::format_currency(f64::NAN, "EUR", "en").unwrap_err();
            assert_eq!(e.message(), want.message());
            assert!(format_currency(1.0, "EUR", "en").is_ok());
            let e = format_currency(f64::INFINITY, "EUR", "en").unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Argument);
            assert!(format_currency(1.0, "XYZ", "en").is_err());
            assert!(format_currency(1.0, "EUR", "xx-nope").is_err());
            let bad = NumberOptions {
                min_fraction_digits: Some(5),
                max_fraction_digits: Some(2),
            };
            assert!(format_number(1.0, "en", NumberOptions::default()).is_ok());
            assert_eq!(
                format_number(1.0, "en", bad).unwrap_err().message(),
                crate::locale::format_number(1.0, "en", bad)
                    .unwrap_err()
                    .message()
            );
        }
    }
}
