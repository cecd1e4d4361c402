// Predicted fields on an Audience and in explanations, through the built
// package: Audience results equal predict.enrich + the one-profile evaluator,
// derive() fixes the fit, explanations carry the model inputs, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { loadPackage, thrown, ROOT } from './helpers.mjs';

const k = await loadPackage();
const { predict, Segment, SegmentSet, Audience, KaleidoError } = k;

function shared() {
  if (process.env.KALEIDO_SHARED) return process.env.KALEIDO_SHARED;
  const beside = path.join(ROOT, '..', 'shared');
  return existsSync(beside) ? beside : '/work/shared';
}

const AS_OF = '1997-09-30T23:59:59Z';

/** CDNOW_sample.txt as profiles, plus opens, zones, sign-ups and a few leads without purchases. */
function profiles() {
  const byId = new Map();
  const text = readFileSync(path.join(shared(), 'corpora', 'cdnow', 'CDNOW_sample.txt'), 'utf8');
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const id = Number(f[1]);
    const d = f[2];
    const at = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T00:00:00Z`;
    if (!byId.has(id)) byId.set(id, { id, events: [] });
    byId.get(id).events.push({ type: 'purchase', at, amount: Number(f[4]) });
  }
  const out = [...byId.values()].sort((a, b) => a.id - b.id);
  for (const p of out) {
    if (p.id % 5 === 0) {
      const h = String(6 + (p.id % 15)).padStart(2, '0');
      p.events.push({ type: 'email_open', at: `1997-08-0${1 + (p.id % 9)}T${h}:15:00Z` });
      p.events.push({ type: 'email_open', at: `1997-09-1${p.id % 10}T${h}:40:00Z` });
    }
    if (p.id % 3 === 0) p.timezone = 'America/New_York';
    if (p.id % 4 === 0) p.signup_date = '1996-12-15';
  }
  for (let i = 0; i < 40; i++) {
    const p = { id: `lead-${i}`, signup_date: `1997-09-${String(1 + (i % 28)).padStart(2, '0')}` };
    if (i % 2 === 0) p.events = [{ type: 'email_open', at: '1997-09-20T20:05:00Z' }];
    out.push(p);
  }
  return out;
}

const PROFILES = profiles();

const RULES = [
  'churn_risk > 0.7 and predicted_clv >= 200',
  'churn_risk > 0.7 and predicted_clv >= 20',
  'rfm.segment in ["at_risk", "cannot_lose"]',
  'lifecycle = "lapsed"',
  'best_send_hour = 20 or rfm.r = 5',
  'p_alive is not set',
  'purchase_probability_30d > 0.1 or expected_purchases_90d >= 0.5',
  'in segment "risky" and not in segment "champions"',
];

const segments = new SegmentSet({ risky: 'churn_risk > 0.5', champions: 'rfm.segment = "champions"' });

const idsOf = (list, rule, options) => list.filter((p) => rule.test(p, options)).map((p) => p.id);

test('Audience results equal predict.enrich then Segment.test and an Audience of the enriched list', () => {
  const enriched = predict.enrich(PROFILES, { asOf: AS_OF });
  const aud = Audience.fromRecords(PROFILES);
  const audEnriched = Audience.fromRecords(enriched);
  const options = { asOf: AS_OF, segments };
  let nonTrivial = 0;
  for (const text of RULES) {
    const rule = Segment.parse(text);
    const want = idsOf(enriched, rule, options);
    assert.deepEqual(aud.members(text, options), want, text);
    assert.equal(aud.count(rule, options), want.length, text);
    assert.deepEqual(audEnriched.members(text, options), want, text);
    if (want.length > 0 && want.length < PROFILES.length) nonTrivial++;
  }
  assert.ok(nonTrivial >= RULES.length - 1, `${nonTrivial}`);
  // One fit, the list's.
  assert.deepEqual(aud.derivedModel, predict.fit(PROFILES, { asOf: AS_OF }).model);
  // derivedFields is what enrich merged.
  for (const i of [0, 17, 400, PROFILES.length - 1]) {
    const fields = aud.derivedFields(PROFILES[i].id, { asOf: AS_OF });
    for (const key of Object.keys(fields)) assert.deepEqual(fields[key], enriched[i][key], `${i} ${key}`);
  }
  assert.equal(aud.derivedFields('nobody', { asOf: AS_OF }), undefined);
});

test('audience.derive fixes the fit and its options; clearDerived goes back to automatic fits', () => {
  const aud = Audience.fromRecords(PROFILES);
  assert.equal(aud.derivedModel, null);
  const options = { asOf: '1997-06-30', clv: { months: 24 }, lifecycle: { activeDays: 60 } };
  const model = aud.derive(options);
  assert.deepEqual(model, predict.fit(PROFILES, options).model);
  const enriched = predict.enrich(PROFILES, options);
  for (const text of RULES.slice(0, 7)) {
    // Evaluated at another asOf: the fields stay those of derive().
    assert.deepEqual(aud.members(text, { asOf: AS_OF }), idsOf(enriched, Segment.parse(text), { asOf: AS_OF }), text);
  }
  aud.clearDerived();
  assert.equal(aud.derivedModel, null);
  const auto = predict.enrich(PROFILES, { asOf: AS_OF });
  const rule = 'lifecycle = "at_risk" and predicted_clv > 30';
  assert.deepEqual(aud.members(rule, { asOf: AS_OF }), idsOf(auto, Segment.parse(rule), { asOf: AS_OF }));
});

test('profiles carrying a field keep their own value', () => {
  const list = PROFILES.slice(0, 300).map((p, i) => (i % 10 === 0 ? { ...p, churn_risk: 0.99, lifecycle: 'vip' } : p));
  const aud = Audience.fromRecords(list);
  const { fields } = predict.deriveFields(list, { asOf: AS_OF });
  // Automatically, stored fields stay plain attributes (missing = unknown).
  assert.deepEqual(aud.members('churn_risk < 0.2 or lifecycle = "vip"', { asOf: AS_OF }), list.filter((p, i) => i % 10 === 0).map((p) => p.id));
  // With derive, profiles without a value get the derived one.
  aud.derive({ asOf: AS_OF });
  const merged = list.map((p, i) => {
    const out = { ...p };
    for (const [key, v] of Object.entries(fields[i])) if (out[key] == null) out[key] = v;
    return out;
  });
  for (const text of ['churn_risk > 0.98', 'lifecycle = "vip" or churn_risk < 0.2']) {
    assert.deepEqual(aud.members(text, { asOf: AS_OF }), idsOf(merged, Segment.parse(text), { asOf: AS_OF }), text);
  }
  assert.equal(aud.derivedFields(list[0].id, { asOf: AS_OF }).churn_risk, 0.99);
});

const leaves = (e) => (e.children ? e.children.flatMap(leaves) : [e]);

test('Audience.explain and Segment.explain attach the model inputs to predicted leaves', () => {
  const aud = Audience.fromRecords(PROFILES);
  const enriched = predict.enrich(PROFILES, { asOf: AS_OF });
  const rule = Segment.parse('churn_risk > 0.7 and predicted_clv >= 20 or rfm.segment = "lost" or age > 3');
  const predictor = predict.fit(PROFILES, { asOf: AS_OF });
  for (let i = 0; i < PROFILES.length; i += 211) {
    const p = PROFILES[i];
    const x = aud.explain(rule, p.id, { asOf: AS_OF });
    assert.equal(x.result, rule.evaluate(enriched[i], { asOf: AS_OF }), `${p.id}`);
    const churn = leaves(x).find((l) => l.text.startsWith('churn_risk'));
    assert.equal(churn.inputs.field, 'churn_risk');
    assert.deepEqual(churn.inputs.value, enriched[i].churn_risk);
    assert.equal(leaves(x).find((l) => l.text.startsWith('age')).inputs, undefined);
    // The same through Segment.explain with the fitted Predictor.
    assert.deepEqual(rule.explain(p, { asOf: AS_OF, predictor }), x);
  }
  const x = aud.explain('churn_risk > 0.7', 1, { asOf: AS_OF });
  assert.deepEqual([x.inputs.frequency, x.inputs.recency, x.inputs.T], [2, 213, 272]);
  assert.match(x.text, /^churn_risk is 0\.\d+ \(3 purchase days, the last 59 days ago, customer for 272 days; BG\/NBD r=0\.2426, α=[\d.]+, a=0\.79\d*, b=2\.42\d*\) → > 0\.7: (true|false)$/);
  assert.equal(aud.explain('churn_risk > 0.7', 'nobody', { asOf: AS_OF }), undefined);

  // With only parameters (e.g. a stored Predictor.model): BG/NBD and CLV, no RFM.
  const plain = Segment.parse('churn_risk > 0.7 and rfm.r >= 1');
  const y = plain.explain(PROFILES[0], { asOf: AS_OF, model: predictor.model });
  assert.deepEqual(y.children[0].actual, enriched[0].churn_risk);
  assert.ok(y.children[0].inputs.bgNbd.r > 0);
  assert.equal(y.children[1].result, null);
  // Without predictor/model: a plain explanation.
  assert.equal(plain.explain(PROFILES[0], { asOf: AS_OF }).children[0].inputs, undefined);
});

test('bad options are argument errors naming the option; bad data is a data error', () => {
  const aud = Audience.fromRecords(PROFILES.slice(0, 50));
  const arg = (fn, field) => {
    const e = thrown(fn);
    assert.ok(e instanceof KaleidoError, String(e));
    assert.equal(e.kind, 'argument', e.message);
    assert.equal(e.field, field, e.message);
  };
  arg(() => aud.derive({ asof: '2025-01-01' }), 'asof');
  arg(() => aud.derive({ clv: { months: 'twelve' } }), 'clv');
  arg(() => aud.derive({ lifecycle: 7 }), 'lifecycle');
  arg(() => aud.derive({ model: { bgNbd: { r: -1, alpha: 1, a: 1, b: 1 } } }), 'bgNbd.r');
  assert.equal(thrown(() => aud.derive(5)).kind, 'argument');
  assert.equal(thrown(() => aud.derive({ timeZone: 'Mars/Base' })).kind, 'locale');
  const rule = Segment.parse('churn_risk > 0.5');
  arg(() => rule.explain(PROFILES[0], { predictor: {} }), 'predictor');
  arg(() => rule.explain(PROFILES[0], { model: 3 }), 'model');
  arg(() => rule.explain(PROFILES[0], { model: {} }), 'model');
  arg(() => rule.explain(PROFILES[0], { model: { bgNbd: { r: 1, alpha: 1, a: 1, b: 1 }, populationSendHour: 25 } }), 'model.populationSendHour');
  const freed = predict.fit(PROFILES.slice(0, 50), { asOf: AS_OF });
  freed.free();
  arg(() => rule.explain(PROFILES[0], { predictor: freed }), 'predictor');

  const bad = Audience.fromRecords([
    { id: 'a', events: [{ type: 'purchase', at: '2024-01-01T00:00:00Z', amount: 3 }] },
    { id: 'b', events: [{ type: 'purchase', at: '2024-01-02T00:00:00Z', amount: '12' }] },
  ]);
  assert.equal(bad.count('did purchase', { asOf: '2024-06-01' }), 2);
  const e = thrown(() => bad.count(rule, { asOf: '2024-06-01' }));
  assert.deepEqual([e.kind, e.row, e.field], ['data', 2, 'events[0].amount']);
});
