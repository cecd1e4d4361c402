//! The one error type of the crate.
//!
//! Every failure — a parse error in a rule, a bad row in a list, a template
//! syntax error, a limit hit while rendering — is an [`Error`] with an
//! [`ErrorKind`], a message, and where known a position. In JavaScript it
//! surfaces as `KaleidoError` with the same fields.

use std::fmt;

/// What went wrong, in one word. Maps one-to-one to `KaleidoError.kind` in JS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text of a rule (or other source) could not be parsed.
    Parse,
    /// A value or field has the wrong type for how it is used.
    Type,
    /// A segment reference is unknown or forms a cycle.
    Reference,
    /// Input data (a profile, a row, an event) is malformed.
    Data,
    /// A template failed to compile or render.
    Template,
    /// A locale or time zone is unknown or unsupported.
    Locale,
    /// A resource limit (steps, recursion, output size) was reached.
    Limit,
    /// An argument to an API call is invalid.
    Argument,
}

impl ErrorKind {
    /// The lowercase name used in JavaScript (`KaleidoError.kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Parse => "parse",
            ErrorKind::Type => "type",
            ErrorKind::Reference => "reference",
            ErrorKind::Data => "data",
            ErrorKind::Template => "template",
            ErrorKind::Locale => "locale",
            ErrorKind::Limit => "limit",
            ErrorKind::Argument => "argument",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A position in source text: 1-based line and column (in characters) plus
/// the byte range it covers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column of `start`, counted in characters.
    pub column: u32,
}

/// Spans never take part in equality: two rules that differ only in layout
/// are the same rule.
impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

impl Span {
    /// The span of bytes `start..end` in `source`, with line and column computed.
    pub fn locate(source: &str, start: usize, end: usize) -> Span {
        let start = start.min(source.len());
        let before = source.get(..start).unwrap_or("");
        let line = before.matches('\n').count() as u32 + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = source
            .get(line_start..start)
            .map(|s| s.chars().count())
            .unwrap_or(0) as u32
            + 1;
        Span {
            start,
            end: end.max(start).min(source.len()),
            line,
            column,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Repr {
    kind: ErrorKind,
    message: String,
    span: Option<Span>,
    snippet: Option<String>,
    row: Option<u64>,
    field: Option<String>,
}

/// The error of every fallible operation in Kaleido.
///
/// `{}` prints `kind: message (at line:column)`; `{:#}` adds the source line
/// with a caret under the position.
///
/// ```
/// let err = kaleido::Segment::parse("age >=").unwrap_err();
/// assert_eq!(err.kind(), kaleido::ErrorKind::Parse);
/// assert_eq!((err.line(), err.column()), (Some(1), Some(7)));
/// ```
#[derive(Clone, PartialEq)]
pub struct Error {
    repr: Box<Repr>,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            repr: Box::new(Repr {
                kind,
                message: message.into(),
                span: None,
                snippet: None,
                row: None,
                field: None,
            }),
        }
    }

    /// Attaches a position in `source`, and the snippet (the line with a caret).
    pub fn with_span(mut self, source: &str, span: Span) -> Error {
        self.repr.snippet = Some(snippet(source, span));
        self.repr.span = Some(span);
        self
    }

    /// Attaches a position without source text (no snippet).
    pub fn with_position(mut self, span: Span) -> Error {
        self.repr.span = Some(span);
        self
    }

    /// Attaches a data position: a 1-based row and/or a field name.
    pub fn with_row_field(mut self, row: Option<u64>, field: Option<String>) -> Error {
        if row.is_some() {
            self.repr.row = row;
        }
        if field.is_some() {
            self.repr.field = field;
        }
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.repr.kind
    }

    /// The message, without the position.
    pub fn message(&self) -> &str {
        &self.repr.message
    }

    /// The span in the source, where known.
    pub fn span(&self) -> Option<Span> {
        self.repr.span
    }

    /// 1-based line, where known.
    pub fn line(&self) -> Option<u32> {
        self.repr.span.map(|s| s.line)
    }

    /// 1-based column, where known.
    pub fn column(&self) -> Option<u32> {
        self.repr.span.map(|s| s.column)
    }

    /// The offending source line with a caret row under the position.
    pub fn snippet(&self) -> Option<&str> {
        self.repr.snippet.as_deref()
    }

    /// 1-based row of bad input data, where known.
    pub fn row(&self) -> Option<u64> {
        self.repr.row
    }

    /// Field (attribute or column) of bad input data, where known.
    pub fn field(&self) -> Option<&str> {
        self.repr.field.as_deref()
    }
}

fn snippet(source: &str, span: Span) -> String {
    let line_text = source.lines().nth(span.line as usize - 1).unwrap_or("");
    let width = source
        .get(span.start..span.end)
        .map(|s| s.lines().next().unwrap_or("").chars().count())
        .unwrap_or(1)
        .max(1);
    let gutter = format!("{} | ", span.line);
    format!(
        "{gutter}{line_text}\n{}{}",
        " ".repeat(gutter.len() + span.column as usize - 1),
        "^".repeat(width)
    )
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.repr.kind, self.repr.message)?;
        if let Some(span) = self.repr.span {
            write!(f, " (at {}:{})", span.line, span.column)?;
        }
        match (self.repr.row, &self.repr.field) {
            (Some(row), Some(field)) => write!(f, " (row {row}, field {field})")?,
            (Some(row), None) => write!(f, " (row {row})")?,
            (None, Some(field)) => write!(f, " (field {field})")?,
            (None, None) => {}
        }
        if f.alternate() {
            if let Some(snippet) = &self.repr.snippet {
                write!(f, "\n{snippet}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:#}")
    }
}

impl std::error::Error for Error {}
