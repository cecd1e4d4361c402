//! Locale resolution: from a profile's `locale` / `language` / `country` to
//! one of the locales a campaign supports, along CLDR's fallback chain
//! (`pt-BR` → `pt`, `en-AU` → `en-001` → `en`, `zh-TW` → `zh-Hant-TW` → `zh-Hant`),
//! then any supported locale of the same language, then the campaign default.

use icu_locale::fallback::{LocaleFallbackConfig, LocaleFallbacker};
use icu_locale_core::Locale;
use icu_provider::DataLocale;
use serde_json::Value;

use super::parse_locale;
use crate::error::Result;

/// The BCP 47 tag a profile asks for: its `locale` (`"pt-BR"`, `"pt_BR"`),
/// else its `language` with its `country` as the region (`"pt"` + `"BR"`),
/// else its `language` alone. `None` when the profile names no valid language.
pub fn profile_locale(profile: &Value) -> Option<String> {
    let text = |key: &str| profile.get(key).and_then(Value::as_str).map(str::trim);
    if let Some(tag) = text("locale").and_then(|t| parse_locale(t).ok()) {
        return Some(tag.to_string());
    }
    let language = text("language").and_then(|t| parse_locale(t).ok())?;
    let country =
        text("country").filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()));
    match country {
        Some(c) if language.id.region.is_none() => {
            let tag = format!("{}-{}", language, c.to_ascii_uppercase());
            Some(parse_locale(&tag).map_or_else(|_| language.to_string(), |l| l.to_string()))
        }
        _ => Some(language.to_string()),
    }
}

/// CLDR's fallback chain for a tag, most specific first, without the root:
/// `fallback_chain("pt-BR")` is `["pt-BR", "pt"]`.
pub fn fallback_chain(tag: &str) -> Result<Vec<String>> {
    let locale = parse_locale(tag)?;
    let fallbacker = LocaleFallbacker::new().for_config(LocaleFallbackConfig::default());
    let mut it = fallbacker.fallback_for(DataLocale::from(&locale));
    let mut chain = Vec::new();
    // Every step removes a subtag or moves to a parent; the bound is a guard.
    for _ in 0..16 {
        let current = it.get();
        if current.is_unknown() {
            break;
        }
        let text = current.to_string();
        if !chain.contains(&text) {
            chain.push(text);
        }
        it.step();
    }
    Ok(chain)
}

fn same_tag(a: &str, b: &str) -> bool {
    a.replace('_', "-")
        .eq_ignore_ascii_case(&b.replace('_', "-"))
}

/// Picks the supported locale for a requested tag: the first step of
/// [`fallback_chain`] that is supported (case- and `_`-insensitive), else the
/// first supported locale with the same language (`pt-PT` → `pt-BR` when only
/// that exists), else `default`. Returns the entry as written in `supported`.
/// The content module uses this to pick a per-locale block variant.
///
/// ```
/// use kaleido::locale::negotiate_locale;
/// let supported = ["en", "pt", "de-CH"];
/// assert_eq!(negotiate_locale(Some("pt-BR"), &supported, "en"), "pt");
/// assert_eq!(negotiate_locale(Some("de-DE"), &supported, "en"), "de-CH");
/// assert_eq!(negotiate_locale(Some("ja"), &supported, "en"), "en");
/// ```
pub fn negotiate_locale<'a, S: AsRef<str>>(
    requested: Option<&str>,
    supported: &'a [S],
    default: &'a str,
) -> &'a str {
    let Some(requested) = requested else {
        return default;
    };
    let Ok(chain) = fallback_chain(requested) else {
        return default;
    };
    for step in &chain {
        if let Some(s) = supported.iter().find(|s| same_tag(s.as_ref(), step)) {
            return s.as_ref();
        }
    }
    let language = parse_locale(requested).map(|l| l.id.language);
    let same_language = supported.iter().find(|s| {
        let theirs = Locale::try_from_str(&s.as_ref().replace('_', "-")).map(|l| l.id.language);
        matches!((&language, theirs), (Ok(a), Ok(b)) if *a == b)
    });
    same_language.map_or(default, |s| s.as_ref())
}

/// [`negotiate_locale`] for a profile ([`profile_locale`]).
pub fn resolve_locale<'a, S: AsRef<str>>(
    profile: &Value,
    supported: &'a [S],
    default: &'a str,
) -> &'a str {
    let requested = profile_locale(profile);
    negotiate_locale(requested.as_deref(), supported, default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chains_follow_cldr_parents() {
        assert_eq!(fallback_chain("pt-BR").unwrap(), ["pt-BR", "pt"]);
        assert_eq!(fallback_chain("en-AU").unwrap(), ["en-AU", "en-001", "en"]);
        assert_eq!(fallback_chain("pt-AO").unwrap(), ["pt-AO", "pt-PT", "pt"]);
        let zh = fallback_chain("zh-TW").unwrap();
        assert!(zh.contains(&"zh-Hant".to_string()), "{zh:?}");
        assert!(fallback_chain("xx-YY").is_err());
    }

    #[test]
    fn profiles_resolve_with_fallback_to_the_campaign_default() {
        let supported = ["en", "en-GB", "pt", "fr-CA", "zh-Hant"];
        let pick = |p: Value| resolve_locale(&p, &supported, "en");
        assert_eq!(pick(json!({"locale": "pt-BR"})), "pt");
        assert_eq!(pick(json!({"locale": "pt_BR"})), "pt");
        assert_eq!(pick(json!({"language": "pt", "country": "BR"})), "pt");
        assert_eq!(pick(json!({"language": "en", "country": "AU"})), "en");
        assert_eq!(pick(json!({"language": "en", "country": "gb"})), "en-GB");
        assert_eq!(pick(json!({"locale": "fr-FR"})), "fr-CA");
        assert_eq!(pick(json!({"locale": "zh-TW"})), "zh-Hant");
        assert_eq!(pick(json!({"locale": "ja-JP"})), "en");
        assert_eq!(pick(json!({"locale": "not a tag", "language": "pt"})), "pt");
        assert_eq!(pick(json!({"country": "DE"})), "en");
        assert_eq!(pick(json!({})), "en");
        assert_eq!(
            profile_locale(&json!({"language": "de", "country": "AT"})).as_deref(),
            Some("de-AT")
        );
    }
}
