//! Named segments that refer to each other.

use std::collections::BTreeMap;

use super::ast::Expr;
use super::Segment;
use crate::error::{Error, ErrorKind, Result};

/// Named segments resolving `in segment "name"`.
///
/// Built once and checked: a reference to an unknown name, or a cycle of
/// references, is an [`ErrorKind::Reference`] error naming it.
///
/// ```
/// use kaleido::{Segment, SegmentSet};
/// let set = SegmentSet::new([
///     ("a".to_string(), Segment::parse("in segment \"b\"").unwrap()),
///     ("b".to_string(), Segment::parse("in segment \"a\"").unwrap()),
/// ]);
/// assert!(set.unwrap_err().to_string().contains("a -> b -> a"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegmentSet {
    segments: BTreeMap<String, Segment>,
}

impl SegmentSet {
    /// Builds the set, checking every reference and rejecting cycles.
    pub fn new(definitions: impl IntoIterator<Item = (String, Segment)>) -> Result<SegmentSet> {
        let set = SegmentSet {
            segments: definitions.into_iter().collect(),
        };
        for name in set.segments.keys() {
            let mut path = vec![name.as_str()];
            set.check_from(name, &mut path)?;
        }
        Ok(set)
    }

    /// The segment called `name`.
    pub fn get(&self, name: &str) -> Option<&Segment> {
        self.segments.get(name)
    }

    /// The names, in sorted order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.segments.keys().map(String::as_str)
    }

    /// Checks that every name `expr` refers to exists in this set.
    pub fn check_references(&self, expr: &Expr) -> Result<()> {
        for (name, span) in references(expr) {
            if !self.segments.contains_key(name) {
                return Err(self.unknown(name).with_position(span));
            }
        }
        Ok(())
    }

    fn unknown(&self, name: &str) -> Error {
        let known: Vec<&str> = self.names().collect();
        let hint = crate::rules::suggest(name, known.iter().copied())
            .map(|s| format!("; did you mean {s:?}?"))
            .unwrap_or_default();
        Error::new(
            ErrorKind::Reference,
            format!("unknown segment {name:?}{hint}"),
        )
    }

    fn check_from<'a>(&'a self, name: &'a str, path: &mut Vec<&'a str>) -> Result<()> {
        let Some(segment) = self.segments.get(name) else {
            return Err(self.unknown(name));
        };
        for (next, span) in references(segment.expr()) {
            if let Some(pos) = path.iter().position(|p| *p == next) {
                let cycle: Vec<&str> = path
                    .get(pos..)
                    .unwrap_or(&[])
                    .iter()
                    .copied()
                    .chain([next])
                    .collect();
                return Err(Error::new(
                    ErrorKind::Reference,
                    format!("segment reference cycle: {}", cycle.join(" -> ")),
                ));
            }
            if !self.segments.contains_key(next) {
                return Err(Error::new(
                    ErrorKind::Reference,
                    format!(
                        "segment {name:?} refers to {}",
                        self.unknown(next).message()
                    ),
                )
                .with_position(span));
            }
            path.push(next);
            self.check_from(next, path)?;
            path.pop();
        }
        Ok(())
    }
}

/// Every `in segment "name"` in `expr`, with its span.
pub fn references(expr: &Expr) -> Vec<(&str, crate::Span)> {
    let mut out = Vec::new();
    expr.walk(&mut |e| {
        if let Expr::InSegment { name, span, .. } = e {
            out.push((name.as_str(), *span));
        }
    });
    out
}

/// Resolves `in segment "name"` through `segments`: a `reference` error at
/// `span` when there is no set or no such segment (with a did-you-mean). Every
/// engine (evaluator, audience plans, SQL) resolves references through this.
pub(crate) fn resolve_reference<'s>(
    segments: Option<&'s SegmentSet>,
    name: &str,
    span: crate::error::Span,
) -> crate::error::Result<(&'s SegmentSet, &'s Segment)> {
    use crate::error::{Error, ErrorKind};
    let Some(set) = segments else {
        return Err(Error::new(
            ErrorKind::Reference,
            format!("unknown segment {name:?}: no segment set was given to resolve `in segment`"),
        )
        .with_position(span));
    };
    let Some(seg) = set.get(name) else {
        let hint = crate::rules::suggest(name, set.names())
            .map(|s| format!("; did you mean {s:?}?"))
            .unwrap_or_default();
        return Err(Error::new(
            ErrorKind::Reference,
            format!("unknown segment {name:?}{hint}"),
        )
        .with_position(span));
    };
    Ok((set, seg))
}
