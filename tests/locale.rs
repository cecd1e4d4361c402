//! kaleido::locale against recorded references: `Intl` of Node (CLDR 48) for
//! formatting, published calendars for holidays, the tz database for send times.

use kaleido::locale::{
    format_currency, format_date, format_number, format_percent, plural_category, DateInput,
    DateOptions, DateStyle, NumberOptions,
};
use serde_json::Value;

fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/locale-intl-reference.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Differences from Node 20's `Intl` that docs/locale.md explains, as
/// (kind, locale, group): `group` is the currency for `currency` cases and
/// `STYLE` or `STYLE+time` for dates. Every group must still differ in at
/// least one case, so a difference that goes away fails here and is removed.
const KNOWN: &[(&str, &str, &str)] = &[
    // Root currency symbols where CLDR's locale data has the bare ISO code.
    ("currency", "fr-FR", "JPY"),
    ("currency", "pl-PL", "USD"),
    ("currency", "pl-PL", "JPY"),
    ("currency", "eo", "USD"),
    ("currency", "eo", "JPY"),
    // icu_experimental's percent formatter: Latin-script bidi marks and sign.
    ("percent", "ar-EG", "*"),
    // CLDR 49 (ICU4X) vs CLDR 48 (Node): Vietnamese gained `one`.
    ("plural", "vi-VN", "*"),
    // ICU4X builds date-times from semantic skeletons, not the classical
    // dateStyle/timeStyle patterns, and has CLDR 49 data.
    ("date", "ar-EG", "long+time"),
    ("date", "eo", "medium"),
    ("date", "eo", "medium+time"),
    ("date", "eo", "long"),
    ("date", "eo", "long+time"),
    ("date", "eo", "full"),
    ("date", "eo", "full+time"),
    ("date", "fr-FR", "long+time"),
    ("date", "he-IL", "long+time"),
    ("date", "hi-IN", "long"),
    ("date", "hi-IN", "long+time"),
    ("date", "hi-IN", "full"),
    ("date", "hi-IN", "full+time"),
    ("date", "ja-JP", "full+time"),
    ("date", "pl-PL", "short"),
    ("date", "pl-PL", "short+time"),
    ("date", "pt-BR", "long+time"),
    ("date", "uz-Latn-UZ", "long+time"),
    ("date", "uz-Latn-UZ", "full+time"),
    ("date", "vi-VN", "short"),
    ("date", "vi-VN", "short+time"),
    ("date", "vi-VN", "long"),
    ("date", "vi-VN", "long+time"),
    ("date", "vi-VN", "full"),
    ("date", "vi-VN", "full+time"),
];

/// The (kind, locale, group) of a case, as in [`KNOWN`].
fn group(case: &Value) -> (String, String, String) {
    let kind = case["kind"].as_str().unwrap().to_string();
    let args = case["args"].as_array().unwrap();
    let (locale, group) = match kind.as_str() {
        "currency" => (
            args[2].as_str().unwrap(),
            args[1].as_str().unwrap().to_string(),
        ),
        "date" => {
            let o = &args[2];
            let style = o["style"].as_str().unwrap();
            let g = if o["time"].as_bool().unwrap() {
                format!("{style}+time")
            } else {
                style.to_string()
            };
            (args[1].as_str().unwrap(), g)
        }
        _ => (args[1].as_str().unwrap(), "*".to_string()),
    };
    (kind, locale.to_string(), group)
}

#[test]
fn formatting_agrees_with_node_intl() {
    let reference = reference();
    let mut mismatches = Vec::new();
    let mut known_seen = vec![false; KNOWN.len()];
    let cases = reference["cases"].as_array().unwrap();
    for case in cases {
        let expected = case["expected"].as_str().unwrap();
        let got = run(case);
        if got.as_deref() == Ok(expected) {
            continue;
        }
        let (kind, locale, g) = group(case);
        if let Some(i) = KNOWN
            .iter()
            .position(|k| k.0 == kind && k.1 == locale && k.2 == g)
        {
            known_seen[i] = true;
            continue;
        }
        mismatches.push(format!(
            "{} {}: Intl {:?}, ours {:?}",
            kind, case["args"], expected, got
        ));
    }
    for (i, seen) in known_seen.iter().enumerate() {
        assert!(
            seen,
            "known difference no longer occurs, remove it: {:?}",
            KNOWN[i]
        );
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cases differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}

fn run(case: &Value) -> Result<String, String> {
    let kind = case["kind"].as_str().unwrap();
    let args = case["args"].as_array().unwrap();
    let out = match kind {
        "number" => {
            let o = &args[2];
            let opts = NumberOptions {
                min_fraction_digits: o["minimumFractionDigits"].as_u64().map(|v| v as u8),
                max_fraction_digits: o["maximumFractionDigits"].as_u64().map(|v| v as u8),
            };
            format_number(args[0].as_f64().unwrap(), args[1].as_str().unwrap(), opts)
        }
        "percent" => format_percent(
            args[0].as_f64().unwrap(),
            args[1].as_str().unwrap(),
            NumberOptions::default(),
        ),
        "currency" => format_currency(
            args[0].as_f64().unwrap(),
            args[1].as_str().unwrap(),
            args[2].as_str().unwrap(),
        ),
        "plural" => plural_category(args[0].as_f64().unwrap(), args[1].as_str().unwrap())
            .map(str::to_string),
        "date" => {
            let o = &args[2];
            let options = DateOptions {
                time_zone: o["timeZone"].as_str().unwrap_or("UTC").parse().unwrap(),
                style: DateStyle::parse(o["style"].as_str().unwrap()).unwrap(),
                time: o["time"].as_bool().unwrap_or(false),
            };
            let input = DateInput::parse(args[0].as_str().unwrap()).unwrap();
            format_date(input, args[1].as_str().unwrap(), options)
        }
        other => panic!("unknown case kind {other}"),
    };
    out.map_err(|e| e.to_string())
}
