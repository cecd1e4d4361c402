//! Segments compiled to SQL: the same members in a warehouse as in the browser.
//!
//! [`to_sql`] turns a [`Segment`] into one `SELECT id FROM profiles WHERE …`
//! query for DuckDB, PostgreSQL, Spark SQL, BigQuery or Snowflake, over the
//! table layout described in `docs/sql.md` ([`TableLayout`]). The query has
//! the evaluator's semantics (`docs/semantics.md`): unknown is SQL `NULL`, a
//! profile is a member when the `WHERE` clause is `TRUE`, and every window,
//! date bound and anniversary is computed here, in Rust, as constants, so
//! engines never do calendar arithmetic of their own (except the per-event
//! `within N UNIT` of a sequence, see `docs/sql.md`).
//!
//! ```
//! use kaleido::sql::{to_sql, Dialect, SqlOptions};
//! use kaleido::{Schema, Segment};
//!
//! let schema = Schema::from_json(&serde_json::json!({"age": "number"})).unwrap();
//! let seg = Segment::parse("age >= 30 and did purchase in last 7 days").unwrap();
//! let as_of = kaleido::parse_as_of("2025-06-01T00:00:00Z", chrono_tz::Tz::UTC).unwrap();
//! let mut opts = SqlOptions::new(Dialect::DuckDb, as_of);
//! opts.schema = Some(&schema);
//! let sql = to_sql(&seg, &opts).unwrap();
//! assert!(sql.starts_with("SELECT p.\"id\" FROM \"profiles\" AS p WHERE "));
//! assert!(sql.contains("TIMESTAMPTZ '2025-05-25 00:00:00+00'"));
//! ```

mod compile;
mod dialect;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::error::Result;
use crate::rules::{Schema, Segment, SegmentSet};

pub use dialect::Dialect;

/// Where event properties live in the events table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Properties {
    /// One column per property, named by its dotted path (`amount`,
    /// `"product.id"`), typed per the schema.
    Columns,
    /// One JSON column holding the whole property object (Postgres `jsonb`,
    /// DuckDB `JSON`, Spark `STRING`, BigQuery `JSON`, Snowflake `VARIANT`).
    Json(String),
}

/// The tables a compiled query reads (see `docs/sql.md`).
///
/// Table names are dotted paths (`analytics.profiles`): each part is quoted
/// as an identifier. Column names are quoted exactly as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLayout {
    /// The profiles table: one row per profile, one column per attribute
    /// (named by the attribute's dotted path, e.g. `"consent.marketing"`).
    pub profiles: String,
    /// The events table: one row per event.
    pub events: String,
    /// The profile id column of the profiles table (non-null, unique).
    pub id_column: String,
    /// A column to order the result by instead of the id (e.g. a load-order
    /// number); the query still selects only the id.
    pub order_column: Option<String>,
    /// The events table's column holding the profile id.
    pub event_profile_column: String,
    /// The events table's column holding the event type.
    pub event_type_column: String,
    /// The events table's column holding the event time (an instant:
    /// `TIMESTAMPTZ`, Spark `TIMESTAMP`, BigQuery `TIMESTAMP`, Snowflake `TIMESTAMP_TZ`).
    pub event_time_column: String,
    /// How event properties are stored.
    pub properties: Properties,
}

impl Default for TableLayout {
    /// `profiles(id, …)` and `events(profile_id, type, at, …)` with one
    /// column per property.
    fn default() -> TableLayout {
        TableLayout {
            profiles: "profiles".into(),
            events: "events".into(),
            id_column: "id".into(),
            order_column: None,
            event_profile_column: "profile_id".into(),
            event_type_column: "type".into(),
            event_time_column: "at".into(),
            properties: Properties::Columns,
        }
    }
}

/// Everything a compiled query depends on besides the rule.
#[derive(Debug, Clone)]
pub struct SqlOptions<'a> {
    /// The SQL dialect to write.
    pub dialect: Dialect,
    /// The table layout.
    pub tables: TableLayout,
    /// The evaluation instant: windows and date bounds are computed from it.
    pub as_of: DateTime<Utc>,
    /// The zone that cuts calendar days, months and years.
    pub time_zone: Tz,
    /// Resolves `in segment "name"` (each referenced segment becomes a CTE).
    pub segments: Option<&'a SegmentSet>,
    /// The attribute and event property types: they decide how values
    /// compare (dates against date-times, lists as arrays). Without a
    /// declaration, a type is taken from the literal compared with; where that
    /// is not enough (`contains`, date conditions) compiling fails and names
    /// the attribute.
    pub schema: Option<&'a Schema>,
}

impl SqlOptions<'static> {
    /// Options for `dialect` at `as_of` in UTC, with the default layout, no
    /// segment set and no schema.
    pub fn new(dialect: Dialect, as_of: DateTime<Utc>) -> SqlOptions<'static> {
        SqlOptions {
            dialect,
            tables: TableLayout::default(),
            as_of,
            time_zone: Tz::UTC,
            segments: None,
            schema: None,
        }
    }
}

/// Compiles `segment` to one query returning the ids of its members, ordered
/// by id (or by [`TableLayout::order_column`]).
///
/// Errors: [`crate::ErrorKind::Reference`] for an unknown segment,
/// [`crate::ErrorKind::Type`] for a construct the schema makes impossible to
/// compile faithfully (with the node's position), [`crate::ErrorKind::Argument`]
/// for a value SQL cannot hold (a NUL character, a year past 9999).
pub fn to_sql(segment: &Segment, opts: &SqlOptions) -> Result<String> {
    compile::compile(segment, opts)
}

impl Segment {
    /// Compiles this segment to SQL; see [`to_sql`].
    pub fn to_sql(&self, opts: &SqlOptions) -> Result<String> {
        to_sql(self, opts)
    }
}
