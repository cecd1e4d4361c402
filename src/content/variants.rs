//! Variant preview: what the audience of a template actually receives.
//!
//! Subscribers are grouped by the outcomes of every segment condition of the
//! template and by locale; each group is rendered once (with its first
//! subscriber), then groups whose render consulted the same conditions with
//! the same outcomes are merged: they took the same branches. Each variant
//! says how many subscribers get it, the conditions that select it in words,
//! a representative subscriber, the HTML, and warnings (fields missing for
//! part of it).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{RenderOptions, Template};
use crate::error::{Result, Span};
use crate::rules::{Diagnostic, Severity};

/// One distinct version of the content.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    /// Stable key: one character per condition (`1` true, `0` false, `-` not
    /// consulted), then `/` and the locale.
    pub key: String,
    /// Subscribers who get this variant.
    pub count: usize,
    /// The conditions that select it, in the segment language.
    pub conditions: Vec<String>,
    /// The `id` of a representative subscriber (`null` if profiles have none).
    pub sample_id: serde_json::Value,
    /// The representative's rendered HTML (empty if the render failed; see `warnings`).
    pub html: String,
    /// Missing fields in this group, render failures.
    pub warnings: Vec<Diagnostic>,
    /// The locale it is rendered in.
    pub locale: String,
    /// For each block with variants: the variant shown (a segment name,
    /// `locale:TAG`, `default` or `none`).
    pub blocks: BTreeMap<String, String>,
}

/// One row of the variant matrix: which block variant a group gets.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatrixRow {
    /// The variant's key.
    pub key: String,
    /// Subscribers in the group.
    pub count: usize,
    /// Block name -> the variant shown (`default`, a segment name, or `none`).
    pub blocks: BTreeMap<String, String>,
    /// Condition (as written in the template) -> its outcome for the group.
    pub conditions: BTreeMap<String, bool>,
}

/// The result of [`Template::variants`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantReport {
    /// The variants, most subscribers first.
    pub variants: Vec<Variant>,
    /// Which block variant every group gets (same order as `variants`).
    pub matrix: Vec<MatrixRow>,
    /// Audience-level findings: branches no subscriber reaches.
    pub warnings: Vec<Diagnostic>,
    /// Number of profiles.
    pub total: usize,
}

/// A group of subscribers with the same condition outcomes and locale.
struct Group {
    outcomes: Vec<bool>,
    /// Index into [`Grouper::locales`].
    locale: u32,
    count: usize,
    /// The row of the first subscriber of the group (0-based) and its profile
    /// as read (reduced on the fast paths).
    sample: usize,
    sample_profile: serde_json::Value,
    /// Per read field, how many in the group lack it.
    missing: Vec<usize>,
}

/// A merged variant under construction.
struct Merged {
    key: String,
    outcomes: Vec<bool>,
    used: Vec<bool>,
    locale: String,
    count: usize,
    /// Index into the groups: the representative.
    group: usize,
    html: std::result::Result<String, crate::Error>,
    missing: Vec<usize>,
}

/// Groups profiles one at a time, keeping only the groups (and one sample
/// profile per group), so a caller can stream a list without holding it.
/// Per profile it allocates nothing once its group and locale are known:
/// outcomes are a bit set (up to 64 conditions) and locales are interned
/// by their source fields.
struct Grouper<'t, 'o> {
    template: &'t Template,
    opts: &'o RenderOptions<'o>,
    fields: Vec<String>,
    groups: Vec<Group>,
    /// (outcome bits, locale) -> group, with at most 64 conditions.
    narrow: HashMap<(u64, u32), usize>,
    /// (outcomes, locale) -> group, with more conditions.
    wide: HashMap<(Vec<bool>, u32), usize>,
    /// Interned subscriber locales, and their ids by the profile's locale
    /// fields (`locale`, `language`, `country` as written).
    locales: Vec<String>,
    locale_ids: HashMap<String, u32>,
    key: String,
    /// Per condition, how many profiles it holds for.
    trues: Vec<usize>,
    rows: usize,
}

impl<'t, 'o> Grouper<'t, 'o> {
    fn new(template: &'t Template, opts: &'o RenderOptions<'o>) -> Self {
        Grouper {
            template,
            opts,
            fields: template.fields(),
            groups: Vec::new(),
            narrow: HashMap::new(),
            wide: HashMap::new(),
            locales: Vec::new(),
            locale_ids: HashMap::new(),
            key: String::new(),
            trues: vec![0; template.conditions.len()],
            rows: 0,
        }
    }

    /// Adds the next profile. A profile that is not an object, or bad data
    /// a condition reads, is an error naming its row (1-based).
    fn push(&mut self, profile: &serde_json::Value) -> Result<()> {
        let row = self.rows;
        let with_row = |e: crate::Error| {
            let field = e.field().map(str::to_owned);
            e.with_row_field(Some(row as u64 + 1), field)
        };
        if !profile.is_object() {
            return Err(with_row(crate::Error::new(
                crate::ErrorKind::Argument,
                "a profile must be an object",
            )));
        }
        let conditions = &self.template.conditions;
        let mut bits = 0u64;
        let mut wide: Option<Vec<bool>> = None;
        for (i, c) in conditions.iter().enumerate() {
            let holds = match c.segment.test(profile, &self.opts.eval) {
                Ok(b) => b,
                // The error exactly as a render reports it.
                Err(_) => {
                    return Err(with_row(
                        match self.template.outcomes(profile, &self.opts.eval) {
                            Err(e) => e,
                            Ok(_) => crate::Error::new(
                                crate::ErrorKind::Data,
                                "a condition failed to evaluate",
                            ),
                        },
                    ))
                }
            };
            if holds {
                if let Some(t) = self.trues.get_mut(i) {
                    *t += 1;
                }
            }
            if conditions.len() <= 64 {
                bits |= u64::from(holds) << i;
            } else {
                wide.get_or_insert_with(Vec::new).push(holds);
            }
        }
        let locale = self.locale_id(profile);
        let found = match &wide {
            None => self.narrow.get(&(bits, locale)).copied(),
            Some(w) => self.wide.get(&(w.clone(), locale)).copied(),
        };
        let g = match found {
            Some(g) => g,
            None => {
                let outcomes = match wide {
                    Some(w) => {
                        self.wide.insert((w.clone(), locale), self.groups.len());
                        w
                    }
                    None => {
                        self.narrow.insert((bits, locale), self.groups.len());
                        (0..conditions.len()).map(|i| bits >> i & 1 == 1).collect()
                    }
                };
                self.groups.push(Group {
                    outcomes,
                    locale,
                    count: 0,
                    sample: row,
                    sample_profile: profile.clone(),
                    missing: vec![0; self.fields.len()],
                });
                self.groups.len() - 1
            }
        };
        if let Some(group) = self.groups.get_mut(g) {
            group.count += 1;
            for (m, f) in group.missing.iter_mut().zip(&self.fields) {
                if profile.get(f).is_none_or(serde_json::Value::is_null) {
                    *m += 1;
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The interned locale of `profile`.
    fn locale_id(&mut self, profile: &serde_json::Value) -> u32 {
        self.key.clear();
        for k in ["locale", "language", "country"] {
            match profile.get(k).and_then(serde_json::Value::as_str) {
                Some(s) => {
                    self.key.push_str(&s.len().to_string());
                    self.key.push(':');
                    self.key.push_str(s);
                }
                None => self.key.push('-'),
            }
        }
        if let Some(id) = self.locale_ids.get(self.key.as_str()) {
            return *id;
        }
        let locale = self.template.subscriber_locale(profile, self.opts);
        let id = match self.locales.iter().position(|l| *l == locale) {
            Some(i) => i as u32,
            None => {
                self.locales.push(locale);
                self.locales.len() as u32 - 1
            }
        };
        self.locale_ids.insert(self.key.clone(), id);
        id
    }

    /// Renders each group once and builds the report. `whole(row)` gives the
    /// profile to render a group's sample with; `None` renders the one read.
    fn finish(
        self,
        whole: &dyn Fn(usize) -> Result<Option<serde_json::Value>>,
    ) -> Result<VariantReport> {
        let template = self.template;
        let opts = self.opts;
        let fields = self.fields;
        let groups = self.groups;
        let locales = self.locales;
        let locale_of = |g: &Group| locales.get(g.locale as usize).cloned().unwrap_or_default();
        let total = self.rows;
        let trues = self.trues;
        let many_locales = locales.len() > 1;

        // Render each group once; merge groups that took the same branches.
        let mut merged: Vec<Merged> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for (gi, g) in groups.iter().enumerate() {
            let full = whole(g.sample)?;
            let sample = full.as_ref().unwrap_or(&g.sample_profile);
            let rendered =
                template.render_outcomes(sample, None, g.outcomes.clone(), locale_of(g), opts);
            let (html, used) = match rendered {
                Ok((html, used)) => (Ok(html), used),
                Err(e) => (Err(e), vec![true; g.outcomes.len()]),
            };
            let mut key: String = g
                .outcomes
                .iter()
                .zip(&used)
                .map(|(o, u)| match (u, o) {
                    (false, _) => '-',
                    (true, true) => '1',
                    (true, false) => '0',
                })
                .collect();
            key.push('/');
            key.push_str(locales.get(g.locale as usize).map_or("", String::as_str));
            match by_key.get(&key) {
                Some(m) => {
                    if let Some(m) = merged.get_mut(*m) {
                        m.count += g.count;
                        for (a, b) in m.missing.iter_mut().zip(&g.missing) {
                            *a += b;
                        }
                    }
                }
                None => {
                    by_key.insert(key.clone(), merged.len());
                    merged.push(Merged {
                        key,
                        outcomes: g.outcomes.clone(),
                        used,
                        locale: locale_of(g),
                        count: g.count,
                        group: gi,
                        html,
                        missing: g.missing.clone(),
                    });
                }
            }
        }
        merged.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));

        let fallbacks = template.fallbacks();
        let mut variants = Vec::new();
        let mut matrix = Vec::new();
        for m in merged {
            let mut conditions: Vec<String> = template
                .conditions
                .iter()
                .zip(m.outcomes.iter().zip(&m.used))
                .filter(|(_, (_, u))| **u)
                .map(|(c, (o, _))| c.describe(*o))
                .collect();
            if many_locales {
                conditions.push(format!("locale = {:?}", m.locale));
            }
            let mut warnings = Vec::new();
            for (f, missing) in fields.iter().zip(&m.missing) {
                if *missing == 0 {
                    continue;
                }
                let pct = *missing as f64 * 100.0 / m.count.max(1) as f64;
                let gets = match fallbacks.iter().find(|(g, _)| g == f) {
                    Some((_, v)) => format!("they get {v:?}"),
                    None => "it renders empty for them".to_owned(),
                };
                warnings.push(warning(
                    "missing-field",
                    format!(
                        "{f} missing for {}% ({missing} of {}) — {gets}",
                        percent(pct),
                        m.count
                    ),
                ));
            }
            let html = match m.html {
                Ok(html) => html,
                Err(e) => {
                    let mut d = warning("render-error", format!("{}: {}", e.kind(), e.message()));
                    d.line = e.line();
                    d.column = e.column();
                    warnings.push(d);
                    String::new()
                }
            };
            let blocks = template.chosen_blocks(&m.outcomes, &m.locale);
            let sample_id = groups
                .get(m.group)
                .and_then(|g| g.sample_profile.get("id"))
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            matrix.push(MatrixRow {
                key: m.key.clone(),
                count: m.count,
                blocks: blocks.clone(),
                conditions: template
                    .conditions
                    .iter()
                    .zip(&m.outcomes)
                    .map(|(c, o)| (c.call(), *o))
                    .collect(),
            });
            variants.push(Variant {
                key: m.key,
                count: m.count,
                conditions,
                sample_id,
                html,
                warnings,
                locale: m.locale,
                blocks,
            });
        }

        let mut warnings = Vec::new();
        if total > 0 {
            for (c, t) in template.conditions.iter().zip(&trues) {
                let source = template.sources.get(&c.template).map_or("", String::as_str);
                let span = Span::locate(source, c.start, c.end);
                let message = if *t == 0 {
                    format!(
                        "{} holds for no subscriber: the branch it guards is never shown",
                        c.call()
                    )
                } else if *t == total {
                    format!(
                        "{} holds for every subscriber: its else branch is never shown",
                        c.call()
                    )
                } else {
                    continue;
                };
                let mut d = warning(
                    "unreached-branch",
                    super::check::in_template(message, &c.template),
                );
                d.line = Some(span.line);
                d.column = Some(span.column);
                d.span = Some(span);
                warnings.push(d);
            }
        }
        Ok(VariantReport {
            variants,
            matrix,
            warnings,
            total,
        })
    }
}

impl Template {
    /// The variants `profiles` receive with `opts` (see the module docs).
    /// Renders once per distinct group, not per subscriber. A profile that
    /// is not an object, or bad data a condition reads, is an error naming
    /// its row (1-based).
    pub fn variants(
        &self,
        profiles: &[serde_json::Value],
        opts: &RenderOptions,
    ) -> Result<VariantReport> {
        self.variants_with(profiles, &|_| Ok(None), opts)
    }

    /// [`Template::variants`] over reduced profiles: each holds at least the
    /// keys of [`Template::profile_keys`], except that the values of
    /// [`Template::template_only_keys`] may be stand-ins (anything but
    /// `null` for a value that is there: grouping only asks whether they
    /// are missing). `whole(row)` gives the profile of `row` (0-based) to
    /// render a group's sample with; `None` renders the reduced one.
    pub fn variants_with(
        &self,
        profiles: &[serde_json::Value],
        whole: &dyn Fn(usize) -> Result<Option<serde_json::Value>>,
        opts: &RenderOptions,
    ) -> Result<VariantReport> {
        let mut grouper = Grouper::new(self, opts);
        for profile in profiles {
            grouper.push(profile)?;
        }
        grouper.finish(whole)
    }

    /// [`Template::variants_with`] over the JSON text of an array of
    /// (reduced) profiles, read one profile at a time: the list is never
    /// held as values. Text that is not a JSON array is an `argument` error.
    pub fn variants_json(
        &self,
        text: &str,
        whole: &dyn Fn(usize) -> Result<Option<serde_json::Value>>,
        opts: &RenderOptions,
    ) -> Result<VariantReport> {
        use serde::de::Deserializer as _;
        let mut grouper = Grouper::new(self, opts);
        let mut failed: Option<crate::Error> = None;
        let mut de = serde_json::Deserializer::from_str(text);
        let read = de
            .deserialize_seq(Rows {
                grouper: &mut grouper,
                failed: &mut failed,
            })
            .and_then(|()| de.end());
        if let Some(e) = failed {
            return Err(e);
        }
        read.map_err(|e| {
            crate::Error::new(
                crate::ErrorKind::Argument,
                format!("cannot read the profiles: {e}"),
            )
        })?;
        grouper.finish(whole)
    }

    /// For each block with variants, the variant `outcomes` and `locale` select.
    fn chosen_blocks(&self, outcomes: &[bool], locale: &str) -> BTreeMap<String, String> {
        let by_locale = self.locale_blocks.keys().map(|name| {
            let chosen = super::locale_variant(&self.locale_blocks, name, locale).map_or_else(
                || "none".to_owned(),
                |tag| {
                    if tag == "default" {
                        tag.to_owned()
                    } else {
                        format!("{}{tag}", super::LOCALE_KEY)
                    }
                },
            );
            (name.clone(), chosen)
        });
        self.block_variants
            .iter()
            .map(|(name, list)| {
                let chosen = list
                    .iter()
                    .find(|(cond, _)| match cond {
                        None => true,
                        Some(i) => outcomes.get(*i).copied().unwrap_or(false),
                    })
                    .map_or_else(|| "none".to_owned(), |(_, seg)| seg.clone());
                (name.clone(), chosen)
            })
            .chain(by_locale)
            .collect()
    }
}

/// Reads a JSON array of profiles into a [`Grouper`], one at a time; a
/// grouping error is kept in `failed` (and stops the read).
struct Rows<'g, 't, 'o> {
    grouper: &'g mut Grouper<'t, 'o>,
    failed: &'g mut Option<crate::Error>,
}

impl<'de> serde::de::Visitor<'de> for Rows<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of profiles")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        while let Some(profile) = seq.next_element::<serde_json::Value>()? {
            if let Err(e) = self.grouper.push(&profile) {
                *self.failed = Some(e);
                return Err(serde::de::Error::custom("a profile failed"));
            }
        }
        Ok(())
    }
}

fn percent(p: f64) -> String {
    if p >= 10.0 || p == p.round() {
        format!("{}", p.round())
    } else {
        format!("{:.1}", p)
    }
}

fn warning(code: &'static str, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        message,
        line: None,
        column: None,
        code,
        span: None,
    }
}
