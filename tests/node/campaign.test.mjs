// Campaigns and assignVariant from Node, against the built pkg/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { loadPackage, thrown } from './helpers.mjs';

const k = await loadPackage();

/** The documented hash, recomputed with Node's own SHA-256. */
function unit(testName, id) {
  const hex = createHash('sha256').update(`${testName}:${id}`, 'utf8').digest('hex');
  return parseInt(hex.slice(0, 13), 16) / 2 ** 52;
}

function pick(variants, v) {
  const total = variants.reduce((s, x) => s + x.weight, 0);
  let cumulative = 0;
  for (const x of variants) {
    cumulative += x.weight;
    if (v < cumulative / total) return x.name;
  }
  return variants[variants.length - 1].name;
}

test('assignVariant is deterministic and matches the documented SHA-256 formula', () => {
  const variants = [
    { name: 'A', weight: 1 },
    { name: 'B', weight: 2 },
    { name: 'C', weight: 1 },
  ];
  assert.equal(unit('welcome-subject', '42'), 0.10444769056902836);
  const counts = { A: 0, B: 0, C: 0 };
  for (let i = 0; i < 20000; i++) {
    const id = i % 2 ? i : `user-${i}`;
    const v = k.assignVariant('js-test', id, variants);
    assert.equal(v, pick(variants, unit('js-test', String(id))), `id ${id}`);
    assert.equal(k.assignVariant('js-test', id, variants), v);
    counts[v]++;
  }
  assert.ok(Math.abs(counts.B / 20000 - 0.5) < 0.02, JSON.stringify(counts));
  const e = thrown(() => k.assignVariant('t', 1, []));
  assert.equal(e.kind, 'argument');
});

test('the example programme compiles and simulates a cart series with an exit', () => {
  const programme = k.Campaigns.examples();
  assert.equal(programme.campaigns.length, 11);
  const campaigns = new k.Campaigns(programme);
  assert.deepEqual(campaigns.names().slice(0, 2), ['welcome', 'newsletter']);
  const profile = {
    id: 'c1',
    first_name: 'Ana',
    timeZone: 'Europe/Berlin',
    locale: 'de-AT',
    consent: { email: true },
    events: [
      { type: 'cart_add', at: '2025-06-02T10:00:00+02:00', value: 80 },
      { type: 'purchase', at: '2025-06-03T09:00:00+02:00', amount: 80 },
    ],
  };
  const window = { from: '2025-06-01', to: '2025-06-10' };
  const sent = campaigns.simulate(profile, window);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].campaign, 'cart_abandonment');
  assert.equal(sent[0].step, '1h');
  assert.equal(sent[0].sendAt, '2025-06-02T09:00:00Z');
  assert.equal(sent[0].localTime, '2025-06-02T11:00:00+02:00');
  assert.equal(sent[0].subject, 'Da liegt noch etwas in deinem Warenkorb');
  assert.equal(sent[0].status, 'sent');
  const all = campaigns.simulate(profile, { ...window, includeSuppressed: true });
  assert.deepEqual(
    all.map((m) => [m.step, m.status, m.reason]),
    [
      ['1h', 'sent', undefined],
      ['24h', 'suppressed', 'exit'],
    ],
  );
  // As of day one the purchase is unknown: all three steps; Dates work too.
  const predicted = campaigns.simulate(profile, {
    from: new Date('2025-06-01T00:00:00Z'),
    to: '2025-06-10',
    asOf: '2025-06-02T12:00:00Z',
  });
  assert.deepEqual(
    predicted.map((m) => m.step),
    ['1h', '24h', '72h'],
  );
});

test('simulateAudience counts per local date and campaign', () => {
  const campaigns = new k.Campaigns([
    {
      name: 'weekly',
      schedule: { type: 'weekly', weekday: 'monday', at: '09:00' },
      content: { subject: 'Hi {{ first_name }}' },
    },
  ]);
  const profiles = [
    { id: 1, timeZone: 'Asia/Tokyo' },
    { id: 2, timeZone: 'America/Los_Angeles' },
    { id: 3 },
  ];
  // Monday 9 June 09:00 is before the end only in Tokyo (00:00 UTC).
  const counts = campaigns.simulateAudience(profiles, { from: '2025-06-01', to: '2025-06-09T05:00:00Z' });
  assert.deepEqual(counts, [
    { date: '2025-06-02', campaign: 'weekly', count: 3 },
    { date: '2025-06-09', campaign: 'weekly', count: 1 },
  ]);
  // An Audience holding the same profiles gives the same counts.
  const audience = k.Audience.fromRecords(profiles);
  assert.deepEqual(
    campaigns.simulateAudience(audience, { from: '2025-06-01', to: '2025-06-09T05:00:00Z' }),
    counts,
  );
  audience.free();
  const e = thrown(() => campaigns.simulateAudience([{}, 5], { from: '2025-06-01', to: '2025-06-10' }));
  assert.equal(e.kind, 'argument');
  assert.equal(e.row, 2);
});

test('a bad definition names the JSON path of the field', () => {
  const step = (delay) => ({ delay, content: { subject: 'x' } });
  const once = (name) => ({
    name,
    schedule: { type: 'once', date: '2025-06-03', at: '09:00' },
    content: { subject: 'x' },
  });
  const e = thrown(
    () =>
      new k.Campaigns([
        once('a'),
        once('b'),
        { name: 's', trigger: { event: 'x' }, steps: [step('1 hour'), step('3 dayz')] },
      ]),
  );
  assert.ok(e instanceof k.KaleidoError);
  assert.equal(e.kind, 'argument');
  assert.equal(e.field, 'campaigns[2].steps[1].delay');
  assert.match(e.message, /^campaigns\[2\]\.steps\[1\]\.delay: "3 dayz"/);
  const bad = thrown(() => new k.Campaigns([{ ...once('a'), audience: 'age >=' }]));
  assert.equal(bad.field, 'campaigns[0].audience');
  assert.equal(bad.line, 1);
  assert.equal(typeof bad.snippet, 'string');
});

test('segments come from the constructor and options are checked', () => {
  const segments = new k.SegmentSet({ vip: 'spend > 100' });
  const campaigns = new k.Campaigns(
    [
      {
        name: 'vip',
        audience: 'in segment "vip"',
        schedule: { type: 'once', date: '2025-06-03', at: '09:00' },
        content: { subject: '{% if variant == "B" %}B{% else %}A{% endif %}' },
        split: { variants: [{ name: 'A' }, { name: 'B' }] },
      },
    ],
    { segments },
  );
  const window = { from: '2025-06-01', to: '2025-07-01' };
  const [m] = campaigns.simulate({ id: 9, spend: 500 }, window);
  assert.equal(m.variant, k.assignVariant('vip', 9, [{ name: 'A', weight: 1 }, { name: 'B', weight: 1 }]));
  assert.equal(m.subject, m.variant);
  assert.deepEqual(campaigns.simulate({ id: 9, spend: 5 }, window), []);
  assert.equal(thrown(() => campaigns.simulate({ id: 9 }, { from: '2025-06-01' })).kind, 'argument');
  assert.equal(thrown(() => campaigns.simulate({ id: 9 }, { ...window, timeZone: 'Mars/Base' })).kind, 'locale');
});

test('formality is per campaign: one German subscriber, formal in one campaign and informal in another', () => {
  const content = (noun) => ({
    subject: `{{ greeting() }}: {% if formal %}Ihr{% else %}Dein{% endif %} ${noun}`,
    preview: '{{ address() }}',
  });
  const campaigns = new k.Campaigns({
    campaigns: [
      {
        name: 'bank_notice',
        formality: { de: 'formal', default: 'informal' },
        schedule: { type: 'once', date: '2025-06-03', at: '09:00' },
        content: content('Konto'),
      },
      {
        name: 'festival',
        formality: 'informal',
        schedule: { type: 'once', date: '2025-06-04', at: '09:00' },
        content: content('Ticket'),
      },
    ],
  });
  const anna = {
    id: 7,
    first_name: 'Anna',
    last_name: 'Müller',
    gender: 'female',
    locale: 'de-AT',
    timeZone: 'Europe/Vienna',
  };
  const got = campaigns
    .simulate(anna, { from: '2025-06-01', to: '2025-06-10' })
    .map((m) => [m.campaign, m.subject, m.preview]);
  assert.deepEqual(got, [
    ['bank_notice', 'Guten Tag Frau Müller: Ihr Konto', 'Frau Müller'],
    ['festival', 'Hallo Anna: Dein Ticket', 'Anna'],
  ]);
  const e = thrown(
    () =>
      new k.Campaigns([
        {
          name: 'x',
          formality: { de: 'formel' },
          schedule: { type: 'once', date: '2025-06-03', at: '09:00' },
          content: { subject: 'x' },
        },
      ]),
  );
  assert.equal(e.kind, 'argument');
  assert.equal(e.field, 'campaigns[0].formality.de');
  assert.match(e.message, /^campaigns\[0\]\.formality\.de: formality "formel"/);
});
