//! Campaigns: definitions, schedules, A/B splits and simulation.
//!
//! A programme is a list of campaign definitions (JSON, see
//! `docs/campaigns.md`): who gets a message (an audience segment), what it
//! says (subject, preview and body templates, per locale), and when (once on a
//! date or a holiday, weekly, or as a triggered series of steps with delays,
//! conditions and an exit rule). [`Campaigns::simulate`] replays a
//! subscriber's history and lists the messages they would receive between two
//! instants, honouring series progress, exits, frequency caps, priorities,
//! quiet hours and consent; [`Campaigns::simulate_audience`] counts them per
//! day and campaign over a list.
//!
//! ```
//! use kaleido::campaign::{Campaigns, SimulateOptions};
//! use serde_json::json;
//!
//! let campaigns = Campaigns::new(&json!([{
//!     "name": "launch",
//!     "audience": "country = \"DE\"",
//!     "schedule": { "type": "once", "date": "2025-06-03", "at": "09:00" },
//!     "content": { "subject": "Hallo {{ first_name }}" }
//! }]), None).unwrap();
//! let profile = json!({ "id": 1, "country": "DE", "first_name": "Ana", "timeZone": "Europe/Berlin" });
//! let options = SimulateOptions::between("2025-06-01", "2025-07-01").unwrap();
//! let messages = campaigns.simulate(&profile, &options).unwrap();
//! assert_eq!(messages[0].send_at, "2025-06-03T07:00:00Z");
//! assert_eq!(messages[0].local_time, "2025-06-03T09:00:00+02:00");
//! assert_eq!(messages[0].subject, "Hallo Ana");
//! ```

mod definition;
pub mod holidays;
mod simulate;
mod split;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};
use crate::rules::SegmentSet;
use definition::{Campaign, Ctx, Settings};
pub use holidays::{BuiltinHolidays, HolidayCalendar};
pub use split::{
    assign_variant, assign_with_holdout, sha256, unit_hash, Assignment, VariantWeight,
};

/// The built-in example programme (`src/campaign/programme.json`).
const PROGRAMME: &str = include_str!("programme.json");

/// A compiled, validated programme of campaigns.
pub struct Campaigns {
    settings: Settings,
    campaigns: Vec<Campaign>,
    segments: Option<SegmentSet>,
    holidays: Box<dyn HolidayCalendar>,
}

impl std::fmt::Debug for Campaigns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Campaigns")
            .field("campaigns", &self.names())
            .finish_non_exhaustive()
    }
}

/// Options of [`Campaigns::simulate`] and [`Campaigns::simulate_audience`].
#[derive(Debug, Clone, Copy)]
pub struct SimulateOptions {
    /// Messages sent at or after this instant are listed.
    pub from: DateTime<Utc>,
    /// Messages sent before this instant are listed.
    pub to: DateTime<Utc>,
    /// What is known: events after it are ignored (default: `to`, the whole history).
    pub as_of: Option<DateTime<Utc>>,
    /// The zone of subscribers without a time zone field (default UTC).
    pub time_zone: Tz,
    /// Also list messages that were stopped (consent, condition, exit, holdout, cap).
    pub include_suppressed: bool,
    /// Also render each message's body.
    pub include_body: bool,
}

impl SimulateOptions {
    /// `[from, to)` (RFC 3339 or `YYYY-MM-DD`, dates at midnight UTC), everything else default.
    pub fn between(from: &str, to: &str) -> Result<SimulateOptions> {
        SimulateOptions::new(
            crate::rules::parse_as_of(from, Tz::UTC)?,
            crate::rules::parse_as_of(to, Tz::UTC)?,
        )
    }

    /// `[from, to)`, everything else default; `from` must not be after `to`.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<SimulateOptions> {
        if to < from {
            return Err(Error::new(ErrorKind::Argument, "`to` is before `from`"));
        }
        Ok(SimulateOptions {
            from,
            to,
            as_of: None,
            time_zone: Tz::UTC,
            include_suppressed: false,
            include_body: false,
        })
    }
}

/// Whether a message goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// It is sent.
    Sent,
    /// It is not sent; see the reason.
    Suppressed,
}

/// Why a message is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Reason {
    /// The programme's consent rule is not true at send time.
    Consent,
    /// The step's condition is not true at send time.
    Condition,
    /// The series' exit rule became true: this and later steps are dropped.
    Exit,
    /// The subscriber is in the split's holdout group.
    Holdout,
    /// The frequency cap was already reached.
    Cap,
}

/// One message a campaign would send to a subscriber.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledMessage {
    /// The campaign's name.
    pub campaign: String,
    /// The series step's name (series only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// The split variant (campaigns or steps with a split).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The send instant in UTC (RFC 3339, `Z`).
    pub send_at: String,
    /// The send instant in the subscriber's zone (RFC 3339 with offset).
    pub local_time: String,
    /// The subscriber's zone.
    pub time_zone: String,
    /// The rendered subject.
    pub subject: String,
    /// The rendered preview text ("" without one).
    pub preview: String,
    /// The rendered body, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The locale block used (absent: the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The campaign's priority.
    pub priority: i64,
    /// Sent or suppressed.
    pub status: Status,
    /// Why it is suppressed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

/// Messages per local send date and campaign ([`Campaigns::simulate_audience`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DailyCount {
    /// The subscribers' local send date, `YYYY-MM-DD`.
    pub date: String,
    /// The campaign's name.
    pub campaign: String,
    /// How many messages are sent.
    pub count: u64,
}

impl Campaigns {
    /// Reads and validates definitions: an array of campaigns or a programme
    /// object `{ campaigns, frequencyCap?, quietHours?, consent?, fields? }`.
    /// `segments` resolves `in segment "name"` in every rule. A bad field is
    /// an [`ErrorKind::Argument`] error whose `field` is its JSON path.
    pub fn new(definitions: &serde_json::Value, segments: Option<SegmentSet>) -> Result<Campaigns> {
        Campaigns::with_holidays(definitions, segments, Box::new(BuiltinHolidays))
    }

    /// Like [`Campaigns::new`] with another source of holiday dates.
    pub fn with_holidays(
        definitions: &serde_json::Value,
        segments: Option<SegmentSet>,
        holidays: Box<dyn HolidayCalendar>,
    ) -> Result<Campaigns> {
        let ctx = Ctx {
            segments: segments.as_ref(),
            holidays: holidays.as_ref(),
        };
        let (settings, campaigns) = definition::read_programme(definitions, &ctx)?;
        Ok(Campaigns {
            settings,
            campaigns,
            segments,
            holidays,
        })
    }

    /// The built-in example programme as JSON (welcome, newsletter, seasonal,
    /// cart abandonment, loyalty, birthday, re-engagement).
    pub fn examples_json() -> serde_json::Value {
        serde_json::from_str(PROGRAMME).unwrap_or(serde_json::Value::Null)
    }

    /// The built-in example programme, compiled.
    pub fn examples() -> Result<Campaigns> {
        Campaigns::new(&Campaigns::examples_json(), None)
    }

    /// The campaign names, in definition order.
    pub fn names(&self) -> Vec<&str> {
        self.campaigns.iter().map(|c| c.name.as_str()).collect()
    }
}
