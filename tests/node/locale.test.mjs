// Locale and culture from Node against the built pkg/: formatting compared with the live
// `Intl` of this Node (differences listed in docs/locale.md), holidays, send times, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage, thrown } from './helpers.mjs';
import { localeCases, KNOWN, group } from './locale-cases.mjs';

const k = await loadPackage();

function ours(c) {
  const [a, b, o] = c.args;
  switch (c.kind) {
    case 'number':
      return k.formatNumber(a, b, o);
    case 'currency':
      return k.formatCurrency(a, b, o);
    case 'plural':
      return k.pluralCategory(a, b);
    case 'date':
      return k.formatDate(a, b, o);
    default:
      return undefined; // percent is Rust-only (format_percent)
  }
}

test('formatNumber, formatCurrency, formatDate, pluralCategory agree with Intl', () => {
  const differing = new Set();
  const bad = [];
  let compared = 0;
  for (const c of localeCases()) {
    const got = ours(c);
    if (got === undefined) continue;
    compared++;
    const want = c.intl();
    if (got === want) continue;
    if (KNOWN.has(group(c))) {
      differing.add(group(c));
      continue;
    }
    bad.push(`${c.kind} ${JSON.stringify(c.args)}: Intl ${JSON.stringify(want)}, ours ${JSON.stringify(got)}`);
  }
  assert.ok(compared > 1000, `compared ${compared}`);
  assert.deepEqual(bad, [], bad.join('\n'));
  // The percent group is Rust-only, so it cannot differ here.
  const stale = [...KNOWN].filter((g) => !g.startsWith('percent|') && !differing.has(g));
  assert.deepEqual(stale, [], 'known differences that no longer occur');
});

test('formatDate takes Date objects and options; errors are KaleidoErrors', () => {
  const d = new Date('2025-01-31T14:05:09Z');
  assert.equal(
    k.formatDate(d, 'de-DE', { timeZone: 'Europe/Berlin', style: 'short', time: true }),
    new Intl.DateTimeFormat('de-DE', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Berlin' }).format(d),
  );
  assert.equal(k.formatDate('2025-01-31', 'en-US'), 'Jan 31, 2025');
  assert.equal(k.formatNumber(1234.5, 'en-US'), '1,234.5');
  assert.equal(k.formatCurrency(1234.5, 'EUR', 'de-DE'), '1.234,50\u00a0€');
  assert.equal(k.pluralCategory(2, 'ar-EG'), 'two');
  for (const [fn, kind] of [
    [() => k.formatNumber(1, 'xx-not-a-locale'), 'locale'],
    [() => k.formatCurrency(1, 'XYZ', 'en'), 'locale'],
    [() => k.formatDate('2025-01-31', 'en', { timeZone: 'Mars/Olympus' }), 'locale'],
    [() => k.formatDate('yesterday', 'en'), 'argument'],
    [() => k.formatDate('2025-01-31', 'en', { style: 'huge' }), 'argument'],
    [() => k.formatNumber(Infinity, 'en'), 'argument'],
    [() => k.holidays('XX', 2025), 'locale'],
    [() => k.holidays('US', 2025.5), 'argument'],
    [() => k.localSendTime({}, '09:00', { asOf: '2025-01-01T00:00:00Z' }), 'locale'],
    [() => k.localSendTime({ country: 'DE' }, 'nine', {}), 'argument'],
  ]) {
    const e = thrown(fn);
    assert.ok(e instanceof k.KaleidoError, String(e));
    assert.equal(e.kind, kind, e.message);
  }
});

test('holidays: ids, English and local names, estimated Islamic dates, regions', () => {
  const cn = k.holidays('CN', 2025);
  const mid = cn.find((h) => h.id === 'mid_autumn');
  assert.deepEqual(mid, { date: '2025-10-06', id: 'mid_autumn', name: 'Mid-Autumn Festival', localName: '中秋节', estimated: false });
  const eid = k.holidays('SA', 2025).find((h) => h.id === 'eid_al_fitr');
  assert.equal(eid.date, '2025-03-30');
  assert.equal(eid.estimated, true);
  assert.ok(!k.holidays('DE', 2025).some((h) => h.id === 'epiphany'));
  const by = k.holidays('DE', 2025, { region: 'BY' }).find((h) => h.id === 'epiphany');
  assert.deepEqual(by.regions, ['BW', 'BY', 'ST']);
  assert.equal(k.holidays('IL', 2025).find((h) => h.id === 'yom_kippur').date, '2025-10-02');
});

test('localSendTime: profile zone, country zone, DST gap, quiet hours', () => {
  const asOf = '2025-03-09T12:00:00Z';
  assert.equal(k.localSendTime({ timeZone: 'America/New_York' }, '09:00', { asOf }), '2025-03-09T13:00:00Z');
  assert.equal(k.localSendTime({ timeZone: 'America/New_York' }, '02:30', { asOf }), '2025-03-09T07:30:00Z');
  assert.equal(k.localSendTime({ country: 'JP' }, '09:00', { asOf }), '2025-03-09T00:00:00Z');
  assert.equal(k.localSendTime({}, '09:00', { asOf, fallbackTimeZone: 'Europe/Berlin' }), '2025-03-09T08:00:00Z');
  assert.equal(k.localSendTime({ tz: 'Asia/Kolkata' }, '09:00', { asOf, timeZoneField: 'tz' }), '2025-03-09T03:30:00Z');
  assert.equal(
    k.localSendTime({ country: 'DE' }, '22:00', { asOf, quietHours: ['21:00', '08:00'] }),
    '2025-03-10T07:00:00Z',
  );
  assert.equal(k.localSendTime({ country: 'DE' }, '09:00', { asOf: new Date(asOf), date: '2025-07-01' }), '2025-07-01T07:00:00Z');
});

test('segments with culture conditions evaluate per subscriber', () => {
  const s = k.Segment.parse('holiday "mid_autumn" within next 14 days and local_time between 08:00 and 20:00');
  const asOf = '2025-09-25T04:00:00Z';
  assert.equal(s.test({ country: 'CN' }, { asOf }), true); // 12:00 in Shanghai
  assert.equal(s.test({ country: 'US' }, { asOf }), false);
  assert.equal(s.evaluate({}, { asOf }), null);
  assert.equal(thrown(() => s.toJsonLogic()).kind, 'argument');
  assert.equal(k.Segment.parse('season = "winter"').test({ country: 'AU' }, { asOf: '2025-07-01' }), true);
});
