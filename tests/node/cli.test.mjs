// The command-line tool (pkg/bin/kaleido.mjs), spawned as a user runs it:
// outputs, error messages with positions, exit codes (0 ok, 1 rule/data, 2 usage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadPackage, PKG } from './helpers.mjs';

const k = await loadPackage();
const BIN = path.join(PKG, 'bin', 'kaleido.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'kaleido-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function file(name, text) {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

function run(args, input) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input, cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Deterministic profiles with events, nulls and a few odd values. */
function profiles(n) {
  let s = 12345;
  const rnd = (m) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % m;
  };
  const out = [];
  for (let i = 0; i < n; i++) {
    const events = [];
    for (let j = rnd(6); j > 0; j--) {
      const day = 1 + rnd(60);
      events.push({
        type: ['purchase', 'email_open', 'app_open'][rnd(3)],
        at: `2026-${day > 30 ? '11' : '10'}-${String(((day - 1) % 30) + 1).padStart(2, '0')}T1${rnd(10)}:00:00Z`,
        amount: rnd(300),
        category: ['shoes', 'electronics', null][rnd(3)],
      });
    }
    const p = { id: `p${i}`, age: rnd(5) === 0 ? null : 18 + rnd(60), country: ['US', 'DE', 'VN', 'us'][rnd(4)], events };
    if (rnd(3) > 0) p.interests = ['hiking', 'running', 'cooking'].filter(() => rnd(2) === 0);
    out.push(p);
  }
  return out;
}

const SCHEMA = {
  age: 'number',
  country: 'string',
  interests: 'string[]',
  purchase: { event: { amount: 'number', category: 'string' } },
  email_open: { event: {} },
  app_open: { event: {} },
};

test('--help and --version print and exit 0; no command is a usage error (2)', () => {
  const h = run(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /kaleido sql --dialect DIALECT/);
  assert.match(h.out, /kaleido count/);
  assert.match(h.out, /kaleido check/);
  assert.match(h.out, /Exit codes: 0 ok; 1 rule or data error/);
  assert.equal(run(['sql', '--help']).code, 0);
  const v = run(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.out.trim(), k.version());
  const none = run([]);
  assert.equal(none.code, 2);
});

test('usage errors exit 2 with a message', () => {
  const rule = file('usage.txt', 'age > 30');
  const cases = [
    [['frobnicate'], /unknown command "frobnicate"/],
    [['sql', rule], /--dialect is required/],
    [['sql', '--dialect', 'oracle', rule], /unknown dialect "oracle"/],
    [['sql', '--dialect', 'duckdb', '--colour', rule], /unknown option --colour/],
    [['sql', '--dialect'], /--dialect needs a value/],
    [['sql', '--dialect', 'duckdb', path.join(dir, 'nope.txt')], /cannot read rule file .*nope\.txt: ENOENT/],
    [['count', rule], /usage: kaleido count/],
    [['count', rule, path.join(dir, 'nope.ndjson')], /cannot read data file .*nope\.ndjson: ENOENT/],
    [['count', '--as-of', 'yesterday', rule, rule], /asOf|as of|date/i],
    [['count', '--time-zone', 'Mars/Olympus', rule, rule], /Mars\/Olympus/],
    [['count', rule, dir], /cannot read data file .*EISDIR/],
  ];
  for (const [args, message] of cases) {
    const r = run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
  }
});

test('a rule error exits 1 with file:line:column, kind and a snippet with a caret', () => {
  const rule = file('bad.txt', 'age > 30 and\n  country =');
  for (const args of [['sql', '--dialect', 'postgres', rule], ['count', rule, rule], ['check', rule]]) {
    const r = run(args);
    assert.equal(r.code, 1, args[0]);
    assert.match(r.err, /bad\.txt:2:\d+: parse error: /, args[0]);
    assert.match(r.err, /\n {2}2 \| {3}country =\n {2}\s*\^\n$/, args[0]);
  }
  // A type error against the schema, with its position.
  const schema = file('schema.json', JSON.stringify(SCHEMA));
  const typed = file('typed.txt', 'country > 5');
  const t = run(['sql', '--dialect', 'duckdb', '--schema', schema, typed]);
  assert.equal(t.code, 1);
  assert.match(t.err, /typed\.txt:1:\d+: type error: /);
  // An unknown segment reference.
  const ref = run(['sql', '--dialect', 'duckdb', file('ref.txt', 'in segment "ghosts"')]);
  assert.equal(ref.code, 1);
  assert.match(ref.err, /reference error: .*ghosts/);
});

test('sql prints the same query as Segment.toSql for every dialect, with options', () => {
  const text = 'country in ["US", "DE"] and did purchase where amount > 100 in last 30 days and in segment "adults"';
  const rule = file('sql.txt', `${text}\n`);
  const schema = file('schema.json', JSON.stringify(SCHEMA));
  const segs = file('segs.json', JSON.stringify({ adults: 'age >= 18' }));
  const tables = file('tables.json', JSON.stringify({ profiles: 'crm.people', events: 'crm.activity' }));
  const set = new k.SegmentSet({ adults: 'age >= 18' });
  for (const dialect of ['duckdb', 'postgres', 'spark', 'bigquery', 'snowflake']) {
    const r = run([
      'sql', '--dialect', dialect, '--as-of', '2026-12-01', '--time-zone', 'Europe/Berlin',
      '--schema', schema, '--segments', segs, '--tables', tables, '--json-properties', 'props', rule,
    ]);
    assert.equal(r.code, 0, r.err);
    const expected = k.Segment.parse(text).toSql({
      dialect,
      asOf: '2026-12-01',
      timeZone: 'Europe/Berlin',
      schema: SCHEMA,
      segments: set,
      tables: { profiles: 'crm.people', events: 'crm.activity', properties: { json: 'props' } },
    });
    assert.equal(r.out, `${expected};\n`, dialect);
    assert.match(r.out, /kaleido_seg_1/);
    assert.match(r.out, /people/);
  }
  // The rule from standard input.
  const stdin = run(['sql', '--dialect', 'spark', '--as-of', '2026-12-01', '-'], 'age > 30');
  assert.equal(stdin.code, 0, stdin.err);
  assert.match(stdin.out, /^SELECT p\.`id` FROM `profiles` AS p WHERE /);
});

test('count streams NDJSON and agrees with Segment.test; --members lists the ids', () => {
  const list = profiles(3000);
  const data = file('list.ndjson', `${list.map((p) => JSON.stringify(p)).join('\n')}\n`);
  const rules = [
    'did purchase in last 30 days',
    'age between 25 and 40 or country = "us"',
    'sum(purchase.amount in last 60 days) > 300 and not did email_open in last 7 days',
    'interests contains any ["hiking", "running"]',
    'count(purchase where category = "shoes") >= 2',
  ];
  for (const text of rules) {
    const rule = file('count.txt', text);
    const seg = k.Segment.parse(text);
    const opts = { asOf: '2026-12-01', timeZone: 'America/New_York' };
    const expected = list.filter((p) => seg.test(p, opts));
    assert.ok(expected.length > 0 && expected.length < list.length, `${text}: ${expected.length}`);
    const r = run(['count', '--as-of', '2026-12-01', '--time-zone', 'America/New_York', rule, data]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `${expected.length}\n`, text);
    const m = run(['count', '--members', '--as-of=2026-12-01', '--time-zone=America/New_York', rule, data]);
    assert.equal(m.code, 0, m.err);
    assert.deepEqual(m.out.trim().split('\n'), expected.map((p) => p.id), text);
    assert.match(m.err, new RegExp(`^${expected.length} of 3000 profiles`, 'm'));
  }
  // From standard input, with in segment.
  const segs = file('segs.json', JSON.stringify({ buyers: 'did purchase' }));
  const rule = file('ref.txt', 'in segment "buyers" and age >= 30');
  const r = run(['count', '--as-of', '2026-12-01', '--segments', segs, rule, '-'], readFileSync(data, 'utf8'));
  assert.equal(r.code, 0, r.err);
  const seg = k.Segment.parse('did purchase and age >= 30');
  assert.equal(r.out, `${list.filter((p) => seg.test(p, { asOf: '2026-12-01' })).length}\n`);
});

test('count reports progress on stderr, and bad lines exit 1 with the line number', () => {
  const list = profiles(5000);
  const data = file('big.ndjson', list.map((p) => JSON.stringify(p)).join('\n'));
  const rule = file('p.txt', 'did purchase');
  const r = run(['count', '--progress', '--as-of', '2026-12-01', rule, data]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /kaleido count: 5,000 profiles read, [\d,]+ in segment \(100%\)/);
  assert.equal(run(['count', '--quiet', '--as-of', '2026-12-01', rule, data]).err, '');
  assert.ok(statSync(data).size > 0);

  const broken = file('broken.ndjson', '{"id": 1}\n\n{"id": 2, "age": }\n');
  const b = run(['count', rule, broken]);
  assert.equal(b.code, 1);
  assert.match(b.err, /broken\.ndjson:3: invalid JSON/);
  const notObject = file('array.ndjson', '{"id": 1}\n[1, 2]\n');
  assert.match(run(['count', rule, notObject]).err, /array\.ndjson:2: a profile must be a JSON object/);
  // A non-numeric amount inside sum() is a data error naming the line.
  const bad = file('amount.ndjson', `{"id": 1, "events": []}\n${JSON.stringify({ id: 2, events: [{ type: 'purchase', at: '2026-11-01T00:00:00Z', amount: 'ten' }] })}\n`);
  const d = run(['count', '--as-of', '2026-12-01', file('sum.txt', 'sum(purchase.amount) > 5'), bad]);
  assert.equal(d.code, 1);
  assert.match(d.err, /amount\.ndjson:2: data error/);
});

test('check prints diagnostics with positions; errors exit 1, warnings and clean rules 0', () => {
  const schema = file('schema.json', JSON.stringify(SCHEMA));
  const ok = run(['check', '--schema', schema, file('ok.txt', 'age > 30 and did purchase')]);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(ok.out, '');
  assert.match(ok.err, /ok\.txt: ok/);

  const unknown = run(['check', '--schema', schema, file('unknown.txt', 'age > 30 and\nheight > 2')]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.out, /unknown\.txt:2:1: error: .*height.* \[unknown-field\]\n {2}height > 2\n {2}\^/);
  assert.match(unknown.err, /1 error\(s\)/);

  const warn = run(['check', file('warn.txt', 'did purchase at least 0 times')]);
  assert.equal(warn.code, 0, warn.out);
  assert.match(warn.out, /warn\.txt:1:1: warning: .* \[always-true\]/);
});
