//! Events grouped per profile, sorted by time, with columnar properties per
//! event type.
//!
//! Profile `r`'s events are `offsets[r]..offsets[r+1]` of the flat arrays
//! `ty` (type code), `at` (nanoseconds since the epoch) and `local` (row in
//! the table of its type, which holds the other properties as a [`Trie`]).
//! They are stored in the order the evaluator visits them: by time, ties in
//! their original order; `perm` remembers the original order where it
//! differs. A profile with an `at` that is not a strict RFC 3339 instant in
//! range (a bare date, whose instant depends on the time zone) keeps its raw
//! events in `exotic` and is evaluated by the one-profile evaluator.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::column::{format_date_time, strict_date_time, Dict, Styles, Trie};
use super::tape::Tok;

/// The events of every profile.
#[derive(Debug, Clone)]
pub(crate) struct EventStore {
    /// Start of each profile's events (`rows + 1` entries once finished).
    pub offsets: Vec<u32>,
    /// Type code of each event.
    pub ty: Vec<u32>,
    /// Time of each event, nanoseconds since the epoch.
    pub at: Vec<i64>,
    at_styles: Styles,
    /// Row of each event in its type's table.
    pub local: Vec<u32>,
    /// Event type names.
    pub types: Dict,
    /// Per type: the properties (without `type` and `at`).
    pub tables: Vec<Trie>,
    /// Per type: the global index of each table row.
    pub globals: Vec<Vec<u32>>,
    /// Profile -> original position of each stored event, where not sorted already.
    perm: HashMap<u32, Vec<u32>>,
    /// Profile -> raw events, for profiles evaluated by the one-profile evaluator.
    pub exotic: HashMap<u32, Vec<Value>>,
}

impl Default for EventStore {
    fn default() -> EventStore {
        EventStore {
            offsets: Vec::new(),
            ty: Vec::new(),
            at: Vec::new(),
            at_styles: Styles::Uniform(0, 0),
            local: Vec::new(),
            types: Dict::default(),
            tables: Vec::new(),
            globals: Vec::new(),
            perm: HashMap::new(),
            exotic: HashMap::new(),
        }
    }
}

impl EventStore {
    /// Appends the (validated) events of the next profile.
    pub fn push_profile(&mut self, events: &[Value]) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let row = (self.offsets.len() - 1) as u32;
        let mut parsed = Vec::with_capacity(events.len());
        for e in events {
            let at = e
                .get("at")
                .and_then(Value::as_str)
                .and_then(strict_date_time);
            let ty = e.get("type").and_then(Value::as_str);
            match (at, ty, e.as_object()) {
                (Some(at), Some(ty), Some(obj)) => parsed.push((at, ty, obj)),
                _ => {
                    self.exotic.insert(row, events.to_vec());
                    self.offsets.push(self.ty.len() as u32);
                    return;
                }
            }
        }
        self.store_sorted(row, &parsed, |table, obj| {
            table.push_record(obj, &|k| k == "type" || k == "at");
        });
    }

    /// Appends the next profile's events read from a tape: for each, its
    /// time and style (a strict RFC 3339 instant), type, and object index.
    pub fn push_profile_tape(&mut self, t: &[Tok], events: &[((i64, u32), &str, usize)]) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let row = (self.offsets.len() - 1) as u32;
        self.store_sorted(row, events, |table, obj| {
            table.push_tape(t, *obj, &|k| k == "type" || k == "at");
        });
    }

    /// Stores parsed events in time order (ties in their original order).
    fn store_sorted<E>(
        &mut self,
        row: u32,
        parsed: &[((i64, u32), &str, E)],
        push: impl Fn(&mut Trie, &E),
    ) {
        let sorted = parsed.windows(2).all(|w| match w {
            [a, b] => a.0 .0 <= b.0 .0,
            _ => true,
        });
        let order: Vec<usize> = if sorted {
            Vec::new()
        } else {
            let mut order: Vec<usize> = (0..parsed.len()).collect();
            order.sort_by_key(|&i| parsed.get(i).map_or(0, |p| p.0 .0));
            self.perm
                .insert(row, order.iter().map(|&o| o as u32).collect());
            order
        };
        for k in 0..parsed.len() {
            let i = if sorted {
                k
            } else {
                order.get(k).copied().unwrap_or(k)
            };
            let Some(((nanos, style), ty, obj)) = parsed.get(i) else {
                continue;
            };
            let code = self.types.intern(ty) as usize;
            if self.tables.len() <= code {
                self.tables.resize_with(code + 1, Trie::default);
                self.globals.resize_with(code + 1, Vec::new);
            }
            let global = self.ty.len() as u32;
            if let (Some(table), Some(g)) = (self.tables.get_mut(code), self.globals.get_mut(code))
            {
                self.local.push(table.rows as u32);
                push(table, obj);
                g.push(global);
            }
            self.ty.push(code as u32);
            self.at.push(*nanos);
            self.at_styles.push(*style);
        }
        self.offsets.push(self.ty.len() as u32);
    }

    /// Pads the tables and drops build-time indexes.
    pub fn finish(&mut self, rows: usize) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        while self.offsets.len() < rows + 1 {
            let last = self.offsets.last().copied().unwrap_or(0);
            self.offsets.push(last);
        }
        for t in &mut self.tables {
            t.finish();
        }
    }

    /// The style of event `g`.
    fn style(&self, g: usize) -> u32 {
        self.at_styles.get(g)
    }

    /// The stored range of profile `row`'s events.
    pub fn range(&self, row: usize) -> (usize, usize) {
        let s = self.offsets.get(row).copied().unwrap_or(0) as usize;
        let e = self.offsets.get(row + 1).copied().unwrap_or(0) as usize;
        (s, e.max(s))
    }

    /// The `at` string of event `g`, as loaded.
    pub fn at_string(&self, g: usize) -> String {
        format_date_time(self.at.get(g).copied().unwrap_or(0), self.style(g))
    }

    /// The type name of event `g`.
    pub fn type_name(&self, g: usize) -> &str {
        self.types.get(self.ty.get(g).copied().unwrap_or(0))
    }

    /// Event `g` as a JSON object, exactly as loaded.
    pub fn event_object(&self, g: usize) -> Map<String, Value> {
        let code = self.ty.get(g).copied().unwrap_or(0) as usize;
        let local = self.local.get(g).copied().unwrap_or(0) as usize;
        let mut obj = Map::new();
        obj.insert("type".into(), Value::String(self.type_name(g).to_string()));
        obj.insert("at".into(), Value::String(self.at_string(g)));
        if let Some(t) = self.tables.get(code) {
            for (k, v) in t.object(0, local) {
                obj.insert(k, v);
            }
        }
        obj
    }

    /// The original position (in the profile's `events` array) of stored event `g` of profile `row`.
    pub fn original_index(&self, row: usize, g: usize) -> usize {
        let (s, _) = self.range(row);
        let i = g.saturating_sub(s);
        match self.perm.get(&(row as u32)) {
            Some(p) => p.get(i).map_or(i, |o| *o as usize),
            None => i,
        }
    }

    /// Profile `row`'s events as loaded, in their original order.
    pub fn profile_events(&self, row: usize) -> Vec<Value> {
        if let Some(raw) = self.exotic.get(&(row as u32)) {
            return raw.clone();
        }
        let (s, e) = self.range(row);
        let mut out = vec![Value::Null; e - s];
        for g in s..e {
            let o = self.original_index(row, g);
            if let Some(slot) = out.get_mut(o) {
                *slot = Value::Object(self.event_object(g));
            }
        }
        out
    }

    /// Bytes allocated.
    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 4
            + self.ty.capacity() * 4
            + self.at.capacity() * 8
            + self.at_styles.heap_bytes()
            + self.local.capacity() * 4
            + self.types.heap_bytes()
            + self.tables.iter().map(Trie::heap_bytes).sum::<usize>()
            + self.globals.iter().map(|g| g.capacity() * 4).sum::<usize>()
            + self
                .perm
                .values()
                .map(|p| p.capacity() * 4 + 32)
                .sum::<usize>()
            + self
                .exotic
                .values()
                .map(|v| v.iter().map(super::column::json_heap).sum::<usize>() + 32)
                .sum::<usize>()
    }
}
