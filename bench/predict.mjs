// Benchmark: `predict` in WebAssembly from Node — BG/NBD and Gamma-Gamma fits on
// 100,000 synthetic customers and scoring 1,000,000 — against the Python
// `lifetimes` package on the same generated data in the same run (if it is
// installed: python3 -m venv /tmp/lt && /tmp/lt/bin/pip install lifetimes).
// Prints a markdown table with ratios.
//
//   node bench/predict.mjs [--customers 100000] [--score 1000000] [--python /tmp/lt/bin/python]
//
// Targets: fit < 2 s, scoring < 300 ms. Scoring = P(alive), E[purchases in
// 13 weeks] and P(>= 1 purchase in 13 weeks) per customer (lifetimes: the first two).
import { performance } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { predict, Audience } from '../pkg/node.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const CUSTOMERS = Number(flag('--customers', 100_000));
const SCORED = Number(flag('--score', 1_000_000));
const PYTHON = flag('--python', process.env.LIFETIMES_PYTHON || '/tmp/lt/bin/python');
const HORIZON = 13; // weeks
const CSV = path.join(process.env.TMPDIR || '/tmp', `kaleido-bench-predict-${CUSTOMERS}.csv`);

// ---- synthetic customers (BG/NBD + Gamma-Gamma, seeded) ---------------------
function rng(seed) {
  // SplitMix32-style generator: deterministic, uniform on (0, 1).
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (((z ^ (z >>> 16)) >>> 0) + 0.5) / 4294967296;
  };
}
const uniform = rng(7);
function normal() {
  return Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}
function gamma(shape, rate) {
  if (shape < 1) return gamma(shape + 1, rate) * uniform() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normal();
    let v = 1 + c * z;
    if (v <= 0) continue;
    v = v * v * v;
    if (Math.log(uniform()) < 0.5 * z * z + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}
const beta = (a, b) => {
  const x = gamma(a, 1);
  return x / (x + gamma(b, 1));
};

const TRUTH = { r: 0.25, alpha: 4, a: 0.8, b: 2.5, p: 6, q: 4, v: 15 };
function generate(n) {
  const frequency = new Float64Array(n);
  const recency = new Float64Array(n);
  const T = new Float64Array(n);
  const monetaryValue = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Ages 26..52 weeks, as a list that grew over half a year; times in whole days.
    const age = 26 + (i % 27);
    const lambda = gamma(TRUTH.r, TRUTH.alpha);
    const drop = beta(TRUTH.a, TRUTH.b);
    let t = 0;
    let x = 0;
    let last = 0;
    for (;;) {
      t += -Math.log(uniform()) / lambda;
      if (t > age) break;
      x++;
      last = t;
      if (uniform() < drop) break;
    }
    frequency[i] = x;
    recency[i] = Math.round(last * 7) / 7;
    T[i] = age;
    if (x > 0) {
      const nu = gamma(TRUTH.q, TRUTH.v);
      let sum = 0;
      for (let k = 0; k < x; k++) sum += gamma(TRUTH.p, nu);
      monetaryValue[i] = Math.round((sum / x) * 100) / 100 || 0.01;
    }
  }
  return { frequency, recency, T, monetaryValue };
}

const time = (fn) => {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
};
const best = (rounds, fn) => {
  let out;
  for (let i = 0; i < rounds; i++) {
    const r = time(fn);
    if (!out || r.ms < out.ms) out = r;
  }
  return out;
};

const data = generate(CUSTOMERS);
let csv = 'frequency,recency,T,monetary_value\n';
for (let i = 0; i < CUSTOMERS; i++) {
  csv += `${data.frequency[i]},${data.recency[i]},${data.T[i]},${data.monetaryValue[i]}\n`;
}
writeFileSync(CSV, csv);
const repeaters = data.frequency.reduce((s, x) => s + (x > 0), 0);

// ---- kaleido (WASM) ----------------------------------------------------------
const columns = { frequency: data.frequency, recency: data.recency, T: data.T };
const bgFit = best(3, () => predict.fitBgNbd(columns));
const rows = Array.from({ length: CUSTOMERS }, (_, i) => ({
  frequency: data.frequency[i],
  recency: data.recency[i],
  T: data.T[i],
}));
const bgFitRows = best(3, () => predict.fitBgNbd(rows));
const ggColumns = { frequency: data.frequency, monetaryValue: data.monetaryValue };
const ggFit = best(3, () => predict.fitGammaGamma(ggColumns));
const model = { bgNbd: bgFit.value, gammaGamma: ggFit.value };

// 1,000,000 further customers from the same model (not copies of the 100,000:
// scoring computes each distinct history once, so repeats would flatter it).
const big = generate(SCORED);
const SCORE_CSV = CSV.replace('.csv', `-score-${SCORED}.csv`);
{
  const parts = ['frequency,recency,T\n'];
  for (let i = 0; i < SCORED; i++) parts.push(`${big.frequency[i]},${big.recency[i]},${big.T[i]}\n`);
  writeFileSync(SCORE_CSV, parts.join(''));
}
let distinct = new Set();
for (let i = 0; i < SCORED; i++) distinct.add(big.frequency[i] === 0 ? `0|${big.T[i]}` : `${big.frequency[i]}|${big.recency[i]}|${big.T[i]}`);
distinct = distinct.size;
const scoreCols = { frequency: big.frequency, recency: big.recency, T: big.T };
const score = best(3, () => predict.score(model, scoreCols, { horizon: HORIZON }));
let checksum = 0;
for (let i = 0; i < SCORED; i++) checksum += score.value.pAlive[i] + score.value.expectedPurchases[i];
const clvN = Math.min(SCORED, 100_000);
const clvCols = {
  frequency: big.frequency.subarray(0, clvN),
  recency: big.recency.subarray(0, clvN),
  T: big.T.subarray(0, clvN),
  monetaryValue: big.monetaryValue.subarray(0, clvN),
};
const clv = best(1, () => predict.score(model, clvCols, { horizon: HORIZON, clv: { periodsPerMonth: 4.345 } }));

// ---- derived fields from profiles with events ---------------------------------
// The same generator per day (as examples/predict_phases.rs): purchases over
// the last 180–365 days (30% never bought), 0–3 email opens, some page views,
// zones and sign-up dates on some profiles.
function profilesWithEvents(n) {
  const asOfDay = 20000; // 2024-10-04
  const ts = (day) => new Date(Math.round(day * 86400) * 1000).toISOString().replace('.000Z', 'Z');
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const age = 180 + (i % 186);
    const lambda = gamma(0.25, 28);
    const drop = beta(0.8, 2.5);
    const nu = gamma(6, 15);
    const events = [];
    let t = 0;
    let first = true;
    for (;;) {
      if (!first) t += -Math.log(uniform()) / lambda;
      if (t > age) break;
      const amount = Math.round(gamma(6, nu) * 100) / 100;
      if (first && uniform() < 0.3) break;
      first = false;
      events.push({ type: 'purchase', at: ts(asOfDay - age + t + 0.3), amount });
      if (uniform() < drop) break;
    }
    for (let k = 0; k < i % 4; k++) events.push({ type: 'email_open', at: ts(asOfDay - 3 - 7 * k + (i % 24) / 24) });
    if (i % 3 === 0) events.push({ type: 'page_view', at: ts(asOfDay - 1.5), path: '/' });
    const p = { id: i, email: `u${i}@example.com`, events };
    if (i % 3 === 0) p.timezone = 'America/New_York';
    if (i % 4 === 0) p.signup_date = ts(asOfDay - age).slice(0, 10);
    out[i] = p;
  }
  return out;
}
const DERIVE_AS_OF = '2024-10-04T12:00:00Z';
const evProfiles = profilesWithEvents(CUSTOMERS);
const evCount = evProfiles.reduce((s, p) => s + p.events.length, 0);
const audLoad = time(() => Audience.fromRecords(evProfiles));
const audience = audLoad.value;
const audFirst = time(() => audience.count('churn_risk > 0.7', { asOf: DERIVE_AS_OF }));
const audSecond = time(() => audience.count('churn_risk > 0.7', { asOf: DERIVE_AS_OF }));
const enrich = time(() => predict.enrich(evProfiles, { asOf: DERIVE_AS_OF }));
const enrichMembers = enrich.value.reduce((s, p) => s + (p.churn_risk > 0.7), 0);
if (enrichMembers !== audFirst.value) throw new Error(`enrich ${enrichMembers} != audience ${audFirst.value}`);

// ---- lifetimes (Python), same CSV --------------------------------------------
let py = null;
let pyWhy = '';
if (!existsSync(PYTHON)) {
  pyWhy = `${PYTHON} not found (python3 -m venv /tmp/lt && /tmp/lt/bin/pip install lifetimes)`;
} else {
  const run = spawnSync(PYTHON, [path.join(HERE, 'predict-fit.py'), '--bench', CSV, '--score-csv', SCORE_CSV, '--horizon', String(HORIZON)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const line = (run.stdout || '').trim().split('\n').pop();
  try {
    py = JSON.parse(line);
  } catch {
    pyWhy = `lifetimes run failed (status ${run.status}): ${(run.stderr || '').trim().split('\n').slice(-3).join(' | ')}`;
  }
}

// ---- report ------------------------------------------------------------------
console.log(`scoring list: ${SCORED.toLocaleString('en-US')} customers, ${distinct.toLocaleString('en-US')} distinct histories (times in days, ages in whole weeks)`);
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const ratio = (ours, theirs) => (theirs == null ? '—' : `${(theirs / ours).toFixed(1)}× faster`);
const n = (v) => v.toLocaleString('en-US');
const p4 = (o, keys) => keys.map((k) => `${k}=${o[k].toFixed(3)}`).join(' ');

console.log(`\n${n(CUSTOMERS)} synthetic customers (${n(repeaters)} repeat buyers; truth r=${TRUTH.r} alpha=${TRUTH.alpha} a=${TRUTH.a} b=${TRUTH.b}, p=${TRUTH.p} q=${TRUTH.q} v=${TRUTH.v}), Node ${process.version}`);
console.log(`kaleido   BG/NBD ${p4(bgFit.value, ['r', 'alpha', 'a', 'b'])}  Gamma-Gamma ${p4(ggFit.value, ['p', 'q', 'v'])}`);
if (py) console.log(`lifetimes BG/NBD ${p4(py.bgNbd, ['r', 'alpha', 'a', 'b'])}  Gamma-Gamma ${p4(py.gammaGamma, ['p', 'q', 'v'])}  (lifetimes ${py.lifetimes})`);
else console.log(`lifetimes: not compared — ${pyWhy}`);
console.log('');
console.log('| task | kaleido (WASM, Node) | lifetimes (Python) | ratio | target |');
console.log('|---|---|---|---|---|');
console.log(`| BG/NBD fit, ${n(CUSTOMERS)} customers (columns) | ${fmt(bgFit.ms)} | ${py ? fmt(py.bgFit * 1000) : '—'} | ${ratio(bgFit.ms, py && py.bgFit * 1000)} | < 2 s ${bgFit.ms < 2000 ? '✓' : '✗'} |`);
console.log(`| BG/NBD fit, ${n(CUSTOMERS)} customers (row objects) | ${fmt(bgFitRows.ms)} | | | |`);
console.log(`| Gamma-Gamma fit, ${n(repeaters)} repeat buyers | ${fmt(ggFit.ms)} | ${py ? fmt(py.ggFit * 1000) : '—'} | ${ratio(ggFit.ms, py && py.ggFit * 1000)} | < 2 s ${ggFit.ms < 2000 ? '✓' : '✗'} |`);
console.log(`| score ${n(SCORED)}: P(alive) + E[Y(${HORIZON})] + P(buy) | ${fmt(score.ms)} | ${py ? fmt(py.score * 1000) + ' (no P(buy))' : '—'} | ${ratio(score.ms, py && py.score * 1000)} | < 300 ms ${score.ms < 300 ? '✓' : '✗'} |`);
console.log(`| score ${n(clvN)} with 12-month CLV | ${fmt(clv.ms)} | | | |`);
console.log(`| derive fields on ${n(CUSTOMERS)} profiles with events (Audience, first count of a churn_risk rule; ${n(evCount)} events) | ${fmt(audFirst.ms)} | | | |`);
console.log(`| … the same count again (fit cached) | ${fmt(audSecond.ms)} | | | |`);
console.log(`| predict.enrich ${n(CUSTOMERS)} profiles with events | ${fmt(enrich.ms)} | | | |`);
console.log(`\n(Audience.fromRecords of those profiles: ${fmt(audLoad.ms)}; ${n(audFirst.value)} members of churn_risk > 0.7)`);
if (py) {
  const rel = Math.abs(py.checksum - checksum) / Math.abs(checksum);
  console.log(`\nscoring checksums (sum of P(alive) + E[Y]): kaleido ${checksum.toFixed(1)}, lifetimes ${py.checksum.toFixed(1)} (relative difference ${rel.toExponential(1)}; parameters fitted separately)`);
}
