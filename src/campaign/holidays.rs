//! Holiday dates for schedules anchored to a holiday (`"holiday": "mid_autumn"`).
//!
//! Schedules resolve holidays through the [`HolidayCalendar`] trait, so the
//! source can be swapped without touching the scheduler. The default,
//! [`LocaleHolidays`], uses the country calendars of [`crate::locale`]
//! (rules, not tables: years 2000–2050), and dates a few widely shared
//! holidays for countries without a calendar of their own by a reference
//! country's rule (listed in `docs/campaigns.md`).

use chrono::NaiveDate;

use crate::locale::{holiday_dates, holidays, is_holiday_id, HOLIDAY_COUNTRIES};

/// Resolves a holiday id for a country and year to a date.
pub trait HolidayCalendar {
    /// The date of `holiday` (an id such as `"christmas"`) in `country` (ISO
    /// 3166-1 alpha-2, upper case) in `year`, or `None` if that country does
    /// not observe it or the year is not known.
    fn date(&self, holiday: &str, country: &str, year: i32) -> Option<NaiveDate>;

    /// Whether `holiday` is an id this calendar knows (for validation).
    fn knows(&self, holiday: &str) -> bool;
}

/// Holidays shared by countries without a [`crate::locale`] calendar: the id,
/// the country whose rule dates it, and the countries that observe it.
const SHARED: [(&str, &str, &[&str]); 5] = [
    (
        "christmas",
        "DE",
        &[
            "AR", "AT", "BE", "CA", "CH", "CL", "CO", "CZ", "DK", "ES", "FI", "GR", "IE", "IT",
            "MX", "NL", "NO", "NZ", "PH", "PL", "PT", "SE", "SG", "ZA",
        ],
    ),
    ("lunar_new_year", "CN", &["HK", "ID", "MY", "SG", "TW"]),
    ("mid_autumn", "CN", &["HK", "MO", "TW"]),
    ("diwali", "IN", &["MY", "NP", "SG"]),
    (
        "eid_al_fitr",
        "SA",
        &["AE", "BD", "EG", "ID", "JO", "MA", "MY", "PK", "QA", "TR"],
    ),
];

/// Observed dates that differ from the calculated (Umm al-Qura) ones: Eid
/// al-Fitr 2025 followed the moon sighting a day later in South and
/// South-East Asia. `(id, country, year, month, day)`.
const OBSERVED: [(&str, &str, i32, u32, u32); 4] = [
    ("eid_al_fitr", "ID", 2025, 3, 31),
    ("eid_al_fitr", "MY", 2025, 3, 31),
    ("eid_al_fitr", "PK", 2025, 3, 31),
    ("eid_al_fitr", "BD", 2025, 3, 31),
];

/// The country calendars of [`crate::locale`] (US, GB, DE, FR, CN, VN, KR,
/// JP, IN, BR, SA, IL, UZ, AU; every id of `docs/locale.md`), plus the
/// shared holidays above for other countries. A holiday that falls twice in
/// a Gregorian year (Islamic dates) gives the first.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocaleHolidays;

impl HolidayCalendar for LocaleHolidays {
    fn date(&self, holiday: &str, country: &str, year: i32) -> Option<NaiveDate> {
        let country = country.trim().to_ascii_uppercase();
        if let Some((.., m, d)) = OBSERVED
            .iter()
            .find(|(id, c, y, _, _)| *id == holiday && *c == country && *y == year)
        {
            return NaiveDate::from_ymd_opt(year, *m, *d);
        }
        let source = if HOLIDAY_COUNTRIES.contains(&country.as_str()) {
            country.as_str()
        } else {
            SHARED
                .iter()
                .find(|(id, _, observers)| *id == holiday && observers.contains(&country.as_str()))
                .map(|(_, reference, _)| *reference)?
        };
        let from = NaiveDate::from_ymd_opt(year, 1, 1)?;
        let to = NaiveDate::from_ymd_opt(year, 12, 31)?;
        holiday_dates(source, holiday, from, to)
            .ok()?
            .into_iter()
            .next()
    }

    fn knows(&self, holiday: &str) -> bool {
        is_holiday_id(holiday)
    }
}

/// The national holiday ids of the [`crate::locale`] calendars (2025–2026),
/// sorted: the suggestions for an unknown id.
pub fn holiday_ids() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = HOLIDAY_COUNTRIES
        .iter()
        .flat_map(|c| (2025..=2026).map(move |y| (c, y)))
        .filter_map(|(c, y)| holidays(c, y, None).ok())
        .flatten()
        .map(|h| h.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_calendars_and_shared_holidays() {
        let h = LocaleHolidays;
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        assert_eq!(h.date("christmas", "DE", 2026), d(2026, 12, 25));
        assert_eq!(h.date("christmas", "ES", 2040), d(2040, 12, 25));
        assert_eq!(h.date("christmas", "SA", 2026), None);
        assert_eq!(h.date("mid_autumn", "VN", 2025), d(2025, 10, 6));
        assert_eq!(h.date("mid_autumn", "KR", 2025), d(2025, 10, 6));
        assert_eq!(h.date("lunar_new_year", "SG", 2027), d(2027, 2, 6));
        assert_eq!(h.date("lunar_new_year", "cn", 2026), d(2026, 2, 17));
        assert_eq!(h.date("eid_al_fitr", "SA", 2025), d(2025, 3, 30));
        assert_eq!(h.date("eid_al_fitr", "EG", 2026), d(2026, 3, 20));
        assert_eq!(h.date("eid_al_fitr", "ID", 2025), d(2025, 3, 31));
        assert_eq!(h.date("diwali", "IN", 2026), d(2026, 11, 8));
        assert_eq!(h.date("diwali", "IN", 2040), d(2040, 11, 4));
        assert_eq!(h.date("thanksgiving", "US", 2025), d(2025, 11, 27));
        assert_eq!(h.date("thanksgiving", "GB", 2025), None);
        assert_eq!(h.date("christmas", "DE", 2051), None);
        assert!(h.knows("diwali") && h.knows("hanukkah") && !h.knows("xmas"));
        let ids = holiday_ids();
        assert!(ids.contains(&"mid_autumn") && ids.contains(&"thanksgiving"));
        // Every shared id is one the locale calendars know, dated by its reference.
        for (id, reference, observers) in SHARED {
            assert!(h.knows(id), "{id}");
            assert!(h.date(id, reference, 2030).is_some(), "{id} {reference}");
            assert!(
                !observers.iter().any(|c| HOLIDAY_COUNTRIES.contains(c)),
                "{id}"
            );
        }
    }
}
