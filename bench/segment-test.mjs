// Benchmark: `Segment.test` from JavaScript over 100,000 profile objects,
// against json-logic-js and a hand-written JS function on the same objects in
// the same run. Prints a markdown table; ratios are what the README quotes.
//
//   node bench/segment-test.mjs [--count 100000] [--rounds 3]
//
// Every engine must agree on the member count (checked below), so the
// comparison is between equivalent rules, not approximations.
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { Segment } from '../pkg/node.mjs';
import { generateProfiles, DEFAULT_AS_OF } from '../www/sample-data.js';

const require = createRequire(import.meta.url);
const jsonLogic = require('json-logic-js');

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const COUNT = flag('--count', 100_000);
const ROUNDS = flag('--rounds', 3);
const asOf = DEFAULT_AS_OF;
const asOfMs = Date.parse(asOf);
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const daysAgo = (n) => iso(asOfMs - n * 86_400_000);

// Events in the sample data are all strictly before asOf and written as
// "YYYY-MM-DDTHH:MM:SSZ", so "after the cutoff" is a string comparison for
// JsonLogic and the closure: `in last N days` is (asOf - N days, asOf].
const within = (type, days) => ({
  some: [{ var: 'events' }, { and: [{ '==': [{ var: 'type' }, type] }, { '>': [{ var: 'at' }, daysAgo(days)] }] }],
});

const rules = [
  {
    name: 'example 2 (3 conditions, one over events)',
    text: 'gender = "m" and age between 25 and 34 and did purchase in last 30 days',
    logic: {
      and: [{ '==': [{ var: 'gender' }, 'm'] }, { '<=': [25, { var: 'age' }, 34] }, within('purchase', 30)],
    },
    closure: (() => {
      const cutoff = daysAgo(30);
      return (p) =>
        p.gender === 'm' &&
        typeof p.age === 'number' &&
        p.age >= 25 &&
        p.age <= 34 &&
        p.events.some((e) => e.type === 'purchase' && e.at > cutoff);
    })(),
  },
  {
    name: '10 conditions (attributes, lists, nested consent, 3 event windows)',
    text:
      'consent.marketing and age between 25 and 54 and gender = "f" and ' +
      'country in ["US", "GB", "DE", "FR", "CA", "AU", "BR"] and orders_count >= 2 and ' +
      'total_spent > 100 and interests contains any ["fashion", "beauty", "fitness"] and ' +
      'did purchase in last 180 days and did email_open in last 60 days and not did cart_add in last 7 days',
    logic: {
      and: [
        { '===': [{ var: 'consent.marketing' }, true] },
        { '<=': [25, { var: 'age' }, 54] },
        { '==': [{ var: 'gender' }, 'f'] },
        { in: [{ var: 'country' }, ['US', 'GB', 'DE', 'FR', 'CA', 'AU', 'BR']] },
        { '>=': [{ var: 'orders_count' }, 2] },
        { '>': [{ var: 'total_spent' }, 100] },
        { some: [{ var: 'interests' }, { in: [{ var: '' }, ['fashion', 'beauty', 'fitness']] }] },
        within('purchase', 180),
        within('email_open', 60),
        { '!': within('cart_add', 7) },
      ],
    },
    closure: (() => {
      const c180 = daysAgo(180);
      const c60 = daysAgo(60);
      const c7 = daysAgo(7);
      const countries = new Set(['US', 'GB', 'DE', 'FR', 'CA', 'AU', 'BR']);
      const interests = new Set(['fashion', 'beauty', 'fitness']);
      return (p) =>
        p.consent?.marketing === true &&
        typeof p.age === 'number' &&
        p.age >= 25 &&
        p.age <= 54 &&
        p.gender === 'f' &&
        countries.has(p.country) &&
        p.orders_count >= 2 &&
        p.total_spent > 100 &&
        (p.interests ?? []).some((i) => interests.has(i)) &&
        p.events.some((e) => e.type === 'purchase' && e.at > c180) &&
        p.events.some((e) => e.type === 'email_open' && e.at > c60) &&
        !p.events.some((e) => e.type === 'cart_add' && e.at > c7);
    })(),
  },
];

function time(fn) {
  let best = Infinity;
  let result;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    result = fn();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, result };
}

const countWith = (profiles, pred) => {
  let n = 0;
  for (const p of profiles) if (pred(p)) n++;
  return n;
};

console.error(`generating ${COUNT} profiles (seeded sample data, asOf ${asOf})…`);
const profiles = generateProfiles({ count: COUNT, asOf });
const events = profiles.reduce((n, p) => n + p.events.length, 0);
console.log(`\n### Segment.test over ${COUNT.toLocaleString('en-US')} profile objects (${events.toLocaleString('en-US')} events), best of ${ROUNDS}\n`);
console.log('| rule | members | Kaleido `Segment.test` | json-logic-js | hand-written JS | Kaleido vs json-logic-js | Kaleido vs hand-written |');
console.log('|---|---:|---:|---:|---:|---:|---:|');

let failed = false;
for (const rule of rules) {
  const segment = Segment.parse(rule.text);
  const options = { asOf };
  const k = time(() => countWith(profiles, (p) => segment.test(p, options)));
  const j = time(() => countWith(profiles, (p) => jsonLogic.truthy(jsonLogic.apply(rule.logic, p))));
  const c = time(() => countWith(profiles, rule.closure));
  if (k.result !== j.result || k.result !== c.result) {
    console.error(`MISMATCH for ${rule.name}: kaleido ${k.result}, json-logic-js ${j.result}, closure ${c.result}`);
    failed = true;
  }
  const per = (ms) => `${ms.toFixed(0)} ms (${((ms * 1000) / COUNT).toFixed(2)} µs/profile)`;
  const ratio = (a, b) => (a < b ? `${(b / a).toFixed(1)}x faster` : `${(a / b).toFixed(1)}x slower`);
  console.log(
    `| ${rule.name} | ${k.result} | ${per(k.ms)} | ${per(j.ms)} | ${per(c.ms)} | ${ratio(k.ms, j.ms)} | ${ratio(k.ms, c.ms)} |`,
  );
}
if (failed) process.exit(1);
