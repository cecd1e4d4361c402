//! What differs between SQL engines: quoting, literals, and the few
//! functions a compiled segment needs (case folding, regexes, arrays, JSON,
//! local wall-clock time). Everything else the compiler writes is standard SQL.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use crate::error::{Error, ErrorKind, Result};
use crate::rules::ast::Unit;

/// A SQL dialect `to_sql` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// DuckDB (1.x and later, with its bundled ICU and JSON extensions).
    DuckDb,
    /// PostgreSQL 13 or later, built with ICU (as Debian's is).
    Postgres,
    /// Spark SQL 4 (with `spark.sql.session.timeZone` = `UTC`).
    Spark,
    /// Google BigQuery (GoogleSQL). Not verified on a real engine.
    BigQuery,
    /// Snowflake. Not verified on a real engine.
    Snowflake,
}

impl Dialect {
    /// Every dialect, in documentation order.
    pub const ALL: [Dialect; 5] = [
        Dialect::DuckDb,
        Dialect::Postgres,
        Dialect::Spark,
        Dialect::BigQuery,
        Dialect::Snowflake,
    ];

    /// The dialect's name: `duckdb`, `postgres`, `spark`, `bigquery`, `snowflake`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Spark => "spark",
            Dialect::BigQuery => "bigquery",
            Dialect::Snowflake => "snowflake",
        }
    }

    /// Reads a dialect name (as [`Dialect::name`] writes it; `postgresql` too).
    pub fn from_name(name: &str) -> Result<Dialect> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "duckdb" => Dialect::DuckDb,
            "postgres" | "postgresql" => Dialect::Postgres,
            "spark" => Dialect::Spark,
            "bigquery" => Dialect::BigQuery,
            "snowflake" => Dialect::Snowflake,
            _ => {
                return Err(Error::new(
                    ErrorKind::Argument,
                    format!("unknown SQL dialect {name:?} (expected duckdb, postgres, spark, bigquery or snowflake)"),
                ))
            }
        })
    }

    /// A quoted identifier: any text, quotes escaped.
    pub(crate) fn ident(self, name: &str) -> Result<String> {
        no_nul(name, "an identifier")?;
        Ok(match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            Dialect::BigQuery => format!("`{}`", escape_backslash(name, '`')),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        })
    }

    /// A table name: dotted parts, each quoted.
    pub(crate) fn table(self, name: &str) -> Result<String> {
        let parts: Result<Vec<String>> = name.split('.').map(|p| self.ident(p)).collect();
        Ok(parts?.join("."))
    }

    /// A string literal that reads back as exactly `s`.
    pub(crate) fn string(self, s: &str) -> Result<String> {
        no_nul(s, "a string")?;
        Ok(match self {
            // Plain literals are raw text; with a backslash, an E'' literal
            // reads the same whatever `standard_conforming_strings` says.
            Dialect::Postgres if s.contains('\\') => {
                format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
            }
            Dialect::Postgres | Dialect::DuckDb => format!("'{}'", s.replace('\'', "''")),
            Dialect::Spark | Dialect::BigQuery | Dialect::Snowflake => {
                format!("'{}'", escape_backslash(s, '\''))
            }
        })
    }

    /// A number literal that reads back as exactly `x` (a `DOUBLE` unless it
    /// is a small integer).
    pub(crate) fn number(self, x: f64) -> Result<String> {
        if !x.is_finite() {
            return Err(Error::new(
                ErrorKind::Argument,
                format!("the number {x} has no SQL literal"),
            ));
        }
        if x.fract() == 0.0 && x.abs() < 1e15 {
            // Exact: |x| < 2^53. `{:.0}` never prints an exponent.
            return Ok(format!("{x:.0}"));
        }
        Ok(format!("CAST('{x:?}' AS {})", self.double_type()))
    }

    /// The name of the 64-bit float type.
    pub(crate) fn double_type(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::BigQuery => "FLOAT64",
            _ => "DOUBLE",
        }
    }

    /// A `NULL` of boolean type.
    pub(crate) fn null_bool(self) -> &'static str {
        match self {
            Dialect::BigQuery => "CAST(NULL AS BOOL)",
            _ => "CAST(NULL AS BOOLEAN)",
        }
    }

    /// A date literal.
    pub(crate) fn date(self, d: NaiveDate) -> Result<String> {
        check_year(d.year())?;
        let text = d.format("%Y-%m-%d");
        Ok(match self {
            Dialect::Snowflake => format!("'{text}'::DATE"),
            _ => format!("DATE '{text}'"),
        })
    }

    /// An instant literal, at microsecond precision (the caller truncates).
    pub(crate) fn timestamp(self, t: DateTime<Utc>) -> Result<String> {
        check_year(t.year())?;
        let mut text = t.format("%Y-%m-%d %H:%M:%S").to_string();
        let micros = t.nanosecond() / 1000 % 1_000_000;
        if micros != 0 {
            text.push_str(&format!(".{micros:06}"));
        }
        Ok(match self {
            Dialect::DuckDb | Dialect::Postgres => format!("TIMESTAMPTZ '{text}+00'"),
            Dialect::Spark => format!("TIMESTAMP '{text}+00:00'"),
            Dialect::BigQuery => format!("TIMESTAMP '{text}+00'"),
            Dialect::Snowflake => format!("'{text} +00:00'::TIMESTAMP_TZ"),
        })
    }

    /// A time-zone name as a string literal.
    fn zone(self, tz: Tz) -> Result<String> {
        self.string(tz.name())
    }

    /// `expr` (a string) without leading and trailing white space, as Rust's
    /// `str::trim` removes it (every `char::is_whitespace`, not only spaces).
    pub(crate) fn trim_space(self, expr: &str) -> String {
        let chars = self.white_space_literal();
        match self {
            Dialect::Postgres => format!("btrim({expr}, {chars})"),
            Dialect::Spark => format!("trim(BOTH {chars} FROM {expr})"),
            Dialect::DuckDb => format!("trim({expr}, {chars})"),
            Dialect::BigQuery | Dialect::Snowflake => format!("TRIM({expr}, {chars})"),
        }
    }

    /// The characters of [`white_space`] as a string expression written in
    /// ASCII (escapes or `chr`), so that copying the query keeps them.
    fn white_space_literal(self) -> String {
        let ws = white_space();
        match self {
            Dialect::DuckDb => {
                let parts: Vec<String> = ws
                    .chars()
                    .map(|c| format!("chr({})", u32::from(c)))
                    .collect();
                format!("({})", parts.join(" || "))
            }
            _ => {
                let escaped: String = ws
                    .chars()
                    .map(|c| match c {
                        ' ' => " ".to_string(),
                        c => format!("\\u{:04x}", u32::from(c)),
                    })
                    .collect();
                match self {
                    Dialect::Postgres => format!("E'{escaped}'"),
                    _ => format!("'{escaped}'"),
                }
            }
        }
    }

    /// `expr` (a string) case-folded like the evaluator's `fold`: Unicode
    /// lower case, then NFC. See `docs/sql.md` for where engines differ.
    pub(crate) fn fold(self, expr: &str) -> String {
        match self {
            // DuckDB's lower() is the simple mapping: give it İ's full one.
            Dialect::DuckDb => {
                format!("nfc_normalize(lower(replace({expr}, '\u{130}', 'i\u{307}')))")
            }
            Dialect::Postgres => format!("normalize(lower({expr} COLLATE \"und-x-icu\"), NFC)"),
            // Java's toLowerCase is the full mapping; NFC through the ICU4J Spark 4 ships.
            Dialect::Spark => format!(
                "CASE WHEN {expr} IS NULL THEN NULL ELSE reflect('com.ibm.icu.text.Normalizer', 'compose', lower({expr}), false) END"
            ),
            Dialect::BigQuery => format!("NORMALIZE(LOWER({expr}), NFC)"),
            Dialect::Snowflake => format!("LOWER({expr})"),
        }
    }

    /// `hay` (a string expression) contains the string literal `needle`.
    pub(crate) fn str_contains(self, hay: &str, needle: &str) -> String {
        match self {
            Dialect::Spark => format!("instr({hay}, {needle}) > 0"),
            Dialect::Snowflake => format!("POSITION({needle}, {hay}) > 0"),
            _ => format!("strpos({hay}, {needle}) > 0"),
        }
    }

    /// Whether the array `list` has an element equal to the string literal
    /// `value` (TRUE or FALSE or, on some engines, NULL when it holds a NULL;
    /// the caller maps NULL to FALSE).
    pub(crate) fn array_has(self, list: &str, value: &str) -> String {
        match self {
            Dialect::DuckDb => format!("list_contains({list}, {value})"),
            Dialect::Postgres => format!("{value} = ANY({list})"),
            Dialect::Spark => format!("array_contains({list}, {value})"),
            Dialect::BigQuery => format!("{value} IN UNNEST({list})"),
            Dialect::Snowflake => format!("ARRAY_CONTAINS({value}::VARIANT, {list})"),
        }
    }

    /// `s` (a string expression) matches the regex, searched anywhere, with
    /// the evaluator's flags (`i`, `m`, `s`; by default `.` stops at `\n` and
    /// `^`/`$` anchor the whole text).
    pub(crate) fn regex(self, s: &str, pattern: &str, flags: &str) -> Result<String> {
        let (i, m, dot) = (
            flags.contains('i'),
            flags.contains('m'),
            flags.contains('s'),
        );
        let on_off = |set: &[(bool, char)]| {
            let on: String = set.iter().filter(|(b, _)| *b).map(|(_, c)| *c).collect();
            let off: String = set.iter().filter(|(b, _)| !*b).map(|(_, c)| *c).collect();
            if off.is_empty() {
                format!("(?{on})")
            } else {
                format!("(?{on}-{off})")
            }
        };
        Ok(match self {
            // RE2: every flag set explicitly (DuckDB's default lets `.` match `\n`).
            Dialect::DuckDb => {
                let p = self.string(&format!(
                    "{}{pattern}",
                    on_off(&[(i, 'i'), (m, 'm'), (dot, 's')])
                ))?;
                format!("regexp_matches({s}, {p})")
            }
            Dialect::BigQuery => {
                let p = self.string(&format!(
                    "{}{pattern}",
                    on_off(&[(i, 'i'), (m, 'm'), (dot, 's')])
                ))?;
                format!("REGEXP_CONTAINS({s}, {p})")
            }
            // Postgres AREs: `p` = `.` stops at newlines, `n` = also `^`/`$`
            // at lines, `w` = only `^`/`$` at lines, none = neither.
            Dialect::Postgres => {
                let mode = match (m, dot) {
                    (false, false) => "p",
                    (true, false) => "n",
                    (true, true) => "w",
                    (false, true) => "",
                };
                let opts = format!("{mode}{}", if i { "i" } else { "" });
                let p = if opts.is_empty() {
                    self.string(pattern)?
                } else {
                    self.string(&format!("(?{opts}){pattern}"))?
                };
                format!("{s} ~ {p}")
            }
            // Java: `d` = only `\n` ends a line (as in Rust), `U` = Unicode
            // classes (as in Rust), `u` = Unicode case folding.
            Dialect::Spark => {
                let mut f = String::from("(?dU");
                if i {
                    f.push_str("iu");
                }
                if m {
                    f.push('m');
                }
                if dot {
                    f.push('s');
                }
                f.push(')');
                format!("{s} RLIKE {}", self.string(&format!("{f}{pattern}"))?)
            }
            Dialect::Snowflake => {
                let mut params = String::from(if i { "i" } else { "c" });
                if m {
                    params.push('m');
                }
                if dot {
                    params.push('s');
                }
                format!(
                    "REGEXP_INSTR({s}, {}, 1, 1, 0, '{params}') > 0",
                    self.string(pattern)?
                )
            }
        })
    }

    /// The local wall-clock time (a zone-less timestamp) of the instant `t` in `tz`.
    pub(crate) fn local_time(self, t: &str, tz: Tz) -> Result<String> {
        let z = self.zone(tz)?;
        Ok(match self {
            Dialect::DuckDb => format!("timezone({z}, {t})"),
            Dialect::Postgres => format!("({t} AT TIME ZONE {z})"),
            Dialect::Spark => format!("from_utc_timestamp({t}, {z})"),
            Dialect::BigQuery => format!("DATETIME({t}, {z})"),
            Dialect::Snowflake => format!("CONVERT_TIMEZONE({z}, {t})::TIMESTAMP_NTZ"),
        })
    }

    /// The instant of the local wall-clock time `local` in `tz`, as the engine
    /// resolves it (the caller corrects overlaps to the earlier instant).
    pub(crate) fn resolve_local(self, local: &str, tz: Tz) -> Result<String> {
        let z = self.zone(tz)?;
        Ok(match self {
            Dialect::DuckDb => format!("timezone({z}, {local})"),
            Dialect::Postgres => format!("({local} AT TIME ZONE {z})"),
            Dialect::Spark => format!("to_utc_timestamp({local}, {z})"),
            Dialect::BigQuery => format!("TIMESTAMP({local}, {z})"),
            Dialect::Snowflake => format!("CONVERT_TIMEZONE({z}, 'UTC', {local})::TIMESTAMP_TZ"),
        })
    }

    /// The calendar date of the instant `t` in `tz`.
    pub(crate) fn local_date(self, t: &str, tz: Tz) -> Result<String> {
        Ok(match self {
            Dialect::BigQuery => format!("DATE({t}, {})", self.zone(tz)?),
            Dialect::Spark => format!("to_date({})", self.local_time(t, tz)?),
            _ => format!("CAST({} AS DATE)", self.local_time(t, tz)?),
        })
    }

    /// A zone-less timestamp moved by `amount` calendar units (days, weeks,
    /// months clamped to the month's end, years).
    pub(crate) fn add_local(self, local: &str, unit: Unit, amount: u32) -> String {
        let amount = i64::from(amount);
        let (n, word) = match unit {
            Unit::Hours => (amount, "HOUR"),
            Unit::Days => (amount, "DAY"),
            Unit::Weeks => (amount * 7, "DAY"),
            Unit::Months => (amount, "MONTH"),
            Unit::Years => (amount * 12, "MONTH"),
        };
        self.add_interval(local, n, word, true)
    }

    /// An instant moved by exactly `hours` hours (negative: earlier).
    pub(crate) fn add_hours(self, t: &str, hours: i64) -> String {
        self.add_interval(t, hours, "HOUR", false)
    }

    fn add_interval(self, t: &str, n: i64, word: &str, local: bool) -> String {
        match self {
            Dialect::DuckDb | Dialect::Postgres => {
                format!("({t} + INTERVAL '{n} {}s')", word.to_ascii_lowercase())
            }
            Dialect::Spark => format!("({t} + INTERVAL '{n}' {word})"),
            Dialect::BigQuery if local => format!("DATETIME_ADD({t}, INTERVAL {n} {word})"),
            Dialect::BigQuery => format!("TIMESTAMP_ADD({t}, INTERVAL {n} {word})"),
            Dialect::Snowflake => format!("DATEADD({word}, {n}, {t})"),
        }
    }

    /// `MONTH * 100 + DAY` of a date expression (an integer).
    pub(crate) fn month_day(self, date: &str) -> String {
        match self {
            Dialect::Postgres => format!(
                "CAST(EXTRACT(MONTH FROM {date}) * 100 + EXTRACT(DAY FROM {date}) AS INTEGER)"
            ),
            _ => format!("(EXTRACT(MONTH FROM {date}) * 100 + EXTRACT(DAY FROM {date}))"),
        }
    }

    /// The text at `path` inside the JSON column `json` (NULL when missing or JSON null).
    pub(crate) fn json_text(self, json: &str, path: &[String]) -> Result<String> {
        Ok(match self {
            Dialect::Postgres => {
                let keys: Result<Vec<String>> = path.iter().map(|k| self.string(k)).collect();
                format!("jsonb_extract_path_text({json}, {})", keys?.join(", "))
            }
            Dialect::DuckDb => {
                // A JSON pointer: `~` and `/` escaped, no other syntax.
                let pointer: String = path
                    .iter()
                    .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
                    .collect();
                format!("json_extract_string({json}, {})", self.string(&pointer)?)
            }
            Dialect::Spark => format!("get_json_object({json}, {})", self.json_path(path)?),
            Dialect::BigQuery => format!("JSON_VALUE({json}, {})", self.json_path(path)?),
            Dialect::Snowflake => {
                let mut e = json.to_string();
                for k in path {
                    e = format!("GET({e}, {})", self.string(k)?);
                }
                format!("({e})::VARCHAR")
            }
        })
    }

    /// The string array at `path` inside the JSON column `json`.
    pub(crate) fn json_string_list(self, json: &str, path: &[String]) -> Result<String> {
        Ok(match self {
            Dialect::Postgres => {
                let keys: Result<Vec<String>> = path.iter().map(|k| self.string(k)).collect();
                format!(
                    "ARRAY(SELECT jsonb_array_elements_text(jsonb_extract_path({json}, {})))",
                    keys?.join(", ")
                )
            }
            Dialect::DuckDb => {
                let pointer: String = path
                    .iter()
                    .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
                    .collect();
                format!(
                    "CAST(json_extract({json}, {}) AS VARCHAR[])",
                    self.string(&pointer)?
                )
            }
            Dialect::Spark => format!(
                "from_json(get_json_object({json}, {}), 'array<string>')",
                self.json_path(path)?
            ),
            Dialect::BigQuery => format!("JSON_VALUE_ARRAY({json}, {})", self.json_path(path)?),
            Dialect::Snowflake => {
                let mut e = json.to_string();
                for k in path {
                    e = format!("GET({e}, {})", self.string(k)?);
                }
                format!("({e})::ARRAY")
            }
        })
    }

    /// A `$.a.b` JSON path literal (Spark, BigQuery): plain keys only.
    fn json_path(self, path: &[String]) -> Result<String> {
        let mut p = String::from("$");
        for k in path {
            if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error::new(
                    ErrorKind::Argument,
                    format!(
                        "the JSON property {k:?} cannot be written as a {} JSON path (use letters, digits and _ only, or property columns)",
                        self.name()
                    ),
                ));
            }
            p.push('.');
            p.push_str(k);
        }
        self.string(&p)
    }

    /// `CAST(expr AS type)` for a schema type read from JSON text.
    pub(crate) fn cast_text(self, expr: &str, ty: SqlType) -> String {
        let t = match (self, ty) {
            (_, SqlType::Text) => return expr.to_string(),
            (Dialect::Postgres, SqlType::Double) => "DOUBLE PRECISION",
            (Dialect::BigQuery, SqlType::Double) => "FLOAT64",
            (_, SqlType::Double) => "DOUBLE",
            (Dialect::BigQuery, SqlType::Boolean) => "BOOL",
            (_, SqlType::Boolean) => "BOOLEAN",
            (_, SqlType::Date) => "DATE",
            (Dialect::DuckDb | Dialect::Postgres, SqlType::Instant) => "TIMESTAMPTZ",
            (Dialect::Snowflake, SqlType::Instant) => "TIMESTAMP_TZ",
            (_, SqlType::Instant) => "TIMESTAMP",
        };
        format!("CAST({expr} AS {t})")
    }
}

/// The SQL types JSON text is cast to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SqlType {
    /// Strings.
    Text,
    /// Numbers.
    Double,
    /// Booleans.
    Boolean,
    /// Calendar dates.
    Date,
    /// Instants.
    Instant,
}

/// The characters `str::trim` removes: every `char::is_whitespace` (all
/// are below U+3001).
fn white_space() -> String {
    (0..=0x3000u32)
        .filter_map(char::from_u32)
        .filter(|c| c.is_whitespace())
        .collect()
}

fn no_nul(s: &str, what: &str) -> Result<()> {
    if s.contains('\0') {
        return Err(Error::new(
            ErrorKind::Argument,
            format!("{what} containing a NUL character cannot be written in SQL"),
        ));
    }
    Ok(())
}

fn check_year(year: i32) -> Result<()> {
    if !(1..=9999).contains(&year) {
        return Err(Error::new(
            ErrorKind::Argument,
            format!("the year {year} is outside the range SQL dates hold (1 to 9999)"),
        ));
    }
    Ok(())
}

/// Backslash-escaping for engines whose quoted text reads `\` escapes
/// (Spark, BigQuery, Snowflake): `\`, the quote, and control characters.
fn escape_backslash(s: &str, quote: char) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_escapes() {
        let nasty = "a'b\\c\"d`e\nf";
        assert_eq!(Dialect::DuckDb.string(nasty).unwrap(), "'a''b\\c\"d`e\nf'");
        assert_eq!(
            Dialect::Postgres.string(nasty).unwrap(),
            "E'a''b\\\\c\"d`e\nf'"
        );
        assert_eq!(
            Dialect::Spark.string(nasty).unwrap(),
            "'a\\'b\\\\c\"d`e\\nf'"
        );
        assert_eq!(Dialect::Postgres.ident("a\"b").unwrap(), "\"a\"\"b\"");
        assert_eq!(Dialect::Spark.ident("a`b").unwrap(), "`a``b`");
        assert_eq!(Dialect::BigQuery.ident("a`b\\").unwrap(), "`a\\`b\\\\`");
        assert!(Dialect::DuckDb.string("a\0").is_err());
    }

    #[test]
    fn trimmed_white_space_is_what_rust_trims() {
        let ws = white_space();
        let all: String = (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        assert_eq!(ws, all);
        assert_eq!(ws.chars().count(), 25);
        assert!(Dialect::Postgres
            .trim_space("x")
            .starts_with("btrim(x, E'\\u0009\\u000a"));
        assert!(Dialect::DuckDb
            .trim_space("x")
            .starts_with("trim(x, (chr(9) || chr(10) ||"));
        for d in Dialect::ALL {
            assert!(d.trim_space("x").is_ascii(), "{d:?}");
        }
    }

    #[test]
    fn numbers_read_back_exactly() {
        assert_eq!(Dialect::DuckDb.number(30.0).unwrap(), "30");
        assert_eq!(Dialect::DuckDb.number(-2.0).unwrap(), "-2");
        assert_eq!(
            Dialect::Postgres.number(0.7).unwrap(),
            "CAST('0.7' AS DOUBLE PRECISION)"
        );
        assert_eq!(
            Dialect::Spark.number(1e300).unwrap(),
            "CAST('1e300' AS DOUBLE)"
        );
    }
}
