// Node tests of the sample-data generator (www/sample-data.js) and the dev
// server (scripts/serve.mjs). No browser needed.
//
//   node --test tests/browser/sample-data.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import {
  generateProfiles,
  iterateProfiles,
  profileAt,
  SAMPLE_SCHEMA,
  COUNTRIES,
  LANGUAGES,
  INTERESTS,
  DEFAULT_AS_OF,
  toNdjson,
  _internal,
} from '../../www/sample-data.js';
import { startServer, contentType } from '../../scripts/serve.mjs';

const sha = (s) => createHash('sha256').update(s).digest('hex');
const ASOF_MS = Date.parse(DEFAULT_AS_OF);
const list = generateProfiles({ count: 3000, seed: 7 });

test('same seed gives byte-identical output; another seed differs', () => {
  const a = JSON.stringify(generateProfiles({ count: 800, seed: 42 }));
  const b = JSON.stringify(generateProfiles({ count: 800, seed: 42 }));
  const c = JSON.stringify(generateProfiles({ count: 800, seed: 43 }));
  assert.equal(sha(a), sha(b));
  assert.notEqual(sha(a), sha(c));
  // Independent of the host's time zone: the generator uses UTC only.
  assert.equal(sha(JSON.stringify(generateProfiles({ count: 50, seed: 42, asOf: new Date(DEFAULT_AS_OF) }))), sha(JSON.stringify(JSON.parse(a).slice(0, 50))));
});

test('prefix property: a short list is the start of a long one; slices and iterators agree', () => {
  const long = generateProfiles({ count: 300, seed: 5 });
  const short = generateProfiles({ count: 100, seed: 5 });
  assert.deepEqual(short, long.slice(0, 100));
  assert.deepEqual(generateProfiles({ count: 50, seed: 5, start: 200 }), long.slice(200, 250));
  assert.deepEqual([...iterateProfiles({ count: 10, seed: 5, start: 20 })], long.slice(20, 30));
  assert.deepEqual(profileAt(123, { seed: 5 }), long[123]);
});

test('profiles have the documented fields with the schema types', () => {
  const ids = new Set();
  const emails = new Set();
  const get = (o, path) => path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), o);
  for (const p of list) {
    ids.add(p.id);
    emails.add(p.email.toLowerCase());
    for (const [key, type] of Object.entries(SAMPLE_SCHEMA)) {
      if (typeof type === 'object') continue;
      const v = get(p, key);
      if (v === undefined) continue; // missing = unknown, allowed
      const ok = {
        string: () => typeof v === 'string',
        number: () => typeof v === 'number' && Number.isFinite(v),
        boolean: () => typeof v === 'boolean',
        date: () => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
        datetime: () => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(v),
        'string[]': () => Array.isArray(v) && v.every((x) => typeof x === 'string'),
      }[type];
      assert.ok(ok(), `${p.id}.${key} = ${JSON.stringify(v)} is not a ${type}`);
    }
    for (const key of Object.keys(p)) {
      if (key === 'events' || key === 'consent' || key === 'preferences') continue;
      assert.ok(key in SAMPLE_SCHEMA, `undocumented field ${key}`);
    }
    assert.ok(!('churn_risk' in p) && !('predicted_clv' in p), 'no fake predictions');
    if (p.birthday) {
      const b = p.birthday;
      const t = DEFAULT_AS_OF.slice(0, 10);
      let age = Number(t.slice(0, 4)) - Number(b.slice(0, 4));
      if (t.slice(5) < b.slice(5)) age--;
      assert.equal(p.age, age, `${p.id} age matches birthday`);
      assert.ok(p.age >= 18 && p.age <= 90);
    } else {
      assert.equal(p.age, undefined);
    }
    assert.ok(p.income_band === undefined || (p.income_band >= 1 && p.income_band <= 5));
    assert.equal(new Set(p.interests).size, p.interests.length);
    assert.ok(p.interests.every((i) => INTERESTS.includes(i)));
  }
  assert.equal(ids.size, list.length, 'unique ids');
  assert.equal(emails.size, list.length, 'unique e-mail addresses (case-insensitively)');
});

test('events are typed, sorted, before asOf, with the documented properties', () => {
  for (const p of list) {
    let prev = '';
    let orders = 0;
    let spent = 0;
    for (const e of p.events) {
      const schema = SAMPLE_SCHEMA[e.type];
      assert.ok(schema && schema.event, `known event type ${e.type}`);
      assert.match(e.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.ok(Date.parse(e.at) < ASOF_MS, 'strictly before asOf');
      assert.ok(e.at >= prev, 'sorted by time');
      prev = e.at;
      assert.deepEqual(Object.keys(e).sort(), ['type', ...Object.keys(schema.event)].sort(), `${e.type} properties`);
      if (e.type === 'purchase') {
        orders++;
        spent += e.amount;
        assert.equal(e.currency, p.currency);
        assert.ok(e.amount > 0 && e.amount_usd > 0);
      }
    }
    assert.equal(p.orders_count, orders);
    assert.ok(Math.abs(p.total_spent - spent) < 0.01 * Math.max(1, orders), `${p.id} total_spent`);
    if (orders > 0) {
      assert.ok(p.first_order_date <= p.last_order_date);
    } else {
      assert.equal(p.first_order_date, undefined);
    }
  }
});

test('the list is diverse and looks like a real store', () => {
  const big = generateProfiles({ count: 20000, seed: 1 });
  const countries = new Set(big.map((p) => p.country));
  const languages = new Set(big.map((p) => p.language));
  assert.ok(countries.size >= 20 && COUNTRIES.length >= 20, `countries: ${countries.size}`);
  assert.ok(languages.size >= 12 && LANGUAGES.length >= 12, `languages: ${languages.size}`);
  for (const c of ['US', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'PL', 'BR', 'MX', 'IN', 'CN', 'JP', 'KR', 'VN', 'TW', 'HK', 'SG', 'SA', 'AE', 'IL', 'UZ', 'AU', 'CA', 'EG', 'RU']) {
    assert.ok(countries.has(c), `country ${c}`);
  }
  // Time zones match the country.
  const tzPrefix = { US: /^(America|Pacific)\//, JP: /^Asia\/Tokyo$/, DE: /^Europe\/Berlin$/, AU: /^Australia\//, BR: /^America\//, RU: /^(Europe|Asia)\// };
  for (const p of big) if (p.timezone && tzPrefix[p.country]) assert.match(p.timezone, tzPrefix[p.country], p.id);
  // Some upper-case domains, some missing attributes (unknowns), some family-first names.
  assert.ok(big.some((p) => /@[^a-z]*[A-Z]/.test(p.email)));
  assert.ok(big.some((p) => p.gender === undefined) && big.some((p) => p.age === undefined) && big.some((p) => p.consent.marketing === undefined));
  assert.ok(big.some((p) => p.name_order === 'family_given' && /[\u4e00-\u9fff]/.test(p.last_name)));
  assert.ok(big.some((p) => /[\u0600-\u06ff]/.test(p.first_name)) && big.some((p) => /[\u0590-\u05ff]/.test(p.first_name)));
  // EU consents less than the US.
  const rate = (cc) => {
    const xs = big.filter((p) => cc.includes(p.country) && p.consent.marketing !== undefined);
    return xs.filter((p) => p.consent.marketing).length / xs.length;
  };
  assert.ok(rate(['DE', 'FR', 'IT', 'ES']) + 0.1 < rate(['US', 'AU', 'BR']));
  // Lapsed customers and never-buyers exist.
  const share = (l) => big.filter((p) => p.lifecycle === l).length / big.length;
  assert.ok(share('lapsed') > 0.1 && share('prospect') > 0.2 && share('active') > 0.1 && share('new') > 0.01);
  // Heavy-tailed spend: the top 10% of customers spend more than 40% of revenue.
  const spend = big.map((p) => p.total_spent_usd).sort((a, b) => b - a);
  const total = spend.reduce((a, b) => a + b, 0);
  assert.ok(spend.slice(0, big.length / 10).reduce((a, b) => a + b, 0) / total > 0.4);
  // Seasonality: November and December outsell February and March per day (over full years).
  const byMonth = new Array(12).fill(0);
  for (const p of big) for (const e of p.events) if (e.type === 'purchase' && e.at < '2025-01-01') byMonth[Number(e.at.slice(5, 7)) - 1]++;
  assert.ok(byMonth[10] / 30 > 1.3 * (byMonth[2] / 31), `Nov ${byMonth[10]} vs Mar ${byMonth[2]}`);
  assert.ok(byMonth[11] / 31 > 1.2 * (byMonth[1] / 28.25), `Dec ${byMonth[11]} vs Feb ${byMonth[1]}`);
  // East Asia buys before Lunar New Year (2024-02-10): the three weeks before vs the three after.
  const ea = big.filter((p) => ['CN', 'TW', 'HK', 'SG', 'VN', 'KR'].includes(p.country));
  const inRange = (a, b) => ea.reduce((n, p) => n + p.events.filter((e) => e.type === 'purchase' && e.at >= a && e.at < b).length, 0);
  assert.ok(inRange('2024-01-20', '2024-02-10') > 1.5 * inRange('2024-02-10', '2024-03-02'));
  // Every event type occurs.
  const types = new Set(big.flatMap((p) => p.events.map((e) => e.type)));
  assert.deepEqual([...types].sort(), ['app_open', 'cart_add', 'email_click', 'email_open', 'product_view', 'purchase']);
});

test('deterministic numerics agree with Math to double-ish precision', () => {
  const { dexp, dlog, civilDate, instantString } = _internal;
  for (let x = -20; x <= 20; x += 0.37) assert.ok(Math.abs(dexp(x) / Math.exp(x) - 1) < 1e-13, `exp ${x}`);
  for (let x = 1e-8; x < 1e8; x *= 3.7) assert.ok(Math.abs(dlog(x) - Math.log(x)) < 1e-12, `log ${x}`);
  for (let d = -1000; d < 80000; d += 13) assert.equal(civilDate(d), new Date(d * 86400000).toISOString().slice(0, 10));
  for (const ms of [0, 951782400000, 1709164800000, 4102444799999, -86400001]) {
    assert.equal(instantString(ms), new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19) + 'Z');
  }
});

test('bad arguments are rejected', () => {
  assert.throws(() => generateProfiles({ count: -1 }), RangeError);
  assert.throws(() => generateProfiles({ count: 1.5 }), RangeError);
  assert.throws(() => generateProfiles({ asOf: 'yesterday' }), TypeError);
  assert.equal(toNdjson(list.slice(0, 3)).split('\n').length, 4);
});

test('50,000 profiles generate quickly', () => {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const big = generateProfiles({ count: 50000, seed: 3 });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  assert.equal(big.length, 50000);
  // Budget generous for a loaded 2-core CI machine; typically ~1-2 s.
  console.log(`# 50,000 profiles: ${Math.round(wall)} ms wall, ${Math.round((cpu.user + cpu.system) / 1000)} ms CPU`);
  assert.ok(wall < 15000, `took ${Math.round(wall)} ms`);
});

// ─── The dev server ───────────────────────────────────────────────────────────

function get(url, path, method = 'GET') {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serve.mjs: MIME types, index, HEAD, no traversal, local only', async () => {
  const s = await startServer({ port: 0 });
  try {
    assert.equal(s.host, '127.0.0.1');
    assert.ok(s.port > 0);
    const index = await get(s.url, '/');
    assert.equal(index.status, 200);
    assert.match(index.headers['content-type'], /^text\/html/);
    assert.match(index.body, /<html/);
    assert.match(index.headers['content-security-policy'], /default-src 'self'/);
    const js = await get(s.url, '/sample-data.js');
    assert.equal(js.status, 200);
    assert.match(js.headers['content-type'], /^text\/javascript/);
    assert.equal((await get(s.url, '/style.css')).headers['content-type'], 'text/css; charset=utf-8');
    const head = await get(s.url, '/app.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.ok(Number(head.headers['content-length']) > 0);
    assert.equal(contentType('x/kaleido_bg.wasm'), 'application/wasm');
    assert.equal(contentType('a.mjs'), 'text/javascript; charset=utf-8');
    for (const evil of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/%2e%2e%2f%2e%2e%2fetc/passwd', '/..\\package.json', '/a%00.js', '/%E0%A4%A']) {
      const r = await get(s.url, evil);
      assert.ok([400, 403, 404].includes(r.status), `${evil} -> ${r.status}`);
      assert.doesNotMatch(r.body, /kaleido-dev|root:/);
    }
    assert.equal((await get(s.url, '/nope.js')).status, 404);
    assert.equal((await get(s.url, '/', 'POST')).status, 405);
  } finally {
    await s.close();
  }
});
