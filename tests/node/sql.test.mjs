// `Segment.prototype.toSql` through the WebAssembly package: options, errors,
// safety of literals, and the 16 examples of the segment language run on a
// real DuckDB (the `duckdb` Python package) with the same members as
// `Segment.test`. (tests/sql.rs checks the compiler itself far more widely on
// DuckDB and PostgreSQL.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPackage, thrown } from './helpers.mjs';

const k = await loadPackage();

const EXAMPLES = [
  'did not purchase in last 6 months',
  'gender = "m" and age between 25 and 34 and did purchase in last 30 days',
  'signup_date within last 14 days and did not purchase',
  'did purchase at least 5 times in last 365 days',
  'did cart_add then did not purchase within 24 hours',
  'did product_view where category = "shoes" then did not purchase where same product_id within 7 days',
  'not did email_open in last 90 days and not did email_click in last 90 days',
  'sum(purchase.amount in last 365 days) > 500 or count(purchase in last 90 days) >= 3',
  'country in ["VN", "CN", "TW", "HK", "SG"] and language != "en"',
  'interests contains any ["hiking", "running"] and city_size = "urban" and income_band >= 3',
  'in segment "lapsed" and consent.marketing and not in segment "complained"',
  'last email_open more than 90 days ago',
  'churn_risk > 0.7 and predicted_clv >= 200',
  'birthday anniversary within next 7 days',
  'timezone starts with "America/" and (lifecycle = "new" or lifecycle = "active")',
  'avg(purchase.amount where category = "electronics") > 120 and did app_open in last 7 days',
];

const HOSTILE = "x'; DROP TABLE profiles; --\\ \"q\" \n";

const SCHEMA = {
  gender: 'string',
  age: 'number',
  signup_date: 'date',
  country: 'string',
  language: 'string',
  interests: 'string[]',
  city_size: 'string',
  income_band: 'number',
  'consent.marketing': 'boolean',
  churn_risk: 'number',
  predicted_clv: 'number',
  birthday: 'date',
  timezone: 'string',
  lifecycle: 'string',
  name: 'string',
  purchase: { event: { amount: 'number', category: 'string', product_id: 'string' } },
  cart_add: { event: { amount: 'number', category: 'string', product_id: 'string' } },
  product_view: { event: { category: 'string', product_id: 'string' } },
  email_open: { event: {} },
  email_click: { event: {} },
  app_open: { event: {} },
  spam_report: { event: {} },
};

const PROFILE_COLUMNS = [
  ['id', 'VARCHAR'],
  ['gender', 'VARCHAR'],
  ['age', 'DOUBLE'],
  ['signup_date', 'DATE'],
  ['country', 'VARCHAR'],
  ['language', 'VARCHAR'],
  ['interests', 'VARCHAR[]'],
  ['city_size', 'VARCHAR'],
  ['income_band', 'DOUBLE'],
  ['consent.marketing', 'BOOLEAN'],
  ['churn_risk', 'DOUBLE'],
  ['predicted_clv', 'DOUBLE'],
  ['birthday', 'DATE'],
  ['timezone', 'VARCHAR'],
  ['lifecycle', 'VARCHAR'],
  ['name', 'VARCHAR'],
];

/** Deterministic profiles with nulls, window edges and sequences. */
function profiles(n, asOfMs) {
  let s = 7;
  const r = (m) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.floor((s / 2147483648) * m);
  };
  const pick = (xs) => xs[r(xs.length)];
  const maybe = (v) => (r(8) === 0 ? null : v);
  const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const day = 86_400_000;
  const out = [];
  for (let i = 0; i < n; i++) {
    const p = {
      id: `id-${String(i).padStart(5, '0')}`,
      gender: maybe(pick(['m', 'f', 'x'])),
      age: maybe(18 + r(60)),
      signup_date: maybe(iso(asOfMs - r(40) * day).slice(0, 10)),
      country: maybe(pick(['VN', 'CN', 'US', 'DE', 'SG', 'vn'])),
      language: maybe(pick(['en', 'vi', 'zh', 'de'])),
      city_size: maybe(pick(['urban', 'rural'])),
      income_band: maybe(r(6)),
      consent: r(6) === 0 ? {} : { marketing: r(3) > 0 },
      churn_risk: maybe(r(100) / 100),
      predicted_clv: maybe(r(400)),
      birthday: maybe(`19${50 + r(50)}-${pick(['11', '12', '01', '02', '03'])}-${String(1 + r(28)).padStart(2, '0')}`),
      timezone: maybe(pick(['America/New_York', 'Europe/Berlin', 'america/Lima', 'Asia/Tokyo'])),
      lifecycle: maybe(pick(['new', 'active', 'lapsed'])),
      name: r(10) === 0 ? HOSTILE : pick(['Ana', 'Zoë', 'Bob']),
    };
    if (r(5) > 0) p.interests = ['hiking', 'running', 'cooking', null].filter(() => r(2) === 0);
    const events = [];
    for (let j = r(9); j > 0; j--) {
      const type = pick(['purchase', 'purchase', 'cart_add', 'product_view', 'email_open', 'email_click', 'app_open', 'spam_report']);
      // Some events exactly on window edges (asOf - N days) and one after asOf.
      const at = r(6) === 0 ? asOfMs - pick([7, 30, 90, 180, 365]) * day + pick([-1000, 0, 1000]) : asOfMs - r(400 * 24) * 3_600_000 + (r(40) === 0 ? 2 * day : 0);
      const e = { type, at: iso(at) };
      if (type === 'purchase' || type === 'cart_add' || type === 'product_view') {
        e.category = maybe(pick(['shoes', 'electronics']));
        e.product_id = `sku-${r(4)}`;
        if (type !== 'product_view') e.amount = maybe(r(400));
      }
      events.push(e);
      if ((type === 'cart_add' || type === 'product_view') && r(2)) {
        events.push({
          type: 'purchase',
          at: iso(at + pick([3_600_000, 24 * 3_600_000, 24 * 3_600_000 + 1000, 6 * day, 8 * day])),
          product_id: r(2) ? e.product_id : 'sku-9',
          amount: r(300),
        });
      }
    }
    if (r(10) > 0) p.events = events;
    out.push(p);
  }
  return out;
}

/** Runs `queries` on DuckDB over `list` (through the Python package) and returns the ids of each. */
function duckdb(list, queries) {
  const dir = mkdtempSync(path.join(tmpdir(), 'kaleido-sql-'));
  try {
    const pFile = path.join(dir, 'profiles.ndjson');
    const eFile = path.join(dir, 'events.ndjson');
    writeFileSync(
      pFile,
      list
        .map((p) => JSON.stringify(Object.fromEntries(PROFILE_COLUMNS.map(([c]) => [c, c === 'consent.marketing' ? p.consent.marketing ?? null : p[c] ?? null]))))
        .join('\n'),
    );
    writeFileSync(
      eFile,
      list
        .flatMap((p) => (p.events ?? []).map((e) => JSON.stringify({ profile_id: p.id, type: e.type, at: e.at, amount: e.amount ?? null, category: e.category ?? null, product_id: e.product_id ?? null })))
        .join('\n'),
    );
    const script = `
import json, sys
import duckdb
job = json.load(sys.stdin)
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
def load(table, path, cols):
    spec = "{" + ", ".join("'" + n + "': '" + t + "'" for n, t in cols) + "}"
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_json(?, format = 'newline_delimited', columns = {spec})", [path])
load("profiles", job["profiles"], job["columns"])
load("events", job["events"], [["profile_id", "VARCHAR"], ["type", "VARCHAR"], ["at", "TIMESTAMPTZ"], ["amount", "DOUBLE"], ["category", "VARCHAR"], ["product_id", "VARCHAR"]])
counts = con.execute("SELECT (SELECT COUNT(*) FROM profiles), (SELECT COUNT(*) FROM events)").fetchone()
out = [[r[0] for r in con.execute(sql).fetchall()] for sql in job["queries"]]
tables = sorted(r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall())
json.dump({"ids": out, "tables": tables, "counts": counts}, sys.stdout)
`;
    const r = spawnSync(process.env.KALEIDO_PYTHON ?? 'python3', ['-c', script], {
      input: JSON.stringify({ columns: PROFILE_COLUMNS, profiles: pFile, events: eFile, queries }),
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    assert.equal(
      r.status,
      0,
      `DuckDB via Python failed (install with: pip install duckdb, or scripts/setup.sh --test): ${r.stderr}`,
    );
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.counts, [list.length, list.reduce((n, p) => n + (p.events ?? []).length, 0)]);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('toSql writes each dialect and reads the table layout options', () => {
  const seg = k.Segment.parse('age >= 30 and did purchase where amount > 10 in last 7 days');
  const base = { asOf: '2026-12-01', schema: SCHEMA };
  const duck = seg.toSql({ ...base, dialect: 'duckdb' });
  assert.match(duck, /^SELECT p\."id" FROM "profiles" AS p WHERE /);
  assert.match(duck, /TIMESTAMPTZ '2026-11-24 00:00:00\+00'/);
  assert.match(seg.toSql({ ...base, dialect: 'spark' }), /^SELECT p\.`id` FROM `profiles` AS p/);
  assert.match(seg.toSql({ ...base, dialect: 'bigquery' }), /^SELECT p\.`id` FROM `profiles` AS p/);
  assert.match(seg.toSql({ ...base, dialect: 'postgres' }), /^SELECT p\."id" FROM "profiles" AS p/);
  assert.match(seg.toSql({ ...base, dialect: 'snowflake' }), /^SELECT p\."id" FROM "profiles" AS p/);
  const custom = seg.toSql({
    ...base,
    dialect: 'postgres',
    timeZone: 'Europe/Berlin',
    tables: {
      profiles: 'crm.people',
      events: 'crm.activity',
      idColumn: 'person_id',
      orderColumn: 'row_no',
      eventProfileColumn: 'person',
      eventTypeColumn: 'kind',
      eventTimeColumn: 'ts',
      properties: { json: 'payload' },
    },
  });
  assert.match(custom, /^SELECT p\."person_id" FROM "crm"\."people" AS p WHERE /);
  assert.match(custom, /FROM "crm"\."activity"/);
  assert.match(custom, /"person" = p\."person_id"/);
  assert.match(custom, /"kind" = 'purchase'/);
  assert.match(custom, /"ts"/);
  assert.match(custom, /"payload"/);
  assert.match(custom, /ORDER BY p\."row_no"$/);
  // Berlin is UTC+1 on 2026-12-01: the day starts at 23:00 UTC.
  assert.match(custom, /'2026-11-23 23:00:00\+00'/);
  // A Date for asOf works like its ISO string.
  assert.equal(
    seg.toSql({ ...base, dialect: 'duckdb', asOf: new Date('2026-12-01T00:00:00Z') }),
    seg.toSql({ ...base, dialect: 'duckdb', asOf: '2026-12-01T00:00:00Z' }),
  );
});

test('toSql errors are KaleidoErrors: argument, type with position, reference', () => {
  const seg = k.Segment.parse('age > 3');
  for (const [options, message] of [
    [undefined, /options object with a dialect/],
    [{}, /dialect is required/],
    [{ dialect: 'oracle' }, /unknown SQL dialect "oracle"/],
    [{ dialect: 'duckdb', tables: { properties: 'xml' } }, /tables\.properties/],
    [{ dialect: 'duckdb', tables: { profile: 'x' } }, /profile/],
    [{ dialect: 'duckdb', timeZone: 'Mars/Base' }, /Mars\/Base/],
    [{ dialect: 'duckdb', schema: { age: 'int' } }, /int/],
  ]) {
    const e = thrown(() => seg.toSql(options));
    assert.ok(e instanceof k.KaleidoError, String(e));
    assert.match(e.message, message);
  }
  const ambiguous = thrown(() => k.Segment.parse('age > 3 and\ninterests contains "x"').toSql({ dialect: 'duckdb' }));
  assert.equal(ambiguous.kind, 'type');
  assert.equal(ambiguous.line, 2);
  assert.equal(ambiguous.column, 1);
  assert.match(ambiguous.message, /interests/);
  const ref = thrown(() => k.Segment.parse('in segment "vip"').toSql({ dialect: 'duckdb' }));
  assert.equal(ref.kind, 'reference');
  const nul = thrown(() => k.Segment.parse('name = "a\\u{0}b"').toSql({ dialect: 'duckdb', schema: SCHEMA }));
  assert.equal(nul.kind, 'argument');
});

test('the 16 examples and hostile literals give Segment.test members on DuckDB', () => {
  const set = new k.SegmentSet({ lapsed: 'did not purchase in last 180 days', complained: 'did spam_report' });
  const escaped = HOSTILE.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  const rules = [
    ...EXAMPLES,
    `name = "${escaped}"`,
    `name != "${escaped}" and name in ["${escaped}", "Ana"]`,
    `name contains "${escaped.slice(0, 12)}"`,
    `did purchase where category = "${escaped}"`,
  ];
  for (const [asOf, timeZone] of [
    ['2026-12-01T00:00:00Z', 'UTC'],
    ['2026-03-09T04:30:00Z', 'America/New_York'],
  ]) {
    const asOfMs = Date.parse(asOf);
    const list = profiles(1500, asOfMs);
    const opts = { asOf, timeZone, segments: set };
    const queries = rules.map((text) => k.Segment.parse(text).toSql({ ...opts, dialect: 'duckdb', schema: SCHEMA }));
    const got = duckdb(list, queries);
    rules.forEach((text, i) => {
      const seg = k.Segment.parse(text);
      const expected = list.filter((p) => seg.test(p, opts)).map((p) => p.id);
      assert.deepEqual(got.ids[i], expected, `${text} at ${asOf} ${timeZone}`);
      if (i < EXAMPLES.length) {
        // Most examples select some but not all profiles (the data exercises them).
        assert.ok(expected.length > 0 && expected.length < list.length, `${text}: ${expected.length} members`);
      }
    });
    assert.deepEqual(got.tables, ['events', 'profiles']);
  }
});
