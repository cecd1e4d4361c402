//! Explanations: why a profile is (not) in a segment, as a tree of plain
//! sentences a marketer reads, each with the value that was looked at.
//!
//! The results are computed by the evaluator's own helpers ([`super::eval`]),
//! so an explanation never disagrees with [`Segment::evaluate`].

use chrono::SecondsFormat;
use serde::Serialize;
use serde_json::Value;

use super::ast::{Direction, Duration, EventRef, Expr, LastTest, Literal, Times, Window};
use super::eval::{eval_attribute, json_type_name, last_holds, times_hold, Ctx, Scope};
use super::{print, value, EvalOptions, Segment};
use crate::error::Result;

/// One step of an explanation: a sentence, its three-valued result, the
/// value looked at, and the steps below it (the operands of `and`/`or`/`not`,
/// the referenced segment of `in segment`).
///
/// Serializes as the JS interface `{text, result: boolean|null, actual?, children?}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The sentence, e.g. `age is 29 → between 25 and 34: true`.
    pub text: String,
    /// `Some(true)`, `Some(false)`, or `None` for unknown.
    pub result: Option<bool>,
    /// The value the condition looked at (an attribute, a count, a sum).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Value>,
    /// Sub-explanations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Explanation>,
    /// For a leaf reading a predicted field (`churn_risk`, `rfm.segment`, …):
    /// the model inputs behind the value (see
    /// [`crate::predict::Predictor::field_inputs`]); `None` elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Value>,
}

/// Notes on attribute leaves: given a leaf's attribute path, a phrase for
/// its text and the structured inputs behind the value (used for predicted
/// fields).
pub(crate) type Annotator<'a> = dyn Fn(&[String]) -> Option<(String, Value)> + 'a;

impl Segment {
    /// Explains the result of [`Segment::evaluate`] on `profile` as a tree of
    /// sentences with the actual values looked at. Its `result` equals
    /// `evaluate`'s; errors are the same.
    pub fn explain(&self, profile: &Value, opts: &EvalOptions) -> Result<Explanation> {
        let ctx = Ctx::new(self.expr(), profile, opts)?;
        explain_expr(&ctx, self.expr(), None)
    }

    /// [`Segment::explain`], with `annotate` adding a phrase and inputs to
    /// the attribute leaves it recognises.
    pub(crate) fn explain_annotated(
        &self,
        profile: &Value,
        opts: &EvalOptions,
        annotate: &Annotator,
    ) -> Result<Explanation> {
        let ctx = Ctx::new(self.expr(), profile, opts)?;
        explain_expr(&ctx, self.expr(), Some(annotate))
    }
}

/// `true`, `false` or `unknown`.
fn word(r: Option<bool>) -> &'static str {
    match r {
        Some(true) => "true",
        Some(false) => "false",
        None => "unknown",
    }
}

fn leaf(text: String, result: Option<bool>, actual: Option<Value>) -> Explanation {
    Explanation {
        text,
        result,
        actual,
        children: Vec::new(),
        inputs: None,
    }
}

fn explain_expr(ctx: &Ctx, expr: &Expr, ann: Option<&Annotator>) -> Result<Explanation> {
    let top = Scope::top(ctx.profile);
    Ok(match expr {
        Expr::And { args, .. } | Expr::Or { args, .. } => {
            let is_and = matches!(expr, Expr::And { .. });
            let children = args
                .iter()
                .map(|a| explain_expr(ctx, a, ann))
                .collect::<Result<Vec<_>>>()?;
            let results = children.iter().map(|c| c.result);
            let result = if is_and {
                value::all3(results)
            } else {
                value::any3(results)
            };
            let what = if is_and {
                "all of these"
            } else {
                "any of these"
            };
            Explanation {
                text: format!("{what}: {}", word(result)),
                result,
                actual: None,
                children,
                inputs: None,
            }
        }
        Expr::Not { arg, .. } => {
            let child = explain_expr(ctx, arg, ann)?;
            let result = child.result.map(|b| !b);
            Explanation {
                text: format!("not the following: {}", word(result)),
                result,
                actual: None,
                children: vec![child],
                inputs: None,
            }
        }
        Expr::InSegment {
            name,
            negated,
            span,
        } => {
            let (_, seg) = ctx.segment_ref(name, *span)?;
            let child = ctx.nested(|| explain_expr(ctx, seg.expr(), ann))?;
            let member = child.result == Some(true);
            let result = Some(member != *negated);
            let not = if *negated { "not " } else { "" };
            Explanation {
                text: format!(
                    "{not}in segment {}: {} (the profile is {}a member)",
                    quote(name),
                    word(result),
                    if member { "" } else { "not " }
                ),
                result,
                actual: Some(Value::Bool(member)),
                children: vec![child],
                inputs: None,
            }
        }
        Expr::Did {
            event,
            negated,
            times,
            window,
            span,
        } => {
            let n = ctx.count(event, window.as_ref(), *span)?;
            let result = Some(times_hold(*times, n) != *negated);
            leaf(
                format!(
                    "{}: {} → {}",
                    did_text(event, *negated, *times, window.as_ref()),
                    plural(n, "event"),
                    word(result)
                ),
                result,
                Some(Value::from(n)),
            )
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
            let v = ctx.aggregate(*func, event, field.as_ref(), window.as_ref(), *span)?;
            let result = v.map(|v| value::cmp_f64(*cmp, v, *x));
            let field_text = field
                .as_ref()
                .map(|p| format!(".{}", p.join(".")))
                .unwrap_or_default();
            let filter_text = event
                .filter
                .as_ref()
                .map(|f| format!(" where {}", print::to_text(f)))
                .unwrap_or_default();
            let what = format!(
                "{}({}{field_text}{filter_text}{})",
                func.name(),
                event.name,
                window_text(window.as_ref())
            );
            match v {
                Some(v) => leaf(
                    format!(
                        "{what} is {} → {} {}: {}",
                        number(v),
                        cmp.symbol(),
                        number(*x),
                        word(result)
                    ),
                    result,
                    serde_json::Number::from_f64(v).map(Value::Number),
                ),
                None => leaf(
                    format!("{what} has no matching events with a value → unknown"),
                    None,
                    None,
                ),
            }
        }
        Expr::Last { event, test, .. } => {
            let last = ctx.last_at(event)?;
            let test_text = match test {
                LastTest::WithinLast(d) => format!("within last {}", duration(*d)),
                LastTest::MoreThanAgo(d) => format!("more than {} ago", duration(*d)),
            };
            match last {
                Some(t) => {
                    let result = Some(last_holds(*test, t, &ctx.clock));
                    let at = t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
                    leaf(
                        format!(
                            "last {} was at {at} → {test_text}: {}",
                            event_text(event),
                            word(result)
                        ),
                        result,
                        Some(Value::String(at)),
                    )
                }
                None => leaf(
                    format!("no {} event → last {test_text}: unknown", event_text(event)),
                    None,
                    None,
                ),
            }
        }
        Expr::Sequence {
            first,
            then,
            negated,
            within,
            window,
            span,
        } => {
            let out = ctx.sequence(
                first,
                then,
                *negated,
                *within,
                window.as_ref(),
                *span,
                false,
            )?;
            let result = Some(out.hits > 0);
            let within_text = within
                .map(|d| format!(" within {}", duration(d)))
                .unwrap_or_default();
            let not = if *negated { "not " } else { "" };
            let which = if *negated {
                format!("had no {} after them in time", then.name)
            } else {
                format!("were followed by {}", then.name)
            };
            leaf(
                format!(
                    "did {}{} then did {not}{}{within_text}: {} of {} {which} → {}",
                    event_text(first),
                    window_text(window.as_ref()),
                    event_text(then),
                    out.hits,
                    plural(out.firsts, &format!("{} event", first.name)),
                    word(result)
                ),
                result,
                Some(Value::from(out.hits)),
            )
        }
        Expr::Culture { .. } => {
            let result = ctx.eval(&top, expr)?;
            leaf(
                format!("{}: {}", print::to_text(expr), word(result)),
                result,
                None,
            )
        }
        attr => {
            let result = ctx.eval(&top, attr)?;
            explain_attribute(ctx, attr, result, ann)?
        }
    })
}

fn explain_attribute(
    ctx: &Ctx,
    expr: &Expr,
    result: Option<bool>,
    ann: Option<&Annotator>,
) -> Result<Explanation> {
    let Some(path) = expr.attribute_path() else {
        // Not an attribute condition (e.g. `same` at the top level): the
        // evaluator has already reported it; describe it plainly.
        let r = eval_attribute(ctx.profile, expr, &ctx.clock)?;
        return Ok(leaf(
            format!("{}: {}", print::to_text(expr), word(r)),
            r,
            None,
        ));
    };
    let name = path.join(".");
    let op = attribute_op_text(expr);
    let (note, inputs) = match ann.and_then(|f| f(path)) {
        Some((note, inputs)) => (format!(" ({note})"), Some(inputs)),
        None => (String::new(), None),
    };
    let mut out = match value::lookup(ctx.profile, path) {
        None => leaf(
            format!("{name} is not set{note} → {op}: {}", word(result)),
            result,
            None,
        ),
        Some(v) => {
            let why = if result.is_none() {
                format!(" ({} is the wrong type here)", json_type_name(v))
            } else {
                String::new()
            };
            leaf(
                format!(
                    "{name} is {}{note} → {op}: {}{why}",
                    compact(v),
                    word(result)
                ),
                result,
                Some(v.clone()),
            )
        }
    };
    out.inputs = inputs;
    Ok(out)
}

/// The condition part of an attribute condition, without the path.
fn attribute_op_text(expr: &Expr) -> String {
    match expr {
        Expr::Compare { cmp, value, .. } => format!("{} {}", cmp.symbol(), literal(value)),
        Expr::Between { low, high, .. } => {
            format!("between {} and {}", literal(low), literal(high))
        }
        Expr::In {
            values, negated, ..
        } => format!("{}in {}", if *negated { "not " } else { "" }, list(values)),
        Expr::Contains { value, .. } => format!("contains {}", literal(value)),
        Expr::ContainsList { all, values, .. } => format!(
            "contains {} {}",
            if *all { "all" } else { "any" },
            list(values)
        ),
        Expr::StartsWith { value, .. } => format!("starts with {}", quote(value)),
        Expr::EndsWith { value, .. } => format!("ends with {}", quote(value)),
        Expr::Matches { pattern, flags, .. } => format!("matches /{pattern}/{flags}"),
        Expr::IsSet { negated, .. } => {
            if *negated {
                "is not set".into()
            } else {
                "is set".into()
            }
        }
        Expr::IsTrue { .. } => "is true".into(),
        Expr::DateWithin {
            direction, period, ..
        } => format!(
            "within {} {}",
            direction_word(*direction),
            duration(*period)
        ),
        Expr::DateAgo { period, .. } => format!("more than {} ago", duration(*period)),
        Expr::DateBefore { value, .. } => format!("before {}", literal(value)),
        Expr::DateAfter { value, .. } => format!("after {}", literal(value)),
        Expr::Anniversary {
            direction, period, ..
        } => format!(
            "anniversary within {} {}",
            direction_word(*direction),
            duration(*period)
        ),
        other => print::to_text(other),
    }
}

fn direction_word(d: Direction) -> &'static str {
    match d {
        Direction::Last => "last",
        Direction::Next => "next",
    }
}

fn did_text(
    event: &EventRef,
    negated: bool,
    times: Option<Times>,
    window: Option<&Window>,
) -> String {
    let times_text = match times {
        None => String::new(),
        Some(Times::AtLeast(n)) => format!(" at least {}", plural(u64::from(n), "time")),
        Some(Times::AtMost(n)) => format!(" at most {}", plural(u64::from(n), "time")),
        Some(Times::Exactly(n)) => format!(" exactly {}", plural(u64::from(n), "time")),
        Some(Times::Once) => " once".into(),
    };
    format!(
        "did {}{}{times_text}{}",
        if negated { "not " } else { "" },
        event_text(event),
        window_text(window)
    )
}

fn event_text(event: &EventRef) -> String {
    match &event.filter {
        None => event.name.clone(),
        Some(f) => format!("{} where {}", event.name, print::to_text(f)),
    }
}

fn window_text(window: Option<&Window>) -> String {
    match window {
        None => String::new(),
        Some(Window::Last(d)) => format!(" in last {}", duration(*d)),
        Some(Window::Since(l)) => format!(" since {}", literal(l)),
        Some(Window::Between(a, b)) => format!(" between {} and {}", literal(a), literal(b)),
    }
}

fn duration(d: Duration) -> String {
    format!("{} {}", d.amount, d.unit.word(d.amount))
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A number as a person writes it: `30`, `0.7`, `-2.5`.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn literal(l: &Literal) -> String {
    match l {
        Literal::Number(x) => number(*x),
        Literal::String(s) => quote(s),
        Literal::Bool(b) => b.to_string(),
        Literal::Date(d) => d.format("%Y-%m-%d").to_string(),
        Literal::DateTime(t) => t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
    }
}

fn list(values: &[Literal]) -> String {
    let items: Vec<String> = values.iter().map(literal).collect();
    format!("[{}]", items.join(", "))
}
