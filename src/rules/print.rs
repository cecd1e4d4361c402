//! Canonical text form of the AST: lower-case keywords, minimal parentheses,
//! one space between tokens. `parse(to_text(e)) == e` for every tree the
//! parser can produce.

use std::fmt::Write;

use chrono::SecondsFormat;

use super::ast::{
    CultureTest, Direction, Duration, EventRef, Expr, LastTest, Literal, Path, Times, Window,
};
use super::parser::RESERVED;

/// The canonical text of `expr`.
pub(crate) fn to_text(expr: &Expr) -> String {
    let mut out = String::new();
    rule(&mut out, expr);
    out
}

/// Precedence levels: an `or` may hold `and`s, an `and` may hold unaries.
fn rule(out: &mut String, e: &Expr) {
    match e {
        Expr::Or { args, .. } => {
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(" or ");
                }
                match a {
                    Expr::Or { .. } => paren(out, a),
                    _ => rule(out, a),
                }
            }
        }
        Expr::And { args, .. } => {
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(" and ");
                }
                unary(out, a);
            }
        }
        _ => unary(out, e),
    }
}

fn paren(out: &mut String, e: &Expr) {
    out.push('(');
    rule(out, e);
    out.push(')');
}

fn unary(out: &mut String, e: &Expr) {
    match e {
        Expr::And { .. } | Expr::Or { .. } => paren(out, e),
        Expr::Not { arg, .. } => {
            out.push_str("not ");
            match &**arg {
                // `not in segment "x"` would read back as the negated reference.
                Expr::InSegment { negated: false, .. } => paren(out, arg),
                _ => unary(out, arg),
            }
        }
        _ => condition(out, e),
    }
}

fn condition(out: &mut String, e: &Expr) {
    match e {
        Expr::And { .. } | Expr::Or { .. } | Expr::Not { .. } => unary(out, e),
        Expr::Compare {
            path: p,
            cmp,
            value,
            ..
        } => {
            path(out, p);
            let _ = write!(out, " {} ", cmp.symbol());
            literal(out, value);
        }
        Expr::Between {
            path: p, low, high, ..
        } => {
            path(out, p);
            out.push_str(" between ");
            literal(out, low);
            out.push_str(" and ");
            literal(out, high);
        }
        Expr::In {
            path: p,
            values,
            negated,
            ..
        } => {
            path(out, p);
            out.push_str(if *negated { " not in " } else { " in " });
            list(out, values);
        }
        Expr::Contains { path: p, value, .. } => {
            path(out, p);
            out.push_str(" contains ");
            literal(out, value);
        }
        Expr::ContainsList {
            path: p,
            all,
            values,
            ..
        } => {
            path(out, p);
            out.push_str(if *all {
                " contains all "
            } else {
                " contains any "
            });
            list(out, values);
        }
        Expr::StartsWith { path: p, value, .. } => {
            path(out, p);
            out.push_str(" starts with ");
            string(out, value);
        }
        Expr::EndsWith { path: p, value, .. } => {
            path(out, p);
            out.push_str(" ends with ");
            string(out, value);
        }
        Expr::Matches {
            path: p,
            pattern,
            flags,
            ..
        } => {
            path(out, p);
            out.push_str(" matches /");
            let mut chars = pattern.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        out.push('\\');
                        if let Some(n) = chars.next() {
                            // `\/` and `/` mean the same; the canonical form is `\/`.
                            out.push(n);
                        }
                    }
                    '/' => out.push_str("\\/"),
                    c => out.push(c),
                }
            }
            out.push('/');
            out.push_str(flags);
        }
        Expr::IsSet {
            path: p, negated, ..
        } => {
            path(out, p);
            out.push_str(if *negated { " is not set" } else { " is set" });
        }
        Expr::IsTrue { path: p, .. } => path(out, p),
        Expr::DateWithin {
            path: p,
            direction,
            period,
            ..
        } => {
            path(out, p);
            out.push_str(match direction {
                super::ast::Direction::Last => " within last ",
                super::ast::Direction::Next => " within next ",
            });
            duration(out, *period);
        }
        Expr::DateAgo {
            path: p, period, ..
        } => {
            path(out, p);
            out.push_str(" more than ");
            duration(out, *period);
            out.push_str(" ago");
        }
        Expr::DateBefore { path: p, value, .. } => {
            path(out, p);
            out.push_str(" before ");
            literal(out, value);
        }
        Expr::DateAfter { path: p, value, .. } => {
            path(out, p);
            out.push_str(" after ");
            literal(out, value);
        }
        Expr::Anniversary {
            path: p,
            direction,
            period,
            ..
        } => {
            path(out, p);
            out.push_str(match direction {
                super::ast::Direction::Last => " anniversary within last ",
                super::ast::Direction::Next => " anniversary within next ",
            });
            duration(out, *period);
        }
        Expr::Did {
            event: ev,
            negated,
            times,
            window: w,
            ..
        } => {
            out.push_str(if *negated { "did not " } else { "did " });
            event(out, ev);
            if let Some(t) = times {
                out.push(' ');
                match t {
                    Times::AtLeast(n) => times_text(out, "at least", *n),
                    Times::AtMost(n) => times_text(out, "at most", *n),
                    Times::Exactly(n) => times_text(out, "exactly", *n),
                    Times::Once => out.push_str("once"),
                }
            }
            window(out, w.as_ref());
        }
        Expr::Aggregate {
            func,
            event: ev,
            field,
            window: w,
            cmp,
            value,
            ..
        } => {
            out.push_str(func.name());
            out.push('(');
            name(out, &ev.name);
            if let Some(f) = field {
                for seg in f {
                    out.push('.');
                    name_segment(out, seg, false);
                }
            }
            filter(out, ev);
            window(out, w.as_ref());
            let _ = write!(out, ") {} ", cmp.symbol());
            number(out, *value);
        }
        Expr::Last {
            event: ev, test, ..
        } => {
            out.push_str("last ");
            event(out, ev);
            match test {
                LastTest::WithinLast(d) => {
                    out.push_str(" within last ");
                    duration(out, *d);
                }
                LastTest::MoreThanAgo(d) => {
                    out.push_str(" more than ");
                    duration(out, *d);
                    out.push_str(" ago");
                }
            }
        }
        Expr::Sequence {
            first,
            then,
            negated,
            within,
            window: w,
            ..
        } => {
            out.push_str("did ");
            event(out, first);
            out.push_str(if *negated {
                " then did not "
            } else {
                " then did "
            });
            event(out, then);
            if let Some(d) = within {
                out.push_str(" within ");
                duration(out, *d);
            }
            window(out, w.as_ref());
        }
        Expr::Same { path: p, .. } => {
            out.push_str("same ");
            path(out, p);
        }
        Expr::Culture { test, .. } => match test {
            CultureTest::Holiday {
                id,
                direction,
                period,
            } => {
                out.push_str("holiday ");
                string(out, id);
                out.push_str(match direction {
                    Direction::Last => " within last ",
                    Direction::Next => " within next ",
                });
                duration(out, *period);
            }
            CultureTest::Season { season, negated } => {
                out.push_str(if *negated { "season != " } else { "season = " });
                string(out, season);
            }
            CultureTest::LocalTime { from, to } => {
                let _ = write!(out, "local_time between {from} and {to}");
            }
        },
        Expr::InSegment { name, negated, .. } => {
            out.push_str(if *negated {
                "not in segment "
            } else {
                "in segment "
            });
            string(out, name);
        }
    }
}

fn event(out: &mut String, ev: &EventRef) {
    name(out, &ev.name);
    filter(out, ev);
}

fn filter(out: &mut String, ev: &EventRef) {
    if let Some(f) = &ev.filter {
        out.push_str(" where ");
        // A filter is one condition; anything that could run into the words
        // after it (a bare name, a negation, a group) is parenthesised.
        match &**f {
            Expr::IsTrue { .. } | Expr::Not { .. } | Expr::And { .. } | Expr::Or { .. } => {
                paren(out, f)
            }
            _ => condition(out, f),
        }
    }
}

fn times_text(out: &mut String, kind: &str, n: u32) {
    let _ = write!(out, "{kind} {n} {}", if n == 1 { "time" } else { "times" });
}

fn window(out: &mut String, w: Option<&Window>) {
    match w {
        None => {}
        Some(Window::Last(d)) => {
            out.push_str(" in last ");
            duration(out, *d);
        }
        Some(Window::Since(d)) => {
            out.push_str(" since ");
            literal(out, d);
        }
        Some(Window::Between(a, b)) => {
            out.push_str(" between ");
            literal(out, a);
            out.push_str(" and ");
            literal(out, b);
        }
    }
}

fn duration(out: &mut String, d: Duration) {
    let _ = write!(out, "{} {}", d.amount, d.unit.word(d.amount));
}

fn path(out: &mut String, p: &Path) {
    for (i, seg) in p.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        name_segment(out, seg, i == 0);
    }
}

fn name(out: &mut String, n: &str) {
    name_segment(out, n, true);
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn name_segment(out: &mut String, seg: &str, first: bool) {
    // `season` is a keyword before `=`/`!=` (the culture condition), so an
    // attribute of that name is always backquoted.
    let reserved = first
        && (RESERVED.iter().any(|r| r.eq_ignore_ascii_case(seg))
            || seg.eq_ignore_ascii_case("season"));
    if is_identifier(seg) && !reserved {
        out.push_str(seg);
        return;
    }
    out.push('`');
    for c in seg.chars() {
        escape_char(out, c, '`');
    }
    out.push('`');
}

fn escape_char(out: &mut String, c: char, quote: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c if c.is_control() => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        escape_char(out, c, '"');
    }
    out.push('"');
}

fn number(out: &mut String, n: f64) {
    // Rust prints the shortest text that reads back as the same f64.
    let _ = write!(out, "{n}");
}

fn list(out: &mut String, values: &[Literal]) {
    out.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        literal(out, v);
    }
    out.push(']');
}

fn literal(out: &mut String, v: &Literal) {
    match v {
        Literal::Number(n) => number(out, *n),
        Literal::String(s) => string(out, s),
        Literal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Literal::Date(d) => {
            let _ = write!(out, "{}", d.format("%Y-%m-%d"));
        }
        Literal::DateTime(d) => out.push_str(&d.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
    }
}
