//! # Kaleido
//!
//! Segment rules and dynamic content for email marketing, evaluated where the
//! subscriber data already is: in the browser (through WebAssembly), in Node,
//! or natively.
//!
//! ```
//! use kaleido::Segment;
//!
//! let rule = Segment::parse("age >= 30 AND did purchase in last 30 days").unwrap();
//! assert_eq!(rule.to_string(), "age >= 30 and did purchase in last 30 days");
//! ```
//!
//! Every failure is an [`Error`] with an [`ErrorKind`], a message and, where
//! known, a line and column (or a row and field for data).
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod audience;
pub mod campaign;
mod content;
mod error;
mod json_scan;
pub mod jsonlogic;
pub mod locale;
pub mod predict;
pub mod rules;
pub mod sql;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use audience::{Audience, AudienceBuilder, IdValue, LoadOptions, LoadSummary, SkippedRow};
pub use content::{
    Block, ConditionKind, Formality, MatrixRow, Register, RenderOptions, Template, TemplateOptions,
    Variant, VariantReport, DEFAULT_FUEL, DEFAULT_MAX_OUTPUT,
};
pub use error::{Error, ErrorKind, Result, Span};
pub use rules::Explanation;
pub use rules::{parse_as_of, parse_time_zone, EvalOptions, Segment, SegmentSet};
pub use rules::{Diagnostic, EventSchema, FieldType, Schema, Severity, ValueType};

/// The library version (the crate's and the npm package's).
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
