// Audience from Node against the built pkg/: loading (records, NDJSON, CSV,
// events), errors with row and field, progress, and count/members/overlap
// agreeing with Segment.test on every profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage, thrown } from './helpers.mjs';
import { generateProfiles, toNdjson, DEFAULT_AS_OF } from '../../www/sample-data.js';

const k = await loadPackage();
const { Audience, Segment, SegmentSet, KaleidoError } = k;

const profiles = generateProfiles({ count: 1500, seed: 11 });
const opts = { asOf: DEFAULT_AS_OF, timeZone: 'UTC' };
const RULES = [
  'gender = "m" and age between 25 and 34 and did purchase in last 30 days',
  'did cart_add then did not purchase within 24 hours',
  'sum(purchase.amount in last 365 days) > 500 or count(purchase in last 90 days) >= 3',
  'interests contains any ["hiking", "running"] and city_size = "urban" and income_band >= 3',
  'consent.marketing and not (country in ["US", "CA"]) and last purchase within last 60 days',
  'email ends with "@gmail.com" or first_name starts with "an"',
  'birthday anniversary within next 14 days',
  'did email_open at least 3 times in last 8 weeks and not did email_click in last 8 weeks',
  'max(purchase.amount where category = "shoes") >= 100',
  'lifecycle = "active" and signup_date before 2024-01-01',
];

function expected(rule, options = opts, list = profiles) {
  const seg = Segment.parse(rule);
  return list.filter((p) => seg.test(p, options)).map((p) => p.id);
}

test('fromRecords: count and members agree with Segment.test on every profile', () => {
  const aud = Audience.fromRecords(profiles);
  assert.equal(aud.size, profiles.length);
  for (const rule of RULES) {
    const ids = expected(rule);
    assert.equal(aud.count(rule, opts), ids.length, rule);
    assert.deepEqual(aud.members(rule, opts), ids, rule);
    // A Segment object works as well as rule text.
    assert.equal(aud.count(Segment.parse(rule), opts), ids.length, rule);
  }
  // Time zones and another clock.
  const other = { asOf: '2025-06-15', timeZone: 'Pacific/Auckland' };
  for (const rule of RULES) assert.equal(aud.count(rule, other), expected(rule, other).length, rule);
  aud.free();
});

test('members pages in load order', () => {
  const aud = Audience.fromRecords(profiles);
  const rule = 'did purchase in last 365 days';
  const all = expected(rule);
  assert.ok(all.length > 30);
  assert.deepEqual(aud.members(rule, { ...opts, offset: 10, limit: 7 }), all.slice(10, 17));
  assert.deepEqual(aud.members(rule, { ...opts, offset: all.length + 5 }), []);
  assert.equal(thrown(() => aud.members(rule, { ...opts, limit: -1 })).kind, 'argument');
});

test('overlap gives the size of every non-empty combination', () => {
  const aud = Audience.fromRecords(profiles);
  const segs = ['gender = "f"', 'did purchase in last 90 days', Segment.parse('income_band >= 4'), 'app_user', 'country = "DE"'];
  const parsed = segs.map((s) => (typeof s === 'string' ? Segment.parse(s) : s));
  const regions = new Map();
  for (const p of profiles) {
    let mask = 0;
    parsed.forEach((s, i) => {
      if (s.test(p, opts)) mask |= 1 << i;
    });
    if (mask) regions.set(mask, (regions.get(mask) ?? 0) + 1);
  }
  const got = aud.overlap(segs, opts);
  assert.equal(got.length, regions.size);
  for (const r of got) {
    const mask = r.indexes.reduce((m, i) => m | (1 << i), 0);
    assert.equal(r.size, regions.get(mask), JSON.stringify(r));
    assert.deepEqual(r.in, r.indexes.map((i) => (typeof segs[i] === 'string' ? segs[i] : segs[i].toString())));
  }
  assert.equal(got.reduce((a, r) => a + r.size, 0), [...regions.values()].reduce((a, b) => a + b, 0));
  assert.equal(thrown(() => aud.overlap(Array(9).fill('app_user'), opts)).kind, 'argument');
});

test('segment references resolve through options.segments', () => {
  const aud = Audience.fromRecords(profiles);
  const set = new SegmentSet({ buyers: 'did purchase in last 90 days', vip: 'in segment "buyers" and income_band >= 4' });
  const o = { ...opts, segments: set };
  const seg = Segment.parse('in segment "vip" or not in segment "buyers"');
  assert.equal(aud.count(seg, o), profiles.filter((p) => seg.test(p, o)).length);
  const e = thrown(() => aud.count('in segment "nope"', o));
  assert.equal(e.kind, 'reference');
});

test('fromNdjson (string and bytes) equals fromRecords; profile() round-trips', () => {
  const text = toNdjson(profiles.slice(0, 300));
  const a = Audience.fromNdjson(text);
  const b = Audience.fromNdjson(new TextEncoder().encode(text));
  assert.equal(a.size, 300);
  assert.equal(b.size, 300);
  for (const p of profiles.slice(0, 300)) {
    assert.deepEqual(a.profile(p.id), JSON.parse(JSON.stringify(p)));
  }
  assert.equal(a.profile('no-such-id'), undefined);
  for (const rule of RULES) assert.equal(a.count(rule, opts), b.count(rule, opts));
  assert.ok(a.memoryBytes() > 300 * 100);
});

test('bad rows: data errors with row and field, or skipped with skipInvalid', () => {
  const text = '{"id": 1, "age": 30}\n{"id": 2, "events": [{"type": "open", "at": "soon"}]}\n{"id": 3}\n';
  const e = thrown(() => Audience.fromNdjson(text));
  assert.ok(e instanceof KaleidoError);
  assert.equal(e.kind, 'data');
  assert.equal(e.row, 2);
  assert.equal(e.field, 'events[0].at');
  const aud = Audience.fromNdjson(text, { skipInvalid: true });
  assert.equal(aud.size, 2);
  assert.equal(aud.loadSummary.loaded, 2);
  assert.deepEqual(aud.loadSummary.skipped.map((s) => [s.row, s.field]), [[2, 'events[0].at']]);
  // Duplicate ids.
  const d = thrown(() => Audience.fromRecords([{ id: 'a' }, { id: 'b' }, { id: 'a' }]));
  assert.equal(d.kind, 'data');
  assert.equal(d.row, 3);
  assert.match(d.message, /duplicate id/);
  // Schema: no coercion.
  const s = thrown(() => Audience.fromRecords([{ id: 1, age: '30' }], { schema: { age: 'number' } }));
  assert.deepEqual([s.kind, s.row, s.field], ['data', 1, 'age']);
  // Not JSON data.
  const big = thrown(() => Audience.fromRecords([{ id: 1 }, { id: 2, n: 10n }]));
  assert.deepEqual([big.kind, big.row], ['data', 2]);
  assert.equal(thrown(() => Audience.fromRecords('nope')).kind, 'argument');
});

test('fromCsv: quoting, delimiter, schema types, lists and dates', () => {
  const csv = 'id;name;age;tags;joined;vip\n1;"Smith; Ana";34;a|b;2025-01-01;true\n2;"say ""hi""";;"[""x""]";;false\n3;Bo;41.5;;2024-02-29;\n';
  const aud = Audience.fromCsv(csv, { delimiter: ';', schema: { tags: 'string[]', joined: 'date' } });
  assert.equal(aud.size, 3);
  assert.deepEqual(aud.profile(1), { id: 1, name: 'Smith; Ana', age: 34, tags: ['a', 'b'], joined: '2025-01-01', vip: true });
  assert.deepEqual(aud.profile(2), { id: 2, name: 'say "hi"', age: null, tags: ['x'], joined: null, vip: false });
  assert.equal(aud.count('tags contains "a" or joined before 2024-03-01', opts), 2);
  const e = thrown(() => Audience.fromCsv('id,age\n1,30\n2,thirty\n', { schema: { age: 'number' } }));
  assert.deepEqual([e.kind, e.row, e.field], ['data', 3, 'age']);
  assert.equal(thrown(() => Audience.fromCsv('id\n1\n', { delimiter: ';;' })).kind, 'argument');
});

test('addEvents from records and NDJSON; results see the new events', () => {
  const aud = Audience.fromRecords([{ id: 'a', age: 40 }, { id: 'b' }]);
  const rule = 'did purchase in last 30 days';
  assert.equal(aud.count(rule, opts), 0);
  aud.addEvents([{ id: 'a', type: 'purchase', at: '2025-11-20T10:00:00Z', amount: 5 }]);
  assert.deepEqual(aud.members(rule, opts), ['a']);
  aud.addEvents('{"id": "b", "type": "purchase", "at": "2025-11-21T10:00:00Z"}\n');
  assert.deepEqual(aud.members(rule, opts), ['a', 'b']);
  assert.deepEqual(aud.profile('a').events, [{ type: 'purchase', at: '2025-11-20T10:00:00Z', amount: 5 }]);
  const e = thrown(() => aud.addEvents([{ id: 'zz', type: 'open', at: '2025-11-21T10:00:00Z' }]));
  assert.deepEqual([e.kind, e.row, e.field], ['data', 1, 'id']);
  aud.addEvents([{ pid: 'a', type: 'open', at: '2025-11-22T10:00:00Z' }], { idField: 'pid' });
  assert.equal(aud.count('did open', opts), 1);
});

test('onProgress is called during long loads, ending at (total, total)', () => {
  const many = Array.from({ length: 25_000 }, (_, i) => ({ id: i, n: i % 7 }));
  const calls = [];
  const aud = Audience.fromRecords(many, { onProgress: (d, t) => calls.push([d, t]) });
  assert.equal(aud.size, 25_000);
  assert.deepEqual(calls, [
    [10_000, 25_000],
    [20_000, 25_000],
    [25_000, 25_000],
  ]);
  const nd = [];
  Audience.fromNdjson(many.map((p) => JSON.stringify(p)).join('\n'), { onProgress: (d, t) => nd.push([d, t]) });
  assert.deepEqual(nd.at(-1), [25_000, 25_000]);
  assert.ok(nd.length >= 3);
  assert.equal(thrown(() => Audience.fromRecords(many, { onProgress: 5 })).kind, 'argument');
  // An exception in the callback propagates.
  assert.throws(() => Audience.fromRecords(many, { onProgress: () => { throw new Error('stop'); } }), /stop/);
});

test('editing a rule re-evaluates without reloading (cached sub-rules)', () => {
  const aud = Audience.fromRecords(profiles);
  const steps = ['age >= 30', 'age >= 30 and did purchase in last 30 days', 'age >= 31 and did purchase in last 30 days', 'age >= 31 and did purchase in last 31 days'];
  for (const rule of steps) assert.equal(aud.count(rule, opts), expected(rule).length, rule);
  const before = aud.memoryBytes();
  aud.clearCache();
  assert.ok(aud.memoryBytes() < before);
});
