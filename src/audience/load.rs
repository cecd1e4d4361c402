//! Loading lists from records, NDJSON and CSV, and adding events.
//!
//! Every row is checked before anything of it is stored, so a skipped row
//! leaves no trace. Row numbers are 1-based: the record's position, the
//! NDJSON line, or the CSV line where the record starts (the header is line 1).

use serde_json::{Map, Number, Value};

use super::{Audience, IdValue, LoadOptions, LoadSummary, SkippedRow, PROGRESS_EVERY};
use crate::error::{Error, ErrorKind, Result};
use crate::rules::eval::json_type_name;
use crate::rules::value::{lookup, parse_temporal, Temporal};
use crate::rules::{Schema, ValueType};

fn data(row: u64, field: Option<String>, message: String) -> Error {
    Error::new(ErrorKind::Data, message).with_row_field(Some(row), field)
}

/// Whether `v` (not null) is a value of type `ty`.
fn fits(ty: ValueType, v: &Value) -> bool {
    match ty {
        ValueType::Number => v.is_number(),
        ValueType::String => v.is_string(),
        ValueType::Boolean => v.is_boolean(),
        ValueType::Date => {
            matches!(v.as_str().and_then(parse_temporal), Some(Temporal::Date(_)))
        }
        ValueType::DateTime => v.as_str().and_then(parse_temporal).is_some(),
        ValueType::StringList => v
            .as_array()
            .is_some_and(|a| a.iter().all(|e| e.is_string() || e.is_null())),
    }
}

fn type_error(row: u64, field: &str, ty: ValueType, v: &Value) -> Error {
    data(
        row,
        Some(field.to_string()),
        format!("{field:?} must be a {ty}, but row {row} has {v}"),
    )
}

/// Checks the attributes of `obj` (at dotted `prefix`) against the schema.
fn check_schema(schema: &Schema, obj: &Map<String, Value>, prefix: &str, row: u64) -> Result<()> {
    for (k, v) in obj {
        if prefix.is_empty() && k == "events" {
            continue;
        }
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if v.is_null() {
            continue;
        }
        if let Some(ty) = schema.attribute(&name) {
            if !fits(ty, v) {
                return Err(type_error(row, &name, ty, v));
            }
        } else if let Value::Object(inner) = v {
            check_schema(schema, inner, &name, row)?;
        }
    }
    Ok(())
}

/// Checks one event (as the evaluator's index does, plus the schema).
/// `label` names it in messages (`event 3`), `base` in fields (`events[3]`,
/// or empty for a bare event record).
fn check_event(
    e: &Value,
    label: &str,
    base: &str,
    row: u64,
    schema: Option<&Schema>,
) -> Result<()> {
    let field = |f: &str| {
        Some(if base.is_empty() {
            f.to_string()
        } else if f.is_empty() {
            base.to_string()
        } else {
            format!("{base}.{f}")
        })
    };
    let Some(obj) = e.as_object() else {
        return Err(data(row, field(""), format!("{label} is not an object")));
    };
    let Some(ty) = obj.get("type").and_then(Value::as_str) else {
        return Err(data(
            row,
            field("type"),
            format!("{label} has no string \"type\""),
        ));
    };
    match obj.get("at") {
        Some(Value::String(s)) if parse_temporal(s).is_some() => {}
        Some(Value::String(s)) => {
            return Err(data(
                row,
                field("at"),
                format!("{label} has \"at\" {s:?}, not an RFC 3339 date-time or a YYYY-MM-DD date"),
            ))
        }
        _ => {
            return Err(data(
                row,
                field("at"),
                format!("{label} has no \"at\" time (an RFC 3339 string)"),
            ))
        }
    }
    if let Some(es) = schema.and_then(|s| s.event(ty)) {
        for (prop, pty) in es.properties() {
            let path: Vec<String> = prop.split('.').map(String::from).collect();
            if let Some(v) = lookup(obj, &path) {
                if !fits(pty, v) {
                    return Err(data(
                        row,
                        field(prop),
                        format!("{ty} event property {prop:?} must be a {pty}, but {label} of row {row} has {v}"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A list being loaded.
struct Loader<'o> {
    aud: Audience,
    opts: &'o LoadOptions,
    /// Source row of each stored profile (for duplicate-id messages).
    source_rows: Vec<u64>,
    summary: LoadSummary,
}

impl<'o> Loader<'o> {
    fn new(opts: &'o LoadOptions) -> Loader<'o> {
        Loader {
            aud: Audience::empty(&opts.id_field),
            opts,
            source_rows: Vec::new(),
            summary: LoadSummary::default(),
        }
    }

    /// Checks a record; returns its id.
    fn check(&self, v: &Value, row: u64) -> Result<IdValue> {
        let Some(obj) = v.as_object() else {
            return Err(data(
                row,
                None,
                format!("row {row} is {}, not an object", json_type_name(v)),
            ));
        };
        let idf = &self.opts.id_field;
        let id = match obj.get(idf.as_str()) {
            None | Some(Value::Null) => {
                return Err(data(
                    row,
                    Some(idf.clone()),
                    format!("row {row} has no {idf:?} (each profile needs a string or number id)"),
                ))
            }
            Some(v) => IdValue::from_json(v).ok_or_else(|| {
                data(
                    row,
                    Some(idf.clone()),
                    format!("row {row} has {idf:?} = {v}; an id must be a string or a number"),
                )
            })?,
        };
        if let Some(prev) = self.aud.row_of(&id) {
            let prev_row = self.source_rows.get(prev).copied().unwrap_or(0);
            return Err(data(
                row,
                Some(idf.clone()),
                format!("duplicate id {id}: rows {prev_row} and {row}"),
            ));
        }
        match obj.get("events") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (i, e) in list.iter().enumerate() {
                    check_event(
                        e,
                        &format!("event {i}"),
                        &format!("events[{i}]"),
                        row,
                        self.opts.schema.as_ref(),
                    )?;
                }
            }
            Some(_) => {
                return Err(data(
                    row,
                    Some("events".into()),
                    "\"events\" must be a list of {type, at, …} objects".into(),
                ))
            }
        }
        if let Some(schema) = &self.opts.schema {
            check_schema(schema, obj, "", row)?;
        }
        Ok(id)
    }

    fn insert(&mut self, v: &Value, id: IdValue, row: u64) {
        let Some(obj) = v.as_object() else {
            return;
        };
        let r = self.aud.trie.rows;
        self.aud.trie.push_record(obj, &|k| k == "events");
        let ev = obj.get("events");
        self.aud.events_key.push(ev.is_some());
        self.aud.events_null.push(matches!(ev, Some(Value::Null)));
        let list = ev.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        self.aud.events.push_profile(list);
        // The id was checked to be new; a failure here cannot happen.
        let _ = self.aud.index_id(id, r);
        self.source_rows.push(row);
        self.summary.loaded += 1;
    }

    /// Loads one row, or skips/fails on a bad one.
    fn row(&mut self, row: u64, rec: Result<Value>) -> Result<()> {
        match rec.and_then(|v| self.check(&v, row).map(|id| (v, id))) {
            Ok((v, id)) => {
                self.insert(&v, id, row);
                Ok(())
            }
            Err(e) => self.bad(row, e),
        }
    }

    fn bad(&mut self, row: u64, e: Error) -> Result<()> {
        let e = e.with_row_field(Some(row), None);
        if self.opts.skip_invalid {
            self.summary.skipped.push(SkippedRow {
                row: e.row().unwrap_or(row),
                field: e.field().map(String::from),
                message: e.message().to_string(),
            });
            Ok(())
        } else {
            Err(e)
        }
    }

    fn finish(mut self) -> Audience {
        let rows = self.aud.trie.rows;
        self.aud.trie.finish();
        self.aud.events.finish(rows);
        self.aud.summary = self.summary;
        self.aud
    }
}

/// The non-blank lines of NDJSON with their 1-based line numbers.
fn ndjson_lines(text: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    text.split(|b| *b == b'\n')
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.strip_suffix(b"\r").unwrap_or(l)))
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
}

fn parse_line(row: u64, line: &[u8]) -> Result<Value> {
    serde_json::from_slice(line)
        .map_err(|e| data(row, None, format!("line {row} is not valid JSON: {e}")))
}

/// What a CSV column holds.
#[derive(Clone, Copy)]
enum CsvType {
    Declared(ValueType),
    Number,
    Boolean,
    List,
    String,
}

fn json_string_list(cell: &str) -> Option<Vec<Value>> {
    match serde_json::from_str::<Value>(cell) {
        Ok(Value::Array(a)) if a.iter().all(|e| e.is_string() || e.is_null()) => Some(a),
        _ => None,
    }
}

fn infer_csv(cells: &mut dyn Iterator<Item = &str>) -> CsvType {
    let (mut num, mut boolean, mut list, mut any) = (true, true, true, false);
    for c in cells.filter(|c| !c.is_empty()) {
        any = true;
        num = num && serde_json::from_str::<Number>(c).is_ok();
        boolean = boolean && (c == "true" || c == "false");
        list = list && c.starts_with('[') && json_string_list(c).is_some();
        if !(num || boolean || list) {
            break;
        }
    }
    match (any, num, boolean, list) {
        (false, ..) => CsvType::String,
        (_, true, _, _) => CsvType::Number,
        (_, _, true, _) => CsvType::Boolean,
        (_, _, _, true) => CsvType::List,
        _ => CsvType::String,
    }
}

fn csv_cell(cell: &str, ty: CsvType, row: u64, field: &str) -> Result<Value> {
    if cell.is_empty() {
        return Ok(Value::Null);
    }
    let bad = |what: &str| {
        data(
            row,
            Some(field.to_string()),
            format!("{field:?} must be {what}, but row {row} has {cell:?}"),
        )
    };
    Ok(match ty {
        CsvType::Number | CsvType::Declared(ValueType::Number) => {
            Value::Number(serde_json::from_str::<Number>(cell).map_err(|_| bad("a number"))?)
        }
        CsvType::Boolean | CsvType::Declared(ValueType::Boolean) => match cell {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(bad("true or false")),
        },
        CsvType::List | CsvType::Declared(ValueType::StringList) => {
            if cell.starts_with('[') {
                Value::Array(
                    json_string_list(cell).ok_or_else(|| bad("a JSON list of strings or a|b|c"))?,
                )
            } else {
                Value::Array(cell.split('|').map(|s| Value::String(s.into())).collect())
            }
        }
        CsvType::String
        | CsvType::Declared(ValueType::String | ValueType::Date | ValueType::DateTime) => {
            Value::String(cell.to_string())
        }
    })
}

fn csv_error(e: &csv::Error) -> Error {
    let row = e.position().map(|p| p.line());
    Error::new(ErrorKind::Data, format!("bad CSV: {e}")).with_row_field(row, None)
}

/// Builds an [`Audience`] from records given a few at a time (for callers
/// that stream or chunk their input, like the JavaScript boundary). Rows
/// count from 1 across all calls.
pub struct AudienceBuilder<'o> {
    loader: Loader<'o>,
    next_row: u64,
}

impl<'o> AudienceBuilder<'o> {
    /// A builder with these options.
    pub fn new(opts: &'o LoadOptions) -> AudienceBuilder<'o> {
        AudienceBuilder {
            loader: Loader::new(opts),
            next_row: 1,
        }
    }

    /// Adds the next record (a bad one is an error, or skipped with `skip_invalid`).
    pub fn push(&mut self, record: Value) -> Result<()> {
        let row = self.next_row;
        self.next_row += 1;
        self.loader.row(row, Ok(record))
    }

    /// Records a row that could not even be read (for example bad JSON) as bad.
    pub fn push_error(&mut self, e: Error) -> Result<()> {
        let row = self.next_row;
        self.next_row += 1;
        self.loader.bad(row, e)
    }

    /// Rows seen so far (loaded or skipped).
    pub fn rows_seen(&self) -> u64 {
        self.next_row - 1
    }

    /// The finished list.
    pub fn finish(self) -> Audience {
        self.loader.finish()
    }
}

impl Audience {
    /// Loads profiles from JSON records (see the module docs for the data model).
    pub fn from_records(profiles: &[Value], opts: &LoadOptions) -> Result<Audience> {
        Self::from_records_with_progress(profiles, opts, &mut |_, _| {})
    }

    /// [`Audience::from_records`], calling `progress(done, total)` every
    /// [`PROGRESS_EVERY`] rows and at the end.
    pub fn from_records_with_progress(
        profiles: &[Value],
        opts: &LoadOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Audience> {
        let mut l = Loader::new(opts);
        let total = profiles.len();
        for (i, p) in profiles.iter().enumerate() {
            l.row(i as u64 + 1, Ok(p.clone()))?;
            if (i + 1) % PROGRESS_EVERY == 0 {
                progress(i + 1, total);
            }
        }
        progress(total, total);
        Ok(l.finish())
    }

    /// Loads profiles from any iterator of records (row numbers count from 1).
    pub fn from_iter_records(
        profiles: impl IntoIterator<Item = Value>,
        opts: &LoadOptions,
    ) -> Result<Audience> {
        let mut l = Loader::new(opts);
        for (i, p) in profiles.into_iter().enumerate() {
            l.row(i as u64 + 1, Ok(p))?;
        }
        Ok(l.finish())
    }

    /// Loads profiles from newline-delimited JSON (one profile per line;
    /// blank lines are ignored; rows are line numbers).
    pub fn from_ndjson(text: &[u8], opts: &LoadOptions) -> Result<Audience> {
        Self::from_ndjson_with_progress(text, opts, &mut |_, _| {})
    }

    /// [`Audience::from_ndjson`] with a progress callback (`done`, `total` in rows).
    pub fn from_ndjson_with_progress(
        text: &[u8],
        opts: &LoadOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Audience> {
        let total = ndjson_lines(text).count();
        let mut l = Loader::new(opts);
        for (done, (row, line)) in ndjson_lines(text).enumerate() {
            l.row(row, parse_line(row, line))?;
            if (done + 1) % PROGRESS_EVERY == 0 {
                progress(done + 1, total);
            }
        }
        progress(total, total);
        Ok(l.finish())
    }

    /// Loads profiles from CSV (RFC 4180; a header row names the fields;
    /// `delimiter` is usually `b','`). Column types come from the schema or
    /// are inferred: all cells JSON numbers → numbers; all `true`/`false` →
    /// booleans; all JSON lists of strings → lists; otherwise strings (dates
    /// and date-times are strings in the data model). A declared `string[]`
    /// column also reads `a|b|c`. An empty cell is `null`. Rows are CSV lines
    /// (the header is line 1).
    pub fn from_csv(text: &[u8], delimiter: u8, opts: &LoadOptions) -> Result<Audience> {
        Self::from_csv_with_progress(text, delimiter, opts, &mut |_, _| {})
    }

    /// [`Audience::from_csv`] with a progress callback.
    pub fn from_csv_with_progress(
        text: &[u8],
        delimiter: u8,
        opts: &LoadOptions,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Audience> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .from_reader(text);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(&e))?
            .iter()
            .map(String::from)
            .collect();
        for (i, h) in headers.iter().enumerate() {
            if headers.iter().take(i).any(|p| p == h) {
                return Err(data(
                    1,
                    Some(h.clone()),
                    format!("column {h:?} appears twice in the header"),
                ));
            }
        }
        let mut l = Loader::new(opts);
        let mut records = Vec::new();
        for rec in reader.records() {
            match rec {
                Ok(r) => {
                    let row = r.position().map_or(0, |p| p.line());
                    records.push((row, r));
                }
                Err(e) => {
                    let err = csv_error(&e);
                    let row = err.row().unwrap_or(0);
                    l.bad(row, err)?;
                }
            }
        }
        let types: Vec<CsvType> = headers
            .iter()
            .enumerate()
            .map(
                |(i, h)| match opts.schema.as_ref().and_then(|s| s.attribute(h)) {
                    Some(t) => CsvType::Declared(t),
                    None => infer_csv(&mut records.iter().filter_map(|(_, r)| r.get(i))),
                },
            )
            .collect();
        let total = records.len();
        for (done, (row, rec)) in records.iter().enumerate() {
            let mut obj = Map::new();
            let mut err = None;
            for ((h, ty), cell) in headers.iter().zip(&types).zip(rec.iter()) {
                match csv_cell(cell, *ty, *row, h) {
                    Ok(v) => {
                        obj.insert(h.clone(), v);
                    }
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            l.row(*row, err.map_or(Ok(Value::Object(obj)), Err))?;
            if (done + 1) % PROGRESS_EVERY == 0 {
                progress(done + 1, total);
            }
        }
        progress(total, total);
        Ok(l.finish())
    }

    /// Adds events: each record is an event (`type`, `at`, properties) with
    /// the id of its profile under `opts.id_field` (removed from the stored
    /// event). Appended after the profile's existing events. An unknown
    /// profile id or a malformed event is a `data` error with its row (or,
    /// with `skip_invalid`, skipped). Cached results are dropped.
    pub fn add_events(&mut self, events: &[Value], opts: &LoadOptions) -> Result<()> {
        self.add_event_rows(
            events
                .iter()
                .enumerate()
                .map(|(i, e)| (i as u64 + 1, Ok(e.clone()))),
            opts,
        )
    }

    /// [`Audience::add_events`] from NDJSON (rows are line numbers).
    pub fn add_events_ndjson(&mut self, text: &[u8], opts: &LoadOptions) -> Result<()> {
        self.add_event_rows(
            ndjson_lines(text).map(|(row, line)| (row, parse_line(row, line))),
            opts,
        )
    }

    fn add_event_rows(
        &mut self,
        rows: impl Iterator<Item = (u64, Result<Value>)>,
        opts: &LoadOptions,
    ) -> Result<()> {
        let idf = &opts.id_field;
        let mut added: Vec<Vec<Value>> = vec![Vec::new(); self.size()];
        let mut summary = LoadSummary::default();
        for (row, rec) in rows {
            let checked = rec.and_then(|v| {
                let id = v
                    .get(idf.as_str())
                    .and_then(IdValue::from_json)
                    .ok_or_else(|| {
                        data(
                            row,
                            Some(idf.clone()),
                            format!(
                                "event row {row} has no profile id {idf:?} (a string or number)"
                            ),
                        )
                    })?;
                let target = self.row_of(&id).ok_or_else(|| {
                    data(
                        row,
                        Some(idf.clone()),
                        format!("event row {row} refers to unknown profile {id}"),
                    )
                })?;
                let mut v = v;
                if let Some(o) = v.as_object_mut() {
                    o.shift_remove(idf.as_str());
                }
                check_event(&v, "the event", "", row, opts.schema.as_ref())?;
                Ok((target, v))
            });
            match checked {
                Ok((target, v)) => {
                    if let Some(list) = added.get_mut(target) {
                        list.push(v);
                    }
                    summary.loaded += 1;
                }
                Err(e) if opts.skip_invalid => summary.skipped.push(SkippedRow {
                    row,
                    field: e.field().map(String::from),
                    message: e.message().to_string(),
                }),
                Err(e) => return Err(e),
            }
        }
        let mut store = super::events::EventStore::default();
        for (r, extra) in added.iter().enumerate() {
            let mut list = if self.events_key.get(r) && !self.events_null.get(r) {
                self.events.profile_events(r)
            } else {
                Vec::new()
            };
            if !extra.is_empty() {
                self.events_key.set(r, true);
                self.events_null.set(r, false);
                list.extend(extra.iter().cloned());
            }
            store.push_profile(&list);
        }
        store.finish(self.size());
        self.events = store;
        self.summary = summary;
        self.derived.get_mut().invalidate();
        self.clear_cache();
        Ok(())
    }
}
