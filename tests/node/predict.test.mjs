// `predict` through the built package: the published CDNOW figures, scoring,
// derived fields in segment rules, and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { loadPackage, thrown, ROOT } from './helpers.mjs';

const k = await loadPackage();
const { predict, Segment, KaleidoError } = k;

/** The shared corpora: $KALEIDO_SHARED, else <repo>/../shared, else /work/shared. */
function shared() {
  if (process.env.KALEIDO_SHARED) return process.env.KALEIDO_SHARED;
  const beside = path.join(ROOT, '..', 'shared');
  return existsSync(beside) ? beside : '/work/shared';
}
const cdnow = (file) => readFileSync(path.join(shared(), 'corpora', 'cdnow', file), 'utf8');

/** A CSV with a header as objects of numbers. */
function csv(text) {
  const [head, ...lines] = text.trim().split('\n');
  const names = head.trim().split(',');
  return lines.map((l) => Object.fromEntries(l.trim().split(',').map((v, i) => [names[i], Number(v)])));
}

const round = (v, d) => Math.round(v * 10 ** d) / 10 ** d;

/** CDNOW_sample.txt as 2,357 profiles with purchase events (midnight UTC). */
function cdnowProfiles() {
  const byId = new Map();
  for (const line of cdnow('CDNOW_sample.txt').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const id = Number(f[1]);
    const d = f[2];
    const at = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T00:00:00Z`;
    if (!byId.has(id)) byId.set(id, { id, events: [] });
    byId.get(id).events.push({ type: 'purchase', at, amount: Number(f[4]) });
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
// The calibration period ends on 1997-09-30 (day 272), inclusive.
const CDNOW_AS_OF = '1997-09-30T23:59:59Z';

test('fitBgNbd reproduces the published CDNOW estimates (rows and columns)', () => {
  const rows = csv(cdnow('cdnow_customers_summary.csv'));
  assert.equal(rows.length, 2357);
  const fit = predict.fitBgNbd(rows);
  assert.deepEqual(
    [round(fit.r, 3), round(fit.alpha, 3), round(fit.a, 3), round(fit.b, 3), round(fit.logLikelihood, 1)],
    [0.243, 4.414, 0.793, 2.426, -9582.4],
  );
  const columns = {
    frequency: Float64Array.from(rows, (r) => r.frequency),
    recency: rows.map((r) => r.recency),
    T: Float64Array.from(rows, (r) => r.T),
  };
  assert.deepEqual(predict.fitBgNbd(columns), fit);
});

test('fitGammaGamma reproduces the CDNOW estimates', () => {
  const rows = csv(cdnow('cdnow_customers_summary_with_transactions.csv')).map((r) => ({
    frequency: r.x,
    monetaryValue: r.zbar,
  }));
  const fit = predict.fitGammaGamma(rows);
  // Mean spends rounded to cents in this file: v = 15.448 (lifetimes: 15.44775).
  assert.deepEqual([round(fit.p, 2), round(fit.q, 2), round(fit.v, 3)], [6.25, 3.74, 15.448]);
  assert.ok(Number.isFinite(fit.logLikelihood) && fit.logLikelihood < 0);
});

test('summarize turns purchase events into the published CDNOW summary', () => {
  const profiles = cdnowProfiles();
  assert.equal(profiles.length, 2357);
  const ours = predict.summarize(profiles, { asOf: CDNOW_AS_OF, unitDays: 7 });
  const published = csv(cdnow('cdnow_customers_summary.csv'));
  const spend = csv(cdnow('cdnow_customers_summary_with_transactions.csv'));
  let mismatches = 0;
  ours.forEach((s, i) => {
    const p = published[i];
    if (
      s.frequency !== p.frequency ||
      round(s.recency, 2) !== p.recency ||
      round(s.T, 2) !== p.T ||
      Math.abs(s.monetaryValue - spend[i].zbar) > 0.005 + 1e-9
    ) {
      mismatches++;
    }
  });
  assert.equal(mismatches, 0);
  // Customer 1 (weeks): 2 repeat days, 30.43, 38.86.
  assert.equal(ours[0].frequency, 2);
  assert.equal(ours[0].purchaseDays, 3);
});

test('fit on CDNOW profiles gives the published parameters in days', () => {
  const p = predict.fit(cdnowProfiles(), { asOf: CDNOW_AS_OF });
  assert.ok(p instanceof k.Predictor);
  const m = p.model;
  assert.equal(m.customers, 2357);
  assert.equal(m.unit, 'day');
  const bg = m.bgNbd;
  // Only the rate parameter scales with the unit (weeks = 7 days).
  assert.deepEqual([round(bg.r, 3), round(bg.alpha / 7, 3), round(bg.a, 3), round(bg.b, 3)], [0.243, 4.414, 0.793, 2.426]);
  const gg = m.gammaGamma;
  assert.deepEqual([round(gg.p, 2), round(gg.q, 2), round(gg.v, 2)], [6.25, 3.74, 15.44]);
  p.free();
});

const PUBLISHED = {
  bgNbd: { r: 0.24259292827982182, alpha: 4.413532265271819, a: 0.7928859664406882, b: 2.42575238262586 },
  gammaGamma: { p: 6.248802496075312, q: 3.744588460923114, v: 15.44774806492914 },
};

test('score: published conditional expectation, rows and columns agree', () => {
  // FHL (2005): E[Y(39) | x = 2, tx = 30.43, T = 38.86] = 1.226 (weeks).
  const [one] = predict.score(PUBLISHED, [{ frequency: 2, recency: 30.43, T: 38.86 }], { horizon: 39 });
  assert.equal(round(one.expectedPurchases, 3), 1.226);
  assert.ok(one.pAlive > 0 && one.pAlive < 1);
  assert.ok(one.purchaseProbability > 0 && one.purchaseProbability < one.pAlive);
  assert.equal(one.clv, undefined, 'no monetaryValue: no CLV');

  const rows = csv(cdnow('cdnow_customers_summary_with_transactions.csv')).map((r) => ({
    frequency: r.x,
    recency: r.t_x,
    T: r.T,
    monetaryValue: r.zbar,
  }));
  const weekly = { horizon: 13, clv: { periodsPerMonth: 4.345 } };
  const byRow = predict.score(PUBLISHED, rows, weekly);
  const cols = predict.score(
    PUBLISHED,
    {
      frequency: Float64Array.from(rows, (r) => r.frequency),
      recency: Float64Array.from(rows, (r) => r.recency),
      T: Float64Array.from(rows, (r) => r.T),
      monetaryValue: Float64Array.from(rows, (r) => r.monetaryValue),
    },
    weekly,
  );
  assert.ok(cols.pAlive instanceof Float64Array);
  assert.equal(cols.clv.length, rows.length);
  byRow.forEach((s, i) => {
    assert.equal(s.pAlive, cols.pAlive[i]);
    assert.equal(s.expectedPurchases, cols.expectedPurchases[i]);
    assert.equal(s.clv, cols.clv[i]);
  });
  // No repeat purchase: cannot have dropped out in BG/NBD.
  assert.equal(byRow.find((_, i) => rows[i].frequency === 0).pAlive, 1);
  // The sum of expected purchases over the next 39 weeks is close to the
  // published 1,748 repeat purchases observed in the holdout period (FHL 2005, fig. 3).
  const total = predict.score(PUBLISHED, rows, { horizon: 39 }).reduce((s, r) => s + r.expectedPurchases, 0);
  assert.ok(Math.abs(total - 1748) / 1748 < 0.1, `total ${total}`);
  assert.ok(byRow.every((s) => s.clv >= 0 && s.expectedSpend > 0));
});

test('derived fields merged into profiles work in segment rules; explain shows the inputs', () => {
  const profiles = cdnowProfiles();
  const { fields, model } = predict.deriveFields(profiles, { asOf: CDNOW_AS_OF });
  assert.equal(fields.length, profiles.length);
  assert.deepEqual(Object.keys(fields[0]), [
    'rfm',
    'p_alive',
    'churn_risk',
    'purchase_probability_30d',
    'expected_purchases_90d',
    'predicted_clv',
    'lifecycle',
    'best_send_hour',
  ]);
  assert.equal(model.customers, 2357);
  const enriched = predict.enrich(profiles, { asOf: CDNOW_AS_OF });
  assert.notEqual(enriched[0], profiles[0], 'copies');
  assert.equal(profiles[0].churn_risk, undefined, 'inputs untouched');
  assert.equal(enriched[0].events, profiles[0].events);
  const rule = Segment.parse('churn_risk > 0.7 and predicted_clv >= 20');
  const members = enriched.filter((p) => rule.test(p, { asOf: CDNOW_AS_OF }));
  const expected = fields.filter((f) => f.churn_risk > 0.7 && f.predicted_clv >= 20);
  assert.equal(members.length, expected.length);
  assert.ok(members.length > 0);
  const champs = Segment.parse('rfm.segment = "champions" and lifecycle in ["active", "vip", "new"]');
  assert.ok(enriched.some((p) => champs.test(p, { asOf: CDNOW_AS_OF })));
  for (const f of fields) {
    assert.ok(Math.abs(f.churn_risk - (1 - f.p_alive)) < 1e-12);
    assert.ok(f.purchase_probability_30d <= f.p_alive + 1e-12);
    assert.equal(f.best_send_hour, null, 'no opens anywhere');
  }

  const predictor = predict.fit(profiles, { asOf: CDNOW_AS_OF });
  const e = predictor.explain(profiles[0]);
  assert.deepEqual([e.frequency, e.recency, e.T, e.purchaseDays], [2, 213, 272, 3]);
  assert.deepEqual(e.bgNbd, model.bgNbd);
  assert.deepEqual(e.fields, fields[0]);
  assert.deepEqual(predictor.derive(profiles[0]), fields[0]);
  assert.deepEqual(predictor.deriveAll(profiles.slice(0, 3)), fields.slice(0, 3));
  // A fitted model can be reused: the same fields from given parameters.
  const again = predict.deriveFields(profiles.slice(0, 5), { asOf: CDNOW_AS_OF, model });
  assert.deepEqual(
    again.fields.map((f) => f.p_alive),
    fields.slice(0, 5).map((f) => f.p_alive),
  );
  predictor.free();
});

test('best send hour, lifecycle and RFM from profiles', () => {
  const profiles = [
    {
      timezone: 'America/New_York',
      signup_date: '2024-11-01',
      events: [
        { type: 'email_open', at: '2024-12-02T14:10:00Z' },
        { type: 'email_open', at: '2024-12-03T14:50:00Z' },
        { type: 'purchase', at: '2024-12-20T10:00:00Z', amount: 25 },
      ],
    },
    { events: [{ type: 'email_open', at: '2024-12-05T20:00:00Z' }] },
    { signup_date: '2024-12-25' },
  ];
  const { fields } = predict.deriveFields(profiles, { asOf: '2025-01-01' });
  assert.equal(fields[0].best_send_hour, 9, '14:xx UTC is 09:xx in New York');
  assert.equal(fields[1].best_send_hour, 20);
  // The list's most common local hour: 09:00 (twice, in New York) over 20:00 (once).
  assert.equal(fields[2].best_send_hour, 9);
  assert.deepEqual(
    fields.map((f) => f.lifecycle),
    ['new', 'prospect', 'new'],
  );
  assert.equal(fields[0].p_alive, null, 'one customer: the model cannot be fitted');
  assert.deepEqual(fields[0].rfm, { r: 3, f: 3, m: 3, segment: 'need_attention' });
  assert.equal(fields[1].rfm, null);
  assert.equal(predict.lifecycle(profiles[0], { asOf: '2025-06-01', lifecycle: { activeDays: 100, lapsedDays: 200 } }), 'at_risk');
  assert.equal(predict.lifecycle(profiles[2], { asOf: '2025-01-01', signupField: null }), 'prospect');
  const scores = predict.rfm([
    { recency: 3, frequency: 12, monetary: 900 },
    { recency: 400, frequency: 1, monetary: 15 },
    { recency: 40, frequency: 3, monetary: 120 },
    { recency: 10, frequency: 2, monetary: 30 },
    { recency: 200, frequency: 6, monetary: 700 },
  ]);
  assert.equal(scores[0].code, '555');
  assert.equal(scores[0].segment, 'champions');
  assert.equal(scores[1].segment, 'lost');
});

function assertError(fn, kind, row, field, message) {
  const e = thrown(fn);
  assert.ok(e instanceof KaleidoError, String(e));
  assert.equal(e.kind, kind, e.message);
  assert.equal(e.row, row, e.message);
  assert.equal(e.field, field, e.message);
  if (message) assert.match(e.message, message);
}

test('bad input: KaleidoError with kind, row and field', () => {
  const good = { frequency: 1, recency: 2, T: 3 };
  assertError(() => predict.fitBgNbd([good, { frequency: 1, recency: 2 }]), 'data', 2, 'T', /T must be a finite number/);
  assertError(() => predict.fitBgNbd([good, { ...good, frequency: 'x' }]), 'data', 2, 'frequency');
  assertError(() => predict.fitBgNbd([good, good, { ...good, recency: 5 }]), 'data', 3, 'recency', /greater than T/);
  assertError(() => predict.fitBgNbd([good, { ...good, T: NaN }]), 'data', 2, 'T');
  assertError(() => predict.fitBgNbd([good, 7]), 'data', 2, undefined);
  assertError(() => predict.fitBgNbd([]), 'data', undefined, undefined, /at least one customer/);
  assertError(() => predict.fitBgNbd([{ frequency: 0, recency: 0, T: 3 }]), 'data', undefined, undefined, /repeat purchase/);
  assertError(() => predict.fitBgNbd('rows'), 'argument', undefined, undefined);
  assertError(() => predict.fitBgNbd({ frequency: [1], recency: [1, 2], T: [3] }), 'argument', undefined, undefined, /has 2 values/);
  assertError(() => predict.fitBgNbd({ frequency: [1], recency: [1] }), 'argument', undefined, undefined, /"T"/);
  assertError(() => predict.fitBgNbd({ frequency: [1, NaN], recency: [1, 1], T: [3, 3] }), 'data', 2, 'frequency');
  assertError(
    () => predict.fitGammaGamma([{ frequency: 1, monetaryValue: 10 }, { frequency: 2, monetaryValue: -1 }]),
    'data',
    2,
    'monetaryValue',
  );
  assertError(() => predict.fitGammaGamma([{ frequency: 0, monetaryValue: 0 }]), 'data', undefined, undefined);

  assertError(() => predict.score({}, [good]), 'argument', undefined, undefined, /bgNbd/);
  assertError(() => predict.score({ bgNbd: { ...PUBLISHED.bgNbd, r: -1 } }, [good]), 'argument', undefined, 'bgNbd.r');
  assertError(() => predict.score(PUBLISHED, [good, { ...good, recency: 9 }]), 'data', 2, 'recency');
  assertError(() => predict.score(PUBLISHED, [good], { horizon: -1 }), 'argument', undefined, undefined, /horizon/);

  const bad = [{ id: 1 }, { id: 2, events: [{ type: 'purchase', at: '2024-01-01T00:00:00Z', amount: '12' }] }];
  assertError(() => predict.deriveFields(bad, { asOf: '2025-01-01' }), 'data', 2, 'events[0].amount');
  assertError(() => predict.fit([{ events: [{ type: 'purchase', at: 'soon' }] }], { asOf: '2025-01-01' }), 'data', 1, 'events[0].at');
  assertError(() => predict.summarize([{ events: {} }], { asOf: '2025-01-01' }), 'data', 1, 'events');
  assertError(() => predict.deriveFields({}, {}), 'argument', undefined, undefined);
  assertError(() => predict.deriveFields([], { asOf: 'tomorrow' }), 'argument', undefined, undefined, /asOf/);
  assertError(() => predict.deriveFields([], { timeZone: 'Mars/Base' }), 'locale', undefined, undefined);
  assertError(() => predict.deriveFields([], { lifecycle: { activeDays: 500 } }), 'argument', undefined, undefined, /lapsed/);
  assertError(() => predict.deriveFields([], { signupField: 3 }), 'argument', undefined, undefined);
  // Unread event types may hold anything; an empty list is fine.
  const { fields, model } = predict.deriveFields([{ events: [{ type: 'view', at: 'whenever' }] }], { asOf: '2025-01-01' });
  assert.equal(fields[0].lifecycle, 'prospect');
  assert.equal(model.bgNbd, null);
  assert.match(model.bgNbdError, /at least one customer/);
  assert.deepEqual(predict.deriveFields([], { asOf: '2025-01-01' }).fields, []);
});
