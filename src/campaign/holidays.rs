//! Holiday dates for schedules anchored to a holiday (`"holiday": "mid_autumn"`).
//!
//! Schedules resolve holidays through the [`HolidayCalendar`] trait, so the
//! source can be swapped (the `locale` module's country calendars, once they
//! land) without touching the scheduler. Until then [`BuiltinHolidays`] is a
//! small, explicit table for 2025–2027, listed in `docs/campaigns.md`.

use chrono::NaiveDate;

/// Resolves a holiday id for a country and year to a date.
pub trait HolidayCalendar {
    /// The date of `holiday` (an id such as `"christmas"`) in `country` (ISO
    /// 3166-1 alpha-2, upper case) in `year`, or `None` if that country does
    /// not observe it or the year is not known.
    fn date(&self, holiday: &str, country: &str, year: i32) -> Option<NaiveDate>;

    /// Whether `holiday` is an id this calendar knows (for validation).
    fn knows(&self, holiday: &str) -> bool;
}

/// The holiday ids of the built-in table.
pub const HOLIDAY_IDS: [&str; 5] = [
    "christmas",
    "lunar_new_year",
    "mid_autumn",
    "diwali",
    "eid_al_fitr",
];

/// Countries that observe each holiday in the built-in table.
const OBSERVERS: [(&str, &[&str]); 5] = [
    (
        "christmas",
        &[
            "AR", "AT", "AU", "BE", "BR", "CA", "CH", "CL", "CO", "CZ", "DE", "DK", "ES", "FI",
            "FR", "GB", "GR", "IE", "IN", "IT", "KR", "MX", "NL", "NO", "NZ", "PH", "PL", "PT",
            "SE", "SG", "US", "ZA",
        ],
    ),
    (
        "lunar_new_year",
        &["CN", "HK", "ID", "KR", "MY", "SG", "TW", "VN"],
    ),
    ("mid_autumn", &["CN", "HK", "KR", "MO", "TW", "VN"]),
    ("diwali", &["IN", "MY", "NP", "SG"]),
    (
        "eid_al_fitr",
        &[
            "AE", "BD", "EG", "ID", "JO", "MA", "MY", "PK", "QA", "SA", "TR",
        ],
    ),
];

/// Dates by holiday and year (the first day of the holiday as published for
/// the main observing countries); see [`COUNTRY_DATES`] for exceptions.
/// `(year, month, day)`.
type Ymd = (i32, u32, u32);

const DATES: [(&str, [Ymd; 3]); 4] = [
    (
        "lunar_new_year",
        [(2025, 1, 29), (2026, 2, 17), (2027, 2, 6)],
    ),
    ("mid_autumn", [(2025, 10, 6), (2026, 9, 25), (2027, 9, 15)]),
    ("diwali", [(2025, 10, 20), (2026, 11, 8), (2027, 10, 29)]),
    // Expected dates; the official day follows the sighting of the new moon.
    ("eid_al_fitr", [(2025, 3, 30), (2026, 3, 20), (2027, 3, 9)]),
];

/// Country-specific dates that differ from [`DATES`] (Eid al-Fitr 2025 fell a
/// day later in South and South-East Asia).
const COUNTRY_DATES: [(&str, &str, i32, u32, u32); 4] = [
    ("eid_al_fitr", "ID", 2025, 3, 31),
    ("eid_al_fitr", "MY", 2025, 3, 31),
    ("eid_al_fitr", "PK", 2025, 3, 31),
    ("eid_al_fitr", "BD", 2025, 3, 31),
];

/// The first and last year the built-in table covers.
pub const BUILTIN_YEARS: (i32, i32) = (2025, 2027);

/// The built-in table: Christmas (25 December), Lunar New Year, Mid-Autumn,
/// Diwali and Eid al-Fitr for 2025–2027, by observing country.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinHolidays;

impl HolidayCalendar for BuiltinHolidays {
    fn date(&self, holiday: &str, country: &str, year: i32) -> Option<NaiveDate> {
        if !(BUILTIN_YEARS.0..=BUILTIN_YEARS.1).contains(&year) {
            return None;
        }
        let observed = OBSERVERS
            .iter()
            .find(|(id, _)| *id == holiday)
            .is_some_and(|(_, countries)| countries.contains(&country));
        if !observed {
            return None;
        }
        if holiday == "christmas" {
            return NaiveDate::from_ymd_opt(year, 12, 25);
        }
        if let Some((_, _, y, m, d)) = COUNTRY_DATES
            .iter()
            .find(|(id, c, y, _, _)| *id == holiday && *c == country && *y == year)
        {
            return NaiveDate::from_ymd_opt(*y, *m, *d);
        }
        let (_, years) = DATES.iter().find(|(id, _)| *id == holiday)?;
        let (y, m, d) = years.iter().find(|(y, _, _)| *y == year)?;
        NaiveDate::from_ymd_opt(*y, *m, *d)
    }

    fn knows(&self, holiday: &str) -> bool {
        HOLIDAY_IDS.contains(&holiday)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookups() {
        let h = BuiltinHolidays;
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        assert_eq!(h.date("christmas", "DE", 2026), d(2026, 12, 25));
        assert_eq!(h.date("christmas", "CN", 2026), None);
        assert_eq!(h.date("mid_autumn", "VN", 2025), d(2025, 10, 6));
        assert_eq!(h.date("lunar_new_year", "SG", 2027), d(2027, 2, 6));
        assert_eq!(h.date("eid_al_fitr", "SA", 2025), d(2025, 3, 30));
        assert_eq!(h.date("eid_al_fitr", "ID", 2025), d(2025, 3, 31));
        assert_eq!(h.date("diwali", "IN", 2028), None);
        assert!(h.knows("diwali") && !h.knows("hanukkah"));
        // Every id has an observer list, and every non-fixed id has dates.
        for id in HOLIDAY_IDS {
            assert!(OBSERVERS.iter().any(|(o, _)| *o == id), "{id}");
            assert!(
                id == "christmas" || DATES.iter().any(|(o, _)| *o == id),
                "{id}"
            );
        }
    }
}
