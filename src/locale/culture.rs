//! Cultural conventions for templates: text direction, name order, formal
//! address and week data. The content module registers these as minijinja
//! functions and filters (`dir`, `full_name`, `formal_address`, `week_info`).

use icu_calendar::types::Weekday;
use icu_calendar::week::WeekInformation;
use icu_locale::LocaleDirectionality;

use super::parse_locale;
use crate::error::{Error, ErrorKind, Result};

/// `"rtl"` for right-to-left scripts (Arabic, Hebrew, Persian…), else `"ltr"`
/// (CLDR likely subtags and script directions), for `<html dir="…">`.
///
/// ```
/// assert_eq!(kaleido::locale::text_direction("he-IL").unwrap(), "rtl");
/// assert_eq!(kaleido::locale::text_direction("uz-Latn-UZ").unwrap(), "ltr");
/// ```
pub fn text_direction(locale: &str) -> Result<&'static str> {
    let loc = parse_locale(locale)?;
    let rtl = LocaleDirectionality::new_common().is_right_to_left(&loc.id);
    Ok(if rtl { "rtl" } else { "ltr" })
}

/// Languages that write the family name first (CLDR `personNames`
/// `nameOrderLocales` surnameFirst: ja ko vi yue zh; and hu, mn from their locale data).
const SURNAME_FIRST: &[&str] = &["ja", "ko", "vi", "yue", "zh", "hu", "mn"];

/// Whether the locale's language writes the family name first (`"ja"`: yes).
pub fn surname_first(locale: &str) -> Result<bool> {
    let loc = parse_locale(locale)?;
    Ok(SURNAME_FIRST.contains(&loc.id.language.as_str()))
}

fn is_cjk(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF)
    })
}

/// A full name in the locale's order: `Ana Silva` in `pt`, `Nguyễn Văn An`
/// given `("Văn An", "Nguyễn")` in `vi`; Chinese and Japanese names in their
/// own script have no space (`山田太郎`). A missing part is left out.
pub fn full_name(given: &str, family: &str, locale: &str) -> Result<String> {
    let (given, family) = (given.trim(), family.trim());
    if given.is_empty() || family.is_empty() {
        return Ok(format!("{given}{family}"));
    }
    if !surname_first(locale)? {
        return Ok(format!("{given} {family}"));
    }
    let lang = parse_locale(locale)?.id.language;
    let joined = matches!(lang.as_str(), "ja" | "zh" | "yue") && is_cjk(given) && is_cjk(family);
    Ok(if joined {
        format!("{family}{given}")
    } else {
        format!("{family} {given}")
    })
}

/// Grammatical gender for a formal address, when the profile gives one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    /// Mr, Herr, M., Sr…
    Male,
    /// Ms, Frau, Mme, Sra…
    Female,
}

impl Gender {
    /// Reads common profile values (`male`/`m`, `female`/`f`, any case); others are `None`.
    pub fn parse(text: &str) -> Option<Gender> {
        match text.trim().to_ascii_lowercase().as_str() {
            "male" | "m" | "man" => Some(Gender::Male),
            "female" | "f" | "woman" => Some(Gender::Female),
            _ => None,
        }
    }
}

/// The formal way to address someone by name, without the greeting word:
/// `Frau Müller` (de), `Mme Dupont` (fr), `山田様` (ja), `Ông An` (vi, by the
/// given name). Without a gender (or in a language not in the table, see
/// docs/locale.md) it is the full name, which is never wrong.
pub fn formal_address(
    given: &str,
    family: &str,
    gender: Option<Gender>,
    locale: &str,
) -> Result<String> {
    let loc = parse_locale(locale)?;
    let lang = loc.id.language.as_str().to_owned();
    let (given, family) = (given.trim(), family.trim());
    // Japanese and Korean honorifics need no gender.
    if !family.is_empty() {
        match lang.as_str() {
            "ja" => return Ok(format!("{family}様")),
            "ko" => return Ok(format!("{family}{given} 님")),
            _ => {}
        }
    }
    let titles: Option<(&str, &str, bool)> = match lang.as_str() {
        // (male, female, title after the name)
        "en" => Some(("Mr.", "Ms.", false)),
        "de" => Some(("Herr", "Frau", false)),
        "fr" => Some(("M.", "Mme", false)),
        "es" | "pt" => Some(("Sr.", "Sra.", false)),
        "it" => Some(("Sig.", "Sig.ra", false)),
        "nl" => Some(("de heer", "mevrouw", false)),
        "pl" => Some(("Pan", "Pani", false)),
        "ru" => Some(("господин", "госпожа", false)),
        "zh" => Some(("先生", "女士", true)),
        "vi" => Some(("Ông", "Bà", false)),
        _ => None,
    };
    let name = if lang == "vi" { given } else { family };
    match (titles, gender) {
        (Some((m, f, after)), Some(g)) if !name.is_empty() => {
            let title = if g == Gender::Male { m } else { f };
            Ok(if after {
                format!("{name}{title}")
            } else {
                format!("{title} {name}")
            })
        }
        _ => full_name(given, family, locale),
    }
}

/// The locale's week: the first day and the weekend days (CLDR week data),
/// as lower-case English day names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekInfo {
    /// `"monday"` in `de-DE`, `"sunday"` in `en-US`, `"saturday"` in `ar-EG`.
    pub first_day: &'static str,
    /// In ISO order: `["saturday", "sunday"]`, `["friday", "saturday"]` in `he-IL`.
    pub weekend: Vec<&'static str>,
}

fn day_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "monday",
        Weekday::Tuesday => "tuesday",
        Weekday::Wednesday => "wednesday",
        Weekday::Thursday => "thursday",
        Weekday::Friday => "friday",
        Weekday::Saturday => "saturday",
        Weekday::Sunday => "sunday",
    }
}

/// The week data of a locale (its region, or the language's likely region).
pub fn week_info(locale: &str) -> Result<WeekInfo> {
    let loc = parse_locale(locale)?;
    let info = WeekInformation::try_new((&loc).into()).map_err(|e| {
        Error::new(
            ErrorKind::Locale,
            format!("no week data for {locale:?}: {e}"),
        )
    })?;
    Ok(WeekInfo {
        first_day: day_name(info.first_weekday),
        weekend: {
            // ISO order (Monday first), as `Intl.Locale#getWeekInfo().weekend`.
            let mut days: Vec<Weekday> = info.weekend().collect();
            days.sort_by_key(|d| *d as u8);
            days.into_iter().map(day_name).collect()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_names_and_weeks() {
        assert_eq!(text_direction("ar-EG").unwrap(), "rtl");
        assert_eq!(text_direction("fa").unwrap(), "rtl");
        assert_eq!(text_direction("en-US").unwrap(), "ltr");
        assert_eq!(full_name("Taro", "Yamada", "en").unwrap(), "Taro Yamada");
        assert_eq!(full_name("太郎", "山田", "ja").unwrap(), "山田太郎");
        assert_eq!(
            full_name("Văn An", "Nguyễn", "vi-VN").unwrap(),
            "Nguyễn Văn An"
        );
        assert_eq!(full_name("Ana", "", "pt").unwrap(), "Ana");
        let f = Some(Gender::Female);
        assert_eq!(
            formal_address("Anna", "Müller", f, "de-DE").unwrap(),
            "Frau Müller"
        );
        assert_eq!(
            formal_address("Anna", "Müller", None, "de-DE").unwrap(),
            "Anna Müller"
        );
        assert_eq!(
            formal_address("太郎", "山田", None, "ja-JP").unwrap(),
            "山田様"
        );
        assert_eq!(
            formal_address("An", "Nguyễn", Some(Gender::Male), "vi").unwrap(),
            "Ông An"
        );
        assert_eq!(
            formal_address("Wei", "王", Some(Gender::Male), "zh-CN").unwrap(),
            "王先生"
        );
        assert_eq!(Gender::parse("F"), Some(Gender::Female));
        assert_eq!(week_info("en-US").unwrap().first_day, "sunday");
        assert_eq!(week_info("de-DE").unwrap().first_day, "monday");
        assert_eq!(week_info("he-IL").unwrap().weekend, ["friday", "saturday"]);
        assert_eq!(week_info("en-US").unwrap().weekend, ["saturday", "sunday"]);
    }
}
