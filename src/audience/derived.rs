//! Predicted fields on an [`Audience`]: `rfm.*`, `p_alive`, `churn_risk`,
//! `purchase_probability_30d`, `expected_purchases_90d`, `predicted_clv`,
//! `lifecycle` and `best_send_hour`, computed for the whole list from its
//! events when a rule reads them.
//!
//! One [`DerivedState`] is kept: the [`Predictor`] fitted on every profile
//! and a column set holding each profile's derived values, for the keys the
//! profile does not carry itself (absent or `null`). It is built for the
//! options given to [`Audience::derive`] (then fixed until the next call),
//! or else for each evaluation's `asOf` and time zone with default options,
//! and rebuilt only when those change. Building it drops the cached
//! sub-rule results, so a cached result never mixes two fits.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::bitmap::Bitmap;
use super::column::Trie;
use super::{Audience, IdValue};
use crate::error::Result;
use crate::predict::{derived_heads, profile_history, DeriveOptions, Predictor, DERIVED_FIELDS};
use crate::rules::ast::Expr;
use crate::rules::{EvalOptions, Explanation, Segment};

/// The predicted fields of one fit over the whole list.
#[derive(Debug)]
pub(crate) struct DerivedState {
    /// The clock and zone the fields were computed at.
    as_of: DateTime<Utc>,
    time_zone: Tz,
    /// The models and populations.
    pub predictor: Predictor,
    /// Per row, the derived values of the keys the row does not carry.
    pub trie: Trie,
    /// Per derived field (in [`DERIVED_FIELDS`] order): the rows carrying
    /// their own non-null value.
    carried: Vec<Bitmap>,
    /// Per derived field: whether it is derived at all. With
    /// [`Audience::derive`] every field is; automatically only the fields
    /// no profile of the list carries (a list storing `lifecycle` itself
    /// keeps its meaning).
    active: Vec<bool>,
}

impl DerivedState {
    /// The rows carrying their own value of `field`, if it is a derived
    /// field that is derived in this state.
    pub fn carried(&self, field: &str) -> Option<&Bitmap> {
        let i = DERIVED_FIELDS.iter().position(|f| *f == field)?;
        if !self.active.get(i).copied().unwrap_or(false) {
            return None;
        }
        self.carried.get(i)
    }

    /// Whether `field` gets derived values in this state.
    pub fn is_active(&self, field: &str) -> bool {
        self.carried(field).is_some()
    }
}

/// Derivation settings and the current fit, held by the audience.
#[derive(Debug, Default)]
pub(crate) struct Derived {
    /// Options fixed by [`Audience::derive`].
    pinned: Option<DeriveOptions>,
    /// The current fit.
    state: Option<Arc<DerivedState>>,
}

impl Derived {
    /// Bytes held by the derived columns.
    pub fn bytes(&self) -> usize {
        self.state.as_ref().map_or(0, |s| {
            s.trie.heap_bytes() + s.carried.iter().map(Bitmap::heap_bytes).sum::<usize>()
        })
    }

    /// Drops the fit (kept options are refitted on next use).
    pub fn invalidate(&mut self) {
        self.state = None;
    }
}

impl Audience {
    /// The rows whose record holds a non-null top-level `key`.
    fn rows_carrying(&self, key: &str) -> Bitmap {
        let rows = self.size();
        let Some(node) = self.trie.child(0, key).and_then(|n| self.trie.nodes.get(n)) else {
            return Bitmap::zeros(rows);
        };
        let mut set = node.col.present(rows);
        if let Some(objects) = &node.objects {
            let mut o = objects.clone();
            o.resize(rows);
            set.or_with(&o);
        }
        set
    }

    /// What prediction reads of row `row`: the zone and sign-up attributes,
    /// and `events` with the purchase and open events in their original
    /// positions (other events as `null`, which [`profile_history`] skips,
    /// so a bad event is named by its real index).
    fn prediction_profile(&self, row: usize, o: &DeriveOptions) -> Value {
        let mut p = Map::new();
        let keys = std::iter::once(&o.time_zone_field).chain(o.signup_field.as_ref());
        for key in keys {
            if let Some(v) = self
                .trie
                .child(0, key)
                .and_then(|n| self.trie.value(n, row))
            {
                p.insert(key.clone(), v);
            }
        }
        let wanted = |t: &str| t == o.event_type || t == o.open_event_type;
        if self.events_key.get(row) && !self.events_null.get(row) {
            let events = if let Some(raw) = self.events.exotic.get(&(row as u32)) {
                raw.iter()
                    .map(|e| match e.get("type").and_then(Value::as_str) {
                        Some(t) if wanted(t) => e.clone(),
                        _ => Value::Null,
                    })
                    .collect()
            } else {
                let (s, e) = self.events.range(row);
                let mut out = vec![Value::Null; e - s];
                for g in s..e {
                    if !wanted(self.events.type_name(g)) {
                        continue;
                    }
                    let i = self.events.original_index(row, g);
                    if let Some(slot) = out.get_mut(i) {
                        *slot = Value::Object(self.events.event_object(g));
                    }
                }
                out
            };
            p.insert("events".into(), Value::Array(events));
        }
        Value::Object(p)
    }

    fn build_derived(&self, o: &DeriveOptions, pinned: bool) -> Result<DerivedState> {
        let rows = self.size();
        let histories = (0..rows)
            .map(|r| profile_history(r, &self.prediction_profile(r, o), o))
            .collect::<Result<Vec<_>>>()?;
        let predictor = Predictor::from_histories(&histories, o);
        let carried: Vec<Bitmap> = DERIVED_FIELDS
            .iter()
            .map(|k| self.rows_carrying(k))
            .collect();
        let active: Vec<bool> = carried.iter().map(|c| pinned || c.is_empty()).collect();
        let mut trie = Trie::default();
        for (r, h) in histories.iter().enumerate() {
            let fields = predictor.derive_history(h);
            let mut rec = Map::new();
            for ((k, own), on) in DERIVED_FIELDS.iter().zip(&carried).zip(&active) {
                if *on && !own.get(r) {
                    let v = fields.get(*k).cloned().unwrap_or(Value::Null);
                    rec.insert((*k).to_string(), v);
                }
            }
            trie.push_record(&rec, &|_| false);
        }
        trie.finish();
        Ok(DerivedState {
            as_of: o.as_of,
            time_zone: o.time_zone,
            predictor,
            trie,
            carried,
            active,
        })
    }

    /// Installs a fit and drops the cached results computed with the old one.
    fn install(&self, state: DerivedState) -> Arc<DerivedState> {
        let state = Arc::new(state);
        self.derived.borrow_mut().state = Some(state.clone());
        self.clear_cache();
        state
    }

    /// The fit for an evaluation at `opts`: the one of [`Audience::derive`]
    /// if it was called, else one at `opts`' `asOf` and zone with default
    /// options (reused while those stay the same).
    fn fit_for(&self, opts: &EvalOptions) -> Result<Arc<DerivedState>> {
        let (pinned, current) = {
            let d = self.derived.borrow();
            (d.pinned.clone(), d.state.clone())
        };
        if let Some(o) = pinned {
            return match current {
                Some(s) => Ok(s),
                None => Ok(self.install(self.build_derived(&o, true)?)),
            };
        }
        if let Some(s) = current.filter(|s| s.as_of == opts.as_of && s.time_zone == opts.time_zone)
        {
            return Ok(s);
        }
        let o = DeriveOptions::new(opts.as_of, opts.time_zone);
        Ok(self.install(self.build_derived(&o, false)?))
    }

    /// The fit an evaluation of `expr` under `opts` needs: `None` if the
    /// rule reads no derived field, or (without [`Audience::derive`]) each
    /// derived field it reads is an attribute some profile of the list has.
    pub(crate) fn prepare_derived(
        &self,
        expr: &Expr,
        opts: &EvalOptions,
    ) -> Result<Option<Arc<DerivedState>>> {
        let heads = derived_heads(expr, opts.segments);
        if heads.is_empty() {
            return Ok(None);
        }
        let pinned = self.derived.borrow().pinned.is_some();
        if !pinned && heads.iter().all(|k| self.rows_carrying(k).count() > 0) {
            return Ok(None);
        }
        self.fit_for(opts).map(Some)
    }

    /// Fits the prediction models on the whole list with `options` (its
    /// `as_of` and zone included) and makes the derived fields available to
    /// every rule evaluated afterwards, whatever its `asOf`, until the next
    /// `derive` or [`Audience::clear_derived`]. Returns the model summary of
    /// [`Predictor::model`].
    ///
    /// Without `derive`, a rule reading a derived field fits automatically
    /// at the evaluation's `asOf` and time zone with default options.
    /// Profiles carrying a field themselves (a non-null value of the
    /// top-level key, e.g. `churn_risk` or `rfm`) keep their own value.
    ///
    /// Errors: [`profile_history`]'s `data` errors (a purchase amount that is
    /// not a number, a bad sign-up date), with the 0-based load position + 1
    /// as `row`; the previous state is then kept.
    pub fn derive(&self, options: &DeriveOptions) -> Result<Value> {
        let state = self.build_derived(options, true)?;
        self.derived.borrow_mut().pinned = Some(options.clone());
        let state = self.install(state);
        Ok(state.predictor.model())
    }

    /// Forgets the options of [`Audience::derive`] and the current fit:
    /// derived fields are again fitted at each evaluation's `asOf`.
    pub fn clear_derived(&self) {
        let mut d = self.derived.borrow_mut();
        d.pinned = None;
        d.state = None;
        drop(d);
        self.clear_cache();
    }

    /// The model summary of the current fit ([`Predictor::model`]), if any.
    pub fn derived_model(&self) -> Option<Value> {
        self.derived
            .borrow()
            .state
            .as_ref()
            .map(|s| s.predictor.model())
    }

    /// The fitted predictor of the current fit, if any (a copy).
    pub fn predictor(&self) -> Option<Predictor> {
        self.derived
            .borrow()
            .state
            .as_ref()
            .map(|s| s.predictor.clone())
    }

    /// The derived fields of profile `id` as the audience sees them (its
    /// own values where it carries them), after fitting as an evaluation
    /// at `opts` would; `None` for an unknown id.
    pub fn derived_fields(&self, id: &IdValue, opts: &EvalOptions) -> Result<Option<Value>> {
        let Some(row) = self.row_of(id) else {
            return Ok(None);
        };
        let state = self.fit_for(opts)?;
        let own = self.profile_at(row);
        let mut out = Map::new();
        for (k, carried) in DERIVED_FIELDS.iter().zip(&state.carried) {
            let v = if carried.get(row) {
                own.get(*k).cloned()
            } else {
                state
                    .trie
                    .child(0, k)
                    .and_then(|n| state.trie.value(n, row))
            };
            out.insert((*k).to_string(), v.unwrap_or(Value::Null));
        }
        Ok(Some(Value::Object(out)))
    }

    /// Explains `segment` for profile `id` exactly as the audience
    /// evaluates it: with the derived fields of the audience's fit, each
    /// leaf reading one carrying the model inputs
    /// ([`Segment::explain_predicted`]). `None` for an unknown id. Its
    /// `result` is `Some(true)` exactly for the members.
    pub fn explain(
        &self,
        segment: &Segment,
        id: &IdValue,
        opts: &EvalOptions,
    ) -> Result<Option<Explanation>> {
        let Some(row) = self.row_of(id) else {
            return Ok(None);
        };
        let profile = Value::Object(self.profile_at(row));
        Ok(Some(match self.prepare_derived(segment.expr(), opts)? {
            Some(state) => {
                segment.explain_predicted_only(&profile, opts, &state.predictor, row, &|f| {
                    state.is_active(f)
                })?
            }
            None => segment.explain(&profile, opts)?,
        }))
    }
}
