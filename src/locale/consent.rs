//! Consent and regional rules: which privacy regime applies to a subscriber
//! (by `country` and `region`), whether marketing email needs prior opt-in
//! there, and a wrapper that evaluates a segment only over subscribers who
//! may be mailed.
//!
//! Default mapping (docs/locale.md, "Consent"): the EU and EEA countries →
//! GDPR (opt-in); GB → UK GDPR with PECR (opt-in); US with region CA → CCPA/CPRA
//! (opt-out); everywhere else → opt-out. Every entry can be overridden.
//! This is an engineering default, not legal advice.

use serde::Serialize;
use serde_json::Value;

use crate::error::Result;
use crate::rules::ast::Expr;
use crate::rules::{EvalOptions, Schema, Segment};

/// A privacy regime for marketing email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// EU/EEA General Data Protection Regulation (with the ePrivacy rules): opt-in.
    Gdpr,
    /// UK GDPR and PECR: opt-in.
    UkGdpr,
    /// California CCPA as amended by CPRA: opt-out.
    Ccpa,
    /// No specific regime known: opt-out (unsubscribes are honoured).
    OptOut,
    /// A custom opt-in regime given by configuration.
    OptIn,
}

impl Regime {
    /// Whether marketing needs an explicit `true` consent before sending.
    pub fn requires_opt_in(self) -> bool {
        matches!(self, Regime::Gdpr | Regime::UkGdpr | Regime::OptIn)
    }

    /// The regime's id (`gdpr`, `uk_gdpr`, `ccpa`, `opt_out`, `opt_in`).
    pub fn id(self) -> &'static str {
        match self {
            Regime::Gdpr => "gdpr",
            Regime::UkGdpr => "uk_gdpr",
            Regime::Ccpa => "ccpa",
            Regime::OptOut => "opt_out",
            Regime::OptIn => "opt_in",
        }
    }
}

/// The 27 EU member states and the three other EEA states (IS, LI, NO).
pub const EEA: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

/// The default regime of a place: `country` ISO alpha-2, `region` its
/// subdivision (`CA` or `US-CA` for California).
pub fn default_regime(country: &str, region: Option<&str>) -> Regime {
    let c = country.trim().to_ascii_uppercase();
    if EEA.contains(&c.as_str()) {
        return Regime::Gdpr;
    }
    if c == "GB" || c == "UK" {
        return Regime::UkGdpr;
    }
    let r = region.map(|r| {
        let r = r.trim().to_ascii_uppercase();
        r.split_once('-').map_or(r.clone(), |(_, s)| s.to_owned())
    });
    if c == "US" && r.as_deref() == Some("CA") {
        return Regime::Ccpa;
    }
    Regime::OptOut
}

/// How consent is read and which regime applies where (configurable).
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentPolicy {
    /// The boolean profile attribute holding marketing consent (dotted path;
    /// default `consent.marketing`): `true` opted in, `false` opted out.
    pub consent_field: String,
    /// Overrides, first match wins: (`"CA"` for a country or `"US-CA"` for a
    /// region, regime).
    pub overrides: Vec<(String, Regime)>,
    /// The regime for profiles without a `country` (default: opt-in, the safe choice).
    pub unknown_country: Regime,
}

impl Default for ConsentPolicy {
    fn default() -> ConsentPolicy {
        ConsentPolicy {
            consent_field: "consent.marketing".into(),
            overrides: Vec::new(),
            unknown_country: Regime::OptIn,
        }
    }
}

fn text<'a>(profile: &'a Value, key: &str) -> Option<&'a str> {
    profile
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn lookup<'a>(profile: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(profile, |v, k| v.get(k))
}

impl ConsentPolicy {
    /// The regime for a profile: from `country` and `region` (or `state`).
    pub fn regime_for(&self, profile: &Value) -> Regime {
        let Some(country) = text(profile, "country").map(str::to_ascii_uppercase) else {
            return self.unknown_country;
        };
        let region = text(profile, "region").or_else(|| text(profile, "state"));
        let sub = region.map(|r| {
            let r = r.to_ascii_uppercase();
            if r.contains('-') {
                r
            } else {
                format!("{country}-{r}")
            }
        });
        for (place, regime) in &self.overrides {
            let place = place.to_ascii_uppercase();
            if Some(&place) == sub.as_ref() || place == country {
                return *regime;
            }
        }
        default_regime(&country, region)
    }

    /// Whether the profile may receive marketing email: under an opt-in
    /// regime only with consent `true`; under an opt-out one unless consent is `false`.
    pub fn allows(&self, profile: &Value) -> bool {
        let consent = lookup(profile, &self.consent_field).and_then(Value::as_bool);
        if self.regime_for(profile).requires_opt_in() {
            consent == Some(true)
        } else {
            consent != Some(false)
        }
    }
}

/// Evaluates `segment` on `profile` for sending: true only when the segment
/// is true **and** the consent policy allows mailing the profile.
pub fn test_with_consent(
    segment: &Segment,
    profile: &Value,
    opts: &EvalOptions,
    policy: &ConsentPolicy,
) -> Result<bool> {
    Ok(policy.allows(profile) && segment.test(profile, opts)?)
}

/// The indexes of the profiles that are in the segment and may be mailed.
pub fn audience_with_consent(
    segment: &Segment,
    profiles: &[Value],
    opts: &EvalOptions,
    policy: &ConsentPolicy,
) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    for (i, p) in profiles.iter().enumerate() {
        if test_with_consent(segment, p, opts, policy)? {
            out.push(i);
        }
    }
    Ok(out)
}

/// Whether `e` guarantees consent: a condition `consent… = true` or a bare
/// `consent…` (true) on a path under `consent`, as the rule itself or one
/// of the top-level conjuncts.
fn guarantees_consent(e: &Expr) -> bool {
    let is_consent = |path: &[String]| path.first().is_some_and(|p| p == "consent");
    match e {
        Expr::IsTrue { path, .. } => is_consent(path),
        Expr::Compare {
            path, cmp, value, ..
        } => {
            is_consent(path)
                && *cmp == crate::rules::ast::CmpOp::Eq
                && *value == crate::rules::ast::Literal::Bool(true)
        }
        Expr::And { args, .. } => args.iter().any(guarantees_consent),
        _ => false,
    }
}

/// The sensitive attributes a rule reads without a consent condition
/// guarding the whole rule (for `check`'s `sensitive-without-consent`).
pub(crate) fn unguarded_sensitive<'e>(expr: &'e Expr, schema: &Schema) -> Vec<(&'e Expr, String)> {
    if guarantees_consent(expr) {
        return Vec::new();
    }
    let mut out = Vec::new();
    expr.walk(&mut |e| {
        if let Some(path) = e.attribute_path() {
            let name = path.join(".");
            if schema.is_sensitive(&name) {
                out.push((e, name));
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn regimes_by_place() {
        assert_eq!(default_regime("DE", None), Regime::Gdpr);
        assert_eq!(default_regime("no", None), Regime::Gdpr);
        assert_eq!(default_regime("GB", None), Regime::UkGdpr);
        assert_eq!(default_regime("US", Some("CA")), Regime::Ccpa);
        assert_eq!(default_regime("US", Some("US-CA")), Regime::Ccpa);
        assert_eq!(default_regime("US", Some("NY")), Regime::OptOut);
        assert_eq!(default_regime("BR", None), Regime::OptOut);
        let p = ConsentPolicy::default();
        assert!(!p.allows(&json!({"country": "DE"})));
        assert!(p.allows(&json!({"country": "DE", "consent": {"marketing": true}})));
        assert!(p.allows(&json!({"country": "US", "region": "CA"})));
        assert!(!p.allows(&json!({"country": "US", "consent": {"marketing": false}})));
        assert!(!p.allows(&json!({})), "no country: opt-in by default");
        let mut strict = ConsentPolicy::default();
        strict.overrides.push(("CA".into(), Regime::OptIn));
        strict.overrides.push(("US-CA".into(), Regime::OptIn));
        assert_eq!(strict.regime_for(&json!({"country": "CA"})), Regime::OptIn);
        assert_eq!(
            strict.regime_for(&json!({"country": "US", "state": "ca"})),
            Regime::OptIn
        );
        assert_eq!(
            strict.regime_for(&json!({"country": "US", "state": "NY"})),
            Regime::OptOut
        );
    }
}
