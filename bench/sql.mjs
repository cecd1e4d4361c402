// Benchmark: counting a segment in Kaleido (Node, `Segment.test` over profile
// objects) and in DuckDB (the query `segment.toSql({ dialect: 'duckdb' })`
// writes), over the same generated profiles, in the same run. Both counts must
// be equal (checked): the comparison is between equivalent answers.
//
//   node bench/sql.mjs [--sizes 1000000,10000000] [--rounds 3]
//
// The default sizes (also KALEIDO_BENCH_SQL_SIZES) took 3 and 35 minutes on a
// shared 2-core machine; the 10M run writes 2 GB of CSV to the temp dir and
// DuckDB holds about 3 GB in memory.
//
// Profiles are generated in chunks of 100,000 (not timed). Kaleido's time is
// only the `test` calls over objects already in memory; DuckDB's load is the
// CSV import, its query time the median of `--rounds` runs of
// `SELECT COUNT(*) FROM (<compiled query>)`. Needs the `duckdb` Python package
// (`scripts/setup.sh --test` installs it).
import { performance } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { freemem, tmpdir, totalmem, cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Segment, version } from '../pkg/node.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const SIZES = flag('--sizes', process.env.KALEIDO_BENCH_SQL_SIZES ?? '1000000,10000000')
  .split(',')
  .map(Number);
const ROUNDS = Number(flag('--rounds', 3));
const CHUNK = 100_000;
const AS_OF = '2026-12-01T00:00:00Z';
const AS_OF_MS = Date.parse(AS_OF);
const OPTS = { asOf: AS_OF, timeZone: 'UTC' };

const SCHEMA = {
  id: 'string',
  age: 'number',
  country: 'string',
  gender: 'string',
  interests: 'string[]',
  'consent.marketing': 'boolean',
  signup_date: 'date',
  purchase: { event: { amount: 'number', category: 'string', product_id: 'string' } },
  cart_add: { event: { amount: 'number', category: 'string', product_id: 'string' } },
  email_open: { event: {} },
  app_open: { event: {} },
};

const RULES = [
  ['attributes', 'age between 25 and 34 and gender = "m" and country in ["US", "DE", "VN"]'],
  ['event window', 'did purchase in last 30 days'],
  ['aggregates', 'sum(purchase.amount in last 365 days) > 500 or count(purchase in last 90 days) >= 3'],
  ['sequence', 'did cart_add then did not purchase where same product_id within 24 hours'],
  [
    'list + consent + not did',
    'interests contains any ["hiking", "running"] and consent.marketing and not did email_open in last 90 days',
  ],
];

// ------------------------------------------------------------ data
const COUNTRIES = ['US', 'DE', 'VN', 'GB', 'FR', 'BR', 'JP', 'IN'];
const INTERESTS = ['hiking', 'running', 'cooking', 'fashion', 'gaming', 'travel'];
const CATEGORIES = ['shoes', 'electronics', 'books', 'beauty'];
const TYPES = ['purchase', 'cart_add', 'email_open', 'email_open', 'app_open'];

/** A small fast PRNG (xorshift32) seeded per profile: profile i is the same in every run. */
function rng(seed) {
  let s = (seed * 2654435761) >>> 0 || 1;
  return (m) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % m;
  };
}

const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

function profile(i) {
  const r = rng(i + 1);
  const p = { id: `p${String(i).padStart(8, '0')}` };
  if (r(10) > 0) p.age = 18 + r(62);
  p.country = COUNTRIES[r(COUNTRIES.length)];
  p.gender = r(2) ? 'f' : 'm';
  if (r(4) > 0) p.interests = INTERESTS.filter(() => r(3) === 0);
  if (p.interests && p.interests.length === 0) delete p.interests;
  p.consent = { marketing: r(5) > 0 };
  p.signup_date = iso(AS_OF_MS - (1 + r(1500)) * 86_400_000).slice(0, 10);
  const events = [];
  for (let n = r(7); n > 0; n--) {
    const type = TYPES[r(TYPES.length)];
    const at = AS_OF_MS - r(400 * 86_400) * 1000;
    const e = { type, at: iso(at) };
    if (type === 'purchase' || type === 'cart_add') {
      e.amount = 5 + r(300);
      e.category = CATEGORIES[r(CATEGORIES.length)];
      e.product_id = `sku-${r(50)}`;
      events.push(e);
      if (type === 'cart_add' && r(2)) {
        // Half the cart adds are bought, some within the day.
        events.push({ ...e, type: 'purchase', at: iso(at + r(2 * 86_400) * 1000) });
      }
    } else {
      events.push(e);
    }
  }
  p.events = events;
  return p;
}

const csv = (v) => (v === undefined || v === null ? '' : String(v));

function profileRow(p) {
  return [
    p.id,
    csv(p.age),
    p.country,
    p.gender,
    p.interests ? p.interests.join('|') : '',
    String(p.consent.marketing),
    p.signup_date,
  ].join(',');
}

function eventRows(p) {
  let out = '';
  for (const e of p.events) {
    out += `${p.id},${e.type},${e.at},${csv(e.amount)},${csv(e.category)},${csv(e.product_id)}\n`;
  }
  return out;
}

// ------------------------------------------------------------ run
const segments = RULES.map(([name, text]) => ({ name, text, segment: Segment.parse(text, { schema: SCHEMA }) }));
const queries = segments.map((s) => ({
  name: s.name,
  sql: s.segment.toSql({ dialect: 'duckdb', asOf: AS_OF, timeZone: 'UTC', schema: SCHEMA }),
}));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (s) => (s >= 10 ? s.toFixed(1) : s >= 1 ? s.toFixed(2) : s.toFixed(3));
const gb = (b) => `${(b / 2 ** 30).toFixed(1)} GB`;

console.log(
  `kaleido ${version()}, Node ${process.version}, ${cpus().length} cores, ${gb(totalmem())} RAM (${gb(freemem())} free at start)`,
);
const results = [];
for (const size of SIZES) {
  const dir = mkdtempSync(path.join(tmpdir(), 'kaleido-bench-sql-'));
  try {
    const pFile = path.join(dir, 'profiles.csv');
    const eFile = path.join(dir, 'events.csv');
    const pfd = openSync(pFile, 'w');
    const efd = openSync(eFile, 'w');
    writeSync(pfd, 'id,age,country,gender,interests,consent.marketing,signup_date\n');
    writeSync(efd, 'profile_id,type,at,amount,category,product_id\n');
    const kaleido = segments.map(() => ({ count: 0, seconds: 0 }));
    let events = 0;
    const began = performance.now();
    for (let start = 0; start < size; start += CHUNK) {
      const n = Math.min(CHUNK, size - start);
      const chunk = new Array(n);
      for (let i = 0; i < n; i++) chunk[i] = profile(start + i);
      segments.forEach((s, j) => {
        const t = performance.now();
        let c = 0;
        for (const p of chunk) if (s.segment.test(p, OPTS)) c++;
        kaleido[j].seconds += (performance.now() - t) / 1000;
        kaleido[j].count += c;
      });
      let prows = '';
      let erows = '';
      for (const p of chunk) {
        prows += `${profileRow(p)}\n`;
        erows += eventRows(p);
        events += p.events.length;
      }
      writeSync(pfd, prows);
      writeSync(efd, erows);
      if (process.stderr.isTTY) process.stderr.write(`\r${size}: ${start + n} profiles generated and tested`);
    }
    closeSync(pfd);
    closeSync(efd);
    if (process.stderr.isTTY) process.stderr.write('\n');
    const wall = (performance.now() - began) / 1000;
    const csvBytes = statSync(pFile).size + statSync(eFile).size;

    const py = spawnSync(process.env.KALEIDO_PYTHON ?? 'python3', [path.join(HERE, 'sql-duckdb.py')], {
      input: JSON.stringify({ profiles: pFile, events: eFile, queries, rounds: ROUNDS }),
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (py.status !== 0) {
      console.log(`\n${size.toLocaleString('en-US')} profiles: DuckDB failed (exit ${py.status}): ${py.stderr.trim()}`);
      results.push({ size, failed: true });
      continue;
    }
    const duck = JSON.parse(py.stdout);
    if (duck.profiles !== size || duck.events !== events) {
      throw new Error(`DuckDB loaded ${duck.profiles} profiles / ${duck.events} events, expected ${size} / ${events}`);
    }
    console.log(
      `\n### ${size.toLocaleString('en-US')} profiles, ${events.toLocaleString('en-US')} events ` +
        `(CSV ${gb(csvBytes)}; generated + tested in ${fmt(wall)} s; DuckDB ${duck.version}, ${duck.threads} threads, load ${fmt(duck.load)} s)\n`,
    );
    console.log('| rule | members | Kaleido (Node) s | DuckDB s (median) | Kaleido / DuckDB | Kaleido µs/profile |');
    console.log('|---|---:|---:|---:|---:|---:|');
    segments.forEach((s, j) => {
      const d = duck.queries[j];
      const k = kaleido[j];
      if (d.count !== k.count) {
        throw new Error(`${s.name}: DuckDB counted ${d.count}, Kaleido ${k.count} (${s.text})`);
      }
      const ds = median(d.seconds);
      console.log(
        `| ${s.name} | ${k.count.toLocaleString('en-US')} | ${fmt(k.seconds)} | ${fmt(ds)} | ${(k.seconds / ds).toFixed(1)}× | ${((k.seconds * 1e6) / size).toFixed(2)} |`,
      );
    });
    results.push({ size });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log('\nRules:');
for (const [name, text] of RULES) console.log(`- ${name}: \`${text}\``);
if (results.some((r) => r.failed)) process.exitCode = 1;
