//! The filters and functions templates get on top of minijinja's builtins:
//! merge-field fallbacks, greetings, locale formatting and locale-correct
//! case mapping. Every filter is forgiving about missing data: a missing or
//! `null` input gives an undefined result, which prints as nothing or takes
//! the `default(...)` that follows.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use chrono_tz::Tz;
use minijinja::value::{Kwargs, Object, Rest, Value};
use minijinja::{Environment, State};

use super::fmt::{self, DateInput, DateOptions, DateStyle, NumberOptions};

/// The context key holding the [`RenderState`] of the current render.
pub(crate) const STATE_KEY: &str = "__kaleido";

type MjResult<T> = std::result::Result<T, minijinja::Error>;

/// Per-render data the filters and condition functions read.
#[derive(Debug)]
pub(crate) struct RenderState {
    /// Outcome of each condition of the template (membership: unknown is false).
    pub results: Vec<bool>,
    /// Which conditions the render consulted.
    pub used: Vec<AtomicBool>,
    /// The subscriber's locale (BCP 47).
    pub locale: String,
    /// The zone dates are shown in.
    pub time_zone: Tz,
    /// The date of `asOf` in that zone (for `holiday_within`, `season`).
    pub today: NaiveDate,
    /// The profile's `country` (ISO alpha-2, upper case), if valid.
    pub country: Option<String>,
    /// Whether the campaign addresses this locale formally.
    pub formal: bool,
    /// The currency `money` uses without an argument.
    pub currency: Option<String>,
    /// The profile, for `greeting()` without an argument.
    pub profile: Value,
}

impl Object for RenderState {}

impl RenderState {
    /// The state of the render `state` belongs to.
    pub(crate) fn of(state: &State) -> MjResult<std::sync::Arc<RenderState>> {
        state
            .lookup(STATE_KEY)
            .and_then(|v| v.downcast_object::<RenderState>())
            .ok_or_else(|| {
                invalid("this function needs the render context (it cannot run inside a macro)")
            })
    }

    /// Records that condition `index` was consulted and returns its outcome.
    pub(crate) fn condition(&self, index: usize) -> bool {
        if let Some(u) = self.used.get(index) {
            u.store(true, Ordering::Relaxed);
        }
        self.results.get(index).copied().unwrap_or(false)
    }

    fn language(&self) -> String {
        language(&self.locale)
    }
}

/// The lower-case language subtag of a locale (`pt-BR` -> `pt`).
pub(crate) fn language(locale: &str) -> String {
    locale
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn invalid(message: impl Into<String>) -> minijinja::Error {
    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, message.into())
}

fn from_kaleido(e: crate::Error) -> minijinja::Error {
    invalid(e.message().to_owned())
}

/// Registers every filter and function of this module in `env`.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_filter("default", default_filter);
    env.add_filter("d", default_filter);
    env.add_filter("money", money);
    env.add_filter("number", number);
    env.add_filter("percent", percent);
    env.add_filter("date", date);
    env.add_filter("datetime", datetime);
    env.add_filter("plural", plural);
    env.add_filter("upper", upper);
    env.add_filter("title", title);
    env.add_filter("truncate", truncate);
    env.add_filter("greeting", greeting_filter);
    env.add_function("greeting", greeting_function);
    env.add_function("address", address_function);
    env.add_function("full_name", full_name_function);
    env.add_function("holiday_within", holiday_within);
    env.add_function("season", season);
    env.add_function("week_info", week_info);
}

/// Names of every filter a template may use (minijinja's builtins and ours),
/// for `check`.
pub(crate) const FILTERS: &[&str] = &[
    "safe",
    "escape",
    "e",
    "lower",
    "upper",
    "title",
    "capitalize",
    "replace",
    "length",
    "count",
    "dictsort",
    "items",
    "reverse",
    "trim",
    "join",
    "split",
    "lines",
    "default",
    "d",
    "round",
    "abs",
    "int",
    "float",
    "attr",
    "first",
    "last",
    "min",
    "max",
    "sort",
    "list",
    "string",
    "bool",
    "batch",
    "slice",
    "sum",
    "indent",
    "select",
    "reject",
    "map",
    "selectattr",
    "rejectattr",
    "groupby",
    "unique",
    "chain",
    "zip",
    "pprint",
    "format",
    "money",
    "number",
    "percent",
    "date",
    "datetime",
    "plural",
    "truncate",
    "greeting",
];

/// `default(fallback = "", boolean = false)`: like Jinja's, but `none` (a
/// JSON `null`) counts as missing too, as marketers expect.
pub(crate) fn default_filter(value: &Value, args: Rest<Value>) -> MjResult<Value> {
    if args.len() > 2 {
        return Err(minijinja::Error::from(
            minijinja::ErrorKind::TooManyArguments,
        ));
    }
    let fallback = args.first().cloned().unwrap_or_else(|| Value::from(""));
    let boolean = args.get(1).is_some_and(Value::is_true);
    if value.is_undefined() || value.is_none() || (boolean && !value.is_true()) {
        Ok(fallback)
    } else {
        Ok(value.clone())
    }
}

/// A number from a number or a numeric string; `None` for missing data.
fn as_number(value: &Value) -> MjResult<Option<f64>> {
    if value.is_undefined() || value.is_none() {
        return Ok(None);
    }
    if let Some(s) = value.as_str() {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        return s
            .parse::<f64>()
            .map(Some)
            .map_err(|_| invalid(format!("{s:?} is not a number")));
    }
    f64::try_from(value.clone())
        .map(Some)
        .map_err(|_| invalid(format!("{value} is not a number")))
}

fn text(s: crate::Result<String>) -> MjResult<Value> {
    s.map(Value::from).map_err(from_kaleido)
}

/// `money(currency?)`: an amount in the subscriber's locale; the currency is
/// the argument, else the `currency` render option.
fn money(state: &State, value: &Value, currency: Option<String>) -> MjResult<Value> {
    if as_number(value)?.is_none() {
        return Ok(Value::UNDEFINED);
    }
    money_in(&*RenderState::of(state)?, value, currency.as_deref())
}

/// [`money`] with the render state at hand (also the plan's entry point).
pub(crate) fn money_in(rs: &RenderState, value: &Value, currency: Option<&str>) -> MjResult<Value> {
    let Some(n) = as_number(value)? else {
        return Ok(Value::UNDEFINED);
    };
    let currency = currency.or(rs.currency.as_deref()).ok_or_else(|| {
        invalid("money needs a currency: money(\"EUR\") or the `currency` render option")
    })?;
    text(fmt::format_currency(n, currency, &rs.locale))
}

/// `number(min_digits?, max_digits?)`: grouping and fraction digits of the locale.
fn number(state: &State, value: &Value, min: Option<u8>, max: Option<u8>) -> MjResult<Value> {
    if as_number(value)?.is_none() {
        return Ok(Value::UNDEFINED);
    }
    number_in(&*RenderState::of(state)?, value, min, max)
}

/// [`number`] with the render state at hand.
pub(crate) fn number_in(
    rs: &RenderState,
    value: &Value,
    min: Option<u8>,
    max: Option<u8>,
) -> MjResult<Value> {
    let Some(n) = as_number(value)? else {
        return Ok(Value::UNDEFINED);
    };
    let options = NumberOptions {
        min_fraction_digits: min,
        max_fraction_digits: max,
    };
    text(fmt::format_number(n, &rs.locale, options))
}

/// `percent(digits?)`: `0.25` as `25%` in the locale.
fn percent(state: &State, value: &Value, digits: Option<u8>) -> MjResult<Value> {
    if as_number(value)?.is_none() {
        return Ok(Value::UNDEFINED);
    }
    percent_in(&*RenderState::of(state)?, value, digits)
}

/// [`percent`] with the render state at hand.
pub(crate) fn percent_in(rs: &RenderState, value: &Value, digits: Option<u8>) -> MjResult<Value> {
    let Some(n) = as_number(value)? else {
        return Ok(Value::UNDEFINED);
    };
    let options = NumberOptions {
        min_fraction_digits: digits,
        max_fraction_digits: digits,
    };
    text(fmt::format_percent(n, &rs.locale, options))
}

fn format_date(state: &State, value: &Value, style: Option<&str>, time: bool) -> MjResult<Value> {
    if value.as_str().is_some_and(|s| !s.trim().is_empty()) {
        date_in(&*RenderState::of(state)?, value, style, time)
    } else {
        missing_date(value)
    }
}

/// What `date` gives for a value that is not a non-blank string.
fn missing_date(value: &Value) -> MjResult<Value> {
    if value.is_undefined() || value.is_none() {
        return Ok(Value::UNDEFINED);
    }
    Err(invalid(format!("{value} is not a date")))
}

/// `date` / `datetime` (`time`) with the render state at hand.
pub(crate) fn date_in(
    rs: &RenderState,
    value: &Value,
    style: Option<&str>,
    time: bool,
) -> MjResult<Value> {
    let Some(s) = value.as_str().filter(|s| !s.trim().is_empty()) else {
        return missing_date(value);
    };
    let style = DateStyle::parse(style.unwrap_or("medium")).map_err(from_kaleido)?;
    let input = DateInput::parse(s.trim()).map_err(from_kaleido)?;
    let options = DateOptions {
        time_zone: rs.time_zone,
        style,
        time,
    };
    text(fmt::format_date(input, &rs.locale, options))
}

/// `date(style = "medium")`: a date in the subscriber's locale and zone.
fn date(state: &State, value: &Value, style: Option<&str>) -> MjResult<Value> {
    format_date(state, value, style, false)
}

/// `datetime(style = "medium")`: a date and time in the subscriber's locale and zone.
fn datetime(state: &State, value: &Value, style: Option<&str>) -> MjResult<Value> {
    format_date(state, value, style, true)
}

/// `n | plural(one="# item", other="# items", ...)`: the text for the CLDR
/// plural category of `n` in the locale (`zero one two few many other`),
/// falling back to `other`; `#` is replaced by the formatted number.
fn plural(state: &State, value: &Value, kwargs: Kwargs) -> MjResult<Value> {
    let Some(n) = as_number(value)? else {
        return Ok(Value::UNDEFINED);
    };
    let rs = RenderState::of(state)?;
    let category = fmt::plural_category(n, &rs.locale).map_err(from_kaleido)?;
    let mut chosen: Option<String> = None;
    for name in ["zero", "one", "two", "few", "many", "other"] {
        let v: Option<String> = kwargs.get(name)?;
        if name == category || (name == "other" && chosen.is_none()) {
            if let Some(v) = v {
                chosen = Some(v);
            }
        }
    }
    kwargs.assert_all_used()?;
    let Some(chosen) = chosen else {
        return Err(invalid("plural needs at least other=\"…\""));
    };
    let formatted =
        fmt::format_number(n, &rs.locale, NumberOptions::default()).map_err(from_kaleido)?;
    Ok(Value::from(chosen.replace('#', &formatted)))
}

/// Upper case with the locale's rules: Turkish/Azeri dotted `i` -> `İ`,
/// Greek drops accents, German `ß` -> `SS`.
pub(crate) fn upper_in(s: &str, lang: &str) -> String {
    match lang {
        "tr" | "az" => s.replace('i', "İ").to_uppercase(),
        "el" => {
            use unicode_normalization::UnicodeNormalization;
            s.nfd()
                .filter(|c| !matches!(c, '\u{301}' | '\u{300}' | '\u{342}' | '\u{314}' | '\u{313}'))
                .collect::<String>()
                .to_uppercase()
                .nfc()
                .collect()
        }
        _ => s.to_uppercase(),
    }
}

fn lower_in(s: &str, lang: &str) -> String {
    match lang {
        "tr" | "az" => s.replace('I', "ı").replace('İ', "i").to_lowercase(),
        _ => s.to_lowercase(),
    }
}

/// Title case with the locale's rules (Turkish `i`, Dutch `ij`).
pub(crate) fn title_in(s: &str, lang: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word_start = true;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            if word_start {
                out.push_str(&upper_in(c.encode_utf8(&mut [0; 4]), lang));
                if lang == "nl" && (c == 'i' || c == 'I') && matches!(chars.peek(), Some('j' | 'J'))
                {
                    chars.next();
                    out.push('J');
                }
            } else {
                out.push_str(&lower_in(c.encode_utf8(&mut [0; 4]), lang));
            }
            word_start = false;
        } else {
            out.push(c);
            word_start = !(c == '\'' || c == '’');
        }
    }
    out
}

fn case_filter(state: &State, value: &Value, f: fn(&str, &str) -> String) -> MjResult<Value> {
    if value.as_str().is_none() {
        return Ok(value.clone());
    }
    case_in(&*RenderState::of(state)?, value, f)
}

/// `upper` (`f` = [`upper_in`]) or `title` ([`title_in`]) with the render
/// state at hand.
pub(crate) fn case_in(
    rs: &RenderState,
    value: &Value,
    f: fn(&str, &str) -> String,
) -> MjResult<Value> {
    let Some(s) = value.as_str() else {
        return Ok(value.clone());
    };
    let out = f(s, &rs.language());
    // Case mapping never creates markup: keep a safe string safe.
    Ok(if value.is_safe() {
        Value::from_safe_string(out)
    } else {
        Value::from(out)
    })
}

/// `upper` in the subscriber's locale.
fn upper(state: &State, value: &Value) -> MjResult<Value> {
    case_filter(state, value, upper_in)
}

/// `title` in the subscriber's locale.
fn title(state: &State, value: &Value) -> MjResult<Value> {
    case_filter(state, value, title_in)
}

/// `truncate(length = 255, killwords = false, end = "...", leeway = 5)`, as
/// Jinja's: strings up to `length + leeway` characters are kept whole;
/// longer ones are cut at a word boundary (or mid-word with `killwords`) so
/// that the result with `end` fits in `length`.
pub(crate) fn truncate(
    value: &Value,
    length: Option<usize>,
    killwords: Option<bool>,
    end: Option<&str>,
    leeway: Option<usize>,
) -> MjResult<Value> {
    let Some(s) = value.as_str() else {
        return Ok(value.clone());
    };
    let length = length.unwrap_or(255);
    let end = end.unwrap_or("...");
    let count = s.chars().count();
    if count <= length + leeway.unwrap_or(5) {
        return Ok(value.clone());
    }
    let keep = length.saturating_sub(end.chars().count());
    let cut: String = s.chars().take(keep).collect();
    let cut = if killwords.unwrap_or(false) {
        cut
    } else {
        match cut.rfind(' ') {
            Some(i) => cut.get(..i).unwrap_or("").to_owned(),
            None => cut,
        }
    };
    Ok(Value::from(format!("{cut}{end}")))
}

const FIRST_NAME: &[&str] = &["first_name", "firstName", "given_name", "givenName"];
const LAST_NAME: &[&str] = &["last_name", "lastName", "family_name", "familyName"];
const SALUTATION: &[&str] = &["salutation", "title"];
const GENDER: &[&str] = &["gender", "sex"];

/// Every profile field `greeting()`, `address()` and `full_name()` read.
pub(crate) const NAME_FIELDS: &[&str] = &[
    "first_name",
    "firstName",
    "given_name",
    "givenName",
    "last_name",
    "lastName",
    "family_name",
    "familyName",
    "salutation",
    "title",
    "gender",
    "sex",
];

fn field(profile: &Value, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| {
        profile
            .get_attr(n)
            .ok()
            .and_then(|v| v.as_str().map(|s| s.trim().to_owned()))
            .filter(|s| !s.is_empty())
    })
}

/// The name parts of a profile: given, family, salutation and gender.
struct Names {
    first: Option<String>,
    last: Option<String>,
    salutation: Option<String>,
    gender: Option<crate::locale::Gender>,
}

impl Names {
    fn of(profile: &Value) -> Names {
        Names {
            first: field(profile, FIRST_NAME),
            last: field(profile, LAST_NAME),
            salutation: field(profile, SALUTATION),
            gender: field(profile, GENDER)
                .as_deref()
                .and_then(crate::locale::Gender::parse),
        }
    }

    /// The full name in the locale's order ([`crate::locale::full_name`]).
    fn full(&self, locale: &str) -> Option<String> {
        let (f, l) = (self.first.as_deref(), self.last.as_deref());
        match (f, l) {
            (None, None) => None,
            _ => {
                let (f, l) = (f.unwrap_or(""), l.unwrap_or(""));
                // Korean names in Hangul are written without a space.
                if language(locale) == "ko" && !f.is_empty() && !l.is_empty() && is_hangul(f) {
                    return Some(format!("{l}{f}"));
                }
                crate::locale::full_name(f, l, locale)
                    .ok()
                    .or_else(|| Some(format!("{f} {l}").trim().to_owned()))
            }
        }
    }

    /// How a formal text names the person: the salutation field and the
    /// family name when both are given, else the locale's formal address
    /// ([`crate::locale::formal_address`]: `Frau Müller` with a gender, the
    /// full name without).
    fn formal(&self, locale: &str) -> Option<String> {
        if let (Some(s), Some(l)) = (&self.salutation, &self.last) {
            return Some(format!("{s} {l}"));
        }
        if self.first.is_none() && self.last.is_none() {
            return None;
        }
        let (f, l) = (
            self.first.as_deref().unwrap_or(""),
            self.last.as_deref().unwrap_or(""),
        );
        crate::locale::formal_address(f, l, self.gender, locale)
            .ok()
            .or_else(|| self.full(locale))
    }

    /// How an informal text names the person: the given name (the family
    /// name when that is all there is).
    fn informal(&self) -> Option<String> {
        self.first.clone().or_else(|| self.last.clone())
    }
}

fn is_hangul(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c as u32, 0xAC00..=0xD7AF | 0x1100..=0x11FF))
}

/// The greeting of `profile` in `locale`: name order from CLDR (family name
/// first in Japanese, Chinese, Korean, Vietnamese, Hungarian), formality
/// (`formal` uses the salutation field or the locale's formal address) and a
/// fallback when the names are missing.
pub(crate) fn greeting_text(
    profile: &Value,
    locale: &str,
    formal: bool,
    fallback: Option<&str>,
) -> String {
    let names = Names::of(profile);
    let lang = language(locale);
    let address = if formal {
        names.formal(locale)
    } else {
        names.informal()
    };
    match lang.as_str() {
        "ja" => match (
            if formal {
                names.full(locale)
            } else {
                names.last.clone().or(names.first.clone())
            },
            fallback,
        ) {
            (Some(n), _) if formal => format!("{n} 様"),
            (Some(n), _) => format!("{n}さん"),
            (None, Some(f)) => f.to_owned(),
            (None, None) => "お客様".to_owned(),
        },
        "zh" => match (
            if formal {
                names.formal(locale)
            } else {
                names.full(locale)
            },
            fallback,
        ) {
            (Some(n), _) if formal => format!("尊敬的{n}"),
            (Some(n), _) => format!("{n}，你好"),
            (None, Some(f)) => f.to_owned(),
            (None, None) => "您好".to_owned(),
        },
        "ko" => match (names.full(locale), fallback) {
            (Some(n), _) => format!("{n}님"),
            (None, Some(f)) => f.to_owned(),
            (None, None) => "고객님".to_owned(),
        },
        "hu" => match (names.full(locale), fallback) {
            (Some(n), _) if formal => format!("Tisztelt {n}"),
            (Some(n), _) => format!("Kedves {n}"),
            (None, Some(f)) => format!("Kedves {f}"),
            (None, None) => "Kedves Ügyfelünk".to_owned(),
        },
        "vi" => match (address, fallback) {
            (Some(n), _) if formal => format!("Kính gửi {n}"),
            (Some(n), _) => format!("Chào {n}"),
            (None, Some(f)) => format!("Chào {f}"),
            (None, None) => "Kính chào quý khách".to_owned(),
        },
        "de" => match (address, fallback) {
            (Some(n), _) if formal => format!("Guten Tag {n}"),
            (Some(n), _) => format!("Hallo {n}"),
            (None, Some(f)) => format!("Hallo {f}"),
            (None, None) if formal => "Guten Tag".to_owned(),
            (None, None) => "Hallo".to_owned(),
        },
        "fr" => match (address, fallback) {
            (Some(n), _) => format!("Bonjour {n}"),
            (None, Some(f)) => format!("Bonjour {f}"),
            (None, None) => "Bonjour".to_owned(),
        },
        "es" => match (address, fallback) {
            (Some(n), _) if formal => format!("Buenos días, {n}"),
            (Some(n), _) => format!("Hola {n}"),
            (None, Some(f)) => format!("Hola {f}"),
            (None, None) => "Hola".to_owned(),
        },
        _ => match (address, fallback) {
            (Some(n), _) if formal => format!("Dear {n}"),
            (Some(n), _) => format!("Hi {n}"),
            (None, Some(f)) if formal => format!("Dear {f}"),
            (None, Some(f)) => format!("Hi {f}"),
            (None, None) if formal => "Dear customer".to_owned(),
            (None, None) => "Hi there".to_owned(),
        },
    }
}

fn greeting_impl(state: &State, profile: &Value, kwargs: Kwargs) -> MjResult<Value> {
    let rs = RenderState::of(state)?;
    let formal: Option<bool> = kwargs.get("formal")?;
    let fallback: Option<String> = kwargs.get("fallback")?;
    let locale: Option<String> = kwargs.get("locale")?;
    kwargs.assert_all_used()?;
    let locale = locale.unwrap_or_else(|| rs.locale.clone());
    Ok(Value::from(greeting_text(
        profile,
        &locale,
        formal.unwrap_or(rs.formal),
        fallback.as_deref(),
    )))
}

/// `profile | greeting(formal=…, fallback=…)`; `formal` defaults to the
/// campaign's formality for the subscriber's locale.
fn greeting_filter(state: &State, profile: &Value, kwargs: Kwargs) -> MjResult<Value> {
    greeting_impl(state, profile, kwargs)
}

/// `greeting(formal=…, fallback=…)`: the greeting of the rendered profile.
fn greeting_function(state: &State, kwargs: Kwargs) -> MjResult<Value> {
    let rs = RenderState::of(state)?;
    greeting_impl(state, &rs.profile, kwargs)
}

/// `address(formal=…)`: how the subscriber is named without a greeting word:
/// formal `Frau Müller`, `山田太郎`, informal `Anna`. Undefined without names.
fn address_function(state: &State, kwargs: Kwargs) -> MjResult<Value> {
    let rs = RenderState::of(state)?;
    let formal: Option<bool> = kwargs.get("formal")?;
    kwargs.assert_all_used()?;
    let names = Names::of(&rs.profile);
    let text = if formal.unwrap_or(rs.formal) {
        names.formal(&rs.locale)
    } else {
        names.informal()
    };
    Ok(text.map_or(Value::UNDEFINED, Value::from))
}

/// `full_name()`: given and family name in the locale's order
/// (`Yamada Hanako` in Japanese). Undefined without names.
fn full_name_function(state: &State) -> MjResult<Value> {
    let rs = RenderState::of(state)?;
    Ok(Names::of(&rs.profile)
        .full(&rs.locale)
        .map_or(Value::UNDEFINED, Value::from))
}

/// `holiday_within("christmas", 21, next=true)`: whether the holiday falls
/// within the next (or, `next=false`, last) `days` days in the subscriber's
/// country, counting from the date of `asOf` in their zone. The dates are
/// those of campaign holiday schedules ([`crate::campaign::LocaleHolidays`]:
/// the country's calendar, or the shared holidays for countries without one).
/// False when the profile has no country or the country does not have it.
fn holiday_within(state: &State, id: &str, days: i64, kwargs: Kwargs) -> MjResult<bool> {
    use crate::campaign::{HolidayCalendar, LocaleHolidays};
    use chrono::Datelike;
    let rs = RenderState::of(state)?;
    let next: Option<bool> = kwargs.get("next")?;
    kwargs.assert_all_used()?;
    if !(1..=3660).contains(&days) {
        return Err(invalid(format!(
            "holiday_within needs 1 to 3660 days, not {days}"
        )));
    }
    let Some(country) = rs.country.as_deref() else {
        return Ok(false);
    };
    if crate::locale::HOLIDAY_COUNTRIES.contains(&country) {
        return crate::locale::holiday_within(country, id, rs.today, days, next.unwrap_or(true))
            .map_err(from_kaleido);
    }
    let span = chrono::Duration::days(days - 1);
    let (from, to) = if next.unwrap_or(true) {
        (rs.today, rs.today + span)
    } else {
        (rs.today - span, rs.today)
    };
    Ok((from.year()..=to.year()).any(|y| {
        LocaleHolidays
            .date(id, country, y)
            .is_some_and(|d| from <= d && d <= to)
    }))
}

/// `season()`: `winter`, `spring`, `summer` or `autumn` in the subscriber's
/// country (hemisphere) on the date of `asOf`; undefined without a country.
fn season(state: &State) -> MjResult<Value> {
    let rs = RenderState::of(state)?;
    Ok(rs.country.as_deref().map_or(Value::UNDEFINED, |c| {
        Value::from(crate::locale::season(c, rs.today))
    }))
}

/// `week_info()`: `{ first_day, weekend }` of the subscriber's locale
/// (`"monday"`, `["saturday", "sunday"]`).
fn week_info(state: &State) -> MjResult<Value> {
    let rs = RenderState::of(state)?;
    let info = crate::locale::week_info(&rs.locale).map_err(from_kaleido)?;
    Ok(Value::from_serialize(serde_json::json!({
        "first_day": info.first_day,
        "weekend": info.weekend,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_fields_list_every_field_names_read() {
        for f in FIRST_NAME
            .iter()
            .chain(LAST_NAME)
            .chain(SALUTATION)
            .chain(GENDER)
        {
            assert!(NAME_FIELDS.contains(f), "{f}");
        }
    }

    #[test]
    fn case_mapping_follows_the_locale() {
        assert_eq!(upper_in("istanbul", "tr"), "İSTANBUL");
        assert_eq!(upper_in("istanbul", "en"), "ISTANBUL");
        assert_eq!(upper_in("straße", "de"), "STRASSE");
        assert_eq!(upper_in("Αθήνα", "el"), "ΑΘΗΝΑ");
        assert_eq!(title_in("ijsselmeer trip", "nl"), "IJsselmeer Trip");
        assert_eq!(title_in("izmir IŞIK", "tr"), "İzmir Işık");
        assert_eq!(title_in("o'neil mcDONALD", "en"), "O'neil Mcdonald");
    }

    #[test]
    fn greetings_respect_order_and_formality() {
        let p = Value::from_serialize(serde_json::json!({
            "first_name": "Hanako", "last_name": "Yamada"
        }));
        assert_eq!(greeting_text(&p, "ja", true, None), "Yamada Hanako 様");
        assert_eq!(greeting_text(&p, "ja", false, None), "Yamadaさん");
        assert_eq!(greeting_text(&p, "en", false, None), "Hi Hanako");
        assert_eq!(greeting_text(&p, "en-GB", true, None), "Dear Hanako Yamada");
        assert_eq!(greeting_text(&p, "hu", false, None), "Kedves Yamada Hanako");
        let q = Value::from_serialize(serde_json::json!({
            "first_name": "Anna", "last_name": "Müller", "salutation": "Frau"
        }));
        assert_eq!(greeting_text(&q, "de", true, None), "Guten Tag Frau Müller");
        assert_eq!(greeting_text(&q, "de", false, None), "Hallo Anna");
        let none = Value::from_serialize(serde_json::json!({}));
        assert_eq!(greeting_text(&none, "en", false, None), "Hi there");
        assert_eq!(
            greeting_text(&none, "en", false, Some("friend")),
            "Hi friend"
        );
        assert_eq!(greeting_text(&none, "ja", false, None), "お客様");
    }
}
