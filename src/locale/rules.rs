//! Evaluation of the segment language's cultural conditions
//! ([`CultureTest`]): `holiday "id" within next N days`, `season = "winter"`,
//! `local_time between 08:00 and 20:00`.

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::holidays::{holiday_dates, season, HOLIDAY_COUNTRIES, SEASONS};
use super::send::profile_time_zone;
use crate::error::{Error, ErrorKind, Result};
use crate::rules::ast::{CultureTest, Direction, Unit};
use crate::rules::time::shift_date;

/// The profile's `country`, upper-cased, if it is a two-letter string.
fn country(profile: &Map<String, Value>) -> Option<String> {
    let c = profile.get("country")?.as_str()?.trim();
    (c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic())).then(|| c.to_ascii_uppercase())
}

/// Three-valued result of a cultural condition for one profile.
///
/// - holiday: unknown without a country with holiday data; otherwise whether
///   the holiday (in that country) falls in the window around `today`,
///   defined as for a date attribute (`today <= d < today + N UNIT`).
/// - season: unknown without a country; the season of `today` there.
/// - local_time: unknown when no zone applies (zone field, else country's
///   main zone); the wall-clock time at `as_of` (to the minute) in the range.
pub(crate) fn eval_culture(
    profile: &Map<String, Value>,
    test: &CultureTest,
    as_of: DateTime<Utc>,
    today: chrono::NaiveDate,
) -> Result<Option<bool>> {
    match test {
        CultureTest::Holiday {
            id,
            direction,
            period,
        } => {
            let Some(c) = country(profile).filter(|c| HOLIDAY_COUNTRIES.contains(&c.as_str()))
            else {
                return Ok(None);
            };
            let amount = i64::from(period.amount);
            // Hours count in whole days on dates, as for date attributes.
            let (unit, amount) = match period.unit {
                Unit::Hours => (Unit::Days, amount / 24),
                u => (u, amount),
            };
            let (from, to) = match direction {
                Direction::Next => {
                    let end = shift_date(today, unit, amount).ok_or_else(range_error)?;
                    (today, end.pred_opt().ok_or_else(range_error)?)
                }
                Direction::Last => {
                    let start = shift_date(today, unit, -amount).ok_or_else(range_error)?;
                    (start.succ_opt().ok_or_else(range_error)?, today)
                }
            };
            if from > to {
                return Ok(Some(false));
            }
            Ok(Some(!holiday_dates(&c, id, from, to)?.is_empty()))
        }
        CultureTest::Season {
            season: name,
            negated,
        } => {
            let Some(c) = country(profile) else {
                return Ok(None);
            };
            Ok(Some((season(&c, today) == name.as_str()) != *negated))
        }
        CultureTest::LocalTime { from, to } => {
            let Some((tz, _)) = profile_time_zone(profile, None, None) else {
                return Ok(None);
            };
            let (from, to) = (wall(from)?, wall(to)?);
            Ok(Some(local_time_in(as_of, tz, from, to)))
        }
    }
}

fn range_error() -> Error {
    Error::new(
        ErrorKind::Argument,
        "the holiday window is outside the calendar's range",
    )
}

fn wall(text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| {
        Error::new(
            ErrorKind::Parse,
            format!("{text:?} is not a time of day (HH:MM)"),
        )
    })
}

/// Whether the wall-clock minute of `t` in `tz` is in `[from, to]`, wrapping
/// past midnight when `from > to`.
pub(crate) fn local_time_in(t: DateTime<Utc>, tz: Tz, from: NaiveTime, to: NaiveTime) -> bool {
    let local = t.with_timezone(&tz);
    let minute = NaiveTime::from_hms_opt(local.hour(), local.minute(), 0).unwrap_or(NaiveTime::MIN);
    if from <= to {
        from <= minute && minute <= to
    } else {
        minute >= from || minute <= to
    }
}

/// The warning `check` gives for a cultural condition: an unknown holiday id
/// (the condition is then always false).
pub(crate) fn culture_problem(test: &CultureTest) -> Option<String> {
    match test {
        CultureTest::Holiday { id, .. } if !super::holidays::is_holiday_id(id) => Some(format!(
            "unknown holiday {id:?} (ids are lower-case, like \"christmas\", \"lunar_new_year\", \"mid_autumn\"; docs/locale.md lists them)"
        )),
        CultureTest::Season { season, .. } if !SEASONS.contains(&season.as_str()) => Some(format!(
            "unknown season {season:?} (expected \"winter\", \"spring\", \"summer\" or \"autumn\")"
        )),
        CultureTest::LocalTime { from, to } if wall(from).is_err() || wall(to).is_err() => {
            Some(format!("local_time needs times HH:MM, not {from:?} and {to:?}"))
        }
        _ => None,
    }
}
