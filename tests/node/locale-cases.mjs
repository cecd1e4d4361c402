// The locale cases shared by gen-locale-reference.mjs (native reference) and
// locale.test.mjs (WASM vs live Intl). Each case: { kind, args, intl() }.
export const LOCALES = [
  'en-US', 'de-DE', 'fr-FR', 'ja-JP', 'hi-IN', 'ar-EG', 'uz-Latn-UZ',
  'pt-BR', 'zh-CN', 'vi-VN', 'ru-RU', 'pl-PL', 'he-IL', 'eo',
];
const NUMBERS = [0, 1, -1, 0.5, 1234567.891, -9876.54321, 1.0005, 2.5, 1e21 / 1e6, 0.000123];
const DIGITS = [undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }, { maximumFractionDigits: 0 }];
const CURRENCIES = { 'en-US': 'USD', 'de-DE': 'EUR', 'fr-FR': 'EUR', 'ja-JP': 'JPY', 'hi-IN': 'INR',
  'ar-EG': 'EGP', 'uz-Latn-UZ': 'UZS', 'pt-BR': 'BRL', 'zh-CN': 'CNY', 'vi-VN': 'VND', 'ru-RU': 'RUB',
  'pl-PL': 'PLN', 'he-IL': 'ILS', eo: 'EUR' };
const MONEY = [0, 1234.5, -42.125, 1000000];
const PLURALS = [0, 1, 2, 3, 4, 5, 11, 12, 21, 22, 25, 101, 102, 111, 1000000, 0.5, 1.5, 2.25];
const INSTANTS = ['2025-01-31T14:05:09Z', '2025-07-04T23:30:00Z'];
const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata'];
const STYLES = ['short', 'medium', 'long', 'full'];

export function localeCases() {
  const cases = [];
  for (const locale of LOCALES) {
    for (const n of NUMBERS) {
      for (const o of DIGITS) {
        cases.push({ kind: 'number', args: [n, locale, o ?? {}], intl: () => new Intl.NumberFormat(locale, o).format(n) });
      }
      cases.push({ kind: 'percent', args: [n / 1000, locale], intl: () => new Intl.NumberFormat(locale, { style: 'percent' }).format(n / 1000) });
    }
    for (const cur of [...new Set([CURRENCIES[locale], 'USD', 'EUR', 'JPY'])]) {
      for (const v of MONEY) {
        cases.push({ kind: 'currency', args: [v, cur, locale], intl: () => new Intl.NumberFormat(locale, { style: 'currency', currency: cur }).format(v) });
      }
    }
    for (const n of PLURALS) {
      cases.push({ kind: 'plural', args: [n, locale], intl: () => new Intl.PluralRules(locale).select(n) });
    }
    for (const style of STYLES) {
      cases.push({ kind: 'date', args: ['2025-03-09', locale, { style, time: false }],
        intl: () => new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'UTC' }).format(new Date('2025-03-09T00:00:00Z')) });
      for (const at of INSTANTS) {
        for (const timeZone of ZONES) {
          cases.push({ kind: 'date', args: [at, locale, { timeZone, style, time: true }],
            intl: () => new Intl.DateTimeFormat(locale, { dateStyle: style, timeStyle: style, timeZone }).format(new Date(at)) });
        }
        cases.push({ kind: 'date', args: [at, locale, { timeZone: 'America/New_York', style, time: false }],
          intl: () => new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'America/New_York' }).format(new Date(at)) });
      }
    }
  }
  return cases;
}

/**
 * Differences from this Node's `Intl` that docs/locale.md explains (as in
 * tests/locale.rs): `kind|locale|group`, group = currency code, or the date
 * style with `+time`, or `*`.
 */
export const KNOWN = new Set([
  'currency|fr-FR|JPY', 'currency|pl-PL|USD', 'currency|pl-PL|JPY', 'currency|eo|USD', 'currency|eo|JPY',
  'percent|ar-EG|*', 'plural|vi-VN|*',
  'date|ar-EG|long+time', 'date|eo|medium', 'date|eo|medium+time', 'date|eo|long', 'date|eo|long+time',
  'date|eo|full', 'date|eo|full+time', 'date|fr-FR|long+time', 'date|he-IL|long+time', 'date|hi-IN|long',
  'date|hi-IN|long+time', 'date|hi-IN|full', 'date|hi-IN|full+time', 'date|ja-JP|full+time',
  'date|pl-PL|short', 'date|pl-PL|short+time', 'date|pt-BR|long+time', 'date|uz-Latn-UZ|long+time',
  'date|uz-Latn-UZ|full+time', 'date|vi-VN|short', 'date|vi-VN|short+time', 'date|vi-VN|long',
  'date|vi-VN|long+time', 'date|vi-VN|full', 'date|vi-VN|full+time',
]);

/** The KNOWN key of a case. */
export function group(c) {
  const [a, b, o] = c.args;
  if (c.kind === 'currency') return `currency|${o}|${b}`;
  if (c.kind === 'date') return `date|${b}|${o.style}${o.time ? '+time' : ''}`;
  return `${c.kind}|${b}|*`;
}
