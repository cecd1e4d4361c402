//! Whole subscriber lists held in memory as columns, counted, overlapped and
//! listed with exactly the semantics of the one-profile evaluator.
//!
//! ```
//! use kaleido::{Audience, EvalOptions, LoadOptions, Segment};
//! use serde_json::json;
//!
//! let aud = Audience::from_records(&[
//!     json!({"id": 1, "age": 34, "events": [{"type": "purchase", "at": "2025-01-20T10:00:00Z"}]}),
//!     json!({"id": 2, "age": null}),
//! ], &LoadOptions::default()).unwrap();
//! let opts = EvalOptions::at("2025-02-01T00:00:00Z".parse().unwrap());
//! let rule = Segment::parse("age >= 30 and did purchase in last 30 days").unwrap();
//! assert_eq!(aud.count(&rule, &opts).unwrap(), 1);
//! assert_eq!(aud.members(&rule, &opts, 0, 10).unwrap(), vec![kaleido::IdValue::Number(1.0)]);
//! ```
//!
//! # Memory
//!
//! Per profile: each attribute costs its column's bytes (`f64` numbers: 8 B +
//! 2 bits; strings: 4 B code + 1 bit, plus each distinct string once;
//! booleans: 2 bits; dates: 4 B; date-times: 8 B; lists: 4 B + 4 B per
//! element), plus about 16 B for the id index. Each event costs 20 B (type
//! code, time in nanoseconds, row in its type's table) plus its properties,
//! stored in one column set per event type. [`Audience::memory_bytes`] sums
//! the real allocations.

mod bitmap;
mod column;
mod derived;
mod events;
mod load;
mod plan;
mod tape;

use std::cell::RefCell;
use std::hash::{Hash, Hasher};

use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::rules::{EvalOptions, Schema, Segment};
use bitmap::Bitmap;
use column::Trie;
use events::EventStore;
pub use load::AudienceBuilder;

/// The id of a profile: a string or a number, as loaded.
#[derive(Debug, Clone, PartialEq)]
pub enum IdValue {
    /// A string id.
    String(String),
    /// A numeric id (JSON numbers, read as `f64` as JavaScript does).
    Number(f64),
}

impl IdValue {
    /// Reads an id from JSON: a string or a finite number.
    pub fn from_json(v: &Value) -> Option<IdValue> {
        match v {
            Value::String(s) => Some(IdValue::String(s.clone())),
            Value::Number(n) => n.as_f64().map(|f| IdValue::Number(f + 0.0)),
            _ => None,
        }
    }

    /// The id as JSON.
    pub fn to_json(&self) -> Value {
        match self {
            IdValue::String(s) => Value::String(s.clone()),
            IdValue::Number(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
        }
    }

    fn hash64(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        match self {
            IdValue::String(s) => {
                0u8.hash(&mut h);
                s.hash(&mut h);
            }
            IdValue::Number(f) => {
                1u8.hash(&mut h);
                (f + 0.0).to_bits().hash(&mut h);
            }
        }
        h.finish()
    }
}

impl std::fmt::Display for IdValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdValue::String(s) => write!(f, "{s:?}"),
            IdValue::Number(n) => write!(f, "{n}"),
        }
    }
}

/// How to read a list.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Declared types: a value of another type is a `data` error. Fields the
    /// schema does not declare get inferred column types.
    pub schema: Option<Schema>,
    /// The key holding each profile's id (default `"id"`); for
    /// [`Audience::add_events`], the key holding the profile id in each event.
    pub id_field: String,
    /// Skip bad rows (reported in [`Audience::load_summary`]) instead of failing.
    pub skip_invalid: bool,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            schema: None,
            id_field: "id".into(),
            skip_invalid: false,
        }
    }
}

/// A row left out by a load with `skip_invalid`.
#[derive(Debug, Clone, PartialEq)]
pub struct SkippedRow {
    /// 1-based row: the record's position, the NDJSON line, or the CSV line
    /// (the header is row 1).
    pub row: u64,
    /// The offending field, where known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// What the last load (or `add_events`) did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadSummary {
    /// Rows loaded.
    pub loaded: u64,
    /// Rows skipped (only with `skip_invalid`).
    pub skipped: Vec<SkippedRow>,
}

/// Progress callbacks are called every this many rows (and at the end).
pub const PROGRESS_EVERY: usize = 10_000;

/// Cached results are dropped once they hold more than this many bytes.
const CACHE_LIMIT_BYTES: usize = 256 << 20;

/// A whole list of profiles (and their events) in columnar form.
///
/// Load once with [`Audience::from_records`], [`Audience::from_ndjson`] or
/// [`Audience::from_csv`]; then [`Audience::count`], [`Audience::members`]
/// and [`Audience::overlap`] evaluate segments over every profile at once,
/// agreeing exactly with [`Segment::evaluate`] on each profile. Results of
/// sub-rules are cached (keyed by their canonical text, `asOf`, time zone
/// and segment set), so re-evaluating after a small edit only computes the
/// changed parts.
#[derive(Debug)]
pub struct Audience {
    trie: Trie,
    /// Rows whose record has an `events` key / whose `events` is `null`.
    events_key: Bitmap,
    events_null: Bitmap,
    events: EventStore,
    id_field: String,
    /// Hash of each id -> row; ids whose hash collides with another's go to `id_spill`.
    id_index: column::FxMap<u64, u32>,
    id_spill: Vec<(IdValue, u32)>,
    summary: LoadSummary,
    cache: RefCell<plan::Cache>,
    /// Predicted fields: the options of `derive` and the current fit.
    derived: RefCell<derived::Derived>,
}

impl Audience {
    fn empty(id_field: &str) -> Audience {
        Audience {
            trie: Trie::default(),
            events_key: Bitmap::default(),
            events_null: Bitmap::default(),
            events: EventStore::default(),
            id_field: id_field.to_string(),
            id_index: column::FxMap::default(),
            id_spill: Vec::new(),
            summary: LoadSummary::default(),
            cache: RefCell::new(plan::Cache::default()),
            derived: RefCell::new(derived::Derived::default()),
        }
    }

    /// The number of profiles.
    pub fn size(&self) -> usize {
        self.trie.rows
    }

    /// What the last load or `add_events` loaded and skipped.
    pub fn load_summary(&self) -> &LoadSummary {
        &self.summary
    }

    /// The id of row `row`.
    fn id_of(&self, row: usize) -> Option<IdValue> {
        let node = self.trie.child(0, &self.id_field)?;
        IdValue::from_json(&self.trie.value(node, row)?)
    }

    /// The row of profile `id`.
    fn row_of(&self, id: &IdValue) -> Option<usize> {
        let id = match id {
            IdValue::Number(f) => IdValue::Number(f + 0.0),
            other => other.clone(),
        };
        if let Some(&row) = self.id_index.get(&id.hash64()) {
            if self.id_of(row as usize).as_ref() == Some(&id) {
                return Some(row as usize);
            }
        }
        self.id_spill
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, r)| *r as usize)
    }

    /// Registers `id` at `row`; `Err(previous row)` if already taken.
    fn index_id(&mut self, id: IdValue, row: usize) -> std::result::Result<(), usize> {
        if let Some(prev) = self.row_of(&id) {
            return Err(prev);
        }
        self.index_new_id(id, row);
        Ok(())
    }

    /// Registers `id`, known not to be taken, at `row`.
    fn index_new_id(&mut self, id: IdValue, row: usize) {
        let id = match id {
            IdValue::Number(f) => IdValue::Number(f + 0.0),
            other => other,
        };
        match self.id_index.entry(id.hash64()) {
            std::collections::hash_map::Entry::Occupied(_) => self.id_spill.push((id, row as u32)),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(row as u32);
            }
        }
    }

    /// The profile `id`, reconstructed exactly as loaded (events included, in
    /// their original order; key order may differ).
    pub fn profile(&self, id: &IdValue) -> Option<Value> {
        self.row_of(id).map(|r| Value::Object(self.profile_at(r)))
    }

    /// Every profile in load order, reconstructed as [`Audience::profile`] does.
    pub fn profiles(&self) -> Vec<Value> {
        (0..self.size())
            .map(|r| Value::Object(self.profile_at(r)))
            .collect()
    }

    /// Every profile in load order as the text of a JSON array, built one
    /// profile at a time (the list is never held as values). With `keys`,
    /// each profile is reduced to those top-level keys (events are only
    /// rebuilt when `events` is one of them).
    ///
    /// ```
    /// let a = kaleido::Audience::from_ndjson(
    ///     b"{\"id\":1,\"city\":\"Porto\",\"age\":30}\n{\"id\":2}",
    ///     &Default::default(),
    /// ).unwrap();
    /// let keys = ["id".to_string(), "city".to_string()];
    /// assert_eq!(a.profiles_json(Some(&keys)).unwrap(), r#"[{"id":1,"city":"Porto"},{"id":2}]"#);
    /// ```
    pub fn profiles_json(&self, keys: Option<&[String]>) -> Result<String> {
        let mut out = Vec::with_capacity(64 * self.size() + 2);
        out.push(b'[');
        for row in 0..self.size() {
            if row > 0 {
                out.push(b',');
            }
            let obj = match keys {
                None => self.profile_at(row),
                Some(keys) => {
                    let mut obj = self
                        .trie
                        .object_where(0, row, &|k| keys.iter().any(|w| w == k));
                    if keys.iter().any(|k| k == "events") {
                        self.insert_events(&mut obj, row);
                    }
                    obj
                }
            };
            serde_json::to_writer(&mut out, &obj).map_err(|e| {
                Error::new(
                    ErrorKind::Data,
                    format!("profile {} cannot be written as JSON: {e}", row + 1),
                )
            })?;
        }
        out.push(b']');
        String::from_utf8(out)
            .map_err(|_| Error::new(ErrorKind::Data, "the audience is not valid UTF-8 text"))
    }

    fn profile_at(&self, row: usize) -> Map<String, Value> {
        let mut obj = self.trie.object(0, row);
        self.insert_events(&mut obj, row);
        obj
    }

    /// Adds `events` to the rebuilt profile of `row` if it had the key.
    fn insert_events(&self, obj: &mut Map<String, Value>, row: usize) {
        if self.events_key.get(row) {
            let v = if self.events_null.get(row) {
                Value::Null
            } else {
                Value::Array(self.events.profile_events(row))
            };
            obj.insert("events".into(), v);
        }
    }

    /// Bytes allocated by the list (columns, dictionaries, events, indexes,
    /// cached results).
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Audience>()
            + self.trie.heap_bytes()
            + self.events_key.heap_bytes()
            + self.events_null.heap_bytes()
            + self.events.heap_bytes()
            + self.id_index.capacity() * (8 + 4 + 1)
            + self.id_spill.capacity() * 40
            + self.cache.borrow().bytes()
            + self.derived.borrow().bytes()
    }

    /// How many profiles are in `segment` (the rule is true for them).
    pub fn count(&self, segment: &Segment, opts: &EvalOptions) -> Result<u64> {
        Ok(self.members_bitmap(segment, opts)?.count())
    }

    /// The ids of the profiles in `segment`, in load order, skipping `offset`
    /// and returning at most `limit`.
    pub fn members(
        &self,
        segment: &Segment,
        opts: &EvalOptions,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<IdValue>> {
        let bits = self.members_bitmap(segment, opts)?;
        Ok(bits
            .ones_iter()
            .skip(offset)
            .take(limit)
            .filter_map(|r| self.id_of(r))
            .collect())
    }

    /// For up to 8 segments, the size of every non-empty combination: each
    /// profile counts once, in the exact set of segments it belongs to.
    /// Returns `(indexes of the segments, size)` for every combination with
    /// members, ordered by the bit pattern of the indexes.
    pub fn overlap(
        &self,
        segments: &[Segment],
        opts: &EvalOptions,
    ) -> Result<Vec<(Vec<usize>, u64)>> {
        if segments.len() > 8 {
            return Err(Error::new(
                ErrorKind::Argument,
                format!("overlap takes at most 8 segments, not {}", segments.len()),
            ));
        }
        let sets = segments
            .iter()
            .map(|s| self.members_bitmap(s, opts))
            .collect::<Result<Vec<_>>>()?;
        let mut counts = [0u64; 256];
        let words = self.trie.rows.div_ceil(64);
        for w in 0..words {
            let ws: Vec<u64> = sets
                .iter()
                .map(|b| b.words().get(w).copied().unwrap_or(0))
                .collect();
            let mut any = ws.iter().fold(0u64, |a, b| a | b);
            while any != 0 {
                let bit = any.trailing_zeros();
                any &= any - 1;
                let mut mask = 0usize;
                for (i, x) in ws.iter().enumerate() {
                    if x >> bit & 1 == 1 {
                        mask |= 1 << i;
                    }
                }
                if let Some(c) = counts.get_mut(mask) {
                    *c += 1;
                }
            }
        }
        Ok(counts
            .iter()
            .enumerate()
            .filter(|(m, c)| *m != 0 && **c > 0)
            .map(|(m, c)| {
                (
                    (0..segments.len()).filter(|i| m >> i & 1 == 1).collect(),
                    *c,
                )
            })
            .collect())
    }

    fn members_bitmap(&self, segment: &Segment, opts: &EvalOptions) -> Result<Bitmap> {
        plan::members(self, segment, opts)
    }

    /// How many sub-rule results are cached.
    pub fn cached_results(&self) -> usize {
        self.cache.borrow().len()
    }

    /// Drops every cached result (done automatically by `add_events`).
    pub fn clear_cache(&self) {
        self.cache.borrow_mut().clear();
    }
}
