//! Reading and validating campaign definitions (JSON) into checked, compiled
//! structures. Every error is an `argument` error whose message starts with,
//! and whose `field` is, the JSON path of the bad value
//! (`campaigns[2].steps[1].delay`).

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde_json::{Map, Value};

use super::holidays::HolidayCalendar;
use super::split::{check_variants, VariantWeight};
use crate::content::{Formality, Register, Template, TemplateOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::rules::ast::{Duration, Unit};
use crate::rules::{Segment, SegmentSet};

/// Programme-wide settings.
#[derive(Debug)]
pub(crate) struct Settings {
    pub frequency_cap: Option<Cap>,
    pub quiet_hours: Option<QuietHours>,
    pub consent: Option<Rule>,
    pub id_field: String,
    pub time_zone_field: String,
    pub locale_field: String,
    pub country_field: String,
    /// The programme's formality: the default of campaigns without their own.
    pub formality: Formality,
}

/// At most `messages` in any `days` consecutive local calendar days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cap {
    pub messages: u32,
    pub days: u32,
}

/// Local times `[start, end)` during which nothing is sent (may wrap midnight).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// A segment rule with the JSON path it came from (for error messages).
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub segment: Segment,
    pub path: String,
}

/// One campaign.
#[derive(Debug)]
pub(crate) struct Campaign {
    pub name: String,
    pub priority: i64,
    pub audience: Option<Rule>,
    pub cap_exempt: bool,
    /// `None`: the programme's; `Some(None)`: none for this campaign.
    pub quiet_hours: Option<Option<QuietHours>>,
    pub split: Option<Split>,
    pub kind: Kind,
}

/// How a campaign is scheduled.
#[derive(Debug)]
pub(crate) enum Kind {
    /// Sent once on a date (or every year on a holiday) at a local time.
    Once {
        when: OnceWhen,
        at: NaiveTime,
        content: Content,
    },
    /// Sent every week on a weekday at a local time, between optional dates.
    Weekly {
        weekday: Weekday,
        at: NaiveTime,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
        content: Content,
    },
    /// A series started by a trigger.
    Triggered(Series),
}

/// The date of a one-off campaign.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OnceWhen {
    /// A calendar date.
    Date(NaiveDate),
    /// A holiday in the subscriber's country, moved by `offset_days`;
    /// every year the calendar knows unless `year` pins one.
    Holiday {
        id: String,
        offset_days: i64,
        year: Option<i32>,
    },
}

/// A triggered series.
#[derive(Debug)]
pub(crate) struct Series {
    pub trigger: Trigger,
    pub reentry: bool,
    pub exit: Option<Rule>,
    pub steps: Vec<Step>,
}

/// What starts a series.
#[derive(Debug)]
pub(crate) enum Trigger {
    /// An event of this type (optionally filtered on its properties).
    Event { event: String, filter: Option<Rule> },
    /// Entering a segment (checked at `from`, at every event and at each local midnight).
    Segment(Rule),
}

/// One step of a series.
#[derive(Debug)]
pub(crate) struct Step {
    pub name: String,
    pub delay: Duration,
    pub at: Option<NaiveTime>,
    pub condition: Option<Rule>,
    pub split: Option<Split>,
    pub content: Content,
}

/// An A/B or multivariate split.
#[derive(Debug, Clone)]
pub(crate) struct Split {
    pub test: String,
    pub variants: Vec<VariantWeight>,
    pub holdout: f64,
}

/// Subject, preview and body, with per-locale overrides.
#[derive(Debug)]
pub(crate) struct Content {
    pub default: Block,
    pub locales: BTreeMap<String, Block>,
}

/// One locale's templates (missing parts fall back to the default block).
#[derive(Debug, Default)]
pub(crate) struct Block {
    pub subject: Option<Template>,
    pub preview: Option<Template>,
    pub body: Option<Template>,
}

/// An `argument` error at `path`.
pub(crate) fn bad(path: &str, message: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Argument, format!("{path}: {message}"))
        .with_row_field(None, Some(path.to_owned()))
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_owned()
    } else {
        format!("{base}.{key}")
    }
}

/// A JSON object being read, with its path.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    fn new(value: &'a Value, path: &str, what: &str) -> Result<Obj<'a>> {
        match value {
            Value::Object(map) => Ok(Obj {
                map,
                path: path.to_owned(),
            }),
            _ => Err(bad(path, format!("{what} must be an object"))),
        }
    }

    fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// Rejects keys not in `allowed`, suggesting the closest one.
    fn only(&self, allowed: &[&str]) -> Result<()> {
        for key in self.map.keys() {
            if !allowed.contains(&key.as_str()) {
                let hint = crate::rules::suggest(key, allowed.iter().copied())
                    .map(|s| format!("; did you mean {s:?}?"))
                    .unwrap_or_else(|| format!(" (expected one of: {})", allowed.join(", ")));
                return Err(bad(&self.at(key), format!("unknown field {key:?}{hint}")));
            }
        }
        Ok(())
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    fn str(&self, key: &str) -> Result<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(bad(
                &self.at(key),
                format!("expected a string, found {}", kind_of(other)),
            )),
        }
    }

    fn req_str(&self, key: &str) -> Result<&'a str> {
        self.str(key)?
            .ok_or_else(|| bad(&self.at(key), "is required"))
    }

    fn number(&self, key: &str) -> Result<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .map(Some)
                .ok_or_else(|| bad(&self.at(key), "is not a finite number")),
            Some(other) => Err(bad(
                &self.at(key),
                format!("expected a number, found {}", kind_of(other)),
            )),
        }
    }

    fn integer(&self, key: &str) -> Result<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| bad(&self.at(key), format!("expected an integer, found {n}"))),
            Some(other) => Err(bad(
                &self.at(key),
                format!("expected an integer, found {}", kind_of(other)),
            )),
        }
    }

    fn bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(bad(
                &self.at(key),
                format!("expected true or false, found {}", kind_of(other)),
            )),
        }
    }

    fn time(&self, key: &str) -> Result<Option<NaiveTime>> {
        self.str(key)?
            .map(|s| parse_time(s).map_err(|m| bad(&self.at(key), m)))
            .transpose()
    }

    fn date(&self, key: &str) -> Result<Option<NaiveDate>> {
        self.str(key)?
            .map(|s| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|_| bad(&self.at(key), format!("{s:?} is not a YYYY-MM-DD date")))
            })
            .transpose()
    }

    fn rule(&self, key: &str, ctx: &Ctx) -> Result<Option<Rule>> {
        match self.str(key)? {
            None => Ok(None),
            Some(text) => parse_rule(text, &self.at(key), ctx).map(Some),
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `HH:MM` (24-hour clock).
pub(crate) fn parse_time(s: &str) -> std::result::Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s, "%H:%M")
        .map_err(|_| format!("{s:?} is not a local time HH:MM (24-hour clock)"))
}

/// `N hour(s)|day(s)|week(s)|month(s)`; `0` alone means no delay.
pub(crate) fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let err = || format!("{s:?} is not a delay such as \"1 hour\", \"3 days\" or \"2 weeks\"");
    let text = s.trim();
    if text == "0" {
        return Ok(Duration {
            amount: 0,
            unit: Unit::Hours,
        });
    }
    let mut parts = text.split_whitespace();
    let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(err());
    };
    let amount: u32 = n.parse().map_err(|_| err())?;
    let unit = match unit.to_ascii_lowercase().as_str() {
        "hour" | "hours" => Unit::Hours,
        "day" | "days" => Unit::Days,
        "week" | "weeks" => Unit::Weeks,
        "month" | "months" => Unit::Months,
        _ => return Err(err()),
    };
    Ok(Duration { amount, unit })
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    let lower = s.to_ascii_lowercase();
    let days = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    days.iter()
        .find(|(name, _)| *name == lower || name.get(..3) == Some(lower.as_str()))
        .map(|(_, d)| *d)
}

/// What reading needs: the segment set (for references) and the holiday calendar.
pub(crate) struct Ctx<'a> {
    pub segments: Option<&'a SegmentSet>,
    pub holidays: &'a dyn HolidayCalendar,
}

fn parse_rule(text: &str, path: &str, ctx: &Ctx) -> Result<Rule> {
    let segment = Segment::parse(text).map_err(|e| relocate(e, text, path))?;
    crate::rules::validate_regexes(segment.expr()).map_err(|e| relocate(e, text, path))?;
    let refs = crate::rules::references(segment.expr());
    if let Some((name, span)) = refs.first() {
        match ctx.segments {
            None => {
                return Err(bad(
                    path,
                    format!("refers to segment {name:?} but no segments were given"),
                )
                .with_span(text, *span))
            }
            Some(set) => set
                .check_references(segment.expr())
                .map_err(|e| relocate(e, text, path))?,
        }
    }
    Ok(Rule {
        segment,
        path: path.to_owned(),
    })
}

/// An error in embedded text (a rule or template) as an `argument` error at
/// `path`, keeping its position within the text.
fn relocate(e: Error, text: &str, path: &str) -> Error {
    let err = bad(path, format!("{}: {}", e.kind(), e.message()));
    match e.span() {
        Some(span) => err.with_span(text, span),
        None => err,
    }
}

fn compile(text: &str, path: &str, formality: &Formality) -> Result<Template> {
    let options = TemplateOptions {
        formality: formality.clone(),
        ..TemplateOptions::default()
    };
    Template::compile_with(text, &options).map_err(|e| relocate(e, text, path))
}

/// `formality`: `"formal"`, `"informal"`, or `{ "de": "formal", "default": "informal" }`
/// (locale tag or `default` -> either), as `TemplateOptions::formality` reads it;
/// a bad value is an error at its own path (`campaigns[1].formality.de`).
fn read_formality(obj: &Obj) -> Result<Option<Formality>> {
    let path = obj.at("formality");
    let register = |v: &Value, p: &str| -> Result<Register> {
        match v {
            Value::String(s) => Register::parse(s).map_err(|e| bad(p, e.message())),
            other => Err(bad(
                p,
                format!(
                    "expected \"formal\" or \"informal\", found {}",
                    kind_of(other)
                ),
            )),
        }
    };
    match obj.get("formality") {
        None => Ok(None),
        Some(v @ Value::String(_)) => Ok(Some(Formality::all(register(v, &path)?))),
        Some(Value::Object(map)) => {
            let mut out = Formality::default();
            for (tag, v) in map {
                let p = join(&path, tag);
                let r = register(v, &p)?;
                if tag == "default" {
                    out.default = r;
                } else {
                    crate::locale::fallback_chain(tag).map_err(|e| {
                        bad(&p, format!("{tag:?} is not a locale tag ({})", e.message()))
                    })?;
                    out.by_locale.insert(tag.clone(), r);
                }
            }
            Ok(Some(out))
        }
        Some(other) => Err(bad(
            &path,
            format!(
                "expected \"formal\", \"informal\" or an object of locale tag -> either (e.g. {{ \"de\": \"formal\", \"default\": \"informal\" }}), found {}",
                kind_of(other)
            ),
        )),
    }
}

/// Reads a whole programme: an array of campaigns, or an object
/// `{ campaigns, frequencyCap?, quietHours?, consent?, fields? }`.
pub(crate) fn read_programme(value: &Value, ctx: &Ctx) -> Result<(Settings, Vec<Campaign>)> {
    let (settings, list) = match value {
        Value::Array(list) => (default_settings(), list),
        Value::Object(_) => {
            let obj = Obj::new(value, "", "a programme")?;
            obj.only(&[
                "campaigns",
                "frequencyCap",
                "quietHours",
                "consent",
                "fields",
                "formality",
                "description",
            ])?;
            let settings = read_settings(&obj, ctx)?;
            match obj.get("campaigns") {
                Some(Value::Array(list)) => (settings, list),
                Some(other) => {
                    return Err(bad(
                        "campaigns",
                        format!("expected an array, found {}", kind_of(other)),
                    ))
                }
                None => return Err(bad("campaigns", "is required")),
            }
        }
        other => {
            return Err(bad(
                "campaigns",
                format!(
                    "definitions must be an array of campaigns, found {}",
                    kind_of(other)
                ),
            ))
        }
    };
    let mut campaigns: Vec<Campaign> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let path = format!("campaigns[{i}]");
        let campaign = read_campaign(item, &path, ctx, &settings.formality)?;
        if campaigns.iter().any(|c| c.name == campaign.name) {
            return Err(bad(
                &join(&path, "name"),
                format!("campaign name {:?} is used twice", campaign.name),
            ));
        }
        campaigns.push(campaign);
    }
    Ok((settings, campaigns))
}

fn default_settings() -> Settings {
    Settings {
        frequency_cap: None,
        quiet_hours: None,
        consent: None,
        id_field: "id".into(),
        time_zone_field: "timeZone".into(),
        locale_field: "locale".into(),
        country_field: "country".into(),
        formality: Formality::default(),
    }
}

fn read_settings(obj: &Obj, ctx: &Ctx) -> Result<Settings> {
    let mut s = default_settings();
    if let Some(v) = obj.get("frequencyCap") {
        let cap = Obj::new(v, &obj.at("frequencyCap"), "frequencyCap")?;
        cap.only(&["messages", "days"])?;
        let positive = |key: &str| -> Result<u32> {
            let n = cap
                .integer(key)?
                .ok_or_else(|| bad(&cap.at(key), "is required"))?;
            u32::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
                bad(
                    &cap.at(key),
                    format!("must be a positive integer, found {n}"),
                )
            })
        };
        s.frequency_cap = Some(Cap {
            messages: positive("messages")?,
            days: positive("days")?,
        });
    }
    s.quiet_hours = read_quiet_hours(obj)?.flatten();
    s.consent = obj.rule("consent", ctx)?;
    if let Some(f) = read_formality(obj)? {
        s.formality = f;
    }
    if let Some(v) = obj.get("fields") {
        let f = Obj::new(v, &obj.at("fields"), "fields")?;
        f.only(&["id", "timeZone", "locale", "country"])?;
        if let Some(x) = f.str("id")? {
            s.id_field = x.to_owned();
        }
        if let Some(x) = f.str("timeZone")? {
            s.time_zone_field = x.to_owned();
        }
        if let Some(x) = f.str("locale")? {
            s.locale_field = x.to_owned();
        }
        if let Some(x) = f.str("country")? {
            s.country_field = x.to_owned();
        }
    }
    Ok(s)
}

/// `quietHours`: absent -> `None`; `null` -> `Some(None)`; `["21:00", "08:00"]` -> `Some(Some(..))`.
fn read_quiet_hours(obj: &Obj) -> Result<Option<Option<QuietHours>>> {
    if !obj.has("quietHours") {
        return Ok(None);
    }
    let path = obj.at("quietHours");
    match obj.get("quietHours") {
        None => Ok(Some(None)),
        Some(Value::Array(pair)) if pair.len() == 2 => {
            let mut times = Vec::with_capacity(2);
            for (i, t) in pair.iter().enumerate() {
                let p = format!("{path}[{i}]");
                let s = t
                    .as_str()
                    .ok_or_else(|| bad(&p, "expected a local time HH:MM"))?;
                times.push(parse_time(s).map_err(|m| bad(&p, m))?);
            }
            match times.as_slice() {
                [start, end] if start != end => Ok(Some(Some(QuietHours {
                    start: *start,
                    end: *end,
                }))),
                _ => Err(bad(&path, "start and end must differ")),
            }
        }
        Some(_) => Err(bad(
            &path,
            "expected [start, end] local times such as [\"21:00\", \"08:00\"], or null",
        )),
    }
}

const CAMPAIGN_KEYS: [&str; 14] = [
    "name",
    "description",
    "priority",
    "audience",
    "capExempt",
    "quietHours",
    "formality",
    "split",
    "content",
    "schedule",
    "trigger",
    "reentry",
    "exit",
    "steps",
];

fn read_campaign(
    value: &Value,
    path: &str,
    ctx: &Ctx,
    programme_formality: &Formality,
) -> Result<Campaign> {
    let obj = Obj::new(value, path, "a campaign")?;
    obj.only(&CAMPAIGN_KEYS)?;
    let formality = read_formality(&obj)?.unwrap_or_else(|| programme_formality.clone());
    let name = obj.req_str("name")?;
    if name.is_empty() {
        return Err(bad(&obj.at("name"), "must not be empty"));
    }
    obj.str("description")?;
    let priority = obj.integer("priority")?.unwrap_or(0);
    let audience = obj.rule("audience", ctx)?;
    let cap_exempt = obj.bool("capExempt")?.unwrap_or(false);
    let quiet_hours = read_quiet_hours(&obj)?;
    let split = obj
        .get("split")
        .map(|v| read_split(v, &obj.at("split"), name))
        .transpose()?;
    let kind = match (obj.get("schedule"), obj.get("trigger")) {
        (Some(_), Some(_)) => {
            return Err(bad(
                &obj.at("trigger"),
                "a campaign has either a schedule or a trigger with steps, not both",
            ))
        }
        (None, None) => {
            return Err(bad(
                &obj.at("schedule"),
                "is required (or a trigger with steps for a series)",
            ))
        }
        (Some(schedule), None) => {
            for key in ["steps", "exit", "reentry"] {
                if obj.has(key) {
                    return Err(bad(
                        &obj.at(key),
                        "only a triggered series (with a trigger) has this",
                    ));
                }
            }
            let content = match obj.get("content") {
                Some(c) => read_content(c, &obj.at("content"), &formality)?,
                None => return Err(bad(&obj.at("content"), "is required")),
            };
            read_schedule(schedule, &obj.at("schedule"), content, ctx)?
        }
        (None, Some(trigger)) => {
            if obj.has("content") {
                return Err(bad(
                    &obj.at("content"),
                    "a series has its content on each step (steps[i].content)",
                ));
            }
            Kind::Triggered(read_series(&obj, trigger, ctx, name, &formality)?)
        }
    };
    Ok(Campaign {
        name: name.to_owned(),
        priority,
        audience,
        cap_exempt,
        quiet_hours,
        split,
        kind,
    })
}

fn read_schedule(value: &Value, path: &str, content: Content, ctx: &Ctx) -> Result<Kind> {
    let obj = Obj::new(value, path, "schedule")?;
    let at = |obj: &Obj| -> Result<NaiveTime> {
        obj.time("at")?
            .ok_or_else(|| bad(&obj.at("at"), "is required"))
    };
    match obj.req_str("type")? {
        "once" => {
            obj.only(&["type", "at", "date", "holiday", "offsetDays", "year"])?;
            let when = match (obj.date("date")?, obj.str("holiday")?) {
                (Some(date), None) => {
                    for key in ["offsetDays", "year"] {
                        if obj.has(key) {
                            return Err(bad(&obj.at(key), "only a holiday schedule has this"));
                        }
                    }
                    OnceWhen::Date(date)
                }
                (None, Some(id)) => {
                    if !ctx.holidays.knows(id) {
                        let known = super::holidays::holiday_ids();
                        let hint = crate::rules::suggest(id, known.iter().copied())
                            .map(|s| format!("; did you mean {s:?}?"))
                            .unwrap_or_else(|| {
                                " (docs/locale.md lists the ids, e.g. \"christmas\", \"lunar_new_year\")"
                                    .to_owned()
                            });
                        return Err(bad(&obj.at("holiday"), format!("unknown holiday {id:?}{hint}")));
                    }
                    let offset_days = obj.integer("offsetDays")?.unwrap_or(0);
                    if offset_days.abs() > 366 {
                        return Err(bad(&obj.at("offsetDays"), "must be within a year (-366..366)"));
                    }
                    let year = obj
                        .integer("year")?
                        .map(|y| {
                            i32::try_from(y)
                                .ok()
                                .filter(|y| (1900..=2200).contains(y))
                                .ok_or_else(|| bad(&obj.at("year"), format!("{y} is not a year")))
                        })
                        .transpose()?;
                    OnceWhen::Holiday {
                        id: id.to_owned(),
                        offset_days,
                        year,
                    }
                }
                (Some(_), Some(_)) => {
                    return Err(bad(&obj.at("holiday"), "give either a date or a holiday, not both"))
                }
                (None, None) => return Err(bad(&obj.at("date"), "is required (or a holiday)")),
            };
            Ok(Kind::Once {
                when,
                at: at(&obj)?,
                content,
            })
        }
        "weekly" => {
            obj.only(&["type", "at", "weekday", "start", "end"])?;
            let day = obj.req_str("weekday")?;
            let weekday = parse_weekday(day).ok_or_else(|| {
                bad(&obj.at("weekday"), format!("{day:?} is not a weekday (monday … sunday)"))
            })?;
            let start = obj.date("start")?;
            let end = obj.date("end")?;
            if let (Some(s), Some(e)) = (start, end) {
                if e < s {
                    return Err(bad(&obj.at("end"), "is before start"));
                }
            }
            Ok(Kind::Weekly {
                weekday,
                at: at(&obj)?,
                start,
                end,
                content,
            })
        }
        other => Err(bad(
            &obj.at("type"),
            format!("unknown schedule type {other:?} (expected \"once\" or \"weekly\"; a series uses a trigger)"),
        )),
    }
}

fn read_series(
    obj: &Obj,
    trigger: &Value,
    ctx: &Ctx,
    campaign: &str,
    formality: &Formality,
) -> Result<Series> {
    let tpath = obj.at("trigger");
    let t = Obj::new(trigger, &tpath, "trigger")?;
    t.only(&["event", "where", "segment"])?;
    let trigger = match (t.str("event")?, t.str("segment")?) {
        (Some(event), None) => Trigger::Event {
            event: event.to_owned(),
            filter: t.rule("where", ctx)?,
        },
        (None, Some(_)) => {
            if t.has("where") {
                return Err(bad(&t.at("where"), "only an event trigger has this"));
            }
            Trigger::Segment(
                t.rule("segment", ctx)?
                    .ok_or_else(|| bad(&t.at("segment"), "is required"))?,
            )
        }
        _ => {
            return Err(bad(
                &tpath,
                "give exactly one of \"event\" (an event type) or \"segment\" (a rule)",
            ))
        }
    };
    let reentry = obj.bool("reentry")?.unwrap_or(true);
    let exit = obj.rule("exit", ctx)?;
    let spath = obj.at("steps");
    let list = match obj.get("steps") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        Some(Value::Array(_)) => return Err(bad(&spath, "a series needs at least one step")),
        Some(other) => {
            return Err(bad(
                &spath,
                format!("expected an array, found {}", kind_of(other)),
            ))
        }
        None => return Err(bad(&spath, "is required for a series")),
    };
    let mut steps: Vec<Step> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let path = format!("{spath}[{i}]");
        let s = Obj::new(item, &path, "a step")?;
        s.only(&[
            "name",
            "delay",
            "at",
            "condition",
            "split",
            "content",
            "description",
        ])?;
        let name = match s.str("name")? {
            Some(n) => n.to_owned(),
            None => format!("{}", i + 1),
        };
        if steps.iter().any(|x| x.name == name) {
            return Err(bad(
                &s.at("name"),
                format!("step name {name:?} is used twice"),
            ));
        }
        s.str("description")?;
        let delay_text = s.req_str("delay")?;
        let delay = parse_duration(delay_text).map_err(|m| bad(&s.at("delay"), m))?;
        let content = match s.get("content") {
            Some(c) => read_content(c, &s.at("content"), formality)?,
            None => return Err(bad(&s.at("content"), "is required")),
        };
        let split = s
            .get("split")
            .map(|v| read_split(v, &s.at("split"), &format!("{campaign}.{name}")))
            .transpose()?;
        steps.push(Step {
            name,
            delay,
            at: s.time("at")?,
            condition: s.rule("condition", ctx)?,
            split,
            content,
        });
    }
    Ok(Series {
        trigger,
        reentry,
        exit,
        steps,
    })
}

fn read_split(value: &Value, path: &str, default_test: &str) -> Result<Split> {
    let obj = Obj::new(value, path, "split")?;
    obj.only(&["test", "variants", "holdout"])?;
    let test = obj.str("test")?.unwrap_or(default_test).to_owned();
    let vpath = obj.at("variants");
    let list = match obj.get("variants") {
        Some(Value::Array(list)) => list,
        Some(other) => {
            return Err(bad(
                &vpath,
                format!("expected an array, found {}", kind_of(other)),
            ))
        }
        None => return Err(bad(&vpath, "is required")),
    };
    let mut variants = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let p = format!("{vpath}[{i}]");
        let v = Obj::new(item, &p, "a variant")?;
        v.only(&["name", "weight"])?;
        variants.push(VariantWeight {
            name: v.req_str("name")?.to_owned(),
            weight: v.number("weight")?.unwrap_or(1.0),
        });
    }
    check_variants(&variants).map_err(|e| bad(&vpath, e.message()))?;
    let holdout = obj.number("holdout")?.unwrap_or(0.0);
    if !(0.0..1.0).contains(&holdout) {
        return Err(bad(
            &obj.at("holdout"),
            format!("must be in [0, 1), found {holdout}"),
        ));
    }
    Ok(Split {
        test,
        variants,
        holdout,
    })
}

fn read_block(obj: &Obj, require_subject: bool, formality: &Formality) -> Result<Block> {
    let mut block = Block::default();
    for key in ["subject", "preview", "body"] {
        let Some(text) = obj.str(key)? else { continue };
        let t = compile(text, &obj.at(key), formality)?;
        match key {
            "subject" => block.subject = Some(t),
            "preview" => block.preview = Some(t),
            _ => block.body = Some(t),
        }
    }
    if require_subject && block.subject.is_none() {
        return Err(bad(&obj.at("subject"), "is required"));
    }
    Ok(block)
}

fn read_content(value: &Value, path: &str, formality: &Formality) -> Result<Content> {
    let obj = Obj::new(value, path, "content")?;
    obj.only(&["subject", "preview", "body", "locales"])?;
    let default = read_block(&obj, true, formality)?;
    let mut locales = BTreeMap::new();
    if let Some(v) = obj.get("locales") {
        let lpath = obj.at("locales");
        let map = Obj::new(v, &lpath, "locales")?;
        for (tag, block) in map.map {
            let b = Obj::new(block, &join(&lpath, tag), "a locale block")?;
            b.only(&["subject", "preview", "body"])?;
            locales.insert(tag.to_owned(), read_block(&b, false, formality)?);
        }
    }
    Ok(Content { default, locales })
}
