//! Dates written without going through ICU4X for every value.
//!
//! A date formatter without weekday or time writes a Gregorian date as
//! fixed text around three fields: the day, the month and the year.
//! [`DateShape::learn`] finds those fields in the formatter's own output
//! (what changes when only the day, only the month or only the year
//! changes), keeps the text of every day and month, reads the year as
//! digits, then checks the shape reproduces the formatter on two whole
//! years and dates across the years it covers (1950–2049). A formatter it
//! cannot reproduce exactly gets no shape and keeps formatting every date
//! with ICU4X.

use chrono::{Datelike, NaiveDate};

/// The text of a piece of output, as written and escaped for HTML.
#[derive(Debug, Clone, PartialEq)]
struct Text {
    plain: String,
    html: String,
}

impl Text {
    fn new(plain: String) -> Text {
        let mut html = String::new();
        crate::content::plan::escape_into(&mut html, &plain);
        Text { plain, html }
    }

    fn get(&self, html: bool) -> &str {
        if html {
            &self.html
        } else {
            &self.plain
        }
    }
}

/// One piece of a formatted date.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Fixed(Text),
    Day,
    Month,
    Year,
}

/// How the year is written.
#[derive(Debug, Clone, Copy, PartialEq)]
enum YearForm {
    /// All its digits.
    Full,
    /// The last two, zero-padded.
    TwoDigits,
}

/// How one date formatter writes dates.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DateShape {
    pieces: Vec<Piece>,
    /// The text of days 1–31.
    days: Vec<Text>,
    /// The text of months 1–12.
    months: Vec<Text>,
    year: YearForm,
    glyphs: [char; 10],
}

/// Years outside this range are left to ICU4X: it writes the years
/// 1950–2049 as unambiguous without their century (`yy` patterns) and
/// picks other patterns for years before and after.
const YEARS: std::ops::RangeInclusive<i32> = 1950..=2049;

/// Years the year field is read from.
const PROBE_YEARS: &[i32] = &[2001, 1999, 2010, 1987, 2024, 2049, 1950, 2038, 1966, 2046];

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The part of each text that differs between them: (common prefix
/// length, common suffix length) in chars.
fn common_ends(texts: &[Vec<char>]) -> Option<(usize, usize)> {
    let first = texts.first()?;
    let shortest = texts.iter().map(Vec::len).min()?;
    let prefix = (0..shortest)
        .take_while(|&i| texts.iter().all(|t| t.get(i) == first.get(i)))
        .count();
    let suffix = (0..shortest - prefix)
        .take_while(|&i| {
            let at = |t: &Vec<char>| t.len().checked_sub(i + 1).and_then(|j| t.get(j).copied());
            texts.iter().all(|t| at(t) == at(first))
        })
        .count();
    Some((prefix, suffix))
}

/// The varying text of each of `texts` and where it lies in the first.
fn field(texts: &[Vec<char>]) -> Option<(std::ops::Range<usize>, Vec<String>)> {
    let (prefix, suffix) = common_ends(texts)?;
    let middle = |t: &Vec<char>| -> Option<String> {
        t.get(prefix..t.len().checked_sub(suffix)?)
            .map(|c| c.iter().collect())
    };
    let values = texts.iter().map(middle).collect::<Option<Vec<String>>>()?;
    let first = texts.first()?;
    Some((prefix..first.len() - suffix, values))
}

impl DateShape {
    /// The shape of `format` (a date formatter: ICU4X's text for a date),
    /// or `None` when its output does not follow one.
    pub(super) fn learn(format: impl Fn(NaiveDate) -> Option<String>) -> Option<DateShape> {
        let chars = |d: NaiveDate| format(d).map(|s| s.chars().collect::<Vec<char>>());
        // The base date 2001-01-11 is in all three lists (first).
        let days: Vec<Vec<char>> = std::iter::once(11)
            .chain((1..=31).filter(|&d| d != 11))
            .map(|d| date(2001, 1, d).and_then(chars))
            .collect::<Option<_>>()?;
        let months: Vec<Vec<char>> = (1..=12)
            .map(|m| date(2001, m, 11).and_then(chars))
            .collect::<Option<_>>()?;
        let years: Vec<Vec<char>> = PROBE_YEARS
            .iter()
            .map(|&y| date(y, 1, 11).and_then(chars))
            .collect::<Option<_>>()?;
        let base = days.first()?.clone();
        let (day_at, mut day_texts) = field(&days)?;
        let (month_at, month_texts) = field(&months)?;
        let (year_at, year_texts) = field(&years)?;
        // Day 11 was first: put the days in order 1–31.
        let eleven = day_texts.remove(0);
        day_texts.insert(10, eleven);

        // The fields in the order they are written, and the text between.
        let mut fields = [
            (day_at, Piece::Day),
            (month_at, Piece::Month),
            (year_at, Piece::Year),
        ];
        fields.sort_by_key(|(at, _)| at.start);
        let mut pieces = Vec::new();
        let mut end = 0;
        for (at, piece) in fields {
            if at.start < end || at.is_empty() {
                return None;
            }
            let fixed: String = base.get(end..at.start)?.iter().collect();
            if !fixed.is_empty() {
                pieces.push(Piece::Fixed(Text::new(fixed)));
            }
            pieces.push(piece);
            end = at.end;
        }
        let rest: String = base.get(end..)?.iter().collect();
        if !rest.is_empty() {
            pieces.push(Piece::Fixed(Text::new(rest)));
        }

        // Digit glyphs from the days (1–9, and 10 for zero), padded or not.
        let mut glyphs = ['0'; 10];
        let ten: Vec<char> = day_texts.get(9)?.chars().collect();
        glyphs[0] = *ten.get(1)?;
        for (d, glyph) in glyphs.iter_mut().enumerate().skip(1) {
            let text: Vec<char> = day_texts.get(d - 1)?.chars().collect();
            *glyph = match text.as_slice() {
                [g] => *g,
                [pad, g] if *pad == ten.get(1).copied()? => *g,
                _ => return None,
            };
        }
        let year = [YearForm::Full, YearForm::TwoDigits]
            .into_iter()
            .find(|&form| {
                PROBE_YEARS.iter().zip(&year_texts).all(|(&y, text)| {
                    let mut s = String::new();
                    write_year(&mut s, y, form, &glyphs);
                    s == *text
                })
            })?;
        let shape = DateShape {
            pieces,
            days: day_texts.into_iter().map(Text::new).collect(),
            months: month_texts.into_iter().map(Text::new).collect(),
            year,
            glyphs,
        };
        // Check: two whole years (one leap) and dates across centuries.
        let mut checks: Vec<NaiveDate> = [2001, 2024]
            .iter()
            .flat_map(|&y| {
                (0..366).filter_map(move |i| date(y, 1, 1)?.checked_add_days(chrono::Days::new(i)))
            })
            .collect();
        checks.extend(
            (0..200)
                .filter_map(|i| date(1950 + i / 2, 1 + (i % 12) as u32, 1 + (i * 7 % 28) as u32)),
        );
        checks.extend([date(1950, 1, 1)?, date(2049, 12, 31)?]);
        let reproduced = checks.into_iter().all(|d| {
            let mut got = String::new();
            shape.write(&mut got, d, false) && Some(got) == format(d)
        });
        reproduced.then_some(shape)
    }

    /// Appends `date` as the formatter writes it (fixed text escaped for
    /// HTML when `html`); `false` (nothing written) for years outside
    /// 1950–2049, which are left to ICU4X.
    pub(super) fn write(&self, out: &mut String, date: NaiveDate, html: bool) -> bool {
        if !YEARS.contains(&date.year()) {
            return false;
        }
        let (Some(day), Some(month)) = (
            self.days.get(date.day0() as usize),
            self.months.get(date.month0() as usize),
        ) else {
            return false;
        };
        for piece in &self.pieces {
            match piece {
                Piece::Fixed(text) => out.push_str(text.get(html)),
                Piece::Day => out.push_str(day.get(html)),
                Piece::Month => out.push_str(month.get(html)),
                Piece::Year => write_year(out, date.year(), self.year, &self.glyphs),
            }
        }
        true
    }
}

/// Appends year `y` (1950–2049) in `form` with `glyphs`.
fn write_year(out: &mut String, y: i32, form: YearForm, glyphs: &[char; 10]) {
    let y = y.unsigned_abs();
    let digits: &[u32] = match form {
        YearForm::Full => &[y / 1000 % 10, y / 100 % 10, y / 10 % 10, y % 10],
        YearForm::TwoDigits => &[y / 10 % 10, y % 10],
    };
    for &d in digits {
        out.push(glyphs.get(d as usize).copied().unwrap_or('0'));
    }
}
