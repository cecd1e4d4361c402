//! Locale, culture and regional rules: CLDR formatting (numbers, currencies,
//! dates, plural categories), locale resolution with fallback chains,
//! holidays and seasons per country, send times in the subscriber's zone,
//! cultural conventions for templates, and consent regimes by place.
//!
//! Everything here is a pure function of its arguments; data (CLDR, the tz
//! database, the holiday rules) is compiled in. Unknown locales, currencies
//! and zones are errors of kind [`ErrorKind::Locale`].

mod consent;
mod culture;
mod format;
mod hindu;
mod holidays;
mod resolve;
mod rules;
mod send;

pub(crate) use consent::unguarded_sensitive;
pub use consent::{
    audience_with_consent, default_regime, test_with_consent, ConsentPolicy, Regime, EEA,
};
pub use culture::{
    formal_address, full_name, surname_first, text_direction, week_info, Gender, WeekInfo,
};
pub use format::{
    format_currency, format_date, format_number, format_percent, plural_category, DateInput,
    DateOptions, DateStyle, NumberOptions,
};
pub use holidays::{
    easter_sunday, holiday_dates, holiday_within, holidays, is_holiday_id, season,
    southern_hemisphere, Holiday, HOLIDAY_COUNTRIES, HOLIDAY_YEARS, SEASONS, SOUTHERN_COUNTRIES,
};
pub use resolve::{fallback_chain, negotiate_locale, profile_locale, resolve_locale};
pub(crate) use rules::{culture_problem, eval_culture};
pub use send::{
    country_time_zone, local_send_time, parse_wall_time, profile_time_zone, send_plan,
    send_time_in_zone, SendOptions, SendPlan, Wave, ZoneSource, TIME_ZONE_FIELDS,
};

use icu_locale::LocaleExpander;
use icu_locale_core::{LanguageIdentifier, Locale};

use crate::error::{Error, ErrorKind, Result};

/// Parses a BCP 47 locale (`pt-BR`, `uz-Latn-UZ`, `en_US` with an underscore
/// too) and checks that CLDR knows its language.
pub(crate) fn parse_locale(text: &str) -> Result<Locale> {
    let unknown = |why: &str| {
        Error::new(
            ErrorKind::Locale,
            format!("unknown locale {text:?}: {why} (expected a BCP 47 tag such as \"pt-BR\")"),
        )
    };
    let normalized = text.trim().replace('_', "-");
    let locale = Locale::try_from_str(&normalized).map_err(|_| unknown("not a valid tag"))?;
    if !language_known(&locale.id) {
        return Err(unknown("no CLDR data for this language"));
    }
    Ok(locale)
}

/// Whether CLDR's likely-subtags data knows the language (every language with
/// locale data has an entry there).
fn language_known(id: &LanguageIdentifier) -> bool {
    if id.language.is_unknown() {
        return false;
    }
    let mut bare = LanguageIdentifier::from((id.language, None, None));
    LocaleExpander::new_common().maximize(&mut bare);
    bare.language == id.language && bare.script.is_some() && bare.region.is_some()
}
