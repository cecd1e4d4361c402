// Kaleido sample data: a deterministic, seeded generator of realistic email
// subscribers with profiles and event histories. Plain ES module, no
// dependencies; runs unchanged in browsers, Web Workers and Node.
//
//   import { generateProfiles } from './sample-data.js';
//   const list = generateProfiles({ count: 5000, seed: 1, asOf: '2025-12-01T00:00:00Z' });
//
// Determinism: the output is a pure function of (index, seed, asOf). Profile i
// has its own PRNG stream, so a list of 5,000 is the first 5,000 of a list of
// 50,000 and slices can be generated in parallel (`profileAt`, `iterateProfiles`
// with `start`). Only integer and + - * / arithmetic and Math.sqrt/floor/round
// are used (own exp/log, no Math.random, no Intl, no local time zone), so the
// same seed gives byte-identical JSON in every engine and time zone.
//
// ─── Profile fields ──────────────────────────────────────────────────────────
// id              string   "sub-0000001" (1-based, zero-padded to 7 digits)
// email           string   unique; ~3% of domains in upper/mixed case
//                          ("Anna.Schmidt7@GMX.DE"); icloud.com users show
//                          Apple Mail Privacy Protection machine opens
// first_name      string   native script (Hanzi, Kana/Kanji, Hangul, Arabic,
// last_name       string     Hebrew, Cyrillic, Latin with diacritics); Polish,
//                            Russian, Uzbek surnames inflect for gender;
//                            Spanish often two surnames; Dutch "van den Berg"
// full_name       string   in the culture's order (see name_order)
// name_order      string   "given_family" | "family_given" (zh, ja, ko, vi)
// gender          string   "f" | "m" | "x"; missing for ~2.5% (unknown)
// birthday        date     YYYY-MM-DD; missing for ~8% (then no age either)
// age             number   whole years at the generator's asOf
// country         string   ISO 3166-1 alpha-2, 26 countries (see COUNTRIES)
// language        string   ISO 639-1, 17 languages
// locale          string   BCP 47, e.g. "fr-CA", "zh-TW", "ar-EG", "es-US"
// timezone        string   IANA zone matching the country and city; missing ~1%
// city            string   for metro/large city sizes only
// city_size       string   "metro" | "large" | "small" | "rural"
// currency        string   ISO 4217 of the country
// income_band     number   1 (lowest) .. 5; missing for ~15%
// interests       string[] 0..5 of INTERESTS
// consent         object   marketing (boolean; missing ~3%: legacy imports),
//                          sms, push, personalization (booleans),
//                          double_opt_in (boolean, EU only), updated_at (RFC 3339)
//                          GDPR countries consent less often than the US etc.
// preferences     object   frequency ("daily" | "weekly" | "monthly"),
//                          topics (string[] of "new_arrivals","sales","stories","events")
// signup_date     date     growing list: more recent sign-ups are more frequent
// signup_source   string   web_form, checkout, popup, social_ads, referral,
//                          app, in_store, import, sweepstakes
// app_user        boolean  has the store's app (then app_platform: "ios" | "android")
// orders_count    number   purchases before asOf
// total_spent     number   sum of purchase amounts, profile currency
// total_spent_usd number   same in USD (fixed rates)
// first_order_date, last_order_date  date   (missing when no orders)
// lifecycle       string   derived from the events at asOf: "new" (signed up
//                          < 30 days ago), "prospect" (never bought), "active"
//                          (bought < 180 days ago), "at_risk" (180-365 days),
//                          "lapsed" (> 365 days)
// events          array    sorted by time, all strictly before asOf, each
//                          { type, at: "YYYY-MM-DDTHH:MM:SSZ" (UTC), ...props }:
//   purchase      product_id, category, amount (profile currency, heavy-tailed),
//                 currency, amount_usd, quantity, channel ("web"|"app"|"store")
//   product_view  product_id, category
//   cart_add      product_id, category, amount, currency
//   email_open    campaign
//   email_click   campaign
//   app_open      platform
//
// No predicted fields (churn risk, CLV): those are computed from the events.
//
// ─── Distributions ───────────────────────────────────────────────────────────
// Purchases follow a BG/NBD-style process: ~68% of subscribers ever buy; each
// buyer has a lognormal purchase rate and, after each purchase, a chance to
// drop out for good (lapsed customers). The rate is modulated by the calendar:
// November/December peaks, Black Friday to Cyber Monday, Singles' Day (CN), the
// three weeks before Lunar New Year and the fortnight before Mid-Autumn/Chuseok
// (CN, TW, HK, SG, VN, KR), the days before Eid al-Fitr (SA, AE, EG), a quiet
// January. Prices are lognormal per product with a popularity skew, times
// quantity and a per-customer spend level (income): spend is heavy-tailed.
// Product views and cart adds precede purchases in the last 180 days; browse-only
// sessions (30% with an abandoned cart) cover the last 180 days. Email opens
// and clicks cover the campaigns of the last 26 weeks (09:00 local time), only
// for subscribers with marketing consent, decaying after a customer lapses.
// App opens cover the last 90 days for app users.

/** Default seed. */
export const DEFAULT_SEED = 1;
/** Default generation clock: every event happens strictly before it. */
export const DEFAULT_AS_OF = '2025-12-01T00:00:00Z';
/** Default list size (the foundation demo). */
export const DEFAULT_COUNT = 5000;

const DAY = 86400000;
const HOUR = 3600000;
const MINUTE = 60000;
const LN2 = 0.6931471805599453;

// ─── Deterministic numerics ──────────────────────────────────────────────────

/** exp(x) with + - * / only (identical in every engine). */
function dexp(x) {
  if (x > 700) return Infinity;
  if (x < -700) return 0;
  const k = Math.round(x / LN2);
  const r = x - k * LN2;
  // Taylor series: |r| <= 0.35, 16 terms is far below double precision.
  let term = 1;
  let sum = 1;
  for (let n = 1; n <= 16; n++) {
    term = (term * r) / n;
    sum += term;
  }
  let scale = 1;
  if (k > 0) for (let j = 0; j < k; j++) scale *= 2;
  else for (let j = 0; j < -k; j++) scale *= 0.5;
  return sum * scale;
}

/** Natural log for x > 0 with + - * / only. */
function dlog(x) {
  if (!(x > 0)) return -Infinity;
  let e = 0;
  while (x > 1.4142135623730951) {
    x *= 0.5;
    e++;
  }
  while (x < 0.7071067811865476) {
    x *= 2;
    e--;
  }
  const s = (x - 1) / (x + 1);
  const s2 = s * s;
  let term = s;
  let sum = 0;
  for (let n = 1; n <= 25; n += 2) {
    sum += term / n;
    term *= s2;
  }
  return e * LN2 + 2 * sum;
}

function hash32(a, b) {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(b + 0x632be5ab, 0xc2b2ae35)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashString(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A small PRNG (mulberry32) with distribution helpers. */
class Rng {
  constructor(seed) {
    this.s = seed >>> 0;
  }
  u32() {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  next() {
    return this.u32() / 4294967296;
  }
  /** Uniform in (0, 1). */
  open() {
    return (this.u32() + 0.5) / 4294967296;
  }
  chance(p) {
    return this.next() < p;
  }
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick(arr) {
    return arr[Math.floor(this.next() * arr.length)];
  }
  /** Standard normal (Irwin-Hall of 12 uniforms: no transcendental functions). */
  normal() {
    let s = -6;
    for (let i = 0; i < 12; i++) s += this.next();
    return s;
  }
  lognormal(median, sigma) {
    return median * dexp(sigma * this.normal());
  }
  exponential(rate) {
    return -dlog(this.open()) / rate;
  }
  poisson(mean) {
    if (mean <= 0) return 0;
    if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = dexp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
  /** Index into a cumulative weight table. */
  weighted(cum) {
    const x = this.next() * cum[cum.length - 1];
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

function cumulative(weights) {
  const out = new Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) out[i] = s += weights[i];
  return out;
}

// ─── Reference data ──────────────────────────────────────────────────────────

/** Standard UTC offsets (minutes) of the zones used; only shapes local hours. */
const TZ_OFFSET = {
  'America/New_York': -300, 'America/Chicago': -360, 'America/Denver': -420, 'America/Phoenix': -420,
  'America/Los_Angeles': -480, 'America/Anchorage': -540, 'Pacific/Honolulu': -600, 'Europe/London': 0,
  'Europe/Berlin': 60, 'Europe/Paris': 60, 'Europe/Madrid': 60, 'Atlantic/Canary': 0, 'Europe/Rome': 60,
  'Europe/Amsterdam': 60, 'Europe/Warsaw': 60, 'America/Sao_Paulo': -180, 'America/Bahia': -180,
  'America/Fortaleza': -180, 'America/Recife': -180, 'America/Manaus': -240, 'America/Mexico_City': -360,
  'America/Monterrey': -360, 'America/Tijuana': -480, 'America/Cancun': -300, 'America/Merida': -360,
  'Asia/Kolkata': 330, 'Asia/Shanghai': 480, 'Asia/Urumqi': 360, 'Asia/Tokyo': 540, 'Asia/Seoul': 540,
  'Asia/Ho_Chi_Minh': 420, 'Asia/Taipei': 480, 'Asia/Hong_Kong': 480, 'Asia/Singapore': 480,
  'Asia/Riyadh': 180, 'Asia/Dubai': 240, 'Asia/Jerusalem': 120, 'Asia/Tashkent': 300, 'Asia/Samarkand': 300,
  'Australia/Sydney': 600, 'Australia/Melbourne': 600, 'Australia/Brisbane': 600, 'Australia/Perth': 480,
  'Australia/Adelaide': 570, 'Australia/Hobart': 600, 'Australia/Darwin': 570, 'America/Toronto': -300,
  'America/Vancouver': -480, 'America/Edmonton': -420, 'America/Winnipeg': -360, 'America/Halifax': -240,
  'America/St_Johns': -210, 'Africa/Cairo': 120, 'Europe/Moscow': 180, 'Asia/Novosibirsk': 420,
  'Asia/Yekaterinburg': 300, 'Europe/Samara': 240, 'Europe/Kaliningrad': 120, 'Asia/Vladivostok': 600,
  'Asia/Krasnoyarsk': 420,
};

// Cities: "Name:Zone:weight" (zone abbreviations expanded below).
const C = (spec, zone) =>
  spec.split(',').map((s) => {
    const [name, w, z] = s.split(':');
    return { name, weight: Number(w), tz: z ?? zone };
  });

// Country table. lang: [language, locale, name culture, weight].
// domains: [domain, weight]; 'G' stands for the global webmail mix.
// income: shift of the income band (-1 poorer, +1 richer); age: shift in years.
const COUNTRY_SPECS = [
  ['US', 14, 'USD', 1, 1.0, [['en', 'en-US', 'en', 85], ['es', 'es-US', 'es', 15]],
    C('New York:20:America/New_York,Los Angeles:13:America/Los_Angeles,Chicago:9:America/Chicago,Houston:7:America/Chicago,Dallas:7:America/Chicago,Philadelphia:6:America/New_York,Miami:6:America/New_York,Atlanta:6:America/New_York,Boston:5:America/New_York,San Francisco:5:America/Los_Angeles,Seattle:4:America/Los_Angeles,Phoenix:4:America/Phoenix,Denver:3:America/Denver,Honolulu:0.7:Pacific/Honolulu,Anchorage:0.5:America/Anchorage'),
    'G:70,aol.com:4,comcast.net:3,att.net:2', 1, 0, 'global'],
  ['GB', 8, 'GBP', 0.79, 1.0, [['en', 'en-GB', 'en', 100]],
    C('London:40,Manchester:10,Birmingham:10,Glasgow:6,Leeds:5,Edinburgh:4,Bristol:4,Liverpool:4', 'Europe/London'),
    'G:65,yahoo.co.uk:8,btinternet.com:6,sky.com:4,virginmedia.com:3', 1, 1, 'eu'],
  ['DE', 9, 'EUR', 0.92, 1.0, [['de', 'de-DE', 'de', 95], ['en', 'en-DE', 'en', 5]],
    C('Berlin:15,Hamburg:9,München:8,Köln:7,Frankfurt am Main:5,Stuttgart:4,Düsseldorf:4,Leipzig:3,Dresden:3', 'Europe/Berlin'),
    'G:40,web.de:16,gmx.de:16,t-online.de:10,gmx.net:5,posteo.de:2', 1, 4, 'eu'],
  ['FR', 7, 'EUR', 0.92, 1.0, [['fr', 'fr-FR', 'fr', 100]],
    C('Paris:30,Lyon:7,Marseille:6,Toulouse:4,Lille:4,Nice:3,Nantes:3,Bordeaux:3', 'Europe/Paris'),
    'G:55,orange.fr:14,free.fr:9,laposte.net:6,sfr.fr:6,wanadoo.fr:3', 1, 2, 'eu'],
  ['ES', 5, 'EUR', 0.92, 0.9, [['es', 'es-ES', 'es', 100]],
    C('Madrid:20,Barcelona:16,Valencia:6,Sevilla:5,Zaragoza:3,Málaga:3,Bilbao:3,Las Palmas de Gran Canaria:3:Atlantic/Canary', 'Europe/Madrid'),
    'G:80,yahoo.es:6,telefonica.net:3,hotmail.es:6', 0, 2, 'eu'],
  ['IT', 5, 'EUR', 0.92, 0.95, [['it', 'it-IT', 'it', 100]],
    C('Roma:14,Milano:14,Napoli:8,Torino:6,Palermo:4,Bologna:4,Firenze:3', 'Europe/Rome'),
    'G:60,libero.it:16,virgilio.it:6,alice.it:4,tiscali.it:3', 0, 4, 'eu'],
  ['NL', 3, 'EUR', 0.92, 1.0, [['nl', 'nl-NL', 'nl', 90], ['en', 'en-NL', 'en', 10]],
    C('Amsterdam:12,Rotterdam:9,Den Haag:7,Utrecht:5,Eindhoven:3', 'Europe/Amsterdam'),
    'G:70,ziggo.nl:8,kpnmail.nl:8,home.nl:3,planet.nl:3', 1, 1, 'eu'],
  ['PL', 4, 'PLN', 4.0, 0.7, [['pl', 'pl-PL', 'pl', 100]],
    C('Warszawa:14,Kraków:7,Łódź:5,Wrocław:5,Poznań:4,Gdańsk:4', 'Europe/Warsaw'),
    'G:45,wp.pl:16,onet.pl:12,interia.pl:8,o2.pl:6', 0, 0, 'eu'],
  ['BR', 6, 'BRL', 5.4, 0.75, [['pt', 'pt-BR', 'pt', 100]],
    C('São Paulo:25,Rio de Janeiro:14,Belo Horizonte:6,Brasília:5,Salvador:5:America/Bahia,Fortaleza:5:America/Fortaleza,Recife:4:America/Recife,Manaus:4:America/Manaus,Curitiba:4,Porto Alegre:4', 'America/Sao_Paulo'),
    'G:80,uol.com.br:8,bol.com.br:5,terra.com.br:4', -1, -3, 'global'],
  ['MX', 4, 'MXN', 18.5, 0.75, [['es', 'es-MX', 'es', 100]],
    C('Ciudad de México:30,Guadalajara:8,Monterrey:8:America/Monterrey,Puebla:4,Tijuana:4:America/Tijuana,Cancún:2:America/Cancun,Mérida:2:America/Merida', 'America/Mexico_City'),
    'G:85,yahoo.com.mx:8,prodigy.net.mx:3', -1, -3, 'global'],
  ['IN', 6, 'INR', 83, 0.5, [['en', 'en-IN', 'in', 60], ['hi', 'hi-IN', 'in', 40]],
    C('Delhi:16,Mumbai:14,Bengaluru:10,Kolkata:8,Hyderabad:7,Chennai:7,Pune:5,Ahmedabad:5', 'Asia/Kolkata'),
    'G:80,rediffmail.com:6,yahoo.co.in:8', -1, -6, 'global'],
  ['CN', 5, 'CNY', 7.2, 0.8, [['zh', 'zh-CN', 'zhs', 100]],
    C('Shanghai:14,Beijing:12,Guangzhou:8,Shenzhen:8,Chengdu:6,Hangzhou:5,Wuhan:5,Chongqing:5,Xi\'an:4,Ürümqi:1:Asia/Urumqi', 'Asia/Shanghai'),
    'qq.com:40,163.com:22,126.com:9,sina.com:5,foxmail.com:4,G:10', 0, -2, 'cn'],
  ['JP', 5, 'JPY', 150, 1.0, [['ja', 'ja-JP', 'ja', 100]],
    C('Tokyo:30,Osaka:10,Yokohama:8,Nagoya:6,Sapporo:4,Fukuoka:4,Kobe:3,Kyoto:3', 'Asia/Tokyo'),
    'G:45,yahoo.co.jp:22,docomo.ne.jp:9,ezweb.ne.jp:5,softbank.ne.jp:4', 1, 5, 'global'],
  ['KR', 3, 'KRW', 1350, 0.95, [['ko', 'ko-KR', 'ko', 100]],
    C('Seoul:40,Busan:10,Incheon:8,Daegu:6,Daejeon:4,Gwangju:4', 'Asia/Seoul'),
    'naver.com:40,G:30,daum.net:12,hanmail.net:9,kakao.com:5', 1, 0, 'eastasia'],
  ['VN', 2, 'VND', 25000, 0.55, [['vi', 'vi-VN', 'vi', 100]],
    C('Ho Chi Minh City:35,Hanoi:30,Da Nang:8,Hai Phong:6,Can Tho:4', 'Asia/Ho_Chi_Minh'),
    'G:90,yahoo.com.vn:6', -1, -7, 'eastasia'],
  ['TW', 2, 'TWD', 32, 0.85, [['zh', 'zh-TW', 'zht', 100]],
    C('Taipei:30,New Taipei:20,Taichung:12,Kaohsiung:12,Tainan:8', 'Asia/Taipei'),
    'G:70,yahoo.com.tw:18,hinet.net:6', 1, 1, 'eastasia'],
  ['HK', 1.5, 'HKD', 7.8, 1.0, [['zh', 'zh-HK', 'zht', 75], ['en', 'en-HK', 'zhl', 25]],
    C('Hong Kong:100', 'Asia/Hong_Kong'), 'G:75,yahoo.com.hk:12,netvigator.com:6', 1, 2, 'eastasia'],
  ['SG', 1.5, 'SGD', 1.35, 1.0, [['en', 'en-SG', 'zhl', 70], ['zh', 'zh-SG', 'zhs', 20], ['en', 'en-SG', 'in', 10]],
    C('Singapore:100', 'Asia/Singapore'), 'G:85,singnet.com.sg:5,yahoo.com.sg:6', 2, 0, 'eastasia'],
  ['SA', 2, 'SAR', 3.75, 1.0, [['ar', 'ar-SA', 'ar', 90], ['en', 'en-SA', 'in', 10]],
    C('Riyadh:35,Jeddah:25,Dammam:8,Mecca:8,Medina:6', 'Asia/Riyadh'), 'G:95', 1, -5, 'mena'],
  ['AE', 1.5, 'AED', 3.67, 1.0, [['ar', 'ar-AE', 'ar', 45], ['en', 'en-AE', 'in', 35], ['en', 'en-AE', 'en', 20]],
    C('Dubai:55,Abu Dhabi:30,Sharjah:15', 'Asia/Dubai'), 'G:92,emirates.net.ae:3', 2, -2, 'mena'],
  ['IL', 1.5, 'ILS', 3.7, 1.0, [['he', 'he-IL', 'he', 75], ['ar', 'ar-IL', 'ar', 12], ['ru', 'ru-IL', 'ru', 13]],
    C('Tel Aviv:30,Jerusalem:20,Haifa:15,Rishon LeZion:8,Be\'er Sheva:7', 'Asia/Jerusalem'),
    'G:85,walla.co.il:8,012.net.il:3', 1, -2, 'global'],
  ['UZ', 1, 'UZS', 12600, 0.5, [['uz', 'uz-UZ', 'uz', 75], ['ru', 'ru-UZ', 'ru', 25]],
    C('Tashkent:50,Samarkand:12:Asia/Samarkand,Namangan:8,Andijan:8,Bukhara:6:Asia/Samarkand', 'Asia/Tashkent'),
    'G:60,mail.ru:20,yandex.ru:10,umail.uz:4', -1, -7, 'global'],
  ['AU', 3, 'AUD', 1.52, 1.0, [['en', 'en-AU', 'en', 100]],
    C('Sydney:30:Australia/Sydney,Melbourne:28:Australia/Melbourne,Brisbane:14:Australia/Brisbane,Perth:12:Australia/Perth,Adelaide:8:Australia/Adelaide,Hobart:2:Australia/Hobart,Darwin:1:Australia/Darwin'),
    'G:75,bigpond.com:10,optusnet.com.au:5', 1, 1, 'global'],
  ['CA', 3, 'CAD', 1.37, 1.0, [['en', 'en-CA', 'en', 78], ['fr', 'fr-CA', 'fr', 22]],
    C('Toronto:30:America/Toronto,Montréal:20:America/Toronto,Vancouver:14:America/Vancouver,Calgary:8:America/Edmonton,Edmonton:7:America/Edmonton,Ottawa:7:America/Toronto,Québec:4:America/Toronto,Winnipeg:4:America/Winnipeg,Halifax:3:America/Halifax,St. John\'s:1:America/St_Johns'),
    'G:80,rogers.com:5,shaw.ca:4,videotron.ca:3,sympatico.ca:3', 1, 1, 'global'],
  ['EG', 1.5, 'EGP', 48, 0.5, [['ar', 'ar-EG', 'ar', 95], ['en', 'en-EG', 'ar', 5]],
    C('Cairo:55,Alexandria:25,Giza:15', 'Africa/Cairo'), 'G:95,yahoo.com.eg:3', -1, -6, 'mena'],
  ['RU', 2, 'RUB', 92, 0.6, [['ru', 'ru-RU', 'ru', 100]],
    C('Moscow:35:Europe/Moscow,Saint Petersburg:18:Europe/Moscow,Novosibirsk:6:Asia/Novosibirsk,Yekaterinburg:6:Asia/Yekaterinburg,Kazan:5:Europe/Moscow,Samara:4:Europe/Samara,Krasnoyarsk:3:Asia/Krasnoyarsk,Kaliningrad:2:Europe/Kaliningrad,Vladivostok:2:Asia/Vladivostok'),
    'mail.ru:32,yandex.ru:26,G:20,rambler.ru:6,bk.ru:5,list.ru:4,inbox.ru:3', 0, 0, 'global'],
];

const GLOBAL_DOMAINS = [['gmail.com', 52], ['outlook.com', 11], ['hotmail.com', 12], ['yahoo.com', 12], ['icloud.com', 13]];

const ZERO_DECIMAL = new Set(['JPY', 'KRW', 'VND', 'UZS']);
const EU = new Set(['GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'PL']);
const IOS_HEAVY = new Set(['US', 'GB', 'JP', 'AU', 'CA', 'HK', 'SG', 'AE']);

/** The countries of the sample (ISO codes). */
export const COUNTRIES = COUNTRY_SPECS.map((c) => c[0]);

const COUNTRY_DATA = COUNTRY_SPECS.map(([code, weight, currency, rate, priceLevel, langs, cities, domains, income, ageShift, season]) => {
  const domainList = [];
  for (const part of domains.split(',')) {
    const [d, w] = part.split(':');
    if (d === 'G') for (const [gd, gw] of GLOBAL_DOMAINS) domainList.push([gd, (gw * Number(w)) / 100]);
    else domainList.push([d, Number(w)]);
  }
  for (const city of cities) if (!(city.tz in TZ_OFFSET)) throw new Error(`no offset for ${city.tz}`);
  return {
    code, weight, currency, rate, priceLevel, income, ageShift, season,
    langs: langs.map(([language, locale, culture, w]) => ({ language, locale, culture, w })),
    langCum: cumulative(langs.map((l) => l[3])),
    cities, cityCum: cumulative(cities.map((c) => c.weight)),
    domains: domainList.map((d) => d[0]), domainCum: cumulative(domainList.map((d) => d[1])),
  };
});
const COUNTRY_CUM = cumulative(COUNTRY_DATA.map((c) => c.weight));

/** The languages of the sample (ISO 639-1). */
export const LANGUAGES = [...new Set(COUNTRY_DATA.flatMap((c) => c.langs.map((l) => l.language)))].sort();

// Names. "native/latin" where the script is not Latin; Latin names are folded
// to ASCII for e-mail addresses.
const split = (s) => s.split(',').map((x) => x.trim());
const NAMES = {
  en: {
    f: split('Emma,Olivia,Ava,Sophia,Isabella,Mia,Charlotte,Amelia,Harper,Emily,Grace,Chloe,Lily,Hannah,Sarah,Jessica,Ashley,Jennifer,Megan,Lauren,Zoë,Renée'),
    m: split('Liam,Noah,Oliver,James,William,Benjamin,Lucas,Henry,Jack,Michael,David,Daniel,Matthew,Ryan,Ethan,Thomas,Joshua,Andrew,Christopher,Samuel'),
    last: split("Smith,Johnson,Williams,Brown,Jones,Miller,Davis,Wilson,Taylor,Anderson,Thomas,Moore,Martin,Jackson,Thompson,White,Harris,Clark,Lewis,Walker,Robinson,Young,King,Wright,O'Brien,Murphy,Hughes,Evans,Roberts,Campbell,Smith-Jones,McDonald"),
  },
  de: {
    f: split('Anna,Lena,Laura,Julia,Sarah,Lea,Hannah,Sophie,Marie,Katharina,Lisa,Johanna,Clara,Emilia,Jana,Sabine,Petra,Ursula,Brigitte'),
    m: split('Lukas,Leon,Jonas,Felix,Maximilian,Paul,Tim,Jan,Niklas,Finn,Tobias,Stefan,Thomas,Michael,Andreas,Jürgen,Klaus,Uwe,Matthias,Florian'),
    last: split('Müller,Schmidt,Schneider,Fischer,Weber,Meyer,Wagner,Becker,Schulz,Hoffmann,Schäfer,Koch,Bauer,Richter,Klein,Wolf,Schröder,Neumann,Schwarz,Zimmermann,Braun,Krüger,Hofmann,Hartmann,Lange,Weiß,Groß'),
  },
  fr: {
    f: split('Emma,Louise,Chloé,Camille,Léa,Manon,Inès,Jade,Juliette,Zoé,Sarah,Alice,Lucie,Margaux,Élodie,Céline,Nathalie,Sophie,Amélie,Anaïs'),
    m: split('Gabriel,Louis,Raphaël,Jules,Adam,Lucas,Hugo,Arthur,Nathan,Théo,Thomas,Nicolas,Julien,Antoine,Maxime,Pierre,François,Mathieu,Sébastien,Clément,Jean-Luc'),
    last: split('Martin,Bernard,Dubois,Thomas,Robert,Richard,Petit,Durand,Leroy,Moreau,Simon,Laurent,Lefèvre,Michel,Garcia,David,Bertrand,Roux,Vincent,Fournier,Morel,Girard,André,Lefebvre,Mercier,Dupont,Lambert,Bonnet,François,Faure'),
  },
  es: {
    f: split('Lucía,Sofía,María,Martina,Paula,Julia,Daniela,Valeria,Alba,Emma,Carmen,Laura,Ana,Marta,Elena,Isabel,Cristina,Andrea,Sara,Claudia,Guadalupe,Ximena,María José'),
    m: split('Hugo,Martín,Lucas,Mateo,Leo,Daniel,Alejandro,Pablo,Manuel,Álvaro,Javier,David,Carlos,José,Antonio,Juan,Miguel,Sergio,Diego,Santiago,Jorge,Luis,José Luis'),
    last: split('García,Rodríguez,González,Fernández,López,Martínez,Sánchez,Pérez,Gómez,Martín,Jiménez,Ruiz,Hernández,Díaz,Moreno,Muñoz,Álvarez,Romero,Alonso,Gutiérrez,Navarro,Torres,Domínguez,Vázquez,Ramos,Flores,Castillo,Ortiz'),
  },
  it: {
    f: split('Sofia,Giulia,Aurora,Alice,Ginevra,Emma,Giorgia,Beatrice,Francesca,Chiara,Martina,Sara,Alessia,Elena,Valentina,Federica,Paola,Roberta'),
    m: split('Leonardo,Francesco,Alessandro,Lorenzo,Mattia,Andrea,Gabriele,Riccardo,Tommaso,Edoardo,Marco,Luca,Giuseppe,Giovanni,Antonio,Matteo,Davide,Stefano,Paolo,Nicola'),
    last: split("Rossi,Russo,Ferrari,Esposito,Bianchi,Romano,Colombo,Ricci,Marino,Greco,Bruno,Gallo,Conti,De Luca,Mancini,Costa,Giordano,Rizzo,Lombardi,Moretti,D'Angelo"),
  },
  nl: {
    f: split('Emma,Julia,Mila,Tess,Sophie,Zoë,Sara,Nora,Anna,Eva,Lotte,Fleur,Sanne,Lisa,Anouk,Femke'),
    m: split('Noah,Sem,Liam,Lucas,Daan,Finn,Levi,Luuk,Milan,Jesse,Bram,Thijs,Ruben,Lars,Sven,Jeroen,Pieter,Wouter'),
    last: split('de Jong,Jansen,de Vries,van den Berg,van Dijk,Bakker,Janssen,Visser,Smit,Meijer,de Boer,Mulder,de Groot,Bos,Vos,Peters,Hendriks,van Leeuwen,Dekker,Brouwer'),
  },
  pl: {
    f: split('Zuzanna,Julia,Maja,Zofia,Hanna,Lena,Alicja,Maria,Amelia,Oliwia,Agnieszka,Katarzyna,Małgorzata,Joanna,Ewa,Magdalena,Anna,Monika'),
    m: split('Antoni,Jan,Aleksander,Franciszek,Jakub,Szymon,Filip,Mikołaj,Wojciech,Kacper,Piotr,Krzysztof,Andrzej,Tomasz,Paweł,Michał,Marcin,Łukasz'),
    last: split('Nowak,Kowalski,Wiśniewski,Wójcik,Kowalczyk,Kamiński,Lewandowski,Zieliński,Szymański,Woźniak,Dąbrowski,Kozłowski,Jankowski,Mazur,Kwiatkowski,Krawczyk,Piotrowski,Grabowski,Nowicki,Pawłowski'),
    feminine: (s) => s.replace(/(sk|ck|dzk)i$/, '$1a'),
  },
  pt: {
    f: split('Maria,Ana,Helena,Alice,Laura,Manuela,Valentina,Sophia,Isabella,Heloísa,Júlia,Beatriz,Fernanda,Juliana,Camila,Larissa,Gabriela,Letícia'),
    m: split('Miguel,Arthur,Gael,Théo,Heitor,Ravi,Davi,Bernardo,Gabriel,Pedro,Lucas,Mateus,Rafael,Gustavo,João,Thiago,Bruno,Felipe,Rodrigo'),
    last: split('Silva,Santos,Oliveira,Souza,Rodrigues,Ferreira,Alves,Pereira,Lima,Gomes,Costa,Ribeiro,Martins,Carvalho,Almeida,Lopes,Soares,Fernandes,Vieira,Barbosa,Rocha,Dias,Nascimento,da Silva,dos Santos'),
  },
  in: {
    f: split('Aadhya,Ananya,Diya,Saanvi,Priya,Pooja,Neha,Kavya,Ishita,Riya,Sneha,Meera,Lakshmi,Divya,Anjali,Sunita,Deepika,Shreya'),
    m: split('Aarav,Vihaan,Vivaan,Arjun,Aditya,Rohan,Rahul,Amit,Vikram,Sanjay,Rajesh,Suresh,Karthik,Arun,Ravi,Nikhil,Siddharth,Manish'),
    last: split('Sharma,Verma,Gupta,Singh,Kumar,Patel,Reddy,Iyer,Nair,Rao,Shah,Mehta,Joshi,Agarwal,Chopra,Mukherjee,Banerjee,Das,Pillai,Menon,Khan,Desai'),
  },
  zhs: {
    f: split('秀英/Xiuying,静/Jing,丽/Li,敏/Min,婷/Ting,芳/Fang,雪/Xue,琳/Lin,欣怡/Xinyi,雨涵/Yuhan,梓涵/Zihan,思涵/Sihan,佳怡/Jiayi,晓燕/Xiaoyan,红/Hong,玉兰/Yulan'),
    m: split('伟/Wei,强/Qiang,磊/Lei,军/Jun,洋/Yang,勇/Yong,杰/Jie,涛/Tao,明/Ming,浩然/Haoran,子轩/Zixuan,宇轩/Yuxuan,俊杰/Junjie,建华/Jianhua,志强/Zhiqiang,文博/Wenbo'),
    last: split('王/Wang,李/Li,张/Zhang,刘/Liu,陈/Chen,杨/Yang,黄/Huang,赵/Zhao,吴/Wu,周/Zhou,徐/Xu,孙/Sun,马/Ma,朱/Zhu,胡/Hu,郭/Guo,何/He,林/Lin,罗/Luo,高/Gao,欧阳/Ouyang'),
    familyFirst: true, joiner: '',
  },
  zht: {
    f: split('淑芬/Shu-fen,美玲/Mei-ling,怡君/Yi-chun,雅婷/Ya-ting,佳穎/Chia-ying,欣妤/Hsin-yu,詩涵/Shih-han,宜蓁/Yi-chen,慧敏/Hui-min,麗華/Li-hua,嘉欣/Ka-yan,凱琳/Hoi-lam'),
    m: split('志明/Chih-ming,家豪/Chia-hao,俊傑/Chun-chieh,建宏/Chien-hung,冠宇/Kuan-yu,承恩/Cheng-en,宗翰/Tsung-han,柏翰/Po-han,文雄/Wen-hsiung,國華/Kuo-hua,家明/Ka-ming,偉強/Wai-keung'),
    last: split('陳/Chen,林/Lin,黃/Huang,張/Chang,李/Lee,王/Wang,吳/Wu,劉/Liu,蔡/Tsai,楊/Yang,許/Hsu,鄭/Cheng,謝/Hsieh,郭/Kuo,洪/Hung,曾/Tseng,周/Chou,梁/Leung'),
    familyFirst: true, joiner: '',
  },
  zhl: {
    f: split('Wei Ling,Hui Min,Mei Ling,Xin Yi,Jia Hui,Shu Fen,Li Ting,Pei Shan,Kar Yan,Wing Yan,Rachel,Michelle'),
    m: split('Wei Ming,Jun Jie,Zhi Hao,Jia Wei,Kai Wen,Chee Keong,Ka Ho,Chun Kit,Wai Man,Tsz Hin,Daniel,Kelvin'),
    last: split('Tan,Lim,Lee,Ng,Ong,Wong,Goh,Chua,Chan,Koh,Teo,Ang,Yeo,Tay,Chong,Leung,Cheung,Lau'),
    familyFirst: true, joiner: ' ',
  },
  ja: {
    f: split('陽葵/Himari,凛/Rin,結菜/Yuina,葵/Aoi,美咲/Misaki,さくら/Sakura,優子/Yuko,恵子/Keiko,由美/Yumi,真由美/Mayumi,愛/Ai,花子/Hanako'),
    m: split('蓮/Ren,湊/Minato,大翔/Hiroto,悠真/Yuma,陽翔/Haruto,翔太/Shota,健太/Kenta,大輔/Daisuke,拓也/Takuya,誠/Makoto,浩/Hiroshi,太郎/Taro'),
    last: split('佐藤/Sato,鈴木/Suzuki,高橋/Takahashi,田中/Tanaka,伊藤/Ito,渡辺/Watanabe,山本/Yamamoto,中村/Nakamura,小林/Kobayashi,加藤/Kato,吉田/Yoshida,山田/Yamada,佐々木/Sasaki,山口/Yamaguchi,松本/Matsumoto,井上/Inoue,木村/Kimura,林/Hayashi'),
    familyFirst: true, joiner: ' ',
  },
  ko: {
    f: split('서연/Seoyeon,지우/Jiwoo,서윤/Seoyun,민서/Minseo,하은/Haeun,지민/Jimin,수빈/Subin,유진/Yujin,지현/Jihyun,은지/Eunji,혜진/Hyejin,미영/Miyoung'),
    m: split('민준/Minjun,서준/Seojun,도윤/Doyun,예준/Yejun,시우/Siwoo,하준/Hajun,지호/Jiho,현우/Hyunwoo,성민/Sungmin,동현/Donghyun,준호/Junho,영수/Youngsoo'),
    last: split('김/Kim,이/Lee,박/Park,최/Choi,정/Jung,강/Kang,조/Cho,윤/Yoon,장/Jang,임/Lim,한/Han,오/Oh,서/Seo,신/Shin,권/Kwon'),
    familyFirst: true, joiner: '',
  },
  vi: {
    f: split('Lan,Hương,Linh,Ngọc,Trang,Thảo,Mai,Hà,Anh,Phương,Thu,Hằng,Nhung,Vy,Yến'),
    m: split('Minh,Hùng,Dũng,Tuấn,Nam,Hải,Long,Đức,Quang,Huy,Khoa,Phúc,Bảo,Sơn,Thành'),
    last: split('Nguyễn,Trần,Lê,Phạm,Hoàng,Huỳnh,Phan,Vũ,Võ,Đặng,Bùi,Đỗ,Hồ,Ngô,Dương,Lý'),
    middle: { f: split('Thị,Ngọc,Thu'), m: split('Văn,Đức,Minh,Quốc') },
    familyFirst: true, joiner: ' ',
  },
  ar: {
    f: split('فاطمة/Fatima,نورة/Noura,سارة/Sara,مريم/Maryam,عائشة/Aisha,ريم/Reem,لينا/Lina,هند/Hind,منى/Mona,ياسمين/Yasmin,نور/Nour,دانة/Dana'),
    m: split('محمد/Mohammed,أحمد/Ahmed,عبد الله/Abdullah,خالد/Khaled,عمر/Omar,علي/Ali,يوسف/Youssef,فهد/Fahad,سلطان/Sultan,حسن/Hassan,إبراهيم/Ibrahim,مصطفى/Mostafa'),
    last: split('العتيبي/Alotaibi,القحطاني/Alqahtani,الغامدي/Alghamdi,الحربي/Alharbi,الشمري/Alshammari,الدوسري/Aldosari,المطيري/Almutairi,الزهراني/Alzahrani,حسن/Hassan,إبراهيم/Ibrahim,محمود/Mahmoud,عبد الله/Abdullah,السيد/Elsayed,علي/Ali,مصطفى/Mostafa,المنصوري/Almansoori,الهاشمي/Alhashemi'),
  },
  he: {
    f: split('נועה/Noa,תמר/Tamar,מאיה/Maya,שירה/Shira,יעל/Yael,אביגיל/Avigail,מיכל/Michal,רותם/Rotem,הילה/Hila'),
    m: split('דוד/David,יוסף/Yosef,אריאל/Ariel,נועם/Noam,איתי/Itai,אורי/Uri,דניאל/Daniel,יונתן/Yonatan,עומר/Omer'),
    last: split('כהן/Cohen,לוי/Levi,מזרחי/Mizrahi,פרץ/Peretz,ביטון/Biton,דהן/Dahan,אברהם/Avraham,פרידמן/Friedman,אזולאי/Azoulay,כץ/Katz,יוסף/Yosef,אוחיון/Ohayon'),
  },
  ru: {
    f: split('Анна/Anna,Мария/Maria,Елена/Elena,Ольга/Olga,Наталья/Natalya,Екатерина/Ekaterina,Татьяна/Tatyana,Ирина/Irina,Анастасия/Anastasia,Дарья/Darya,Светлана/Svetlana,Юлия/Yulia'),
    m: split('Александр/Alexander,Дмитрий/Dmitry,Максим/Maxim,Сергей/Sergey,Андрей/Andrey,Алексей/Alexey,Иван/Ivan,Михаил/Mikhail,Николай/Nikolay,Владимир/Vladimir,Артём/Artyom,Павел/Pavel'),
    last: split('Иванов/Ivanov,Смирнов/Smirnov,Кузнецов/Kuznetsov,Попов/Popov,Васильев/Vasilyev,Петров/Petrov,Соколов/Sokolov,Михайлов/Mikhailov,Новиков/Novikov,Фёдоров/Fedorov,Морозов/Morozov,Волков/Volkov,Лебедев/Lebedev,Козлов/Kozlov,Павлов/Pavlov,Сорокин/Sorokin,Ильин/Ilyin'),
    feminine: (s) => s.replace(/(ов|ев|ёв|ин)(\/.*)$/, '$1а$2').replace(/(ov|ev|yov|in)$/, '$1a'),
  },
  uz: {
    f: split('Madina,Dilnoza,Gulnora,Nilufar,Shahnoza,Malika,Zarina,Feruza,Sevara,Kamola,Mohira,Nodira'),
    m: split('Aziz,Jasur,Sardor,Bekzod,Shoxrux,Otabek,Jahongir,Sherzod,Bobur,Doston,Farrux,Ulugʻbek'),
    last: split('Karimov,Rahimov,Yusupov,Aliyev,Tursunov,Rasulov,Nazarov,Abdullayev,Ismoilov,Mirzayev,Xolmatov,Qodirov,Sobirov,Usmonov,Gʻofurov'),
    feminine: (s) => s.replace(/(ov|yev|ev)$/, '$1a'),
  },
};

const FOLD = { ß: 'ss', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', ø: 'o', æ: 'ae', œ: 'oe' };
/** ASCII e-mail handle from a Latin name: "Łukasz" -> "lukasz", "O'Brien" -> "obrien". */
const handleCache = new Map();
function handle(latin) {
  let h = handleCache.get(latin);
  if (h === undefined) {
    h = foldHandle(latin);
    handleCache.set(latin, h);
  }
  return h;
}
function foldHandle(latin) {
  return latin
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[ßłŁđĐøæœ]/g, (c) => FOLD[c])
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}
function nameParts(entry) {
  const slash = entry.indexOf('/');
  return slash < 0 ? [entry, entry] : [entry.slice(0, slash), entry.slice(slash + 1)];
}

/** Product categories: [name, code, median price in USD]. */
const CATEGORIES = [
  ['fashion', 'FSH', 45], ['shoes', 'SHO', 85], ['beauty', 'BEA', 28], ['electronics', 'ELE', 160],
  ['home', 'HOM', 55], ['kitchen', 'KIT', 40], ['garden', 'GAR', 35], ['sports', 'SPO', 50],
  ['outdoor', 'OUT', 70], ['toys', 'TOY', 30], ['books', 'BOO', 16], ['jewelry', 'JEW', 120],
  ['pets', 'PET', 28], ['grocery', 'GRO', 22], ['health', 'HEA', 24], ['baby', 'BAB', 35],
];
const CATEGORY_NAMES = CATEGORIES.map((c) => c[0]);
const PRODUCTS_PER_CATEGORY = 400;

/** Interests a subscriber may list (the categories plus hobbies). */
export const INTERESTS = [
  ...CATEGORY_NAMES,
  'travel', 'music', 'gaming', 'running', 'cooking', 'photography', 'wine', 'yoga', 'cycling', 'movies', 'art', 'diy',
];
const INTEREST_TO_CATEGORY = {
  travel: 'outdoor', music: 'electronics', gaming: 'electronics', running: 'shoes', cooking: 'kitchen',
  photography: 'electronics', wine: 'grocery', yoga: 'sports', cycling: 'sports', movies: 'books', art: 'home', diy: 'garden',
};
// Interest popularity by gender (f, m, x/unknown share the average).
const INTEREST_W = {
  f: [14, 8, 14, 6, 9, 8, 5, 5, 4, 4, 7, 7, 6, 5, 7, 5, 9, 6, 3, 3, 8, 3, 4, 7, 2, 5, 4, 2],
  m: [5, 8, 3, 14, 6, 5, 5, 10, 9, 4, 6, 3, 5, 4, 5, 3, 9, 6, 10, 6, 5, 6, 5, 3, 6, 6, 2, 6],
};
INTEREST_W.x = INTEREST_W.f.map((v, i) => (v + INTEREST_W.m[i]) / 2);
const INTEREST_CUM = { f: cumulative(INTEREST_W.f), m: cumulative(INTEREST_W.m), x: cumulative(INTEREST_W.x) };

const SIGNUP_SOURCES = ['web_form', 'checkout', 'popup', 'social_ads', 'referral', 'app', 'in_store', 'import', 'sweepstakes'];
const SIGNUP_CUM = cumulative([30, 22, 15, 10, 6, 8, 5, 3, 1]);
const TOPICS = ['new_arrivals', 'sales', 'stories', 'events'];
// Local hour of day for shopping and app use (evening peak).
const HOUR_CUM = cumulative([1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 4.5, 5, 6, 5.5, 5, 5, 5, 5.5, 6.5, 8, 9, 8.5, 6, 3]);

// Fixed moving feasts (the generator must not depend on Intl calendars).
const LUNAR_NEW_YEAR = ['2018-02-16', '2019-02-05', '2020-01-25', '2021-02-12', '2022-02-01', '2023-01-22', '2024-02-10', '2025-01-29', '2026-02-17', '2027-02-06', '2028-01-26', '2029-02-13', '2030-02-03'];
const MID_AUTUMN = ['2018-09-24', '2019-09-13', '2020-10-01', '2021-09-21', '2022-09-10', '2023-09-29', '2024-09-17', '2025-10-06', '2026-09-25', '2027-09-15', '2028-10-03', '2029-09-22', '2030-09-12'];
const EID_AL_FITR = ['2018-06-15', '2019-06-04', '2020-05-24', '2021-05-13', '2022-05-02', '2023-04-21', '2024-04-10', '2025-03-30', '2026-03-20', '2027-03-09', '2028-02-26', '2029-02-14', '2030-02-04'];

const MONTH_FACTOR = [0.8, 0.85, 0.95, 0.95, 1.0, 1.0, 1.0, 0.95, 1.0, 1.05, 1.4, 1.0];
const SEASON_MAX = 3.2;
const HISTORY_YEARS = 6;

// ─── Time helpers ────────────────────────────────────────────────────────────

const dayNumber = (iso) => Math.floor(Date.parse(iso + 'T00:00:00Z') / DAY);
const pad2 = (n) => (n < 10 ? '0' + n : '' + n);
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => pad2(i));

/** YYYY-MM-DD of a UTC day number (days since 1970-01-01), integer arithmetic only. */
function civilDate(day) {
  // Howard Hinnant's civil_from_days.
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const ys = y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : (y < 0 ? '-' : '+') + String(Math.abs(y)).padStart(6, '0');
  return `${ys}-${TWO_DIGITS[m]}-${TWO_DIGITS[d]}`;
}

const dateCache = new Map();
/** YYYY-MM-DD of a UTC day number (cached). */
function dateString(day) {
  let s = dateCache.get(day);
  if (s === undefined) {
    if (dateCache.size > 20000) dateCache.clear();
    s = civilDate(day);
    dateCache.set(day, s);
  }
  return s;
}
/** RFC 3339 UTC with whole seconds: YYYY-MM-DDTHH:MM:SSZ. */
function instantString(ms) {
  const secs = Math.floor(ms / 1000);
  const day = Math.floor(secs / 86400);
  let rest = secs - day * 86400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const mi = Math.floor(rest / 60);
  return dateString(day) + 'T' + TWO_DIGITS[h] + ':' + TWO_DIGITS[mi] + ':' + TWO_DIGITS[rest - mi * 60] + 'Z';
}

function parseAsOf(asOf) {
  if (asOf instanceof Date) return asOf.getTime();
  if (typeof asOf === 'string') {
    const s = /^\d{4}-\d{2}-\d{2}$/.test(asOf) ? asOf + 'T00:00:00Z' : asOf;
    const ms = Date.parse(s);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new TypeError(`generateProfiles: asOf must be a Date or an RFC 3339 string, got ${String(asOf)}`);
}

// ─── Per-run context (seasonality tables and the campaign calendar) ──────────

const contexts = new Map();

function seasonTable(firstDay, lastDay, region) {
  const n = lastDay - firstDay + 1;
  const f = new Float64Array(n);
  const peaks = [];
  const add = (centerIso, from, to, factor) => peaks.push([dayNumber(centerIso) + from, dayNumber(centerIso) + to, factor]);
  const eastAsia = region === 'eastasia' || region === 'cn';
  if (eastAsia) {
    for (const d of LUNAR_NEW_YEAR) {
      add(d, -21, -1, 2.1);
      add(d, 0, 6, 0.55);
    }
    for (const d of MID_AUTUMN) add(d, -14, -1, 1.6);
  }
  if (region === 'mena') {
    for (const d of EID_AL_FITR) {
      add(d, -30, -11, 1.3);
      add(d, -10, -1, 2.2);
    }
  }
  for (let i = 0; i < n; i++) {
    const date = new Date((firstDay + i) * DAY);
    const m = date.getUTCMonth();
    const dom = date.getUTCDate();
    let v = MONTH_FACTOR[m];
    if (m === 11) v = dom <= 22 ? (region === 'mena' ? 1.1 : 1.9) : 0.9;
    if (m === 10) {
      // Black Friday: the day after the fourth Thursday of November; through Cyber Monday.
      const firstDow = new Date(Date.UTC(date.getUTCFullYear(), 10, 1)).getUTCDay();
      const thanksgiving = 1 + ((4 - firstDow + 7) % 7) + 21;
      if (dom >= thanksgiving + 1 && dom <= thanksgiving + 4) v = eastAsia ? 1.6 : 3.0;
      if (region === 'cn' && (dom === 10 || dom === 11)) v = 3.2;
    }
    f[i] = v;
  }
  for (const [from, to, factor] of peaks) {
    for (let d = Math.max(from, firstDay); d <= Math.min(to, lastDay); d++) f[d - firstDay] *= factor;
  }
  for (let i = 0; i < n; i++) if (f[i] > SEASON_MAX) f[i] = SEASON_MAX;
  return f;
}

function campaignCalendar(asOfMs) {
  // A weekly newsletter on Tuesdays and promotions on fixed dates, over the
  // last 26 weeks; each is sent at 09:00 local time on its date.
  const lastDay = Math.floor((asOfMs - 1) / DAY);
  const firstDay = lastDay - 26 * 7;
  const out = [];
  for (let d = firstDay; d <= lastDay; d++) {
    const date = new Date(d * DAY);
    const dow = date.getUTCDay();
    const m = date.getUTCMonth();
    const dom = date.getUTCDate();
    const iso = dateString(d);
    if (dow === 2) out.push({ day: d, id: `newsletter-${iso}` });
    if (dow === 5 && (m === 10 || m === 11) && dom <= 22) out.push({ day: d, id: `holiday-gifts-${iso}` });
    if (dow === 5 && m === 10 && dom >= 23 && dom <= 29) out.push({ day: d, id: `black-friday-${date.getUTCFullYear()}` });
    if (m === 0 && dom === 3) out.push({ day: d, id: `winter-sale-${date.getUTCFullYear()}` });
    if (m === 5 && dom === 25) out.push({ day: d, id: `summer-sale-${date.getUTCFullYear()}` });
    if (m === 8 && dom === 2) out.push({ day: d, id: `back-to-school-${date.getUTCFullYear()}` });
  }
  return out;
}

function contextFor(seed, asOfMs) {
  const key = `${seed}|${asOfMs}`;
  let ctx = contexts.get(key);
  if (ctx) return ctx;
  const lastDay = Math.floor(asOfMs / DAY) + 1;
  const firstDay = lastDay - HISTORY_YEARS * 366 - 2;
  const seasons = {};
  for (const region of ['global', 'eu', 'cn', 'eastasia', 'mena']) seasons[region] = seasonTable(firstDay, lastDay, region);
  ctx = { seed: seed >>> 0, asOfMs, firstDay, seasons, campaigns: campaignCalendar(asOfMs) };
  if (contexts.size > 8) contexts.clear();
  contexts.set(key, ctx);
  return ctx;
}

// ─── The generator ───────────────────────────────────────────────────────────

const priceCache = new Float64Array(CATEGORIES.length * PRODUCTS_PER_CATEGORY);
const idCache = new Array(CATEGORIES.length * PRODUCTS_PER_CATEGORY);

function productPrice(category, index) {
  const key = category * PRODUCTS_PER_CATEGORY + index;
  if (priceCache[key] === 0) priceCache[key] = computePrice(category, index);
  return priceCache[key];
}

function computePrice(category, index) {
  const [, code, median] = CATEGORIES[category];
  const r = new Rng(hashString(code) ^ Math.imul(index + 1, 0x9e3779b1));
  // Lognormal around the category median; rounded to a .99 price point.
  return Math.max(2, Math.round(median * dexp(0.6 * r.normal()))) - 0.01;
}

function productId(category, index) {
  const key = category * PRODUCTS_PER_CATEGORY + index;
  return (idCache[key] ??= `${CATEGORIES[category][1]}-${String(index + 1).padStart(4, '0')}`);
}

function roundMoney(value, currency) {
  return ZERO_DECIMAL.has(currency) ? Math.round(value) : Math.round(value * 100) / 100;
}

/**
 * The profile at 0-based `index` of the list for `seed` and `asOf`.
 * @param {number} index
 * @param {{seed?: number, asOf?: string|Date}} [options]
 */
export function profileAt(index, { seed = DEFAULT_SEED, asOf = DEFAULT_AS_OF } = {}) {
  return makeProfile(index, contextFor(seed, parseAsOf(asOf)));
}

function makeProfile(index, ctx) {
  const rng = new Rng(hash32(ctx.seed, index));
  const asOfMs = ctx.asOfMs;
  const today = Math.floor(asOfMs / DAY);
  const country = COUNTRY_DATA[rng.weighted(COUNTRY_CUM)];
  const lang = country.langs[rng.weighted(country.langCum)];

  // Gender and name.
  const g = rng.next();
  const gender = g < 0.505 ? 'f' : g < 0.965 ? 'm' : g < 0.975 ? 'x' : undefined;
  const nameGender = gender === 'f' || gender === 'm' ? gender : rng.chance(0.5) ? 'f' : 'm';
  const pool = NAMES[lang.culture];
  let [first, firstLatin] = nameParts(rng.pick(pool[nameGender]));
  let lastEntry = rng.pick(pool.last);
  if (nameGender === 'f' && pool.feminine) lastEntry = pool.feminine(lastEntry);
  let [last, lastLatin] = nameParts(lastEntry);
  if (lang.culture === 'es' && rng.chance(0.6)) {
    const [second, secondLatin] = nameParts(rng.pick(pool.last));
    if (second !== last) {
      last = `${last} ${second}`;
      lastLatin = `${lastLatin} ${secondLatin}`;
    }
  }
  let fullName;
  if (pool.familyFirst) {
    const given = pool.middle ? `${rng.pick(pool.middle[nameGender])} ${first}` : first;
    fullName = `${last}${pool.joiner}${given}`;
  } else {
    fullName = `${first} ${last}`;
  }

  // E-mail: a handle pattern plus the profile number (so every address is unique).
  const fh = handle(firstLatin);
  const lh = handle(lastLatin);
  const number = String(index + 1);
  const pattern = rng.next();
  let local;
  if (pattern < 0.35) local = `${fh}.${lh}`;
  else if (pattern < 0.5) local = `${fh}${lh}`;
  else if (pattern < 0.62) local = `${fh[0]}${lh}`;
  else if (pattern < 0.72) local = `${fh}_${lh}`;
  else if (pattern < 0.85) local = fh;
  else if (pattern < 0.93) local = `${lh}.${fh}`;
  else local = `${fh}.${lh[0]}`;
  const sep = rng.next();
  local += sep < 0.7 ? number : sep < 0.85 ? `.${number}` : `_${number}`;
  let domain = country.domains[rng.weighted(country.domainCum)];
  const caseRoll = rng.next();
  if (caseRoll < 0.02) domain = domain.toUpperCase();
  else if (caseRoll < 0.03) domain = domain[0].toUpperCase() + domain.slice(1);
  else if (caseRoll < 0.04) local = local[0].toUpperCase() + local.slice(1);
  const email = `${local}@${domain}`;
  const icloud = domain.toLowerCase() === 'icloud.com';

  // Birthday and age (whole years at asOf).
  let birthday;
  let age;
  const ageRoll = rng.normal();
  if (!rng.chance(0.08)) {
    let years = Math.floor(38 + country.ageShift + 13 * ageRoll);
    if (years < 18) years = 18 + ((index + years + 60) % 9);
    if (years > 90) years = 90 - ((index + years) % 10);
    // Born between `years + 1` years ago (exclusive) and `years` years ago.
    const bd = today - Math.floor((years + 1) * 365.2425) + rng.int(1, 365);
    birthday = dateString(bd);
    // Whole years between the two YYYY-MM-DD strings.
    const todayIso = dateString(today);
    age = Number(todayIso.slice(0, 4)) - Number(birthday.slice(0, 4));
    if (todayIso.slice(5) < birthday.slice(5)) age--;
  }

  // Location.
  const sizeRoll = rng.next();
  const citySize = sizeRoll < 0.45 ? 'metro' : sizeRoll < 0.7 ? 'large' : sizeRoll < 0.9 ? 'small' : 'rural';
  let city = country.cities[rng.weighted(country.cityCum)];
  if (lang.locale === 'fr-CA' && rng.chance(0.85)) {
    const wanted = rng.chance(0.75) ? 'Montréal' : 'Québec';
    city = country.cities.find((c) => c.name === wanted) ?? city;
  }
  const tzName = city.tz;
  const offsetMs = TZ_OFFSET[tzName] * MINUTE;
  const hasTimezone = !rng.chance(0.01);

  // Income band.
  let income;
  if (!rng.chance(0.15)) {
    let band = 1 + rng.weighted([15, 40, 70, 90, 100]) + country.income * (rng.chance(0.5) ? 1 : 0);
    if (age !== undefined && age < 25 && rng.chance(0.5)) band--;
    if (citySize === 'metro' && rng.chance(0.3)) band++;
    income = Math.min(5, Math.max(1, band));
  }

  // Interests.
  const interests = [];
  const nInterests = rng.weighted([10, 30, 55, 77, 92, 100]);
  const icum = INTEREST_CUM[nameGender];
  for (let tries = 0; interests.length < nInterests && tries < 20; tries++) {
    const it = INTERESTS[rng.weighted(icum)];
    if (!interests.includes(it)) interests.push(it);
  }

  // Sign-up: the list grows, so recent sign-ups are more frequent.
  const maxDays = HISTORY_YEARS * 365;
  const daysAgo = Math.floor(maxDays * dexp(1.3 * dlog(rng.open())));
  const signupDay = today - 1 - Math.min(maxDays, daysAgo);
  const signupMs = signupDay * DAY + rng.int(6 * 60, 23 * 60) * MINUTE - offsetMs;
  const signupSource = SIGNUP_SOURCES[rng.weighted(SIGNUP_CUM)];

  // Consent with regional variation (GDPR countries opt in less, DE needs double opt-in).
  const eu = EU.has(country.code);
  const consent = {};
  if (!rng.chance(0.03)) consent.marketing = rng.chance(eu ? 0.62 : country.code === 'CN' || country.code === 'KR' ? 0.72 : 0.84);
  consent.sms = rng.chance(eu ? 0.18 : 0.36);
  consent.push = rng.chance(0.45);
  consent.personalization = rng.chance(eu ? 0.55 : 0.86);
  if (eu) consent.double_opt_in = consent.marketing === true && (country.code === 'DE' || rng.chance(0.7));
  const consentMs = Math.min(asOfMs - MINUTE, signupMs + rng.int(0, 400) * DAY);
  consent.updated_at = instantString(consentMs);
  const marketing = consent.marketing === true;

  const freqRoll = rng.next();
  const preferences = {
    frequency: freqRoll < 0.1 ? 'daily' : freqRoll < 0.8 ? 'weekly' : 'monthly',
    topics: TOPICS.filter((_, i) => rng.chance([0.7, 0.8, 0.35, 0.25][i])),
  };

  const appUser = rng.chance(country.code === 'KR' || country.code === 'CN' || country.code === 'JP' ? 0.5 : 0.3);
  const platform = appUser ? (rng.chance(IOS_HEAVY.has(country.code) ? 0.6 : 0.25) ? 'ios' : 'android') : undefined;

  // ── Events ──
  const times = [];
  const events = [];
  const push = (ms, ev) => {
    if (ms < asOfMs && ms >= signupMs - 90 * DAY) {
      times.push(ms);
      events.push(ev);
    }
  };
  const localHourMs = (day) => day * DAY - offsetMs + rng.weighted(HOUR_CUM) * HOUR + rng.int(0, 3599) * 1000;
  const season = ctx.seasons[country.season];
  const currency = country.currency;

  // Preferred categories from the interests.
  const prefs = [];
  for (const it of interests) {
    const cat = CATEGORY_NAMES.indexOf(INTEREST_TO_CATEGORY[it] ?? it);
    if (cat >= 0) prefs.push(cat);
  }
  const spendLevel = dexp(0.35 * rng.normal() + 0.15 * ((income ?? 3) - 3));

  // Purchases: BG/NBD-like (rate, then a chance to drop out after each purchase).
  let deadAt = Infinity;
  let orders = 0;
  let spent = 0;
  let firstOrderDay;
  let lastOrderDay;
  const buyer = rng.chance(signupSource === 'checkout' ? 1 : 0.62);
  const ratePerYear = rng.lognormal(1.6, 0.9);
  const dropout = 0.04 + 0.5 * rng.next() * rng.next();
  if (buyer) {
    let t = signupSource === 'checkout' ? signupMs + MINUTE : signupMs + rng.exponential(ratePerYear / 365 * 2) * DAY;
    const candidateRate = (ratePerYear * SEASON_MAX) / 365 / DAY;
    let first = signupSource === 'checkout';
    while (t < asOfMs && orders < 400) {
      const day = Math.floor(t / DAY);
      if (first || rng.next() * SEASON_MAX < (season[day - ctx.firstDay] ?? 1)) {
        first = false;
        const ms = signupSource === 'checkout' && orders === 0 ? t : localHourMs(day);
        if (ms < asOfMs && ms > signupMs) {
          const cat = prefs.length > 0 && rng.chance(0.6) ? rng.pick(prefs) : rng.int(0, CATEGORIES.length - 1);
          const pIndex = Math.floor(PRODUCTS_PER_CATEGORY * rng.next() * rng.next());
          const quantity = rng.chance(0.85) ? 1 : rng.chance(0.7) ? 2 : 3;
          const usdPrice = productPrice(cat, pIndex) * spendLevel;
          const amount = roundMoney(usdPrice * quantity * country.priceLevel * country.rate, currency);
          const amountUsd = Math.round((amount / country.rate) * 100) / 100;
          const pid = productId(cat, pIndex);
          const category = CATEGORY_NAMES[cat];
          const channel = appUser && rng.chance(0.4) ? 'app' : rng.chance(0.08) ? 'store' : 'web';
          push(ms, { type: 'purchase', at: '', product_id: pid, category, amount, currency, amount_usd: amountUsd, quantity, channel });
          orders++;
          spent += amount;
          if (firstOrderDay === undefined) firstOrderDay = Math.floor((ms + offsetMs) / DAY);
          lastOrderDay = Math.floor((ms + offsetMs) / DAY);
          if (channel !== 'store' && asOfMs - ms < 180 * DAY) {
            const views = rng.int(1, 3);
            for (let v = 0; v < views; v++) {
              const otherId = v === 0 ? pid : productId(cat, Math.floor(PRODUCTS_PER_CATEGORY * rng.next() * rng.next()));
              push(ms - rng.int(8, 90) * MINUTE, { type: 'product_view', at: '', product_id: otherId, category });
            }
            push(ms - rng.int(2, 7) * MINUTE, { type: 'cart_add', at: '', product_id: pid, category, amount, currency });
          }
          if (rng.chance(dropout)) {
            deadAt = ms;
            break;
          }
        }
      }
      t += rng.exponential(candidateRate);
    }
  }

  // Browse-only sessions in the last 180 days (30% leave a cart behind).
  const browseFrom = Math.max(signupMs, asOfMs - 180 * DAY);
  if (browseFrom < asOfMs) {
    const alive = deadAt === Infinity;
    const perDay = alive ? 0.01 + (buyer ? ratePerYear / 365 : 0) * 1.5 : 0.003;
    const sessions = rng.poisson(perDay * ((asOfMs - browseFrom) / DAY));
    for (let s = 0; s < sessions && s < 150; s++) {
      const day = Math.floor((browseFrom + rng.next() * (asOfMs - browseFrom)) / DAY);
      const start = localHourMs(day);
      const cat = prefs.length > 0 && rng.chance(0.7) ? rng.pick(prefs) : rng.int(0, CATEGORIES.length - 1);
      const category = CATEGORY_NAMES[cat];
      const views = rng.chance(0.6) ? 1 : 2;
      let pid;
      let pIndex = 0;
      for (let v = 0; v < views; v++) {
        pIndex = Math.floor(PRODUCTS_PER_CATEGORY * rng.next() * rng.next());
        pid = productId(cat, pIndex);
        push(start + v * rng.int(1, 6) * MINUTE, { type: 'product_view', at: '', product_id: pid, category });
      }
      if (rng.chance(0.3)) {
        const amount = roundMoney(productPrice(cat, pIndex) * spendLevel * country.priceLevel * country.rate, currency);
        push(start + (views * 6 + rng.int(1, 5)) * MINUTE, { type: 'cart_add', at: '', product_id: pid, category, amount, currency });
      }
    }
  }

  // E-mail engagement with the last 26 weeks of campaigns (marketing consent only).
  if (marketing) {
    const dormant = rng.chance(0.25);
    const openRate = icloud ? 0.92 : dormant ? 0.015 : 0.03 + 0.55 * rng.next() * rng.next() + 0.2 * rng.next() * rng.next();
    const clickRate = 0.04 + 0.25 * rng.next() * rng.next();
    for (const c of ctx.campaigns) {
      const sendMs = c.day * DAY - offsetMs + 9 * HOUR;
      if (sendMs <= signupMs || sendMs >= asOfMs) continue;
      if (preferences.frequency === 'monthly' && !c.id.startsWith('newsletter') && rng.chance(0.7)) continue;
      const rate = sendMs > deadAt ? openRate * (icloud ? 1 : 0.3) : openRate;
      if (!rng.chance(rate)) continue;
      const delay = icloud ? rng.int(1, 15) * MINUTE : Math.min(6 * DAY, rng.lognormal(2, 1.4) * HOUR);
      const openMs = sendMs + delay;
      push(openMs, { type: 'email_open', at: '', campaign: c.id });
      if (!icloud || rng.chance(0.3)) {
        if (rng.chance(sendMs > deadAt ? clickRate * 0.3 : clickRate)) {
          push(openMs + rng.int(5, 600) * 1000, { type: 'email_click', at: '', campaign: c.id });
        }
      }
    }
  }

  // App opens in the last 90 days.
  if (appUser) {
    const from = Math.max(signupMs, asOfMs - 90 * DAY);
    if (from < asOfMs) {
      const perDay = rng.lognormal(0.08, 0.8);
      const n = rng.poisson(perDay * ((asOfMs - from) / DAY));
      for (let s = 0; s < n && s < 200; s++) {
        const day = Math.floor((from + rng.next() * (asOfMs - from)) / DAY);
        const ms = localHourMs(day);
        if (ms > deadAt && !rng.chance(0.1)) continue;
        push(ms, { type: 'app_open', at: '', platform });
      }
    }
  }

  // Sort by time (stable: ties keep generation order) and stamp `at`.
  // Insertion sort: lists are short and mostly generated in time order.
  const n = times.length;
  for (let i = 1; i < n; i++) {
    const t = times[i];
    const ev = events[i];
    let j = i - 1;
    while (j >= 0 && times[j] > t) {
      times[j + 1] = times[j];
      events[j + 1] = events[j];
      j--;
    }
    times[j + 1] = t;
    events[j + 1] = ev;
  }
  for (let i = 0; i < n; i++) events[i].at = instantString(times[i]);
  const sorted = events;

  // Lifecycle from the history at asOf.
  let lifecycle;
  if (today - signupDay <= 30) lifecycle = 'new';
  else if (orders === 0) lifecycle = 'prospect';
  else if (today - lastOrderDay < 180) lifecycle = 'active';
  else if (today - lastOrderDay <= 365) lifecycle = 'at_risk';
  else lifecycle = 'lapsed';

  const p = { id: 'sub-' + String(index + 1).padStart(7, '0'), email, first_name: first, last_name: last, full_name: fullName };
  p.name_order = pool.familyFirst ? 'family_given' : 'given_family';
  if (gender !== undefined) p.gender = gender;
  if (birthday !== undefined) {
    p.birthday = birthday;
    p.age = age;
  }
  p.country = country.code;
  p.language = lang.language;
  p.locale = lang.locale;
  if (hasTimezone) p.timezone = tzName;
  if (citySize === 'metro' || citySize === 'large') p.city = city.name;
  p.city_size = citySize;
  p.currency = currency;
  if (income !== undefined) p.income_band = income;
  p.interests = interests;
  p.consent = consent;
  p.preferences = preferences;
  p.signup_date = dateString(signupDay);
  p.signup_source = signupSource;
  p.app_user = appUser;
  if (platform !== undefined) p.app_platform = platform;
  p.orders_count = orders;
  p.total_spent = roundMoney(spent, currency);
  p.total_spent_usd = Math.round((spent / country.rate) * 100) / 100;
  if (firstOrderDay !== undefined) {
    p.first_order_date = dateString(firstOrderDay);
    p.last_order_date = dateString(lastOrderDay);
  }
  p.lifecycle = lifecycle;
  p.events = sorted;
  return p;
}

/**
 * Yields profiles `start .. start+count-1` one at a time (for big lists).
 * @param {{count?: number, seed?: number, asOf?: string|Date, start?: number}} [options]
 */
export function* iterateProfiles({ count = DEFAULT_COUNT, seed = DEFAULT_SEED, asOf = DEFAULT_AS_OF, start = 0 } = {}) {
  checkCount(count, start);
  const ctx = contextFor(seed, parseAsOf(asOf));
  for (let i = start; i < start + count; i++) yield makeProfile(i, ctx);
}

/**
 * Generates `count` subscribers (default 5,000) deterministically from `seed`,
 * with every event strictly before `asOf` (default DEFAULT_AS_OF).
 * @param {{count?: number, seed?: number, asOf?: string|Date, start?: number}} [options]
 * @returns {object[]}
 */
export function generateProfiles({ count = DEFAULT_COUNT, seed = DEFAULT_SEED, asOf = DEFAULT_AS_OF, start = 0 } = {}) {
  checkCount(count, start);
  const ctx = contextFor(seed, parseAsOf(asOf));
  const out = new Array(count);
  for (let i = 0; i < count; i++) out[i] = makeProfile(start + i, ctx);
  return out;
}

function checkCount(count, start) {
  if (!Number.isInteger(count) || count < 0 || count > 10_000_000) throw new RangeError(`count must be an integer in 0..10000000, got ${count}`);
  if (!Number.isInteger(start) || start < 0) throw new RangeError(`start must be a non-negative integer, got ${start}`);
}

/** The profiles' fields in the API.md `Schema` shape (dotted paths for nested objects). */
export const SAMPLE_SCHEMA = Object.freeze({
  id: 'string',
  email: 'string',
  first_name: 'string',
  last_name: 'string',
  full_name: 'string',
  name_order: 'string',
  gender: 'string',
  birthday: 'date',
  age: 'number',
  country: 'string',
  language: 'string',
  locale: 'string',
  timezone: 'string',
  city: 'string',
  city_size: 'string',
  currency: 'string',
  income_band: 'number',
  interests: 'string[]',
  'consent.marketing': 'boolean',
  'consent.sms': 'boolean',
  'consent.push': 'boolean',
  'consent.personalization': 'boolean',
  'consent.double_opt_in': 'boolean',
  'consent.updated_at': 'datetime',
  'preferences.frequency': 'string',
  'preferences.topics': 'string[]',
  signup_date: 'date',
  signup_source: 'string',
  app_user: 'boolean',
  app_platform: 'string',
  orders_count: 'number',
  total_spent: 'number',
  total_spent_usd: 'number',
  first_order_date: 'date',
  last_order_date: 'date',
  lifecycle: 'string',
  purchase: { event: { at: 'datetime', product_id: 'string', category: 'string', amount: 'number', currency: 'string', amount_usd: 'number', quantity: 'number', channel: 'string' } },
  product_view: { event: { at: 'datetime', product_id: 'string', category: 'string' } },
  cart_add: { event: { at: 'datetime', product_id: 'string', category: 'string', amount: 'number', currency: 'string' } },
  email_open: { event: { at: 'datetime', campaign: 'string' } },
  email_click: { event: { at: 'datetime', campaign: 'string' } },
  app_open: { event: { at: 'datetime', platform: 'string' } },
});

/** Product categories used by purchases, views and cart adds. */
export const PRODUCT_CATEGORIES = Object.freeze(CATEGORY_NAMES.slice());

/** Serialises profiles as NDJSON (one JSON object per line), e.g. for `Audience.fromNdjson`. */
export function toNdjson(profiles) {
  let out = '';
  for (const p of profiles) out += JSON.stringify(p) + '\n';
  return out;
}

// Exposed for tests of the numerics.
export const _internal = { dexp, dlog, Rng, hash32, handle, civilDate, instantString };
