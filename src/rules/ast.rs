//! The canonical segment AST: plain serde data with spans on the nodes.
//!
//! Every back-end (the one-profile evaluator, the batch engine, the SQL
//! compiler) consumes this one tree. Its JSON form (see [`SegmentJson`]) is the
//! stored form of a segment; its text form is printed by `Display`. Spans
//! never take part in equality and are not serialized.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::Span;

/// Version of the JSON form. Bumped on any incompatible change.
pub const AST_VERSION: u32 = 1;

/// The stored JSON form of a segment: `{"kaleido": "segment", "version": 1, "rule": …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentJson {
    /// Always `"segment"`: marks the object as a Kaleido segment.
    pub kaleido: String,
    /// The AST version ([`AST_VERSION`]).
    pub version: u32,
    /// The rule.
    pub rule: Expr,
}

/// An attribute path: `consent.marketing` is `["consent", "marketing"]`.
pub type Path = Vec<String>;

/// A literal value written in a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Literal {
    /// A number (`30`, `0.7`, `-5`).
    Number(f64),
    /// A string (`"US"`).
    String(String),
    /// `true` or `false`.
    Bool(bool),
    /// A calendar date (`2025-01-31`).
    Date(NaiveDate),
    /// An instant with its written offset (`2025-01-31T09:00:00Z`).
    DateTime(DateTime<FixedOffset>),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written in rule text.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// Time units. Hours are exact; days and weeks are calendar days in the
/// evaluation time zone; months and years are calendar arithmetic there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// 3,600 seconds.
    Hours,
    /// A calendar day in the time zone.
    Days,
    /// Seven calendar days.
    Weeks,
    /// A calendar month (day clamped to the month's end).
    Months,
    /// A calendar year (29 February clamped to 28 February).
    Years,
}

impl Unit {
    /// The unit's word as written in canonical text, singular or plural for `amount`.
    pub fn word(self, amount: u32) -> &'static str {
        let one = amount == 1;
        match self {
            Unit::Hours if one => "hour",
            Unit::Hours => "hours",
            Unit::Days if one => "day",
            Unit::Days => "days",
            Unit::Weeks if one => "week",
            Unit::Weeks => "weeks",
            Unit::Months if one => "month",
            Unit::Months => "months",
            Unit::Years if one => "year",
            Unit::Years => "years",
        }
    }
}

/// An amount of time: `30 days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Duration {
    /// How many units.
    pub amount: u32,
    /// Which unit.
    pub unit: Unit,
}

/// Past or future, for `within last` / `within next`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// `within last N UNIT`: the period ending at `asOf`.
    Last,
    /// `within next N UNIT`: the period starting at `asOf`.
    Next,
}

/// The time window of an event condition. Events after `asOf` never count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// `in last N UNIT`: `(asOf - N UNIT, asOf]`.
    Last(Duration),
    /// `since DATE`: from the start of DATE (or the instant) to `asOf`.
    Since(Literal),
    /// `between A and B`: from the start of A to the end of B (dates) or
    /// between the two instants, inclusive.
    Between(Literal, Literal),
}

/// How many matching events `did` asks for. Without one, at least once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Times {
    /// `at least N times`
    AtLeast(u32),
    /// `at most N times`
    AtMost(u32),
    /// `exactly N times`
    Exactly(u32),
    /// `once`: exactly one time.
    Once,
}

/// An event type with an optional condition on its properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRef {
    /// The event `type` (`purchase`, `email_open`).
    pub name: String,
    /// `where …`: a condition on the event's properties (paths are relative
    /// to the event object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<Box<Expr>>,
}

/// Aggregate functions over events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggFunc {
    /// Number of matching events (0 over none).
    Count,
    /// Sum of a numeric field (0 over none).
    Sum,
    /// Mean of a numeric field (unknown over none).
    Avg,
    /// Minimum of a numeric field (unknown over none).
    Min,
    /// Maximum of a numeric field (unknown over none).
    Max,
}

impl AggFunc {
    /// The function's name as written.
    pub fn name(self) -> &'static str {
        match self {
            AggFunc::Count => "count",
            AggFunc::Sum => "sum",
            AggFunc::Avg => "avg",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
        }
    }
}

/// What `last EVENT …` asks about the most recent matching event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LastTest {
    /// `within last N UNIT`: the last one is after `asOf - N UNIT`.
    WithinLast(Duration),
    /// `more than N UNIT ago`: the last one is before `asOf - N UNIT`.
    MoreThanAgo(Duration),
}

/// A cultural condition on the subscriber's place and local time
/// ([`Expr::Culture`]). The country is the profile's `country` (ISO 3166-1
/// alpha-2); the zone its `timeZone` (or the country's main zone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CultureTest {
    /// `holiday "mid_autumn" within next 14 days` (or `last`): the holiday of
    /// the subscriber's country falls in the window (as for a date attribute).
    Holiday {
        /// The stable holiday id (`christmas`, `lunar_new_year`).
        id: String,
        /// Past or future.
        direction: Direction,
        /// The period.
        period: Duration,
    },
    /// `season = "winter"` / `season != "winter"`: the meteorological season
    /// of today in the subscriber's hemisphere.
    Season {
        /// `winter`, `spring`, `summer` or `autumn`.
        season: String,
        /// `!=`.
        #[serde(default)]
        negated: bool,
    },
    /// `local_time between 08:00 and 20:00`: the subscriber's wall-clock time
    /// at `asOf` is in the range, inclusive, to the minute (wrapping past
    /// midnight when `from` is later than `to`).
    LocalTime {
        /// `HH:MM`.
        from: String,
        /// `HH:MM`.
        to: String,
    },
}

/// A node of the segment AST.
///
/// Attribute conditions are three-valued: a missing or null attribute, or a
/// value of the wrong type, makes them *unknown*.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Expr {
    /// All arguments true (Kleene conjunction).
    And {
        /// Two or more operands.
        args: Vec<Expr>,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// Any argument true (Kleene disjunction).
    Or {
        /// Two or more operands.
        args: Vec<Expr>,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// Negation; `not unknown` is unknown.
    Not {
        /// The operand.
        arg: Box<Expr>,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH = V`, `!=`, `<`, `<=`, `>`, `>=`.
    Compare {
        /// The attribute.
        path: Path,
        /// The operator.
        cmp: CmpOp,
        /// The value compared with.
        value: Literal,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH between A and B`, inclusive.
    Between {
        /// The attribute.
        path: Path,
        /// Lower bound (inclusive).
        low: Literal,
        /// Upper bound (inclusive).
        high: Literal,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH in [..]` or, negated, `PATH not in [..]`.
    In {
        /// The attribute.
        path: Path,
        /// The candidate values.
        values: Vec<Literal>,
        /// `not in`.
        #[serde(default)]
        negated: bool,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH contains V`: a substring of a string (case-insensitive) or an
    /// element of a list (exact).
    Contains {
        /// The attribute.
        path: Path,
        /// The value looked for.
        value: Literal,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH contains any [..]` / `PATH contains all [..]`.
    ContainsList {
        /// The attribute.
        path: Path,
        /// `all` instead of `any`.
        all: bool,
        /// The values looked for.
        values: Vec<Literal>,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH starts with "x"` (case-insensitive).
    StartsWith {
        /// The attribute.
        path: Path,
        /// The prefix.
        value: String,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH ends with "x"` (case-insensitive).
    EndsWith {
        /// The attribute.
        path: Path,
        /// The suffix.
        value: String,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH matches /re/flags`.
    Matches {
        /// The attribute.
        path: Path,
        /// The pattern (Rust `regex` syntax).
        pattern: String,
        /// Flags: any of `i`, `m`, `s`, `u` (`u` is always on).
        #[serde(default)]
        flags: String,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH is set` / `PATH is not set`: never unknown.
    IsSet {
        /// The attribute.
        path: Path,
        /// `is not set`.
        #[serde(default)]
        negated: bool,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// A bare `PATH`: the attribute is the boolean `true`.
    IsTrue {
        /// The attribute.
        path: Path,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH within last N UNIT` / `PATH within next N UNIT` (date or date-time attributes).
    DateWithin {
        /// The attribute.
        path: Path,
        /// Past or future.
        direction: Direction,
        /// The period.
        period: Duration,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH more than N UNIT ago`.
    DateAgo {
        /// The attribute.
        path: Path,
        /// The period.
        period: Duration,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH before D` (strictly earlier).
    DateBefore {
        /// The attribute.
        path: Path,
        /// A date or date-time literal.
        value: Literal,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH after D` (strictly later).
    DateAfter {
        /// The attribute.
        path: Path,
        /// A date or date-time literal.
        value: Literal,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `PATH anniversary within next N UNIT` (or `last`): the yearly recurrence
    /// of a date (birthdays, sign-up anniversaries).
    Anniversary {
        /// The attribute.
        path: Path,
        /// Past or future.
        direction: Direction,
        /// The period.
        period: Duration,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `did EVENT [where C] [times] [window]` and `did not …`.
    Did {
        /// The event and its filter.
        event: EventRef,
        /// `did not`.
        #[serde(default)]
        negated: bool,
        /// The quantifier; `None` means at least once.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        times: Option<Times>,
        /// The window; `None` means all events up to `asOf`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<Window>,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `count(EVENT …) OP N`, `sum(EVENT.FIELD …) OP N`, `avg`, `min`, `max`.
    Aggregate {
        /// The function.
        func: AggFunc,
        /// The event and its filter.
        event: EventRef,
        /// The numeric event field (`None` only for `count`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<Path>,
        /// The window; `None` means all events up to `asOf`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<Window>,
        /// The comparison.
        cmp: CmpOp,
        /// The number compared with.
        value: f64,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `last EVENT [where C] within last N UNIT` / `… more than N UNIT ago`.
    /// Unknown when there is no such event.
    Last {
        /// The event and its filter.
        event: EventRef,
        /// What is asked of the most recent one.
        test: LastTest,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `did A [where C] then did [not] B [where C] [within N UNIT] [window]`.
    Sequence {
        /// The first event (the window applies to it).
        first: EventRef,
        /// The following event; its filter may use `same FIELD`.
        then: EventRef,
        /// `then did not`.
        #[serde(default)]
        negated: bool,
        /// The longest gap between the two.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        within: Option<Duration>,
        /// The window on the first event.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<Window>,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `same FIELD`, only inside the second filter of a sequence: the field
    /// equals the first event's.
    Same {
        /// The event field.
        path: Path,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// A cultural condition: `holiday "id" within next N days`, `season = "winter"`,
    /// `local_time between 08:00 and 20:00` (added in kaleido 0.1 with the
    /// locale module; JSON `{"op": "culture", "test": {"kind": "season", …}}`).
    Culture {
        /// What is tested.
        test: CultureTest,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
    /// `in segment "name"` / `not in segment "name"`: membership of a named
    /// segment (true or false, never unknown).
    InSegment {
        /// The segment's name in the `SegmentSet`.
        name: String,
        /// `not in segment`.
        #[serde(default)]
        negated: bool,
        /// Position in the source text.
        #[serde(skip)]
        span: Span,
    },
}

impl Expr {
    /// The node's position in the source text (default for built ASTs).
    pub fn span(&self) -> Span {
        match self {
            Expr::And { span, .. }
            | Expr::Or { span, .. }
            | Expr::Not { span, .. }
            | Expr::Compare { span, .. }
            | Expr::Between { span, .. }
            | Expr::In { span, .. }
            | Expr::Contains { span, .. }
            | Expr::ContainsList { span, .. }
            | Expr::StartsWith { span, .. }
            | Expr::EndsWith { span, .. }
            | Expr::Matches { span, .. }
            | Expr::IsSet { span, .. }
            | Expr::IsTrue { span, .. }
            | Expr::DateWithin { span, .. }
            | Expr::DateAgo { span, .. }
            | Expr::DateBefore { span, .. }
            | Expr::DateAfter { span, .. }
            | Expr::Anniversary { span, .. }
            | Expr::Did { span, .. }
            | Expr::Aggregate { span, .. }
            | Expr::Last { span, .. }
            | Expr::Sequence { span, .. }
            | Expr::Same { span, .. }
            | Expr::Culture { span, .. }
            | Expr::InSegment { span, .. } => *span,
        }
    }

    /// The attribute path an attribute condition reads, if it is one.
    pub fn attribute_path(&self) -> Option<&Path> {
        match self {
            Expr::Compare { path, .. }
            | Expr::Between { path, .. }
            | Expr::In { path, .. }
            | Expr::Contains { path, .. }
            | Expr::ContainsList { path, .. }
            | Expr::StartsWith { path, .. }
            | Expr::EndsWith { path, .. }
            | Expr::Matches { path, .. }
            | Expr::IsSet { path, .. }
            | Expr::IsTrue { path, .. }
            | Expr::DateWithin { path, .. }
            | Expr::DateAgo { path, .. }
            | Expr::DateBefore { path, .. }
            | Expr::DateAfter { path, .. }
            | Expr::Anniversary { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Calls `f` on this node and every node below it, parents first,
    /// including the filters of event conditions.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::And { args, .. } | Expr::Or { args, .. } => {
                for a in args {
                    a.walk(f);
                }
            }
            Expr::Not { arg, .. } => arg.walk(f),
            Expr::Did { event, .. } | Expr::Aggregate { event, .. } | Expr::Last { event, .. } => {
                if let Some(filter) = &event.filter {
                    filter.walk(f);
                }
            }
            Expr::Sequence { first, then, .. } => {
                for e in [first, then] {
                    if let Some(filter) = &e.filter {
                        filter.walk(f);
                    }
                }
            }
            _ => {}
        }
    }
}
