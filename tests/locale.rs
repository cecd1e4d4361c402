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
    // Localized GMT offsets in full times (`GMT-05:00`): ICU4X writes
    // `-` where CLDR 48 has U+2212 in fr, an Arabic letter mark after the
    // prefix in ar, the offset before `GMT` in pt, marks around it in he.
    ("date", "ar-EG", "full+time"),
    ("date", "fr-FR", "full+time"),
    ("date", "he-IL", "full+time"),
    ("date", "pt-BR", "full+time"),
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

// ------------------------------------------------------------------ holidays

use chrono::NaiveDate;
use kaleido::locale::{holiday_within, holidays, season, HOLIDAY_COUNTRIES};

fn date_of(country: &str, year: i32, id: &str, region: Option<&str>) -> Vec<String> {
    holidays(country, year, region)
        .unwrap()
        .into_iter()
        .filter(|h| h.id == id)
        .map(|h| h.date.to_string())
        .collect()
}

/// Published dates for 2025–2027; docs/locale.md names the reference of each.
const REFERENCE: &[(&str, &str, &str)] = &[
    // US: 5 U.S.C. 6103 (OPM holiday tables).
    ("US", "martin_luther_king_day", "2025-01-20"),
    ("US", "memorial_day", "2025-05-26"),
    ("US", "labor_day", "2025-09-01"),
    ("US", "thanksgiving", "2025-11-27"),
    ("US", "thanksgiving", "2026-11-26"),
    ("US", "thanksgiving", "2027-11-25"),
    ("US", "black_friday", "2025-11-28"),
    ("US", "juneteenth", "2026-06-19"),
    // Easter: Gregorian computus (matches every church calendar).
    ("US", "easter", "2025-04-20"),
    ("DE", "easter", "2026-04-05"),
    ("AU", "easter", "2027-03-28"),
    // GB: gov.uk/bank-holidays.
    ("GB", "good_friday", "2025-04-18"),
    ("GB", "early_may_bank_holiday", "2025-05-05"),
    ("GB", "spring_bank_holiday", "2025-05-26"),
    ("GB", "spring_bank_holiday", "2026-05-25"),
    ("GB", "mothers_day", "2025-03-30"),
    ("GB", "mothers_day", "2026-03-15"),
    // DE: Feiertagsgesetze der Länder.
    ("DE", "ascension", "2025-05-29"),
    ("DE", "whit_monday", "2025-06-09"),
    ("DE", "ascension", "2027-05-06"),
    // FR: service-public.fr; fête des mères, Code de l'action sociale D215-1.
    ("FR", "mothers_day", "2025-05-25"),
    ("FR", "mothers_day", "2026-05-31"),
    ("FR", "mothers_day", "2027-05-30"),
    ("FR", "whit_monday", "2026-05-25"),
    // CN: State Council holiday notices (春节, 端午, 中秋).
    ("CN", "lunar_new_year", "2025-01-29"),
    ("CN", "lunar_new_year", "2026-02-17"),
    ("CN", "lunar_new_year", "2027-02-06"),
    ("CN", "dragon_boat", "2025-05-31"),
    ("CN", "dragon_boat", "2026-06-19"),
    ("CN", "mid_autumn", "2025-10-06"),
    ("CN", "mid_autumn", "2026-09-25"),
    ("CN", "mid_autumn", "2027-09-15"),
    // VN: Vietnamese government Tết announcements.
    ("VN", "tet", "2025-01-29"),
    ("VN", "tet", "2026-02-17"),
    ("VN", "tet", "2027-02-06"),
    ("VN", "mid_autumn", "2025-10-06"),
    ("VN", "hung_kings", "2025-04-07"),
    // KR: Korea Astronomy and Space Science Institute (KASI) calendar.
    ("KR", "seollal", "2025-01-29"),
    ("KR", "seollal", "2026-02-17"),
    ("KR", "seollal", "2027-02-07"),
    ("KR", "chuseok", "2025-10-06"),
    ("KR", "chuseok", "2026-09-25"),
    ("KR", "chuseok", "2027-09-15"),
    ("KR", "buddhas_birthday", "2025-05-05"),
    ("KR", "buddhas_birthday", "2026-05-24"),
    // JP: Cabinet Office national holidays list (内閣府「国民の祝日」).
    ("JP", "coming_of_age_day", "2025-01-13"),
    ("JP", "vernal_equinox", "2025-03-20"),
    ("JP", "vernal_equinox", "2026-03-20"),
    ("JP", "vernal_equinox", "2027-03-21"),
    ("JP", "autumnal_equinox", "2025-09-23"),
    ("JP", "autumnal_equinox", "2026-09-23"),
    ("JP", "marine_day", "2025-07-21"),
    ("JP", "respect_for_the_aged_day", "2025-09-15"),
    ("JP", "sports_day", "2025-10-13"),
    ("JP", "emperors_birthday", "2026-02-23"),
    // IN: Government of India gazetted holidays (Diwali, Holi: computed, see tests/locale_hindu.rs).
    ("IN", "diwali", "2025-10-20"),
    ("IN", "diwali", "2026-11-08"),
    ("IN", "diwali", "2027-10-29"),
    ("IN", "holi", "2025-03-14"),
    ("IN", "holi", "2026-03-04"),
    ("IN", "republic_day", "2026-01-26"),
    // SA: Umm al-Qura calendar (ummulqura.org.sa) as announced.
    ("SA", "eid_al_fitr", "2025-03-30"),
    ("SA", "eid_al_adha", "2025-06-06"),
    ("SA", "eid_al_fitr", "2026-03-20"),
    ("SA", "eid_al_adha", "2026-05-27"),
    // IL: hebcal.com (Israel) for the daytime date.
    ("IL", "rosh_hashanah", "2025-09-23"),
    ("IL", "rosh_hashanah", "2026-09-12"),
    ("IL", "rosh_hashanah", "2027-10-02"),
    ("IL", "yom_kippur", "2025-10-02"),
    ("IL", "yom_kippur", "2026-09-21"),
    ("IL", "yom_kippur", "2027-10-11"),
    ("IL", "hanukkah", "2025-12-15"),
    ("IL", "hanukkah", "2026-12-05"),
    ("IL", "hanukkah", "2027-12-25"),
    ("IL", "passover", "2025-04-13"),
    ("IL", "passover", "2026-04-02"),
    ("IL", "passover", "2027-04-22"),
    ("IL", "independence_day", "2025-05-01"),
    ("IL", "independence_day", "2026-04-22"),
    // BR: Carnaval (ponto facultativo), 47 days before Easter.
    ("BR", "carnival", "2025-03-04"),
    ("BR", "carnival", "2026-02-17"),
    ("BR", "carnival", "2027-02-09"),
    // AU: King's Birthday (most states), second Monday of June.
    ("AU", "fathers_day", "2025-09-07"),
    ("UZ", "navruz", "2026-03-21"),
];

#[test]
fn holidays_match_published_dates_2025_2027() {
    let mut wrong = Vec::new();
    for (country, id, date) in REFERENCE {
        let year: i32 = date[..4].parse().unwrap();
        let got = date_of(country, year, id, None);
        if got != [date.to_string()] {
            wrong.push(format!(
                "{country} {id} {year}: expected {date}, got {got:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(
        date_of("AU", 2025, "monarchs_birthday", Some("NSW")),
        ["2025-06-09"]
    );
    assert_eq!(
        date_of("AU", 2025, "monarchs_birthday", None),
        Vec::<String>::new()
    );
    assert_eq!(
        date_of("DE", 2025, "corpus_christi", Some("DE-BY")),
        ["2025-06-19"]
    );
    assert_eq!(
        date_of("GB", 2025, "summer_bank_holiday", Some("ENG")),
        ["2025-08-25"]
    );
    assert_eq!(
        date_of("GB", 2025, "summer_bank_holiday", Some("SCT")),
        ["2025-08-04"]
    );
}

#[test]
fn calendar_based_holidays_are_sane_in_every_year() {
    for year in 2000..=2050 {
        for c in HOLIDAY_COUNTRIES {
            let h = holidays(c, year, None).unwrap();
            assert!(
                h.windows(2).all(|w| w[0].date <= w[1].date),
                "{c} {year} sorted"
            );
            assert!(h
                .iter()
                .all(|x| x.name.len() > 2 && !x.local_name.is_empty()));
        }
        let cny = date_of("CN", year, "lunar_new_year", None);
        assert_eq!(cny.len(), 1, "{year}");
        assert!(
            ("-01-21".."-02-21").contains(&&cny[0][4..]),
            "CNY {year} {cny:?}"
        );
        let rh = date_of("IL", year, "rosh_hashanah", None);
        assert!(
            rh.len() == 1 && ("-09-05".."-10-06").contains(&&rh[0][4..]),
            "RH {year} {rh:?}"
        );
        let eid = holidays("SA", year, None).unwrap();
        let fitr: Vec<_> = eid.iter().filter(|h| h.id == "eid_al_fitr").collect();
        assert!(
            (1..=2).contains(&fitr.len()) && fitr.iter().all(|h| h.estimated),
            "{year}"
        );
        // Computed for every year (tests/locale_hindu.rs checks the dates).
        for id in ["diwali", "holi"] {
            assert_eq!(date_of("IN", year, id, None).len(), 1, "{id} {year}");
        }
    }
    // Eid al-Fitr fell twice in 2000 (8 January and 27 December).
    assert_eq!(date_of("SA", 2000, "eid_al_fitr", None).len(), 2);
    // Tết 2007 was a day before Chinese New Year (new moon at 23:14 UTC+8 on 17 February).
    assert_eq!(date_of("VN", 2007, "tet", None), ["2007-02-17"]);
    assert_eq!(date_of("CN", 2007, "lunar_new_year", None), ["2007-02-18"]);
    assert!(holidays("XX", 2025, None).is_err());
    assert!(holidays("US", 2051, None).is_err());
}

#[test]
fn holiday_windows_and_seasons() {
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert!(holiday_within("CN", "mid_autumn", day("2025-09-25"), 14, true).unwrap());
    assert!(!holiday_within("CN", "mid_autumn", day("2025-09-22"), 14, true).unwrap());
    assert!(holiday_within("CN", "mid_autumn", day("2025-09-23"), 14, true).unwrap());
    assert!(holiday_within("CN", "mid_autumn", day("2025-10-06"), 1, true).unwrap());
    assert!(holiday_within("US", "christmas", day("2025-12-30"), 7, false).unwrap());
    assert!(!holiday_within("US", "mid_autumn", day("2025-10-01"), 30, true).unwrap());
    // Across the year end.
    assert!(holiday_within("CN", "lunar_new_year", day("2025-12-20"), 60, true).unwrap());
    assert_eq!(season("US", day("2025-12-01")), "winter");
    assert_eq!(season("US", day("2025-03-01")), "spring");
    assert_eq!(season("BR", day("2025-12-01")), "summer");
    assert_eq!(season("AU", day("2025-07-15")), "winter");
    assert_eq!(season("JP", day("2025-10-15")), "autumn");
}

// ------------------------------------------------------------------ segments

use kaleido::rules::EvalOptions;
use kaleido::Segment;
use serde_json::json;

fn opts(as_of: &str, tz: &str) -> EvalOptions<'static> {
    EvalOptions {
        as_of: chrono::DateTime::parse_from_rfc3339(as_of)
            .unwrap()
            .with_timezone(&chrono::Utc),
        time_zone: tz.parse().unwrap(),
        segments: None,
    }
}

#[test]
fn culture_conditions_in_segments() {
    let s = Segment::parse(r#"holiday "mid_autumn" within next 14 days"#).unwrap();
    assert_eq!(s.to_string(), r#"holiday "mid_autumn" within next 14 days"#);
    assert_eq!(s.fields(), ["country"]);
    let o = opts("2025-09-25T12:00:00Z", "UTC");
    assert_eq!(
        s.evaluate(&json!({"country": "CN"}), &o).unwrap(),
        Some(true)
    );
    assert_eq!(
        s.evaluate(&json!({"country": "vn"}), &o).unwrap(),
        Some(true)
    );
    // The US has no mid-autumn holiday; no country is unknown.
    assert_eq!(
        s.evaluate(&json!({"country": "US"}), &o).unwrap(),
        Some(false)
    );
    assert_eq!(s.evaluate(&json!({}), &o).unwrap(), None);
    assert_eq!(s.evaluate(&json!({"country": "ZZ"}), &o).unwrap(), None);
    let late = opts("2025-10-07T12:00:00Z", "UTC");
    assert_eq!(
        s.evaluate(&json!({"country": "CN"}), &late).unwrap(),
        Some(false)
    );
    let past = Segment::parse(r#"holiday "christmas" within last 7 days"#).unwrap();
    assert_eq!(
        past.evaluate(
            &json!({"country": "DE"}),
            &opts("2025-12-31T12:00:00Z", "UTC")
        )
        .unwrap(),
        Some(true)
    );
    assert_eq!(
        past.evaluate(
            &json!({"country": "DE"}),
            &opts("2026-01-01T12:00:00Z", "UTC")
        )
        .unwrap(),
        Some(false)
    );

    let winter = Segment::parse(r#"season = "winter" and age >= 18"#).unwrap();
    let jan = opts("2025-01-15T12:00:00Z", "UTC");
    assert!(winter
        .test(&json!({"country": "DE", "age": 30}), &jan)
        .unwrap());
    assert!(!winter
        .test(&json!({"country": "AU", "age": 30}), &jan)
        .unwrap());
    let not_summer = Segment::parse(r#"season != "summer""#).unwrap();
    assert_eq!(
        not_summer
            .evaluate(&json!({"country": "AU"}), &jan)
            .unwrap(),
        Some(false)
    );
    assert!(Segment::parse(r#"season = "monsoon""#).is_err());
    // An attribute named `season` is written in backquotes, and printed so.
    let attr = Segment::parse(r#"`season` = "monsoon""#).unwrap();
    assert_eq!(attr.to_string(), r#"`season` = "monsoon""#);
    assert!(attr.test(&json!({"season": "monsoon"}), &jan).unwrap());

    let day = Segment::parse("local_time between 08:00 and 20:00").unwrap();
    assert_eq!(day.to_string(), "local_time between 08:00 and 20:00");
    // 12:00 UTC is 07:00 in New York (winter), 13:00 in Berlin, 23:00 in Sydney.
    assert_eq!(
        day.evaluate(&json!({"timeZone": "America/New_York"}), &jan)
            .unwrap(),
        Some(false)
    );
    assert_eq!(
        day.evaluate(&json!({"timeZone": "Europe/Berlin"}), &jan)
            .unwrap(),
        Some(true)
    );
    assert_eq!(
        day.evaluate(&json!({"country": "DE"}), &jan).unwrap(),
        Some(true)
    );
    assert_eq!(
        day.evaluate(&json!({"country": "AU"}), &jan).unwrap(),
        Some(false)
    );
    assert_eq!(day.evaluate(&json!({}), &jan).unwrap(), None);
    let night = Segment::parse("local_time between 22:00 and 06:00").unwrap();
    assert_eq!(
        night.evaluate(&json!({"country": "AU"}), &jan).unwrap(),
        Some(true)
    );
    assert!(Segment::parse("local_time between 08:00 and 24:00").is_err());
    // `local_time` with numbers stays an attribute.
    let attr = Segment::parse("local_time between 8 and 20").unwrap();
    assert!(attr.test(&json!({"local_time": 9}), &jan).unwrap());

    // JSON form, JsonLogic refusal, check warning, explain.
    let j = s.to_json();
    assert_eq!(j["rule"]["op"], "culture");
    assert_eq!(j["rule"]["test"]["kind"], "holiday");
    assert_eq!(Segment::from_json(&j).unwrap(), s);
    let e = s.to_json_logic().unwrap_err();
    assert_eq!(e.kind().as_str(), "argument");
    let unknown = Segment::parse(r#"holiday "xmas" within next 3 days"#).unwrap();
    assert_eq!(unknown.check(None)[0].code, "unknown-holiday");
    assert!(s.check(None).is_empty());
    let ex = s.explain(&json!({"country": "CN"}), &o).unwrap();
    assert_eq!(ex.result, Some(true));
    assert!(Segment::parse(r#"did purchase where holiday "x" within next 1 days"#).is_err());
}

// ------------------------------------------------------------------ send times

use kaleido::locale::{local_send_time, parse_wall_time, send_plan, SendOptions};

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

fn send(zone: &str, local: &str, as_of: &str) -> String {
    let p = json!({ "timeZone": zone });
    let t = local_send_time(p.as_object().unwrap(), local, &SendOptions::new(at(as_of))).unwrap();
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[test]
fn send_times_across_dst_in_three_zones() {
    // New York: 9 March 2025 springs forward at 02:00, 2 November falls back at 02:00.
    assert_eq!(
        send("America/New_York", "09:00", "2025-03-08T12:00:00Z"),
        "2025-03-08T14:00:00Z"
    );
    assert_eq!(
        send("America/New_York", "09:00", "2025-03-09T12:00:00Z"),
        "2025-03-09T13:00:00Z"
    );
    assert_eq!(
        send("America/New_York", "02:30", "2025-03-09T12:00:00Z"),
        "2025-03-09T07:30:00Z"
    );
    assert_eq!(
        send("America/New_York", "01:30", "2025-11-02T12:00:00Z"),
        "2025-11-02T05:30:00Z"
    );
    assert_eq!(
        send(
            "America/New_York",
            "2025-11-02T01:59",
            "2025-01-01T00:00:00Z"
        ),
        "2025-11-02T05:59:00Z"
    );
    // Berlin: 30 March 2025 02:00 → 03:00; 26 October 03:00 → 02:00.
    assert_eq!(
        send("Europe/Berlin", "02:30", "2025-03-30T12:00:00Z"),
        "2025-03-30T01:30:00Z"
    );
    assert_eq!(
        send("Europe/Berlin", "02:30", "2025-10-26T12:00:00Z"),
        "2025-10-26T00:30:00Z"
    );
    assert_eq!(
        send("Europe/Berlin", "03:00", "2025-10-26T12:00:00Z"),
        "2025-10-26T02:00:00Z"
    );
    // Sydney: 6 April 2025 03:00 → 02:00 (AEDT → AEST); 5 October 02:00 → 03:00.
    assert_eq!(
        send("Australia/Sydney", "02:30", "2025-04-06T00:00:00Z"),
        "2025-04-05T15:30:00Z"
    );
    assert_eq!(
        send("Australia/Sydney", "02:30", "2025-10-05T00:00:00Z"),
        "2025-10-04T16:30:00Z"
    );
    assert_eq!(
        send("Australia/Sydney", "09:00", "2025-10-05T00:00:00Z"),
        "2025-10-04T22:00:00Z"
    );
    // The local date is that of asOf in the subscriber's zone: 23:00 UTC on
    // 8 March is already 9 March in Sydney.
    assert_eq!(
        send("Australia/Sydney", "09:00", "2025-03-08T23:00:00Z"),
        "2025-03-08T22:00:00Z"
    );
}

#[test]
fn quiet_hours_fallback_zones_and_send_plans() {
    let as_of = at("2025-06-10T12:00:00Z");
    let mut o = SendOptions::new(as_of);
    o.quiet_hours = Some((
        parse_wall_time("21:00").unwrap(),
        parse_wall_time("08:00").unwrap(),
    ));
    let de = json!({"country": "DE"});
    let de = de.as_object().unwrap();
    // 22:00 is quiet: the next 08:00 (CEST) is the next morning.
    assert_eq!(
        local_send_time(de, "22:00", &o).unwrap(),
        at("2025-06-11T06:00:00Z")
    );
    assert_eq!(
        local_send_time(de, "07:00", &o).unwrap(),
        at("2025-06-10T06:00:00Z")
    );
    assert_eq!(
        local_send_time(de, "12:00", &o).unwrap(),
        at("2025-06-10T10:00:00Z")
    );
    // No zone, no country: an error unless a fallback zone is given.
    let none = json!({"name": "x"});
    let none = none.as_object().unwrap();
    assert_eq!(
        local_send_time(none, "09:00", &o)
            .unwrap_err()
            .kind()
            .as_str(),
        "locale"
    );
    o.fallback_time_zone = Some("Asia/Tokyo".parse().unwrap());
    assert_eq!(
        local_send_time(none, "09:00", &o).unwrap(),
        at("2025-06-10T00:00:00Z")
    );
    // A named field wins; `next` moves a passed time to the next day.
    let mut n = SendOptions::new(as_of);
    n.time_zone_field = Some("tz".into());
    n.next = true;
    let p = json!({"tz": "Asia/Tokyo", "timeZone": "Europe/Berlin"});
    assert_eq!(
        local_send_time(p.as_object().unwrap(), "09:00", &n).unwrap(),
        at("2025-06-11T00:00:00Z")
    );
    assert!(local_send_time(de, "9am", &o).is_err());

    let audience = vec![
        json!({"timeZone": "Europe/Berlin"}),
        json!({"country": "US"}),
        json!({"country": "DE"}),
        json!({"timeZone": "Not/AZone"}),
        json!(42),
        json!({"timeZone": "America/New_York"}),
    ];
    let plan = send_plan(&audience, "09:00", &SendOptions::new(as_of)).unwrap();
    assert_eq!(plan.unresolved, [3, 4]);
    assert_eq!(plan.waves.len(), 2);
    assert_eq!(plan.waves[0].send_at, at("2025-06-10T07:00:00Z"));
    assert_eq!(plan.waves[0].profiles, [0, 2]);
    assert_eq!(plan.waves[1].send_at, at("2025-06-10T13:00:00Z"));
    assert_eq!(plan.waves[1].profiles, [1, 5]);
}

// ------------------------------------------------------------------ consent

use kaleido::locale::{audience_with_consent, ConsentPolicy, Regime};
use kaleido::Schema;

#[test]
fn sensitive_fields_need_a_consent_condition() {
    let doc = json!({
        "age": "number",
        "health.condition": {"type": "string", "sensitive": true},
        "consent.marketing": "boolean",
    });
    let schema = Schema::from_json(&doc).unwrap();
    assert_eq!(schema.to_json(), doc);
    assert!(schema.is_sensitive("health.condition"));
    assert!(!schema.is_sensitive("age"));
    let codes = |rule: &str| -> Vec<&'static str> {
        Segment::parse(rule)
            .unwrap()
            .check(Some(&schema))
            .iter()
            .map(|d| d.code)
            .collect()
    };
    assert_eq!(
        codes(r#"health.condition = "diabetes""#),
        ["sensitive-without-consent"]
    );
    assert_eq!(
        codes(r#"health.condition = "diabetes" or consent.marketing"#),
        ["sensitive-without-consent"]
    );
    assert!(codes(r#"health.condition = "diabetes" and consent.marketing"#).is_empty());
    assert!(
        codes(r#"consent.marketing = true and (age > 30 or health.condition is set)"#).is_empty()
    );
    assert!(codes("age > 30").is_empty());
    assert!(Segment::parse("age > 1").unwrap().check(None).is_empty());
    assert!(Schema::from_json(&json!({"x": {"type": "string", "sensitive": 1}})).is_err());
    assert!(Schema::from_json(&json!({"x": {"type": "nope"}})).is_err());
}

#[test]
fn consent_wraps_segment_evaluation() {
    let s = Segment::parse("age >= 18").unwrap();
    let o = opts("2025-01-15T12:00:00Z", "UTC");
    let people = vec![
        json!({"age": 30, "country": "DE"}),
        json!({"age": 30, "country": "DE", "consent": {"marketing": true}}),
        json!({"age": 30, "country": "US", "region": "CA"}),
        json!({"age": 30, "country": "US", "consent": {"marketing": false}}),
        json!({"age": 12, "country": "BR"}),
        json!({"age": 30, "country": "GB", "consent": {"marketing": true}}),
        json!({"age": 30}),
    ];
    let policy = ConsentPolicy::default();
    assert_eq!(
        audience_with_consent(&s, &people, &o, &policy).unwrap(),
        [1, 2, 5]
    );
    let lax = ConsentPolicy {
        unknown_country: Regime::OptOut,
        overrides: vec![("DE".into(), Regime::OptOut)],
        ..ConsentPolicy::default()
    };
    assert_eq!(
        audience_with_consent(&s, &people, &o, &lax).unwrap(),
        [0, 1, 2, 5, 6]
    );
}
