//! The segment language: lexer, parser, AST, canonical printer, evaluator,
//! explanations and static checks. Every other engine (the batch engine, the
//! SQL compiler, templates) consumes the same [`ast`].

pub mod ast;
mod check;
pub(crate) mod eval;
mod explain;
mod lexer;
mod parser;
mod print;
pub mod schema;
pub(crate) mod set;
pub mod time;
pub(crate) mod value;

pub use check::{Diagnostic, Severity};
pub use eval::validate_regexes;
pub use explain::Explanation;
pub use schema::{EventSchema, FieldType, Schema, ValueType};
pub use set::{references, SegmentSet};
/// Event `at` parsing shared with `predict` (same instants as the evaluator).
pub(crate) use value::parse_event_time;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::error::{Error, ErrorKind, Result};
use ast::{Expr, SegmentJson, AST_VERSION};

/// A parsed segment rule: compile once, evaluate many times.
///
/// ```
/// use kaleido::Segment;
/// let s = Segment::parse("age >= 30 and country in [\"US\", \"CA\"]").unwrap();
/// assert_eq!(s.to_string(), "age >= 30 and country in [\"US\", \"CA\"]");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    expr: Expr,
}

impl Segment {
    /// Parses rule text. Errors are [`ErrorKind::Parse`] with line, column and snippet.
    pub fn parse(text: &str) -> Result<Segment> {
        let expr = parser::parse(text)?;
        Ok(Segment { expr })
    }

    /// Wraps an AST (for example one built by another front-end).
    pub fn from_expr(expr: Expr) -> Segment {
        Segment { expr }
    }

    /// The rule's AST.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The canonical, versioned JSON form.
    pub fn to_json(&self) -> serde_json::Value {
        let doc = SegmentJson {
            kaleido: "segment".into(),
            version: AST_VERSION,
            rule: self.expr.clone(),
        };
        serde_json::to_value(doc).unwrap_or(serde_json::Value::Null)
    }

    /// Reads the JSON form written by [`Segment::to_json`]. A bad document is
    /// an [`ErrorKind::Argument`] error naming what is wrong.
    pub fn from_json(value: &serde_json::Value) -> Result<Segment> {
        let doc: SegmentJson = serde_json::from_value(value.clone())
            .map_err(|e| Error::new(ErrorKind::Argument, format!("not a segment AST: {e}")))?;
        if doc.kaleido != "segment" {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "not a segment AST: \"kaleido\" is {:?}, expected \"segment\"",
                    doc.kaleido
                ),
            ));
        }
        if doc.version != AST_VERSION {
            return Err(Error::new(
                ErrorKind::Argument,
                format!("segment AST version {} is not supported (this library reads version {AST_VERSION})", doc.version),
            ));
        }
        // Re-check what the type system cannot: the tree must print and parse back.
        let text = print::to_text(&doc.rule);
        let reparsed = parser::parse(&text).map_err(|e| {
            Error::new(
                ErrorKind::Argument,
                format!("segment AST is not well-formed: {}", e.message()),
            )
        })?;
        Ok(Segment { expr: reparsed })
    }
}

impl std::fmt::Display for Segment {
    /// The canonical text: `Segment::parse(&s.to_string())` equals `s`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&print::to_text(&self.expr))
    }
}

impl std::str::FromStr for Segment {
    type Err = Error;
    fn from_str(s: &str) -> Result<Segment> {
        Segment::parse(s)
    }
}

/// The clock, calendar and references of one evaluation.
///
/// Results are a pure function of the profile and these options.
#[derive(Debug, Clone, Copy)]
pub struct EvalOptions<'a> {
    /// The evaluation instant; events after it are ignored.
    pub as_of: DateTime<Utc>,
    /// The zone that cuts calendar days, months and years.
    pub time_zone: Tz,
    /// Resolves `in segment "name"`.
    pub segments: Option<&'a SegmentSet>,
}

impl EvalOptions<'static> {
    /// Options at `as_of` in UTC with no segment set.
    pub fn at(as_of: DateTime<Utc>) -> Self {
        EvalOptions {
            as_of,
            time_zone: Tz::UTC,
            segments: None,
        }
    }
}

/// Parses an IANA zone name (`Europe/Berlin`), as a [`ErrorKind::Locale`] error if unknown.
pub fn parse_time_zone(name: &str) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| {
        Error::new(
            ErrorKind::Locale,
            format!("unknown time zone {name:?} (expected an IANA name such as \"Europe/Berlin\")"),
        )
    })
}

/// Parses an `asOf` instant: RFC 3339 (`2025-01-31T09:00:00Z`) or a date
/// (`2025-01-31`, meaning the start of that day in `tz`, as `new Date("2025-01-31")` does in UTC).
pub fn parse_as_of(text: &str, tz: Tz) -> Result<DateTime<Utc>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Ok(dt.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let end = d.and_hms_opt(0, 0, 0).map(|n| time::resolve_local(n, tz));
        if let Some(t) = end {
            return Ok(t);
        }
    }
    Err(Error::new(
        ErrorKind::Argument,
        format!("asOf {text:?} is not an RFC 3339 date-time or a YYYY-MM-DD date"),
    ))
}

/// The closest of `candidates` to `word` (a did-you-mean suggestion), if any is close.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&word.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
