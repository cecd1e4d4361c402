//! Loading lists from records, NDJSON and CSV, and adding events.
//!
//! Every row is checked before anything of it is stored, so a skipped row
//! leaves no trace. Row numbers are 1-based: the record's position, the
//! NDJSON line, or the CSV line where the record starts (the header is line 1).

use serde_json::{Map, Number, Value};

use super::column::strict_date_time;
use super::tape::{self, Tok};
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

    /// Loads a row read into a tape (the record is the value at `root`), if it
    /// is valid. `false`: nothing was stored, and the row must be read with
    /// `serde_json` and [`Loader::row`], which stores it or reports exactly
    /// what is wrong. Checks what [`Loader::check`] checks.
    fn row_tape(&mut self, row: u64, t: &[Tok], root: usize) -> bool {
        if !matches!(t.get(root), Some(Tok::Obj(_))) {
            return false;
        }
        let id = match tape::get(t, root, &self.opts.id_field).and_then(|i| t.get(i)) {
            Some(Tok::Str(s)) => IdValue::String(s.to_string()),
            Some(Tok::Num(n)) => match n.as_f64() {
                Some(f) => IdValue::Number(f + 0.0),
                None => return false,
            },
            _ => return false,
        };
        if self.aud.row_of(&id).is_some() {
            return false;
        }
        let schema = self.opts.schema.as_ref();
        let ev = tape::get(t, root, "events");
        let mut events = Vec::new();
        match ev.map(|i| (i, t.get(i))) {
            None | Some((_, Some(Tok::Null))) => {}
            Some((list, Some(Tok::Arr(_)))) => {
                for e in tape::elements(t, list) {
                    if !matches!(t.get(e), Some(Tok::Obj(_))) {
                        return false;
                    }
                    let field = |k: &str| tape::get(t, e, k).and_then(|i| t.get(i)?.as_str());
                    let (Some(ty), Some(at)) =
                        (field("type"), field("at").and_then(strict_date_time))
                    else {
                        return false;
                    };
                    if schema.and_then(|s| s.event(ty)).is_some() {
                        let v = Value::Object(tape::to_map(t, e, &|_| false));
                        if check_event(&v, "event", "", row, schema).is_err() {
                            return false;
                        }
                    }
                    events.push((at, ty, e));
                }
            }
            Some(_) => return false,
        }
        if let Some(schema) = schema {
            let obj = tape::to_map(t, root, &|k| k == "events");
            if check_schema(schema, &obj, "", row).is_err() {
                return false;
            }
        }
        let r = self.aud.trie.rows;
        self.aud.trie.push_tape(t, root, &|k| k == "events");
        self.aud.events_key.push(ev.is_some());
        self.aud
            .events_null
            .push(matches!(ev.and_then(|i| t.get(i)), Some(Tok::Null)));
        self.aud.events.push_profile_tape(t, &events);
        self.aud.index_new_id(id, r);
        self.source_rows.push(row);
        self.summary.loaded += 1;
        true
    }

    /// Loads one row of JSON text: through a tape when it reads as one,
    /// else with `serde_json` (which also reports bad JSON).
    fn row_text<'a>(&mut self, row: u64, text: &'a [u8], t: &mut Vec<Tok<'a>>) -> Result<()> {
        let fast = std::str::from_utf8(text)
            .ok()
            .and_then(|s| tape::read(s, t))
            .is_some()
            && self.row_tape(row, t, 0);
        if fast {
            Ok(())
        } else {
            self.row(row, parse_line(row, text))
        }
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
    let mut start = 0;
    let mut line = 0u64;
    let mut ends = memchr::memchr_iter(b'\n', text);
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let end = match ends.next() {
            Some(e) => e,
            None => {
                done = true;
                text.len()
            }
        };
        let l = text.get(start..end).unwrap_or(&[]);
        start = end + 1;
        line += 1;
        Some((line, l.strip_suffix(b"\r").unwrap_or(l)))
    })
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

    /// Adds the records of a JSON array given as text (for example one
    /// `JSON.stringify` of a chunk of records), as [`AudienceBuilder::push`]
    /// of each would. Returns `Ok(false)`, having added nothing, if the text
    /// is not a JSON array.
    pub fn push_json_array(&mut self, text: &str) -> Result<bool> {
        let mut t = Vec::new();
        if tape::read(text, &mut t).is_none() || !matches!(t.first(), Some(Tok::Arr(_))) {
            match serde_json::from_str::<Vec<Value>>(text) {
                Ok(records) => {
                    for r in records {
                        self.push(r)?;
                    }
                    return Ok(true);
                }
                Err(_) => return Ok(false),
            }
        }
        let items: Vec<usize> = tape::elements(&t, 0).collect();
        for i in items {
            let row = self.next_row;
            self.next_row += 1;
            if !self.loader.row_tape(row, &t, i) {
                self.loader.row(row, Ok(tape::to_value(&t, i)))?;
            }
        }
        Ok(true)
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
        let mut t = Vec::new();
        for (done, (row, line)) in ndjson_lines(text).enumerate() {
            l.row_text(row, line, &mut t)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{EvalOptions, Segment};
    use serde_json::json;

    /// The load without tapes: every line through `serde_json` (the reference).
    fn by_serde(text: &[u8], opts: &LoadOptions) -> Result<Audience> {
        let mut l = Loader::new(opts);
        for (row, line) in ndjson_lines(text) {
            l.row(row, parse_line(row, line))?;
        }
        Ok(l.finish())
    }

    fn same(text: &str, opts: &LoadOptions) {
        let fast = Audience::from_ndjson(text.as_bytes(), opts);
        let slow = by_serde(text.as_bytes(), opts);
        match (fast, slow) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.profiles(), b.profiles(), "{text}");
                assert_eq!(a.load_summary(), b.load_summary(), "{text}");
                let o = EvalOptions::at("2025-02-01T00:00:00Z".parse().unwrap());
                for rule in [
                    "age >= 30",
                    "t before 2025-01-01",
                    "d within last 400 days",
                    "l contains \"x\"",
                    "did buy in last 60 days",
                    "sum(buy.amount) > 4",
                    "x.y is set or a.b = 1",
                ] {
                    let seg = Segment::parse(rule).unwrap();
                    assert_eq!(a.count(&seg, &o).ok(), b.count(&seg, &o).ok(), "{rule}");
                }
                for p in b.profiles() {
                    let id = IdValue::from_json(&p["id"]).unwrap();
                    assert_eq!(a.profile(&id), Some(p));
                }
            }
            (Err(a), Err(b)) => assert_eq!(
                (a.message(), a.row(), a.field()),
                (b.message(), b.row(), b.field())
            ),
            (a, b) => panic!("{text}: {a:?} vs {b:?}"),
        }
    }

    const ATTRS: &[&str] = &[
        r#""age":30"#,
        r#""age":45.5"#,
        r#""age":"30""#,
        r#""age":null"#,
        r#""age":-7"#,
        r#""score":12345678901234567890"#,
        r#""score":9007199254740993"#,
        r#""score":-0"#,
        r#""score":-0.0"#,
        r#""score":1e400"#,
        r#""score":1E2"#,
        r#""score":0.1"#,
        r#""n":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/""#,
        r#""n":"\ud800""#,
        r#""n":"tab	inside""#,
        r#""d":"2024-02-29""#,
        r#""d":"2025-02-29""#,
        r#""d":"2025-01-10""#,
        r#""t":"2025-01-01T00:00:00.123+05:30""#,
        r#""t":"2024-12-01T10:00:00Z""#,
        r#""t":"2025-01-01t00:00:00Z""#,
        r#""x":{"y":{"z":[1,{"a":2}]}}"#,
        r#""x":{}"#,
        r#""x":{"y":null}"#,
        r#""a.b":1"#,
        r#""a":{"b":2}"#,
        r#""dup":1,"dup":2"#,
        r#""o":{"k":1,"k":null}"#,
        r#""l":[]"#,
        r#""l":["x","y",null]"#,
        r#""l":[1,"x"]"#,
        r#""k":true"#,
        r#""k":false"#,
        r#""events":null"#,
        r#""events":[]"#,
        r#""events":"x""#,
        r#""events":[{"type":"open","at":"2025-01-01T00:00:00Z"},{"type":"buy","at":"2024-12-31T00:00:00Z","amount":5,"meta":{"s":"web"}}]"#,
        r#""events":[{"type":"buy","at":"2025-01-20T00:00:00+01:00","amount":"5"}]"#,
        r#""events":[{"type":"open","at":"2025-01-01"}]"#,
        r#""events":[{"type":"open"}]"#,
        r#""events":[{"type":1,"at":"2025-01-01T00:00:00Z"}]"#,
        r#""events":[5]"#,
        r#""events":[{"type":"a","type":"b","at":"2025-01-01T00:00:00Z"}]"#,
    ];

    const LINES: &[&str] = &["", "   ", "not json", "[1,2]", "{\"id\":1} x", "{}", "5"];

    #[test]
    fn tapes_load_exactly_what_serde_json_loads() {
        let schema = crate::rules::Schema::from_json(&json!({
            "age": "number", "d": "date", "l": "string[]", "k": "boolean",
            "buy": {"event": {"amount": "number"}}
        }))
        .unwrap();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for case in 0..300 {
            let mut text = String::new();
            for i in 0..(1 + next(12)) {
                if next(10) == 0 {
                    text.push_str(LINES[next(LINES.len())]);
                } else {
                    let mut fields = vec![match next(8) {
                        0 => format!("\"id\":\"u\\u00e9{i}\""),
                        1 => "\"id\":1".to_string(),
                        2 => "\"id\":null".to_string(),
                        3 => "\"id\":true".to_string(),
                        4 => format!("\"id\":\"s{i}\""),
                        _ => format!("\"id\":{}", i + 10),
                    }];
                    for _ in 0..next(6) {
                        fields.push(ATTRS[next(ATTRS.len())].to_string());
                    }
                    let k = next(fields.len());
                    fields.swap(0, k);
                    text.push_str(&format!("{{ {} }}", fields.join(" , ")));
                }
                text.push_str(if next(5) == 0 { "\r\n" } else { "\n" });
            }
            for (schema, skip) in [(None, false), (None, true), (Some(schema.clone()), true)] {
                let opts = LoadOptions {
                    schema,
                    skip_invalid: skip,
                    ..LoadOptions::default()
                };
                same(&text, &opts);
            }
            let _ = case;
        }
    }

    #[test]
    fn json_arrays_load_as_records() {
        let opts = LoadOptions {
            skip_invalid: true,
            ..LoadOptions::default()
        };
        let recs = r#"[{"id":1,"age":3,"events":[{"type":"buy","at":"2025-01-01T00:00:00Z"}]},{"id":1},{"age":2},{"id":"x","l":["a"]}]"#;
        let mut b = AudienceBuilder::new(&opts);
        assert!(b.push_json_array(recs).unwrap());
        assert!(!b.push_json_array("{").unwrap());
        let a = b.finish();
        let values: Vec<Value> = serde_json::from_str(recs).unwrap();
        let r = Audience::from_records(&values, &opts).unwrap();
        assert_eq!(a.profiles(), r.profiles());
        assert_eq!(a.load_summary(), r.load_summary());
        assert_eq!(a.load_summary().skipped.len(), 2);
    }
}
