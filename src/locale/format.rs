//! Numbers, currencies, percentages, dates and plural categories with CLDR
//! data (ICU4X, compiled into the module).
//!
//! The defaults follow ECMA-402 (`Intl`): numbers keep at most 3 fraction
//! digits, currencies use the currency's own digits (2 for EUR, 0 for JPY),
//! percentages none; rounding is half away from zero on the shortest decimal
//! that reads back as the same `f64`, as ICU does.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;
use fixed_decimal::{Decimal, SignedRoundingMode, UnsignedRoundingMode};
use icu_calendar::cal::{Buddhist, Persian};
use icu_calendar::{AnyCalendarKind, Date, Gregorian, Iso};
use icu_datetime::fieldsets::builder::{BuilderError, DateFields, FieldSetBuilder};
use icu_datetime::fieldsets::enums::CompositeDateTimeFieldSet;
use icu_datetime::fieldsets::zone;
use icu_datetime::options::{Length, TimePrecision};
use icu_datetime::{DateTimeFormatterLoadError, FixedCalendarDateTimeFormatter};
use icu_decimal::options::DecimalFormatterOptions;
use icu_decimal::DecimalFormatter;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_experimental::dimension::currency::CurrencyType;
use icu_experimental::dimension::percent::formatter::PercentFormatter;
use icu_plurals::{PluralCategory, PluralRules};
use icu_time::zone::UtcOffset;
use icu_time::{Time, TimeZone, ZonedDateTime};

use super::parse_locale;
use crate::error::{Error, ErrorKind, Result};

/// Fraction digits for [`format_number`] (`Intl.NumberFormat`'s
/// `minimumFractionDigits` / `maximumFractionDigits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NumberOptions {
    /// At least this many fraction digits (default 0).
    pub min_fraction_digits: Option<u8>,
    /// At most this many fraction digits (default: the larger of 3 and the minimum).
    pub max_fraction_digits: Option<u8>,
}

/// Date and time styles, as `Intl.DateTimeFormat`'s `dateStyle` / `timeStyle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateStyle {
    /// `1/31/25`, `9:00 AM`.
    Short,
    /// `Jan 31, 2025`, `9:00:00 AM` (the default).
    #[default]
    Medium,
    /// `January 31, 2025`, `9:00:00 AM PST`.
    Long,
    /// `Friday, January 31, 2025`, `9:00:00 AM Pacific Standard Time`.
    Full,
}

impl DateStyle {
    /// Reads `short`, `medium`, `long` or `full`.
    pub fn parse(name: &str) -> Result<DateStyle> {
        match name {
            "short" => Ok(DateStyle::Short),
            "medium" => Ok(DateStyle::Medium),
            "long" => Ok(DateStyle::Long),
            "full" => Ok(DateStyle::Full),
            _ => Err(Error::new(
                ErrorKind::Argument,
                format!("unknown date style {name:?} (expected short, medium, long or full)"),
            )),
        }
    }
}

/// What [`format_date`] formats: an instant, or a calendar date (no time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateInput {
    /// An instant, shown in the given time zone.
    Instant(DateTime<Utc>),
    /// A calendar date, shown as is (a time part, if asked for, is midnight).
    Date(NaiveDate),
}

impl DateInput {
    /// Reads an RFC 3339 date-time (an instant) or a `YYYY-MM-DD` date.
    pub fn parse(text: &str) -> Result<DateInput> {
        // `YYYY-MM-DD`, the common case, without chrono's format parser.
        if let Some(d) =
            crate::rules::value::fast_date(text.as_bytes()).filter(|_| text.len() == 10)
        {
            return Ok(DateInput::Date(d));
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(DateInput::Instant(t.with_timezone(&Utc)));
        }
        if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(DateInput::Date(d));
        }
        Err(Error::new(
            ErrorKind::Argument,
            format!("{text:?} is not an RFC 3339 date-time or a YYYY-MM-DD date"),
        ))
    }
}

fn locale_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Locale, format!("{what}: {e}"))
}

/// The shortest decimal that reads back as `value` (as ICU and `Intl` do).
fn decimal(value: f64) -> Result<Decimal> {
    if !value.is_finite() {
        return Err(Error::new(
            ErrorKind::Argument,
            format!("cannot format {value}: not a finite number"),
        ));
    }
    // `Display` for f64 prints the shortest round-trip digits, never an exponent.
    let text = format!("{value}");
    Decimal::try_from_str(&text)
        .map_err(|e| Error::new(ErrorKind::Argument, format!("cannot format {value}: {e:?}")))
}

/// Rounds half away from zero at `-max` and pads/trims to between `min` and `max` fraction digits.
fn fit_fraction(mut d: Decimal, min: u8, max: u8) -> Decimal {
    let half_expand = SignedRoundingMode::Unsigned(UnsignedRoundingMode::HalfExpand);
    d.round_with_mode(-i16::from(max), half_expand);
    d.absolute.trim_end();
    d.absolute.pad_end(-i16::from(min));
    d
}

fn digits(options: NumberOptions) -> Result<(u8, u8)> {
    let min = options.min_fraction_digits.unwrap_or(0);
    let max = options.max_fraction_digits.unwrap_or(min.max(3));
    if min > 20 || max > 20 || min > max {
        return Err(Error::new(
            ErrorKind::Argument,
            format!("fraction digits out of range (min {min}, max {max}; 0 <= min <= max <= 20)"),
        ));
    }
    Ok((min, max))
}

/// Formats a number with the locale's digits, separators and grouping, as
/// `new Intl.NumberFormat(locale, options).format(value)`.
///
/// ```
/// use kaleido::locale::{format_number, NumberOptions};
/// assert_eq!(format_number(1234567.891, "de-DE", NumberOptions::default()).unwrap(), "1.234.567,891");
/// ```
pub fn format_number(value: f64, locale: &str, options: NumberOptions) -> Result<String> {
    let loc = parse_locale(locale)?;
    let (min, max) = digits(options)?;
    let formatter = DecimalFormatter::try_new((&loc).into(), DecimalFormatterOptions::default())
        .map_err(|e| locale_error(&format!("no number data for {locale:?}"), e))?;
    let d = fit_fraction(decimal(value)?, min, max);
    Ok(formatter.format(&d).to_string())
}

/// Formats a fraction as a percentage (0.25 → `25%`), as `Intl.NumberFormat`
/// with `style: "percent"` (no fraction digits by default).
pub fn format_percent(value: f64, locale: &str, options: NumberOptions) -> Result<String> {
    let loc = parse_locale(locale)?;
    let min = options.min_fraction_digits.unwrap_or(0);
    let (min, max) = digits(NumberOptions {
        min_fraction_digits: Some(min),
        max_fraction_digits: Some(options.max_fraction_digits.unwrap_or(min)),
    })?;
    let mut d = decimal(value)?;
    d.multiply_pow10(2);
    d.absolute.trim_start();
    let d = fit_fraction(d, min, max);
    let formatter = PercentFormatter::try_new((&loc).into(), Default::default())
        .map_err(|e| locale_error(&format!("no percent data for {locale:?}"), e))?;
    Ok(writeable::Writeable::write_to_string(&formatter.format(&d)).into_owned())
}

/// The active ISO 4217 codes (list one, 2025; funds, metals and the testing
/// codes included). A static list costs nothing next to CLDR's display-name
/// data, which checking names with `CurrencyFormatter::try_new_name` pulled in.
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV \
BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD \
EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD \
JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU \
MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB \
RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD \
TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF \
XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWG ZWL";

/// Reads an ISO 4217 code (`EUR`, case-insensitive) from the active list.
fn currency_code(code: &str) -> Result<CurrencyType> {
    let unknown = || {
        Error::new(
            ErrorKind::Locale,
            format!("unknown currency {code:?} (expected an ISO 4217 code such as \"EUR\")"),
        )
    };
    let upper = code.trim().to_ascii_uppercase();
    if upper.len() != 3 || !ISO_4217.split_ascii_whitespace().any(|c| c == upper) {
        return Err(unknown());
    }
    CurrencyType::try_from_str(&upper).map_err(|_| unknown())
}

/// Formats an amount of money with the currency's symbol and digits, as
/// `new Intl.NumberFormat(locale, { style: "currency", currency }).format(value)`.
///
/// ```
/// assert_eq!(kaleido::locale::format_currency(1234.5, "EUR", "de-DE").unwrap(), "1.234,50\u{a0}€");
/// ```
pub fn format_currency(value: f64, currency: &str, locale: &str) -> Result<String> {
    let loc = parse_locale(locale)?;
    let code = currency_code(currency)?;
    let formatter = CurrencyFormatter::try_new_symbol((&loc).into(), code, Default::default())
        .map_err(|e| locale_error(&format!("no currency data for {locale:?}"), e))?;
    let d = decimal(value)?;
    let formatted = formatter.format_fixed_decimal(&d);
    let text = formatted.to_string();
    Ok(text)
}

/// The CLDR plural category of `n` in the locale (cardinal), as
/// `new Intl.PluralRules(locale).select(n)`.
///
/// ```
/// assert_eq!(kaleido::locale::plural_category(3.0, "pl-PL").unwrap(), "few");
/// ```
pub fn plural_category(n: f64, locale: &str) -> Result<&'static str> {
    let loc = parse_locale(locale)?;
    let rules = PluralRules::try_new_cardinal((&loc).into())
        .map_err(|e| locale_error(&format!("no plural rules for {locale:?}"), e))?;
    // Intl selects on the number as it would be formatted (at most 3 fraction digits).
    let d = fit_fraction(decimal(n)?, 0, 3);
    Ok(match rules.category_for(&d) {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    })
}

/// Options of [`format_date`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateOptions {
    /// The zone an instant is shown in (default UTC).
    pub time_zone: Tz,
    /// The length of the date (and time) (default medium).
    pub style: DateStyle,
    /// Whether to show the time of day too (with the same style).
    pub time: bool,
}

impl Default for DateOptions {
    fn default() -> DateOptions {
        DateOptions {
            time_zone: Tz::UTC,
            style: DateStyle::Medium,
            time: false,
        }
    }
}

/// The calendars dates are written in: the locale's default as `Intl` uses
/// it (Buddhist in `th`, Persian in `fa` and `ps-AF`), else Gregorian. Only
/// these three calendars' names are compiled in (see docs/locale.md, "Size").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Calendar {
    Gregorian,
    Buddhist,
    Persian,
}

fn calendar_of(loc: &icu_locale_core::Locale) -> Calendar {
    match AnyCalendarKind::try_new(loc.into()).unwrap_or(AnyCalendarKind::Gregorian) {
        AnyCalendarKind::Buddhist => Calendar::Buddhist,
        AnyCalendarKind::Persian => Calendar::Persian,
        _ => Calendar::Gregorian,
    }
}

/// How a long or full time shows its zone: the localized GMT offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ZoneShown {
    /// `GMT-5`, as `Intl`'s `timeZoneName: "shortOffset"` (long style).
    ShortOffset,
    /// `GMT-05:00`, as `timeZoneName: "longOffset"` (full style).
    LongOffset,
}

/// Formats `$input` (a `ZonedDateTime<Iso, _>`) in calendar `$cal` (type `$C`)
/// with the plain field set, or the date-time field set with a zone.
macro_rules! format_in {
    ($C:ty, $cal:expr, $loc:expr, $plain:expr, $dt:expr, $zone:expr, $input:expr) => {{
        let input = ZonedDateTime {
            date: $input.date.to_calendar($cal),
            time: $input.time,
            zone: $input.zone,
        };
        let prefs = (&$loc).into();
        let err = |e: DateTimeFormatterLoadError| {
            locale_error(&format!("no date patterns for {}", $loc), e)
        };
        match ($zone, $dt) {
            (Some(ZoneShown::ShortOffset), Some(dt)) => {
                FixedCalendarDateTimeFormatter::<$C, _>::try_new(
                    prefs,
                    dt.with_zone(zone::LocalizedOffsetShort),
                )
                .map_err(err)?
                .format(&input)
                .to_string()
            }
            (Some(ZoneShown::LongOffset), Some(dt)) => {
                FixedCalendarDateTimeFormatter::<$C, _>::try_new(
                    prefs,
                    dt.with_zone(zone::LocalizedOffsetLong),
                )
                .map_err(err)?
                .format(&input)
                .to_string()
            }
            _ => FixedCalendarDateTimeFormatter::<$C, _>::try_new(prefs, $plain)
                .map_err(err)?
                .format(&input)
                .to_string(),
        }
    }};
}

/// Formats a date, or a date and time, in the locale's calendar and patterns,
/// as `Intl.DateTimeFormat` with `dateStyle` (and `timeStyle` when `time`).
/// Long and full times show the zone as a localized GMT offset (`GMT-5`,
/// `GMT-05:00`), as `Intl` does with `timeZoneName: "shortOffset"` /
/// `"longOffset"`, not the zone's name (`EST`): see docs/locale.md.
///
/// ```
/// use kaleido::locale::{format_date, DateInput, DateOptions, DateStyle};
/// let d = DateInput::parse("2025-01-31").unwrap();
/// let o = DateOptions { style: DateStyle::Long, ..DateOptions::default() };
/// assert_eq!(format_date(d, "fr-FR", o).unwrap(), "31 janvier 2025");
/// ```
pub fn format_date(value: DateInput, locale: &str, options: DateOptions) -> Result<String> {
    let loc = parse_locale(locale)?;
    let (local, offset_seconds) = match value {
        DateInput::Instant(t) => {
            let local = t.with_timezone(&options.time_zone);
            let offset = chrono::Offset::fix(local.offset()).local_minus_utc();
            (local.naive_local(), offset)
        }
        DateInput::Date(d) => (d.and_time(chrono::NaiveTime::MIN), 0),
    };
    let mut builder = FieldSetBuilder::new();
    builder.length = Some(match options.style {
        DateStyle::Short => Length::Short,
        DateStyle::Medium => Length::Medium,
        DateStyle::Long | DateStyle::Full => Length::Long,
    });
    builder.date_fields = Some(match options.style {
        DateStyle::Full => DateFields::YMDE,
        _ => DateFields::YMD,
    });
    let mut zone_shown = None;
    if options.time {
        builder.time_precision = Some(match options.style {
            DateStyle::Short => TimePrecision::Minute,
            _ => TimePrecision::Second,
        });
        zone_shown = match options.style {
            DateStyle::Long => Some(ZoneShown::ShortOffset),
            DateStyle::Full => Some(ZoneShown::LongOffset),
            _ => None,
        };
    }
    let fields_error =
        |e: BuilderError| Error::new(ErrorKind::Argument, format!("date fields: {e}"));
    let date_and_time = if zone_shown.is_some() {
        Some(
            builder
                .clone()
                .build_date_and_time()
                .map_err(fields_error)?,
        )
    } else {
        None
    };
    let plain: CompositeDateTimeFieldSet =
        builder.build_composite_datetime().map_err(fields_error)?;
    let input = zoned(local, offset_seconds, options.time_zone)?;
    let text = match calendar_of(&loc) {
        Calendar::Gregorian => {
            format_in!(
                Gregorian,
                Gregorian,
                loc,
                plain,
                date_and_time,
                zone_shown,
                input
            )
        }
        Calendar::Buddhist => {
            format_in!(
                Buddhist,
                Buddhist,
                loc,
                plain,
                date_and_time,
                zone_shown,
                input
            )
        }
        Calendar::Persian => {
            format_in!(
                Persian,
                Persian::new(),
                loc,
                plain,
                date_and_time,
                zone_shown,
                input
            )
        }
    };
    // V8 and SpiderMonkey print U+202F NARROW NO-BREAK SPACE (CLDR 42+, in
    // `9:05 PM`, `2025 г.`) as a plain space for web compatibility; so do we.
    Ok(text.replace('\u{202f}', " "))
}

type Zoned = ZonedDateTime<Iso, icu_time::TimeZoneInfo<icu_time::zone::models::AtTime>>;

fn zoned(local: NaiveDateTime, offset_seconds: i32, tz: Tz) -> Result<Zoned> {
    use chrono::Datelike;
    let bad = |what: &str| Error::new(ErrorKind::Argument, format!("date out of range: {what}"));
    let year = local.year();
    let date = Date::try_new_iso(year, local.month() as u8, local.day() as u8)
        .map_err(|e| bad(&e.to_string()))?;
    let time = Time::try_new(
        local.hour() as u8,
        local.minute() as u8,
        local.second() as u8,
        0,
    )
    .map_err(|e| bad(&e.to_string()))?;
    let offset = UtcOffset::try_from_seconds(offset_seconds).ok();
    let zone = TimeZone::from_iana_id(tz.name())
        .with_offset(offset)
        .at_date_time(icu_time::DateTime { date, time });
    Ok(ZonedDateTime { date, time, zone })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(at: &str, locale: &str, zone: &str, style: DateStyle, time: bool) -> String {
        let o = DateOptions {
            time_zone: zone.parse().unwrap(),
            style,
            time,
        };
        format_date(DateInput::parse(at).unwrap(), locale, o).unwrap()
    }

    #[test]
    fn zones_are_gmt_offsets_and_calendars_follow_intl_defaults() {
        let at = "2025-01-31T14:05:09Z";
        let ny = "America/New_York";
        assert_eq!(
            date(at, "en-US", ny, DateStyle::Long, true),
            "January 31, 2025 at 9:05:09 AM GMT-5"
        );
        assert_eq!(
            date(at, "en-US", ny, DateStyle::Full, true),
            "Friday, January 31, 2025 at 9:05:09 AM GMT-05:00"
        );
        assert_eq!(
            date(at, "en-US", "Asia/Kolkata", DateStyle::Long, true),
            "January 31, 2025 at 7:35:09 PM GMT+5:30"
        );
        assert_eq!(
            date(at, "de-DE", "UTC", DateStyle::Long, true),
            "31. Januar 2025 um 14:05:09 GMT+0"
        );
        // Intl's default calendars: Buddhist in Thai, Persian in Persian.
        assert_eq!(
            date("2025-03-09", "th-TH", "UTC", DateStyle::Long, false),
            "9 มีนาคม 2568"
        );
        assert_eq!(
            date("2025-03-09", "fa-IR", "UTC", DateStyle::Long, false),
            "۱۹ اسفند ۱۴۰۳"
        );
        assert_eq!(
            date("2025-03-09", "ar-SA", "UTC", DateStyle::Long, false),
            "٩ مارس ٢٠٢٥"
        );
    }
}
