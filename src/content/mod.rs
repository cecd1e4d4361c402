//! Dynamic content: Jinja templates (minijinja) rendered with one profile.
//!
//! A [`Template`] is compiled once and rendered many times. Every template
//! HTML-escapes what it prints (`{{ value | safe }}` opts out), a missing or
//! `null` attribute prints as nothing (or its `default(...)`), never as
//! `undefined` or `none`, and each render runs on a fuel budget, a recursion
//! limit and an output cap, so a runaway template is an [`ErrorKind::Limit`]
//! error instead of a hang.
//!
//! Segment-aware blocks: `{% if in_segment("vip") %}` (a named segment of the
//! `segments` option) and `{% if matches("did purchase in last 30 days") %}`
//! (a rule literal, parsed once when the template compiles) are evaluated by
//! the same engine and options as [`Segment::test`]. Because every condition
//! is a literal, the template knows all of them up front, which is what
//! [`Template::variants`] groups an audience by.
//!
//! Rendering: a template in the common subset (text, merge fields with
//! Kaleido's filters, `if` over conditions, fields and comparisons, `for`
//! over lists) is also compiled to a plan (`plan.rs`) that renders straight
//! from the JSON profile and falls back to minijinja for anything it does not
//! reproduce exactly; differential tests hold the two to the same output.

mod check;
mod doc;
mod filters;
mod fmt;
mod plan;
mod scan;
mod variants;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bumpalo::Bump;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use minijinja::value::{Object, Value};
use minijinja::{AutoEscape, Environment, State, UndefinedBehavior};

use crate::error::{Error, ErrorKind, Result, Span};
use crate::rules::{EvalOptions, Segment, SegmentSet};
use filters::{RenderState, STATE_KEY};

pub use scan::ConditionKind;
pub use variants::{MatrixRow, Variant, VariantReport};

/// The name the main template is registered under (blocks may not use it).
const MAIN: &str = "<template>";

/// The key prefix of a per-locale block variant (`"locale:de"`).
const LOCALE_KEY: &str = "locale:";

/// Instructions one render may execute before it stops with a `limit` error.
pub const DEFAULT_FUEL: u64 = 1_000_000;

/// Bytes one render may output before it stops with a `limit` error.
pub const DEFAULT_MAX_OUTPUT: usize = 1 << 20;

/// Nesting depth (includes, loops, macros) one render may reach.
const RECURSION_LIMIT: usize = 100;

/// Names that hand a template the whole profile (or print the render
/// context): a template that reads one of them gets every profile field.
const WHOLE_PROFILE: &[&str] = &["profile", "debug", filters::STATE_KEY];

/// Profile fields a render reads besides the names in the templates: the
/// locale ([`crate::locale::profile_locale`]) and the country.
const LOCALE_FIELDS: &[&str] = &["locale", "language", "country"];

thread_local! {
    /// Where [`Template::render_json_with`] reads profiles (reset per render).
    static ARENA: std::cell::RefCell<Bump> = std::cell::RefCell::new(Bump::new());
}

/// Entries of a render cache map before it is emptied (a campaign has a few
/// locales; this only bounds odd data).
const MAX_CACHED: usize = 4096;

/// A named block of [`TemplateOptions::blocks`].
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// One source for everyone.
    Source(String),
    /// Per-segment variants, in order: `(segment name, source)`. The first
    /// variant whose segment (of the `segments` render option) holds the
    /// subscriber is shown; the name `default` matches everyone.
    BySegment(Vec<(String, String)>),
    /// Per-locale variants: `(locale tag, source)` (JSON keys `"locale:de"`,
    /// `"locale:pt-BR"`), plus `default` (tag `default`). The subscriber's
    /// locale picks one along its CLDR fallback chain
    /// ([`crate::locale::negotiate_locale`]: `pt-BR` → `pt`, then any variant of
    /// the same language), else `default`, else nothing.
    ByLocale(Vec<(String, String)>),
}

impl<'de> serde::Deserialize<'de> for Block {
    /// A string is [`Block::Source`]; an object `{ "vip": "…", "default": "…" }`
    /// is [`Block::BySegment`] in the object's key order; an object whose keys
    /// are `"locale:TAG"` (and `default`) is [`Block::ByLocale`]. Mixing
    /// segment and locale keys in one block is an error.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Block, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Block;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a template string, or an object of segment name (or \"locale:TAG\") -> template string",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Block, E> {
                Ok(Block::Source(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Block, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    out.push((k, v));
                }
                let by_locale = out
                    .iter()
                    .filter(|(k, _)| k.starts_with(LOCALE_KEY))
                    .count();
                let by_segment = out
                    .iter()
                    .filter(|(k, _)| k != "default" && !k.starts_with(LOCALE_KEY))
                    .count();
                match (by_locale, by_segment) {
                    (0, _) => Ok(Block::BySegment(out)),
                    (_, 0) => Ok(Block::ByLocale(
                        out.into_iter()
                            .map(|(k, v)| {
                                let tag =
                                    k.strip_prefix(LOCALE_KEY).map_or(k.clone(), str::to_owned);
                                (tag, v)
                            })
                            .collect(),
                    )),
                    _ => Err(serde::de::Error::custom(
                        "a block's variants are either by segment or by \"locale:TAG\", not both",
                    )),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl From<&str> for Block {
    fn from(source: &str) -> Block {
        Block::Source(source.to_owned())
    }
}

/// Options of [`Template::compile_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateOptions {
    /// Named blocks the template can `{% include "name" %}`.
    pub blocks: BTreeMap<String, Block>,
    /// Instruction budget of one render ([`DEFAULT_FUEL`] by default).
    pub fuel: u64,
    /// Output cap of one render in bytes ([`DEFAULT_MAX_OUTPUT`] by default).
    pub max_output: usize,
    /// Formal or informal address, per language (informal by default): the
    /// `formal` variable and the default of `greeting()` / `address()`.
    pub formality: Formality,
}

impl Default for TemplateOptions {
    fn default() -> Self {
        TemplateOptions {
            blocks: BTreeMap::new(),
            fuel: DEFAULT_FUEL,
            max_output: DEFAULT_MAX_OUTPUT,
            formality: Formality::default(),
        }
    }
}

/// Formal (`Sie`, `vous`, `Dear Ms. Müller`) or informal (`du`, `tu`, `Hi Anna`) address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Register {
    /// Title and family name, polite pronouns.
    Formal,
    /// Given name, familiar pronouns (the default).
    #[default]
    Informal,
}

impl Register {
    /// Reads `formal` or `informal`.
    pub fn parse(text: &str) -> Result<Register> {
        match text.trim() {
            "formal" => Ok(Register::Formal),
            "informal" => Ok(Register::Informal),
            other => Err(Error::new(
                ErrorKind::Argument,
                format!("formality {other:?} is not \"formal\" or \"informal\""),
            )),
        }
    }
}

/// A campaign's choice of [`Register`]: one for every language, or per
/// locale tag with a default. JSON: `"formal"`, or
/// `{ "de": "formal", "fr": "formal", "default": "informal" }`. The
/// subscriber's locale picks a tag along its CLDR fallback chain
/// (`de-AT` → `de`), as block variants do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Formality {
    /// The register of languages not listed.
    pub default: Register,
    /// Locale tag (`de`, `pt-BR`) -> register.
    pub by_locale: BTreeMap<String, Register>,
}

impl Formality {
    /// The same register everywhere.
    pub fn all(register: Register) -> Formality {
        Formality {
            default: register,
            by_locale: BTreeMap::new(),
        }
    }

    /// The register for a subscriber's locale.
    pub fn for_locale(&self, locale: &str) -> Register {
        let tags: Vec<&str> = self.by_locale.keys().map(String::as_str).collect();
        let chain = crate::locale::fallback_chain(locale).unwrap_or_default();
        chain
            .iter()
            .find_map(|step| {
                tags.iter()
                    .find(|t| t.replace('_', "-").eq_ignore_ascii_case(step))
                    .and_then(|t| self.by_locale.get(*t))
            })
            .copied()
            .unwrap_or(self.default)
    }
}

impl<'de> serde::Deserialize<'de> for Formality {
    /// `"formal"` / `"informal"`, or an object of locale tag (or `default`) -> either.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Formality, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(d)?;
        let register = |v: &serde_json::Value| {
            v.as_str()
                .ok_or_else(|| D::Error::custom("formality must be \"formal\" or \"informal\""))
                .and_then(|s| Register::parse(s).map_err(|e| D::Error::custom(e.message())))
        };
        match &value {
            serde_json::Value::String(_) => Ok(Formality::all(register(&value)?)),
            serde_json::Value::Object(map) => {
                let mut out = Formality::default();
                for (k, v) in map {
                    let r = register(v)?;
                    if k == "default" {
                        out.default = r;
                    } else {
                        crate::locale::fallback_chain(k)
                            .map_err(|e| D::Error::custom(format!("formality: {}", e.message())))?;
                        out.by_locale.insert(k.clone(), r);
                    }
                }
                Ok(out)
            }
            _ => Err(D::Error::custom(
                "formality must be \"formal\", \"informal\" or an object of locale -> either",
            )),
        }
    }
}

/// Options of one render: the evaluation options of segment conditions and
/// the formatting defaults.
///
/// The subscriber's own `locale` attribute wins over [`RenderOptions::locale`],
/// and a `timeZone` (or `time_zone`, `timezone`) attribute over the evaluation
/// zone when dates are shown (rule conditions always use `eval.time_zone`, as
/// [`Segment::test`] does).
#[derive(Debug, Clone)]
pub struct RenderOptions<'a> {
    /// Clock, zone and named segments, as for [`Segment::test`].
    pub eval: EvalOptions<'a>,
    /// Default locale (BCP 47) when the profile has none; `en` if unset.
    pub locale: Option<String>,
    /// Currency of `money` without an argument (ISO 4217).
    pub currency: Option<String>,
}

impl RenderOptions<'static> {
    /// Options at `as_of` in UTC, locale `en`, no segments.
    pub fn at(as_of: DateTime<Utc>) -> RenderOptions<'static> {
        RenderOptions {
            eval: EvalOptions::at(as_of),
            locale: None,
            currency: None,
        }
    }
}

impl<'a> From<EvalOptions<'a>> for RenderOptions<'a> {
    fn from(eval: EvalOptions<'a>) -> Self {
        RenderOptions {
            eval,
            locale: None,
            currency: None,
        }
    }
}

/// A segment condition of a template.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    kind: ConditionKind,
    /// The argument as written (segment name or rule text).
    text: String,
    /// What is evaluated: the rule, or `in segment "name"`.
    segment: Segment,
    /// The template (main or block) and byte range of its first call.
    template: String,
    start: usize,
    end: usize,
    /// Source offsets of the argument's decoded bytes (plus one past the end).
    offsets: Vec<usize>,
}

impl Condition {
    /// The call as written in the template: `in_segment("vip")`.
    fn call(&self) -> String {
        match self.kind {
            ConditionKind::InSegment => format!("in_segment({})", quote(&self.text)),
            ConditionKind::Rule => format!("matches({})", quote(&self.text)),
        }
    }

    /// The condition in words, as the segment language writes it.
    fn describe(&self, outcome: bool) -> String {
        match (self.kind, outcome) {
            (ConditionKind::InSegment, true) => format!("in segment {:?}", self.text),
            (ConditionKind::InSegment, false) => format!("not in segment {:?}", self.text),
            (ConditionKind::Rule, true) => self.segment.to_string(),
            (ConditionKind::Rule, false) => format!("not ({})", self.segment),
        }
    }
}

/// A block with per-segment variants: its name and, per variant, the
/// condition that selects it (`None` for `default`) and the variant's name.
type BlockVariants = (String, Vec<(Option<usize>, String)>);

/// A compiled template.
///
/// ```
/// use kaleido::{RenderOptions, Template};
/// use serde_json::json;
///
/// let t = Template::compile(r#"Hello {{ first_name | default("there") }}"#).unwrap();
/// let opts = RenderOptions::at("2025-01-31T00:00:00Z".parse().unwrap());
/// assert_eq!(t.render(&json!({ "first_name": "Ana" }), &opts).unwrap(), "Hello Ana");
/// assert_eq!(t.render(&json!({}), &opts).unwrap(), "Hello there");
/// ```
#[derive(Debug)]
pub struct Template {
    env: Environment<'static>,
    /// Every registered source by template name (main, blocks, variants).
    sources: BTreeMap<String, String>,
    conditions: Vec<Condition>,
    /// Blocks with per-segment variants: name and `(condition, variant name)`,
    /// `None` for the `default` variant.
    block_variants: Vec<BlockVariants>,
    /// Blocks with per-locale variants: name -> tags as written (and `default`).
    locale_blocks: Arc<BTreeMap<String, Vec<String>>>,
    /// Formal or informal address per locale.
    formality: Formality,
    max_output: usize,
    /// The profile fields the templates read by name (and the name fields
    /// `greeting()` reads), sorted; `None` when a template reads the whole
    /// profile (`profile`, `debug()`).
    read_fields: Option<Vec<String>>,
    /// [`Template::template_only_keys`] without segments.
    template_only: Vec<String>,
    /// Locale results kept between renders.
    cache: Mutex<RenderCache>,
    /// The direct renderer, when the main template is in its subset.
    plan: Option<plan::Plan>,
    /// Instruction budget of a minijinja render.
    fuel: u64,
}

/// What renders with the same locale data share, kept on the template.
#[derive(Debug, Default)]
struct RenderCache {
    /// The profile's locale fields and the default locale -> the subscriber locale.
    locales: HashMap<String, String>,
    /// Subscriber locale -> text direction and formal address.
    info: HashMap<String, (&'static str, bool)>,
    /// The default locale -> the subscriber locale of profiles without
    /// locale fields, for the default locale seen last.
    defaulted: Option<(Option<String>, String)>,
}

impl Template {
    /// Compiles `source` with default options. Syntax errors are
    /// [`ErrorKind::Template`] with line, column and snippet.
    pub fn compile(source: &str) -> Result<Template> {
        Template::compile_with(source, &TemplateOptions::default())
    }

    /// Compiles `source` together with the named `blocks` of `options`.
    pub fn compile_with(source: &str, options: &TemplateOptions) -> Result<Template> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_formatter(|out, state, value| {
            if value.is_none() {
                return minijinja::escape_formatter(out, state, &Value::UNDEFINED);
            }
            if let Some(s) = value
                .as_str()
                .filter(|s| !value.is_safe() && is_script_url(s))
            {
                // Escaping cannot defuse a `javascript:` URL in an href: prefix
                // it (as Angular does) so it is a harmless relative link.
                let defused = Value::from(format!("unsafe:{s}"));
                return minijinja::escape_formatter(out, state, &defused);
            }
            minijinja::escape_formatter(out, state, value)
        });
        filters::register(&mut env);
        env.set_fuel(Some(options.fuel));
        env.set_recursion_limit(RECURSION_LIMIT);
        env.set_debug(true);

        let mut sources: BTreeMap<String, String> = BTreeMap::new();
        let mut block_variants = Vec::new();
        let mut locale_blocks: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, block) in &options.blocks {
            if name == MAIN || name.contains('@') {
                return Err(Error::new(
                    ErrorKind::Argument,
                    format!("{name:?} cannot name a block (reserved, or contains '@')"),
                ));
            }
            match block {
                Block::Source(text) => {
                    sources.insert(name.clone(), text.clone());
                }
                Block::BySegment(variants) => {
                    if variants.is_empty() {
                        return Err(Error::new(
                            ErrorKind::Argument,
                            format!("block {name:?} has no variants"),
                        ));
                    }
                    let mut dispatch = String::new();
                    let mut has_default = false;
                    let mut listed = Vec::new();
                    for (segment, text) in variants {
                        let inner = format!("{name}@{segment}");
                        let include = format!("{{% include {} %}}", quote(&inner));
                        if segment == "default" {
                            dispatch.push_str(if listed.is_empty() { "" } else { "{% else %}" });
                            dispatch.push_str(&include);
                            has_default = true;
                        } else if !has_default {
                            dispatch.push_str(if listed.is_empty() {
                                "{% if "
                            } else {
                                "{% elif "
                            });
                            dispatch.push_str(&format!("in_segment({}) %}}", quote(segment)));
                            dispatch.push_str(&include);
                        }
                        listed.push(segment.clone());
                        sources.insert(inner, text.clone());
                        if has_default {
                            break;
                        }
                    }
                    let conditional = listed.iter().any(|s| s != "default");
                    if conditional {
                        dispatch.push_str("{% endif %}");
                    }
                    sources.insert(name.clone(), dispatch);
                    block_variants.push((name.clone(), listed));
                }
                Block::ByLocale(variants) => {
                    if variants.is_empty() {
                        return Err(Error::new(
                            ErrorKind::Argument,
                            format!("block {name:?} has no variants"),
                        ));
                    }
                    let mut tags = Vec::new();
                    for (tag, text) in variants {
                        if tag != "default" {
                            crate::locale::fallback_chain(tag).map_err(|e| {
                                Error::new(
                                    ErrorKind::Argument,
                                    format!("block {name:?}: {}", e.message()),
                                )
                            })?;
                        }
                        sources.insert(format!("{name}@{LOCALE_KEY}{tag}"), text.clone());
                        tags.push(tag.clone());
                    }
                    let dispatch = format!(
                        "{{% include __locale_block({}) ignore missing %}}",
                        quote(name)
                    );
                    sources.insert(name.clone(), dispatch);
                    locale_blocks.insert(name.clone(), tags);
                }
            }
        }
        let locale_blocks = Arc::new(locale_blocks);
        {
            let locale_blocks = Arc::clone(&locale_blocks);
            env.add_function(
                "__locale_block",
                move |state: &State, name: &str| -> std::result::Result<String, minijinja::Error> {
                    let rs = RenderState::of(state)?;
                    Ok(
                        locale_variant(&locale_blocks, name, &rs.locale).map_or_else(
                            || format!("{name}@none"),
                            |tag| format!("{name}@{LOCALE_KEY}{tag}"),
                        ),
                    )
                },
            );
        }
        sources.insert(MAIN.to_owned(), source.to_owned());
        for (name, text) in &sources {
            env.add_template_owned(name.clone(), text.clone())
                .map_err(|e| template_error(&e, text))?;
        }

        // Conditions: every `in_segment("…")` / `matches("…")` of every source.
        let mut conditions: Vec<Condition> = Vec::new();
        let mut index: HashMap<(ConditionKind, String), usize> = HashMap::new();
        for (name, text) in &sources {
            let tokens = scan::tokens(text);
            for call in scan::condition_calls(&tokens, text).map_err(|e| in_block(e, name, text))? {
                let key = (call.kind, call.text.clone());
                if index.contains_key(&key) {
                    continue;
                }
                let segment = match call.kind {
                    ConditionKind::InSegment => {
                        Segment::parse(&format!("in segment {}", quote(&call.text)))
                    }
                    ConditionKind::Rule => Segment::parse(&call.text),
                }
                .map_err(|e| rule_error(&e, &call, text, name))?;
                index.insert(key, conditions.len());
                conditions.push(Condition {
                    kind: call.kind,
                    text: call.text,
                    segment,
                    template: name.clone(),
                    start: call.start,
                    end: call.end,
                    offsets: call.offsets,
                });
            }
        }
        let index = Arc::new(index);
        for (fname, kind) in [
            ("in_segment", ConditionKind::InSegment),
            ("matches", ConditionKind::Rule),
        ] {
            let index = Arc::clone(&index);
            env.add_function(
                fname,
                move |state: &State, text: &str| -> std::result::Result<bool, minijinja::Error> {
                    let rs = RenderState::of(state)?;
                    let i = index.get(&(kind, text.to_owned())).ok_or_else(|| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("{fname}({text:?}) was not known when the template compiled"),
                        )
                    })?;
                    Ok(rs.condition(*i))
                },
            );
        }
        let block_variants = block_variants
            .into_iter()
            .map(|(name, listed)| {
                let resolved = listed
                    .into_iter()
                    .map(|seg| {
                        let cond = (seg != "default")
                            .then(|| index.get(&(ConditionKind::InSegment, seg.clone())).copied())
                            .flatten();
                        (cond, seg)
                    })
                    .collect();
                (name, resolved)
            })
            .collect();
        let read_fields = read_fields(&env, &sources);
        let plan = sources
            .get(MAIN)
            .and_then(|main| plan::compile(main, &index));
        let mut template = Template {
            env,
            sources,
            conditions,
            block_variants,
            locale_blocks,
            formality: options.formality.clone(),
            max_output: options.max_output,
            read_fields,
            cache: Mutex::new(RenderCache::default()),
            plan,
            fuel: options.fuel,
            template_only: Vec::new(),
        };
        template.template_only = template.template_only_keys(None);
        Ok(template)
    }

    /// The top-level profile keys a render (or [`Template::variants`]) with
    /// `segments` can read: the fields the templates name, the name fields
    /// of `greeting()`, the locale and zone fields, the fields of every
    /// segment condition (through `segments` for `in_segment`, dotted paths
    /// also whole, as `a.b` can be a flat key) and `id`. A profile reduced
    /// to these keys renders byte for byte as the whole profile does, so a
    /// caller may copy only them. `None` when a template reads the whole
    /// profile.
    pub fn profile_keys(&self, segments: Option<&SegmentSet>) -> Option<Vec<String>> {
        let mut keys: BTreeSet<String> = self.read_fields.as_ref()?.iter().cloned().collect();
        let fixed = LOCALE_FIELDS
            .iter()
            .chain(crate::locale::TIME_ZONE_FIELDS.iter())
            .chain(["id"].iter());
        keys.extend(fixed.map(|k| (*k).to_owned()));
        for c in &self.conditions {
            keys.extend(c.segment.fields_with(segments));
            let mut add_dotted = |expr: &crate::rules::ast::Expr| {
                expr.walk(&mut |e| {
                    if let Some(path) = e.attribute_path().filter(|p| p.len() > 1) {
                        keys.insert(path.join("."));
                    }
                });
            };
            add_dotted(c.segment.expr());
            if let Some(set) = segments {
                for name in set.names() {
                    if let Some(s) = set.get(name) {
                        add_dotted(s.expr());
                    }
                }
            }
        }
        Some(keys.into_iter().collect())
    }

    /// What the segment conditions read of events: for each event type they
    /// name, the property keys ([`Segment::event_properties_with`], merged
    /// over every condition). Grouping subscribers needs nothing else of
    /// their events.
    pub fn event_properties(&self, segments: Option<&SegmentSet>) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for c in &self.conditions {
            for (ty, props) in c.segment.event_properties_with(segments) {
                match out.iter_mut().find(|(t, _)| *t == ty) {
                    Some((_, have)) => {
                        for p in props {
                            if !have.contains(&p) {
                                have.push(p);
                            }
                        }
                    }
                    None => out.push((ty, props)),
                }
            }
        }
        out
    }

    /// The keys of [`Template::profile_keys`] that only the templates read
    /// (no condition, locale or zone reads them, and not `id`):
    /// [`Template::variants`] groups subscribers without their values,
    /// only whether they are missing, and renders one sample per group.
    pub fn template_only_keys(&self, segments: Option<&SegmentSet>) -> Vec<String> {
        let Some(read) = &self.read_fields else {
            return Vec::new();
        };
        let mut other: BTreeSet<String> = LOCALE_FIELDS
            .iter()
            .chain(crate::locale::TIME_ZONE_FIELDS.iter())
            .chain(["id"].iter())
            .map(|k| (*k).to_owned())
            .collect();
        for c in &self.conditions {
            other.extend(c.segment.fields_with(segments));
        }
        read.iter()
            .filter(|k| !other.contains(*k) && !k.contains('.'))
            .cloned()
            .collect()
    }

    /// Whether the templates themselves (not only their conditions) read the
    /// profile field `key`: by name, or by reading the whole profile.
    pub fn templates_read(&self, key: &str) -> bool {
        self.read_fields
            .as_ref()
            .is_none_or(|read| read.iter().any(|k| k == key))
    }

    /// The segment conditions of the template (main and blocks), in order of
    /// first appearance per template: kind and argument as written.
    pub fn conditions(&self) -> Vec<(ConditionKind, &str)> {
        self.conditions
            .iter()
            .map(|c| (c.kind, c.text.as_str()))
            .collect()
    }

    /// Renders with `profile`: its keys are top-level variables, and the whole
    /// object is also `profile` (so `{{ profile["first name"] }}` works).
    pub fn render(&self, profile: &serde_json::Value, opts: &RenderOptions) -> Result<String> {
        if !profile.is_object() {
            return Err(Error::new(
                ErrorKind::Argument,
                "a profile must be an object",
            ));
        }
        let outcomes = self.outcomes(profile, &opts.eval)?;
        let locale = self.subscriber_locale(profile, opts);
        Ok(self
            .render_outcomes(profile, None, outcomes, locale, opts)?
            .0)
    }

    /// [`Template::render`] of a profile written as JSON text: the same
    /// output and errors, usually faster (the template's fields are read
    /// from the text without building a map).
    ///
    /// ```
    /// # use kaleido::{RenderOptions, Template};
    /// let t = Template::compile("Hi {{ first_name | default('there') }}!")?;
    /// let opts = RenderOptions::at("2025-01-31T12:00:00Z".parse().unwrap());
    /// assert_eq!(t.render_json(r#"{"first_name": "Ana"}"#, &opts)?, "Hi Ana!");
    /// assert_eq!(t.render_json("{}", &opts)?, "Hi there!");
    /// # Ok::<(), kaleido::Error>(())
    /// ```
    pub fn render_json(&self, text: &str, opts: &RenderOptions) -> Result<String> {
        match opts.eval.segments {
            None => self.render_json_with(text, &self.template_only, opts),
            set => self.render_json_with(text, &self.template_only_keys(set), opts),
        }
    }

    /// [`Template::render_json`] with [`Template::template_only_keys`] for
    /// `opts`' segments worked out by the caller (the JS boundary keeps
    /// them): the conditions, locale and zone read the profile without
    /// those fields, the plan reads it as a [`doc::Doc`].
    pub(crate) fn render_json_with(
        &self,
        text: &str,
        template_only: &[String],
        opts: &RenderOptions,
    ) -> Result<String> {
        // One arena per thread, reset per render (a nested render, which
        // does not happen, would get its own).
        ARENA.with(|cell| match cell.try_borrow_mut() {
            Ok(mut arena) => {
                arena.reset();
                self.render_json_in(text, template_only, opts, &arena)
            }
            Err(_) => self.render_json_in(text, template_only, opts, &Bump::new()),
        })
    }

    /// [`Template::render_json_with`] reading the profile into `arena`.
    fn render_json_in(
        &self,
        text: &str,
        template_only: &[String],
        opts: &RenderOptions,
        arena: &Bump,
    ) -> Result<String> {
        let doc = self
            .plan
            .as_ref()
            .and_then(|_| doc::Doc::parse(text, arena));
        let Some(doc::Doc::Object(entries)) = &doc else {
            let profile: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| Error::new(ErrorKind::Data, format!("invalid profile: {e}")))?;
            return self.render(&profile, opts);
        };
        let rest: serde_json::Map<String, serde_json::Value> = entries
            .iter()
            .filter(|(k, _)| !template_only.iter().any(|t| t == k))
            .map(|(k, v)| ((*k).to_owned(), v.to_value()))
            .collect();
        let rest = serde_json::Value::Object(rest);
        let outcomes = self.outcomes(&rest, &opts.eval)?;
        let locale = self.subscriber_locale(&rest, opts);
        let whole = doc.as_ref();
        Ok(self
            .render_outcomes(&rest, whole, outcomes, locale, opts)?
            .0)
    }

    /// The outcome of every condition for `profile` (membership semantics).
    fn outcomes(&self, profile: &serde_json::Value, eval: &EvalOptions) -> Result<Vec<bool>> {
        self.conditions
            .iter()
            .map(|c| {
                c.segment.test(profile, eval).map_err(|e| {
                    let source = self.sources.get(&c.template).map_or("", String::as_str);
                    let mut err =
                        Error::new(e.kind(), format!("{}: {}", c.describe(true), e.message()));
                    if let Some(f) = e.field() {
                        err = err.with_row_field(e.row(), Some(f.to_owned()));
                    }
                    in_block(
                        err.with_span(source, Span::locate(source, c.start, c.end)),
                        &c.template,
                        source,
                    )
                })
            })
            .collect()
    }

    /// Renders with given condition outcomes and locale; also returns which
    /// conditions the render consulted.
    ///
    /// `doc`, when given, is the whole profile and `profile` holds at least
    /// the fields the conditions, locale and zone read.
    fn render_outcomes(
        &self,
        profile: &serde_json::Value,
        doc: Option<&doc::Doc>,
        outcomes: Vec<bool>,
        locale: String,
        opts: &RenderOptions,
    ) -> Result<(String, Vec<bool>)> {
        let time_zone = subscriber_zone(profile, opts.eval.time_zone);
        let country = profile
            .as_object()
            .and_then(|m| crate::rules::value::get(m, "country"))
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(str::to_ascii_uppercase);
        let (dir, formal) = self.locale_info(&locale);
        let mut state = RenderState {
            used: outcomes.iter().map(|_| AtomicBool::new(false)).collect(),
            results: outcomes,
            locale,
            time_zone,
            today: opts.eval.as_of.with_timezone(&time_zone).date_naive(),
            country,
            formal,
            currency: opts.currency.clone(),
            profile: Value::UNDEFINED,
        };
        if let Some(plan) = &self.plan {
            let env = plan::Env {
                state: &state,
                dir,
                max_output: self.max_output,
                fuel: self.fuel,
            };
            let (arena, borrowed);
            let whole = match doc {
                Some(d) => d,
                None => {
                    arena = Bump::new();
                    borrowed = doc::Doc::of(profile, &arena);
                    &borrowed
                }
            };
            if let Ok(text) = plan.render(whole, &env) {
                let used = state
                    .used
                    .iter()
                    .map(|u| u.load(Ordering::Relaxed))
                    .collect();
                return Ok((text, used));
            }
            // Minijinja renders from scratch (and reports any error).
            for u in &state.used {
                u.store(false, Ordering::Relaxed);
            }
        }
        let full;
        let profile = match doc {
            Some(d) => {
                full = d.to_value();
                &full
            }
            None => profile,
        };
        let profile = match (&self.read_fields, profile.as_object()) {
            (Some(keys), Some(map)) => keys
                .iter()
                .filter_map(|k| Some((k.as_str(), Value::from_serialize(map.get(k)?))))
                .collect(),
            _ => Value::from_serialize(profile),
        };
        state.profile = profile.clone();
        let lang = Value::from(state.locale.as_str());
        let state = Arc::new(state);
        let root = Value::from_object(Root {
            profile,
            dir: Value::from(dir),
            lang,
            formal: Value::from(formal),
            state: Value::from_dyn_object(Arc::clone(&state)),
        });
        let template = self
            .env
            .get_template(MAIN)
            .map_err(|e| Error::new(ErrorKind::Template, e.to_string()))?;
        let mut out = Capped {
            buf: Vec::new(),
            cap: self.max_output,
            overflow: false,
        };
        let result = template.render_captured_to(root, &mut out);
        if out.overflow {
            return Err(Error::new(
                ErrorKind::Limit,
                format!("the output exceeds {} bytes", self.max_output),
            ));
        }
        result.map_err(|e| {
            let source = e
                .name()
                .and_then(|name| self.sources.get(name))
                .map_or("", String::as_str);
            template_error(&e, source)
        })?;
        let used = state
            .used
            .iter()
            .map(|u| u.load(Ordering::Relaxed))
            .collect();
        let text = String::from_utf8(out.buf)
            .map_err(|_| Error::new(ErrorKind::Template, "the output is not UTF-8"))?;
        Ok((text, used))
    }
}

/// The root context: the profile's keys, `profile` itself, the locale
/// variables (`dir`, `lang`, `formal`) and the render state.
#[derive(Debug)]
struct Root {
    profile: Value,
    dir: Value,
    lang: Value,
    formal: Value,
    state: Value,
}

impl Object for Root {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            STATE_KEY => Some(self.state.clone()),
            "profile" => Some(self.profile.clone()),
            "dir" => Some(self.dir.clone()),
            "formal" => Some(self.formal.clone()),
            "lang" => Some(self.lang.clone()),
            k => self.profile.get_attr(k).ok().filter(|v| !v.is_undefined()),
        }
    }
}

impl Template {
    /// The locale a profile is rendered in ([`subscriber_locale`]), kept per
    /// distinct locale fields and default.
    fn subscriber_locale(&self, profile: &serde_json::Value, opts: &RenderOptions) -> String {
        let map = profile.as_object();
        let text = |k: &str| {
            map.and_then(|m| crate::rules::value::get(m, k))
                .and_then(serde_json::Value::as_str)
        };
        let fields = [text("locale"), text("language"), text("country")];
        if fields.iter().all(Option::is_none) {
            // No locale fields: only the default locale decides.
            let hit = self.cache.lock().ok().and_then(|c| {
                c.defaulted
                    .as_ref()
                    .filter(|(given, _)| given.as_deref() == opts.locale.as_deref())
                    .map(|(_, locale)| locale.clone())
            });
            if let Some(hit) = hit {
                return hit;
            }
            let locale = subscriber_locale(profile, opts);
            if let Ok(mut c) = self.cache.lock() {
                c.defaulted = Some((opts.locale.clone(), locale.clone()));
            }
            return locale;
        }
        let mut key = String::new();
        for part in fields.into_iter().chain([opts.locale.as_deref()]) {
            match part {
                Some(s) => {
                    let _ = write!(key, "{}:{s}", s.len());
                }
                None => key.push('-'),
            }
        }
        if let Some(hit) = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.locales.get(&key).cloned())
        {
            return hit;
        }
        let locale = subscriber_locale(profile, opts);
        if let Ok(mut c) = self.cache.lock() {
            if c.locales.len() >= MAX_CACHED {
                c.locales.clear();
            }
            c.locales.insert(key, locale.clone());
        }
        locale
    }

    /// The text direction and whether the campaign is formal in `locale`.
    fn locale_info(&self, locale: &str) -> (&'static str, bool) {
        if let Some(hit) = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.info.get(locale).copied())
        {
            return hit;
        }
        let formal = self.formality.for_locale(locale) == Register::Formal;
        // An unknown locale is reported by the filters that format with it.
        let dir = crate::locale::text_direction(locale).unwrap_or("ltr");
        if let Ok(mut c) = self.cache.lock() {
            if c.info.len() >= MAX_CACHED {
                c.info.clear();
            }
            c.info.insert(locale.to_owned(), (dir, formal));
        }
        (dir, formal)
    }
}

/// The profile fields the templates read by name, plus the name fields of
/// `greeting()` / `address()` / `full_name()`; `None` when one reads the
/// whole profile.
fn read_fields(
    env: &Environment<'static>,
    sources: &BTreeMap<String, String>,
) -> Option<Vec<String>> {
    let mut out: BTreeSet<String> = filters::NAME_FIELDS
        .iter()
        .map(|f| (*f).to_owned())
        .collect();
    for name in sources.keys() {
        let template = env.get_template(name).ok()?;
        for v in template.undeclared_variables(false) {
            if WHOLE_PROFILE.contains(&v.as_str()) {
                return None;
            }
            out.insert(v);
        }
    }
    Some(out.into_iter().collect())
}

/// An output buffer that refuses to grow past `cap` bytes.
struct Capped {
    buf: Vec<u8>,
    cap: usize,
    overflow: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > self.cap {
            self.overflow = true;
            return Err(std::io::Error::other("output limit"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The locale a profile is rendered in, as a canonical BCP 47 tag: the
/// profile's ([`crate::locale::profile_locale`]: `locale`, else `language` +
/// `country`), else the option (the campaign default), else `en`.
fn subscriber_locale(profile: &serde_json::Value, opts: &RenderOptions) -> String {
    crate::locale::profile_locale(profile)
        .or_else(|| {
            // Canonical when valid; as written otherwise, so formatting reports it.
            opts.locale.as_deref().map(|l| {
                crate::locale::fallback_chain(l.trim())
                    .ok()
                    .and_then(|chain| chain.into_iter().next())
                    .unwrap_or_else(|| l.trim().to_owned())
            })
        })
        .unwrap_or_else(|| "en".to_owned())
}

/// The zone dates are shown in: the profile's zone field, else the main zone
/// of its `country`, else `fallback` (the evaluation zone).
fn subscriber_zone(profile: &serde_json::Value, fallback: Tz) -> Tz {
    profile
        .as_object()
        .and_then(|p| crate::locale::profile_time_zone(p, None, None))
        .map_or(fallback, |(tz, _)| tz)
}

/// The variant of locale block `name` for `locale`: the tag as written, or
/// `default`, or `None` when neither applies.
fn locale_variant<'a>(
    blocks: &'a BTreeMap<String, Vec<String>>,
    name: &str,
    locale: &str,
) -> Option<&'a str> {
    let tags = blocks.get(name)?;
    let supported: Vec<&str> = tags
        .iter()
        .map(String::as_str)
        .filter(|t| *t != "default")
        .collect();
    let chosen = crate::locale::negotiate_locale(Some(locale), &supported, "default");
    tags.iter().map(String::as_str).find(|t| *t == chosen)
}

/// Whether `s` is a URL a browser would run as script: `javascript:`,
/// `vbscript:` or `data:` (ignoring case, and the whitespace and control
/// characters browsers strip from URLs).
fn is_script_url(s: &str) -> bool {
    // Most printed values hold no colon: no scheme to look at.
    if !s.contains(':') {
        return false;
    }
    let mut scheme = [0u8; 10];
    let mut len = 0;
    for c in s.chars() {
        if c == ':' {
            break;
        }
        if c.is_ascii_whitespace() || c.is_control() {
            continue;
        }
        if len >= scheme.len() || !c.is_ascii() {
            return false;
        }
        if let Some(slot) = scheme.get_mut(len) {
            *slot = c.to_ascii_lowercase() as u8;
        }
        len += 1;
    }
    matches!(
        scheme.get(..len),
        Some(b"javascript" | b"vbscript" | b"data")
    )
}

/// A Jinja string literal for `text` (JSON escapes are valid Jinja escapes).
fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("{text:?}"))
}

/// Appends the block name to an error that happened in block `template`.
fn in_block(err: Error, template: &str, source: &str) -> Error {
    if template == MAIN {
        return err;
    }
    let block = template.split('@').next().unwrap_or(template);
    let message = format!("{} (in block {block:?})", err.message());
    let out =
        Error::new(err.kind(), message).with_row_field(err.row(), err.field().map(str::to_owned));
    match err.span() {
        Some(span) => out.with_span(source, span),
        None => out,
    }
}

/// A rule literal that does not parse, positioned in the template source.
fn rule_error(e: &Error, call: &scan::ConditionCall, source: &str, template: &str) -> Error {
    let message = format!("in matches(…): {}", e.message());
    let err = Error::new(ErrorKind::Template, message);
    let span = match e.span() {
        Some(s) => {
            let a = call.offsets.get(s.start).copied().unwrap_or(call.start);
            let b = call
                .offsets
                .get(s.end.max(s.start))
                .copied()
                .unwrap_or(a)
                .max(a);
            Span::locate(source, a, b)
        }
        None => Span::locate(source, call.start, call.end),
    };
    in_block(err.with_span(source, span), template, source)
}

/// Converts a minijinja error; `source` is the text of the template it names.
fn template_error(e: &minijinja::Error, source: &str) -> Error {
    let detail = e.detail().unwrap_or("");
    // An error inside an include is wrapped: a limit anywhere in the chain is a limit.
    let mut chain: Vec<&minijinja::Error> = vec![e];
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(m) = c.downcast_ref::<minijinja::Error>() {
            chain.push(m);
        }
        cause = c.source();
    }
    let is_limit = chain.iter().any(|m| {
        m.kind() == minijinja::ErrorKind::OutOfFuel
            || m.detail().is_some_and(|d| d.contains("recursion limit"))
    });
    let kind = if is_limit {
        ErrorKind::Limit
    } else {
        ErrorKind::Template
    };
    let mut message = if detail.is_empty() {
        e.kind().to_string()
    } else {
        format!("{}: {detail}", e.kind())
    };
    if let Some(name) = e.name().filter(|n| *n != MAIN) {
        message.push_str(&format!(
            " (in block {:?})",
            name.split('@').next().unwrap_or(name)
        ));
    }
    let err = Error::new(kind, message);
    match (e.range(), e.line()) {
        (Some(range), _) if range.start <= source.len() => {
            err.with_span(source, Span::locate(source, range.start, range.end))
        }
        (_, Some(line)) => {
            let start = source
                .split_inclusive('\n')
                .take(line.saturating_sub(1))
                .map(str::len)
                .sum();
            err.with_span(source, Span::locate(source, start, start))
        }
        _ => err,
    }
}

#[cfg(test)]
mod tests;
