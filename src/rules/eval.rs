//! The one-profile evaluator: three-valued (Kleene) evaluation of a segment
//! AST against one JSON profile, exactly per `docs/semantics.md`.
//!
//! `None` is *unknown*. Attribute conditions are decided by the helpers in
//! [`super::value`]; event conditions run over a per-evaluation index of the
//! profile's events (each `at` parsed once, events after `asOf` dropped,
//! sorted by time). The event helpers return the measured quantity (a count,
//! an aggregate, the last time, sequence hits) so that explanations reuse them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};
use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};

use super::ast::{AggFunc, Duration, EventRef, Expr, LastTest, Path, Times, Window};
use super::time;
use super::value::{self, Clock};
use super::{EvalOptions, Segment, SegmentSet};
use crate::error::{Error, ErrorKind, Result, Span};

/// How deep `in segment` references may nest in one evaluation.
const MAX_SEGMENT_DEPTH: u32 = 64;

impl Segment {
    /// Evaluates the rule on one profile: `Some(true)`, `Some(false)`, or
    /// `None` (unknown, e.g. a condition on a missing attribute).
    ///
    /// The profile must be a JSON object; malformed events are a
    /// [`ErrorKind::Data`] error naming the field (`events[3].at`).
    pub fn evaluate(&self, profile: &Value, opts: &EvalOptions) -> Result<Option<bool>> {
        let ctx = Ctx::new(self.expr(), profile, opts)?;
        ctx.eval(&Scope::top(ctx.profile), self.expr())
    }

    /// Membership: true only if the rule is true for the profile.
    pub fn test(&self, profile: &Value, opts: &EvalOptions) -> Result<bool> {
        Ok(self.evaluate(profile, opts)? == Some(true))
    }

    /// The top-level profile keys the rule reads (the first segment of every
    /// attribute path, plus `events` if it has event conditions), in order
    /// of first use. Referenced segments are not followed; see
    /// [`Segment::fields_with`].
    pub fn fields(&self) -> Vec<String> {
        self.fields_with(None)
    }

    /// Like [`Segment::fields`], also including the fields read by the
    /// segments this one refers to (`in segment "name"`) through `segments`.
    pub fn fields_with(&self, segments: Option<&SegmentSet>) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = Vec::new();
        collect_fields(self.expr(), segments, &mut out, &mut seen);
        out
    }
}

impl Segment {
    /// What the rule reads from events: for each event type it names (here
    /// and in the segments it refers to through `segments`), the property
    /// keys its filters, aggregates and `same FIELD` tests look up (first
    /// path segments, plus dotted paths whole, since `a.b` also finds a flat
    /// `"a.b"` key). `type` and `at` are always read and not listed.
    /// Boundaries use this to copy only what matters out of large event lists.
    ///
    /// ```
    /// let s = kaleido::Segment::parse(
    ///     "sum(purchase.amount where category = \"shoes\") > 100 and did app_open",
    /// ).unwrap();
    /// assert_eq!(s.event_properties_with(None), vec![
    ///     ("purchase".to_string(), vec!["category".to_string(), "amount".to_string()]),
    ///     ("app_open".to_string(), vec![]),
    /// ]);
    /// ```
    pub fn event_properties_with(
        &self,
        segments: Option<&SegmentSet>,
    ) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        let mut seen = Vec::new();
        collect_event_properties(self.expr(), segments, &mut out, &mut seen);
        out
    }
}

fn collect_event_properties<'a>(
    expr: &'a Expr,
    segments: Option<&'a SegmentSet>,
    out: &mut Vec<(String, Vec<String>)>,
    seen: &mut Vec<&'a str>,
) {
    fn entry<'o>(out: &'o mut Vec<(String, Vec<String>)>, ty: &str) -> Option<&'o mut Vec<String>> {
        if !out.iter().any(|(t, _)| t == ty) {
            out.push((ty.to_owned(), Vec::new()));
        }
        out.iter_mut().find(|(t, _)| t == ty).map(|(_, keys)| keys)
    }
    fn add_path(keys: &mut Vec<String>, path: &[String]) {
        let mut add = |k: String| {
            if !keys.contains(&k) {
                keys.push(k);
            }
        };
        if let Some(first) = path.first() {
            add(first.clone());
        }
        if path.len() > 1 {
            add(path.join("."));
        }
    }
    fn add_filter(keys: &mut Vec<String>, filter: Option<&Expr>, same: &mut Vec<Vec<String>>) {
        if let Some(filter) = filter {
            filter.walk(&mut |e| {
                if let Some(path) = e.attribute_path() {
                    add_path(keys, path);
                }
                if let Expr::Same { path, .. } = e {
                    add_path(keys, path);
                    same.push(path.clone());
                }
            });
        }
    }
    let mut refs = Vec::new();
    walk_profile_level(expr, &mut |e| match e {
        Expr::Did { event, .. } | Expr::Last { event, .. } => {
            if let Some(keys) = entry(out, &event.name) {
                add_filter(keys, event.filter.as_deref(), &mut Vec::new());
            }
        }
        Expr::Aggregate { event, field, .. } => {
            if let Some(keys) = entry(out, &event.name) {
                add_filter(keys, event.filter.as_deref(), &mut Vec::new());
                if let Some(field) = field {
                    add_path(keys, field);
                }
            }
        }
        Expr::Sequence { first, then, .. } => {
            let mut same = Vec::new();
            if let Some(keys) = entry(out, &then.name) {
                add_filter(keys, then.filter.as_deref(), &mut same);
            }
            if let Some(keys) = entry(out, &first.name) {
                add_filter(keys, first.filter.as_deref(), &mut Vec::new());
                for path in &same {
                    add_path(keys, path);
                }
            }
        }
        Expr::InSegment { name, .. } => refs.push(name.as_str()),
        _ => {}
    });
    for name in refs {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        if let Some(seg) = segments.and_then(|s| s.get(name)) {
            collect_event_properties(seg.expr(), segments, out, seen);
        }
    }
}

fn collect_fields<'a>(
    expr: &'a Expr,
    segments: Option<&'a SegmentSet>,
    out: &mut Vec<String>,
    seen: &mut Vec<&'a str>,
) {
    let mut push = |key: &str| {
        if !out.iter().any(|k| k == key) {
            out.push(key.to_string());
        }
    };
    let mut refs = Vec::new();
    // Only the profile-level nodes: filters read event properties, not profile keys.
    walk_profile_level(expr, &mut |e| match e {
        Expr::Did { .. } | Expr::Aggregate { .. } | Expr::Last { .. } | Expr::Sequence { .. } => {
            push("events")
        }
        Expr::InSegment { name, .. } => refs.push(name.as_str()),
        Expr::Culture { test, .. } => {
            push("country");
            if matches!(test, crate::rules::ast::CultureTest::LocalTime { .. }) {
                for f in crate::locale::TIME_ZONE_FIELDS {
                    push(f);
                }
            }
        }
        other => {
            if let Some(first) = other.attribute_path().and_then(|p| p.first()) {
                push(first)
            }
        }
    });
    for name in refs {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        if let Some(seg) = segments.and_then(|s| s.get(name)) {
            collect_fields(seg.expr(), segments, out, seen);
        }
    }
}

/// Calls `f` on `expr` and its profile-level descendants (not into `where` filters).
fn walk_profile_level<'a>(expr: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(expr);
    match expr {
        Expr::And { args, .. } | Expr::Or { args, .. } => {
            for a in args {
                walk_profile_level(a, f);
            }
        }
        Expr::Not { arg, .. } => walk_profile_level(arg, f),
        _ => {}
    }
}

/// The event types evaluating `expr` (and the segments it refers to) reads,
/// each once; empty when it reads no events.
fn event_types_read<'a>(
    expr: &'a Expr,
    segments: Option<&'a SegmentSet>,
    depth: u32,
    out: &mut Vec<&'a str>,
) {
    let add = |name: &'a str, out: &mut Vec<&'a str>| {
        if !out.contains(&name) {
            out.push(name);
        }
    };
    walk_profile_level(expr, &mut |e| match e {
        Expr::Did { event, .. } | Expr::Aggregate { event, .. } | Expr::Last { event, .. } => {
            add(&event.name, out)
        }
        Expr::Sequence { first, then, .. } => {
            add(&first.name, out);
            add(&then.name, out);
        }
        Expr::InSegment { name, .. } if depth < MAX_SEGMENT_DEPTH => {
            if let Some(seg) = segments.and_then(|s| s.get(name)) {
                event_types_read(seg.expr(), segments, depth + 1, out);
            }
        }
        _ => {}
    });
}

/// One event of the profile, indexed once per evaluation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventRec<'p> {
    /// Position in the profile's `events` array (for error fields).
    pub index: usize,
    /// The event `type`.
    pub ty: &'p str,
    /// The parsed `at`.
    pub at: DateTime<Utc>,
    /// The whole event object (properties for `where` and aggregates).
    pub obj: &'p Map<String, Value>,
}

fn data_error(field: String, message: String) -> Error {
    Error::new(ErrorKind::Data, message).with_row_field(None, Some(field))
}

/// Validates and indexes `profile["events"]`: every event must be an object
/// with a string `type`; events of the `types` the rule reads must also have
/// an `at` that is RFC 3339 or a `YYYY-MM-DD` date (the start of that day in
/// the time zone). Events of other types are not read further, and events
/// after `asOf` are left out; the rest are sorted by time (stable).
pub(crate) fn index_events<'p>(
    profile: &'p Map<String, Value>,
    clock: &Clock,
    types: &[&str],
) -> Result<Vec<EventRec<'p>>> {
    let list = match value::get(profile, "events") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(data_error(
                "events".into(),
                "\"events\" must be a list of {type, at, …} objects".into(),
            ))
        }
    };
    let mut out = Vec::with_capacity(list.len());
    for (index, ev) in list.iter().enumerate() {
        let Some(obj) = ev.as_object() else {
            return Err(data_error(
                format!("events[{index}]"),
                format!("event {index} is not an object"),
            ));
        };
        let Some(ty) = value::get(obj, "type").and_then(Value::as_str) else {
            return Err(data_error(
                format!("events[{index}].type"),
                format!("event {index} has no string \"type\""),
            ));
        };
        if !types.contains(&ty) {
            continue;
        }
        let at = match value::get(obj, "at") {
            Some(Value::String(s)) => value::parse_event_time(s, clock.tz).ok_or_else(|| {
                data_error(
                    format!("events[{index}].at"),
                    format!(
                        "event {index} has \"at\" {s:?}, not an RFC 3339 date-time or a YYYY-MM-DD date"
                    ),
                )
            })?,
            _ => {
                return Err(data_error(
                    format!("events[{index}].at"),
                    format!("event {index} has no \"at\" time (an RFC 3339 string)"),
                ))
            }
        };
        if at <= clock.as_of {
            out.push(EventRec { index, ty, at, obj });
        }
    }
    out.sort_by_key(|e| e.at);
    Ok(out)
}

/// Where attribute paths are read: the profile, or one event inside a
/// `where` (with the sequence's first event for `same FIELD`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope<'p> {
    /// The object paths are relative to.
    pub obj: &'p Map<String, Value>,
    /// Inside a `where`: event conditions and segment references are not allowed.
    pub in_event: bool,
    /// Inside a sequence's second `where`: the first event, for `same FIELD`.
    pub first: Option<&'p Map<String, Value>>,
}

impl<'p> Scope<'p> {
    /// The profile level.
    pub fn top(profile: &'p Map<String, Value>) -> Scope<'p> {
        Scope {
            obj: profile,
            in_event: false,
            first: None,
        }
    }

    fn event(obj: &'p Map<String, Value>, first: Option<&'p Map<String, Value>>) -> Scope<'p> {
        Scope {
            obj,
            in_event: true,
            first,
        }
    }
}

/// The state of one evaluation: options, clock, the profile and its events.
pub(crate) struct Ctx<'p, 'o> {
    /// The evaluation options (segments for `in segment`).
    pub opts: EvalOptions<'o>,
    /// `asOf`, zone and today.
    pub clock: Clock,
    /// The profile object.
    pub profile: &'p Map<String, Value>,
    /// The profile's events at or before `asOf`, by time (empty when the rule reads none).
    pub events: Vec<EventRec<'p>>,
    depth: std::cell::Cell<u32>,
}

/// What a sequence found: how many first events matched, and how many of
/// them satisfy the sequence (have a following event; for `then did not`,
/// lack one with the period fully passed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SeqOutcome {
    /// Matching first events (in the window).
    pub firsts: u64,
    /// Those satisfying the sequence.
    pub hits: u64,
}

impl<'p, 'o> Ctx<'p, 'o> {
    /// Prepares an evaluation of `expr` on `profile` (which must be an object).
    pub fn new(expr: &Expr, profile: &'p Value, opts: &EvalOptions<'o>) -> Result<Ctx<'p, 'o>> {
        let Some(profile) = profile.as_object() else {
            return Err(Error::new(
                ErrorKind::Data,
                format!(
                    "a profile must be an object, not {}",
                    json_type_name(profile)
                ),
            ));
        };
        let clock = Clock::new(opts.as_of, opts.time_zone);
        let mut types = Vec::new();
        event_types_read(expr, opts.segments, 0, &mut types);
        let events = if !types.is_empty() {
            index_events(profile, &clock, &types)?
        } else {
            Vec::new()
        };
        Ok(Ctx {
            opts: *opts,
            clock,
            profile,
            events,
            depth: std::cell::Cell::new(0),
        })
    }

    /// Evaluates `expr` in `scope`, three-valued.
    pub fn eval(&self, scope: &Scope<'p>, expr: &Expr) -> Result<Option<bool>> {
        match expr {
            Expr::And { args, .. } => {
                let mut acc = Some(true);
                for a in args {
                    acc = value::and3(acc, self.eval(scope, a)?);
                    if acc == Some(false) {
                        break;
                    }
                }
                Ok(acc)
            }
            Expr::Or { args, .. } => {
                let mut acc = Some(false);
                for a in args {
                    acc = value::or3(acc, self.eval(scope, a)?);
                    if acc == Some(true) {
                        break;
                    }
                }
                Ok(acc)
            }
            Expr::Not { arg, .. } => Ok(self.eval(scope, arg)?.map(|b| !b)),
            Expr::Same { path, span } => {
                let Some(first) = scope.first else {
                    return Err(Error::new(
                        ErrorKind::Type,
                        "`same FIELD` is only allowed in the second `where` of a sequence",
                    )
                    .with_position(*span));
                };
                Ok(same_value(scope.obj, first, path))
            }
            Expr::Did {
                event,
                negated,
                times,
                window,
                span,
            } => {
                self.check_profile_level(scope, *span)?;
                let n = self.count(event, window.as_ref(), *span)?;
                Ok(Some(times_hold(*times, n) != *negated))
            }
            Expr::Aggregate {
                func,
                event,
                field,
                window,
                cmp,
                value: x,
                span,
            } => {
                self.check_profile_level(scope, *span)?;
                let v = self.aggregate(*func, event, field.as_ref(), window.as_ref(), *span)?;
                Ok(v.map(|v| value::cmp_f64(*cmp, v, *x)))
            }
            Expr::Last { event, test, span } => {
                self.check_profile_level(scope, *span)?;
                let last = self.last_at(event)?;
                Ok(last.map(|t| last_holds(*test, t, &self.clock)))
            }
            Expr::Sequence {
                first,
                then,
                negated,
                within,
                window,
                span,
            } => {
                self.check_profile_level(scope, *span)?;
                let out =
                    self.sequence(first, then, *negated, *within, window.as_ref(), *span, true)?;
                Ok(Some(out.hits > 0))
            }
            Expr::InSegment {
                name,
                negated,
                span,
            } => {
                self.check_profile_level(scope, *span)?;
                let (_, r) = self.segment_ref(name, *span)?;
                Ok(Some(self.in_segment(r)? != *negated))
            }
            Expr::Culture { test, span } => {
                self.check_profile_level(scope, *span)?;
                crate::locale::eval_culture(self.profile, test, self.clock.as_of, self.clock.today)
                    .map_err(|e| e.with_position(*span))
            }
            attr => eval_attribute(scope.obj, attr, &self.clock),
        }
    }

    fn check_profile_level(&self, scope: &Scope<'p>, span: Span) -> Result<()> {
        if scope.in_event {
            return Err(Error::new(
                ErrorKind::Type,
                "event conditions and segment references cannot appear inside `where`",
            )
            .with_position(span));
        }
        Ok(())
    }

    /// Resolves `in segment "name"` through the options' segment set.
    pub fn segment_ref(&self, name: &str, span: Span) -> Result<(&'o SegmentSet, &'o Segment)> {
        let (set, seg) = crate::rules::set::resolve_reference(self.opts.segments, name, span)?;
        if self.depth.get() >= MAX_SEGMENT_DEPTH {
            return Err(Error::new(
                ErrorKind::Limit,
                format!("segment references nest more than {MAX_SEGMENT_DEPTH} deep at {name:?}"),
            )
            .with_position(span));
        }
        Ok((set, seg))
    }

    /// Runs `f` one segment-reference level deeper.
    pub fn nested<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.depth.set(self.depth.get() + 1);
        let r = f();
        self.depth.set(self.depth.get().saturating_sub(1));
        r
    }

    fn in_segment(&self, seg: &Segment) -> Result<bool> {
        self.nested(|| Ok(self.eval(&Scope::top(self.profile), seg.expr())? == Some(true)))
    }

    fn filter_true(
        &self,
        filter: Option<&Expr>,
        obj: &'p Map<String, Value>,
        first: Option<&'p Map<String, Value>>,
    ) -> Result<bool> {
        match filter {
            None => Ok(true),
            Some(f) => Ok(self.eval(&Scope::event(obj, first), f)? == Some(true)),
        }
    }

    /// The events of type `event.name` in `window` whose filter is true.
    pub fn matching<'s>(
        &'s self,
        event: &'s EventRef,
        window: Option<&Window>,
        span: Span,
    ) -> Result<impl Iterator<Item = Result<&'s EventRec<'p>>> + 's> {
        let interval =
            value::window_interval(window, &self.clock).map_err(|e| e.with_position(span))?;
        let filter = event.filter.as_deref();
        Ok(self.events.iter().filter_map(move |e| {
            if e.ty != event.name || !interval.contains(e.at) {
                return None;
            }
            match self.filter_true(filter, e.obj, None) {
                Ok(true) => Some(Ok(e)),
                Ok(false) => None,
                Err(err) => Some(Err(err)),
            }
        }))
    }

    /// How many events match (`did`, `count`).
    pub fn count(&self, event: &EventRef, window: Option<&Window>, span: Span) -> Result<u64> {
        let mut n = 0;
        for e in self.matching(event, window, span)? {
            e?;
            n += 1;
        }
        Ok(n)
    }

    /// The aggregate over matching events: `count` and `sum` are 0 over none;
    /// `avg`, `min`, `max` are `None` (unknown). Events whose field is missing
    /// or null are skipped; a non-numeric field is a `data` error.
    pub fn aggregate(
        &self,
        func: AggFunc,
        event: &EventRef,
        field: Option<&Path>,
        window: Option<&Window>,
        span: Span,
    ) -> Result<Option<f64>> {
        let (mut n, mut sum, mut min, mut max) = (0u64, 0.0f64, f64::INFINITY, f64::NEG_INFINITY);
        for e in self.matching(event, window, span)? {
            let e = e?;
            let x = match (func, field) {
                (AggFunc::Count, _) => 0.0,
                (_, None) => {
                    return Err(Error::new(
                        ErrorKind::Type,
                        format!("{}() needs an event field (EVENT.FIELD)", func.name()),
                    )
                    .with_position(span))
                }
                (_, Some(path)) => match value::lookup(e.obj, path) {
                    None => continue,
                    Some(v) => v.as_f64().ok_or_else(|| {
                        data_error(
                            format!("events[{}].{}", e.index, path.join(".")),
                            format!(
                                "{}() needs a number, but event {} has {} = {}",
                                func.name(),
                                e.index,
                                path.join("."),
                                v
                            ),
                        )
                    })?,
                },
            };
            n += 1;
            sum += x;
            min = min.min(x);
            max = max.max(x);
        }
        Ok(match func {
            AggFunc::Count => Some(n as f64),
            AggFunc::Sum => Some(sum),
            _ if n == 0 => None,
            AggFunc::Avg => Some(sum / n as f64),
            AggFunc::Min => Some(min),
            AggFunc::Max => Some(max),
        })
    }

    /// The time of the latest matching event at or before `asOf`, if any.
    pub fn last_at(&self, event: &EventRef) -> Result<Option<DateTime<Utc>>> {
        let filter = event.filter.as_deref();
        for e in self.events.iter().rev() {
            if e.ty == event.name && self.filter_true(filter, e.obj, None)? {
                return Ok(Some(e.at));
            }
        }
        Ok(None)
    }

    /// Evaluates a sequence. A first event `A` (in the window, filter true)
    /// is a hit when some `B` (type and filter true, `same FIELD` against `A`)
    /// has `A.at < B.at <= A.at + within` (and `<= asOf`); for `then did not`
    /// when there is no such `B` and `A.at + within <= asOf` (without
    /// `within`, the period runs to `asOf`). With `stop_early`, stops at the
    /// first hit.
    #[allow(clippy::too_many_arguments)]
    pub fn sequence(
        &self,
        first: &EventRef,
        then: &EventRef,
        negated: bool,
        within: Option<Duration>,
        window: Option<&Window>,
        span: Span,
        stop_early: bool,
    ) -> Result<SeqOutcome> {
        let mut out = SeqOutcome::default();
        let firsts: Vec<&EventRec<'p>> =
            self.matching(first, window, span)?.collect::<Result<_>>()?;
        let then_filter = then.filter.as_deref();
        for a in firsts {
            out.firsts += 1;
            // `None` deadline: the period runs to asOf (or past the calendar's range).
            let deadline = within.and_then(|d| time::after(a.at, d, self.clock.tz));
            let limit = deadline.map_or(self.clock.as_of, |d| d.min(self.clock.as_of));
            let mut found = false;
            for b in self.events.iter().filter(|b| b.at > a.at) {
                if b.at > limit {
                    break;
                }
                if b.ty == then.name && self.filter_true(then_filter, b.obj, Some(a.obj))? {
                    found = true;
                    break;
                }
            }
            let hit = if negated {
                let passed = match within {
                    None => true,
                    Some(_) => deadline.is_some_and(|d| d <= self.clock.as_of),
                };
                !found && passed
            } else {
                found
            };
            if hit {
                out.hits += 1;
                if stop_early {
                    break;
                }
            }
        }
        Ok(out)
    }
}

/// `same FIELD`: the field of this event equals the first event's (exact;
/// unknown when either is missing or they have different types).
pub(crate) fn same_value(
    obj: &Map<String, Value>,
    first: &Map<String, Value>,
    path: &[String],
) -> Option<bool> {
    let a = value::lookup(obj, path)?;
    let b = value::lookup(first, path)?;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => Some(x.as_f64()? == y.as_f64()?),
        _ if std::mem::discriminant(a) == std::mem::discriminant(b) => Some(a == b),
        _ => None,
    }
}

/// Whether `n` matching events satisfy a `did` quantifier (none: at least once).
pub(crate) fn times_hold(times: Option<Times>, n: u64) -> bool {
    match times {
        None => n >= 1,
        Some(Times::AtLeast(k)) => n >= u64::from(k),
        Some(Times::AtMost(k)) => n <= u64::from(k),
        Some(Times::Exactly(k)) => n == u64::from(k),
        Some(Times::Once) => n == 1,
    }
}

/// `last EVENT within last N` / `more than N ago` on the latest event's time.
pub(crate) fn last_holds(test: LastTest, t: DateTime<Utc>, clock: &Clock) -> bool {
    match test {
        LastTest::WithinLast(d) => time::before(clock.as_of, d, clock.tz).is_none_or(|lo| t > lo),
        LastTest::MoreThanAgo(d) => time::before(clock.as_of, d, clock.tz).is_some_and(|b| t < b),
    }
}

/// The JSON type of a value, in words.
pub(crate) fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Evaluates an attribute condition on `obj` (the profile, or an event in a
/// `where`). Event conditions, logic nodes, `same` and `in segment` are a
/// `type` error here (the caller handles them).
pub(crate) fn eval_attribute(
    obj: &Map<String, Value>,
    expr: &Expr,
    clock: &Clock,
) -> Result<Option<bool>> {
    let tz = clock.tz;
    let wrong_literal = |span: Span, what: &str| {
        Err(Error::new(
            ErrorKind::Type,
            format!("{what} needs a date or a date-time"),
        )
        .with_position(span))
    };
    Ok(match expr {
        Expr::Compare {
            path,
            cmp,
            value: lit,
            ..
        } => value::lookup(obj, path).and_then(|v| value::compare_literal(v, *cmp, lit, tz)),
        Expr::Between {
            path, low, high, ..
        } => value::lookup(obj, path).and_then(|v| {
            value::and3(
                value::compare_literal(v, super::ast::CmpOp::Ge, low, tz),
                value::compare_literal(v, super::ast::CmpOp::Le, high, tz),
            )
        }),
        Expr::In {
            path,
            values,
            negated,
            ..
        } => value::lookup(obj, path)
            .and_then(|v| value::in_list(v, values, tz))
            .map(|b| b != *negated),
        Expr::Contains {
            path, value: lit, ..
        } => match value::lookup(obj, path) {
            Some(Value::String(s)) => match lit {
                super::ast::Literal::String(x) => Some(value::contains_ci(s, x)),
                _ => None,
            },
            Some(Value::Array(list)) => Some(value::list_has(list, lit, tz)),
            _ => None,
        },
        Expr::ContainsList {
            path, all, values, ..
        } => match value::lookup(obj, path) {
            Some(Value::Array(list)) => Some(if *all {
                values.iter().all(|l| value::list_has(list, l, tz))
            } else {
                values.iter().any(|l| value::list_has(list, l, tz))
            }),
            Some(Value::String(s)) => {
                let hay = value::fold(s);
                let one = |l: &super::ast::Literal| match l {
                    super::ast::Literal::String(x) => Some(hay.contains(value::fold(x).as_ref())),
                    _ => None,
                };
                if *all {
                    value::all3(values.iter().map(one))
                } else {
                    value::any3(values.iter().map(one))
                }
            }
            _ => None,
        },
        Expr::StartsWith { path, value: x, .. } => value::lookup(obj, path)
            .and_then(Value::as_str)
            .map(|s| value::starts_with_ci(s, x)),
        Expr::EndsWith { path, value: x, .. } => value::lookup(obj, path)
            .and_then(Value::as_str)
            .map(|s| value::ends_with_ci(s, x)),
        Expr::Matches {
            path,
            pattern,
            flags,
            span,
        } => match value::lookup(obj, path).and_then(Value::as_str) {
            Some(s) => Some(
                with_regex(pattern, flags, |re| re.is_match(s))
                    .map_err(|e| e.with_position(*span))?,
            ),
            None => None,
        },
        Expr::IsSet { path, negated, .. } => Some(value::lookup(obj, path).is_some() != *negated),
        Expr::IsTrue { path, .. } => value::lookup(obj, path).and_then(Value::as_bool),
        Expr::DateWithin {
            path,
            direction,
            period,
            ..
        } => value::lookup(obj, path)
            .and_then(value::temporal_value)
            .map(|t| value::date_within(t, *direction, *period, clock)),
        Expr::DateAgo { path, period, .. } => value::lookup(obj, path)
            .and_then(value::temporal_value)
            .map(|t| value::date_ago(t, *period, clock)),
        Expr::DateBefore {
            path,
            value: lit,
            span,
        }
        | Expr::DateAfter {
            path,
            value: lit,
            span,
        } => {
            if !matches!(
                lit,
                super::ast::Literal::Date(_) | super::ast::Literal::DateTime(_)
            ) {
                return wrong_literal(*span, "`before`/`after`");
            }
            let op = if matches!(expr, Expr::DateBefore { .. }) {
                super::ast::CmpOp::Lt
            } else {
                super::ast::CmpOp::Gt
            };
            value::lookup(obj, path).and_then(|v| value::compare_literal(v, op, lit, tz))
        }
        Expr::Anniversary {
            path,
            direction,
            period,
            ..
        } => value::lookup(obj, path)
            .and_then(value::temporal_value)
            .map(|t| value::anniversary(t, *direction, *period, clock)),
        other => {
            return Err(Error::new(
                ErrorKind::Type,
                "this condition cannot be evaluated on its own here",
            )
            .with_position(other.span()))
        }
    })
}

type RegexCache = HashMap<String, HashMap<String, Rc<Regex>>>;

thread_local! {
    /// Compiled regexes by flags, then pattern: evaluating a segment many
    /// times compiles each pattern once. Bounded: cleared past 512 patterns.
    static REGEXES: RefCell<RegexCache> = RefCell::new(HashMap::new());
}

const REGEX_CACHE_LIMIT: usize = 512;

/// Compiles `/pattern/flags` (flags `i`, `m`, `s`; `u` is always on), with
/// a 1 MiB size limit. A bad pattern or flag is a `parse` error.
pub(crate) fn compile_regex(pattern: &str, flags: &str) -> Result<Regex> {
    let mut b = RegexBuilder::new(pattern);
    for c in flags.chars() {
        match c {
            'i' => b.case_insensitive(true),
            'm' => b.multi_line(true),
            's' => b.dot_matches_new_line(true),
            'u' => b.unicode(true),
            other => {
                return Err(Error::new(
                    ErrorKind::Parse,
                    format!("unknown regex flag {other:?} (expected i, m or s)"),
                ))
            }
        };
    }
    b.size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .map_err(|e| Error::new(ErrorKind::Parse, format!("invalid regex /{pattern}/: {e}")))
}

/// Runs `f` with the compiled regex, from the cache when possible.
pub(crate) fn with_regex<T>(pattern: &str, flags: &str, f: impl FnOnce(&Regex) -> T) -> Result<T> {
    let cached = REGEXES.with(|c| c.borrow().get(flags).and_then(|m| m.get(pattern)).cloned());
    let re = match cached {
        Some(re) => re,
        None => {
            let re = Rc::new(compile_regex(pattern, flags)?);
            REGEXES.with(|c| {
                let mut c = c.borrow_mut();
                if c.values().map(HashMap::len).sum::<usize>() >= REGEX_CACHE_LIMIT {
                    c.clear();
                }
                c.entry(flags.to_string())
                    .or_default()
                    .insert(pattern.to_string(), Rc::clone(&re));
            });
            re
        }
    };
    Ok(f(&re))
}

/// Checks that every `matches /re/flags` in `expr` (including inside
/// `where` filters) compiles; the error is `parse` kind at the node's span.
pub fn validate_regexes(expr: &Expr) -> Result<()> {
    let mut result = Ok(());
    expr.walk(&mut |e| {
        if let Expr::Matches {
            pattern,
            flags,
            span,
            ..
        } = e
        {
            if result.is_ok() {
                result = with_regex(pattern, flags, |_| ()).map_err(|err| err.with_position(*span));
            }
        }
    });
    result
}
