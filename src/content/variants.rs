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
    locale: String,
    count: usize,
    sample: usize,
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
    sample: usize,
    html: std::result::Result<String, crate::Error>,
    missing: Vec<usize>,
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
        let fields = self.fields();
        let mut groups: Vec<Group> = Vec::new();
        let mut index: HashMap<(Vec<bool>, String), usize> = HashMap::new();
        let mut trues = vec![0usize; self.conditions.len()];
        for (row, profile) in profiles.iter().enumerate() {
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
            let outcomes = self.outcomes(profile, &opts.eval).map_err(with_row)?;
            for (t, o) in trues.iter_mut().zip(&outcomes) {
                *t += usize::from(*o);
            }
            let locale = self.subscriber_locale(profile, opts);
            let key = (outcomes, locale);
            let g = match index.get(&key) {
                Some(g) => *g,
                None => {
                    let (outcomes, locale) = key.clone();
                    groups.push(Group {
                        outcomes,
                        locale,
                        count: 0,
                        sample: row,
                        missing: vec![0; fields.len()],
                    });
                    index.insert(key, groups.len() - 1);
                    groups.len() - 1
                }
            };
            if let Some(group) = groups.get_mut(g) {
                group.count += 1;
                for (m, f) in group.missing.iter_mut().zip(&fields) {
                    if profile.get(f).is_none_or(serde_json::Value::is_null) {
                        *m += 1;
                    }
                }
            }
        }
        let locales: std::collections::BTreeSet<&str> =
            groups.iter().map(|g| g.locale.as_str()).collect();
        let many_locales = locales.len() > 1;

        // Render each group once; merge groups that took the same branches.
        let mut merged: Vec<Merged> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for g in &groups {
            let Some(reduced) = profiles.get(g.sample) else {
                continue;
            };
            let full = whole(g.sample)?;
            let sample = full.as_ref().unwrap_or(reduced);
            let rendered = self.render_outcomes(sample, g.outcomes.clone(), g.locale.clone(), opts);
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
            key.push_str(&g.locale);
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
                        locale: g.locale.clone(),
                        count: g.count,
                        sample: g.sample,
                        html,
                        missing: g.missing.clone(),
                    });
                }
            }
        }
        merged.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));

        let fallbacks = self.fallbacks();
        let mut variants = Vec::new();
        let mut matrix = Vec::new();
        for m in merged {
            let mut conditions: Vec<String> = self
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
            let blocks = self.chosen_blocks(&m.outcomes, &m.locale);
            let sample_id = profiles
                .get(m.sample)
                .and_then(|p| p.get("id"))
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            matrix.push(MatrixRow {
                key: m.key.clone(),
                count: m.count,
                blocks: blocks.clone(),
                conditions: self
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
        if !profiles.is_empty() {
            for (c, t) in self.conditions.iter().zip(&trues) {
                let source = self.sources.get(&c.template).map_or("", String::as_str);
                let span = Span::locate(source, c.start, c.end);
                let message = if *t == 0 {
                    format!(
                        "{} holds for no subscriber: the branch it guards is never shown",
                        c.call()
                    )
                } else if *t == profiles.len() {
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
            total: profiles.len(),
        })
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
