//! Time zones and send times: a subscriber's zone (profile field, else the
//! country's main zone), the UTC instant of a local send time across DST,
//! quiet hours, and send plans that group an audience into waves.
//!
//! Wall-clock times that do not exist (a DST gap: 02:30 on the spring-forward
//! night) move forward by the gap (03:30); times that exist twice (the
//! fall-back hour) take the earlier instant, as segment evaluation does
//! (`rules::time::resolve_local`).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::rules::time::resolve_local;

/// The main IANA zone of a country (ISO 3166-1 alpha-2): the zone most of its
/// people live in (docs/locale.md lists the table and the choices for
/// countries with several zones).
const COUNTRY_ZONES: &[(&str, &str)] = &[
    ("AE", "Asia/Dubai"),
    ("AR", "America/Argentina/Buenos_Aires"),
    ("AT", "Europe/Vienna"),
    ("AU", "Australia/Sydney"),
    ("BD", "Asia/Dhaka"),
    ("BE", "Europe/Brussels"),
    ("BG", "Europe/Sofia"),
    ("BR", "America/Sao_Paulo"),
    ("CA", "America/Toronto"),
    ("CH", "Europe/Zurich"),
    ("CL", "America/Santiago"),
    ("CN", "Asia/Shanghai"),
    ("CO", "America/Bogota"),
    ("CZ", "Europe/Prague"),
    ("DE", "Europe/Berlin"),
    ("DK", "Europe/Copenhagen"),
    ("EG", "Africa/Cairo"),
    ("ES", "Europe/Madrid"),
    ("FI", "Europe/Helsinki"),
    ("FR", "Europe/Paris"),
    ("GB", "Europe/London"),
    ("GR", "Europe/Athens"),
    ("HK", "Asia/Hong_Kong"),
    ("HU", "Europe/Budapest"),
    ("ID", "Asia/Jakarta"),
    ("IE", "Europe/Dublin"),
    ("IL", "Asia/Jerusalem"),
    ("IN", "Asia/Kolkata"),
    ("IT", "Europe/Rome"),
    ("JP", "Asia/Tokyo"),
    ("KE", "Africa/Nairobi"),
    ("KR", "Asia/Seoul"),
    ("KZ", "Asia/Almaty"),
    ("MA", "Africa/Casablanca"),
    ("MX", "America/Mexico_City"),
    ("MY", "Asia/Kuala_Lumpur"),
    ("NG", "Africa/Lagos"),
    ("NL", "Europe/Amsterdam"),
    ("NO", "Europe/Oslo"),
    ("NZ", "Pacific/Auckland"),
    ("PE", "America/Lima"),
    ("PH", "Asia/Manila"),
    ("PK", "Asia/Karachi"),
    ("PL", "Europe/Warsaw"),
    ("PT", "Europe/Lisbon"),
    ("RO", "Europe/Bucharest"),
    ("RU", "Europe/Moscow"),
    ("SA", "Asia/Riyadh"),
    ("SE", "Europe/Stockholm"),
    ("SG", "Asia/Singapore"),
    ("TH", "Asia/Bangkok"),
    ("TR", "Europe/Istanbul"),
    ("TW", "Asia/Taipei"),
    ("UA", "Europe/Kyiv"),
    ("US", "America/New_York"),
    ("UZ", "Asia/Tashkent"),
    ("VN", "Asia/Ho_Chi_Minh"),
    ("ZA", "Africa/Johannesburg"),
];

/// The main zone of a country (`"US"` → `America/New_York`), if listed.
pub fn country_time_zone(country: &str) -> Option<Tz> {
    let code = country.trim().to_ascii_uppercase();
    COUNTRY_ZONES
        .iter()
        .find(|(c, _)| *c == code)
        .and_then(|(_, z)| z.parse().ok())
}

/// Profile fields read for the zone when none is named: `timeZone`, `time_zone`, `timezone`.
pub const TIME_ZONE_FIELDS: [&str; 3] = ["timeZone", "time_zone", "timezone"];

/// Where a subscriber's zone came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ZoneSource {
    /// The profile's zone field.
    Profile,
    /// The main zone of the profile's `country`.
    Country,
    /// The fallback zone of the options.
    Fallback,
}

/// The subscriber's zone: the profile field `field` (or [`TIME_ZONE_FIELDS`]),
/// else the main zone of its `country`, else `fallback`. A zone field that is
/// not an IANA name is skipped like a missing one. `None` when nothing applies.
pub fn profile_time_zone(
    profile: &Map<String, Value>,
    field: Option<&str>,
    fallback: Option<Tz>,
) -> Option<(Tz, ZoneSource)> {
    let named = |f: &str| {
        crate::rules::value::get(profile, f)
            .and_then(Value::as_str)
            .and_then(|s| s.trim().parse::<Tz>().ok())
    };
    let from_field = match field {
        Some(f) => named(f),
        None => TIME_ZONE_FIELDS.iter().find_map(|f| named(f)),
    };
    if let Some(tz) = from_field {
        return Some((tz, ZoneSource::Profile));
    }
    let country = crate::rules::value::get(profile, "country")
        .and_then(Value::as_str)
        .and_then(country_time_zone);
    if let Some(tz) = country {
        return Some((tz, ZoneSource::Country));
    }
    fallback.map(|tz| (tz, ZoneSource::Fallback))
}

/// Parses `HH:MM` (or `HH:MM:SS`).
pub fn parse_wall_time(text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text.trim(), "%H:%M:%S"))
        .map_err(|_| {
            Error::new(
                ErrorKind::Argument,
                format!("{text:?} is not a time of day (expected HH:MM, like \"09:00\")"),
            )
        })
}

/// When a send may go out: `at` is `HH:MM` (on the local date of `as_of`,
/// or `date`) or a local date-time `YYYY-MM-DDTHH:MM`.
#[derive(Debug, Clone, PartialEq)]
pub struct SendOptions {
    /// The profile field holding the IANA zone (default: [`TIME_ZONE_FIELDS`]).
    pub time_zone_field: Option<String>,
    /// The zone used when the profile has no zone and no listed country.
    pub fallback_time_zone: Option<Tz>,
    /// Quiet hours `[start, end)` in local time, like `(21:00, 08:00)`: a send
    /// that falls inside moves to the end of the quiet period.
    pub quiet_hours: Option<(NaiveTime, NaiveTime)>,
    /// "Now": its local date is the send date unless `date` is given.
    pub as_of: DateTime<Utc>,
    /// The local send date (overrides the date of `as_of`).
    pub date: Option<NaiveDate>,
    /// Take the first such time at or after `as_of` (the next day's when today's has passed).
    pub next: bool,
}

impl SendOptions {
    /// Defaults at `as_of`: profile zone fields, no fallback, no quiet hours.
    pub fn new(as_of: DateTime<Utc>) -> SendOptions {
        SendOptions {
            time_zone_field: None,
            fallback_time_zone: None,
            quiet_hours: None,
            as_of,
            date: None,
            next: false,
        }
    }
}

/// Reads `at`: `HH:MM` or a local `YYYY-MM-DDTHH:MM[:SS]`.
fn parse_at(at: &str) -> Result<(Option<NaiveDate>, NaiveTime)> {
    let at = at.trim();
    for f in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(at, f) {
            return Ok((Some(dt.date()), dt.time()));
        }
    }
    Ok((None, parse_wall_time(at)?))
}

fn in_quiet(t: NaiveTime, (start, end): (NaiveTime, NaiveTime)) -> bool {
    if start <= end {
        start <= t && t < end
    } else {
        t >= start || t < end
    }
}

/// The UTC instant of local time `at` for a subscriber in `tz` (see [`SendOptions`]).
pub fn send_time_in_zone(tz: Tz, at: &str, opts: &SendOptions) -> Result<DateTime<Utc>> {
    let (explicit, time) = parse_at(at)?;
    let date = explicit
        .or(opts.date)
        .unwrap_or_else(|| opts.as_of.with_timezone(&tz).date_naive());
    let mut local = date.and_time(time);
    if let Some(q) = opts.quiet_hours {
        if in_quiet(time, q) {
            // The end of this quiet period: today's end, or tomorrow's when
            // the period runs past midnight and we are before midnight.
            let end_date = if q.0 > q.1 && time >= q.0 {
                date + Duration::days(1)
            } else {
                date
            };
            local = end_date.and_time(q.1);
        }
    }
    let mut instant = resolve_local(local, tz);
    if opts.next && explicit.is_none() && opts.date.is_none() {
        // At most two steps: tomorrow's time is always later than now.
        for _ in 0..2 {
            if instant >= opts.as_of {
                break;
            }
            let day = local.date() + Duration::days(1);
            let next = SendOptions {
                date: Some(day),
                next: false,
                ..opts.clone()
            };
            instant = send_time_in_zone(
                tz,
                &format!(
                    "{:02}:{:02}:{:02}",
                    time.hour(),
                    time.minute(),
                    time.second()
                ),
                &next,
            )?;
            local = day.and_time(time);
        }
    }
    Ok(instant)
}

/// The UTC instant to send to `profile` at local time `at` (`"09:00"`):
/// API.md's `localSendTime`. An error of kind `locale` when no zone applies.
///
/// ```
/// use kaleido::locale::{local_send_time, SendOptions};
/// let as_of = "2025-03-09T12:00:00Z".parse().unwrap();
/// let p = serde_json::json!({"timeZone": "America/New_York"});
/// // 02:30 does not exist on 9 March 2025 in New York: it moves to 03:30 EDT.
/// let t = local_send_time(p.as_object().unwrap(), "02:30", &SendOptions::new(as_of)).unwrap();
/// assert_eq!(t.to_rfc3339(), "2025-03-09T07:30:00+00:00");
/// ```
pub fn local_send_time(
    profile: &Map<String, Value>,
    at: &str,
    opts: &SendOptions,
) -> Result<DateTime<Utc>> {
    let Some((tz, _)) = profile_time_zone(
        profile,
        opts.time_zone_field.as_deref(),
        opts.fallback_time_zone,
    ) else {
        return Err(Error::new(
            ErrorKind::Locale,
            "the profile has no time zone (field timeZone) or known country, and no fallbackTimeZone was given",
        ));
    };
    send_time_in_zone(tz, at, opts)
}

/// One wave of a send plan: the profiles (by index in the audience) whose
/// local send time is the same UTC instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Wave {
    /// The UTC instant.
    pub send_at: DateTime<Utc>,
    /// Indexes into the audience slice, ascending.
    pub profiles: Vec<usize>,
}

/// A send plan: waves by UTC instant, earliest first, and the profiles with no zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SendPlan {
    /// The waves, by `send_at`.
    pub waves: Vec<Wave>,
    /// Indexes of profiles for which no zone applies (not scheduled).
    pub unresolved: Vec<usize>,
}

/// Groups an audience into waves by the UTC instant of local time `at` for
/// each profile. Non-object profiles are `unresolved`.
pub fn send_plan(audience: &[Value], at: &str, opts: &SendOptions) -> Result<SendPlan> {
    parse_at(at)?;
    let mut waves: BTreeMap<DateTime<Utc>, Vec<usize>> = BTreeMap::new();
    let mut zones: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    let mut plan = SendPlan::default();
    for (i, p) in audience.iter().enumerate() {
        let zone = p.as_object().and_then(|o| {
            profile_time_zone(o, opts.time_zone_field.as_deref(), opts.fallback_time_zone)
        });
        let Some((tz, _)) = zone else {
            plan.unresolved.push(i);
            continue;
        };
        let t = match zones.get(tz.name()) {
            Some(t) => *t,
            None => {
                let t = send_time_in_zone(tz, at, opts)?;
                zones.insert(tz.name().to_owned(), t);
                t
            }
        };
        waves.entry(t).or_default().push(i);
    }
    plan.waves = waves
        .into_iter()
        .map(|(send_at, profiles)| Wave { send_at, profiles })
        .collect();
    Ok(plan)
}
