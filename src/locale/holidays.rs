//! Holidays per country and seasons by hemisphere.
//!
//! Every holiday has a stable id (`christmas`, `lunar_new_year`, `eid_al_fitr`…),
//! an English name and a name in the country's language. Rules are computed,
//! not listed, for any year 2000–2050: fixed dates, Easter-based dates
//! (Gregorian computus), nth weekdays, and dates in the Chinese, Korean
//! (Dangi), Vietnamese, Hebrew and Islamic (Umm al-Qura) calendars. Islamic
//! observance depends on moon sighting, so those dates are `estimated`. Diwali
//! and Holi follow the Hindu lunisolar calendar and are computed from the Sun
//! and Moon for New Delhi (`super::hindu`). docs/locale.md gives the source of
//! every rule.

use calendrical_calculations::chinese_based::{self, ChineseBased, YearBounds};
use calendrical_calculations::gregorian::{fixed_from_gregorian, gregorian_from_fixed};
use calendrical_calculations::rata_die::RataDie;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use icu_calendar::cal::Hijri;
use icu_calendar::types::Month;
use icu_calendar::{AsCalendar, Date, Iso};
use serde::Serialize;

use super::hindu;
use crate::error::{Error, ErrorKind, Result};

/// The first and last years holidays are computed for.
pub const HOLIDAY_YEARS: (i32, i32) = (2000, 2050);

/// The countries with holiday data (ISO 3166-1 alpha-2).
pub const HOLIDAY_COUNTRIES: &[&str] = &[
    "US", "GB", "DE", "FR", "CN", "VN", "KR", "JP", "IN", "BR", "SA", "IL", "UZ", "AU",
];

/// One holiday on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Holiday {
    /// The date (`YYYY-MM-DD`, Gregorian). Jewish and Islamic days begin at
    /// the sunset before; this is the daytime date.
    pub date: NaiveDate,
    /// Stable id (`christmas`, `mid_autumn`).
    pub id: &'static str,
    /// English name.
    pub name: &'static str,
    /// Name in the country's language.
    pub local_name: &'static str,
    /// True when the date depends on an observation (moon sighting) and may
    /// move by a day or two.
    pub estimated: bool,
    /// Subdivisions (ISO 3166-2 suffixes: `BY`, `SCT`) it is limited to;
    /// empty when national.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub regions: &'static [&'static str],
}

/// How a holiday's date is found in a given Gregorian year.
#[derive(Clone, Copy)]
enum Rule {
    /// Month and day.
    Fixed(u32, u32),
    /// The nth weekday of a month (`n` < 0 counts from the end: -1 is the last).
    Nth(u32, Weekday, i32),
    /// Days after Easter Sunday (Gregorian computus; negative: before).
    Easter(i64),
    /// Month and day in the Chinese calendar (UTC+8).
    Chinese(u8, u8),
    /// Month and day in the Korean Dangi calendar (UTC+9).
    Dangi(u8, u8),
    /// Month and day in the Vietnamese calendar (the Chinese rules at UTC+7).
    Vietnamese(u8, u8),
    /// Month (ICU4X code number: 1 Tishrei … 6 Adar/Adar II, 7 Nisan … 12 Elul) and day.
    Hebrew(u8, u8),
    /// Month and day in the Umm al-Qura Islamic calendar (estimated).
    Hijri(u8, u8),
    /// Anything else.
    Custom(fn(i32) -> Option<NaiveDate>),
}

struct Def {
    id: &'static str,
    name: &'static str,
    local: &'static str,
    rule: Rule,
    /// Years it exists (inclusive).
    years: (i32, i32),
    regions: &'static [&'static str],
}

const ALWAYS: (i32, i32) = (i32::MIN, i32::MAX);

const fn d(id: &'static str, name: &'static str, local: &'static str, rule: Rule) -> Def {
    Def {
        id,
        name,
        local,
        rule,
        years: ALWAYS,
        regions: &[],
    }
}

const fn since(mut def: Def, first: i32) -> Def {
    def.years.0 = first;
    def
}

const fn until(mut def: Def, last: i32) -> Def {
    def.years.1 = last;
    def
}

const fn only(mut def: Def, regions: &'static [&'static str]) -> Def {
    def.regions = regions;
    def
}

use Rule::{Chinese, Custom, Dangi, Easter, Fixed, Hebrew, Hijri as Islamic, Nth, Vietnamese};
use Weekday::{Mon, Sun, Thu};

const US: &[Def] = &[
    d("new_year", "New Year's Day", "New Year's Day", Fixed(1, 1)),
    d(
        "martin_luther_king_day",
        "Martin Luther King Jr. Day",
        "Martin Luther King Jr. Day",
        Nth(1, Mon, 3),
    ),
    d(
        "valentines_day",
        "Valentine's Day",
        "Valentine's Day",
        Fixed(2, 14),
    ),
    d(
        "presidents_day",
        "Presidents' Day",
        "Washington's Birthday",
        Nth(2, Mon, 3),
    ),
    d("easter", "Easter Sunday", "Easter Sunday", Easter(0)),
    d(
        "mothers_day",
        "Mother's Day",
        "Mother's Day",
        Nth(5, Sun, 2),
    ),
    d(
        "memorial_day",
        "Memorial Day",
        "Memorial Day",
        Nth(5, Mon, -1),
    ),
    d(
        "fathers_day",
        "Father's Day",
        "Father's Day",
        Nth(6, Sun, 3),
    ),
    since(
        d(
            "juneteenth",
            "Juneteenth",
            "Juneteenth National Independence Day",
            Fixed(6, 19),
        ),
        2021,
    ),
    d(
        "independence_day",
        "Independence Day",
        "Independence Day",
        Fixed(7, 4),
    ),
    d("labor_day", "Labor Day", "Labor Day", Nth(9, Mon, 1)),
    d(
        "columbus_day",
        "Columbus Day",
        "Columbus Day",
        Nth(10, Mon, 2),
    ),
    d("halloween", "Halloween", "Halloween", Fixed(10, 31)),
    d(
        "veterans_day",
        "Veterans Day",
        "Veterans Day",
        Fixed(11, 11),
    ),
    d(
        "thanksgiving",
        "Thanksgiving",
        "Thanksgiving Day",
        Nth(11, Thu, 4),
    ),
    d(
        "black_friday",
        "Black Friday",
        "Black Friday",
        Custom(black_friday),
    ),
    d(
        "christmas_eve",
        "Christmas Eve",
        "Christmas Eve",
        Fixed(12, 24),
    ),
    d("christmas", "Christmas Day", "Christmas Day", Fixed(12, 25)),
    d(
        "new_years_eve",
        "New Year's Eve",
        "New Year's Eve",
        Fixed(12, 31),
    ),
];

const GB: &[Def] = &[
    d("new_year", "New Year's Day", "New Year's Day", Fixed(1, 1)),
    only(
        d("new_year_2", "2nd January", "2nd January", Fixed(1, 2)),
        &["SCT"],
    ),
    d(
        "valentines_day",
        "Valentine's Day",
        "Valentine's Day",
        Fixed(2, 14),
    ),
    only(
        d(
            "st_patricks_day",
            "St Patrick's Day",
            "St Patrick's Day",
            Fixed(3, 17),
        ),
        &["NIR"],
    ),
    d(
        "mothers_day",
        "Mothering Sunday",
        "Mothering Sunday",
        Easter(-21),
    ),
    d("good_friday", "Good Friday", "Good Friday", Easter(-2)),
    d("easter", "Easter Sunday", "Easter Sunday", Easter(0)),
    only(
        d("easter_monday", "Easter Monday", "Easter Monday", Easter(1)),
        &["ENG", "WLS", "NIR"],
    ),
    d(
        "early_may_bank_holiday",
        "Early May bank holiday",
        "Early May bank holiday",
        Nth(5, Mon, 1),
    ),
    d(
        "spring_bank_holiday",
        "Spring bank holiday",
        "Spring bank holiday",
        Nth(5, Mon, -1),
    ),
    d(
        "fathers_day",
        "Father's Day",
        "Father's Day",
        Nth(6, Sun, 3),
    ),
    only(
        d(
            "battle_of_the_boyne",
            "Battle of the Boyne",
            "Battle of the Boyne (Orangemen's Day)",
            Fixed(7, 12),
        ),
        &["NIR"],
    ),
    only(
        d(
            "summer_bank_holiday",
            "Summer bank holiday",
            "Summer bank holiday",
            Nth(8, Mon, 1),
        ),
        &["SCT"],
    ),
    only(
        d(
            "summer_bank_holiday",
            "Summer bank holiday",
            "Summer bank holiday",
            Nth(8, Mon, -1),
        ),
        &["ENG", "WLS", "NIR"],
    ),
    d("halloween", "Halloween", "Halloween", Fixed(10, 31)),
    d(
        "bonfire_night",
        "Bonfire Night",
        "Guy Fawkes Night",
        Fixed(11, 5),
    ),
    only(
        d(
            "st_andrews_day",
            "St Andrew's Day",
            "St Andrew's Day",
            Fixed(11, 30),
        ),
        &["SCT"],
    ),
    d(
        "christmas_eve",
        "Christmas Eve",
        "Christmas Eve",
        Fixed(12, 24),
    ),
    d("christmas", "Christmas Day", "Christmas Day", Fixed(12, 25)),
    d("boxing_day", "Boxing Day", "Boxing Day", Fixed(12, 26)),
    d("new_years_eve", "New Year's Eve", "Hogmanay", Fixed(12, 31)),
];

const DE: &[Def] = &[
    d("new_year", "New Year's Day", "Neujahr", Fixed(1, 1)),
    only(
        d("epiphany", "Epiphany", "Heilige Drei Könige", Fixed(1, 6)),
        &["BW", "BY", "ST"],
    ),
    d(
        "valentines_day",
        "Valentine's Day",
        "Valentinstag",
        Fixed(2, 14),
    ),
    only(
        since(
            d(
                "womens_day",
                "International Women's Day",
                "Internationaler Frauentag",
                Fixed(3, 8),
            ),
            2019,
        ),
        &["BE"],
    ),
    d("good_friday", "Good Friday", "Karfreitag", Easter(-2)),
    d("easter", "Easter Sunday", "Ostersonntag", Easter(0)),
    d("easter_monday", "Easter Monday", "Ostermontag", Easter(1)),
    d("labour_day", "Labour Day", "Tag der Arbeit", Fixed(5, 1)),
    d("mothers_day", "Mother's Day", "Muttertag", Nth(5, Sun, 2)),
    d(
        "ascension",
        "Ascension Day",
        "Christi Himmelfahrt",
        Easter(39),
    ),
    d("whit_monday", "Whit Monday", "Pfingstmontag", Easter(50)),
    only(
        d(
            "corpus_christi",
            "Corpus Christi",
            "Fronleichnam",
            Easter(60),
        ),
        &["BW", "BY", "HE", "NW", "RP", "SL"],
    ),
    only(
        d(
            "assumption",
            "Assumption Day",
            "Mariä Himmelfahrt",
            Fixed(8, 15),
        ),
        &["SL"],
    ),
    d(
        "german_unity_day",
        "Day of German Unity",
        "Tag der Deutschen Einheit",
        Fixed(10, 3),
    ),
    only(
        d(
            "reformation_day",
            "Reformation Day",
            "Reformationstag",
            Fixed(10, 31),
        ),
        &["BB", "MV", "SN", "ST", "TH", "HB", "HH", "NI", "SH"],
    ),
    only(
        d(
            "all_saints",
            "All Saints' Day",
            "Allerheiligen",
            Fixed(11, 1),
        ),
        &["BW", "BY", "NW", "RP", "SL"],
    ),
    d(
        "christmas_eve",
        "Christmas Eve",
        "Heiligabend",
        Fixed(12, 24),
    ),
    d(
        "christmas",
        "Christmas Day",
        "Erster Weihnachtstag",
        Fixed(12, 25),
    ),
    d(
        "st_stephens_day",
        "St Stephen's Day",
        "Zweiter Weihnachtstag",
        Fixed(12, 26),
    ),
    d(
        "new_years_eve",
        "New Year's Eve",
        "Silvester",
        Fixed(12, 31),
    ),
];

const FR: &[Def] = &[
    d("new_year", "New Year's Day", "Jour de l'an", Fixed(1, 1)),
    d(
        "valentines_day",
        "Valentine's Day",
        "Saint-Valentin",
        Fixed(2, 14),
    ),
    d("easter", "Easter Sunday", "Pâques", Easter(0)),
    d(
        "easter_monday",
        "Easter Monday",
        "Lundi de Pâques",
        Easter(1),
    ),
    d("labour_day", "Labour Day", "Fête du Travail", Fixed(5, 1)),
    d(
        "victory_day",
        "Victory in Europe Day",
        "Victoire 1945",
        Fixed(5, 8),
    ),
    d("ascension", "Ascension Day", "Ascension", Easter(39)),
    d(
        "whit_monday",
        "Whit Monday",
        "Lundi de Pentecôte",
        Easter(50),
    ),
    d(
        "mothers_day",
        "Mother's Day",
        "Fête des mères",
        Custom(fr_mothers_day),
    ),
    d(
        "fathers_day",
        "Father's Day",
        "Fête des pères",
        Nth(6, Sun, 3),
    ),
    d(
        "bastille_day",
        "Bastille Day",
        "Fête nationale",
        Fixed(7, 14),
    ),
    d("assumption", "Assumption Day", "Assomption", Fixed(8, 15)),
    d("all_saints", "All Saints' Day", "Toussaint", Fixed(11, 1)),
    d(
        "armistice_day",
        "Armistice Day",
        "Armistice 1918",
        Fixed(11, 11),
    ),
    d("christmas", "Christmas Day", "Noël", Fixed(12, 25)),
    d(
        "new_years_eve",
        "New Year's Eve",
        "Saint-Sylvestre",
        Fixed(12, 31),
    ),
];

const CN: &[Def] = &[
    d("new_year", "New Year's Day", "元旦", Fixed(1, 1)),
    d("lunar_new_year", "Chinese New Year", "春节", Chinese(1, 1)),
    d(
        "lantern_festival",
        "Lantern Festival",
        "元宵节",
        Chinese(1, 15),
    ),
    d("valentines_day", "Valentine's Day", "情人节", Fixed(2, 14)),
    d(
        "womens_day",
        "International Women's Day",
        "国际妇女节",
        Fixed(3, 8),
    ),
    d("labour_day", "Labour Day", "劳动节", Fixed(5, 1)),
    d(
        "dragon_boat",
        "Dragon Boat Festival",
        "端午节",
        Chinese(5, 5),
    ),
    d("qixi", "Qixi Festival", "七夕节", Chinese(7, 7)),
    d(
        "mid_autumn",
        "Mid-Autumn Festival",
        "中秋节",
        Chinese(8, 15),
    ),
    d("national_day", "National Day", "国庆节", Fixed(10, 1)),
    d(
        "double_ninth",
        "Double Ninth Festival",
        "重阳节",
        Chinese(9, 9),
    ),
    d("singles_day", "Singles' Day", "双十一", Fixed(11, 11)),
    d("christmas", "Christmas Day", "圣诞节", Fixed(12, 25)),
];

const VN: &[Def] = &[
    d("new_year", "New Year's Day", "Tết Dương lịch", Fixed(1, 1)),
    d(
        "tet",
        "Tet (Lunar New Year)",
        "Tết Nguyên Đán",
        Vietnamese(1, 1),
    ),
    d(
        "lunar_new_year",
        "Lunar New Year",
        "Tết Nguyên Đán",
        Vietnamese(1, 1),
    ),
    d(
        "valentines_day",
        "Valentine's Day",
        "Ngày Lễ Tình nhân",
        Fixed(2, 14),
    ),
    d(
        "womens_day",
        "International Women's Day",
        "Ngày Quốc tế Phụ nữ",
        Fixed(3, 8),
    ),
    d(
        "hung_kings",
        "Hung Kings' Commemoration",
        "Giỗ Tổ Hùng Vương",
        Vietnamese(3, 10),
    ),
    d(
        "reunification_day",
        "Reunification Day",
        "Ngày Giải phóng miền Nam",
        Fixed(4, 30),
    ),
    d(
        "labour_day",
        "Labour Day",
        "Ngày Quốc tế Lao động",
        Fixed(5, 1),
    ),
    d("national_day", "National Day", "Quốc khánh", Fixed(9, 2)),
    d(
        "mid_autumn",
        "Mid-Autumn Festival",
        "Tết Trung thu",
        Vietnamese(8, 15),
    ),
    d(
        "vietnamese_womens_day",
        "Vietnamese Women's Day",
        "Ngày Phụ nữ Việt Nam",
        Fixed(10, 20),
    ),
    d(
        "teachers_day",
        "Teachers' Day",
        "Ngày Nhà giáo Việt Nam",
        Fixed(11, 20),
    ),
    d("christmas", "Christmas Day", "Lễ Giáng sinh", Fixed(12, 25)),
];

const KR: &[Def] = &[
    d("new_year", "New Year's Day", "신정", Fixed(1, 1)),
    d("seollal", "Seollal (Lunar New Year)", "설날", Dangi(1, 1)),
    d("lunar_new_year", "Lunar New Year", "설날", Dangi(1, 1)),
    d(
        "valentines_day",
        "Valentine's Day",
        "밸런타인데이",
        Fixed(2, 14),
    ),
    d(
        "independence_movement_day",
        "Independence Movement Day",
        "삼일절",
        Fixed(3, 1),
    ),
    d("childrens_day", "Children's Day", "어린이날", Fixed(5, 5)),
    d(
        "buddhas_birthday",
        "Buddha's Birthday",
        "부처님 오신 날",
        Dangi(4, 8),
    ),
    d("memorial_day", "Memorial Day", "현충일", Fixed(6, 6)),
    d("liberation_day", "Liberation Day", "광복절", Fixed(8, 15)),
    d("chuseok", "Chuseok", "추석", Dangi(8, 15)),
    d("mid_autumn", "Chuseok (Mid-Autumn)", "추석", Dangi(8, 15)),
    d(
        "national_foundation_day",
        "National Foundation Day",
        "개천절",
        Fixed(10, 3),
    ),
    d("hangul_day", "Hangul Day", "한글날", Fixed(10, 9)),
    d("christmas", "Christmas Day", "크리스마스", Fixed(12, 25)),
];

const JP: &[Def] = &[
    d("new_year", "New Year's Day", "元日", Fixed(1, 1)),
    d(
        "coming_of_age_day",
        "Coming of Age Day",
        "成人の日",
        Nth(1, Mon, 2),
    ),
    d(
        "national_foundation_day",
        "National Foundation Day",
        "建国記念の日",
        Fixed(2, 11),
    ),
    d(
        "valentines_day",
        "Valentine's Day",
        "バレンタインデー",
        Fixed(2, 14),
    ),
    since(
        d(
            "emperors_birthday",
            "The Emperor's Birthday",
            "天皇誕生日",
            Fixed(2, 23),
        ),
        2020,
    ),
    d(
        "vernal_equinox",
        "Vernal Equinox Day",
        "春分の日",
        Custom(jp_vernal_equinox),
    ),
    until(
        d("greenery_day", "Greenery Day", "みどりの日", Fixed(4, 29)),
        2006,
    ),
    since(d("showa_day", "Showa Day", "昭和の日", Fixed(4, 29)), 2007),
    d(
        "constitution_day",
        "Constitution Memorial Day",
        "憲法記念日",
        Fixed(5, 3),
    ),
    since(
        d("greenery_day", "Greenery Day", "みどりの日", Fixed(5, 4)),
        2007,
    ),
    d("childrens_day", "Children's Day", "こどもの日", Fixed(5, 5)),
    d("tanabata", "Tanabata", "七夕", Fixed(7, 7)),
    d("marine_day", "Marine Day", "海の日", Custom(jp_marine_day)),
    d(
        "mountain_day",
        "Mountain Day",
        "山の日",
        Custom(jp_mountain_day),
    ),
    d(
        "respect_for_the_aged_day",
        "Respect for the Aged Day",
        "敬老の日",
        Custom(jp_respect_for_aged),
    ),
    d(
        "autumnal_equinox",
        "Autumnal Equinox Day",
        "秋分の日",
        Custom(jp_autumnal_equinox),
    ),
    d(
        "sports_day",
        "Sports Day",
        "スポーツの日",
        Custom(jp_sports_day),
    ),
    d("culture_day", "Culture Day", "文化の日", Fixed(11, 3)),
    d(
        "labour_thanksgiving_day",
        "Labour Thanksgiving Day",
        "勤労感謝の日",
        Fixed(11, 23),
    ),
    until(
        d(
            "emperors_birthday",
            "The Emperor's Birthday",
            "天皇誕生日",
            Fixed(12, 23),
        ),
        2018,
    ),
    d("christmas", "Christmas Day", "クリスマス", Fixed(12, 25)),
    d("new_years_eve", "New Year's Eve", "大晦日", Fixed(12, 31)),
];

/// Holi (Rangwali Holi, the day after Holika Dahan), computed for New Delhi.
fn holi(year: i32) -> Option<NaiveDate> {
    hindu::holi(year).map(|c| c.date)
}

/// Diwali (Lakshmi Puja on Kartika Amavasya), computed for New Delhi.
fn diwali(year: i32) -> Option<NaiveDate> {
    hindu::diwali(year).map(|c| c.date)
}

const IN: &[Def] = &[
    d("new_year", "New Year's Day", "नव वर्ष", Fixed(1, 1)),
    d("republic_day", "Republic Day", "गणतंत्र दिवस", Fixed(1, 26)),
    d("holi", "Holi", "होली", Custom(holi)),
    d("eid_al_fitr", "Eid al-Fitr", "ईद उल-फ़ित्र", Islamic(10, 1)),
    d("eid_al_adha", "Eid al-Adha", "ईद उल-अज़हा", Islamic(12, 10)),
    d(
        "independence_day",
        "Independence Day",
        "स्वतंत्रता दिवस",
        Fixed(8, 15),
    ),
    d(
        "gandhi_jayanti",
        "Gandhi Jayanti",
        "गांधी जयंती",
        Fixed(10, 2),
    ),
    d("diwali", "Diwali", "दीपावली", Custom(diwali)),
    d("christmas", "Christmas Day", "क्रिसमस", Fixed(12, 25)),
];

const BR: &[Def] = &[
    d(
        "new_year",
        "New Year's Day",
        "Confraternização Universal",
        Fixed(1, 1),
    ),
    d("carnival", "Carnival", "Carnaval", Easter(-47)),
    d(
        "good_friday",
        "Good Friday",
        "Sexta-feira Santa",
        Easter(-2),
    ),
    d("easter", "Easter Sunday", "Páscoa", Easter(0)),
    d("tiradentes", "Tiradentes' Day", "Tiradentes", Fixed(4, 21)),
    d(
        "labour_day",
        "Labour Day",
        "Dia do Trabalhador",
        Fixed(5, 1),
    ),
    d(
        "mothers_day",
        "Mother's Day",
        "Dia das Mães",
        Nth(5, Sun, 2),
    ),
    d(
        "corpus_christi",
        "Corpus Christi",
        "Corpus Christi",
        Easter(60),
    ),
    d(
        "valentines_day",
        "Brazilian Valentine's Day",
        "Dia dos Namorados",
        Fixed(6, 12),
    ),
    d(
        "fathers_day",
        "Father's Day",
        "Dia dos Pais",
        Nth(8, Sun, 2),
    ),
    d(
        "independence_day",
        "Independence Day",
        "Independência do Brasil",
        Fixed(9, 7),
    ),
    d(
        "our_lady_of_aparecida",
        "Our Lady of Aparecida",
        "Nossa Senhora Aparecida",
        Fixed(10, 12),
    ),
    d(
        "childrens_day",
        "Children's Day",
        "Dia das Crianças",
        Fixed(10, 12),
    ),
    d("all_souls_day", "All Souls' Day", "Finados", Fixed(11, 2)),
    d(
        "republic_day",
        "Republic Proclamation Day",
        "Proclamação da República",
        Fixed(11, 15),
    ),
    since(
        d(
            "black_consciousness_day",
            "Black Consciousness Day",
            "Dia Nacional de Zumbi e da Consciência Negra",
            Fixed(11, 20),
        ),
        2024,
    ),
    d("christmas", "Christmas Day", "Natal", Fixed(12, 25)),
];

const SA: &[Def] = &[
    since(
        d("founding_day", "Founding Day", "يوم التأسيس", Fixed(2, 22)),
        2022,
    ),
    d(
        "islamic_new_year",
        "Islamic New Year",
        "رأس السنة الهجرية",
        Islamic(1, 1),
    ),
    d(
        "ramadan",
        "Start of Ramadan",
        "بداية شهر رمضان",
        Islamic(9, 1),
    ),
    d("eid_al_fitr", "Eid al-Fitr", "عيد الفطر", Islamic(10, 1)),
    d("arafat_day", "Day of Arafah", "يوم عرفة", Islamic(12, 9)),
    d("eid_al_adha", "Eid al-Adha", "عيد الأضحى", Islamic(12, 10)),
    d(
        "national_day",
        "Saudi National Day",
        "اليوم الوطني السعودي",
        Fixed(9, 23),
    ),
];

const IL: &[Def] = &[
    d("tu_bishvat", "Tu BiShvat", "ט״ו בשבט", Hebrew(5, 15)),
    d("purim", "Purim", "פורים", Hebrew(6, 14)),
    d("passover", "Passover", "פסח", Hebrew(7, 15)),
    d(
        "independence_day",
        "Independence Day",
        "יום העצמאות",
        Custom(il_independence_day),
    ),
    d("lag_baomer", "Lag BaOmer", "ל״ג בעומר", Hebrew(8, 18)),
    d("shavuot", "Shavuot", "שבועות", Hebrew(9, 6)),
    d("tisha_bav", "Tisha B'Av", "תשעה באב", Custom(il_tisha_bav)),
    d("rosh_hashanah", "Rosh Hashanah", "ראש השנה", Hebrew(1, 1)),
    d("yom_kippur", "Yom Kippur", "יום כיפור", Hebrew(1, 10)),
    d("sukkot", "Sukkot", "סוכות", Hebrew(1, 15)),
    d("simchat_torah", "Simchat Torah", "שמחת תורה", Hebrew(1, 22)),
    d("hanukkah", "Hanukkah", "חנוכה", Hebrew(3, 25)),
];

const UZ: &[Def] = &[
    d("new_year", "New Year's Day", "Yangi yil", Fixed(1, 1)),
    d(
        "defenders_day",
        "Defenders of the Motherland Day",
        "Vatan himoyachilari kuni",
        Fixed(1, 14),
    ),
    d(
        "womens_day",
        "International Women's Day",
        "Xalqaro xotin-qizlar kuni",
        Fixed(3, 8),
    ),
    d("navruz", "Navruz", "Navro‘z bayrami", Fixed(3, 21)),
    d(
        "eid_al_fitr",
        "Eid al-Fitr",
        "Ramazon hayiti",
        Islamic(10, 1),
    ),
    d(
        "eid_al_adha",
        "Eid al-Adha",
        "Qurbon hayiti",
        Islamic(12, 10),
    ),
    d(
        "remembrance_day",
        "Day of Remembrance and Honour",
        "Xotira va qadrlash kuni",
        Fixed(5, 9),
    ),
    d(
        "independence_day",
        "Independence Day",
        "Mustaqillik kuni",
        Fixed(9, 1),
    ),
    d(
        "teachers_day",
        "Teachers' Day",
        "O‘qituvchi va murabbiylar kuni",
        Fixed(10, 1),
    ),
    d(
        "constitution_day",
        "Constitution Day",
        "Konstitutsiya kuni",
        Fixed(12, 8),
    ),
];

const AU: &[Def] = &[
    d("new_year", "New Year's Day", "New Year's Day", Fixed(1, 1)),
    d(
        "australia_day",
        "Australia Day",
        "Australia Day",
        Fixed(1, 26),
    ),
    d(
        "valentines_day",
        "Valentine's Day",
        "Valentine's Day",
        Fixed(2, 14),
    ),
    d("good_friday", "Good Friday", "Good Friday", Easter(-2)),
    d("easter", "Easter Sunday", "Easter Sunday", Easter(0)),
    d("easter_monday", "Easter Monday", "Easter Monday", Easter(1)),
    d("anzac_day", "Anzac Day", "Anzac Day", Fixed(4, 25)),
    d(
        "mothers_day",
        "Mother's Day",
        "Mother's Day",
        Nth(5, Sun, 2),
    ),
    only(
        until(
            d(
                "monarchs_birthday",
                "Queen's Birthday",
                "Queen's Birthday",
                Nth(6, Mon, 2),
            ),
            2022,
        ),
        &["ACT", "NSW", "NT", "SA", "TAS", "VIC"],
    ),
    only(
        since(
            d(
                "monarchs_birthday",
                "King's Birthday",
                "King's Birthday",
                Nth(6, Mon, 2),
            ),
            2023,
        ),
        &["ACT", "NSW", "NT", "SA", "TAS", "VIC"],
    ),
    d(
        "fathers_day",
        "Father's Day",
        "Father's Day",
        Nth(9, Sun, 1),
    ),
    d("christmas", "Christmas Day", "Christmas Day", Fixed(12, 25)),
    d("boxing_day", "Boxing Day", "Boxing Day", Fixed(12, 26)),
    d(
        "new_years_eve",
        "New Year's Eve",
        "New Year's Eve",
        Fixed(12, 31),
    ),
];

fn table(country: &str) -> Option<&'static [Def]> {
    Some(match country {
        "US" => US,
        "GB" | "UK" => GB,
        "DE" => DE,
        "FR" => FR,
        "CN" => CN,
        "VN" => VN,
        "KR" => KR,
        "JP" => JP,
        "IN" => IN,
        "BR" => BR,
        "SA" => SA,
        "IL" => IL,
        "UZ" => UZ,
        "AU" => AU,
        _ => return None,
    })
}

// ------------------------------------------------------------------ rules

fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The nth `weekday` of a month (`n` < 0: from the end).
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: i32) -> Option<NaiveDate> {
    if n > 0 {
        let u8n = u8::try_from(n).ok()?;
        NaiveDate::from_weekday_of_month_opt(year, month, weekday, u8n)
    } else {
        let first_next = if month == 12 {
            ymd(year + 1, 1, 1)?
        } else {
            ymd(year, month + 1, 1)?
        };
        let last = first_next.pred_opt()?;
        let back = (7 + last.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
        let last_wd = last - Duration::days(i64::from(back));
        Some(last_wd - Duration::weeks(i64::from(-n - 1)))
    }
}

/// Easter Sunday (Gregorian; anonymous "Meeus/Jones/Butcher" computus).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    ymd(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

fn iso_to_naive<A: AsCalendar>(date: &Date<A>) -> Option<NaiveDate> {
    let iso = date.to_calendar(Iso);
    ymd(
        iso.year().extended_year(),
        u32::from(iso.month().ordinal),
        u32::from(iso.day_of_month().0),
    )
}

/// Dates in Gregorian `year` of a calendar date given per calendar year,
/// trying the calendar years that overlap it.
fn in_year(year: i32, candidates: impl Iterator<Item = Option<NaiveDate>>) -> Vec<NaiveDate> {
    let mut out: Vec<NaiveDate> = candidates.flatten().filter(|d| d.year() == year).collect();
    out.sort();
    out.dedup();
    out
}

/// The Vietnamese calendar: the Chinese rules with new moons and solar terms
/// reckoned at UTC+7 (Vietnam's standard time since 1968).
struct Vietnam;

impl ChineseBased for Vietnam {
    fn utc_offset(_fixed: RataDie) -> f64 {
        7.0 / 24.0
    }
    const EPOCH: RataDie = fixed_from_gregorian(-2636, 2, 15);
    const DEBUG_NAME: &'static str = "vietnamese";
}

fn naive_from_fixed(rd: RataDie) -> Option<NaiveDate> {
    let (y, m, d) = gregorian_from_fixed(rd).ok()?;
    ymd(y, u32::from(m), u32::from(d))
}

/// Month `month` (not leap), day `day` of the Vietnamese lunar year that
/// begins in Gregorian `lunar_year`.
fn vietnamese_date(lunar_year: i32, month: u8, day: u8) -> Option<NaiveDate> {
    let bounds = YearBounds::compute::<Vietnam>(fixed_from_gregorian(lunar_year, 3, 1));
    let new_year = bounds.new_year;
    // A leap year has 13 months (383–385 days); its leap month repeats the
    // month before it, so regular months from there on move one place.
    let ordinal = if bounds.count_days() > 360 {
        let leap = chinese_based::get_leap_month_from_new_year::<Vietnam>(new_year);
        if leap <= month {
            month + 1
        } else {
            month
        }
    } else {
        month
    };
    let start = new_year
        + i64::from(chinese_based::days_until_month::<Vietnam>(
            new_year, ordinal,
        ));
    naive_from_fixed(start + i64::from(day) - 1)
}

fn dates_for(rule: Rule, year: i32) -> Vec<NaiveDate> {
    let one = |d: Option<NaiveDate>| d.into_iter().collect::<Vec<_>>();
    match rule {
        Rule::Fixed(m, day) => one(ymd(year, m, day)),
        Rule::Nth(m, wd, n) => one(nth_weekday(year, m, wd, n)),
        Rule::Easter(offset) => one(easter_sunday(year).map(|e| e + Duration::days(offset))),
        Rule::Chinese(m, day) => in_year(
            year,
            [year - 1, year].into_iter().map(|y| {
                Date::try_new_chinese_traditional(y, Month::new(m), day)
                    .ok()
                    .and_then(|d| iso_to_naive(&d))
            }),
        ),
        Rule::Dangi(m, day) => in_year(
            year,
            [year - 1, year].into_iter().map(|y| {
                Date::try_new_korean_traditional(y, Month::new(m), day)
                    .ok()
                    .and_then(|d| iso_to_naive(&d))
            }),
        ),
        Rule::Vietnamese(m, day) => in_year(
            year,
            [year - 1, year]
                .into_iter()
                .map(|y| vietnamese_date(y, m, day)),
        ),
        Rule::Hebrew(m, day) => in_year(
            year,
            [year + 3760, year + 3761]
                .into_iter()
                .map(|y| hebrew(y, m, day)),
        ),
        Rule::Hijri(m, day) => in_year(
            year,
            (year - 580..=year - 577).map(|ah| {
                Date::try_new_hijri_with_calendar(ah, m, day, Hijri::new_umm_al_qura())
                    .ok()
                    .and_then(|d| iso_to_naive(&d))
            }),
        ),
        Rule::Custom(f) => one(f(year)),
    }
}

fn hebrew(am_year: i32, month: u8, day: u8) -> Option<NaiveDate> {
    Date::try_new_hebrew_v2(am_year, Month::new(month), day)
        .ok()
        .and_then(|d| iso_to_naive(&d))
}

fn black_friday(year: i32) -> Option<NaiveDate> {
    nth_weekday(year, 11, Thu, 4).map(|t| t + Duration::days(1))
}

/// Last Sunday of May, or the first Sunday of June when that is Pentecost
/// (Code de l'action sociale, art. D215-1).
fn fr_mothers_day(year: i32) -> Option<NaiveDate> {
    let last = nth_weekday(year, 5, Sun, -1)?;
    let pentecost = easter_sunday(year)? + Duration::days(49);
    Some(if last == pentecost {
        last + Duration::weeks(1)
    } else {
        last
    })
}

/// Equinox days by the formula of the National Astronomical Observatory of
/// Japan for 1980–2099 (the Cabinet confirms them each February).
fn jp_equinox(year: i32, base: f64) -> Option<NaiveDate> {
    let y = f64::from(year - 1980);
    let day = (base + 0.242_194 * y - (y / 4.0).floor()).floor();
    ymd(year, if base < 22.0 { 3 } else { 9 }, day as u32)
}

fn jp_vernal_equinox(year: i32) -> Option<NaiveDate> {
    jp_equinox(year, 20.8431)
}

fn jp_autumnal_equinox(year: i32) -> Option<NaiveDate> {
    jp_equinox(year, 23.2488)
}

/// 20 July until 2002; third Monday of July since 2003 (Happy Monday law);
/// moved for the Tokyo Olympics in 2020 and 2021.
fn jp_marine_day(year: i32) -> Option<NaiveDate> {
    match year {
        ..=2002 => ymd(year, 7, 20),
        2020 => ymd(2020, 7, 23),
        2021 => ymd(2021, 7, 22),
        _ => nth_weekday(year, 7, Mon, 3),
    }
}

/// Since 2016, 11 August (10 August 2020, 8 August 2021 for the Olympics).
fn jp_mountain_day(year: i32) -> Option<NaiveDate> {
    match year {
        ..=2015 => None,
        2020 => ymd(2020, 8, 10),
        2021 => ymd(2021, 8, 8),
        _ => ymd(year, 8, 11),
    }
}

fn jp_respect_for_aged(year: i32) -> Option<NaiveDate> {
    if year <= 2002 {
        ymd(year, 9, 15)
    } else {
        nth_weekday(year, 9, Mon, 3)
    }
}

/// Health and Sports Day (second Monday of October since 2000), renamed
/// Sports Day in 2020; 24 July 2020 and 23 July 2021 for the Olympics.
fn jp_sports_day(year: i32) -> Option<NaiveDate> {
    match year {
        2020 => ymd(2020, 7, 24),
        2021 => ymd(2021, 7, 23),
        _ => nth_weekday(year, 10, Mon, 2),
    }
}

/// 5 Iyar, moved to Thursday when it falls on Friday or Saturday, and to
/// Tuesday when it falls on Monday (since 2004), so no day of remembrance
/// eve touches the Sabbath.
fn il_independence_day(year: i32) -> Option<NaiveDate> {
    let day = hebrew(year + 3760, 8, 5)?;
    Some(match day.weekday() {
        Weekday::Fri => day - Duration::days(1),
        Weekday::Sat => day - Duration::days(2),
        Weekday::Mon if year >= 2004 => day + Duration::days(1),
        _ => day,
    })
}

/// 9 Av, postponed to Sunday when it falls on the Sabbath.
fn il_tisha_bav(year: i32) -> Option<NaiveDate> {
    let day = hebrew(year + 3760, 11, 9)?;
    Some(if day.weekday() == Weekday::Sat {
        day + Duration::days(1)
    } else {
        day
    })
}

// ------------------------------------------------------------------ API

fn country_code(country: &str) -> Result<String> {
    let code = country.trim().to_ascii_uppercase();
    if table(&code).is_none() {
        return Err(Error::new(
            ErrorKind::Locale,
            format!(
                "no holiday data for country {country:?} (have {})",
                HOLIDAY_COUNTRIES.join(", ")
            ),
        ));
    }
    Ok(code)
}

fn check_year(year: i32) -> Result<()> {
    let (first, last) = HOLIDAY_YEARS;
    if (first..=last).contains(&year) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Argument,
            format!("holidays are computed for {first}–{last}, not {year}"),
        ))
    }
}

/// The holidays of a country in a year (2000–2050), sorted by date then id.
/// Without `region`, national holidays only; with one (ISO 3166-2 suffix:
/// `BY` for Bavaria, `SCT` for Scotland), also that region's.
///
/// ```
/// let h = kaleido::locale::holidays("DE", 2025, Some("BY")).unwrap();
/// assert!(h.iter().any(|h| h.id == "epiphany" && h.date.to_string() == "2025-01-06"));
/// ```
pub fn holidays(country: &str, year: i32, region: Option<&str>) -> Result<Vec<Holiday>> {
    let code = country_code(country)?;
    check_year(year)?;
    let region = region.map(|r| {
        let r = r.trim().to_ascii_uppercase();
        // Accept `DE-BY` as well as `BY`.
        r.split_once('-')
            .map_or(r.clone(), |(_, sub)| sub.to_owned())
    });
    let defs = table(&code).unwrap_or(&[]);
    let mut out = Vec::new();
    for def in defs {
        if year < def.years.0 || year > def.years.1 {
            continue;
        }
        if !def.regions.is_empty() && !region.as_deref().is_some_and(|r| def.regions.contains(&r)) {
            continue;
        }
        let estimated = matches!(def.rule, Rule::Hijri(..));
        for date in dates_for(def.rule, year) {
            out.push(Holiday {
                date,
                id: def.id,
                name: def.name,
                local_name: def.local,
                estimated,
                regions: def.regions,
            });
        }
    }
    out.sort_by(|a, b| (a.date, a.id).cmp(&(b.date, b.id)));
    Ok(out)
}

/// Whether a holiday id is known for some country (for `check`).
pub fn is_holiday_id(id: &str) -> bool {
    HOLIDAY_COUNTRIES
        .iter()
        .filter_map(|c| table(c))
        .any(|defs| defs.iter().any(|d| d.id == id))
}

/// The dates of holiday `id` in `country` (national or any region) from
/// `from` to `to` inclusive. Unknown ids give no dates; unknown countries an error.
pub fn holiday_dates(
    country: &str,
    id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NaiveDate>> {
    let code = country_code(country)?;
    let defs = table(&code).unwrap_or(&[]);
    let (first, last) = HOLIDAY_YEARS;
    let mut out = Vec::new();
    for year in from.year().max(first)..=to.year().min(last) {
        for def in defs.iter().filter(|d| d.id == id) {
            if year < def.years.0 || year > def.years.1 {
                continue;
            }
            out.extend(
                dates_for(def.rule, year)
                    .into_iter()
                    .filter(|d| *d >= from && *d <= to),
            );
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Whether holiday `id` falls in `[today, today + days)` (`next`) or
/// `(today - days, today]` (last) in `country`: the segment condition
/// `holiday "id" within next N days` and the template helper `holiday_within`.
pub fn holiday_within(
    country: &str,
    id: &str,
    today: NaiveDate,
    days: i64,
    next: bool,
) -> Result<bool> {
    let (from, to) = if next {
        (today, today + Duration::days(days.max(1) - 1))
    } else {
        (today - Duration::days(days.max(1) - 1), today)
    };
    Ok(!holiday_dates(country, id, from, to)?.is_empty())
}

/// Countries (ISO alpha-2) in the southern hemisphere for [`season`]: the
/// whole country or most of its population lies south of the equator.
/// Countries (ISO 3166-1 alpha-2) in the southern hemisphere, for seasons.
pub const SOUTHERN_COUNTRIES: &[&str] = &[
    "AR", "AU", "BO", "BR", "BW", "CL", "FJ", "LS", "MG", "MU", "MZ", "NA", "NZ", "PE", "PY", "SZ",
    "UY", "ZA", "ZM", "ZW", "ID", "PG", "AO", "MW",
];

/// Whether a country is in the southern hemisphere (seasons flipped).
pub fn southern_hemisphere(country: &str) -> bool {
    SOUTHERN_COUNTRIES.contains(&country.trim().to_ascii_uppercase().as_str())
}

/// The meteorological season of a date in a country: `winter` is December to
/// February in the northern hemisphere and June to August in the southern;
/// `spring`, `summer` and `autumn` follow in three-month blocks.
///
/// ```
/// use chrono::NaiveDate;
/// let jan = NaiveDate::from_ymd_opt(2025, 1, 15).unwrap();
/// assert_eq!(kaleido::locale::season("DE", jan), "winter");
/// assert_eq!(kaleido::locale::season("AU", jan), "summer");
/// ```
pub fn season(country: &str, date: NaiveDate) -> &'static str {
    const NORTH: [&str; 4] = ["winter", "spring", "summer", "autumn"];
    let quarter = (date.month() % 12) / 3; // Dec–Feb 0, Mar–May 1, Jun–Aug 2, Sep–Nov 3
    let shift = if southern_hemisphere(country) { 2 } else { 0 };
    NORTH
        .get(((quarter + shift) % 4) as usize)
        .copied()
        .unwrap_or("winter")
}

/// The season names [`season`] returns.
pub const SEASONS: [&str; 4] = ["winter", "spring", "summer", "autumn"];
