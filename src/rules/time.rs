//! Calendar arithmetic shared by every engine: windows, local dates, DST.
//!
//! Hours are exact (3,600 s). Days and weeks move the local wall-clock date in
//! the time zone and keep the wall-clock time; months and years do the same
//! with the day clamped to the month's end. A local time that does not exist
//! (a DST gap) is moved forward by the gap's length (02:30 -> 03:30); one that exists
//! twice (a DST overlap) resolves to the earlier instant.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::ast::{Duration, Unit};

/// The UTC instant of a local wall-clock time in `tz` (gap: moved forward by
/// the gap's length; overlap: the earlier instant).
pub fn resolve_local(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        chrono::LocalResult::None => {
            // Inside a gap: read the wall clock with the offset in force before
            // the gap, which moves it forward by the gap's length (02:30 -> 03:30),
            // as JavaScript's Temporal does by default.
            let earlier = local - chrono::Duration::days(1);
            let offset = tz.offset_from_utc_datetime(&earlier).fix();
            Utc.from_utc_datetime(
                &(local - chrono::Duration::seconds(i64::from(offset.local_minus_utc()))),
            )
        }
    }
}

/// The calendar date of `t` in `tz`.
pub fn local_date(t: DateTime<Utc>, tz: Tz) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// The first instant of `date` in `tz`.
pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    resolve_local(date.and_time(chrono::NaiveTime::MIN), tz)
}

/// `date` moved by `amount` of `unit` (negative: into the past), clamping the
/// day to the month's end. Hours count as whole days only when they add up to
/// them; use [`shift_instant`] for instants. `None` past the calendar's range.
pub fn shift_date(date: NaiveDate, unit: Unit, amount: i64) -> Option<NaiveDate> {
    let (months, days) = match unit {
        Unit::Hours => (0, amount.div_euclid(24)),
        Unit::Days => (0, amount),
        Unit::Weeks => (0, amount.checked_mul(7)?),
        Unit::Months => (amount, 0),
        Unit::Years => (amount.checked_mul(12)?, 0),
    };
    let date = if months >= 0 {
        date.checked_add_months(Months::new(u32::try_from(months).ok()?))?
    } else {
        date.checked_sub_months(Months::new(u32::try_from(-months).ok()?))?
    };
    if days >= 0 {
        date.checked_add_days(Days::new(u64::try_from(days).ok()?))
    } else {
        date.checked_sub_days(Days::new(u64::try_from(-days).ok()?))
    }
}

/// `t` moved by `amount` of `unit` in `tz` (negative: into the past).
/// `None` past the calendar's range.
pub fn shift_instant(t: DateTime<Utc>, unit: Unit, amount: i64, tz: Tz) -> Option<DateTime<Utc>> {
    if unit == Unit::Hours {
        return t.checked_add_signed(chrono::Duration::try_hours(amount)?);
    }
    let local = t.with_timezone(&tz).naive_local();
    let date = shift_date(local.date(), unit, amount)?;
    Some(resolve_local(date.and_time(local.time()), tz))
}

/// `asOf - d` in `tz`: the start of a `in last d` window.
pub fn before(t: DateTime<Utc>, d: Duration, tz: Tz) -> Option<DateTime<Utc>> {
    shift_instant(t, d.unit, -i64::from(d.amount), tz)
}

/// `asOf + d` in `tz`.
pub fn after(t: DateTime<Utc>, d: Duration, tz: Tz) -> Option<DateTime<Utc>> {
    shift_instant(t, d.unit, i64::from(d.amount), tz)
}

/// The next yearly recurrence of `month/day` on or after `from` (29 February
/// falls on 28 February in common years).
pub fn next_anniversary(month: u32, day: u32, from: NaiveDate) -> Option<NaiveDate> {
    let this_year = anniversary_in(from.year(), month, day)?;
    if this_year >= from {
        Some(this_year)
    } else {
        anniversary_in(from.year() + 1, month, day)
    }
}

/// The latest yearly recurrence of `month/day` on or before `from`.
pub fn previous_anniversary(month: u32, day: u32, from: NaiveDate) -> Option<NaiveDate> {
    let this_year = anniversary_in(from.year(), month, day)?;
    if this_year <= from {
        Some(this_year)
    } else {
        anniversary_in(from.year() - 1, month, day)
    }
}

fn anniversary_in(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day).or_else(|| {
        if month == 2 && day == 29 {
            NaiveDate::from_ymd_opt(year, 2, 28)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America::New_York, Europe::Berlin};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn gap_resolves_after_it() {
        // 2025-03-30 02:30 does not exist in Berlin (clocks jump 02:00 -> 03:00);
        // it becomes 03:30 CEST.
        let local = NaiveDate::from_ymd_opt(2025, 3, 30)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(resolve_local(local, Berlin), utc("2025-03-30T01:30:00Z"));
    }

    #[test]
    fn overlap_resolves_to_earlier() {
        // 2025-11-02 01:30 happens twice in New York; the first is EDT (-4).
        let local = NaiveDate::from_ymd_opt(2025, 11, 2)
            .unwrap()
            .and_hms_opt(1, 30, 0)
            .unwrap();
        assert_eq!(resolve_local(local, New_York), utc("2025-11-02T05:30:00Z"));
    }

    #[test]
    fn days_are_calendar_days_across_dst() {
        // One day before 2025-03-31 12:00 Berlin (CEST) is 2025-03-30 12:00 Berlin (CEST), 24h;
        // one day before 2025-03-30 12:00 CEST is 2025-03-29 12:00 CET: 23 hours earlier.
        let t = utc("2025-03-30T10:00:00Z");
        let d = Duration {
            amount: 1,
            unit: Unit::Days,
        };
        assert_eq!(before(t, d, Berlin), Some(utc("2025-03-29T11:00:00Z")));
        assert_eq!(before(t, d, Tz::UTC), Some(utc("2025-03-29T10:00:00Z")));
    }

    #[test]
    fn months_clamp_to_month_end() {
        let t = utc("2025-03-31T12:00:00Z");
        let d = Duration {
            amount: 1,
            unit: Unit::Months,
        };
        assert_eq!(before(t, d, Tz::UTC), Some(utc("2025-02-28T12:00:00Z")));
    }

    #[test]
    fn leap_day_anniversary() {
        let from = NaiveDate::from_ymd_opt(2025, 2, 1).unwrap();
        assert_eq!(
            next_anniversary(2, 29, from),
            NaiveDate::from_ymd_opt(2025, 2, 28)
        );
        let from = NaiveDate::from_ymd_opt(2028, 2, 1).unwrap();
        assert_eq!(
            next_anniversary(2, 29, from),
            NaiveDate::from_ymd_opt(2028, 2, 29)
        );
    }
}
