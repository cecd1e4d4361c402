//! Simulation: which messages a subscriber would receive, and when.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::definition::{
    Campaign, Content, Kind, OnceWhen, QuietHours, Rule, Series, Split, Step, Trigger,
};
use super::split::{assign_with_holdout, Assignment};
use super::{Campaigns, DailyCount, Reason, ScheduledMessage, SimulateOptions, Status};
use crate::error::{Error, ErrorKind, Result};
use crate::rules::time::{after, local_date, resolve_local, start_of_day};
use crate::rules::EvalOptions;

/// One subscriber, read once per simulation.
struct Subscriber {
    /// The profile with only the events known at the horizon (`asOf`).
    profile: Value,
    /// Known events by time: (instant, type, the event object).
    events: Vec<(DateTime<Utc>, String, Value)>,
    tz: Tz,
    id: Option<String>,
    locale: Option<String>,
    country: Option<String>,
}

/// A message before caps and rendering.
struct Candidate {
    campaign: usize,
    step: Option<usize>,
    at: DateTime<Utc>,
    variant: Option<String>,
    reason: Option<Reason>,
}

impl Campaigns {
    /// The messages `profile` would receive with send times in
    /// `[options.from, options.to)`, in send order (see `docs/campaigns.md`
    /// for the rules: series progress, exits, caps, priorities, quiet hours,
    /// consent). Only messages that are sent are listed unless
    /// `include_suppressed` is set.
    pub fn simulate(
        &self,
        profile: &Value,
        options: &SimulateOptions,
    ) -> Result<Vec<ScheduledMessage>> {
        let (sub, candidates) = self.plan(profile, options)?;
        candidates
            .iter()
            .filter(|c| options.include_suppressed || c.reason.is_none())
            .map(|c| self.render(c, &sub, options))
            .collect()
    }

    /// Messages sent to `profiles` in `[from, to)`, counted per local send
    /// date and campaign, sorted by date then campaign. Content is not
    /// rendered. An error names the 1-based row of the profile that caused it.
    pub fn simulate_audience(
        &self,
        profiles: &[Value],
        options: &SimulateOptions,
    ) -> Result<Vec<DailyCount>> {
        let mut counts: BTreeMap<(NaiveDate, usize), u64> = BTreeMap::new();
        for (row, profile) in profiles.iter().enumerate() {
            let (sub, candidates) = self
                .plan(profile, options)
                .map_err(|e| e.with_row_field(Some(row as u64 + 1), None))?;
            for c in candidates.iter().filter(|c| c.reason.is_none()) {
                *counts
                    .entry((local_date(c.at, sub.tz), c.campaign))
                    .or_insert(0) += 1;
            }
        }
        let mut out: Vec<DailyCount> = counts
            .into_iter()
            .map(|((date, campaign), count)| DailyCount {
                date: date.to_string(),
                campaign: self
                    .campaigns
                    .get(campaign)
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                count,
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Every candidate message of one subscriber, caps applied, in send order.
    fn plan(
        &self,
        profile: &Value,
        options: &SimulateOptions,
    ) -> Result<(Subscriber, Vec<Candidate>)> {
        let sub = self.subscriber(profile, options)?;
        let mut candidates = Vec::new();
        for (index, campaign) in self.campaigns.iter().enumerate() {
            self.candidates(index, campaign, &sub, options, &mut candidates)?;
        }
        self.apply_cap(&sub, &mut candidates);
        candidates.sort_by(|a, b| {
            a.at.cmp(&b.at)
                .then_with(|| self.priority(b).cmp(&self.priority(a)))
                .then_with(|| a.campaign.cmp(&b.campaign))
                .then_with(|| a.step.cmp(&b.step))
        });
        Ok((sub, candidates))
    }

    fn priority(&self, c: &Candidate) -> i64 {
        self.campaigns.get(c.campaign).map_or(0, |c| c.priority)
    }

    fn subscriber(&self, profile: &Value, options: &SimulateOptions) -> Result<Subscriber> {
        let Value::Object(map) = profile else {
            return Err(Error::new(
                ErrorKind::Argument,
                "a profile must be an object",
            ));
        };
        let horizon = options.as_of.unwrap_or(options.to);
        let mut events = Vec::new();
        let mut known = Vec::new();
        match map.get("events") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (i, event) in list.iter().enumerate() {
                    let field = || Some(format!("events[{i}].at"));
                    let at = event
                        .get("at")
                        .and_then(Value::as_str)
                        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                        .ok_or_else(|| {
                            Error::new(
                                ErrorKind::Data,
                                format!("events[{i}] needs an RFC 3339 `at`"),
                            )
                            .with_row_field(None, field())
                        })?
                        .with_timezone(&Utc);
                    if at > horizon {
                        continue;
                    }
                    let kind = event
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    events.push((at, kind.to_owned(), event.clone()));
                    known.push(event.clone());
                }
            }
            Some(_) => {
                return Err(Error::new(ErrorKind::Data, "`events` must be an array")
                    .with_row_field(None, Some("events".into())))
            }
        }
        events.sort_by_key(|(at, _, _)| *at);
        let mut known_profile = map.clone();
        if map.contains_key("events") {
            known_profile.insert("events".into(), Value::Array(known));
        }
        let text = |field: &str| -> Option<String> {
            match map.get(field) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            }
        };
        let tz = match map.get(&self.settings.time_zone_field) {
            Some(Value::String(name)) => crate::rules::parse_time_zone(name)
                .map_err(|e| e.with_row_field(None, Some(self.settings.time_zone_field.clone())))?,
            _ => options.time_zone,
        };
        Ok(Subscriber {
            profile: Value::Object(known_profile),
            events,
            tz,
            id: text(&self.settings.id_field),
            locale: text(&self.settings.locale_field),
            country: text(&self.settings.country_field).map(|c| c.to_ascii_uppercase()),
        })
    }

    /// `rule` at `at` on `profile` in the subscriber's zone.
    fn test(
        &self,
        rule: &Rule,
        profile: &Value,
        sub: &Subscriber,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let options = EvalOptions {
            as_of: at,
            time_zone: sub.tz,
            segments: self.segments.as_ref(),
        };
        rule.segment.test(profile, &options).map_err(|e| {
            let message = format!("{}: {}", rule.path, e.message());
            let err = Error::new(e.kind(), message);
            err.with_row_field(e.row(), e.field().map(str::to_owned))
        })
    }

    fn quiet_hours(&self, campaign: &Campaign) -> Option<QuietHours> {
        campaign.quiet_hours.unwrap_or(self.settings.quiet_hours)
    }

    fn candidates(
        &self,
        index: usize,
        campaign: &Campaign,
        sub: &Subscriber,
        options: &SimulateOptions,
        out: &mut Vec<Candidate>,
    ) -> Result<()> {
        let quiet = self.quiet_hours(campaign);
        let mut times = Vec::new();
        match &campaign.kind {
            Kind::Triggered(series) => {
                return self.series(index, campaign, series, sub, options, out);
            }
            Kind::Once { when, at, .. } => match when {
                OnceWhen::Date(date) => times.push(send_time(*date, *at, sub.tz, quiet)),
                OnceWhen::Holiday {
                    id,
                    offset_days,
                    year,
                } => {
                    let Some(country) = &sub.country else {
                        return Ok(());
                    };
                    let years = match year {
                        Some(y) => *y..=*y,
                        None => {
                            local_date(options.from, sub.tz).year() - 1
                                ..=local_date(options.to, sub.tz).year() + 1
                        }
                    };
                    for y in years {
                        let date = self.holidays.date(id, country, y).and_then(|d| {
                            d.checked_add_signed(chrono::Duration::days(*offset_days))
                        });
                        if let Some(date) = date {
                            times.push(send_time(date, *at, sub.tz, quiet));
                        }
                    }
                }
            },
            Kind::Weekly {
                weekday,
                at,
                start,
                end,
                ..
            } => {
                let first = local_date(options.from, sub.tz)
                    .pred_opt()
                    .unwrap_or(NaiveDate::MIN);
                let last = local_date(options.to, sub.tz);
                let mut day = first;
                while day <= last {
                    let in_range = start.is_none_or(|s| day >= s) && end.is_none_or(|e| day <= e);
                    if day.weekday() == *weekday && in_range {
                        times.push(send_time(day, *at, sub.tz, quiet));
                    }
                    let Some(next) = day.checked_add_days(Days::new(1)) else {
                        break;
                    };
                    day = next;
                }
            }
        }
        for at in times {
            if at < options.from || at >= options.to {
                continue;
            }
            if let Some(audience) = &campaign.audience {
                if !self.test(audience, &sub.profile, sub, at)? {
                    continue;
                }
            }
            let (variant, reason) = self.gate(campaign.split.as_ref(), sub, at)?;
            out.push(Candidate {
                campaign: index,
                step: None,
                at,
                variant,
                reason,
            });
        }
        Ok(())
    }

    /// Consent and the split: the variant, or why the message is suppressed.
    fn gate(
        &self,
        split: Option<&Split>,
        sub: &Subscriber,
        at: DateTime<Utc>,
    ) -> Result<(Option<String>, Option<Reason>)> {
        let variant = match split {
            None => None,
            Some(split) => {
                let id = sub.id.as_deref().ok_or_else(|| {
                    Error::new(
                        ErrorKind::Data,
                        format!(
                            "a split needs the subscriber's {:?}",
                            self.settings.id_field
                        ),
                    )
                    .with_row_field(None, Some(self.settings.id_field.clone()))
                })?;
                match assign_with_holdout(&split.test, id, &split.variants, split.holdout) {
                    Assignment::Holdout => return Ok((None, Some(Reason::Holdout))),
                    Assignment::Variant(v) => Some(v),
                }
            }
        };
        if let Some(consent) = &self.settings.consent {
            if !self.test(consent, &sub.profile, sub, at)? {
                return Ok((variant, Some(Reason::Consent)));
            }
        }
        Ok((variant, None))
    }

    /// Entry instants of a series, in order (before reentry rules).
    fn entries(
        &self,
        series: &Series,
        sub: &Subscriber,
        options: &SimulateOptions,
    ) -> Result<Vec<DateTime<Utc>>> {
        let mut entries = Vec::new();
        match &series.trigger {
            Trigger::Event { event, filter } => {
                for (at, kind, object) in &sub.events {
                    if kind != event || *at >= options.to {
                        continue;
                    }
                    if let Some(filter) = filter {
                        // The filter reads the event's own properties.
                        if !self.test(filter, object, sub, *at)? {
                            continue;
                        }
                    }
                    entries.push(*at);
                }
            }
            Trigger::Segment(rule) => {
                // Checked at `from`, at each known event and at each local midnight.
                let mut checks = vec![options.from];
                checks.extend(
                    sub.events
                        .iter()
                        .map(|(at, _, _)| *at)
                        .filter(|at| *at > options.from && *at < options.to),
                );
                let mut day = local_date(options.from, sub.tz);
                while let Some(next) = day.checked_add_days(Days::new(1)) {
                    day = next;
                    let midnight = start_of_day(day, sub.tz);
                    if midnight >= options.to {
                        break;
                    }
                    checks.push(midnight);
                }
                checks.sort();
                checks.dedup();
                let mut was = false;
                for at in checks {
                    let is = self.test(rule, &sub.profile, sub, at)?;
                    if is && !was {
                        entries.push(at);
                    }
                    was = is;
                }
            }
        }
        Ok(entries)
    }

    fn series(
        &self,
        index: usize,
        campaign: &Campaign,
        series: &Series,
        sub: &Subscriber,
        options: &SimulateOptions,
        out: &mut Vec<Candidate>,
    ) -> Result<()> {
        let quiet = self.quiet_hours(campaign);
        let mut active_until: Option<DateTime<Utc>> = None;
        let mut started = false;
        for entry in self.entries(series, sub, options)? {
            if active_until.is_some_and(|end| entry <= end) {
                continue;
            }
            if started && !series.reentry {
                break;
            }
            if let Some(audience) = &campaign.audience {
                if !self.test(audience, &sub.profile, sub, entry)? {
                    continue;
                }
            }
            started = true;
            let planned: Vec<DateTime<Utc>> = series
                .steps
                .iter()
                .map(|step| step_time(entry, step, sub.tz, quiet))
                .collect::<Result<_>>()?;
            let mut end = planned.iter().copied().max().unwrap_or(entry);
            // The exit rule sees only the events after entry.
            let since_entry = series
                .exit
                .as_ref()
                .map(|_| events_after(&sub.profile, entry));
            for (k, (step, at)) in series.steps.iter().zip(planned).enumerate() {
                if at >= options.to {
                    break;
                }
                if let (Some(exit), Some(profile)) = (&series.exit, &since_entry) {
                    if self.test(exit, profile, sub, at)? {
                        end = at;
                        if at >= options.from {
                            out.push(Candidate {
                                campaign: index,
                                step: Some(k),
                                at,
                                variant: None,
                                reason: Some(Reason::Exit),
                            });
                        }
                        break;
                    }
                }
                if at < options.from {
                    continue;
                }
                let (variant, mut reason) =
                    self.gate(step.split.as_ref().or(campaign.split.as_ref()), sub, at)?;
                if let Some(condition) = &step.condition {
                    if reason.is_none() && !self.test(condition, &sub.profile, sub, at)? {
                        reason = Some(Reason::Condition);
                    }
                }
                out.push(Candidate {
                    campaign: index,
                    step: Some(k),
                    at,
                    variant,
                    reason,
                });
            }
            active_until = Some(end);
        }
        Ok(())
    }

    /// Frequency cap: day by day (local dates), higher priority first, at
    /// most `messages` sent in any `days` consecutive days.
    fn apply_cap(&self, sub: &Subscriber, candidates: &mut [Candidate]) {
        let Some(cap) = self.settings.frequency_cap else {
            return;
        };
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        let key = |i: &usize| {
            candidates.get(*i).map(|c| {
                (
                    local_date(c.at, sub.tz),
                    -self.priority(c),
                    c.at,
                    c.campaign,
                    c.step,
                )
            })
        };
        order.sort_by_key(key);
        let mut sent: Vec<NaiveDate> = Vec::new();
        for i in order {
            let Some(c) = candidates.get_mut(i) else {
                continue;
            };
            let exempt = self.campaigns.get(c.campaign).is_some_and(|c| c.cap_exempt);
            if c.reason.is_some() || exempt {
                continue;
            }
            let day = local_date(c.at, sub.tz);
            let window_start = day
                .checked_sub_days(Days::new(u64::from(cap.days) - 1))
                .unwrap_or(NaiveDate::MIN);
            let recent = sent
                .iter()
                .filter(|d| **d >= window_start && **d <= day)
                .count();
            if recent >= cap.messages as usize {
                c.reason = Some(Reason::Cap);
            } else {
                sent.push(day);
            }
        }
    }

    fn render(
        &self,
        c: &Candidate,
        sub: &Subscriber,
        options: &SimulateOptions,
    ) -> Result<ScheduledMessage> {
        let campaign = self
            .campaigns
            .get(c.campaign)
            .ok_or_else(|| Error::new(ErrorKind::Argument, "unknown campaign"))?;
        let (content, step_name) = match (&campaign.kind, c.step) {
            (Kind::Once { content, .. } | Kind::Weekly { content, .. }, _) => (content, None),
            (Kind::Triggered(series), Some(k)) => {
                let step: &Step = series
                    .steps
                    .get(k)
                    .ok_or_else(|| Error::new(ErrorKind::Argument, "unknown step"))?;
                (&step.content, Some(step.name.clone()))
            }
            (Kind::Triggered(_), None) => {
                return Err(Error::new(
                    ErrorKind::Argument,
                    "a series message needs a step",
                ))
            }
        };
        let (locale, block) = pick_locale(content, sub.locale.as_deref());
        let local = c.at.with_timezone(&sub.tz);
        let mut context = match &sub.profile {
            Value::Object(map) => map.clone(),
            _ => Map::new(),
        };
        context.insert("campaign".into(), Value::String(campaign.name.clone()));
        context.insert(
            "step".into(),
            step_name.clone().map_or(Value::Null, Value::String),
        );
        context.insert(
            "variant".into(),
            c.variant.clone().map_or(Value::Null, Value::String),
        );
        context.insert(
            "sendDate".into(),
            Value::String(local.date_naive().to_string()),
        );
        let context = Value::Object(context);
        let render_options = crate::RenderOptions {
            eval: crate::EvalOptions {
                as_of: c.at,
                time_zone: sub.tz,
                segments: None,
            },
            locale: sub.locale.clone(),
            currency: None,
        };
        let render =
            |part: fn(&super::definition::Block) -> Option<&crate::Template>| -> Result<String> {
                match block.and_then(part).or_else(|| part(&content.default)) {
                    Some(t) => t.render(&context, &render_options).map_err(|e| {
                        Error::new(
                            e.kind(),
                            format!("campaign {:?}: {}", campaign.name, e.message()),
                        )
                    }),
                    None => Ok(String::new()),
                }
            };
        Ok(ScheduledMessage {
            campaign: campaign.name.clone(),
            step: step_name,
            variant: c.variant.clone(),
            send_at: c.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            local_time: local.to_rfc3339_opts(SecondsFormat::Secs, true),
            time_zone: sub.tz.name().to_owned(),
            subject: render(|b| b.subject.as_ref())?,
            preview: render(|b| b.preview.as_ref())?,
            body: if options.include_body {
                Some(render(|b| b.body.as_ref())?)
            } else {
                None
            },
            locale,
            priority: campaign.priority,
            status: if c.reason.is_some() {
                Status::Suppressed
            } else {
                Status::Sent
            },
            reason: c.reason,
        })
    }
}

/// The locale block for `tag`: exact, then by language (`de-AT` -> `de`).
fn pick_locale<'c>(
    content: &'c Content,
    tag: Option<&str>,
) -> (Option<String>, Option<&'c super::definition::Block>) {
    let Some(tag) = tag else { return (None, None) };
    if let Some(b) = content.locales.get(tag) {
        return (Some(tag.to_owned()), Some(b));
    }
    let language = tag.split(['-', '_']).next().unwrap_or(tag);
    match content.locales.get(language) {
        Some(b) => (Some(language.to_owned()), Some(b)),
        None => (None, None),
    }
}

/// A copy of `profile` whose events are those strictly after `entry`.
fn events_after(profile: &Value, entry: DateTime<Utc>) -> Value {
    let mut copy = profile.clone();
    if let Some(Value::Array(events)) = copy.get_mut("events") {
        events.retain(|e| {
            e.get("at")
                .and_then(Value::as_str)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .is_some_and(|at| at.with_timezone(&Utc) > entry)
        });
    }
    copy
}

/// `date` at local `at` in `tz`, moved out of quiet hours.
pub(crate) fn send_time(
    date: NaiveDate,
    at: NaiveTime,
    tz: Tz,
    quiet: Option<QuietHours>,
) -> DateTime<Utc> {
    out_of_quiet(resolve_local(date.and_time(at), tz), tz, quiet)
}

/// `t` if it is outside quiet hours in `tz`, else the end of the quiet period.
pub(crate) fn out_of_quiet(t: DateTime<Utc>, tz: Tz, quiet: Option<QuietHours>) -> DateTime<Utc> {
    let Some(q) = quiet else { return t };
    let local = t.with_timezone(&tz).naive_local();
    let (date, time) = (local.date(), local.time());
    let end_on = |d: NaiveDate| resolve_local(d.and_time(q.end), tz);
    if q.start < q.end {
        if time >= q.start && time < q.end {
            return end_on(date);
        }
    } else if time >= q.start {
        if let Some(next) = date.checked_add_days(Days::new(1)) {
            return end_on(next);
        }
    } else if time < q.end {
        return end_on(date);
    }
    t
}

/// When a step is due: entry + delay, then the next local `at` if given, then out of quiet hours.
fn step_time(
    entry: DateTime<Utc>,
    step: &Step,
    tz: Tz,
    quiet: Option<QuietHours>,
) -> Result<DateTime<Utc>> {
    let due = after(entry, step.delay, tz).ok_or_else(|| {
        Error::new(
            ErrorKind::Argument,
            format!("step {:?}: delay out of range", step.name),
        )
    })?;
    let due = match step.at {
        None => due,
        Some(at) => {
            let day = local_date(due, tz);
            let same = resolve_local(day.and_time(at), tz);
            if same >= due {
                same
            } else {
                let next = day.checked_add_days(Days::new(1)).unwrap_or(day);
                resolve_local(next.and_time(at), tz)
            }
        }
    };
    Ok(out_of_quiet(due, tz, quiet))
}
