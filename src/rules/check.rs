//! Static checks of a segment rule, without data.
//!
//! With a [`Schema`]: unknown fields, events and event properties (with a
//! did-you-mean suggestion) and type mismatches are **errors**. Without one
//! too: contradictions and tautologies on one field, and quantifiers or
//! windows that make a condition trivial, are **warnings**.
//!
//! The warnings are sound: each is emitted only when it certainly holds under
//! the three-valued semantics of `docs/semantics.md`. Contradictions are found
//! by intersecting, per field, the sets of values that make each conjunct of
//! one `and` true (intervals per value kind; a number condition and a string
//! condition can never both be true, since values are never coerced);
//! tautologies by checking that the conditions of one `or` cover every value
//! of a kind. Since a missing field makes every condition but `is set`
//! unknown, a tautology is only "always true when set".

use std::cmp::Ordering;
use std::ops::Bound;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::ast::{AggFunc, CmpOp, Duration, EventRef, Expr, Literal, Times, Window};
use super::schema::{EventSchema, Schema, ValueType};
use super::{print, suggest, Segment};
use crate::error::{Error, ErrorKind, Result, Span};

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The rule is wrong for the schema (`Segment.parse` with a schema throws).
    Error,
    /// The rule is valid but probably not what was meant.
    Warning,
}

/// One finding of [`Segment::check`].
///
/// Serializes to the JavaScript `Diagnostic`:
/// `{severity, message, line?, column?, code}`.
///
/// Codes: errors `unknown-field`, `unknown-event`, `unknown-event-field`,
/// `type-mismatch`, `missing-field`, `misplaced-same`; warnings
/// `always-false`, `always-true`, `always-true-when-set`, `use-did-not`,
/// `negated-quantifier`, `empty-window`, `unbounded-then-not`, `unknown-holiday`, `sensitive-without-consent`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in a sentence.
    pub message: String,
    /// 1-based line of the offending node, when the rule was parsed from text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column of the offending node, when the rule was parsed from text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// A stable identifier of the kind of finding (`unknown-field`, `always-false`, …).
    pub code: &'static str,
    /// The offending node's span (byte range), for underlining; see [`Diagnostic::end`].
    #[serde(skip)]
    pub span: Option<Span>,
}

impl Diagnostic {
    fn new(severity: Severity, code: &'static str, message: String, span: Span) -> Diagnostic {
        let span = (span.line > 0).then_some(span);
        Diagnostic {
            severity,
            message,
            line: span.map(|s| s.line),
            column: span.map(|s| s.column),
            code,
            span,
        }
    }

    /// The 1-based line and column just past the offending node in `source`
    /// (the text the rule was parsed from), for underlining.
    pub fn end(&self, source: &str) -> Option<(u32, u32)> {
        let span = self.span?;
        let end = Span::locate(source, span.end, span.end);
        Some((end.line, end.column))
    }

    /// This diagnostic as an [`ErrorKind::Type`] error with its position, and
    /// the snippet when `source` (the rule's text) is given.
    pub fn to_error(&self, source: Option<&str>) -> Error {
        let err = Error::new(ErrorKind::Type, self.message.clone());
        match (self.span, source) {
            (Some(span), Some(source)) => err.with_span(source, span),
            (Some(span), None) => err.with_position(span),
            (None, _) => err,
        }
    }
}

impl Segment {
    /// Static analysis, no data needed: errors against `schema` (unknown
    /// fields, type mismatches) and warnings (contradictions, tautologies,
    /// trivial quantifiers), ordered by position.
    ///
    /// ```
    /// use kaleido::{Schema, Segment};
    /// let schema = Schema::from_json(&serde_json::json!({ "age": "number" })).unwrap();
    /// let rule = Segment::parse("agee > 40").unwrap();
    /// let found = rule.check(Some(&schema));
    /// assert_eq!(found[0].code, "unknown-field");
    /// assert_eq!(found[0].message, "unknown field \"agee\"; did you mean \"age\"?");
    /// ```
    pub fn check(&self, schema: Option<&Schema>) -> Vec<Diagnostic> {
        let mut checker = Checker {
            schema,
            out: Vec::new(),
        };
        checker.walk(self.expr(), Ctx::Profile, Parent::Other);
        if let Some(schema) = schema {
            for (e, name) in crate::locale::unguarded_sensitive(self.expr(), schema) {
                checker.warning(
                    "sensitive-without-consent",
                    format!("{name:?} is sensitive: add a consent condition (and consent.… = true) to the rule"),
                    e.span(),
                );
            }
        }
        let mut out = checker.out;
        out.sort_by_key(|d| d.span.map(|s| s.start).unwrap_or(0));
        out
    }

    /// The first error-level finding of [`Segment::check`] as an
    /// [`ErrorKind::Type`] error with its position (what `Segment.parse(text,
    /// {schema})` throws). Use [`Segment::check_types_in`] for a snippet.
    pub fn check_types(&self, schema: &Schema) -> Result<()> {
        self.first_error(schema, None)
    }

    /// Like [`Segment::check_types`], attaching the snippet of `source`, the
    /// text this rule was parsed from.
    pub fn check_types_in(&self, schema: &Schema, source: &str) -> Result<()> {
        self.first_error(schema, Some(source))
    }

    fn first_error(&self, schema: &Schema, source: Option<&str>) -> Result<()> {
        match self
            .check(Some(schema))
            .into_iter()
            .find(|d| d.severity == Severity::Error)
        {
            Some(d) => Err(d.to_error(source)),
            None => Ok(()),
        }
    }
}

// ---------------------------------------------------------------------------
// Text helpers

fn path_text(path: &[String]) -> String {
    path.join(".")
}

fn literal_text(l: &Literal) -> String {
    match l {
        Literal::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Literal::Number(n) => format!("{n}"),
        Literal::String(s) => format!("{s:?}"),
        Literal::Bool(b) => b.to_string(),
        Literal::Date(d) => d.to_string(),
        Literal::DateTime(t) => t.to_rfc3339(),
    }
}

/// "a number", "a string", … for a literal.
fn literal_kind(l: &Literal) -> &'static str {
    match l {
        Literal::Number(_) => "a number",
        Literal::String(_) => "a string",
        Literal::Bool(_) => "a boolean",
        Literal::Date(_) => "a date",
        Literal::DateTime(_) => "a date-time",
    }
}

/// "a number", "a list of strings", … for a declared type.
fn type_text(t: ValueType) -> &'static str {
    match t {
        ValueType::Number => "a number",
        ValueType::String => "a string",
        ValueType::Boolean => "a boolean",
        ValueType::Date => "a date",
        ValueType::DateTime => "a date-time",
        ValueType::StringList => "a list of strings (string[])",
    }
}

/// Whether a value of type `t` can equal literal `l`. Dates and date-times
/// compare with each other.
fn literal_fits(t: ValueType, l: &Literal) -> bool {
    matches!(
        (t, l),
        (ValueType::Number, Literal::Number(_))
            | (ValueType::String, Literal::String(_))
            | (ValueType::Boolean, Literal::Bool(_))
            | (
                ValueType::Date | ValueType::DateTime,
                Literal::Date(_) | Literal::DateTime(_)
            )
    )
}

fn same_literal_kind(a: &Literal, b: &Literal) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn merge(a: Span, b: Span) -> Span {
    if a.line == 0 || b.line == 0 {
        return if a.line == 0 { b } else { a };
    }
    let (first, _) = if a.start <= b.start { (a, b) } else { (b, a) };
    Span {
        start: a.start.min(b.start),
        end: a.end.max(b.end),
        line: first.line,
        column: first.column,
    }
}

fn duration_text(d: Duration) -> String {
    format!("{} {}", d.amount, d.unit.word(d.amount))
}

// ---------------------------------------------------------------------------
// The walk

#[derive(Clone, Copy)]
enum Ctx<'a> {
    /// Profile attributes.
    Profile,
    /// Properties of one event (a `where`); `props` is `None` when unchecked.
    Event {
        name: &'a str,
        props: Option<&'a EventSchema>,
    },
    /// The second `where` of a sequence: properties of `then`, and `same`
    /// comparing with `first`.
    Then {
        first: (&'a str, Option<&'a EventSchema>),
        then: (&'a str, Option<&'a EventSchema>),
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Parent {
    And,
    Or,
    Other,
}

struct Checker<'s> {
    schema: Option<&'s Schema>,
    out: Vec<Diagnostic>,
}

impl<'s> Checker<'s> {
    fn error(&mut self, code: &'static str, message: String, span: Span) {
        self.out
            .push(Diagnostic::new(Severity::Error, code, message, span));
    }

    fn warning(&mut self, code: &'static str, message: String, span: Span) {
        self.out
            .push(Diagnostic::new(Severity::Warning, code, message, span));
    }

    fn walk(&mut self, e: &'s Expr, ctx: Ctx<'s>, parent: Parent) {
        match e {
            Expr::And { args, .. } => {
                if parent != Parent::And {
                    self.contradictions(e);
                }
                for a in args {
                    self.walk(a, ctx, Parent::And);
                }
            }
            Expr::Or { args, .. } => {
                if parent != Parent::Or {
                    self.tautologies(e);
                }
                for a in args {
                    self.walk(a, ctx, Parent::Or);
                }
            }
            Expr::Not { arg, .. } => self.walk(arg, ctx, Parent::Other),
            Expr::InSegment { .. } => {}
            Expr::Culture { test, span } => {
                if let Some(message) = crate::locale::culture_problem(test) {
                    self.warning("unknown-holiday", message, *span);
                }
            }
            Expr::Same { path, span } => self.same(path, *span, ctx),
            Expr::Did {
                event,
                negated,
                times,
                window,
                span,
            } => {
                let props = self.event(event, *span);
                self.filter(event, props, *span);
                self.window(window.as_ref(), *span);
                self.quantifier(e, &event.name, *negated, *times, *span);
            }
            Expr::Aggregate {
                func,
                event,
                field,
                window,
                cmp,
                value,
                span,
            } => {
                let props = self.event(event, *span);
                self.filter(event, props, *span);
                self.window(window.as_ref(), *span);
                self.aggregate_field(*func, event, field.as_deref(), props, *span);
                if *func == AggFunc::Count {
                    self.count_comparison(e, *cmp, *value, *span);
                }
            }
            Expr::Last { event, span, .. } => {
                let props = self.event(event, *span);
                self.filter(event, props, *span);
            }
            Expr::Sequence {
                first,
                then,
                negated,
                within,
                window,
                span,
            } => {
                let first_props = self.event(first, *span);
                let then_props = self.event(then, *span);
                self.filter(first, first_props, *span);
                if let Some(f) = &then.filter {
                    let ctx = Ctx::Then {
                        first: (first.name.as_str(), first_props),
                        then: (then.name.as_str(), then_props),
                    };
                    self.walk(f, ctx, Parent::Other);
                }
                self.window(window.as_ref(), *span);
                match within {
                    None if *negated => self.warning(
                        "unbounded-then-not",
                        format!(
                            "\"then did not {}\" has no \"within\": it is true only if {} never followed {} up to now; add \"within N days\" to give a deadline",
                            then.name, then.name, first.name
                        ),
                        *span,
                    ),
                    Some(d) if d.amount == 0 && !*negated => self.warning(
                        "always-false",
                        format!(
                            "{} can never be true: no event can follow another within {}",
                            print::to_text(e),
                            duration_text(*d)
                        ),
                        *span,
                    ),
                    _ => {}
                }
            }
            _ => self.attribute(e, ctx),
        }
    }

    // -- events -----------------------------------------------------------

    /// Checks that the event type exists; its properties, if known.
    fn event(&mut self, event: &EventRef, span: Span) -> Option<&'s EventSchema> {
        let schema = self.schema?;
        if let Some(props) = schema.event(&event.name) {
            return Some(props);
        }
        let message = if schema.attribute(&event.name).is_some() {
            format!("\"{}\" is a profile field, not an event type", event.name)
        } else {
            match suggest(&event.name, schema.event_names()) {
                Some(s) => format!(
                    "unknown event type \"{}\"; did you mean \"{s}\"?",
                    event.name
                ),
                None => format!("unknown event type \"{}\"", event.name),
            }
        };
        self.error("unknown-event", message, span);
        None
    }

    fn filter(&mut self, event: &'s EventRef, props: Option<&'s EventSchema>, _span: Span) {
        if let Some(f) = &event.filter {
            let ctx = Ctx::Event {
                name: event.name.as_str(),
                props,
            };
            self.walk(f, ctx, Parent::Other);
        }
    }

    fn window(&mut self, window: Option<&Window>, span: Span) {
        match window {
            Some(Window::Last(d)) if d.amount == 0 => self.warning(
                "empty-window",
                format!(
                    "\"in last {}\" is an empty window: no event falls in it",
                    duration_text(*d)
                ),
                span,
            ),
            Some(Window::Since(l)) if !matches!(l, Literal::Date(_) | Literal::DateTime(_)) => self
                .error(
                    "type-mismatch",
                    format!(
                        "\"since\" needs a date or date-time, but {} is {}",
                        literal_text(l),
                        literal_kind(l)
                    ),
                    span,
                ),
            Some(Window::Between(a, b)) => {
                for l in [a, b] {
                    if !matches!(l, Literal::Date(_) | Literal::DateTime(_)) {
                        self.error(
                            "type-mismatch",
                            format!(
                                "a window \"between\" needs dates or date-times, but {} is {}",
                                literal_text(l),
                                literal_kind(l)
                            ),
                            span,
                        );
                        return;
                    }
                }
                let reversed = match (a, b) {
                    (Literal::Date(x), Literal::Date(y)) => x > y,
                    (Literal::DateTime(x), Literal::DateTime(y)) => x > y,
                    _ => false,
                };
                if reversed {
                    self.warning(
                        "empty-window",
                        format!(
                            "the window between {} and {} is empty: it starts after it ends",
                            literal_text(a),
                            literal_text(b)
                        ),
                        span,
                    );
                }
            }
            _ => {}
        }
    }

    fn quantifier(
        &mut self,
        e: &Expr,
        name: &str,
        negated: bool,
        times: Option<Times>,
        span: Span,
    ) {
        let text = print::to_text(e);
        match (times, negated) {
            (Some(Times::AtLeast(0)), false) => self.warning(
                "always-true",
                format!("{text} is always true: everyone did {name} at least 0 times"),
                span,
            ),
            (Some(Times::AtLeast(0)), true) => self.warning(
                "always-false",
                format!("{text} can never be true: everyone did {name} at least 0 times"),
                span,
            ),
            (Some(Times::Exactly(0) | Times::AtMost(0)), false) => self.warning(
                "use-did-not",
                format!("{text} means \"did not {name}\"; write that instead"),
                span,
            ),
            (Some(Times::Exactly(0) | Times::AtMost(0)), true) => self.warning(
                "negated-quantifier",
                format!("{text} means \"did {name}\" (at least once); write that instead"),
                span,
            ),
            (Some(Times::AtMost(n)), true) => {
                if let Some(m) = n.checked_add(1) {
                    self.warning(
                        "negated-quantifier",
                        format!(
                            "{text} means \"did {name} at least {m} times\"; write that instead"
                        ),
                        span,
                    )
                }
            }
            _ => {}
        }
    }

    fn aggregate_field(
        &mut self,
        func: AggFunc,
        event: &EventRef,
        field: Option<&[String]>,
        props: Option<&EventSchema>,
        span: Span,
    ) {
        if func == AggFunc::Count {
            return;
        }
        let Some(field) = field else {
            self.error(
                "missing-field",
                format!(
                    "{}() needs a numeric event field, as in {}({}.amount)",
                    func.name(),
                    func.name(),
                    event.name
                ),
                span,
            );
            return;
        };
        let Some(props) = props else { return };
        let name = path_text(field);
        match props.get(&name) {
            None => self.unknown_property(&event.name, &name, props, span),
            Some(ValueType::Number) => {}
            Some(t) => self.error(
                "type-mismatch",
                format!(
                    "{}() needs a number, but {}.{name} is {}",
                    func.name(),
                    event.name,
                    type_text(t)
                ),
                span,
            ),
        }
    }

    fn unknown_property(&mut self, event: &str, name: &str, props: &EventSchema, span: Span) {
        let message = match props.suggest(name) {
            Some(s) => {
                format!("event \"{event}\" has no property \"{name}\"; did you mean \"{s}\"?")
            }
            None => format!("event \"{event}\" has no property \"{name}\""),
        };
        self.error("unknown-event-field", message, span);
    }

    fn count_comparison(&mut self, e: &Expr, cmp: CmpOp, v: f64, span: Span) {
        // A count is a whole number, 0 or more.
        let whole = v >= 0.0 && v.fract() == 0.0;
        let (some, all) = match cmp {
            CmpOp::Eq => (whole, false),
            CmpOp::Ne => (true, !whole),
            CmpOp::Lt => (v > 0.0, false),
            CmpOp::Le => (v >= 0.0, false),
            CmpOp::Gt => (true, v < 0.0),
            CmpOp::Ge => (true, v <= 0.0),
        };
        let text = print::to_text(e);
        if !some {
            self.warning(
                "always-false",
                format!("{text} can never be true: a count is a whole number, 0 or more"),
                span,
            );
        } else if all {
            self.warning(
                "always-true",
                format!("{text} is always true: a count is a whole number, 0 or more"),
                span,
            );
        }
    }

    fn same(&mut self, path: &[String], span: Span, ctx: Ctx<'s>) {
        let Ctx::Then { first, then } = ctx else {
            self.error(
                "misplaced-same",
                "\"same FIELD\" is only allowed in the second \"where\" of a sequence (did A then did B where same FIELD)".into(),
                span,
            );
            return;
        };
        let name = path_text(path);
        let mut types = Vec::new();
        for (event, props) in [first, then] {
            let Some(props) = props else { continue };
            match props.get(&name) {
                Some(t) => types.push((event, t)),
                None => self.unknown_property(event, &name, props, span),
            }
        }
        if let [(a, ta), (b, tb)] = types.as_slice() {
            if ta != tb {
                self.error(
                    "type-mismatch",
                    format!(
                        "same {name}: {a}.{name} is {} but {b}.{name} is {}",
                        type_text(*ta),
                        type_text(*tb)
                    ),
                    span,
                );
            }
        }
    }

    // -- attributes -------------------------------------------------------

    /// The declared type of `path` in `ctx`, reporting unknown names.
    /// `None` when unchecked, unknown (reported) or an object prefix that
    /// `allow_object` accepts.
    fn field_type(
        &mut self,
        path: &[String],
        ctx: Ctx<'s>,
        span: Span,
        allow_object: bool,
    ) -> Option<ValueType> {
        let name = path_text(path);
        let (event, props) = match ctx {
            Ctx::Profile => {
                let schema = self.schema?;
                if let Some(t) = schema.attribute(&name) {
                    return Some(t);
                }
                if schema.event(&name).is_some() {
                    self.error(
                        "unknown-field",
                        format!(
                            "\"{name}\" is an event type, not a profile field; use \"did {name}\""
                        ),
                        span,
                    );
                    return None;
                }
                let prefix = format!("{name}.");
                if allow_object && schema.attribute_names().any(|n| n.starts_with(&prefix)) {
                    return None;
                }
                let message = match suggest(&name, schema.attribute_names()) {
                    Some(s) => format!("unknown field \"{name}\"; did you mean \"{s}\"?"),
                    None => format!("unknown field \"{name}\""),
                };
                self.error("unknown-field", message, span);
                return None;
            }
            Ctx::Event { name: event, props } => (event, props?),
            Ctx::Then { then, .. } => (then.0, then.1?),
        };
        if let Some(t) = props.get(&name) {
            return Some(t);
        }
        let prefix = format!("{name}.");
        if allow_object && props.properties().any(|(n, _)| n.starts_with(&prefix)) {
            return None;
        }
        self.unknown_property(event, &name, props, span);
        None
    }

    fn mismatch(&mut self, message: String, span: Span) {
        self.error("type-mismatch", message, span);
    }

    fn attribute(&mut self, e: &Expr, ctx: Ctx<'s>) {
        let Some(path) = e.attribute_path() else {
            return;
        };
        let span = e.span();
        let name = path_text(path);
        self.literal_checks(e, &name, span);
        let allow_object = matches!(e, Expr::IsSet { .. });
        let Some(t) = self.field_type(path, ctx, span, allow_object) else {
            return;
        };
        let list_hint = "; use contains, contains any or contains all for lists";
        match e {
            Expr::Compare { value, .. } => {
                if t == ValueType::StringList {
                    self.mismatch(
                        format!(
                            "{name} is {}, so it cannot be compared with {}{list_hint}",
                            type_text(t),
                            literal_text(value)
                        ),
                        span,
                    );
                } else if !literal_fits(t, value) {
                    self.mismatch(
                        format!(
                            "{name} is {} but {} is {}",
                            type_text(t),
                            literal_text(value),
                            literal_kind(value)
                        ),
                        span,
                    );
                }
            }
            Expr::Between { low, high, .. } => {
                if !same_literal_kind(low, high) {
                    return; // reported by literal_checks
                }
                if t == ValueType::StringList || !literal_fits(t, low) {
                    self.mismatch(
                        format!(
                            "{name} is {} but the bounds {} and {} are {}s",
                            type_text(t),
                            literal_text(low),
                            literal_text(high),
                            literal_kind(low).trim_start_matches("a ")
                        ),
                        span,
                    );
                }
            }
            Expr::In { values, .. } => {
                if t == ValueType::StringList {
                    self.mismatch(
                        format!(
                            "{name} is {}, so \"in\" cannot compare it{list_hint}",
                            type_text(t)
                        ),
                        span,
                    );
                } else if let Some(bad) = values.iter().find(|v| !literal_fits(t, v)) {
                    self.mismatch(
                        format!(
                            "{name} is {} but {} in the list is {}",
                            type_text(t),
                            literal_text(bad),
                            literal_kind(bad)
                        ),
                        span,
                    );
                }
            }
            Expr::Contains { value, .. } => {
                self.contains_check(&name, t, std::slice::from_ref(value), "contains", span)
            }
            Expr::ContainsList { values, all, .. } => {
                let op = if *all { "contains all" } else { "contains any" };
                self.contains_check(&name, t, values, op, span)
            }
            Expr::StartsWith { .. } | Expr::EndsWith { .. } | Expr::Matches { .. }
                if t != ValueType::String =>
            {
                let op = match e {
                    Expr::StartsWith { .. } => "starts with",
                    Expr::EndsWith { .. } => "ends with",
                    _ => "matches",
                };
                let hint = if t == ValueType::StringList {
                    list_hint
                } else {
                    ""
                };
                self.mismatch(
                    format!(
                        "\"{op}\" needs a string, but {name} is {}{hint}",
                        type_text(t)
                    ),
                    span,
                );
            }
            Expr::IsTrue { .. } if t != ValueType::Boolean => {
                self.mismatch(
                    format!(
                        "{name} is {}, not a boolean: a bare field means \"{name} is true\"; compare it with a value instead",
                        type_text(t)
                    ),
                    span,
                );
            }
            Expr::DateWithin { .. }
            | Expr::DateAgo { .. }
            | Expr::DateBefore { .. }
            | Expr::DateAfter { .. }
            | Expr::Anniversary { .. }
                if !t.is_temporal() =>
            {
                self.mismatch(
                    format!(
                        "date conditions need a date or date-time field, but {name} is {}",
                        type_text(t)
                    ),
                    span,
                );
            }
            _ => {}
        }
    }

    fn contains_check(
        &mut self,
        name: &str,
        t: ValueType,
        values: &[Literal],
        op: &str,
        span: Span,
    ) {
        if !matches!(t, ValueType::String | ValueType::StringList) {
            self.mismatch(
                format!(
                    "\"{op}\" needs a string or a list of strings, but {name} is {}",
                    type_text(t)
                ),
                span,
            );
        } else if let Some(bad) = values.iter().find(|v| !matches!(v, Literal::String(_))) {
            self.mismatch(
                format!(
                    "{name} is {} but {} is {}",
                    type_text(t),
                    literal_text(bad),
                    literal_kind(bad)
                ),
                span,
            );
        }
    }

    /// Checks needing no schema: bound types, date literals, and conditions
    /// that are never (or always) true on their own.
    fn literal_checks(&mut self, e: &Expr, name: &str, span: Span) {
        match e {
            Expr::Between { low, high, .. } => {
                if !same_literal_kind(low, high) {
                    self.mismatch(
                        format!(
                            "the bounds of between, {} and {}, have different types ({} and {})",
                            literal_text(low),
                            literal_text(high),
                            literal_kind(low),
                            literal_kind(high)
                        ),
                        span,
                    );
                } else if matches!(true_set(e), Some((_, TSet::Kind(k), _)) if k.is_empty()) {
                    self.warning(
                        "always-false",
                        format!(
                            "{} can never be true: the low bound is above the high bound",
                            print::to_text(e)
                        ),
                        span,
                    );
                }
            }
            Expr::In {
                values, negated, ..
            } if values.is_empty() => {
                if *negated {
                    self.warning(
                        "always-true-when-set",
                        format!(
                            "{} is true whenever {name} is set: the list is empty",
                            print::to_text(e)
                        ),
                        span,
                    );
                } else {
                    self.warning(
                        "always-false",
                        format!("{} can never be true: the list is empty", print::to_text(e)),
                        span,
                    );
                }
            }
            Expr::DateBefore { value, .. } | Expr::DateAfter { value, .. }
                if !matches!(value, Literal::Date(_) | Literal::DateTime(_)) =>
            {
                self.mismatch(
                    format!(
                        "\"before\" and \"after\" need a date or date-time, but {} is {}",
                        literal_text(value),
                        literal_kind(value)
                    ),
                    span,
                );
            }
            Expr::DateWithin { period, .. } | Expr::Anniversary { period, .. }
                if period.amount == 0 =>
            {
                self.warning(
                    "always-false",
                    format!(
                        "{} can never be true: a window of {} is empty",
                        print::to_text(e),
                        duration_text(*period)
                    ),
                    span,
                );
            }
            _ => {}
        }
    }

    // -- contradictions and tautologies -------------------------------------

    fn contradictions(&mut self, and: &Expr) {
        let mut args = Vec::new();
        flatten(and, true, &mut args);
        for (field, atoms) in group(&args) {
            let _ = field;
            if let Some(found) = contradiction(&atoms) {
                let texts: Vec<String> = found.iter().map(|a| print::to_text(a.expr)).collect();
                let span = found
                    .iter()
                    .map(|a| a.expr.span())
                    .reduce(merge)
                    .unwrap_or_default();
                let message = match texts.as_slice() {
                    [a, b] => format!("{a} and {b} can never both be true"),
                    _ => format!("{} can never all be true", list_text(&texts, "and")),
                };
                self.warning("always-false", message, span);
            }
        }
    }

    fn tautologies(&mut self, or: &Expr) {
        let mut args = Vec::new();
        flatten(or, false, &mut args);
        for (field, atoms) in group(&args) {
            let exact: Vec<&Atom> = atoms.iter().filter(|a| a.exact).collect();
            let missing = exact.iter().find(|a| matches!(a.set, TSet::Missing));
            let present = exact.iter().find(|a| matches!(a.set, TSet::Present));
            if let (Some(m), Some(p)) = (missing, present) {
                let (a, b) = if m.expr.span().start <= p.expr.span().start {
                    (m, p)
                } else {
                    (p, m)
                };
                self.warning(
                    "always-true",
                    format!(
                        "{} or {} is always true",
                        print::to_text(a.expr),
                        print::to_text(b.expr)
                    ),
                    merge(a.expr.span(), b.expr.span()),
                );
                continue;
            }
            for kind in KINDS {
                let mut of_kind: Vec<&Atom> = exact
                    .iter()
                    .copied()
                    .filter(|a| matches!(&a.set, TSet::Kind(k) if k.kind() == kind))
                    .collect();
                if !covers(&of_kind) {
                    continue;
                }
                // Keep a minimal covering subset for the message.
                let mut i = 0;
                while i < of_kind.len() {
                    let mut without = of_kind.clone();
                    without.remove(i);
                    if covers(&without) {
                        of_kind = without;
                    } else {
                        i += 1;
                    }
                }
                let texts: Vec<String> = of_kind.iter().map(|a| print::to_text(a.expr)).collect();
                let span = of_kind
                    .iter()
                    .map(|a| a.expr.span())
                    .reduce(merge)
                    .unwrap_or_default();
                self.warning(
                    "always-true-when-set",
                    format!(
                        "{} is always true when {field} is set (to {}); when {field} is missing it is unknown, not true",
                        list_text(&texts, "or"),
                        kind_text(kind)
                    ),
                    span,
                );
                break;
            }
        }
    }
}

fn list_text(items: &[String], word: &str) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} {word} {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// The operands of nested `and`s (`conjunction`) or `or`s.
fn flatten<'e>(e: &'e Expr, conjunction: bool, out: &mut Vec<&'e Expr>) {
    match (e, conjunction) {
        (Expr::And { args, .. }, true) | (Expr::Or { args, .. }, false) => {
            for a in args {
                flatten(a, conjunction, out);
            }
        }
        _ => out.push(e),
    }
}

/// One operand's truth set on one field.
struct Atom<'e> {
    set: TSet,
    exact: bool,
    expr: &'e Expr,
}

/// The atoms of `args` grouped by field, fields in order of appearance.
/// Atoms whose set is empty on their own are left out (reported elsewhere).
fn group<'e>(args: &[&'e Expr]) -> Vec<(String, Vec<Atom<'e>>)> {
    let mut groups: Vec<(String, Vec<Atom<'e>>)> = Vec::new();
    for e in args {
        let Some((field, set, exact)) = true_set(e) else {
            continue;
        };
        if set.is_empty() {
            continue;
        }
        let atom = Atom {
            set,
            exact,
            expr: e,
        };
        match groups.iter_mut().find(|(f, _)| *f == field) {
            Some((_, atoms)) => atoms.push(atom),
            None => groups.push((field, vec![atom])),
        }
    }
    groups
}

/// A smallest-found set of atoms that can never all be true, if any.
fn contradiction<'a, 'e>(atoms: &'a [Atom<'e>]) -> Option<Vec<&'a Atom<'e>>> {
    for (j, b) in atoms.iter().enumerate() {
        for a in atoms.iter().take(j) {
            if conflict(&a.set, &b.set) {
                return Some(vec![a, b]);
            }
        }
    }
    for kind in KINDS {
        let of_kind: Vec<&Atom> = atoms
            .iter()
            .filter(|a| matches!(&a.set, TSet::Kind(k) if k.kind() == kind))
            .collect();
        let mut acc: Option<KSet> = None;
        for a in &of_kind {
            if let TSet::Kind(k) = &a.set {
                acc = Some(match acc {
                    None => k.clone(),
                    Some(s) => s.intersect(k).unwrap_or_else(|| s.clone()),
                });
            }
        }
        if acc.is_some_and(|s| s.is_empty()) {
            return Some(of_kind);
        }
    }
    None
}

fn conflict(a: &TSet, b: &TSet) -> bool {
    match (a, b) {
        (TSet::Missing, TSet::Missing) => false,
        (TSet::Missing, _) | (_, TSet::Missing) => true,
        (TSet::Kind(x), TSet::Kind(y)) => {
            if x.class() != y.class() {
                true
            } else {
                x.intersect(y).is_some_and(|s| s.is_empty())
            }
        }
        _ => false,
    }
}

/// Whether the union of the atoms' sets (all of one kind) is the whole kind.
fn covers(atoms: &[&Atom]) -> bool {
    let mut acc: Option<KSet> = None;
    for a in atoms {
        if let TSet::Kind(k) = &a.set {
            acc = Some(match acc {
                None => k.clone(),
                Some(s) => s.union(k).unwrap_or(s),
            });
        }
    }
    acc.is_some_and(|s| s.is_full())
}

// ---------------------------------------------------------------------------
// Truth sets

/// The values of one field that make a condition true.
#[derive(Debug, Clone)]
enum TSet {
    /// Only a missing (or null) value.
    Missing,
    /// Some present values (which, not known; `exact`: all present values).
    Present,
    /// Exactly these values of one kind (values of other kinds give unknown).
    Kind(KSet),
    /// No value at all (`in []`).
    Empty,
}

impl TSet {
    fn is_empty(&self) -> bool {
        match self {
            TSet::Empty => true,
            TSet::Kind(k) => k.is_empty(),
            _ => false,
        }
    }
}

/// The field and truth set of an attribute condition (or its negation), and
/// whether the set is exact (otherwise a superset).
fn true_set(e: &Expr) -> Option<(String, TSet, bool)> {
    let lit = |op: CmpOp, l: &Literal| -> Option<KSet> {
        Some(match l {
            Literal::Number(n) => KSet::Num(IntervalSet::compare(op, Num::new(*n))),
            Literal::String(s) => KSet::Str(IntervalSet::compare(op, s.clone())),
            Literal::Date(d) => KSet::Date(IntervalSet::compare(op, *d)),
            Literal::DateTime(t) => KSet::Time(IntervalSet::compare(op, t.with_timezone(&Utc))),
            Literal::Bool(b) => match op {
                CmpOp::Eq => KSet::Bool([!*b, *b]),
                CmpOp::Ne => KSet::Bool([*b, !*b]),
                _ => return None,
            },
        })
    };
    let kind = |k: Option<KSet>| match k {
        Some(k) => (TSet::Kind(k), true),
        None => (TSet::Present, false),
    };
    let (path, (set, exact)) = match e {
        Expr::Not { arg, .. } => {
            let (field, set, exact) = true_set(arg)?;
            let negated = match (set, exact) {
                (TSet::Missing, _) => (TSet::Present, true),
                (TSet::Present, true) => (TSet::Missing, true),
                (TSet::Kind(k), true) => (TSet::Kind(k.complement()), true),
                // False also needs a value: a missing one gives unknown.
                _ => (TSet::Present, false),
            };
            return Some((field, negated.0, negated.1));
        }
        Expr::Compare {
            path, cmp, value, ..
        } => (path, kind(lit(*cmp, value))),
        Expr::Between {
            path, low, high, ..
        } => {
            let set = match (lit(CmpOp::Ge, low), lit(CmpOp::Le, high)) {
                (Some(a), Some(b)) => a.intersect(&b),
                _ => None,
            };
            (path, kind(set))
        }
        Expr::In {
            path,
            values,
            negated,
            ..
        } => {
            let set = if values.is_empty() {
                if *negated {
                    (TSet::Present, false)
                } else {
                    (TSet::Empty, true)
                }
            } else {
                let mut acc: Option<KSet> = None;
                let mut ok = true;
                for v in values {
                    match (acc, lit(CmpOp::Eq, v)) {
                        (None, Some(k)) => acc = Some(k),
                        (Some(a), Some(k)) => match a.union(&k) {
                            Some(u) => acc = Some(u),
                            None => {
                                ok = false;
                                acc = Some(a);
                            }
                        },
                        (a, None) => {
                            ok = false;
                            acc = a;
                        }
                    }
                }
                let acc = acc.filter(|_| ok);
                let acc = if *negated {
                    acc.map(|k| k.complement())
                } else {
                    acc
                };
                kind(acc)
            };
            (path, set)
        }
        Expr::IsSet { path, negated, .. } => (
            path,
            if *negated {
                (TSet::Missing, true)
            } else {
                (TSet::Present, true)
            },
        ),
        Expr::IsTrue { path, .. } => (path, (TSet::Kind(KSet::Bool([false, true])), true)),
        other => (other.attribute_path()?, (TSet::Present, false)),
    };
    Some((path_text(path), set, exact))
}

/// A number with a total order (`-0` is `0`).
#[derive(Debug, Clone, Copy)]
struct Num(f64);

impl Num {
    fn new(n: f64) -> Num {
        Num(n + 0.0)
    }
}

impl PartialEq for Num {
    fn eq(&self, other: &Num) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Num {}
impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Num) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Num {
    fn cmp(&self, other: &Num) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The kinds values are told apart by. Numbers, booleans and text (strings,
/// dates, date-times: all JSON strings) never overlap; the text kinds may,
/// so they are never compared with each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Num,
    Bool,
    Str,
    Date,
    Time,
}

const KINDS: [Kind; 5] = [Kind::Num, Kind::Bool, Kind::Str, Kind::Date, Kind::Time];

fn kind_text(k: Kind) -> &'static str {
    match k {
        Kind::Num => "a number",
        Kind::Bool => "a boolean",
        Kind::Str => "a string",
        Kind::Date => "a date",
        Kind::Time => "a date-time",
    }
}

/// A set of values of one kind.
#[derive(Debug, Clone)]
enum KSet {
    Num(IntervalSet<Num>),
    Str(IntervalSet<String>),
    Date(IntervalSet<NaiveDate>),
    Time(IntervalSet<DateTime<Utc>>),
    /// `[false allowed, true allowed]`.
    Bool([bool; 2]),
}

impl KSet {
    fn kind(&self) -> Kind {
        match self {
            KSet::Num(_) => Kind::Num,
            KSet::Str(_) => Kind::Str,
            KSet::Date(_) => Kind::Date,
            KSet::Time(_) => Kind::Time,
            KSet::Bool(_) => Kind::Bool,
        }
    }

    /// 0 numbers, 1 booleans, 2 text.
    fn class(&self) -> u8 {
        match self.kind() {
            Kind::Num => 0,
            Kind::Bool => 1,
            Kind::Str | Kind::Date | Kind::Time => 2,
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            KSet::Num(s) => s.is_empty(),
            KSet::Str(s) => s.is_empty(),
            KSet::Date(s) => s.is_empty(),
            KSet::Time(s) => s.is_empty(),
            KSet::Bool(b) => !b[0] && !b[1],
        }
    }

    fn is_full(&self) -> bool {
        match self {
            KSet::Num(s) => s.is_full(),
            KSet::Str(s) => s.is_full(),
            KSet::Date(s) => s.is_full(),
            KSet::Time(s) => s.is_full(),
            KSet::Bool(b) => b[0] && b[1],
        }
    }

    fn complement(&self) -> KSet {
        match self {
            KSet::Num(s) => KSet::Num(s.complement()),
            KSet::Str(s) => KSet::Str(s.complement()),
            KSet::Date(s) => KSet::Date(s.complement()),
            KSet::Time(s) => KSet::Time(s.complement()),
            KSet::Bool(b) => KSet::Bool([!b[0], !b[1]]),
        }
    }

    /// The intersection, `None` if the kinds differ.
    fn intersect(&self, other: &KSet) -> Option<KSet> {
        Some(match (self, other) {
            (KSet::Num(a), KSet::Num(b)) => KSet::Num(a.intersect(b)),
            (KSet::Str(a), KSet::Str(b)) => KSet::Str(a.intersect(b)),
            (KSet::Date(a), KSet::Date(b)) => KSet::Date(a.intersect(b)),
            (KSet::Time(a), KSet::Time(b)) => KSet::Time(a.intersect(b)),
            (KSet::Bool(a), KSet::Bool(b)) => KSet::Bool([a[0] && b[0], a[1] && b[1]]),
            _ => return None,
        })
    }

    /// The union, `None` if the kinds differ.
    fn union(&self, other: &KSet) -> Option<KSet> {
        Some(match (self, other) {
            (KSet::Num(a), KSet::Num(b)) => KSet::Num(a.union(b)),
            (KSet::Str(a), KSet::Str(b)) => KSet::Str(a.union(b)),
            (KSet::Date(a), KSet::Date(b)) => KSet::Date(a.union(b)),
            (KSet::Time(a), KSet::Time(b)) => KSet::Time(a.union(b)),
            (KSet::Bool(a), KSet::Bool(b)) => KSet::Bool([a[0] || b[0], a[1] || b[1]]),
            _ => return None,
        })
    }
}

/// A union of intervals over an ordered domain, kept sorted and disjoint.
///
/// The domain is treated as dense, which is sound here: an empty
/// intersection or a full union of dense intervals is also one over the
/// actual (possibly discrete) values.
#[derive(Debug, Clone, PartialEq)]
struct IntervalSet<K> {
    parts: Vec<(Bound<K>, Bound<K>)>,
}

fn flip<K: Clone>(b: &Bound<K>) -> Bound<K> {
    match b {
        Bound::Included(k) => Bound::Excluded(k.clone()),
        Bound::Excluded(k) => Bound::Included(k.clone()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// Orders lower bounds (`Unbounded` is minus infinity).
fn cmp_lo<K: Ord>(a: &Bound<K>, b: &Bound<K>) -> Ordering {
    use Bound::*;
    match (a, b) {
        (Unbounded, Unbounded) => Ordering::Equal,
        (Unbounded, _) => Ordering::Less,
        (_, Unbounded) => Ordering::Greater,
        (Included(x) | Excluded(x), Included(y) | Excluded(y)) => x.cmp(y).then_with(|| {
            let rank = |b: &Bound<K>| u8::from(matches!(b, Excluded(_)));
            rank(a).cmp(&rank(b))
        }),
    }
}

/// Orders upper bounds (`Unbounded` is plus infinity).
fn cmp_hi<K: Ord>(a: &Bound<K>, b: &Bound<K>) -> Ordering {
    use Bound::*;
    match (a, b) {
        (Unbounded, Unbounded) => Ordering::Equal,
        (Unbounded, _) => Ordering::Greater,
        (_, Unbounded) => Ordering::Less,
        (Included(x) | Excluded(x), Included(y) | Excluded(y)) => x.cmp(y).then_with(|| {
            let rank = |b: &Bound<K>| u8::from(matches!(b, Included(_)));
            rank(a).cmp(&rank(b))
        }),
    }
}

fn nonempty<K: Ord>(lo: &Bound<K>, hi: &Bound<K>) -> bool {
    use Bound::*;
    match (lo, hi) {
        (Unbounded, _) | (_, Unbounded) => true,
        (Included(a), Included(b)) => a <= b,
        (Included(a) | Excluded(a), Included(b) | Excluded(b)) => a < b,
    }
}

impl<K: Ord + Clone> IntervalSet<K> {
    fn from_parts(parts: Vec<(Bound<K>, Bound<K>)>) -> IntervalSet<K> {
        let mut parts: Vec<_> = parts
            .into_iter()
            .filter(|(lo, hi)| nonempty(lo, hi))
            .collect();
        parts.sort_by(|a, b| cmp_lo(&a.0, &b.0));
        let mut out: Vec<(Bound<K>, Bound<K>)> = Vec::new();
        for (lo, hi) in parts {
            if let Some(last) = out.last_mut() {
                // Merge when no value lies between the two.
                let gap = match (&last.1, &lo) {
                    (Bound::Unbounded, _) | (_, Bound::Unbounded) => false,
                    (h, l) => nonempty(&flip(h), &flip(l)),
                };
                if !gap {
                    if cmp_hi(&hi, &last.1) == Ordering::Greater {
                        last.1 = hi;
                    }
                    continue;
                }
            }
            out.push((lo, hi));
        }
        IntervalSet { parts: out }
    }

    /// The values `v` with `v OP k`.
    fn compare(op: CmpOp, k: K) -> IntervalSet<K> {
        use Bound::*;
        let parts = match op {
            CmpOp::Eq => vec![(Included(k.clone()), Included(k))],
            CmpOp::Ne => vec![(Unbounded, Excluded(k.clone())), (Excluded(k), Unbounded)],
            CmpOp::Lt => vec![(Unbounded, Excluded(k))],
            CmpOp::Le => vec![(Unbounded, Included(k))],
            CmpOp::Gt => vec![(Excluded(k), Unbounded)],
            CmpOp::Ge => vec![(Included(k), Unbounded)],
        };
        IntervalSet::from_parts(parts)
    }

    fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    fn is_full(&self) -> bool {
        matches!(
            self.parts.as_slice(),
            [(Bound::Unbounded, Bound::Unbounded)]
        )
    }

    fn intersect(&self, other: &IntervalSet<K>) -> IntervalSet<K> {
        let mut parts = Vec::new();
        for (alo, ahi) in &self.parts {
            for (blo, bhi) in &other.parts {
                let lo = if cmp_lo(alo, blo) == Ordering::Greater {
                    alo
                } else {
                    blo
                };
                let hi = if cmp_hi(ahi, bhi) == Ordering::Less {
                    ahi
                } else {
                    bhi
                };
                parts.push((lo.clone(), hi.clone()));
            }
        }
        IntervalSet::from_parts(parts)
    }

    fn union(&self, other: &IntervalSet<K>) -> IntervalSet<K> {
        IntervalSet::from_parts(self.parts.iter().chain(&other.parts).cloned().collect())
    }

    fn complement(&self) -> IntervalSet<K> {
        let mut parts = Vec::new();
        let mut lo = Bound::Unbounded;
        for (plo, phi) in &self.parts {
            if !matches!(plo, Bound::Unbounded) {
                parts.push((lo, flip(plo)));
            }
            if matches!(phi, Bound::Unbounded) {
                return IntervalSet::from_parts(parts);
            }
            lo = flip(phi);
        }
        parts.push((lo, Bound::Unbounded));
        IntervalSet::from_parts(parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nums(op: CmpOp, n: f64) -> IntervalSet<Num> {
        IntervalSet::compare(op, Num::new(n))
    }

    #[test]
    fn interval_algebra() {
        assert!(nums(CmpOp::Gt, 40.0)
            .intersect(&nums(CmpOp::Lt, 30.0))
            .is_empty());
        assert!(!nums(CmpOp::Ge, 30.0)
            .intersect(&nums(CmpOp::Le, 30.0))
            .is_empty());
        assert!(nums(CmpOp::Gt, 30.0)
            .intersect(&nums(CmpOp::Le, 30.0))
            .is_empty());
        assert!(nums(CmpOp::Ge, 30.0)
            .union(&nums(CmpOp::Lt, 30.0))
            .is_full());
        assert!(!nums(CmpOp::Gt, 30.0)
            .union(&nums(CmpOp::Lt, 30.0))
            .is_full());
        assert!(nums(CmpOp::Eq, 1.0).union(&nums(CmpOp::Ne, 1.0)).is_full());
        assert!(nums(CmpOp::Ne, 1.0).union(&nums(CmpOp::Ne, 2.0)).is_full());
        assert!(nums(CmpOp::Eq, 0.0).intersect(&nums(CmpOp::Eq, -0.0)) == nums(CmpOp::Eq, 0.0));
        let ne = nums(CmpOp::Ne, 5.0);
        assert_eq!(ne.complement(), nums(CmpOp::Eq, 5.0));
        assert!(ne.complement().complement() == ne);
        assert!(IntervalSet::<Num>::from_parts(vec![])
            .complement()
            .is_full());
        assert!(nums(CmpOp::Le, 3.0).complement() == nums(CmpOp::Gt, 3.0));
    }
}
