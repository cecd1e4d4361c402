//! The formatting the template filters call, behind the same signatures as
//! `crate::locale` (CLDR / ICU4X, built on the `locale` branch).
//!
//! Until that module is in this crate, these are simple English (`en-US`)
//! implementations: correct for English, the same shape for every locale.
//! Switching to CLDR is the `use` line marked `SWITCH` below: replace the
//! local definitions with `pub(crate) use crate::locale::{format_number,
//! format_percent, format_currency, plural_category, format_date, DateInput,
//! DateOptions, DateStyle, NumberOptions};` and delete the rest of the file.

// SWITCH: when `crate::locale` lands, this module becomes that one `use` line.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use crate::error::{Error, ErrorKind, Result};

/// Fraction digits (`Intl.NumberFormat`'s minimum/maximumFractionDigits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct NumberOptions {
    /// At least this many fraction digits (default 0).
    pub min_fraction_digits: Option<u8>,
    /// At most this many (default: the larger of 3 and the minimum).
    pub max_fraction_digits: Option<u8>,
}

/// Date and time styles (`Intl.DateTimeFormat`'s dateStyle / timeStyle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum DateStyle {
    /// `1/31/25`.
    Short,
    /// `Jan 31, 2025`.
    #[default]
    Medium,
    /// `January 31, 2025`.
    Long,
    /// `Friday, January 31, 2025`.
    Full,
}

impl DateStyle {
    /// Reads `short`, `medium`, `long` or `full`.
    pub(crate) fn parse(name: &str) -> Result<DateStyle> {
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

/// An instant or a calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateInput {
    /// An instant, shown in the time zone of the options.
    Instant(DateTime<Utc>),
    /// A calendar date, shown as is.
    Date(NaiveDate),
}

impl DateInput {
    /// Reads an RFC 3339 date-time or a `YYYY-MM-DD` date.
    pub(crate) fn parse(text: &str) -> Result<DateInput> {
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

/// Zone, style and whether to show the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateOptions {
    /// The zone an instant is shown in.
    pub time_zone: Tz,
    /// Length of the output.
    pub style: DateStyle,
    /// Show the time of day too.
    pub time: bool,
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

/// `value` rounded half away from zero to `max` fraction digits, with at
/// least `min`, grouped by thousands with `,` and a `.` decimal point.
fn en_decimal(value: f64, min: u8, max: u8) -> Result<String> {
    if !value.is_finite() {
        return Err(Error::new(
            ErrorKind::Argument,
            format!("cannot format {value}: not a finite number"),
        ));
    }
    // Shortest round-trip digits, then decimal rounding on the text (as ICU
    // does), so 1.005 with 2 digits is 1.01 and not 1.00.
    let text = format!("{}", value.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
    let mut int_len = int.len();
    let keep = int_len + usize::from(max);
    if digits.len() > keep {
        let round_up = digits.get(keep).is_some_and(|d| *d >= 5);
        digits.truncate(keep);
        if round_up {
            let mut i = keep;
            loop {
                if i == 0 {
                    digits.insert(0, 1);
                    int_len += 1;
                    break;
                }
                i -= 1;
                match digits.get_mut(i) {
                    Some(d) if *d == 9 => *d = 0,
                    Some(d) => {
                        *d += 1;
                        break;
                    }
                    None => break,
                }
            }
        }
    }
    let (int_digits, frac_digits) = digits.split_at(int_len.min(digits.len()));
    let mut frac_digits: Vec<u8> = frac_digits.to_vec();
    while frac_digits.len() > usize::from(min) && frac_digits.last() == Some(&0) {
        frac_digits.pop();
    }
    while frac_digits.len() < usize::from(min) {
        frac_digits.push(0);
    }
    let mut out = String::new();
    let is_zero = int_digits.iter().chain(&frac_digits).all(|d| *d == 0);
    if value.is_sign_negative() && !is_zero {
        out.push('-');
    }
    let n = int_digits.len();
    for (i, d) in int_digits.iter().enumerate() {
        if i > 0 && (n - i) % 3 == 0 {
            out.push(',');
        }
        out.push(char::from(b'0' + d));
    }
    if n == 0 {
        out.push('0');
    }
    if !frac_digits.is_empty() {
        out.push('.');
        out.extend(frac_digits.iter().map(|d| char::from(b'0' + d)));
    }
    Ok(out)
}

/// A number with grouping and fraction digits (`Intl.NumberFormat`).
pub(crate) fn format_number(value: f64, _locale: &str, options: NumberOptions) -> Result<String> {
    let (min, max) = digits(options)?;
    en_decimal(value, min, max)
}

/// A ratio as a percentage (`0.25` is `25%`).
pub(crate) fn format_percent(value: f64, _locale: &str, options: NumberOptions) -> Result<String> {
    let min = options.min_fraction_digits.unwrap_or(0);
    let max = options.max_fraction_digits.unwrap_or(min);
    let (min, max) = digits(NumberOptions {
        min_fraction_digits: Some(min),
        max_fraction_digits: Some(max),
    })?;
    Ok(format!("{}%", en_decimal(value * 100.0, min, max)?))
}

/// An amount with the currency's symbol and digits (`$1,234.50`, `¥1,235`).
pub(crate) fn format_currency(value: f64, currency: &str, _locale: &str) -> Result<String> {
    let code = currency.to_ascii_uppercase();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Error::new(
            ErrorKind::Locale,
            format!("unknown currency {currency:?} (expected an ISO 4217 code such as \"EUR\")"),
        ));
    }
    let (symbol, digits) = match code.as_str() {
        "USD" => ("$".to_string(), 2),
        "EUR" => ("€".to_string(), 2),
        "GBP" => ("£".to_string(), 2),
        "JPY" => ("¥".to_string(), 0),
        "KRW" => ("₩".to_string(), 0),
        "VND" => ("₫".to_string(), 0),
        "INR" => ("₹".to_string(), 2),
        "CNY" => ("CN¥".to_string(), 2),
        "CAD" => ("CA$".to_string(), 2),
        "AUD" => ("A$".to_string(), 2),
        _ => (format!("{code}\u{a0}"), 2),
    };
    let number = en_decimal(value.abs(), digits, digits)?;
    let sign = if value < 0.0 && number.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        "-"
    } else {
        ""
    };
    Ok(format!("{sign}{symbol}{number}"))
}

/// The CLDR plural category of `n` (English rules: `one` for exactly 1).
pub(crate) fn plural_category(n: f64, _locale: &str) -> Result<&'static str> {
    if !n.is_finite() {
        return Err(Error::new(
            ErrorKind::Argument,
            format!("cannot pick a plural for {n}: not a finite number"),
        ));
    }
    Ok(if n == 1.0 { "one" } else { "other" })
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date (and time) as `Intl.DateTimeFormat("en-US")` writes it.
pub(crate) fn format_date(value: DateInput, _locale: &str, options: DateOptions) -> Result<String> {
    let (local, zone) = match value {
        DateInput::Instant(t) => {
            let local = t.with_timezone(&options.time_zone);
            (local.naive_local(), local.format("%Z").to_string())
        }
        DateInput::Date(d) => (d.and_time(chrono::NaiveTime::MIN), "UTC".to_string()),
    };
    let month = MONTHS.get(local.month0() as usize).copied().unwrap_or("");
    let date = match options.style {
        DateStyle::Short => format!(
            "{}/{}/{:02}",
            local.month(),
            local.day(),
            local.year().rem_euclid(100)
        ),
        DateStyle::Medium => format!(
            "{} {}, {}",
            month.get(..3).unwrap_or(month),
            local.day(),
            local.year()
        ),
        DateStyle::Long => format!("{month} {}, {}", local.day(), local.year()),
        DateStyle::Full => format!(
            "{}, {month} {}, {}",
            local.format("%A"),
            local.day(),
            local.year()
        ),
    };
    if !options.time {
        return Ok(date);
    }
    let hour = match local.hour() % 12 {
        0 => 12,
        h => h,
    };
    let ampm = if local.hour() < 12 { "AM" } else { "PM" };
    Ok(match options.style {
        DateStyle::Short => format!("{date}, {hour}:{:02}\u{202f}{ampm}", local.minute()),
        DateStyle::Medium => format!(
            "{date}, {hour}:{:02}:{:02}\u{202f}{ampm}",
            local.minute(),
            local.second()
        ),
        DateStyle::Long | DateStyle::Full => format!(
            "{date} at {hour}:{:02}:{:02}\u{202f}{ampm} {zone}",
            local.minute(),
            local.second()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(v: f64, min: u8, max: u8) -> String {
        format_number(
            v,
            "en",
            NumberOptions {
                min_fraction_digits: Some(min),
                max_fraction_digits: Some(max),
            },
        )
        .unwrap()
    }

    #[test]
    fn numbers_group_and_round_half_away_from_zero() {
        assert_eq!(num(1234567.891, 0, 2), "1,234,567.89");
        assert_eq!(num(1.005, 0, 2), "1.01");
        assert_eq!(num(999.9996, 0, 3), "1,000");
        assert_eq!(num(-2.5, 0, 0), "-3");
        assert_eq!(num(0.5, 2, 2), "0.50");
        assert_eq!(num(-0.0001, 0, 2), "0");
        assert_eq!(num(12.0, 0, 3), "12");
    }

    #[test]
    fn currency_percent_plural_date() {
        assert_eq!(format_currency(1234.5, "USD", "en").unwrap(), "$1,234.50");
        assert_eq!(format_currency(-3.0, "eur", "en").unwrap(), "-€3.00");
        assert_eq!(format_currency(1234.5, "JPY", "en").unwrap(), "¥1,235");
        assert_eq!(format_currency(5.0, "CHF", "en").unwrap(), "CHF\u{a0}5.00");
        assert!(format_currency(5.0, "EU", "en").is_err());
        let pct = |v| format_percent(v, "en", NumberOptions::default()).unwrap();
        assert_eq!(pct(0.256), "26%");
        assert_eq!(plural_category(1.0, "en").unwrap(), "one");
        assert_eq!(plural_category(2.0, "en").unwrap(), "other");
        let opts = |style, time| DateOptions {
            time_zone: "America/New_York".parse().unwrap(),
            style,
            time,
        };
        let t = DateInput::parse("2025-01-31T14:05:00Z").unwrap();
        assert_eq!(
            format_date(t, "en", opts(DateStyle::Medium, false)).unwrap(),
            "Jan 31, 2025"
        );
        assert_eq!(
            format_date(t, "en", opts(DateStyle::Short, true)).unwrap(),
            "1/31/25, 9:05\u{202f}AM"
        );
        assert_eq!(
            format_date(t, "en", opts(DateStyle::Full, false)).unwrap(),
            "Friday, January 31, 2025"
        );
        let d = DateInput::parse("2025-03-01").unwrap();
        assert_eq!(
            format_date(d, "en", opts(DateStyle::Long, false)).unwrap(),
            "March 1, 2025"
        );
    }
}
