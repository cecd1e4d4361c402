// Audience benchmark: load time and memory, then `count` for six rules against
// json-logic-js, a hand-written JS closure and a hand-written typed-array loop,
// all measured in the same run on the same seeded data. Run by `make bench`
// (against pkg/), or:
//
//   node bench/audience.mjs [--sizes 100000,1000000] [--events 10] [--runs 3] [--load-only]
//   node bench/audience.mjs --write-ndjson /tmp/p100k.ndjson --sizes 100000   (the data as a file, for
//                                                                           tests/audience_perf.rs)
//
// The data generator is seeded and self-contained (www/sample-data.js is
// richer but ~0.5 ms per profile and ~2.5 KB of JSON each, too slow and too
// big for a million profiles on a shared machine). Every profile has about
// `--events` events (purchase, cart_add, email_open, product_view), so
// 1,000,000 profiles carry about 10,000,000 events.
import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');

// A million profiles with ten million events need a bigger heap than the default.
if (v8.getHeapStatistics().heap_size_limit < 8e9 && !process.env.KALEIDO_BENCH_CHILD) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=14000', ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, KALEIDO_BENCH_CHILD: '1' },
  });
  process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const SIZES = flag('sizes', '100000,1000000').split(',').map(Number);
const EVENTS = Number(flag('events', '10'));
const RUNS = Number(flag('runs', '3'));
// --load-only: just the NDJSON load (time and memory), for the biggest sizes.
const LOAD_ONLY = args.includes('--load-only');
const WRITE_NDJSON = flag('write-ndjson', null);

const { Audience, Segment } = WRITE_NDJSON
  ? {}
  : await import(pathToFileURL(path.join(ROOT, 'pkg', 'node.mjs')).href);
const require = createRequire(import.meta.url);
const jsonLogic = WRITE_NDJSON ? null : require('json-logic-js');

// ---------------------------------------------------------------- data

const AS_OF = '2025-12-01T00:00:00Z';
const AS_OF_MS = Date.parse(AS_OF);
const DAY = 86_400_000;
const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'SE', 'BR', 'MX', 'JP', 'AU', 'IN'];
const INTERESTS = ['hiking', 'running', 'cooking', 'travel', 'fashion', 'tech', 'gaming', 'music', 'books', 'yoga', 'cycling', 'gardening'];
const CITY = ['urban', 'suburban', 'rural'];
const EVENT_TYPES = ['email_open', 'email_open', 'email_open', 'email_open', 'email_open', 'product_view', 'product_view', 'cart_add', 'cart_add', 'purchase'];

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const isoDate = (ms) => new Date(ms).toISOString().slice(0, 10);

function generate(n, seed = 1) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const p = { id: i + 1 };
    if (r() > 0.02) p.gender = r() < 0.04 ? 'x' : r() < 0.5 ? 'f' : 'm';
    if (r() > 0.05) p.age = 18 + Math.floor(r() * 62);
    p.country = pick(COUNTRIES);
    p.city_size = pick(CITY);
    if (r() > 0.15) p.income_band = 1 + Math.floor(r() * 5);
    const k = Math.floor(r() * 5);
    const interests = [];
    for (let j = 0; j < k; j++) {
      const x = pick(INTERESTS);
      if (!interests.includes(x)) interests.push(x);
    }
    p.interests = interests;
    p.consent = { marketing: r() < 0.75 };
    p.signup_date = isoDate(AS_OF_MS - Math.floor(r() * 2000) * DAY);
    p.has_cart = r() < 0.2;
    p.opens_90d = Math.floor(r() * r() * 30);
    const events = [];
    const m = Math.max(0, Math.round(EVENTS + (r() - 0.5) * EVENTS));
    let t = AS_OF_MS - Math.floor(r() * 400) * DAY;
    for (let j = 0; j < m; j++) {
      t += Math.floor(r() * (AS_OF_MS - t) * 0.35);
      const type = pick(EVENT_TYPES);
      const e = { type, at: iso(t - (t % 1000)) };
      if (type === 'purchase' || type === 'cart_add') e.amount = Math.round(10 + 300 * r() * r() * 100) / 100;
      events.push(e);
      if (type === 'cart_add' && r() < 0.5) {
        // Often bought within a day.
        const t2 = t + Math.floor(r() * 30 * 3_600_000);
        if (t2 < AS_OF_MS) {
          t = t2;
          events.push({ type: 'purchase', at: iso(t - (t % 1000)), amount: e.amount });
        }
      }
    }
    const purchases = events.filter((e) => e.type === 'purchase');
    p.orders_count = purchases.length;
    p.total_spent = Math.round(purchases.reduce((a, e) => a + e.amount, 0) * 100) / 100;
    if (purchases.length) p.last_order_date = purchases[purchases.length - 1].at.slice(0, 10);
    p.events = events;
    out[i] = p;
  }
  return out;
}

// ---------------------------------------------------------------- rules

const minus = (days) => iso(AS_OF_MS - days * DAY);
const dayMinus = (days) => isoDate(AS_OF_MS - days * DAY);
const RULES = [
  {
    name: 'gender, age, purchase in 30 days',
    text: 'gender = "m" and age between 25 and 34 and did purchase in last 30 days',
  },
  { name: 'cart_add then no purchase in 24 h', text: 'did cart_add then did not purchase within 24 hours' },
  {
    name: 'sum 365 d > 500 or count 90 d >= 3',
    text: 'sum(purchase.amount in last 365 days) > 500 or count(purchase in last 90 days) >= 3',
  },
  {
    name: 'interests, city, income',
    text: 'interests contains any ["hiking", "running"] and city_size = "urban" and income_band >= 3',
  },
  {
    name: '10 conditions, selective',
    text:
      'consent.marketing and age between 25 and 44 and gender = "f" and country in ["US", "CA", "GB"] and orders_count >= 2 ' +
      'and total_spent > 100 and last_order_date within last 30 days and interests contains "running" and opens_90d >= 3 and not has_cart',
  },
  {
    name: '10 conditions, about a third',
    text:
      'consent.marketing and age >= 21 and gender in ["f", "m"] and country not in ["JP", "IN"] and orders_count >= 0 ' +
      'and total_spent >= 0 and signup_date before 2025-10-01 and opens_90d >= 0 and not has_cart and income_band >= 1',
  },
];

// JsonLogic (json-logic-js) for the same rules over the same objects. Times are
// compared as ISO strings, which is exact for this data (all `...Z`, seconds).
const v = (name) => ({ var: name });
const inEvents = (cond) => ({ filter: [v('events'), cond] });
const countOf = (arr) => ({ reduce: [arr, { '+': [v('accumulator'), 1] }, 0] });
const evType = (t) => ({ '==': [v('type'), t] });
const evAfter = (isoT) => ({ '>': [v('at'), isoT] });
const evNotFuture = { '<=': [v('at'), AS_OF] };
const LOGIC = [
  {
    and: [
      { '==': [v('gender'), 'm'] },
      { '<=': [25, v('age'), 34] },
      { some: [v('events'), { and: [evType('purchase'), evAfter(minus(30)), evNotFuture] }] },
    ],
  },
  null, // a sequence needs the first event inside the second filter: not expressible
  {
    or: [
      {
        '>': [
          { reduce: [inEvents({ and: [evType('purchase'), evAfter(minus(365)), evNotFuture] }), { '+': [v('accumulator'), v('current.amount')] }, 0] },
          500,
        ],
      },
      { '>=': [countOf(inEvents({ and: [evType('purchase'), evAfter(minus(90)), evNotFuture] })), 3] },
    ],
  },
  {
    and: [
      { some: [v('interests'), { in: [{ var: '' }, ['hiking', 'running']] }] },
      { '==': [v('city_size'), 'urban'] },
      { '>=': [v('income_band'), 3] },
    ],
  },
  {
    and: [
      { '==': [v('consent.marketing'), true] },
      { '<=': [25, v('age'), 44] },
      { '==': [v('gender'), 'f'] },
      { in: [v('country'), ['US', 'CA', 'GB']] },
      { '>=': [v('orders_count'), 2] },
      { '>': [v('total_spent'), 100] },
      { and: [{ '>': [v('last_order_date'), dayMinus(30)] }, { '<=': [v('last_order_date'), AS_OF.slice(0, 10)] }] },
      { in: ['running', v('interests')] },
      { '>=': [v('opens_90d'), 3] },
      { '==': [v('has_cart'), false] },
    ],
  },
  {
    and: [
      { '==': [v('consent.marketing'), true] },
      { '>=': [v('age'), 21] },
      { in: [v('gender'), ['f', 'm']] },
      { '!': { in: [v('country'), ['JP', 'IN']] } },
      { '>=': [v('orders_count'), 0] },
      { '>=': [v('total_spent'), 0] },
      { '<': [v('signup_date'), '2025-10-01'] },
      { '>=': [v('opens_90d'), 0] },
      { '==': [v('has_cart'), false] },
      { '>=': [v('income_band'), 1] },
    ],
  },
];

// Hand-written closures over the objects (with the rule's semantics for this
// data: missing values fail every condition).
const T30 = minus(30);
const T90 = minus(90);
const T365 = minus(365);
const D30 = dayMinus(30);
const TODAY = AS_OF.slice(0, 10);
const CLOSURES = [
  (p) => {
    if (p.gender !== 'm' || !(p.age >= 25 && p.age <= 34)) return false;
    for (const e of p.events) if (e.type === 'purchase' && e.at > T30 && e.at <= AS_OF) return true;
    return false;
  },
  (p) => {
    const ev = p.events;
    for (let i = 0; i < ev.length; i++) {
      const a = ev[i];
      if (a.type !== 'cart_add' || a.at > AS_OF) continue;
      const aMs = Date.parse(a.at);
      const deadline = aMs + DAY;
      if (deadline > AS_OF_MS) continue;
      const dl = iso(deadline);
      let found = false;
      for (let j = i + 1; j < ev.length; j++) {
        const b = ev[j];
        if (b.at <= a.at) continue;
        if (b.at > dl) break;
        if (b.type === 'purchase') {
          found = true;
          break;
        }
      }
      if (!found) return true;
    }
    return false;
  },
  (p) => {
    let sum = 0;
    let n = 0;
    for (const e of p.events) {
      if (e.type !== 'purchase' || e.at > AS_OF) continue;
      if (e.at > T365 && e.amount != null) sum += e.amount;
      if (e.at > T90) n++;
    }
    return sum > 500 || n >= 3;
  },
  (p) => (p.interests.includes('hiking') || p.interests.includes('running')) && p.city_size === 'urban' && p.income_band >= 3,
  (p) =>
    p.consent.marketing === true &&
    p.age >= 25 &&
    p.age <= 44 &&
    p.gender === 'f' &&
    (p.country === 'US' || p.country === 'CA' || p.country === 'GB') &&
    p.orders_count >= 2 &&
    p.total_spent > 100 &&
    p.last_order_date > D30 &&
    p.last_order_date <= TODAY &&
    p.interests.includes('running') &&
    p.opens_90d >= 3 &&
    p.has_cart === false,
  (p) =>
    p.consent.marketing === true &&
    p.age >= 21 &&
    (p.gender === 'f' || p.gender === 'm') &&
    p.country !== 'JP' &&
    p.country !== 'IN' &&
    p.orders_count >= 0 &&
    p.total_spent >= 0 &&
    p.signup_date < '2025-10-01' &&
    p.opens_90d >= 0 &&
    p.has_cart === false &&
    p.income_band >= 1,
];

// Typed-array columns (built once, not timed) and loops over them.
function columns(profiles) {
  const n = profiles.length;
  const code = (list) => (x) => (x === undefined ? 255 : list.indexOf(x));
  const gender = code(['f', 'm', 'x']);
  const country = code(COUNTRIES);
  const city = code(CITY);
  const day = (s) => (s === undefined ? NaN : Date.parse(s) / DAY);
  let total = 0;
  for (const p of profiles) total += p.events.length;
  const c = {
    n,
    gender: new Uint8Array(n),
    age: new Float64Array(n),
    country: new Uint8Array(n),
    city: new Uint8Array(n),
    income: new Float64Array(n),
    interests: new Uint16Array(n), // bit per interest
    consent: new Uint8Array(n),
    signup: new Float64Array(n),
    hasCart: new Uint8Array(n),
    opens: new Float64Array(n),
    orders: new Float64Array(n),
    spent: new Float64Array(n),
    lastOrder: new Float64Array(n),
    evStart: new Uint32Array(n + 1),
    evType: new Uint8Array(total),
    evAt: new Float64Array(total),
    evAmount: new Float64Array(total),
  };
  const types = ['email_open', 'product_view', 'cart_add', 'purchase'];
  let k = 0;
  profiles.forEach((p, i) => {
    c.gender[i] = gender(p.gender);
    c.age[i] = p.age ?? NaN;
    c.country[i] = country(p.country);
    c.city[i] = city(p.city_size);
    c.income[i] = p.income_band ?? NaN;
    c.interests[i] = p.interests.reduce((m, x) => m | (1 << INTERESTS.indexOf(x)), 0);
    c.consent[i] = p.consent.marketing ? 1 : 0;
    c.signup[i] = day(p.signup_date);
    c.hasCart[i] = p.has_cart ? 1 : 0;
    c.opens[i] = p.opens_90d;
    c.orders[i] = p.orders_count;
    c.spent[i] = p.total_spent;
    c.lastOrder[i] = day(p.last_order_date);
    c.evStart[i] = k;
    for (const e of p.events) {
      c.evType[k] = types.indexOf(e.type);
      c.evAt[k] = Date.parse(e.at);
      c.evAmount[k] = e.amount ?? NaN;
      k++;
    }
  });
  c.evStart[n] = k;
  return c;
}

const PURCHASE = 3;
const CART = 2;
const HIKING_RUNNING = (1 << INTERESTS.indexOf('hiking')) | (1 << INTERESTS.indexOf('running'));
const RUNNING = 1 << INTERESTS.indexOf('running');
const TODAY_DAY = Date.parse(TODAY) / DAY;
const SIGNUP_LIMIT = Date.parse('2025-10-01') / DAY;
const [US, CA, GB, JP, IN] = ['US', 'CA', 'GB', 'JP', 'IN'].map((x) => COUNTRIES.indexOf(x));
const LOOPS = [
  (c) => {
    let count = 0;
    const lo = AS_OF_MS - 30 * DAY;
    for (let i = 0; i < c.n; i++) {
      if (c.gender[i] !== 1 || !(c.age[i] >= 25 && c.age[i] <= 34)) continue;
      for (let g = c.evStart[i], e = c.evStart[i + 1]; g < e; g++) {
        if (c.evType[g] === PURCHASE && c.evAt[g] > lo && c.evAt[g] <= AS_OF_MS) {
          count++;
          break;
        }
      }
    }
    return count;
  },
  (c) => {
    let count = 0;
    for (let i = 0; i < c.n; i++) {
      const e = c.evStart[i + 1];
      outer: for (let a = c.evStart[i]; a < e; a++) {
        if (c.evType[a] !== CART || c.evAt[a] > AS_OF_MS) continue;
        const deadline = c.evAt[a] + DAY;
        if (deadline > AS_OF_MS) continue;
        for (let b = a + 1; b < e; b++) {
          if (c.evAt[b] <= c.evAt[a]) continue;
          if (c.evAt[b] > deadline) break;
          if (c.evType[b] === PURCHASE) continue outer;
        }
        count++;
        break;
      }
    }
    return count;
  },
  (c) => {
    let count = 0;
    const lo365 = AS_OF_MS - 365 * DAY;
    const lo90 = AS_OF_MS - 90 * DAY;
    for (let i = 0; i < c.n; i++) {
      let sum = 0;
      let n = 0;
      for (let g = c.evStart[i], e = c.evStart[i + 1]; g < e; g++) {
        if (c.evType[g] !== PURCHASE || c.evAt[g] > AS_OF_MS) continue;
        if (c.evAt[g] > lo365 && c.evAmount[g] === c.evAmount[g]) sum += c.evAmount[g];
        if (c.evAt[g] > lo90) n++;
      }
      if (sum > 500 || n >= 3) count++;
    }
    return count;
  },
  (c) => {
    let count = 0;
    for (let i = 0; i < c.n; i++) if ((c.interests[i] & HIKING_RUNNING) !== 0 && c.city[i] === 0 && c.income[i] >= 3) count++;
    return count;
  },
  (c) => {
    let count = 0;
    const lo = TODAY_DAY - 30;
    for (let i = 0; i < c.n; i++) {
      const co = c.country[i];
      if (
        c.consent[i] === 1 &&
        c.age[i] >= 25 &&
        c.age[i] <= 44 &&
        c.gender[i] === 0 &&
        (co === US || co === CA || co === GB) &&
        c.orders[i] >= 2 &&
        c.spent[i] > 100 &&
        c.lastOrder[i] > lo &&
        c.lastOrder[i] <= TODAY_DAY &&
        (c.interests[i] & RUNNING) !== 0 &&
        c.opens[i] >= 3 &&
        c.hasCart[i] === 0
      )
        count++;
    }
    return count;
  },
  (c) => {
    let count = 0;
    for (let i = 0; i < c.n; i++) {
      const co = c.country[i];
      const g = c.gender[i];
      if (
        c.consent[i] === 1 &&
        c.age[i] >= 21 &&
        (g === 0 || g === 1) &&
        co !== JP &&
        co !== IN &&
        c.orders[i] >= 0 &&
        c.spent[i] >= 0 &&
        c.signup[i] < SIGNUP_LIMIT &&
        c.opens[i] >= 0 &&
        c.hasCart[i] === 0 &&
        c.income[i] >= 1
      )
        count++;
    }
    return count;
  },
];

// ---------------------------------------------------------------- timing

/** Best of `runs` (milliseconds) and the last result. */
function time(fn, runs = RUNS) {
  let best = Infinity;
  let result;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = fn();
    best = Math.min(best, performance.now() - t);
  }
  return { ms: best, result };
}

const fmt = (ms) => (ms == null ? 'n/a' : ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(3)} ms`);
const ratio = (a, b) => (a == null || b == null ? 'n/a' : `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}x`);
const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;

function ndjsonBytes(profiles) {
  const enc = new TextEncoder();
  const parts = [];
  let len = 0;
  for (let i = 0; i < profiles.length; i += 10_000) {
    const chunk = enc.encode(profiles.slice(i, i + 10_000).map((p) => JSON.stringify(p)).join('\n') + '\n');
    parts.push(chunk);
    len += chunk.length;
  }
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

if (WRITE_NDJSON) {
  const fs = await import('node:fs');
  const bytes = ndjsonBytes(generate(SIZES[0], 42));
  fs.writeFileSync(WRITE_NDJSON, bytes);
  console.log(`wrote ${SIZES[0]} profiles (${mb(bytes.length)}) to ${WRITE_NDJSON}`);
  process.exit(0);
}

console.log(`# Audience benchmark (Node ${process.version}, ${EVENTS} events per profile on average, best of ${RUNS})\n`);
for (const n of SIZES) {
  let t = performance.now();
  const profiles = generate(n, 42);
  const events = profiles.reduce((a, p) => a + p.events.length, 0);
  console.log(`## ${n.toLocaleString('en')} profiles, ${events.toLocaleString('en')} events (generated in ${fmt(performance.now() - t)})\n`);
  const bytes = ndjsonBytes(profiles);
  // The yardstick: JSON.stringify of the same objects, one at a time.
  t = performance.now();
  let chars = 0;
  for (const p of profiles) chars += JSON.stringify(p).length;
  const stringifyMs = performance.now() - t;

  t = performance.now();
  const fromNd = Audience.fromNdjson(bytes);
  const ndMs = performance.now() - t;
  const mem = fromNd.memoryBytes();
  fromNd.free();
  if (LOAD_ONLY) {
    console.log(`NDJSON (${mb(bytes.length)}): load ${fmt(ndMs)} (${((ndMs * 1000) / n).toFixed(2)} µs per profile), WASM memory held ${mb(mem)} (${Math.round(mem / n)} B per profile); JSON.stringify of the objects ${fmt(stringifyMs)} (${chars} chars)\n`);
    continue;
  }
  t = performance.now();
  const aud = Audience.fromRecords(profiles);
  const recMs = performance.now() - t;
  console.log('| load | time | per profile | vs JSON.stringify | WASM memory held | per profile |');
  console.log('|---|---|---|---|---|---|');
  console.log(`| NDJSON (${mb(bytes.length)}) | ${fmt(ndMs)} | ${((ndMs * 1000) / n).toFixed(2)} µs | ${ratio(stringifyMs, ndMs)} | ${mb(mem)} | ${Math.round(mem / n)} B |`);
  console.log(`| JS records | ${fmt(recMs)} | ${((recMs * 1000) / n).toFixed(2)} µs | ${ratio(stringifyMs, recMs)} | ${mb(aud.memoryBytes())} | ${Math.round(aud.memoryBytes() / n)} B |`);
  console.log(`| (JSON.stringify of each object, ${chars.toLocaleString('en')} chars) | ${fmt(stringifyMs)} | ${((stringifyMs * 1000) / n).toFixed(2)} µs | 1x | | |`);
  console.log('');

  const cols = columns(profiles);
  console.log('| rule | matches | Kaleido count | cached | json-logic-js | JS closure | typed-array loop | vs json-logic | vs closure | vs typed arrays |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const opts = { asOf: AS_OF };
  RULES.forEach((rule, i) => {
    const seg = Segment.parse(rule.text);
    const k = time(() => {
      aud.clearCache();
      return aud.count(seg, opts);
    });
    const warm = time(() => aud.count(seg, opts));
    const logic = LOGIC[i];
    const jl = logic
      ? time(() => {
          let c = 0;
          for (const p of profiles) if (jsonLogic.apply(logic, p) === true) c++;
          return c;
        }, 1)
      : null;
    const cl = time(() => {
      let c = 0;
      const f = CLOSURES[i];
      for (const p of profiles) if (f(p)) c++;
      return c;
    });
    const ta = time(() => LOOPS[i](cols));
    const agree = [jl?.result, cl.result, ta.result].every((x) => x === undefined || x === k.result);
    const check = agree ? '' : ` ⚠ json-logic ${jl?.result ?? 'n/a'}, closure ${cl.result}, typed ${ta.result}`;
    console.log(
      `| ${rule.name} | ${k.result.toLocaleString('en')} (${((100 * k.result) / n).toFixed(1)}%)${check} | ${fmt(k.ms)} | ${fmt(warm.ms)} | ${fmt(jl?.ms)} | ${fmt(cl.ms)} | ${fmt(ta.ms)} | ${ratio(jl?.ms, k.ms)} | ${ratio(cl.ms, k.ms)} | ${ratio(ta.ms, k.ms)} |`,
    );
  });
  const segs = [0, 2, 3, 4, 5].map((i) => RULES[i].text);
  const ov = time(() => {
    aud.clearCache();
    return aud.overlap(segs, opts);
  });
  const ovWarm = time(() => aud.overlap(segs, opts));
  console.log(`\noverlap of 5 segments (rules 1, 3, 4, 5, 6): ${ov.result.length} regions, ${fmt(ov.ms)} (cached sub-rules: ${fmt(ovWarm.ms)})\n`);
  aud.free();
}
