//! Evaluation over the whole list: every node of a rule gives a pair of
//! bitmaps, the rows where it is true and where it is false (unknown is
//! neither), combined with Kleene logic:
//!
//! - `and`: T = ∧ Tᵢ, F = ∨ Fᵢ; `or`: T = ∨ Tᵢ, F = ∧ Fᵢ; `not`: swap.
//!
//! Children of `and`/`or` run cheapest first, each only on the rows still
//! undecided. Attribute conditions run column by column: string, date and
//! boolean columns evaluate the condition once per distinct value (with the
//! one-profile evaluator's own `eval_attribute`) and map codes to bits;
//! numbers and date-times have direct loops for comparisons and windows;
//! anything else is evaluated per row on the materialized value. Event
//! conditions scan each undecided profile's sorted events, with `where`
//! filters evaluated once per event type, column by column.
//!
//! Results are cached per node (canonical text + `asOf` + zone, + the
//! segment set for nodes that reference segments), together with the rows
//! they cover, so a later evaluation computes only what it lacks.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::bitmap::Bitmap;
use super::column::{format_day, Column, Trie, NULL_ELEM};
use super::Audience;
use crate::error::{Error, ErrorKind, Result, Span};
use crate::rules::ast::{AggFunc, CmpOp, Direction, EventRef, Expr, Literal, Path, Unit, Window};
use crate::rules::eval::{eval_attribute, last_holds, same_value, times_hold};
use crate::rules::value::{self, Clock, Temporal};
use crate::rules::{time, EvalOptions, Segment};

/// How deep `in segment` references may nest (as in the one-profile evaluator).
const MAX_SEGMENT_DEPTH: u32 = 64;

/// True rows and false rows of one node.
#[derive(Debug, Clone)]
pub(crate) struct Tri {
    t: Bitmap,
    f: Bitmap,
}

impl Tri {
    fn restrict(&self, rows: &Bitmap) -> Tri {
        Tri {
            t: self.t.and(rows),
            f: self.f.and(rows),
        }
    }

    fn constant(rows: usize, r: Option<bool>) -> Tri {
        Tri {
            t: if r == Some(true) {
                Bitmap::ones(rows)
            } else {
                Bitmap::zeros(rows)
            },
            f: if r == Some(false) {
                Bitmap::ones(rows)
            } else {
                Bitmap::zeros(rows)
            },
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    tri: Tri,
    computed: Bitmap,
}

impl Entry {
    fn bytes(&self) -> usize {
        self.tri.t.heap_bytes() + self.tri.f.heap_bytes() + self.computed.heap_bytes()
    }
}

/// Cached node results, dropped all at once when they grow past the limit.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    map: HashMap<String, Entry>,
    bytes: usize,
}

impl Cache {
    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Drops everything.
    pub fn clear(&mut self) {
        self.map.clear();
        self.bytes = 0;
    }

    /// How many node results are held.
    pub fn len(&self) -> usize {
        self.map.len()
    }
}

fn enc(r: Option<bool>) -> u8 {
    match r {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    }
}

/// The rows to evaluate: all `n`, or only those in `mask` (results for
/// other rows are left unknown; callers only trust the masked rows).
#[derive(Clone, Copy)]
struct Rows<'m> {
    n: usize,
    mask: Option<&'m Bitmap>,
}

impl Rows<'_> {
    fn all(n: usize) -> Rows<'static> {
        Rows { n, mask: None }
    }

    /// Calls `f` for each row to evaluate, in order.
    fn try_each(&self, f: impl FnMut(usize) -> Result<()>) -> Result<()> {
        match self.mask {
            None => (0..self.n).try_for_each(f),
            Some(m) => m.ones_iter().try_for_each(f),
        }
    }
}

/// Sets bit `bit` of word `w` in `words`.
#[inline(always)]
fn set_bit(words: &mut [u64], w: usize, bit: usize) {
    if let Some(x) = words.get_mut(w) {
        *x |= 1 << bit;
    }
}

/// Packs per-row results (0 unknown, 1 false, 2 true) into two bitmaps.
fn pack(rows: Rows, mut f: impl FnMut(usize) -> u8) -> (Bitmap, Bitmap) {
    let n = rows.n.div_ceil(64);
    if let Some(mask) = rows.mask {
        let (mut tw, mut fw) = (vec![0u64; n], vec![0u64; n]);
        for (w, &m) in mask.words().iter().enumerate().take(n) {
            let mut bits = m;
            while bits != 0 {
                let bit = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                match f(w * 64 + bit) {
                    2 => set_bit(&mut tw, w, bit),
                    1 => set_bit(&mut fw, w, bit),
                    _ => {}
                }
            }
        }
        return (
            Bitmap::from_words(tw, rows.n),
            Bitmap::from_words(fw, rows.n),
        );
    }
    let rows = rows.n;
    let (mut tw, mut fw) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut row = 0;
    while row < rows {
        let end = (row + 64).min(rows);
        let (mut t, mut fl) = (0u64, 0u64);
        for (bit, r) in (row..end).enumerate() {
            match f(r) {
                2 => t |= 1 << bit,
                1 => fl |= 1 << bit,
                _ => {}
            }
        }
        tw.push(t);
        fw.push(fl);
        row = end;
    }
    (Bitmap::from_words(tw, rows), Bitmap::from_words(fw, rows))
}

/// Per-row results (0 unknown, 1 false, 2 true) of a dense column, 64 rows
/// at a time (or only the masked present rows); rows not in `present` are
/// unknown. Generic over the value test so each use compiles to a tight loop.
fn dense<T: Copy>(
    vals: &[T],
    present: &Bitmap,
    rows: Rows,
    f: impl Fn(T) -> u8,
) -> (Bitmap, Bitmap) {
    let pw = present.words();
    if let Some(mask) = rows.mask {
        let n = rows.n.div_ceil(64);
        let (mut tw, mut fw) = (vec![0u64; n], vec![0u64; n]);
        for (w, &m) in mask.words().iter().enumerate().take(n) {
            let mut bits = m & pw.get(w).copied().unwrap_or(0);
            while bits != 0 {
                let bit = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(v) = vals.get(w * 64 + bit) else {
                    continue;
                };
                match f(*v) {
                    2 => set_bit(&mut tw, w, bit),
                    1 => set_bit(&mut fw, w, bit),
                    _ => {}
                }
            }
        }
        return (
            Bitmap::from_words(tw, rows.n),
            Bitmap::from_words(fw, rows.n),
        );
    }
    let rows = rows.n;
    let n = rows.div_ceil(64);
    let (mut tw, mut fw) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for w in 0..n {
        let start = w * 64;
        let end = (start + 64).min(rows).min(vals.len());
        let (mut t, mut fl) = (0u64, 0u64);
        if let Some(chunk) = vals.get(start..end) {
            for (i, v) in chunk.iter().enumerate() {
                let r = f(*v);
                t |= u64::from(r == 2) << i;
                fl |= u64::from(r == 1) << i;
            }
        }
        let p = pw.get(w).copied().unwrap_or(0);
        tw.push(t & p);
        fw.push(fl & p);
    }
    (Bitmap::from_words(tw, rows), Bitmap::from_words(fw, rows))
}

/// The attribute condition `expr` with its path replaced by `["v"]`.
fn on_v(expr: &Expr) -> Expr {
    let mut e = expr.clone();
    let path = match &mut e {
        Expr::Compare { path, .. }
        | Expr::Between { path, .. }
        | Expr::In { path, .. }
        | Expr::Contains { path, .. }
        | Expr::ContainsList { path, .. }
        | Expr::StartsWith { path, .. }
        | Expr::EndsWith { path, .. }
        | Expr::Matches { path, .. }
        | Expr::IsSet { path, .. }
        | Expr::IsTrue { path, .. }
        | Expr::DateWithin { path, .. }
        | Expr::DateAgo { path, .. }
        | Expr::DateBefore { path, .. }
        | Expr::DateAfter { path, .. }
        | Expr::Anniversary { path, .. } => Some(path),
        _ => None,
    };
    if let Some(p) = path {
        *p = vec!["v".to_string()];
    }
    e
}

/// Evaluates a path-`v` condition on single values with the evaluator's own code.
struct Probe<'c> {
    map: Map<String, Value>,
    cond: &'c Expr,
    clock: &'c Clock,
}

impl<'c> Probe<'c> {
    fn new(cond: &'c Expr, clock: &'c Clock) -> Probe<'c> {
        Probe {
            map: Map::new(),
            cond,
            clock,
        }
    }

    fn run(&mut self, v: Option<Value>) -> Result<Option<bool>> {
        match v {
            Some(v) => {
                self.map.insert("v".into(), v);
            }
            None => {
                self.map.clear();
            }
        }
        eval_attribute(&self.map, self.cond, self.clock)
    }
}

fn nanos128(t: DateTime<Utc>) -> i128 {
    i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos())
}

fn from_nanos(n: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_nanos(n)
}

/// Per-row results for a column: `Ok(None)` rows are absent.
fn col_tri(col: &Column, rows: Rows, cond: &Expr, clock: &Clock) -> Result<(Bitmap, Bitmap)> {
    let mut probe = Probe::new(cond, clock);
    let tz = clock.tz;
    match col {
        Column::Empty => Ok((Bitmap::zeros(rows.n), Bitmap::zeros(rows.n))),
        Column::Str {
            codes,
            present,
            dict,
        } => {
            let mut table = Vec::with_capacity(dict.len());
            let fast_eq: Option<(Vec<&str>, bool)> = match cond {
                Expr::Compare {
                    cmp: cmp @ (CmpOp::Eq | CmpOp::Ne),
                    value: Literal::String(x),
                    ..
                } => Some((vec![x.as_str()], *cmp == CmpOp::Ne)),
                Expr::In {
                    values, negated, ..
                } if values.iter().all(|l| matches!(l, Literal::String(_))) => Some((
                    values
                        .iter()
                        .filter_map(|l| match l {
                            Literal::String(s) => Some(s.as_str()),
                            _ => None,
                        })
                        .collect(),
                    *negated,
                )),
                _ => None,
            };
            for c in 0..dict.len() as u32 {
                let s = dict.get(c);
                table.push(match &fast_eq {
                    Some((xs, neg)) => enc(Some(xs.contains(&s) != *neg)),
                    None => enc(probe.run(Some(Value::String(s.to_string())))?),
                });
            }
            Ok(dense(codes, present, rows, |c| {
                table.get(c as usize).copied().unwrap_or(0)
            }))
        }
        Column::Bool { vals, present } => {
            let no = enc(probe.run(Some(Value::Bool(false)))?);
            let yes = enc(probe.run(Some(Value::Bool(true)))?);
            Ok(pack(rows, |r| match (present.get(r), vals.get(r)) {
                (false, _) => 0,
                (true, true) => yes,
                (true, false) => no,
            }))
        }
        Column::Date { days, present } => {
            // The condition once per distinct day, in a table from the first to the last day.
            let mut lo = i32::MAX;
            let mut hi = i32::MIN;
            let scan = match rows.mask {
                Some(m) => present.and(m),
                None => present.clone(),
            };
            for r in scan.ones_iter() {
                let d = days.get(r).copied().unwrap_or(0);
                lo = lo.min(d);
                hi = hi.max(d);
            }
            let span = if lo <= hi {
                (i64::from(hi) - i64::from(lo) + 1) as usize
            } else {
                0
            };
            if span <= 400_000 {
                const TODO: u8 = u8::MAX;
                let mut table = vec![TODO; span];
                for r in scan.ones_iter() {
                    let d = days.get(r).copied().unwrap_or(0);
                    let i = (i64::from(d) - i64::from(lo)) as usize;
                    if table.get(i) == Some(&TODO) {
                        let v = enc(probe.run(Some(Value::String(format_day(d))))?);
                        if let Some(slot) = table.get_mut(i) {
                            *slot = v;
                        }
                    }
                }
                return Ok(dense(days, present, rows, |d| {
                    let i = (i64::from(d) - i64::from(lo)) as usize;
                    match table.get(i) {
                        Some(&v) if v != TODO => v,
                        _ => 0,
                    }
                }));
            }
            let mut memo: HashMap<i32, u8> = HashMap::new();
            for r in scan.ones_iter() {
                let d = days.get(r).copied().unwrap_or(0);
                if let std::collections::hash_map::Entry::Vacant(e) = memo.entry(d) {
                    e.insert(enc(probe.run(Some(Value::String(format_day(d))))?));
                }
            }
            Ok(dense(days, present, rows, |d| {
                memo.get(&d).copied().unwrap_or(0)
            }))
        }
        Column::Num { vals, present, .. } => {
            let num = |l: &Literal| match l {
                Literal::Number(x) => Some(*x),
                _ => None,
            };
            let b = |x: bool| 1 + u8::from(x);
            match cond {
                Expr::Compare { cmp, value, .. } => match (num(value), *cmp) {
                    (Some(x), CmpOp::Eq) => Ok(dense(vals, present, rows, |v| b(v == x))),
                    (Some(x), CmpOp::Ne) => Ok(dense(vals, present, rows, |v| b(v != x))),
                    (Some(x), CmpOp::Lt) => Ok(dense(vals, present, rows, |v| b(v < x))),
                    (Some(x), CmpOp::Le) => Ok(dense(vals, present, rows, |v| b(v <= x))),
                    (Some(x), CmpOp::Gt) => Ok(dense(vals, present, rows, |v| b(v > x))),
                    (Some(x), CmpOp::Ge) => Ok(dense(vals, present, rows, |v| b(v >= x))),
                    (None, _) => per_row(col, rows, &mut probe),
                },
                Expr::Between { low, high, .. } => match (num(low), num(high)) {
                    (Some(lo), Some(hi)) => {
                        Ok(dense(vals, present, rows, |v| b(v >= lo && v <= hi)))
                    }
                    _ => per_row(col, rows, &mut probe),
                },
                Expr::In {
                    values, negated, ..
                } if values.iter().all(|l| num(l).is_some()) => {
                    let xs: Vec<f64> = values.iter().filter_map(num).collect();
                    let neg = *negated;
                    Ok(dense(vals, present, rows, |v| b(xs.contains(&v) != neg)))
                }
                _ => per_row(col, rows, &mut probe),
            }
        }
        Column::DateTime { nanos, present, .. } => {
            let as_of = nanos128(clock.as_of);
            let lit_instant = |l: &Literal| match l {
                Literal::DateTime(t) => Some(nanos128(t.with_timezone(&Utc))),
                _ => None,
            };
            let cmp_lit: Option<(CmpOp, &Literal)> = match cond {
                Expr::Compare { cmp, value, .. } => Some((*cmp, value)),
                Expr::DateBefore { value, .. } => Some((CmpOp::Lt, value)),
                Expr::DateAfter { value, .. } => Some((CmpOp::Gt, value)),
                _ => None,
            };
            let fast: Option<Box<dyn Fn(i64) -> Option<bool>>> = match (cond, cmp_lit) {
                (_, Some((op, Literal::DateTime(_)))) => {
                    let x = cmp_lit.and_then(|(_, l)| lit_instant(l)).unwrap_or(0);
                    Some(Box::new(move |t| {
                        Some(value::cmp_holds(op, i128::from(t).cmp(&x)))
                    }))
                }
                (_, Some((op, Literal::Date(d)))) => {
                    let d = *d;
                    Some(Box::new(move |t| {
                        Some(value::cmp_holds(
                            op,
                            time::local_date(from_nanos(t), tz).cmp(&d),
                        ))
                    }))
                }
                (
                    Expr::DateWithin {
                        direction, period, ..
                    },
                    _,
                ) => {
                    let p = *period;
                    Some(match direction {
                        Direction::Last => {
                            let lo = time::before(clock.as_of, p, tz).map(nanos128);
                            Box::new(move |t| {
                                let t = i128::from(t);
                                Some(t <= as_of && lo.is_none_or(|lo| t > lo))
                            })
                        }
                        Direction::Next => {
                            let hi = time::after(clock.as_of, p, tz).map(nanos128);
                            Box::new(move |t| {
                                let t = i128::from(t);
                                Some(t >= as_of && hi.is_none_or(|hi| t < hi))
                            })
                        }
                    })
                }
                (Expr::DateAgo { period, .. }, _) => {
                    let b = time::before(clock.as_of, *period, tz).map(nanos128);
                    Some(Box::new(move |t| {
                        Some(b.is_some_and(|b| i128::from(t) < b))
                    }))
                }
                (
                    Expr::Anniversary {
                        direction, period, ..
                    },
                    _,
                ) => {
                    let (dir, p, c) = (*direction, *period, *clock);
                    Some(Box::new(move |t| {
                        Some(value::anniversary(
                            Temporal::Instant(from_nanos(t)),
                            dir,
                            p,
                            &c,
                        ))
                    }))
                }
                _ => None,
            };
            match fast {
                Some(f) => Ok(dense(nanos, present, rows, |t| enc(f(t)))),
                None => per_row(col, rows, &mut probe),
            }
        }
        Column::List {
            offsets,
            elems,
            dict,
            present,
        } => {
            let table_for = |lit: &Literal| -> Vec<bool> {
                (0..dict.len() as u32)
                    .map(|c| {
                        value::eq_literal(&Value::String(dict.get(c).to_string()), lit, tz)
                            == Some(true)
                    })
                    .collect()
            };
            let list_has = |r: usize, table: &[bool]| -> bool {
                let (a, b) = (
                    offsets.get(r).copied().unwrap_or(0) as usize,
                    offsets.get(r + 1).copied().unwrap_or(0) as usize,
                );
                elems.get(a..b).is_some_and(|es| {
                    es.iter()
                        .any(|c| *c != NULL_ELEM && table.get(*c as usize) == Some(&true))
                })
            };
            match cond {
                Expr::Contains { value: lit, .. } => {
                    let table = table_for(lit);
                    Ok(pack(rows, |r| {
                        if present.get(r) {
                            1 + u8::from(list_has(r, &table))
                        } else {
                            0
                        }
                    }))
                }
                Expr::ContainsList { all, values, .. } => {
                    let tables: Vec<Vec<bool>> = values.iter().map(table_for).collect();
                    let all = *all;
                    Ok(pack(rows, |r| {
                        if !present.get(r) {
                            return 0;
                        }
                        let hit = if all {
                            tables.iter().all(|t| list_has(r, t))
                        } else {
                            tables.iter().any(|t| list_has(r, t))
                        };
                        1 + u8::from(hit)
                    }))
                }
                _ => per_row(col, rows, &mut probe),
            }
        }
        Column::Generic { .. } => per_row(col, rows, &mut probe),
    }
}

/// Evaluates the condition on each present row's materialized value.
fn per_row(col: &Column, rows: Rows, probe: &mut Probe) -> Result<(Bitmap, Bitmap)> {
    let mut t = Bitmap::zeros(rows.n);
    let mut f = Bitmap::zeros(rows.n);
    rows.try_each(|r| {
        if let Some(v) = col.value(r) {
            match enc(probe.run(Some(v))?) {
                2 => t.set(r, true),
                1 => f.set(r, true),
                _ => {}
            }
        }
        Ok(())
    })?;
    Ok((t, f))
}

/// The `type` and `at` of the events of one type, which are not in its trie.
struct EventVirt<'a> {
    name: &'a str,
    aud: &'a Audience,
    globals: &'a [u32],
}

/// Evaluates an attribute condition over the rows of `trie` with the
/// evaluator's lookup: the nested path first, then a flat dotted key.
fn attr_trie(
    trie: &Trie,
    flat: &Trie,
    path: &Path,
    cond: &Expr,
    clock: &Clock,
    virt: Option<&EventVirt>,
    mask: Option<&Bitmap>,
) -> Result<Tri> {
    let rows = trie.rows;
    let sel = Rows { n: rows, mask };
    let mut probe = Probe::new(cond, clock);
    let absent = probe.run(None)?;
    let mut t = Bitmap::zeros(rows);
    let mut f = Bitmap::zeros(rows);
    let mut decided = Bitmap::zeros(rows);
    let mut layer = |set: Bitmap, lt: Bitmap, lf: Bitmap| {
        let fresh = set.and_not(&decided);
        t.or_with(&lt.and(&fresh));
        f.or_with(&lf.and(&fresh));
        decided.or_with(&fresh);
    };
    let single = path.len() == 1;
    let first = path.first().map(String::as_str);
    match (virt, first) {
        (Some(v), Some("type")) if single => {
            let r = probe.run(Some(Value::String(v.name.to_string())))?;
            let c = Tri::constant(rows, r);
            layer(Bitmap::ones(rows), c.t, c.f);
        }
        (Some(v), Some("at")) if single => {
            let mut col = Column::Empty;
            for (r, g) in v.globals.iter().enumerate() {
                col.push(r, &Value::String(v.aud.events.at_string(*g as usize)));
            }
            col.pad(rows);
            let (lt, lf) = col_tri(&col, sel, cond, clock)?;
            layer(col.present(rows), lt, lf);
        }
        _ => {
            if let Some(node) = trie.node_at(path) {
                let (set, lt, lf) = node_tri(trie, node, cond, clock, sel)?;
                layer(set, lt, lf);
            }
        }
    }
    if path.len() > 1 {
        if let Some(node) = flat.child(0, &path.join(".")) {
            let (set, lt, lf) = node_tri(flat, node, cond, clock, sel)?;
            layer(set, lt, lf);
        }
    }
    let rest = decided.not();
    let c = Tri::constant(rows, absent);
    t.or_with(&c.t.and(&rest));
    f.or_with(&c.f.and(&rest));
    Ok(Tri { t, f })
}

/// Rows holding a value at `node`, and the condition's true/false rows among them.
fn node_tri(
    trie: &Trie,
    node: usize,
    cond: &Expr,
    clock: &Clock,
    sel: Rows,
) -> Result<(Bitmap, Bitmap, Bitmap)> {
    let rows = trie.rows;
    let Some(n) = trie.nodes.get(node) else {
        return Ok((
            Bitmap::zeros(rows),
            Bitmap::zeros(rows),
            Bitmap::zeros(rows),
        ));
    };
    let (mut t, mut f) = col_tri(&n.col, sel, cond, clock)?;
    let mut set = n.col.present(rows);
    if let Some(objects) = &n.objects {
        let r = Probe::new(cond, clock).run(Some(Value::Object(Map::new())))?;
        let c = Tri::constant(rows, r);
        t.or_with(&c.t.and(objects));
        f.or_with(&c.f.and(objects));
        set.or_with(objects);
    }
    Ok((set, t, f))
}

fn where_error(span: Span) -> Error {
    Error::new(
        ErrorKind::Type,
        "event conditions and segment references cannot appear inside `where`",
    )
    .with_position(span)
}

fn same_error(span: Span) -> Error {
    Error::new(
        ErrorKind::Type,
        "`same FIELD` is only allowed in the second `where` of a sequence",
    )
    .with_position(span)
}

fn is_event_node(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Did { .. } | Expr::Aggregate { .. } | Expr::Last { .. } | Expr::Sequence { .. }
    )
}

/// Whether a node's result is the same at every `asOf` and in every time
/// zone: attribute conditions without date windows or date/date-time
/// literals (which compare through the time zone), and combinations of them.
fn timeless(e: &Expr) -> bool {
    let plain = |l: &Literal| !matches!(l, Literal::Date(_) | Literal::DateTime(_));
    match e {
        Expr::And { args, .. } | Expr::Or { args, .. } => args.iter().all(timeless),
        Expr::Not { arg, .. } => timeless(arg),
        Expr::Compare { value, .. } | Expr::Contains { value, .. } => plain(value),
        Expr::Between { low, high, .. } => plain(low) && plain(high),
        Expr::In { values, .. } | Expr::ContainsList { values, .. } => values.iter().all(plain),
        Expr::StartsWith { .. }
        | Expr::EndsWith { .. }
        | Expr::Matches { .. }
        | Expr::IsSet { .. }
        | Expr::IsTrue { .. } => true,
        _ => false,
    }
}

/// A relative cost, to run cheap children first.
fn cost(e: &Expr) -> u32 {
    match e {
        Expr::And { args, .. } | Expr::Or { args, .. } => args.iter().map(cost).sum(),
        Expr::Not { arg, .. } => cost(arg),
        Expr::InSegment { .. } => 50,
        Expr::Culture { .. } => 60,
        Expr::Sequence { .. } => 400,
        e if is_event_node(e) => 100,
        _ => 1,
    }
}

/// A sequence's second filter, evaluated per pair of events (for `same FIELD`).
enum PairTree {
    Leaf(Tri),
    Same(Path),
    And(Vec<PairTree>),
    Or(Vec<PairTree>),
    Not(Box<PairTree>),
}

/// An event window as an inclusive range of nanoseconds (empty when `lo > hi`).
struct Bounds {
    lo: i64,
    hi: i64,
}

impl Bounds {
    fn new(start: Option<(i128, bool)>, end: (i128, bool)) -> Bounds {
        let lo = match start {
            None => i128::from(i64::MIN),
            Some((s, true)) => s,
            Some((s, false)) => s + 1,
        };
        let hi = if end.1 { end.0 } else { end.0 - 1 };
        let clamp = |x: i128| x.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        if lo > hi || lo > i128::from(i64::MAX) || hi < i128::from(i64::MIN) {
            Bounds { lo: 1, hi: 0 }
        } else {
            Bounds {
                lo: clamp(lo),
                hi: clamp(hi),
            }
        }
    }

    #[inline(always)]
    fn contains(&self, t: i64) -> bool {
        self.lo <= t && t <= self.hi
    }
}

/// One evaluation over the list.
struct Ev<'a, 'o> {
    aud: &'a Audience,
    opts: &'a EvalOptions<'o>,
    clock: Clock,
    as_of: i128,
    suffix: String,
    set_suffix: String,
    depth: u32,
    /// The predicted fields, when the rule reads some.
    derived: Option<std::sync::Arc<super::derived::DerivedState>>,
}

/// The rows for which `segment` is true.
pub(crate) fn members(aud: &Audience, segment: &Segment, opts: &EvalOptions) -> Result<Bitmap> {
    crate::rules::validate_regexes(segment.expr())?;
    let derived = aud.prepare_derived(segment.expr(), opts)?;
    let clock = Clock::new(opts.as_of, opts.time_zone);
    let set_suffix = match opts.segments {
        None => String::from("\u{0}-"),
        Some(set) => {
            let mut s = String::new();
            for name in set.names() {
                s.push('\u{0}');
                s.push_str(name);
                s.push('=');
                if let Some(seg) = set.get(name) {
                    s.push_str(&seg.to_string());
                }
            }
            s
        }
    };
    let mut ev = Ev {
        aud,
        opts,
        clock,
        as_of: nanos128(opts.as_of),
        suffix: format!(
            "\u{0}{}\u{0}{}",
            nanos128(opts.as_of),
            opts.time_zone.name()
        ),
        set_suffix,
        depth: 0,
        derived,
    };
    let all = Bitmap::ones(aud.size());
    Ok(ev.eval(segment.expr(), &all)?.t)
}

impl<'a, 'o> Ev<'a, 'o> {
    fn rows(&self) -> usize {
        self.aud.size()
    }

    fn key(&self, prefix: &str, expr: &Expr) -> String {
        // A time-independent node keeps its result across `asOf` (which
        // defaults to "now", so changes on every call) and time zones.
        let clock = if timeless(expr) { "" } else { &self.suffix };
        let mut k = format!("{prefix}{}{clock}", Segment::from_expr(expr.clone()));
        let mut refs = false;
        expr.walk(&mut |e| refs |= matches!(e, Expr::InSegment { .. }));
        if refs {
            k.push_str(&self.set_suffix);
        }
        k
    }

    fn cached(&self, key: &str, active: &Bitmap) -> Option<(Option<Tri>, Bitmap)> {
        let cache = self.aud.cache.borrow();
        match cache.map.get(key) {
            Some(e) if active.is_subset(&e.computed) => {
                Some((Some(e.tri.restrict(active)), Bitmap::default()))
            }
            Some(e) => Some((None, active.and_not(&e.computed))),
            None => None,
        }
    }

    fn store(&self, key: String, tri: &Tri, covered: &Bitmap) {
        let mut cache = self.aud.cache.borrow_mut();
        let entry = match cache.map.remove(&key) {
            Some(mut e) => {
                cache.bytes = cache.bytes.saturating_sub(e.bytes());
                e.tri.t.and_not_with(covered);
                e.tri.f.and_not_with(covered);
                e.tri.t.or_with(&tri.t.and(covered));
                e.tri.f.or_with(&tri.f.and(covered));
                e.computed.or_with(covered);
                e
            }
            None => Entry {
                tri: tri.restrict(covered),
                computed: covered.clone(),
            },
        };
        if cache.bytes + entry.bytes() > super::CACHE_LIMIT_BYTES {
            cache.clear();
        }
        cache.bytes += entry.bytes();
        cache.map.insert(key, entry);
    }

    /// The node's true/false rows among `active` (zero elsewhere).
    fn eval(&mut self, expr: &Expr, active: &Bitmap) -> Result<Tri> {
        let key = self.key("", expr);
        let need = match self.cached(&key, active) {
            Some((Some(hit), _)) => return Ok(hit),
            Some((None, need)) => need,
            None => active.clone(),
        };
        let (tri, covered) = self.compute(expr, &need)?;
        self.store(key.clone(), &tri, &covered);
        let cache = self.aud.cache.borrow();
        match cache.map.get(&key) {
            Some(e) if active.is_subset(&e.computed) => Ok(e.tri.restrict(active)),
            // Evicted (or a bug): the fresh result covers `need`; merge is not possible, so recompute plainly.
            _ => {
                drop(cache);
                Ok(self.compute(expr, active)?.0.restrict(active))
            }
        }
    }

    /// The node's results, valid on the returned rows (at least `need`).
    fn compute(&mut self, expr: &Expr, need: &Bitmap) -> Result<(Tri, Bitmap)> {
        let rows = self.rows();
        match expr {
            Expr::And { args, .. } => {
                let mut order: Vec<&Expr> = args.iter().collect();
                order.sort_by_key(|e| cost(e));
                let mut t = need.clone();
                let mut f = Bitmap::zeros(rows);
                let mut act = need.clone();
                for a in order {
                    if act.is_empty() {
                        break;
                    }
                    let r = self.eval(a, &act)?;
                    t.and_with(&r.t);
                    f.or_with(&r.f);
                    act.and_not_with(&r.f);
                }
                t.and_not_with(&f);
                Ok((Tri { t, f }, need.clone()))
            }
            Expr::Or { args, .. } => {
                let mut order: Vec<&Expr> = args.iter().collect();
                order.sort_by_key(|e| cost(e));
                let mut t = Bitmap::zeros(rows);
                let mut f = need.clone();
                let mut act = need.clone();
                for a in order {
                    if act.is_empty() {
                        break;
                    }
                    let r = self.eval(a, &act)?;
                    t.or_with(&r.t);
                    f.and_with(&r.f);
                    act.and_not_with(&r.t);
                }
                f.and_not_with(&t);
                Ok((Tri { t, f }, need.clone()))
            }
            Expr::Not { arg, .. } => {
                let r = self.eval(arg, need)?;
                Ok((Tri { t: r.f, f: r.t }, need.clone()))
            }
            Expr::Same { span, .. } => Err(same_error(*span)),
            Expr::InSegment {
                name,
                negated,
                span,
            } => {
                let seg = self.segment_ref(name, *span)?;
                self.depth += 1;
                let r = self.eval(seg.expr(), need);
                self.depth -= 1;
                let r = r?;
                let inside = r.t;
                let outside = need.and_not(&inside);
                let tri = if *negated {
                    Tri {
                        t: outside,
                        f: inside,
                    }
                } else {
                    Tri {
                        t: inside,
                        f: outside,
                    }
                };
                Ok((tri, need.clone()))
            }
            e if is_event_node(e) => Ok((self.event_node(e, need)?, need.clone())),
            attr => {
                // Few rows left (after cheaper conditions): evaluate only
                // those; otherwise every row, so the cached result serves
                // any later evaluation.
                if need.count() * 16 < rows as u64 {
                    Ok((self.attr_profile(attr, Some(need))?, need.clone()))
                } else {
                    Ok((self.attr_profile(attr, None)?, Bitmap::ones(rows)))
                }
            }
        }
    }

    fn segment_ref(&self, name: &str, span: Span) -> Result<&'o Segment> {
        let (_, seg) = crate::rules::set::resolve_reference(self.opts.segments, name, span)?;
        if self.depth >= MAX_SEGMENT_DEPTH {
            return Err(Error::new(
                ErrorKind::Limit,
                format!("segment references nest more than {MAX_SEGMENT_DEPTH} deep at {name:?}"),
            )
            .with_position(span));
        }
        Ok(seg)
    }

    /// A profile-level attribute condition over every row.
    fn attr_profile(&self, expr: &Expr, mask: Option<&Bitmap>) -> Result<Tri> {
        if let Expr::Culture { test, span } = expr {
            return self.culture(test, *span);
        }
        let cond = on_v(expr);
        let Some(path) = expr.attribute_path() else {
            return Err(Error::new(
                ErrorKind::Type,
                "this condition cannot be evaluated on its own here",
            )
            .with_position(expr.span()));
        };
        if path.len() == 1 && path.first().is_some_and(|p| p == "events") {
            // The raw `events` list: evaluate on the reconstructed value.
            let mut probe = Probe::new(&cond, &self.clock);
            let mut out = Vec::with_capacity(self.rows());
            for r in 0..self.rows() {
                let v = if self.aud.events_key.get(r) && !self.aud.events_null.get(r) {
                    Some(Value::Array(self.aud.events.profile_events(r)))
                } else {
                    None
                };
                out.push(enc(probe.run(v)?));
            }
            let (t, f) = pack(Rows::all(self.rows()), |r| out.get(r).copied().unwrap_or(0));
            return Ok(Tri { t, f });
        }
        if let Some(d) = &self.derived {
            let own = path.first().and_then(|h| d.carried(h));
            if let Some(own) = own {
                // Rows carrying the field: their own value; the others: the
                // derived value (nested), then a flat dotted key of their own.
                let mine = attr_trie(
                    &self.aud.trie,
                    &self.aud.trie,
                    path,
                    &cond,
                    &self.clock,
                    None,
                    mask,
                )?;
                let pred = attr_trie(
                    &d.trie,
                    &self.aud.trie,
                    path,
                    &cond,
                    &self.clock,
                    None,
                    mask,
                )?;
                let mut t = pred.t.and_not(own);
                t.or_with(&mine.t.and(own));
                let mut f = pred.f.and_not(own);
                f.or_with(&mine.f.and(own));
                return Ok(Tri { t, f });
            }
        }
        attr_trie(
            &self.aud.trie,
            &self.aud.trie,
            path,
            &cond,
            &self.clock,
            None,
            mask,
        )
    }

    /// `holiday …`, `season …`, `local_time …`: the one-profile evaluator's
    /// own function on each row's `country` and time-zone fields (the only
    /// fields it reads), so both engines agree by construction.
    fn culture(
        &self,
        test: &crate::rules::ast::CultureTest,
        span: crate::error::Span,
    ) -> Result<Tri> {
        let trie = &self.aud.trie;
        let mut keys: Vec<(&str, usize)> = Vec::new();
        for name in std::iter::once("country").chain(crate::locale::TIME_ZONE_FIELDS) {
            if let Some(node) = trie.child(0, name) {
                keys.push((name, node));
            }
        }
        let mut out = Vec::with_capacity(self.rows());
        for r in 0..self.rows() {
            let mut profile = serde_json::Map::new();
            for (name, node) in &keys {
                if let Some(v) = trie.value(*node, r) {
                    profile.insert((*name).to_owned(), v);
                }
            }
            let v = crate::locale::eval_culture(&profile, test, self.clock.as_of, self.clock.today)
                .map_err(|e| e.with_position(span))?;
            out.push(enc(v));
        }
        let (t, f) = pack(Rows::all(self.rows()), |r| out.get(r).copied().unwrap_or(0));
        Ok(Tri { t, f })
    }

    /// A `where` filter over the events of one type (rows of its table).
    fn filter_tri(&mut self, code: usize, name: &str, expr: &Expr) -> Result<Tri> {
        let key = self.key(&format!("where\u{0}{name}\u{0}"), expr);
        let Some(table) = self.aud.events.tables.get(code) else {
            return Ok(Tri::constant(0, None));
        };
        let all = Bitmap::ones(table.rows);
        if let Some((Some(hit), _)) = self.cached(&key, &all) {
            return Ok(hit);
        }
        let tri = self.filter_compute(code, name, expr)?;
        self.store(key, &tri, &all);
        Ok(tri)
    }

    fn filter_compute(&mut self, code: usize, name: &str, expr: &Expr) -> Result<Tri> {
        let aud = self.aud;
        let Some(table) = aud.events.tables.get(code) else {
            return Ok(Tri::constant(0, None));
        };
        let rows = table.rows;
        match expr {
            Expr::And { args, .. } => {
                let mut acc = Tri::constant(rows, Some(true));
                for a in args {
                    let r = self.filter_tri(code, name, a)?;
                    acc.t.and_with(&r.t);
                    acc.f.or_with(&r.f);
                }
                acc.t.and_not_with(&acc.f);
                Ok(acc)
            }
            Expr::Or { args, .. } => {
                let mut acc = Tri::constant(rows, Some(false));
                for a in args {
                    let r = self.filter_tri(code, name, a)?;
                    acc.t.or_with(&r.t);
                    acc.f.and_with(&r.f);
                }
                acc.f.and_not_with(&acc.t);
                Ok(acc)
            }
            Expr::Not { arg, .. } => {
                let r = self.filter_tri(code, name, arg)?;
                Ok(Tri { t: r.f, f: r.t })
            }
            Expr::Same { span, .. } => Err(same_error(*span)),
            Expr::InSegment { span, .. } => Err(where_error(*span)),
            e if is_event_node(e) => Err(where_error(e.span())),
            attr => {
                let Some(path) = attr.attribute_path() else {
                    return Err(where_error(attr.span()));
                };
                let globals = aud.events.globals.get(code).map_or(&[][..], Vec::as_slice);
                let virt = EventVirt { name, aud, globals };
                attr_trie(
                    table,
                    table,
                    path,
                    &on_v(attr),
                    &self.clock,
                    Some(&virt),
                    None,
                )
            }
        }
    }

    /// Compiles a sequence's second filter (which may use `same FIELD`).
    fn pair_tree(&mut self, code: usize, name: &str, expr: &Expr) -> Result<PairTree> {
        let mut has_same = false;
        expr.walk(&mut |e| has_same |= matches!(e, Expr::Same { .. }));
        if !has_same {
            return Ok(PairTree::Leaf(self.filter_tri(code, name, expr)?));
        }
        Ok(match expr {
            Expr::Same { path, .. } => PairTree::Same(path.clone()),
            Expr::And { args, .. } => PairTree::And(
                args.iter()
                    .map(|a| self.pair_tree(code, name, a))
                    .collect::<Result<_>>()?,
            ),
            Expr::Or { args, .. } => PairTree::Or(
                args.iter()
                    .map(|a| self.pair_tree(code, name, a))
                    .collect::<Result<_>>()?,
            ),
            Expr::Not { arg, .. } => PairTree::Not(Box::new(self.pair_tree(code, name, arg)?)),
            other => return Err(where_error(other.span())),
        })
    }

    fn pair_eval(&self, tree: &PairTree, b: usize, a: usize) -> Option<bool> {
        let ev = &self.aud.events;
        match tree {
            PairTree::Leaf(tri) => {
                let l = ev.local.get(b).copied().unwrap_or(0) as usize;
                if tri.t.get(l) {
                    Some(true)
                } else if tri.f.get(l) {
                    Some(false)
                } else {
                    None
                }
            }
            PairTree::Same(path) => same_value(&ev.event_object(b), &ev.event_object(a), path),
            PairTree::And(xs) => value::all3(xs.iter().map(|x| self.pair_eval(x, b, a))),
            PairTree::Or(xs) => value::any3(xs.iter().map(|x| self.pair_eval(x, b, a))),
            PairTree::Not(x) => self.pair_eval(x, b, a).map(|v| !v),
        }
    }

    /// The type code and true-filter rows of an event reference (`None`: no such events).
    fn selector(&mut self, event: &EventRef) -> Result<Option<(u32, Option<Bitmap>)>> {
        if let Some(f) = &event.filter {
            let mut bad = None;
            f.walk(&mut |e| {
                if bad.is_none() {
                    if let Expr::Same { span, .. } = e {
                        bad = Some(same_error(*span));
                    }
                }
            });
            if let Some(e) = bad {
                return Err(e);
            }
        }
        let Some(code) = self.aud.events.types.find(&event.name) else {
            return Ok(None);
        };
        let filter = match &event.filter {
            None => None,
            Some(f) => Some(self.filter_tri(code as usize, &event.name, f)?.t),
        };
        Ok(Some((code, filter)))
    }

    fn bounds(&self, window: Option<&Window>, span: Span) -> Result<Bounds> {
        let i = value::window_interval(window, &self.clock).map_err(|e| e.with_position(span))?;
        Ok(Bounds::new(
            i.start.map(|s| (nanos128(s), i.start_inclusive)),
            (nanos128(i.end), i.end_inclusive),
        ))
    }

    /// The stored events of `row` at or before `asOf`.
    fn visible(&self, row: usize) -> (usize, usize) {
        let ev = &self.aud.events;
        let (s, e) = ev.range(row);
        let n = ev.at.get(s..e).map_or(0, |ats| {
            ats.partition_point(|t| i128::from(*t) <= self.as_of)
        });
        (s, s + n)
    }

    fn event_node(&mut self, expr: &Expr, need: &Bitmap) -> Result<Tri> {
        let rows = self.rows();
        let aud = self.aud;
        let ev = &aud.events;
        let fallback = Segment::from_expr(expr.clone());
        let matches = |g: usize, sel: &Option<(u32, Option<Bitmap>)>| -> bool {
            match sel {
                None => false,
                Some((code, filter)) => {
                    ev.ty.get(g) == Some(code)
                        && filter
                            .as_ref()
                            .is_none_or(|f| f.get(ev.local.get(g).copied().unwrap_or(0) as usize))
                }
            }
        };
        let mut t = Bitmap::zeros(rows);
        let mut f = Bitmap::zeros(rows);
        let mut out = |r: usize, v: Option<bool>| match v {
            Some(true) => t.set(r, true),
            Some(false) => f.set(r, true),
            None => {}
        };
        // Profiles whose events the one-profile evaluator handles (rare).
        let any_exotic = !ev.exotic.is_empty();
        match expr {
            Expr::Did {
                event,
                negated,
                times,
                window,
                span,
            } => {
                let sel = self.selector(event)?;
                let b = self.bounds(window.as_ref(), *span)?;
                for r in need.ones_iter() {
                    if any_exotic && ev.exotic.contains_key(&(r as u32)) {
                        out(
                            r,
                            fallback.evaluate(&Value::Object(aud.profile_at(r)), self.opts)?,
                        );
                        continue;
                    }
                    let (s, e) = self.visible(r);
                    let n = (s..e)
                        .filter(|&g| {
                            matches(g, &sel) && b.contains(ev.at.get(g).copied().unwrap_or(0))
                        })
                        .count() as u64;
                    out(r, Some(times_hold(*times, n) != *negated));
                }
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
                let sel = self.selector(event)?;
                let b = self.bounds(window.as_ref(), *span)?;
                let reader = match (&sel, field) {
                    (Some((code, _)), Some(path)) => {
                        Some(FieldReader::new(aud, *code as usize, &event.name, path))
                    }
                    _ => None,
                };
                for r in need.ones_iter() {
                    if any_exotic && ev.exotic.contains_key(&(r as u32)) {
                        out(
                            r,
                            fallback.evaluate(&Value::Object(aud.profile_at(r)), self.opts)?,
                        );
                        continue;
                    }
                    let (s, e) = self.visible(r);
                    let (mut n, mut sum, mut min, mut max) =
                        (0u64, 0.0f64, f64::INFINITY, f64::NEG_INFINITY);
                    for g in s..e {
                        if !(matches(g, &sel) && b.contains(ev.at.get(g).copied().unwrap_or(0))) {
                            continue;
                        }
                        let v = match (func, field, &reader) {
                            (AggFunc::Count, _, _) => 0.0,
                            (_, None, _) | (_, _, None) => {
                                return Err(Error::new(
                                    ErrorKind::Type,
                                    format!("{}() needs an event field (EVENT.FIELD)", func.name()),
                                )
                                .with_position(*span))
                            }
                            (_, Some(path), Some(rd)) => match rd.get(g) {
                                Ok(None) => continue,
                                Ok(Some(v)) => v,
                                Err(bad) => {
                                    let i = ev.original_index(r, g);
                                    let p = path.join(".");
                                    return Err(Error::new(
                                        ErrorKind::Data,
                                        format!(
                                            "{}() needs a number, but event {i} has {p} = {bad}",
                                            func.name()
                                        ),
                                    )
                                    .with_row_field(None, Some(format!("events[{i}].{p}"))));
                                }
                            },
                        };
                        n += 1;
                        sum += v;
                        min = min.min(v);
                        max = max.max(v);
                    }
                    let agg = match func {
                        AggFunc::Count => Some(n as f64),
                        AggFunc::Sum => Some(sum),
                        _ if n == 0 => None,
                        AggFunc::Avg => Some(sum / n as f64),
                        AggFunc::Min => Some(min),
                        AggFunc::Max => Some(max),
                    };
                    out(r, agg.map(|a| value::cmp_f64(*cmp, a, *x)));
                }
            }
            Expr::Last { event, test, .. } => {
                let sel = self.selector(event)?;
                for r in need.ones_iter() {
                    if any_exotic && ev.exotic.contains_key(&(r as u32)) {
                        out(
                            r,
                            fallback.evaluate(&Value::Object(aud.profile_at(r)), self.opts)?,
                        );
                        continue;
                    }
                    let (s, e) = self.visible(r);
                    let last = (s..e).rev().find(|&g| matches(g, &sel));
                    out(
                        r,
                        last.map(|g| {
                            last_holds(
                                *test,
                                from_nanos(ev.at.get(g).copied().unwrap_or(0)),
                                &self.clock,
                            )
                        }),
                    );
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
                let sel = self.selector(first)?;
                let b = self.bounds(window.as_ref(), *span)?;
                let then_code = ev.types.find(&then.name);
                let tree = match (&then.filter, then_code) {
                    (Some(f), Some(code)) => Some(self.pair_tree(code as usize, &then.name, f)?),
                    _ => None,
                };
                let tz = self.clock.tz;
                for r in need.ones_iter() {
                    if any_exotic && ev.exotic.contains_key(&(r as u32)) {
                        out(
                            r,
                            fallback.evaluate(&Value::Object(aud.profile_at(r)), self.opts)?,
                        );
                        continue;
                    }
                    let (s, e) = self.visible(r);
                    let mut hit = false;
                    for a in s..e {
                        let a_at = ev.at.get(a).copied().unwrap_or(0);
                        if !(matches(a, &sel) && b.contains(a_at)) {
                            continue;
                        }
                        // Hours are fixed lengths; other units are calendar steps in the zone.
                        let deadline: Option<i128> = match within {
                            Some(d) if d.unit == Unit::Hours && d.amount <= 1_000_000_000 => {
                                Some(i128::from(a_at) + i128::from(d.amount) * 3_600_000_000_000)
                            }
                            Some(d) => time::after(from_nanos(a_at), *d, tz).map(nanos128),
                            None => None,
                        };
                        let limit = deadline.map_or(self.as_of, |d| d.min(self.as_of));
                        let mut found = false;
                        for bi in a + 1..e {
                            let b_at = i128::from(ev.at.get(bi).copied().unwrap_or(0));
                            if b_at <= i128::from(a_at) {
                                continue;
                            }
                            if b_at > limit {
                                break;
                            }
                            if then_code.is_some() && ev.ty.get(bi).copied() == then_code {
                                let ok = match &tree {
                                    None => true,
                                    Some(t) => self.pair_eval(t, bi, a) == Some(true),
                                };
                                if ok {
                                    found = true;
                                    break;
                                }
                            }
                        }
                        let h = if *negated {
                            let passed = match within {
                                None => true,
                                Some(_) => deadline.is_some_and(|d| d <= self.as_of),
                            };
                            !found && passed
                        } else {
                            found
                        };
                        if h {
                            hit = true;
                            break;
                        }
                    }
                    out(r, Some(hit));
                }
            }
            other => return Err(where_error(other.span())),
        }
        Ok(Tri { t, f })
    }
}

/// Reads a numeric event property for aggregates.
struct FieldReader<'a> {
    aud: &'a Audience,
    table: Option<&'a Trie>,
    layers: Vec<usize>,
    virt: Option<bool>,
    name: &'a str,
}

impl<'a> FieldReader<'a> {
    fn new(aud: &'a Audience, code: usize, name: &'a str, path: &Path) -> FieldReader<'a> {
        let table = aud.events.tables.get(code);
        let single = path.len() == 1;
        let virt = match path.first().map(String::as_str) {
            Some("type") if single => Some(false),
            Some("at") if single => Some(true),
            _ => None,
        };
        let mut layers = Vec::new();
        if let Some(t) = table {
            if virt.is_none() {
                if let Some(n) = t.node_at(path) {
                    layers.push(n);
                }
            }
            if path.len() > 1 {
                if let Some(n) = t.child(0, &path.join(".")) {
                    layers.push(n);
                }
            }
        }
        FieldReader {
            aud,
            table,
            layers,
            virt,
            name,
        }
    }

    /// The number at event `g`: `Ok(None)` if missing or null, `Err(value)` if not a number.
    fn get(&self, g: usize) -> std::result::Result<Option<f64>, Value> {
        match self.virt {
            Some(false) => return Err(Value::String(self.name.to_string())),
            Some(true) => return Err(Value::String(self.aud.events.at_string(g))),
            None => {}
        }
        let Some(table) = self.table else {
            return Ok(None);
        };
        let local = self.aud.events.local.get(g).copied().unwrap_or(0) as usize;
        for &n in &self.layers {
            let Some(node) = table.nodes.get(n) else {
                continue;
            };
            if let Column::Num { vals, present, .. } = &node.col {
                if present.get(local) {
                    return Ok(vals.get(local).copied());
                }
            }
            if let Some(v) = table.value(n, local) {
                return match v.as_f64() {
                    Some(x) => Ok(Some(x)),
                    None => Err(v),
                };
            }
        }
        Ok(None)
    }
}
