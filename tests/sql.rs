//! Segments compiled to SQL, checked on real engines against the evaluator.
//!
//! The data (profiles with nulls, events on window edges, DST zones, leap
//! days, hostile strings) is generated here deterministically, written with
//! the compiled queries to a temp dir, and `tests/sql/run_engines.py` loads it
//! into DuckDB and a throwaway PostgreSQL server and runs every query. The
//! member ids must equal, in order, the profiles for which `Segment::test` is
//! true (`Audience.members` will be checked the same way once it lands).
//!
//! Engines are required: a missing one fails the test with what to install,
//! unless `KALEIDO_SKIP_SQL_ENGINES=1`. Spark runs in an ignored test
//! (`cargo test --test sql -- --ignored spark`, used by `make test-spark`).
//! BigQuery and Snowflake are checked as text only (snapshots).

use std::path::PathBuf;
use std::process::Command;

use chrono::{DateTime, Datelike, Duration as Span, NaiveDate, Utc};
use chrono_tz::Tz;
use kaleido::rules::ast::{Duration, Unit};
use kaleido::rules::time;
use kaleido::sql::{to_sql, Dialect, Properties, SqlOptions, TableLayout};
use kaleido::{parse_as_of, parse_time_zone, EvalOptions, Schema, Segment, SegmentSet};
use serde_json::{json, Map, Value};

/// The examples of the segment-language issue (as in tests/parse.rs).
const EXAMPLES: [&str; 16] = [
    r#"did not purchase in last 6 months"#,
    r#"gender = "m" and age between 25 and 34 and did purchase in last 30 days"#,
    r#"signup_date within last 14 days and did not purchase"#,
    r#"did purchase at least 5 times in last 365 days"#,
    r#"did cart_add then did not purchase within 24 hours"#,
    r#"did product_view where category = "shoes" then did not purchase where same product_id within 7 days"#,
    r#"not did email_open in last 90 days and not did email_click in last 90 days"#,
    r#"sum(purchase.amount in last 365 days) > 500 or count(purchase in last 90 days) >= 3"#,
    r#"country in ["VN", "CN", "TW", "HK", "SG"] and language != "en""#,
    r#"interests contains any ["hiking", "running"] and city_size = "urban" and income_band >= 3"#,
    r#"in segment "lapsed" and consent.marketing and not in segment "complained""#,
    r#"last email_open more than 90 days ago"#,
    r#"churn_risk > 0.7 and predicted_clv >= 200"#,
    r#"birthday anniversary within next 7 days"#,
    r#"timezone starts with "America/" and (lifecycle = "new" or lifecycle = "active")"#,
    r#"avg(purchase.amount where category = "electronics") > 120 and did app_open in last 7 days"#,
];

/// An attribute name and a value that try to break out of the query.
const NASTY_ATTR: &str = "we\"ird`name'; DROP TABLE profiles; --\nx\\y";
const NASTY_VALUE: &str = "it's \"q\" \\ back\\slash'; DROP TABLE events; --\nnext line `tick`";

/// Every construct of the language, on the generated schema.
const CONSTRUCTS: &[&str] = &[
    r#"season = "spring""#,
    r#"season != "winter" and age > 20"#,
    r#"holiday "lunar_new_year" within last 60 days"#,
    r#"holiday "christmas" within next 300 days or not holiday "easter" within next 40 days"#,
    r#"local_time between 08:00 and 20:00"#,
    r#"local_time between 22:00 and 06:30"#,
    r#"not local_time between 09:00 and 17:00 and age > 20"#,
    r#"age = 30"#,
    r#"age != 30"#,
    r#"age < 30 or age >= 60"#,
    r#"churn_risk <= 0.5"#,
    r#"age between 18 and 30.5"#,
    r#"income_band in [1, 3]"#,
    r#"income_band not in [1, 3]"#,
    r#"country in ["US", "us"]"#,
    r#"country not in ["US", "DE"]"#,
    r#"country < "M""#,
    r#"country >= "de""#,
    r#"name > "Zoe""#,
    r#"name contains "an""#,
    r#"name contains "É""#,
    r#"name contains "é""#,
    r#"name contains "i̇""#,
    r#"name contains "ss""#,
    r#"name contains """#,
    r#"email ends with "@gmail.com""#,
    r#"email starts with "ana""#,
    r#"name starts with "é""#,
    r#"name ends with "slash""#,
    r#"name contains any ["ana", "zoë"]"#,
    r#"name contains all ["a", "n"]"#,
    r#"email matches /^[a-z]+@/"#,
    r#"email matches /^[a-z]+@/i"#,
    r#"name matches /^new.line$/"#,
    r#"name matches /^new.line$/s"#,
    r#"name matches /^line$/m"#,
    r#"name matches /\\/"#,
    r#"email is set"#,
    r#"email is not set"#,
    r#"interests is set"#,
    r#"consent.marketing"#,
    r#"not consent.marketing"#,
    r#"consent.marketing = false"#,
    r#"interests contains "hiking""#,
    r#"interests contains 5"#,
    r#"interests contains any ["hiking", "running"]"#,
    r#"interests contains all ["hiking", "running"]"#,
    r#"not interests contains "running""#,
    r#"age = "30""#,
    r#"country > 5"#,
    r#"interests = "hiking""#,
    r#"consent.marketing = 1"#,
    r#"age"#,
    r#"not (age = "30") or country = "US""#,
    r#"signup_date within last 14 days"#,
    r#"signup_date within next 1 month"#,
    r#"signup_date within last 36 hours"#,
    r#"signup_date more than 1 year ago"#,
    r#"signup_date before 2025-03-01"#,
    r#"signup_date after 2025-02-27T22:00:00Z"#,
    r#"signup_date = 2025-03-01"#,
    r#"signup_date >= 2025-03-01T00:00:00+01:00"#,
    r#"signup_date != 2025-02-28T12:00:00Z"#,
    r#"last_login within last 7 days"#,
    r#"last_login within last 24 hours"#,
    r#"last_login within next 2 days"#,
    r#"last_login more than 1 month ago"#,
    r#"last_login before 2025-03-30"#,
    r#"last_login after 2025-11-02T06:00:00Z"#,
    r#"last_login = 2025-03-30"#,
    r#"last_login <= 2025-11-02"#,
    r#"birthday anniversary within next 7 days"#,
    r#"birthday anniversary within last 1 month"#,
    r#"birthday anniversary within next 1 year"#,
    r#"last_login anniversary within last 3 days"#,
    r#"did purchase"#,
    r#"did not purchase in last 30 days"#,
    r#"did purchase once"#,
    r#"did purchase exactly 2 times in last 1 year"#,
    r#"did purchase at most 1 times"#,
    r#"did purchase at least 3 times in last 90 days"#,
    r#"did purchase where amount > 100 in last 6 months"#,
    r#"did purchase where (category = "shoes" and amount >= 50)"#,
    r#"did purchase where category is not set"#,
    r#"did purchase where at within last 2 days"#,
    r#"did purchase where at after 2025-03-30"#,
    r#"did purchase since 2025-03-01"#,
    r#"did purchase since 2025-03-30T00:30:00Z"#,
    r#"did purchase between 2025-01-01 and 2025-03-30"#,
    r#"did purchase between 2025-10-01T00:00:00Z and 2025-11-02T06:30:00Z"#,
    r#"did app_open in last 24 hours"#,
    r#"did app_open in last 1 day"#,
    r#"did email_open in last 1 week"#,
    r#"count(purchase) >= 2"#,
    r#"count(purchase where category = "shoes" in last 90 days) = 0"#,
    r#"sum(purchase.amount) > 200"#,
    r#"sum(purchase.amount in last 30 days) = 0"#,
    r#"avg(purchase.amount) >= 60"#,
    r#"min(purchase.amount where category = "books") < 20"#,
    r#"max(purchase.amount in last 1 year) > 150"#,
    r#"not avg(purchase.amount) > 50"#,
    r#"last purchase within last 30 days"#,
    r#"last purchase where category = "shoes" more than 7 days ago"#,
    r#"not last email_open within last 90 days"#,
    r#"did cart_add then did purchase"#,
    r#"did cart_add then did purchase within 24 hours"#,
    r#"did cart_add then did not purchase within 1 day"#,
    r#"did cart_add then did purchase within 1 day"#,
    r#"did cart_add then did not purchase within 7 days"#,
    r#"did product_view then did purchase within 1 week"#,
    r#"did cart_add then did not purchase in last 30 days"#,
    r#"did product_view then did purchase where same product_id within 7 days"#,
    r#"did product_view where category = "shoes" then did purchase where (same product_id and amount > 20) within 1 week in last 60 days"#,
    r#"did product_view then did not purchase where same category within 1 month"#,
    r#"in segment "lapsed""#,
    r#"not in segment "lapsed" or in segment "vip""#,
    r#"in segment "engaged_lapsed""#,
];

fn nasty_rules() -> Vec<String> {
    let lit = escape_rule_string(NASTY_VALUE);
    let attr = format!("`{}`", escape_rule_name(NASTY_ATTR));
    vec![
        format!("{attr} = \"{lit}\""),
        format!("{attr} != \"{lit}\""),
        format!("{attr} contains \"{lit}\""),
        format!(
            "{attr} starts with \"{}\"",
            escape_rule_string("IT'S \"Q\" \\")
        ),
        format!("{attr} is set and name != \"{lit}\""),
        format!("did purchase where category = \"{lit}\""),
        format!(
            "did `{}`",
            escape_rule_name("ev'il\"; DROP TABLE events; --")
        ),
        format!("{attr} in [\"{lit}\", \"'\", \"\\\\\"]"),
        format!("{attr} matches /'; DROP/"),
    ]
}

fn escape_rule_string(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn escape_rule_name(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('`', "\\`")
        .replace('\n', "\\n")
}

// ---------------------------------------------------------------- data

/// SplitMix64: small, deterministic, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

struct Scenario {
    name: &'static str,
    as_of: &'static str,
    zone: &'static str,
}

const SCENARIOS: [Scenario; 4] = [
    // The day after Europe's spring-forward: 1-day windows are 23 hours.
    Scenario {
        name: "berlin-dst",
        as_of: "2025-03-31T10:00:00Z",
        zone: "Europe/Berlin",
    },
    // The day after the US fall-back: 01:00-02:00 happened twice.
    Scenario {
        name: "newyork-fallback",
        as_of: "2025-11-03T05:30:00Z",
        zone: "America/New_York",
    },
    // 29 February 2028 in Tokyo while still the 28th in UTC.
    Scenario {
        name: "tokyo-leap",
        as_of: "2028-02-28T23:30:00Z",
        zone: "Asia/Tokyo",
    },
    Scenario {
        name: "utc-march",
        as_of: "2025-03-01T00:00:00Z",
        zone: "UTC",
    },
];

/// `asOf` on and around DST switches, for the `local_time` rules: the
/// subscriber's wall clock jumps while the evaluation zone does not matter.
const LOCAL_TIME_SCENARIOS: [Scenario; 5] = [
    // London 00:59 GMT, Berlin 01:59 CET: one minute before Europe's switch.
    Scenario {
        name: "eu-before-switch",
        as_of: "2025-03-30T00:59:00Z",
        zone: "Europe/London",
    },
    // London 02:00 BST, Berlin 03:00 CEST.
    Scenario {
        name: "eu-switch",
        as_of: "2025-03-30T01:00:00Z",
        zone: "Europe/London",
    },
    // New York's second 01:00 (EST), a second after 01:59:59 EDT.
    Scenario {
        name: "us-fall-back",
        as_of: "2025-11-02T06:00:00Z",
        zone: "America/New_York",
    },
    // Lord Howe Island moves 30 minutes: 02:00 (+10:30) becomes 02:30 (+11).
    Scenario {
        name: "lord-howe-switch",
        as_of: "2025-10-04T15:30:00Z",
        zone: "UTC",
    },
    // Chatham (+13:45) and Kathmandu (+5:45) at 23:59 UTC.
    Scenario {
        name: "quarter-hours",
        as_of: "2025-06-15T23:59:00Z",
        zone: "Pacific/Chatham",
    },
];

/// `local_time` rules, also run at every [`LOCAL_TIME_SCENARIOS`] instant.
const LOCAL_TIME_RULES: &[&str] = &[
    r#"local_time between 08:00 and 20:00"#,
    r#"local_time between 22:00 and 06:30"#,
    r#"local_time between 00:00 and 23:59"#,
    r#"local_time between 00:59 and 00:59"#,
    r#"local_time between 01:00 and 01:59"#,
    r#"local_time between 02:00 and 02:59"#,
    r#"local_time between 03:00 and 12:00"#,
    r#"local_time between 13:00 and 02:15"#,
    r#"not local_time between 09:00 and 17:00 and age > 20"#,
    r#"local_time between 08:00 and 20:00 or country = "US""#,
    r#"local_time between 08:00 and 20:00 and season = "spring""#,
];

fn clock(s: &Scenario) -> (DateTime<Utc>, Tz) {
    let tz = parse_time_zone(s.zone).unwrap();
    (parse_as_of(s.as_of, tz).unwrap(), tz)
}

fn rfc3339(t: DateTime<Utc>, rng: &mut Rng) -> String {
    // Some instants are written with an offset, as real exports do.
    if rng.chance(20) {
        let off = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
        t.with_timezone(&off).to_rfc3339()
    } else {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// Instants on the edges of the windows the rules use, in every scenario.
fn edge_instants() -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    let units = [
        (1, Unit::Hours),
        (24, Unit::Hours),
        (36, Unit::Hours),
        (1, Unit::Days),
        (2, Unit::Days),
        (3, Unit::Days),
        (7, Unit::Days),
        (14, Unit::Days),
        (30, Unit::Days),
        (60, Unit::Days),
        (90, Unit::Days),
        (365, Unit::Days),
        (1, Unit::Weeks),
        (1, Unit::Months),
        (6, Unit::Months),
        (1, Unit::Years),
    ];
    for s in &SCENARIOS {
        let (as_of, tz) = clock(s);
        for d in [0, 1, -1] {
            out.push(as_of + Span::seconds(d));
        }
        for (amount, unit) in units {
            let d = Duration { amount, unit };
            for t in [time::before(as_of, d, tz), time::after(as_of, d, tz)]
                .into_iter()
                .flatten()
            {
                for delta in [0, 1, -1] {
                    out.push(t + Span::seconds(delta));
                }
            }
        }
        for date in [
            "2025-01-01",
            "2025-03-01",
            "2025-03-30",
            "2025-03-31",
            "2025-11-02",
            "2025-10-01",
        ] {
            let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
            let t = time::start_of_day(d, tz);
            for delta in [0, 1, -1] {
                out.push(t + Span::seconds(delta));
            }
        }
    }
    for t in [
        "2025-03-30T00:30:00Z",
        "2025-11-02T06:30:00Z",
        "2025-11-02T05:30:00Z",
        "2025-03-30T01:30:00Z",
        "2025-02-27T22:00:00Z",
        "2025-03-01T00:00:00+01:00",
        "2025-02-28T12:00:00Z",
    ] {
        out.push(DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc));
    }
    out
}

struct Data {
    /// Rows as loaded into SQL (flat column names).
    sql_profiles: Vec<Map<String, Value>>,
    sql_events: Vec<Map<String, Value>>,
    /// The same profiles as the evaluator reads them (nested, with events).
    profiles: Vec<Value>,
}

const PROFILE_COLUMNS: &[(&str, &str)] = &[
    ("id", "id"),
    ("age", "number"),
    ("gender", "string"),
    ("country", "string"),
    ("language", "string"),
    ("city_size", "string"),
    ("income_band", "number"),
    ("signup_date", "date"),
    ("birthday", "date"),
    ("last_login", "datetime"),
    ("interests", "string[]"),
    ("consent.marketing", "boolean"),
    ("churn_risk", "number"),
    ("predicted_clv", "number"),
    ("timezone", "string"),
    ("time_zone", "string"),
    ("lifecycle", "string"),
    ("email", "string"),
    ("name", "string"),
    (NASTY_ATTR, "string"),
];

const EVENT_COLUMNS: &[(&str, &str)] = &[
    ("amount", "number"),
    ("category", "string"),
    ("product_id", "string"),
];

const EVENT_TYPES: &[&str] = &[
    "purchase",
    "product_view",
    "cart_add",
    "email_open",
    "email_click",
    "app_open",
    "ev'il\"; DROP TABLE events; --",
];

fn schema() -> Schema {
    let mut doc = Map::new();
    for (name, ty) in PROFILE_COLUMNS.iter().skip(1) {
        doc.insert(name.to_string(), json!(ty));
    }
    let props = json!({"amount": "number", "category": "string", "product_id": "string"});
    for ev in EVENT_TYPES {
        doc.insert(ev.to_string(), json!({ "event": props }));
    }
    Schema::from_json(&Value::Object(doc)).unwrap()
}

fn segment_set() -> SegmentSet {
    SegmentSet::new([
        (
            "lapsed".to_string(),
            Segment::parse("did purchase and not did purchase in last 60 days").unwrap(),
        ),
        (
            "complained".to_string(),
            Segment::parse(
                "did email_click where category = \"complaint\" or lifecycle = \"churned\"",
            )
            .unwrap(),
        ),
        (
            "vip".to_string(),
            Segment::parse("sum(purchase.amount) >= 300 or predicted_clv > 500").unwrap(),
        ),
        (
            "engaged_lapsed".to_string(),
            Segment::parse("in segment \"lapsed\" and did email_open in last 30 days").unwrap(),
        ),
    ])
    .unwrap()
}

fn generate(n: usize, seed: u64) -> Data {
    let mut rng = Rng(seed);
    let edges = edge_instants();
    // Local 01:30 / 02:30 a day or a week before New York's and Berlin's
    // DST changes: `+ 1 day` or `+ 7 days` lands in the gap or the overlap.
    let dst: Vec<DateTime<Utc>> = [
        "2025-11-01T05:30:00Z",
        "2025-10-26T05:30:00Z",
        "2025-03-08T07:30:00Z",
        "2025-03-29T01:30:00Z",
        "2025-03-23T01:30:00Z",
        "2025-10-25T00:30:00Z",
        "2025-10-19T00:30:00Z",
        "2025-02-28T01:30:00Z",
    ]
    .iter()
    .map(|t| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc))
    .collect();
    let scen_dates: Vec<NaiveDate> = SCENARIOS
        .iter()
        .map(|s| {
            let (t, tz) = clock(s);
            time::local_date(t, tz)
        })
        .collect();
    let base = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let random_instant =
        |rng: &mut Rng| base + Span::seconds((rng.next() % (5 * 365 * 86400)) as i64);
    let names = [
        "Ana",
        "ÉLODIE",
        "e\u{301}lodie",
        "İpek",
        "Zoë",
        "o'brien",
        "back\\slash",
        "new\nline",
        "Straße",
        "Zoe",
        "ana maría",
        "STRASSE",
    ];
    let emails = [
        "Ana@GMAIL.com",
        "bob@gmail.com",
        "x@Example.org",
        "zoë@mail.de",
        "1st@gmail.com",
        "ana.b@gmail.co",
    ];
    let countries = [
        "US",
        "us",
        "DE",
        "VN",
        "CN",
        "TW",
        "HK",
        "SG",
        "FR",
        "de",
        "AU",
        "br",
        "X1",
        // Trimmed (Rust `trim`: tabs, no-break spaces) and upper-cased by
        // the evaluator; `ıd` upper-cases to `ID` in SQL but is not ASCII.
        " jp",
        "gb\t",
        "\u{a0}IN\u{3000}",
        "ıd",
        "np",
        "",
    ];
    let interests = ["hiking", "running", "Hiking", "chess", "cooking"];
    let categories = [
        "shoes",
        "books",
        "electronics",
        "complaint",
        "Shoes",
        NASTY_VALUE,
    ];
    let mut out = Data {
        sql_profiles: Vec::new(),
        sql_events: Vec::new(),
        profiles: Vec::new(),
    };
    for i in 0..n {
        let id = format!("p{i:04}");
        let mut row = Map::new();
        row.insert("id".into(), json!(id));
        let mut maybe = |rng: &mut Rng, key: &str, v: Value| {
            if !rng.chance(12) {
                row.insert(key.into(), v);
            }
        };
        let age = rng.below(70) as f64 + if rng.chance(10) { 0.5 } else { 0.0 };
        maybe(&mut rng, "age", json!(age));
        let g = *rng.pick(&["m", "f", "x", "M"]);
        maybe(&mut rng, "gender", json!(g));
        let c = *rng.pick(&countries);
        maybe(&mut rng, "country", json!(c));
        let l = *rng.pick(&["en", "vi", "zh", "de"]);
        maybe(&mut rng, "language", json!(l));
        let cs = *rng.pick(&["urban", "rural", "Urban"]);
        maybe(&mut rng, "city_size", json!(cs));
        let ib = rng.below(6) as f64;
        maybe(&mut rng, "income_band", json!(ib));
        // Dates near the scenarios' days, on window edges, and far away.
        let today = *rng.pick(&scen_dates);
        let signup = today + chrono::Days::new(0) - chrono::Days::new(rng.below(40) as u64)
            + chrono::Days::new(if rng.chance(20) { 20 } else { 0 });
        let signup = if rng.chance(10) {
            NaiveDate::from_ymd_opt(2023, 5, 17).unwrap()
        } else {
            signup
        };
        maybe(
            &mut rng,
            "signup_date",
            json!(signup.format("%Y-%m-%d").to_string()),
        );
        let bday = match rng.below(5) {
            0 => NaiveDate::from_ymd_opt(1992, 2, 29).unwrap(),
            1 => {
                NaiveDate::from_ymd_opt(1990, today.month(), today.day().min(28)).unwrap()
                    + chrono::Days::new(rng.below(10) as u64)
            }
            2 => NaiveDate::from_ymd_opt(1985, 3, 1).unwrap(),
            _ => {
                NaiveDate::from_ymd_opt(1970 + rng.below(40) as i32, 1, 1).unwrap()
                    + chrono::Days::new(rng.below(365) as u64)
            }
        };
        maybe(
            &mut rng,
            "birthday",
            json!(bday.format("%Y-%m-%d").to_string()),
        );
        let login = if rng.chance(50) {
            *rng.pick(&edges)
        } else {
            random_instant(&mut rng)
        };
        let login = rfc3339(login, &mut rng);
        maybe(&mut rng, "last_login", json!(login));
        let mut list = Vec::new();
        for _ in 0..rng.below(4) {
            list.push(json!(*rng.pick(&interests)));
        }
        if rng.chance(10) {
            list.push(Value::Null);
        }
        maybe(&mut rng, "interests", Value::Array(list));
        let consent = rng.chance(60);
        maybe(&mut rng, "consent.marketing", json!(consent));
        let churn = rng.below(11) as f64 / 10.0;
        maybe(&mut rng, "churn_risk", json!(churn));
        let clv = (rng.below(16) * 50) as f64;
        maybe(&mut rng, "predicted_clv", json!(clv));
        // Zones: valid, wrong case, not a zone, padded, aliases, odd offsets.
        let z = *rng.pick(&[
            "America/New_York",
            "america/chicago",
            "Europe/Berlin",
            "America",
            "Europe/London",
            " Asia/Kolkata\t",
            "Asia/Kathmandu",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "US/Eastern",
            "Etc/GMT+5",
            "UTC",
            "",
            "Asia/Tokyo",
        ]);
        maybe(&mut rng, "timezone", json!(z));
        // `time_zone` comes before `timezone` when it is a zone.
        if rng.chance(30) {
            let z = *rng.pick(&["Asia/Tokyo", "Mars/Olympus", "\u{a0}America/Denver", "GMT"]);
            maybe(&mut rng, "time_zone", json!(z));
        }
        let lc = *rng.pick(&["new", "active", "churned", "New"]);
        maybe(&mut rng, "lifecycle", json!(lc));
        let e = *rng.pick(&emails);
        maybe(&mut rng, "email", json!(e));
        let nm = if rng.chance(10) {
            "line"
        } else {
            *rng.pick(&names)
        };
        let nm = if rng.chance(5) { "line\nmore" } else { nm };
        maybe(&mut rng, "name", json!(nm));
        let nasty = if rng.chance(40) {
            NASTY_VALUE
        } else {
            *rng.pick(&["it's", "\\", "'"])
        };
        maybe(&mut rng, NASTY_ATTR, json!(nasty));

        // Events: random ones, edge ones, and sequences on their edges.
        let mut events: Vec<Map<String, Value>> = Vec::new();
        let count = rng.below(10);
        for _ in 0..count {
            let ty = *rng.pick(&EVENT_TYPES[..6]);
            let at = if rng.chance(50) {
                *rng.pick(&edges)
            } else {
                random_instant(&mut rng)
            };
            events.push(event(&mut rng, ty, at, &categories));
        }
        if rng.chance(40) {
            // A first event followed by a second one at the gap's edge.
            let first = *rng.pick(&["cart_add", "product_view"]);
            // Half start where a calendar gap lands in a DST gap or overlap.
            let at = if rng.chance(50) {
                *rng.pick(&dst)
            } else {
                *rng.pick(&edges)
            };
            let mut a = event(&mut rng, first, at, &categories);
            let gap = *rng.pick(&[
                Duration {
                    amount: 24,
                    unit: Unit::Hours,
                },
                Duration {
                    amount: 1,
                    unit: Unit::Days,
                },
                Duration {
                    amount: 7,
                    unit: Unit::Days,
                },
                Duration {
                    amount: 1,
                    unit: Unit::Weeks,
                },
                Duration {
                    amount: 1,
                    unit: Unit::Months,
                },
            ]);
            let tz = clock(rng.pick(&SCENARIOS[..2])).1;
            let deadline = time::after(at, gap, tz).unwrap();
            let delta = *rng.pick(&[0, 1, -1, -3600, 3600]);
            let mut b = event(
                &mut rng,
                "purchase",
                deadline + Span::seconds(delta),
                &categories,
            );
            if rng.chance(70) {
                if let Some(p) = a.get("product_id").cloned() {
                    b.insert("product_id".into(), p);
                } else {
                    a.remove("product_id");
                    b.remove("product_id");
                }
            }
            if rng.chance(50) {
                b.insert(
                    "category".into(),
                    a.get("category").cloned().unwrap_or(Value::Null),
                );
            }
            events.push(a);
            events.push(b);
        }
        if rng.chance(5) {
            let at = random_instant(&mut rng);
            events.push(event(&mut rng, EVENT_TYPES[6], at, &categories));
        }

        // The evaluator's profile: dotted names nested, events inside.
        let mut profile = Map::new();
        for (k, v) in &row {
            if k == "consent.marketing" {
                profile.insert("consent".into(), json!({ "marketing": v }));
            } else {
                profile.insert(k.clone(), v.clone());
            }
        }
        let mut evaluator_events = Vec::new();
        for ev in &events {
            let mut sql_ev = Map::new();
            sql_ev.insert("profile_id".into(), json!(id));
            let mut props = Map::new();
            for (k, v) in ev {
                sql_ev.insert(k.clone(), v.clone());
                if k != "type" && k != "at" {
                    props.insert(k.clone(), v.clone());
                }
            }
            sql_ev.insert("props".into(), Value::Object(props));
            out.sql_events.push(sql_ev);
            evaluator_events.push(Value::Object(ev.clone()));
        }
        if !evaluator_events.is_empty() || rng.chance(50) {
            profile.insert("events".into(), Value::Array(evaluator_events));
        }
        out.sql_profiles.push(row);
        out.profiles.push(Value::Object(profile));
    }
    out
}

fn event(rng: &mut Rng, ty: &str, at: DateTime<Utc>, categories: &[&str]) -> Map<String, Value> {
    let mut ev = Map::new();
    ev.insert("type".into(), json!(ty));
    ev.insert("at".into(), json!(rfc3339(at, rng)));
    if ty == "purchase" && !rng.chance(10) {
        let amount = (rng.below(40) * 5) as f64 + if rng.chance(20) { 0.5 } else { 0.0 };
        ev.insert("amount".into(), json!(amount));
    }
    if !rng.chance(15) {
        ev.insert("category".into(), json!(*rng.pick(categories)));
    }
    if matches!(ty, "purchase" | "product_view" | "cart_add") && !rng.chance(10) {
        ev.insert("product_id".into(), json!(format!("sku{}", rng.below(5))));
    }
    if rng.chance(5) {
        ev.insert("category".into(), Value::Null);
    }
    ev
}

// ---------------------------------------------------------------- random rules

/// Random rules over the generated schema: every attribute construct, event
/// conditions with filters and windows, nested with and/or/not.
fn random_rule(rng: &mut Rng, depth: u32) -> String {
    if depth < 2 && rng.chance(45) {
        let n = 2 + rng.below(2);
        let word = if rng.chance(50) { " and " } else { " or " };
        let parts: Vec<String> = (0..n).map(|_| random_rule(rng, depth + 1)).collect();
        let rule = format!("({})", parts.join(word));
        return if rng.chance(20) {
            format!("not {rule}")
        } else {
            rule
        };
    }
    let cond = random_condition(rng);
    if rng.chance(15) {
        format!("not ({cond})")
    } else {
        cond
    }
}

fn random_duration(rng: &mut Rng) -> String {
    rng.pick(&[
        "1 hour", "24 hours", "36 hours", "1 day", "2 days", "7 days", "14 days", "30 days",
        "90 days", "1 week", "1 month", "6 months", "1 year",
    ])
    .to_string()
}

fn random_date_literal(rng: &mut Rng) -> String {
    rng.pick(&[
        "2025-03-01",
        "2025-03-30",
        "2025-11-02",
        "2028-02-29",
        "2025-02-28T12:00:00Z",
        "2025-03-30T01:30:00Z",
        "2025-11-02T05:30:00Z",
        "2025-03-01T00:00:00+01:00",
        "2028-02-28T15:00:00Z",
    ])
    .to_string()
}

fn random_filter(rng: &mut Rng) -> String {
    match rng.below(7) {
        0 => format!(
            "category = \"{}\"",
            rng.pick(&["shoes", "books", "electronics"])
        ),
        1 => format!(
            "amount {} {}",
            rng.pick(&[">", ">=", "<", "="]),
            rng.below(40) * 5
        ),
        2 => "category is not set".into(),
        3 => format!("at within last {}", random_duration(rng)),
        4 => "category in [\"shoes\", \"Shoes\"]".to_string(),
        5 => format!("(category = \"shoes\" or amount > {})", rng.below(200)),
        _ => format!("at before {}", random_date_literal(rng)),
    }
}

fn random_window(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => String::new(),
        1 | 2 => format!(" in last {}", random_duration(rng)),
        3 => format!(" since {}", random_date_literal(rng)),
        _ => {
            let a = random_date_literal(rng);
            let b = random_date_literal(rng);
            format!(" between {a} and {b}")
        }
    }
}

fn random_event(rng: &mut Rng) -> String {
    let ev = *rng.pick(&[
        "purchase",
        "product_view",
        "cart_add",
        "email_open",
        "app_open",
    ]);
    if rng.chance(40) {
        format!("{ev} where {}", random_filter(rng))
    } else {
        ev.to_string()
    }
}

fn random_condition(rng: &mut Rng) -> String {
    let op = *rng.pick(&["=", "!=", "<", "<=", ">", ">="]);
    match rng.below(25) {
        0 => format!("age {op} {}", rng.below(70)),
        1 => format!("churn_risk {op} {}", rng.below(11) as f64 / 10.0),
        2 => format!(
            "country {op} \"{}\"",
            rng.pick(&["US", "us", "DE", "M", "de", "Ü"])
        ),
        3 => format!("country in [\"US\", \"{}\"]", rng.pick(&["DE", "vn", "CN"])),
        4 => format!(
            "name {} \"{}\"",
            rng.pick(&["contains", "starts with", "ends with"]),
            rng.pick(&["an", "É", "é", "i̇", "ss", "ß", "zo", "A", "e\u{301}", "'", "\\\\"])
        ),
        5 => format!(
            "email {} \"{}\"",
            rng.pick(&["contains", "starts with", "ends with"]),
            rng.pick(&["@gmail.com", "ANA", "zoë", "."])
        ),
        6 => format!(
            "email matches /{}/{}",
            rng.pick(&["^[a-z]+@", "gmail\\.com$", "^\\d", "o.b", "[^@]+@mail"]),
            rng.pick(&["", "i"])
        ),
        7 => format!(
            "{} is {}set",
            rng.pick(&[
                "email",
                "age",
                "interests",
                "signup_date",
                "consent.marketing"
            ]),
            rng.pick(&["", "not "])
        ),
        8 => format!(
            "consent.marketing{}",
            rng.pick(&["", " = true", " = false", " != true"])
        ),
        9 => format!(
            "interests contains {}",
            rng.pick(&[
                "\"hiking\"",
                "\"Hiking\"",
                "any [\"hiking\", \"chess\"]",
                "all [\"hiking\", \"running\"]",
                "3"
            ])
        ),
        10 => format!(
            "{} {}",
            rng.pick(&[
                "age = \"30\"",
                "interests = \"x\"",
                "country > 3",
                "consent.marketing = 1"
            ]),
            rng.pick(&["", "or age > 30", "and age > 30"])
        ),
        11 => format!(
            "{} within {} {}",
            rng.pick(&["signup_date", "last_login"]),
            rng.pick(&["last", "next"]),
            random_duration(rng)
        ),
        12 => format!(
            "{} more than {} ago",
            rng.pick(&["signup_date", "last_login"]),
            random_duration(rng)
        ),
        13 => format!(
            "{} {} {}",
            rng.pick(&["signup_date", "last_login"]),
            rng.pick(&["before", "after", "=", "!=", "<=", ">="]),
            random_date_literal(rng)
        ),
        14 => format!(
            "{} anniversary within {} {}",
            rng.pick(&["birthday", "last_login", "signup_date"]),
            rng.pick(&["last", "next"]),
            random_duration(rng)
        ),
        15 | 16 => {
            let times = rng.pick(&[
                "",
                " once",
                " at least 2 times",
                " at most 1 times",
                " exactly 2 times",
            ]);
            format!(
                "did {}{}{times}{}",
                rng.pick(&["", "not "]),
                random_event(rng),
                random_window(rng)
            )
        }
        17 => format!(
            "count({}{}) {op} {}",
            random_event(rng),
            random_window(rng),
            rng.below(4)
        ),
        18 => format!(
            "{}(purchase.amount{}{}) {op} {}",
            rng.pick(&["sum", "avg", "min", "max"]),
            if rng.chance(30) {
                format!(" where {}", random_filter(rng))
            } else {
                String::new()
            },
            random_window(rng),
            rng.below(60) * 5
        ),
        19 => format!(
            "last {} {}",
            random_event(rng),
            if rng.chance(50) {
                format!("within last {}", random_duration(rng))
            } else {
                format!("more than {} ago", random_duration(rng))
            }
        ),
        20 | 21 => {
            let first = *rng.pick(&["cart_add", "product_view"]);
            let then_filter = match rng.below(4) {
                0 => String::new(),
                1 => " where same product_id".into(),
                2 => " where (same product_id and amount > 10)".into(),
                _ => " where same category".into(),
            };
            let within = if rng.chance(70) {
                format!(" within {}", random_duration(rng))
            } else {
                String::new()
            };
            format!(
                "did {first} then did {}purchase{then_filter}{within}{}",
                rng.pick(&["", "not "]),
                random_window(rng)
            )
        }
        22 => format!(
            "{}in segment \"{}\"",
            rng.pick(&["", "not "]),
            rng.pick(&["lapsed", "vip", "complained", "engaged_lapsed"])
        ),
        23 => match rng.below(3) {
            0 => format!(
                "local_time between {} and {}",
                rng.pick(&["00:00", "08:00", "13:45", "22:00"]),
                rng.pick(&["06:30", "12:00", "20:00", "23:59"])
            ),
            1 => format!(
                "season {} \"{}\"",
                rng.pick(&["=", "!="]),
                rng.pick(&["winter", "spring"])
            ),
            _ => format!(
                "holiday \"{}\" within {} 30 days",
                rng.pick(&["christmas", "easter", "lunar_new_year"]),
                rng.pick(&["last", "next"])
            ),
        },
        _ => format!(
            "{} between {} and {}",
            rng.pick(&["age", "churn_risk", "signup_date", "last_login"]),
            rng.pick(&["10", "0.2", "2025-02-01", "2025-03-30T00:00:00Z"]),
            rng.pick(&["40", "0.8", "2025-03-31", "2025-11-02"])
        ),
    }
}

// ---------------------------------------------------------------- harness

fn python() -> String {
    std::env::var("KALEIDO_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn skip_engines() -> bool {
    std::env::var("KALEIDO_SKIP_SQL_ENGINES").is_ok_and(|v| v == "1")
}

struct Case {
    id: String,
    engine: &'static str,
    rule: String,
    scenario: &'static str,
    layout: &'static str,
    sql: String,
    expected: Vec<String>,
}

fn layout(json_props: bool) -> TableLayout {
    if json_props {
        TableLayout {
            events: "events_json".into(),
            properties: Properties::Json("props".into()),
            ..TableLayout::default()
        }
    } else {
        TableLayout::default()
    }
}

/// Compiles every rule for every scenario and engine and computes the
/// evaluator's members.
fn build_cases(
    rules: &[String],
    data: &Data,
    engines: &[(&'static str, Dialect)],
    scenarios: &[&Scenario],
    json_layout: bool,
) -> Vec<Case> {
    let schema = schema();
    let set = segment_set();
    let mut cases = Vec::new();
    // The engines are compared with the evaluator's members, which must also
    // be exactly `Audience.members` (the columnar engine) on the same data.
    let audience =
        kaleido::Audience::from_records(&data.profiles, &kaleido::LoadOptions::default())
            .unwrap_or_else(|e| panic!("the generated profiles load as an Audience: {e:#}"));
    for s in scenarios {
        let (as_of, tz) = clock(s);
        let eval = EvalOptions {
            as_of,
            time_zone: tz,
            segments: Some(&set),
        };
        for (ri, rule) in rules.iter().enumerate() {
            let seg = Segment::parse(rule).unwrap_or_else(|e| panic!("{rule}\n{e:#}"));
            let expected: Vec<String> = data
                .profiles
                .iter()
                .filter(|p| seg.test(p, &eval).unwrap_or_else(|e| panic!("{rule}: {e}")))
                .map(|p| p["id"].as_str().unwrap().to_string())
                .collect();
            let members: Vec<String> = audience
                .members(&seg, &eval, 0, usize::MAX)
                .unwrap_or_else(|e| panic!("{rule}: {e}"))
                .into_iter()
                .map(|id| match id {
                    kaleido::IdValue::String(s) => s,
                    kaleido::IdValue::Number(n) => n.to_string(),
                })
                .collect();
            assert_eq!(
                members, expected,
                "Audience.members differs for {rule} ({})",
                s.name
            );
            let layouts: &[bool] = if json_layout {
                &[false, true]
            } else {
                &[false]
            };
            for &json_props in layouts {
                for (engine, dialect) in engines {
                    let opts = SqlOptions {
                        dialect: *dialect,
                        tables: layout(json_props),
                        as_of,
                        time_zone: tz,
                        segments: Some(&set),
                        schema: Some(&schema),
                    };
                    let sql = to_sql(&seg, &opts).unwrap_or_else(|e| panic!("{rule}\n{e:#}"));
                    let lay = if json_props { "json" } else { "columns" };
                    cases.push(Case {
                        id: format!("{}-{ri}-{lay}-{engine}", s.name),
                        engine,
                        rule: rule.clone(),
                        scenario: s.name,
                        layout: lay,
                        sql,
                        expected: expected.clone(),
                    });
                }
            }
        }
    }
    cases
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kaleido-sql-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes data and queries, runs the engines, and checks every result.
fn run_and_compare(tag: &str, data: &Data, cases: &[Case], engines: &[&str]) {
    let dir = temp_dir(tag);
    let cols = |c: &[(&str, &str)]| -> Value {
        json!(c.iter().map(|(n, t)| json!([n, t])).collect::<Vec<_>>())
    };
    let doc = json!({
        "profile_columns": cols(PROFILE_COLUMNS),
        "event_columns": cols(EVENT_COLUMNS),
        "profiles": data.sql_profiles,
        "events": data.sql_events,
    });
    std::fs::write(dir.join("data.json"), serde_json::to_vec(&doc).unwrap()).unwrap();
    let queries: Vec<Value> = cases
        .iter()
        .map(|c| json!({"id": c.id, "engine": c.engine, "sql": c.sql}))
        .collect();
    std::fs::write(
        dir.join("queries.json"),
        serde_json::to_vec(&queries).unwrap(),
    )
    .unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sql/run_engines.py");
    let output = Command::new(python())
        .arg(&script)
        .arg(&dir)
        .arg(engines.join(","))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): the SQL equivalence tests need Python 3 with `pip install duckdb` \
                 (and `pyspark` for Spark) and Debian's `postgresql`; set KALEIDO_SKIP_SQL_ENGINES=1 to skip",
                python()
            )
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} failed ({}):\n{stderr}\nThe SQL equivalence tests need: `pip install duckdb` (and `pyspark` for \
         Spark), Debian's `postgresql` and `python3`. Set KALEIDO_SKIP_SQL_ENGINES=1 to skip them.",
        script.display(),
        output.status
    );
    let out: Value = serde_json::from_slice(&output.stdout).expect("the engine script prints JSON");
    let results = &out["results"];
    let mut failures = Vec::new();
    for c in cases {
        let r = &results[&c.id];
        let problem = if let Some(err) = r.get("error") {
            Some(format!(
                "engine error: {}",
                err.as_str().unwrap_or_default()
            ))
        } else if let Some(ids) = r.get("ids").and_then(Value::as_array) {
            let got: Vec<String> = ids
                .iter()
                .map(|v| v.as_str().unwrap_or("?").to_string())
                .collect();
            if got != c.expected {
                let missing: Vec<&String> =
                    c.expected.iter().filter(|x| !got.contains(x)).collect();
                let extra: Vec<&String> = got.iter().filter(|x| !c.expected.contains(x)).collect();
                Some(format!(
                    "{} members, evaluator {}; missing {missing:?}, extra {extra:?}",
                    got.len(),
                    c.expected.len()
                ))
            } else {
                None
            }
        } else {
            Some("no result".into())
        };
        if let Some(p) = problem {
            failures.push(format!(
                "[{} {} {} {}] {}\n  {p}\n  SQL: {}",
                c.engine, c.scenario, c.layout, c.id, c.rule, c.sql
            ));
        }
    }
    // The hostile strings must not have touched the tables.
    for engine in engines {
        let t = &out["tables"][engine];
        assert_eq!(
            t["profiles"],
            json!(data.sql_profiles.len()),
            "{engine}: profiles table changed"
        );
        assert_eq!(
            t["events"],
            json!(data.sql_events.len()),
            "{engine}: events table changed"
        );
        assert_eq!(
            t["events_json"],
            json!(data.sql_events.len()),
            "{engine}: events_json changed"
        );
    }
    eprintln!(
        "{tag}: {} queries on {engines:?}, engine seconds {}",
        cases.len(),
        out["seconds"]
    );
    let nonempty = cases.iter().filter(|c| !c.expected.is_empty()).count();
    assert!(
        nonempty * 3 > cases.len(),
        "too few rules select anyone: the data is too thin"
    );
    assert!(
        failures.is_empty(),
        "{} of {} queries disagree with the evaluator:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn all_rules(random: usize, seed: u64) -> Vec<String> {
    let mut rules: Vec<String> = EXAMPLES.iter().map(|s| s.to_string()).collect();
    rules.extend(CONSTRUCTS.iter().map(|s| s.to_string()));
    rules.extend(LOCAL_TIME_RULES.iter().map(|s| s.to_string()));
    rules.extend(nasty_rules());
    let mut rng = Rng(seed);
    for _ in 0..random {
        let r = random_rule(&mut rng, 0);
        // Canonical text: the generator's output must parse.
        let seg = Segment::parse(&r).unwrap_or_else(|e| panic!("generated rule {r}\n{e:#}"));
        rules.push(seg.to_string());
    }
    rules
}

#[test]
fn duckdb_and_postgres_agree_with_the_evaluator() {
    if skip_engines() {
        eprintln!("KALEIDO_SKIP_SQL_ENGINES=1: SQL engine equivalence tests skipped");
        return;
    }
    let data = generate(300, 7);
    let rules = all_rules(150, 11);
    let scenarios: Vec<&Scenario> = SCENARIOS.iter().collect();
    let engines = [("duckdb", Dialect::DuckDb), ("postgres", Dialect::Postgres)];
    let mut cases = build_cases(&rules, &data, &engines, &scenarios, true);
    // `local_time` again at instants on DST switches (no events involved).
    let local: Vec<String> = LOCAL_TIME_RULES.iter().map(|r| r.to_string()).collect();
    let switches: Vec<&Scenario> = LOCAL_TIME_SCENARIOS.iter().collect();
    cases.extend(build_cases(&local, &data, &engines, &switches, false));
    run_and_compare("main", &data, &cases, &["duckdb", "postgres"]);
}

#[test]
#[ignore = "needs pyspark and Java; run by `make test-spark`"]
fn spark_agrees_with_the_evaluator() {
    let data = generate(200, 7);
    let rules = all_rules(40, 11);
    let scenarios: Vec<&Scenario> = vec![&SCENARIOS[0], &SCENARIOS[1]];
    let mut cases = build_cases(
        &rules,
        &data,
        &[("spark", Dialect::Spark)],
        &scenarios,
        true,
    );
    let local: Vec<String> = LOCAL_TIME_RULES.iter().map(|r| r.to_string()).collect();
    cases.extend(build_cases(
        &local,
        &data,
        &[("spark", Dialect::Spark)],
        &[&LOCAL_TIME_SCENARIOS[1], &LOCAL_TIME_SCENARIOS[2]],
        false,
    ));
    run_and_compare("spark", &data, &cases, &["spark"]);
}

// ---------------------------------------------------------------- text-only checks

fn snapshot_opts(dialect: Dialect) -> SqlOptions<'static> {
    let tz = parse_time_zone("Europe/Berlin").unwrap();
    SqlOptions {
        time_zone: tz,
        ..SqlOptions::new(dialect, parse_as_of("2025-03-31T10:00:00Z", tz).unwrap())
    }
}

/// The 16 examples in every dialect: BigQuery and Snowflake are only checked
/// this way (no engine here), the others are also run above.
#[test]
fn examples_sql_snapshot() {
    let schema = schema();
    let set = segment_set();
    for dialect in Dialect::ALL {
        for props in [false, true] {
            let mut text = String::new();
            for rule in EXAMPLES {
                let seg = Segment::parse(rule).unwrap();
                let mut opts = snapshot_opts(dialect);
                opts.tables = layout(props);
                let opts = SqlOptions {
                    schema: Some(&schema),
                    segments: Some(&set),
                    ..opts
                };
                let sql = to_sql(&seg, &opts).unwrap_or_else(|e| panic!("{rule}\n{e:#}"));
                text.push_str(&format!("-- {rule}\n{sql};\n\n"));
            }
            let name = format!(
                "examples_{}_{}",
                dialect.name(),
                if props { "json" } else { "columns" }
            );
            insta::assert_snapshot!(name, text);
        }
    }
}

/// `local_time` in every dialect: the zone lists are long (every zone name
/// chrono-tz knows), so one rule per dialect.
#[test]
fn local_time_sql_snapshot() {
    let schema = schema();
    for dialect in Dialect::ALL {
        let seg = Segment::parse("local_time between 08:00 and 20:00").unwrap();
        let opts = SqlOptions {
            schema: Some(&schema),
            ..snapshot_opts(dialect)
        };
        let sql = to_sql(&seg, &opts).unwrap();
        insta::assert_snapshot!(format!("local_time_{}", dialect.name()), sql);
    }
}

/// The zone lists hold every name the evaluator parses as a zone, once per
/// zone column, and nothing else decides: a name is a zone exactly when it
/// is a chrono-tz variant's name.
#[test]
fn local_time_lists_every_zone_once_per_column() {
    let mut names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    for z in chrono_tz::TZ_VARIANTS {
        assert_eq!(z.name().parse::<Tz>(), Ok(z));
    }
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), chrono_tz::TZ_VARIANTS.len());
    let schema = schema();
    let seg = Segment::parse("local_time between 08:00 and 20:00").unwrap();
    for dialect in Dialect::ALL {
        let opts = SqlOptions {
            schema: Some(&schema),
            ..snapshot_opts(dialect)
        };
        let sql = to_sql(&seg, &opts).unwrap();
        // Zone arms come first, then the country arms (`UPPER(…)`).
        let zones = &sql[..sql.find("UPPER(").unwrap()];
        for name in &names {
            let quoted = format!("'{name}'");
            // Two zone columns in the test schema: `time_zone`, `timezone`.
            assert_eq!(zones.matches(&quoted).count(), 2, "{dialect:?} {name}");
        }
        let tz = sql.find("time_zone").unwrap();
        let tz2 = sql.find("`timezone`").or(sql.find("\"timezone\"")).unwrap();
        assert!(tz < tz2, "time_zone is read before timezone");
    }
}

#[test]
fn every_dialect_compiles_every_construct() {
    let schema = schema();
    let set = segment_set();
    let mut rules: Vec<String> = CONSTRUCTS.iter().map(|s| s.to_string()).collect();
    rules.extend(nasty_rules());
    for dialect in Dialect::ALL {
        for props in [false, true] {
            for rule in &rules {
                let seg = Segment::parse(rule).unwrap();
                let mut opts = snapshot_opts(dialect);
                opts.tables = layout(props);
                let opts = SqlOptions {
                    schema: Some(&schema),
                    segments: Some(&set),
                    ..opts
                };
                let sql = to_sql(&seg, &opts);
                let needs_path = props
                    && matches!(dialect, Dialect::Spark | Dialect::BigQuery)
                    && rule.contains("DROP TABLE events; --\";");
                if !needs_path {
                    let sql = sql.unwrap_or_else(|e| panic!("{dialect:?} {rule}\n{e:#}"));
                    assert!(sql.starts_with("WITH ") || sql.starts_with("SELECT "));
                }
            }
        }
    }
}

#[test]
fn hostile_names_and_values_stay_inside_literals() {
    // Outside its quotes, the SQL holds none of the hostile text.
    let schema = schema();
    for dialect in Dialect::ALL {
        for rule in nasty_rules() {
            let seg = Segment::parse(&rule).unwrap();
            let opts = SqlOptions {
                schema: Some(&schema),
                ..snapshot_opts(dialect)
            };
            let sql = to_sql(&seg, &opts).unwrap();
            let outside = strip_quoted(&sql, dialect);
            assert!(!outside.contains("DROP"), "{dialect:?}: {sql}\n{outside}");
            assert!(!outside.contains("--"), "{dialect:?}: {sql}");
            assert!(!outside.contains('\n'), "{dialect:?}: {sql}");
        }
    }
}

/// The query with every quoted literal and identifier removed, read the way
/// the dialect's lexer reads them.
fn strip_quoted(sql: &str, dialect: Dialect) -> String {
    let mut out = String::new();
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let e_string = dialect == Dialect::Postgres && c == 'E' && chars.get(i + 1) == Some(&'\'');
        if !(c == '\'' || c == '"' || c == '`' || e_string) {
            out.push(c);
            i += 1;
            continue;
        }
        let quote = if e_string { '\'' } else { c };
        // (backslash escapes, doubled quote escapes) inside this kind of quotes.
        let (backslash, doubling) = match (dialect, quote) {
            _ if e_string => (true, true),
            (Dialect::Spark | Dialect::BigQuery, '\'') | (Dialect::BigQuery, '`') => (true, false),
            (Dialect::Snowflake, '\'') => (true, true),
            _ => (false, true),
        };
        i += if e_string { 2 } else { 1 };
        while i < chars.len() {
            if backslash && chars[i] == '\\' {
                i += 2;
                continue;
            }
            if chars[i] == quote {
                if doubling && chars.get(i + 1) == Some(&quote) {
                    i += 2;
                    continue;
                }
                break;
            }
            i += 1;
        }
        i += 1;
        out.push_str("<q>");
    }
    out
}

#[test]
fn errors_name_what_cannot_be_compiled() {
    let as_of = parse_as_of("2025-03-31T10:00:00Z", Tz::UTC).unwrap();
    let opts = SqlOptions::new(Dialect::DuckDb, as_of);
    let e = to_sql(&Segment::parse("tags contains \"x\"").unwrap(), &opts).unwrap_err();
    assert_eq!(e.kind(), kaleido::ErrorKind::Type);
    assert!(e.message().contains("\"tags\""), "{e}");
    let e = to_sql(&Segment::parse("in segment \"vip\"").unwrap(), &opts).unwrap_err();
    assert_eq!(e.kind(), kaleido::ErrorKind::Reference);
    let e = to_sql(&Segment::parse("seen within last 3 days").unwrap(), &opts).unwrap_err();
    assert!(e.message().contains("date or datetime"), "{e}");
    let e = to_sql(&Segment::parse("name = \"a\\u{0}b\"").unwrap(), &opts).unwrap_err();
    assert_eq!(e.kind(), kaleido::ErrorKind::Argument);
    // `local_time` reads `timeZone` (the evaluator's first zone field)
    // without a schema, else the zone fields the schema declares as strings.
    let local = Segment::parse("local_time between 08:00 and 20:00").unwrap();
    let sql = to_sql(&local, &opts).unwrap();
    assert!(
        sql.contains("p.\"timeZone\"") && sql.contains("'Europe/Berlin'"),
        "{sql}"
    );
    assert!(
        !sql.contains("p.\"timezone\"") && !sql.contains("p.\"time_zone\""),
        "{sql}"
    );
    let zones = Schema::from_json(&json!({"timezone": "string", "time_zone": "number"})).unwrap();
    let sql = to_sql(
        &local,
        &SqlOptions {
            schema: Some(&zones),
            ..opts.clone()
        },
    )
    .unwrap();
    assert!(
        sql.contains("p.\"timezone\"") && !sql.contains("p.\"time_zone\""),
        "{sql}"
    );
    assert!(!sql.contains("p.\"timeZone\""), "{sql}");
    // Inferred from the literal when the schema is silent.
    let sql = to_sql(&Segment::parse("age >= 30 and vip").unwrap(), &opts).unwrap();
    assert!(
        sql.contains("(p.\"age\" >= 30)") && sql.contains("(p.\"vip\" = TRUE)"),
        "{sql}"
    );
}
