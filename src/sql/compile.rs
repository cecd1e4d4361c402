//! The compiler: one segment AST to one `SELECT`.
//!
//! Every condition becomes a SQL boolean that is `TRUE`, `FALSE` or `NULL`
//! exactly when the evaluator's is true, false or unknown on the same
//! (well-typed) data. Conditions whose outcome the schema already decides
//! (a number compared with a string) become constants that keep `NULL` for a
//! missing value. Time bounds are constants computed with `rules::time`.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

use super::dialect::{Dialect, SqlType};
use super::{Properties, SqlOptions};
use crate::error::{Error, ErrorKind, Result, Span};
use crate::rules::ast::{
    AggFunc, CmpOp, CultureTest, Direction, Duration, EventRef, Expr, LastTest, Literal, Path,
    Times, Unit, Window,
};
use crate::rules::value::{self, Clock, Temporal};
use crate::rules::{time, Segment, ValueType};

/// The type of a column, from the schema or from the literal compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Number,
    String,
    Boolean,
    Date,
    DateTime,
    List,
}

impl From<ValueType> for Ty {
    fn from(t: ValueType) -> Ty {
        match t {
            ValueType::Number => Ty::Number,
            ValueType::String => Ty::String,
            ValueType::Boolean => Ty::Boolean,
            ValueType::Date => Ty::Date,
            ValueType::DateTime => Ty::DateTime,
            ValueType::StringList => Ty::List,
        }
    }
}

/// The type a literal implies for an undeclared attribute. Dates do not:
/// a date literal may meet a date-time column, so those need the schema.
fn literal_ty(lit: &Literal) -> Option<Ty> {
    match lit {
        Literal::Number(_) => Some(Ty::Number),
        Literal::String(_) => Some(Ty::String),
        Literal::Bool(_) => Some(Ty::Boolean),
        Literal::Date(_) | Literal::DateTime(_) => None,
    }
}

/// A column (or an expression over one) and its type, if known.
#[derive(Debug, Clone)]
struct Col {
    sql: String,
    ty: Option<Ty>,
    /// The attribute's name, for error messages.
    name: String,
}

/// Where attribute paths are read.
#[derive(Debug, Clone, Copy)]
enum Scope<'s> {
    /// The profile row `p`.
    Profile,
    /// One event row inside a `where`: its alias and type, and for the
    /// second event of a sequence the first one's alias and type.
    Event {
        alias: &'s str,
        event: &'s str,
        first: Option<(&'s str, &'s str)>,
    },
}

pub(crate) fn compile(segment: &Segment, opts: &SqlOptions) -> Result<String> {
    let mut c = Compiler {
        opts,
        d: opts.dialect,
        clock: Clock::new(opts.as_of, opts.time_zone),
        ctes: Vec::new(),
        cte_of: HashMap::new(),
        in_progress: Vec::new(),
        next_alias: 0,
    };
    let cond = c.expr(Scope::Profile, segment.expr())?;
    let t = &opts.tables;
    let d = opts.dialect;
    let id = d.ident(&t.id_column)?;
    let order = match &t.order_column {
        Some(col) => d.ident(col)?,
        None => id.clone(),
    };
    let mut sql = String::new();
    if !c.ctes.is_empty() {
        let defs: Vec<String> = c
            .ctes
            .iter()
            .map(|(name, body)| format!("{name} AS ({body})"))
            .collect();
        sql.push_str("WITH ");
        sql.push_str(&defs.join(", "));
        sql.push(' ');
    }
    sql.push_str(&format!(
        "SELECT p.{id} FROM {} AS p WHERE {cond} ORDER BY p.{order}",
        d.table(&t.profiles)?
    ));
    Ok(sql)
}

struct Compiler<'o> {
    opts: &'o SqlOptions<'o>,
    d: Dialect,
    clock: Clock,
    /// Referenced segments as `(cte name, body)`, dependencies first.
    ctes: Vec<(String, String)>,
    cte_of: HashMap<String, String>,
    in_progress: Vec<String>,
    next_alias: u32,
}

fn type_error(span: Span, message: String) -> Error {
    Error::new(ErrorKind::Type, message).with_position(span)
}

fn sql_op(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
    }
}

/// `t` truncated to whole microseconds (what SQL timestamps hold).
fn floor_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    let extra = t.nanosecond() % 1000;
    t - chrono::Duration::nanoseconds(i64::from(extra))
}

impl<'o> Compiler<'o> {
    fn alias(&mut self, prefix: &str) -> String {
        self.next_alias += 1;
        format!("{prefix}{}", self.next_alias)
    }

    /// `TRUE` when `sql` is not NULL, else NULL.
    fn true_if_set(&self, sql: &str) -> String {
        format!("({sql} IS NOT NULL OR {})", self.d.null_bool())
    }

    /// `FALSE` when `sql` is not NULL, else NULL.
    fn false_if_set(&self, sql: &str) -> String {
        format!("({sql} IS NULL AND {})", self.d.null_bool())
    }

    fn expr(&mut self, scope: Scope, e: &Expr) -> Result<String> {
        match e {
            Expr::And { args, .. } | Expr::Or { args, .. } => {
                let word = if matches!(e, Expr::And { .. }) {
                    " AND "
                } else {
                    " OR "
                };
                let parts: Result<Vec<String>> = args.iter().map(|a| self.expr(scope, a)).collect();
                Ok(format!("({})", parts?.join(word)))
            }
            Expr::Not { arg, .. } => Ok(format!("(NOT {})", self.expr(scope, arg)?)),
            Expr::Same { path, span } => self.same(scope, path, *span),
            Expr::Did { span, .. }
            | Expr::Aggregate { span, .. }
            | Expr::Last { span, .. }
            | Expr::Sequence { span, .. }
            | Expr::InSegment { span, .. }
            | Expr::Culture { span, .. }
                if matches!(scope, Scope::Event { .. }) =>
            {
                Err(type_error(
                    *span,
                    "event conditions, segment references and cultural conditions cannot appear inside `where`".into(),
                ))
            }
            Expr::Did {
                event,
                negated,
                times,
                window,
                span,
            } => self.did(event, *negated, *times, window.as_ref(), *span),
            Expr::Aggregate {
                func,
                event,
                field,
                window,
                cmp,
                value,
                span,
            } => self.aggregate(
                *func,
                event,
                field.as_ref(),
                window.as_ref(),
                *cmp,
                *value,
                *span,
            ),
            Expr::Last { event, test, span } => self.last(event, *test, *span),
            Expr::Sequence {
                first,
                then,
                negated,
                within,
                window,
                span,
            } => self.sequence(first, then, *negated, *within, window.as_ref(), *span),
            Expr::InSegment {
                name,
                negated,
                span,
            } => self.in_segment(name, *negated, *span),
            Expr::Culture { test, span } => self.culture(test, *span),
            attr => self.attribute(scope, attr),
        }
    }

    // ---- columns -------------------------------------------------------

    /// Resolves an attribute path in `scope`; `hint` is the type to assume
    /// when the schema does not declare one.
    fn col(&self, scope: Scope, path: &Path, hint: Option<Ty>) -> Result<Col> {
        let name = path.join(".");
        let schema = self.opts.schema;
        let t = &self.opts.tables;
        match scope {
            Scope::Profile => {
                let ty = schema.and_then(|s| s.attribute(&name)).map(Ty::from);
                Ok(Col {
                    sql: format!("p.{}", self.d.ident(&name)?),
                    ty: ty.or(hint),
                    name,
                })
            }
            Scope::Event { alias, event, .. } => {
                if name == "at" {
                    return Ok(Col {
                        sql: format!("{alias}.{}", self.d.ident(&t.event_time_column)?),
                        ty: Some(Ty::DateTime),
                        name,
                    });
                }
                if name == "type" {
                    return Ok(Col {
                        sql: format!("{alias}.{}", self.d.ident(&t.event_type_column)?),
                        ty: Some(Ty::String),
                        name,
                    });
                }
                let declared = schema
                    .and_then(|s| s.event(event))
                    .and_then(|e| e.get(&name))
                    .map(Ty::from);
                let ty = declared.or(hint);
                let sql = match &t.properties {
                    Properties::Columns => format!("{alias}.{}", self.d.ident(&name)?),
                    Properties::Json(column) => {
                        let json = format!("{alias}.{}", self.d.ident(column)?);
                        let Some(ty) = ty else {
                            return Err(Error::new(
                                ErrorKind::Type,
                                format!("the type of event property {name:?} of {event:?} is not known: declare it in the schema to read it from JSON"),
                            ));
                        };
                        let nested = self.json_value(&json, path, ty)?;
                        if path.len() > 1 {
                            let flat = self.json_value(&json, std::slice::from_ref(&name), ty)?;
                            format!("COALESCE({nested}, {flat})")
                        } else {
                            nested
                        }
                    }
                };
                Ok(Col { sql, ty, name })
            }
        }
    }

    fn json_value(&self, json: &str, path: &[String], ty: Ty) -> Result<String> {
        let d = self.d;
        if ty == Ty::List {
            return d.json_string_list(json, path);
        }
        let text = d.json_text(json, path)?;
        let sql_ty = match ty {
            Ty::Number => SqlType::Double,
            Ty::String | Ty::List => SqlType::Text,
            Ty::Boolean => SqlType::Boolean,
            Ty::Date => SqlType::Date,
            Ty::DateTime => SqlType::Instant,
        };
        Ok(d.cast_text(&text, sql_ty))
    }

    fn unknown_type(&self, col: &Col, span: Span, what: &str) -> Error {
        type_error(
            span,
            format!(
                "the type of {:?} is not known: declare it in the schema ({what}) to compile this condition",
                col.name
            ),
        )
    }

    fn text_of_dates(&self, col: &Col, span: Span) -> Error {
        type_error(
            span,
            format!(
                "{:?} is a date or date-time column: text operators and string comparisons on it cannot be compiled to SQL (compare it with a date literal)",
                col.name
            ),
        )
    }

    // ---- attribute conditions -----------------------------------------

    fn attribute(&mut self, scope: Scope, e: &Expr) -> Result<String> {
        let d = self.d;
        let null = d.null_bool().to_string();
        let span = e.span();
        match e {
            Expr::Compare {
                path, cmp, value, ..
            } => {
                let col = self.col(scope, path, literal_ty(value))?;
                self.compare(&col, *cmp, value, span)
            }
            Expr::Between {
                path, low, high, ..
            } => {
                let col = self.col(scope, path, literal_ty(low))?;
                let a = self.compare(&col, CmpOp::Ge, low, span)?;
                let b = self.compare(&col, CmpOp::Le, high, span)?;
                Ok(format!("({a} AND {b})"))
            }
            Expr::In {
                path,
                values,
                negated,
                ..
            } => {
                let col = self.col(scope, path, values.first().and_then(literal_ty))?;
                let inner = if values.is_empty() {
                    self.false_if_set(&col.sql)
                } else {
                    let parts: Result<Vec<String>> = values
                        .iter()
                        .map(|v| self.compare(&col, CmpOp::Eq, v, span))
                        .collect();
                    format!("({})", parts?.join(" OR "))
                };
                Ok(if *negated {
                    format!("(NOT {inner})")
                } else {
                    inner
                })
            }
            Expr::Contains { path, value, .. } => {
                let col = self.col(scope, path, None)?;
                match col.ty {
                    None => Err(self.unknown_type(&col, span, "string or string[]")),
                    Some(Ty::String) => match value {
                        Literal::String(x) => Ok(self.ci_contains(&col.sql, x)?),
                        _ => Ok(null),
                    },
                    Some(Ty::List) => {
                        let has = self.list_has(&col.sql, value)?;
                        Ok(self.list_case(&col.sql, &has))
                    }
                    Some(Ty::Date | Ty::DateTime) => Err(self.text_of_dates(&col, span)),
                    Some(_) => Ok(null),
                }
            }
            Expr::ContainsList {
                path, all, values, ..
            } => {
                let col = self.col(scope, path, None)?;
                match col.ty {
                    None => Err(self.unknown_type(&col, span, "string or string[]")),
                    Some(Ty::List) => {
                        if values.is_empty() {
                            return Ok(if *all {
                                self.true_if_set(&col.sql)
                            } else {
                                self.false_if_set(&col.sql)
                            });
                        }
                        let parts: Result<Vec<String>> =
                            values.iter().map(|v| self.list_has(&col.sql, v)).collect();
                        let word = if *all { " AND " } else { " OR " };
                        let cond = format!("({})", parts?.join(word));
                        Ok(self.list_case(&col.sql, &cond))
                    }
                    Some(Ty::String) => {
                        if values.is_empty() {
                            return Ok(if *all {
                                self.true_if_set(&col.sql)
                            } else {
                                self.false_if_set(&col.sql)
                            });
                        }
                        let mut parts = Vec::new();
                        for v in values {
                            parts.push(match v {
                                Literal::String(x) => self.ci_contains(&col.sql, x)?,
                                _ => null.clone(),
                            });
                        }
                        let word = if *all { " AND " } else { " OR " };
                        Ok(format!("({})", parts.join(word)))
                    }
                    Some(Ty::Date | Ty::DateTime) => Err(self.text_of_dates(&col, span)),
                    Some(_) => Ok(null),
                }
            }
            Expr::StartsWith { path, value, .. } | Expr::EndsWith { path, value, .. } => {
                let col = self.col(scope, path, Some(Ty::String))?;
                match col.ty {
                    Some(Ty::String) => {
                        let needle = value::fold(value);
                        let n = needle.chars().count();
                        if n == 0 {
                            return Ok(self.true_if_set(&col.sql));
                        }
                        let f = if matches!(e, Expr::StartsWith { .. }) {
                            "LEFT"
                        } else {
                            "RIGHT"
                        };
                        Ok(format!(
                            "({f}({}, {n}) = {})",
                            d.fold(&col.sql),
                            d.string(&needle)?
                        ))
                    }
                    Some(Ty::Date | Ty::DateTime) => Err(self.text_of_dates(&col, span)),
                    _ => Ok(null),
                }
            }
            Expr::Matches {
                path,
                pattern,
                flags,
                ..
            } => {
                crate::rules::validate_regexes(e)?;
                let col = self.col(scope, path, Some(Ty::String))?;
                match col.ty {
                    Some(Ty::String) => Ok(format!(
                        "({})",
                        d.regex(&col.sql, pattern, flags)
                            .map_err(|err| err.with_position(span))?
                    )),
                    Some(Ty::Date | Ty::DateTime) => Err(self.text_of_dates(&col, span)),
                    _ => Ok(null),
                }
            }
            Expr::IsSet { path, negated, .. } => {
                let col = self.col(scope, path, Some(Ty::String))?;
                Ok(format!(
                    "({} IS {}NULL)",
                    col.sql,
                    if *negated { "" } else { "NOT " }
                ))
            }
            Expr::IsTrue { path, .. } => {
                let col = self.col(scope, path, Some(Ty::Boolean))?;
                Ok(match col.ty {
                    Some(Ty::Boolean) => format!("({} = TRUE)", col.sql),
                    _ => null,
                })
            }
            Expr::DateWithin {
                path,
                direction,
                period,
                ..
            } => self.temporal(scope, path, span, |c, col, ty| {
                c.date_within(col, ty, *direction, *period)
            }),
            Expr::DateAgo { path, period, .. } => {
                self.temporal(scope, path, span, |c, col, ty| c.date_ago(col, ty, *period))
            }
            Expr::Anniversary {
                path,
                direction,
                period,
                ..
            } => self.temporal(scope, path, span, |c, col, ty| {
                c.anniversary(col, ty, *direction, *period)
            }),
            Expr::DateBefore { path, value, .. } | Expr::DateAfter { path, value, .. } => {
                if !matches!(value, Literal::Date(_) | Literal::DateTime(_)) {
                    return Err(type_error(
                        span,
                        "`before`/`after` needs a date or a date-time".into(),
                    ));
                }
                let col = self.col(scope, path, None)?;
                let op = if matches!(e, Expr::DateBefore { .. }) {
                    CmpOp::Lt
                } else {
                    CmpOp::Gt
                };
                self.compare(&col, op, value, span)
            }
            other => Err(type_error(
                other.span(),
                "this condition cannot be compiled on its own here".into(),
            )),
        }
    }

    /// A date condition on a date or date-time column.
    fn temporal(
        &mut self,
        scope: Scope,
        path: &Path,
        span: Span,
        f: impl FnOnce(&Self, &str, Ty) -> Result<String>,
    ) -> Result<String> {
        let col = self.col(scope, path, None)?;
        match col.ty {
            None => Err(self.unknown_type(&col, span, "date or datetime")),
            Some(ty @ (Ty::Date | Ty::DateTime)) => {
                f(self, &col.sql, ty).map_err(|e| e.with_position(span))
            }
            Some(Ty::String) => Err(type_error(
                span,
                format!(
                    "{:?} is a string column: date conditions need a date or datetime column",
                    col.name
                ),
            )),
            Some(_) => Ok(self.d.null_bool().to_string()),
        }
    }

    /// `col OP lit`, three-valued, per the evaluator's `order_with_literal`.
    fn compare(&self, col: &Col, op: CmpOp, lit: &Literal, span: Span) -> Result<String> {
        let d = self.d;
        let c = &col.sql;
        let o = sql_op(op);
        let Some(ty) = col.ty else {
            return Err(self.unknown_type(col, span, "date or datetime"));
        };
        Ok(match (ty, lit) {
            (Ty::Number, Literal::Number(x)) => format!("({c} {o} {})", d.number(*x)?),
            (Ty::String, Literal::String(s)) => {
                let collate = if d == Dialect::Postgres && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    " COLLATE \"C\""
                } else {
                    ""
                };
                format!("({c}{collate} {o} {})", d.string(s)?)
            }
            (Ty::Boolean, Literal::Bool(b)) => {
                format!("({c} {o} {})", if *b { "TRUE" } else { "FALSE" })
            }
            (Ty::Date, Literal::Date(x)) => format!("({c} {o} {})", d.date(*x)?),
            (Ty::DateTime, Literal::DateTime(t)) => self.ts_cmp(c, op, t.with_timezone(&Utc))?,
            (Ty::DateTime, Literal::Date(x)) => self.instant_vs_date(c, op, *x)?,
            (Ty::Date, Literal::DateTime(t)) => {
                self.date_vs_instant(c, op, t.with_timezone(&Utc))?
            }
            (Ty::Date | Ty::DateTime, Literal::String(_))
            | (Ty::String, Literal::Date(_) | Literal::DateTime(_)) => {
                return Err(self.text_of_dates(col, span))
            }
            _ => d.null_bool().to_string(),
        })
    }

    /// `c OP t` for an instant column, exact at SQL's microsecond precision.
    fn ts_cmp(&self, c: &str, op: CmpOp, t: DateTime<Utc>) -> Result<String> {
        let floor = floor_micros(t);
        let lit = self.d.timestamp(floor)?;
        if floor == t {
            return Ok(format!("({c} {} {lit})", sql_op(op)));
        }
        // t lies strictly between two microseconds.
        Ok(match op {
            CmpOp::Lt | CmpOp::Le => format!("({c} <= {lit})"),
            CmpOp::Gt | CmpOp::Ge => format!("({c} > {lit})"),
            CmpOp::Eq => self.false_if_set(c),
            CmpOp::Ne => self.true_if_set(c),
        })
    }

    /// An instant column against a date literal: its local date OP `x`.
    fn instant_vs_date(&self, c: &str, op: CmpOp, x: NaiveDate) -> Result<String> {
        let tz = self.clock.tz;
        let s0 = time::start_of_day(x, tz);
        let s1 = x.succ_opt().map(|n| time::start_of_day(n, tz));
        Ok(match (op, s1) {
            (CmpOp::Lt, _) => self.ts_cmp(c, CmpOp::Lt, s0)?,
            (CmpOp::Ge, _) => self.ts_cmp(c, CmpOp::Ge, s0)?,
            (CmpOp::Le, Some(s1)) => self.ts_cmp(c, CmpOp::Lt, s1)?,
            (CmpOp::Le, None) => self.true_if_set(c),
            (CmpOp::Gt, Some(s1)) => self.ts_cmp(c, CmpOp::Ge, s1)?,
            (CmpOp::Gt, None) => self.false_if_set(c),
            (CmpOp::Eq, Some(s1)) => format!(
                "({} AND {})",
                self.ts_cmp(c, CmpOp::Ge, s0)?,
                self.ts_cmp(c, CmpOp::Lt, s1)?
            ),
            (CmpOp::Eq, None) => self.ts_cmp(c, CmpOp::Ge, s0)?,
            (CmpOp::Ne, Some(s1)) => format!(
                "({} OR {})",
                self.ts_cmp(c, CmpOp::Lt, s0)?,
                self.ts_cmp(c, CmpOp::Ge, s1)?
            ),
            (CmpOp::Ne, None) => self.ts_cmp(c, CmpOp::Lt, s0)?,
        })
    }

    /// A date column against an instant literal: the start of its day OP `t`.
    fn date_vs_instant(&self, c: &str, op: CmpOp, t: DateTime<Utc>) -> Result<String> {
        let tz = self.clock.tz;
        let day = time::local_date(t, tz);
        let exact = time::start_of_day(day, tz) == t;
        let lit = self.d.date(day)?;
        Ok(match (op, exact) {
            (CmpOp::Lt, true) => format!("({c} < {lit})"),
            (CmpOp::Lt, false) | (CmpOp::Le, _) => format!("({c} <= {lit})"),
            (CmpOp::Eq, true) => format!("({c} = {lit})"),
            (CmpOp::Eq, false) => self.false_if_set(c),
            (CmpOp::Ne, true) => format!("({c} <> {lit})"),
            (CmpOp::Ne, false) => self.true_if_set(c),
            (CmpOp::Gt, _) | (CmpOp::Ge, false) => format!("({c} > {lit})"),
            (CmpOp::Ge, true) => format!("({c} >= {lit})"),
        })
    }

    /// Case-insensitive `c contains x` on a string column.
    fn ci_contains(&self, c: &str, x: &str) -> Result<String> {
        let needle = value::fold(x);
        if needle.is_empty() {
            return Ok(self.true_if_set(c));
        }
        Ok(format!(
            "({})",
            self.d
                .str_contains(&self.d.fold(c), &self.d.string(&needle)?)
        ))
    }

    /// Whether a list column has an element equal to `lit` (exact; only
    /// strings can be equal to the elements of a `string[]`).
    fn list_has(&self, c: &str, lit: &Literal) -> Result<String> {
        Ok(match lit {
            Literal::String(s) => format!("({})", self.d.array_has(c, &self.d.string(s)?)),
            _ => "FALSE".to_string(),
        })
    }

    /// NULL for a NULL list, else TRUE when `cond` is TRUE and FALSE otherwise
    /// (engines answer NULL for "not found" in a list holding a NULL).
    fn list_case(&self, c: &str, cond: &str) -> String {
        format!(
            "(CASE WHEN {c} IS NULL THEN {} WHEN {cond} THEN TRUE ELSE FALSE END)",
            self.d.null_bool()
        )
    }

    fn date_within(&self, c: &str, ty: Ty, dir: Direction, p: Duration) -> Result<String> {
        let clock = &self.clock;
        let n = i64::from(p.amount);
        let d = self.d;
        Ok(match (ty, dir) {
            (Ty::Date, Direction::Last) => {
                let upper = format!("({c} <= {})", d.date(clock.today)?);
                match time::shift_date(clock.today, p.unit, -n) {
                    Some(lo) => format!("({upper} AND ({c} > {}))", d.date(lo)?),
                    None => upper,
                }
            }
            (Ty::Date, Direction::Next) => {
                let lower = format!("({c} >= {})", d.date(clock.today)?);
                match time::shift_date(clock.today, p.unit, n) {
                    Some(hi) => format!("({lower} AND ({c} < {}))", d.date(hi)?),
                    None => lower,
                }
            }
            (_, Direction::Last) => {
                let upper = self.ts_cmp(c, CmpOp::Le, clock.as_of)?;
                match time::before(clock.as_of, p, clock.tz) {
                    Some(lo) => format!("({upper} AND {})", self.ts_cmp(c, CmpOp::Gt, lo)?),
                    None => upper,
                }
            }
            (_, Direction::Next) => {
                let lower = self.ts_cmp(c, CmpOp::Ge, clock.as_of)?;
                match time::after(clock.as_of, p, clock.tz) {
                    Some(hi) => format!("({lower} AND {})", self.ts_cmp(c, CmpOp::Lt, hi)?),
                    None => lower,
                }
            }
        })
    }

    fn date_ago(&self, c: &str, ty: Ty, p: Duration) -> Result<String> {
        let clock = &self.clock;
        let n = i64::from(p.amount);
        Ok(if ty == Ty::Date {
            match time::shift_date(clock.today, p.unit, -n) {
                Some(b) => format!("({c} < {})", self.d.date(b)?),
                None => self.false_if_set(c),
            }
        } else {
            match time::before(clock.as_of, p, clock.tz) {
                Some(b) => self.ts_cmp(c, CmpOp::Lt, b)?,
                None => self.false_if_set(c),
            }
        })
    }

    /// The anniversary window as the set of (month, day) pairs whose yearly
    /// recurrence falls in it, decided here by the evaluator's own function.
    fn anniversary(&self, c: &str, ty: Ty, dir: Direction, p: Duration) -> Result<String> {
        let date = if ty == Ty::Date {
            c.to_string()
        } else {
            self.d.local_date(c, self.clock.tz)?
        };
        let mut days = Vec::new();
        let mut day = NaiveDate::from_ymd_opt(2000, 1, 1);
        while let Some(x) = day.filter(|x| x.year() == 2000) {
            let hit = value::anniversary(Temporal::Date(x), dir, p, &self.clock);
            days.push((x.month() * 100 + x.day(), hit));
            day = x.succ_opt();
        }
        if days.iter().all(|(_, hit)| *hit) {
            return Ok(self.true_if_set(c));
        }
        // Runs of consecutive days in calendar order.
        let mut runs: Vec<(u32, u32)> = Vec::new();
        let mut open: Option<(u32, u32)> = None;
        for (md, hit) in &days {
            match (hit, open.as_mut()) {
                (true, Some(run)) => run.1 = *md,
                (true, None) => open = Some((*md, *md)),
                (false, Some(_)) => runs.extend(open.take()),
                (false, None) => {}
            }
        }
        runs.extend(open);
        if runs.is_empty() {
            return Ok(self.false_if_set(c));
        }
        let md = self.d.month_day(&date);
        let parts: Vec<String> = runs
            .iter()
            .map(|(a, b)| {
                if a == b {
                    format!("{md} = {a}")
                } else {
                    format!("{md} BETWEEN {a} AND {b}")
                }
            })
            .collect();
        Ok(format!("({})", parts.join(" OR ")))
    }

    // ---- events ----------------------------------------------------------

    fn events_table(&self) -> Result<String> {
        self.d.table(&self.opts.tables.events)
    }

    fn time_col(&self, alias: &str) -> Result<String> {
        Ok(format!(
            "{alias}.{}",
            self.d.ident(&self.opts.tables.event_time_column)?
        ))
    }

    /// The conditions selecting the events of `ev` in `window` for profile
    /// `p` (type, time, filter true) under `alias`.
    fn event_conds(
        &mut self,
        alias: &str,
        ev: &EventRef,
        window: Option<&Window>,
        span: Span,
    ) -> Result<Vec<String>> {
        let t = &self.opts.tables;
        let d = self.d;
        let at = self.time_col(alias)?;
        let mut conds = vec![
            format!(
                "{alias}.{} = p.{}",
                d.ident(&t.event_profile_column)?,
                d.ident(&t.id_column)?
            ),
            format!(
                "{alias}.{} = {}",
                d.ident(&t.event_type_column)?,
                d.string(&ev.name)?
            ),
        ];
        let interval =
            value::window_interval(window, &self.clock).map_err(|e| e.with_position(span))?;
        if let Some(start) = interval.start {
            let op = if interval.start_inclusive {
                CmpOp::Ge
            } else {
                CmpOp::Gt
            };
            conds.push(self.ts_cmp(&at, op, start)?);
        }
        let op = if interval.end_inclusive {
            CmpOp::Le
        } else {
            CmpOp::Lt
        };
        conds.push(self.ts_cmp(&at, op, interval.end)?);
        if let Some(filter) = &ev.filter {
            let scope = Scope::Event {
                alias,
                event: &ev.name,
                first: None,
            };
            conds.push(self.expr(scope, filter)?);
        }
        Ok(conds)
    }

    fn did(
        &mut self,
        ev: &EventRef,
        negated: bool,
        times: Option<Times>,
        window: Option<&Window>,
        span: Span,
    ) -> Result<String> {
        let a = self.alias("e");
        let conds = self.event_conds(&a, ev, window, span)?;
        let from = format!(
            "FROM {} AS {a} WHERE {}",
            self.events_table()?,
            conds.join(" AND ")
        );
        let not = if negated { "NOT " } else { "" };
        Ok(match times {
            None | Some(Times::AtLeast(1)) => format!("({not}EXISTS (SELECT 1 {from}))"),
            Some(t) => {
                let (op, n) = match t {
                    Times::AtLeast(n) => (">=", n),
                    Times::AtMost(n) => ("<=", n),
                    Times::Exactly(n) => ("=", n),
                    Times::Once => ("=", 1),
                };
                format!("({not}((SELECT COUNT(*) {from}) {op} {n}))")
            }
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn aggregate(
        &mut self,
        func: AggFunc,
        ev: &EventRef,
        field: Option<&Path>,
        window: Option<&Window>,
        cmp: CmpOp,
        x: f64,
        span: Span,
    ) -> Result<String> {
        let a = self.alias("e");
        let conds = self.event_conds(&a, ev, window, span)?;
        let value = match (func, field) {
            (AggFunc::Count, _) => "COUNT(*)".to_string(),
            (_, None) => {
                return Err(type_error(
                    span,
                    format!("{}() needs an event field (EVENT.FIELD)", func.name()),
                ))
            }
            (_, Some(path)) => {
                let scope = Scope::Event {
                    alias: &a,
                    event: &ev.name,
                    first: None,
                };
                let col = self.col(scope, path, Some(Ty::Number))?;
                if col.ty != Some(Ty::Number) {
                    return Err(type_error(
                        span,
                        format!(
                            "{}() needs a number field, but {:?} is not one",
                            func.name(),
                            col.name
                        ),
                    ));
                }
                match func {
                    AggFunc::Sum => format!("COALESCE(SUM({}), 0)", col.sql),
                    AggFunc::Avg => format!("AVG({})", col.sql),
                    AggFunc::Min => format!("MIN({})", col.sql),
                    AggFunc::Max => format!("MAX({})", col.sql),
                    AggFunc::Count => "COUNT(*)".to_string(),
                }
            }
        };
        Ok(format!(
            "((SELECT {value} FROM {} AS {a} WHERE {}) {} {})",
            self.events_table()?,
            conds.join(" AND "),
            sql_op(cmp),
            self.d.number(x)?
        ))
    }

    fn last(&mut self, ev: &EventRef, test: LastTest, span: Span) -> Result<String> {
        let a = self.alias("e");
        let conds = self.event_conds(&a, ev, None, span)?;
        let latest = format!(
            "(SELECT MAX({}) FROM {} AS {a} WHERE {})",
            self.time_col(&a)?,
            self.events_table()?,
            conds.join(" AND ")
        );
        let clock = self.clock;
        Ok(match test {
            LastTest::WithinLast(d) => match time::before(clock.as_of, d, clock.tz) {
                Some(lo) => self.ts_cmp(&latest, CmpOp::Gt, lo)?,
                None => self.true_if_set(&latest),
            },
            LastTest::MoreThanAgo(d) => match time::before(clock.as_of, d, clock.tz) {
                Some(b) => self.ts_cmp(&latest, CmpOp::Lt, b)?,
                None => self.false_if_set(&latest),
            },
        })
    }

    /// `t + within` in the time zone, as the engine computes it: exact for
    /// hours; otherwise local wall-clock arithmetic, with an overlap resolved
    /// to the earlier instant like `time::resolve_local`.
    fn deadline(&self, t: &str, within: Duration) -> Result<String> {
        let d = self.d;
        if within.unit == Unit::Hours {
            return Ok(d.add_hours(t, i64::from(within.amount)));
        }
        let tz = self.clock.tz;
        let local = d.add_local(&d.local_time(t, tz)?, within.unit, within.amount);
        let resolved = d.resolve_local(&local, tz)?;
        let hour_earlier = d.add_hours(&resolved, -1);
        Ok(format!(
            "(CASE WHEN {} = {local} THEN {hour_earlier} ELSE {resolved} END)",
            d.local_time(&hour_earlier, tz)?
        ))
    }

    fn sequence(
        &mut self,
        first: &EventRef,
        then: &EventRef,
        negated: bool,
        within: Option<Duration>,
        window: Option<&Window>,
        span: Span,
    ) -> Result<String> {
        let a = self.alias("e");
        let b = self.alias("e");
        let t = &self.opts.tables;
        let d = self.d;
        let mut a_conds = self.event_conds(&a, first, window, span)?;
        let (a_at, b_at) = (self.time_col(&a)?, self.time_col(&b)?);
        let pid = d.ident(&t.event_profile_column)?;
        let mut b_conds = vec![
            format!("{b}.{pid} = {a}.{pid}"),
            format!(
                "{b}.{} = {}",
                d.ident(&t.event_type_column)?,
                d.string(&then.name)?
            ),
            format!("{b_at} > {a_at}"),
            self.ts_cmp(&b_at, CmpOp::Le, self.clock.as_of)?,
        ];
        let deadline = match within {
            Some(w) => Some(self.deadline(&a_at, w)?),
            None => None,
        };
        if let Some(dl) = &deadline {
            b_conds.push(format!("{b_at} <= {dl}"));
        }
        if let Some(filter) = &then.filter {
            let scope = Scope::Event {
                alias: &b,
                event: &then.name,
                first: Some((&a, &first.name)),
            };
            b_conds.push(self.expr(scope, filter)?);
        }
        let follow = format!(
            "EXISTS (SELECT 1 FROM {} AS {b} WHERE {})",
            self.events_table()?,
            b_conds.join(" AND ")
        );
        if negated {
            a_conds.push(format!("NOT {follow}"));
            if let Some(dl) = &deadline {
                let as_of = self.d.timestamp(floor_micros(self.clock.as_of))?;
                a_conds.push(format!("{dl} <= {as_of}"));
            }
        } else {
            a_conds.push(follow);
        }
        Ok(format!(
            "(EXISTS (SELECT 1 FROM {} AS {a} WHERE {}))",
            self.events_table()?,
            a_conds.join(" AND ")
        ))
    }

    /// `same FIELD`: the second event's field equals the first's (NULL when
    /// either is missing).
    fn same(&self, scope: Scope, path: &Path, span: Span) -> Result<String> {
        let Scope::Event {
            first: Some((first_alias, first_event)),
            ..
        } = scope
        else {
            return Err(type_error(
                span,
                "`same FIELD` is only allowed in the second `where` of a sequence".into(),
            ));
        };
        let here = self.col(scope, path, None);
        let there_scope = Scope::Event {
            alias: first_alias,
            event: first_event,
            first: None,
        };
        // In JSON mode both sides need one type: either event's declaration.
        let (here, there) = match here {
            Ok(h) => {
                let there = self.col(there_scope, path, h.ty)?;
                (h, there)
            }
            Err(_) => {
                let there = self.col(there_scope, path, None)?;
                let here = self.col(scope, path, there.ty)?;
                (here, there)
            }
        };
        Ok(format!("({} = {})", here.sql, there.sql))
    }

    /// `holiday "id" within …` and `season = "…"` depend only on the
    /// profile's country once `asOf` and the time zone are fixed, and
    /// `local_time between …` only on its zone (or country): so they compile
    /// to lists of countries and zone names computed here by the evaluator's
    /// own code (`crate::locale`), which keeps the two engines identical by
    /// construction.
    fn culture(&mut self, test: &CultureTest, span: Span) -> Result<String> {
        let d = self.d;
        let col = self.col(
            Scope::Profile,
            &vec!["country".to_string()],
            Some(Ty::String),
        )?;
        // The evaluator trims (Rust `trim`) and reads a country only when it
        // is then two ASCII letters (so `UPPER` cannot meet `ı` or `ſ`).
        let trimmed = d.trim_space(&col.sql);
        let key = format!("UPPER({trimmed})");
        let valid = d.regex(&trimmed, "^[A-Za-z]{2}$", "")?;
        let today = crate::rules::time::local_date(self.opts.as_of, self.opts.time_zone);
        let answer = |country: &str| -> Result<Option<bool>> {
            let mut profile = serde_json::Map::new();
            profile.insert("country".into(), serde_json::Value::String(country.into()));
            crate::locale::eval_culture(&profile, test, self.opts.as_of, today)
                .map_err(|e| e.with_position(span))
        };
        let list = |codes: &[&str]| -> Result<String> {
            let parts: Result<Vec<String>> = codes.iter().map(|c| d.string(c)).collect();
            Ok(parts?.join(", "))
        };
        let null = d.null_bool();
        match test {
            CultureTest::Holiday { .. } => {
                let mut yes = Vec::new();
                for c in crate::locale::HOLIDAY_COUNTRIES {
                    if answer(c)? == Some(true) {
                        yes.push(*c);
                    }
                }
                let inner = if yes.is_empty() {
                    "FALSE".to_string()
                } else {
                    format!("({key} IN ({}))", list(&yes)?)
                };
                Ok(format!(
                    "(CASE WHEN {valid} AND {key} IN ({}) THEN {inner} ELSE {null} END)",
                    list(crate::locale::HOLIDAY_COUNTRIES)?
                ))
            }
            CultureTest::Season { .. } => {
                let south = crate::locale::SOUTHERN_COUNTRIES;
                let bool_sql = |b: Option<bool>| match b {
                    Some(true) => "TRUE",
                    Some(false) => "FALSE",
                    None => null,
                };
                let s = bool_sql(answer(south.first().copied().unwrap_or("AU"))?);
                // Any two-letter code outside the southern list is northern.
                let n = bool_sql(answer("ZZ")?);
                Ok(format!(
                    "(CASE WHEN {valid} THEN (CASE WHEN {key} IN ({}) THEN {s} ELSE {n} END) ELSE {null} END)",
                    list(south)?
                ))
            }
            CultureTest::LocalTime { .. } => {
                // The zone fields, in the evaluator's order, then the
                // country's main zone: the first that applies decides.
                let mut arms = Vec::new();
                let zones = local_time_zones(test, self.opts.as_of, today)
                    .map_err(|e| e.with_position(span))?;
                for field in self.zone_fields() {
                    let zcol =
                        self.col(Scope::Profile, &vec![field.to_string()], Some(Ty::String))?;
                    let z = d.trim_space(&zcol.sql);
                    arms.extend(split_arms(&z, &zones, None, d)?);
                }
                // Every two-letter code the evaluator gives a zone.
                let mut codes: Vec<(String, bool)> = Vec::new();
                for a in b'A'..=b'Z' {
                    for b in b'A'..=b'Z' {
                        let code = String::from_utf8_lossy(&[a, b]).into_owned();
                        if let Some(v) = answer(&code)? {
                            codes.push((code, v));
                        }
                    }
                }
                let countries: Vec<(&str, bool)> =
                    codes.iter().map(|(c, v)| (c.as_str(), *v)).collect();
                arms.extend(split_arms(&key, &countries, Some(&valid), d)?);
                if arms.is_empty() {
                    return Ok(null.to_string());
                }
                Ok(format!("(CASE {} ELSE {null} END)", arms.join(" ")))
            }
        }
    }

    /// The profile columns read for a subscriber's zone, in the evaluator's
    /// order (`timeZone`, `time_zone`, `timezone`): those the schema declares
    /// (as strings; a field of another type never holds a zone name), or
    /// `timeZone` when it declares none of them.
    fn zone_fields(&self) -> Vec<&'static str> {
        let fields = crate::locale::TIME_ZONE_FIELDS;
        let declared: Vec<(&'static str, ValueType)> = fields
            .iter()
            .filter_map(|f| {
                self.opts
                    .schema
                    .and_then(|s| s.attribute(f))
                    .map(|t| (*f, t))
            })
            .collect();
        if declared.is_empty() {
            return fields.iter().take(1).copied().collect();
        }
        declared
            .into_iter()
            .filter(|(_, t)| *t == ValueType::String)
            .map(|(f, _)| f)
            .collect()
    }

    fn in_segment(&mut self, name: &str, negated: bool, span: Span) -> Result<String> {
        let cte = self.segment_cte(name, span)?;
        let id = self.d.ident(&self.opts.tables.id_column)?;
        let s = self.alias("s");
        let not = if negated { "NOT " } else { "" };
        Ok(format!(
            "({not}EXISTS (SELECT 1 FROM {cte} AS {s} WHERE {s}.{id} = p.{id}))"
        ))
    }

    /// The CTE holding the members of segment `name`, compiled once.
    fn segment_cte(&mut self, name: &str, span: Span) -> Result<String> {
        if let Some(cte) = self.cte_of.get(name) {
            return Ok(cte.clone());
        }
        let (_, seg) = crate::rules::set::resolve_reference(self.opts.segments, name, span)?;
        if self.in_progress.iter().any(|n| n == name) {
            return Err(Error::new(
                ErrorKind::Reference,
                format!("segment reference cycle at {name:?}"),
            )
            .with_position(span));
        }
        self.in_progress.push(name.to_string());
        let body = self.expr(Scope::Profile, seg.expr());
        self.in_progress.pop();
        let body = body?;
        let cte = format!("kaleido_seg_{}", self.ctes.len() + 1);
        let t = &self.opts.tables;
        let sql = format!(
            "SELECT p.{} FROM {} AS p WHERE {body}",
            self.d.ident(&t.id_column)?,
            self.d.table(&t.profiles)?
        );
        self.ctes.push((cte.clone(), sql));
        self.cte_of.insert(name.to_string(), cte.clone());
        Ok(cte)
    }
}

/// Every zone name the evaluator accepts (`chrono_tz`, exact spelling),
/// sorted, with whether `local_time` is true there at `as_of`: the
/// evaluator's own answer for a profile holding only that zone.
fn local_time_zones(
    test: &CultureTest,
    as_of: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Vec<(&'static str, bool)>> {
    let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    names.sort_unstable();
    let field = crate::locale::TIME_ZONE_FIELDS
        .first()
        .copied()
        .unwrap_or("timeZone");
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let mut profile = serde_json::Map::new();
        profile.insert(field.into(), serde_json::Value::String(name.into()));
        if let Some(v) = crate::locale::eval_culture(&profile, test, as_of, today)? {
            out.push((name, v));
        }
    }
    Ok(out)
}

/// `WHEN [guard AND] expr IN (…) THEN …` arms giving each known value its
/// answer: the smaller of the true and false sets first, then the other, so
/// that a value outside both (or NULL) falls through to the next arm (unknown
/// at the end).
fn split_arms(
    expr: &str,
    known: &[(&str, bool)],
    guard: Option<&str>,
    d: Dialect,
) -> Result<Vec<String>> {
    let guard = guard.map(|g| format!("{g} AND ")).unwrap_or_default();
    let pick = |want: bool| -> Vec<&str> {
        known
            .iter()
            .filter(|(_, v)| *v == want)
            .map(|(s, _)| *s)
            .collect()
    };
    let (yes, no) = (pick(true), pick(false));
    let mut sets = [(yes, "TRUE"), (no, "FALSE")];
    sets.sort_by_key(|(s, _)| s.len());
    let mut arms = Vec::new();
    for (set, answer) in sets {
        if set.is_empty() {
            continue;
        }
        let parts: Result<Vec<String>> = set.iter().map(|s| d.string(s)).collect();
        arms.push(format!(
            "WHEN {guard}{expr} IN ({}) THEN {answer}",
            parts?.join(", ")
        ));
    }
    Ok(arms)
}
