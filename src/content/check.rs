//! Static checks of a template, without data: unknown fields against a
//! schema, filters that do not exist, and the rule checks of every
//! `matches("…")` literal (contradictions make a branch unreachable),
//! positioned in the template source.

use std::collections::BTreeSet;

use super::filters::FILTERS;
use super::{scan, ConditionKind, Template, MAIN};
use crate::error::Span;
use crate::rules::{suggest, Diagnostic, Schema, Severity};

/// Names a template may read that are not profile fields.
const NOT_FIELDS: &[&str] = &[
    "profile", "loop", "self", "super", "caller", "varargs", "kwargs", "true", "false", "none",
    "True", "False", "None",
];

impl Template {
    /// Static analysis, no data needed. With a `schema`, a field the template
    /// reads that the schema does not have is an `unknown-field` error (the
    /// strict counterpart of the forgiving render). Always: `unknown-filter`
    /// errors, and the diagnostics of each `matches("…")` rule (with codes
    /// of [`crate::Segment::check`]; an `always-false` rule is a branch no
    /// subscriber can reach). Positions are in the template (or block) source;
    /// a finding in a block names the block.
    pub fn check(&self, schema: Option<&Schema>) -> Vec<Diagnostic> {
        let mut out: Vec<(usize, Diagnostic)> = Vec::new();
        let mut order = 0usize;
        let mut push = |d: Diagnostic, out: &mut Vec<(usize, Diagnostic)>| {
            order += 1;
            out.push((order, d));
        };
        for (name, source) in &self.sources {
            let tokens = scan::tokens(source);
            for f in scan::filter_uses(&tokens) {
                if !FILTERS.contains(&f.name.as_str()) {
                    let hint = suggest(&f.name, FILTERS.iter().copied())
                        .map(|s| format!("; did you mean {s:?}?"))
                        .unwrap_or_default();
                    let message = format!("unknown filter {:?}{hint}", f.name);
                    push(
                        diagnostic(
                            Severity::Error,
                            "unknown-filter",
                            message,
                            source,
                            name,
                            f.start,
                            f.end,
                        ),
                        &mut out,
                    );
                }
            }
            for (start, end) in unquoted_attributes(source) {
                let message = "a value printed in an unquoted attribute can break out of it with a space: put the attribute value in quotes".to_owned();
                push(
                    diagnostic(
                        Severity::Warning,
                        "unquoted-attribute",
                        message,
                        source,
                        name,
                        start,
                        end,
                    ),
                    &mut out,
                );
            }
            if let Some(schema) = schema {
                for field in self.fields_of(name) {
                    if schema.get(&field).is_some() {
                        continue;
                    }
                    let hint = suggest(&field, schema.attribute_names())
                        .map(|s| format!("; did you mean {s:?}?"))
                        .unwrap_or_default();
                    let message = format!("unknown field {field:?}{hint}");
                    let (start, end) = scan::first_use(&tokens, &field).unwrap_or((0, 0));
                    push(
                        diagnostic(
                            Severity::Error,
                            "unknown-field",
                            message,
                            source,
                            name,
                            start,
                            end,
                        ),
                        &mut out,
                    );
                }
            }
        }
        for c in &self.conditions {
            let Some(source) = self.sources.get(&c.template) else {
                continue;
            };
            if c.kind == ConditionKind::InSegment {
                continue;
            }
            for d in c.segment.check(schema) {
                let (start, end) = match d.span {
                    Some(s) => {
                        let a = c.offsets.get(s.start).copied().unwrap_or(c.start);
                        let b = c.offsets.get(s.end).copied().unwrap_or(a).max(a);
                        (a, b)
                    }
                    None => (c.start, c.end),
                };
                let message = match d.code {
                    "always-false" => format!(
                        "the branch of matches({:?}) can never be shown: {}",
                        c.text, d.message
                    ),
                    "always-true-when-set" | "always-true" => format!(
                        "the else branch of matches({:?}) is shown only when a field is missing: {}",
                        c.text, d.message
                    ),
                    _ => format!("in matches({:?}): {}", c.text, d.message),
                };
                push(
                    diagnostic(d.severity, d.code, message, source, &c.template, start, end),
                    &mut out,
                );
            }
        }
        out.sort_by_key(|(i, d)| (d.line.unwrap_or(0), d.column.unwrap_or(0), *i));
        out.into_iter().map(|(_, d)| d).collect()
    }

    /// The top-level names template `name` reads that are profile fields
    /// (not globals, functions or loop variables), sorted.
    pub(crate) fn fields_of(&self, name: &str) -> Vec<String> {
        let Ok(template) = self.env.get_template(name) else {
            return Vec::new();
        };
        let globals: BTreeSet<&str> = self.env.globals().map(|(n, _)| n).collect();
        let mut fields: Vec<String> = template
            .undeclared_variables(false)
            .into_iter()
            .filter(|v| !globals.contains(v.as_str()) && !NOT_FIELDS.contains(&v.as_str()))
            .filter(|v| v != super::filters::STATE_KEY)
            .collect();
        fields.sort();
        fields
    }

    /// The profile fields every template of this one reads, sorted, unique.
    pub(crate) fn fields(&self) -> Vec<String> {
        let mut all: BTreeSet<String> = BTreeSet::new();
        for name in self.sources.keys() {
            all.extend(self.fields_of(name));
        }
        all.into_iter().collect()
    }

    /// The `default("…")` fallback of each merge field, first one wins.
    pub(crate) fn fallbacks(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for source in self.sources.values() {
            for (f, v) in scan::fallbacks(&scan::tokens(source)) {
                if !out.iter().any(|(g, _)| *g == f) {
                    out.push((f, v));
                }
            }
        }
        out
    }
}

fn diagnostic(
    severity: Severity,
    code: &'static str,
    message: String,
    source: &str,
    template: &str,
    start: usize,
    end: usize,
) -> Diagnostic {
    let message = in_template(message, template);
    let span = Span::locate(source, start, end);
    Diagnostic {
        severity,
        message,
        line: Some(span.line),
        column: Some(span.column),
        code,
        span: Some(span),
    }
}

/// `message`, naming the block when `template` is one.
pub(crate) fn in_template(message: String, template: &str) -> String {
    if template == MAIN {
        message
    } else {
        format!(
            "{message} (in block {:?})",
            template.split('@').next().unwrap_or(template)
        )
    }
}

/// Byte ranges of `{{` that directly follow `=` in markup (`<a href={{ x }}>`):
/// escaping does not stop a space from ending an unquoted attribute.
fn unquoted_attributes(source: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = source.get(from..).and_then(|s| s.find("{{")) {
        let at = from + i;
        let before = source.get(..at).unwrap_or("").trim_end_matches([' ', '\t']);
        if before.ends_with('=') && before.rfind('<') > before.rfind('>') {
            out.push((at, at + 2));
        }
        from = at + 2;
    }
    out
}
