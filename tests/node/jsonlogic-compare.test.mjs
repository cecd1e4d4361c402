// Kaleido's JsonLogic against the real json-logic-js, through the built npm package.
//
//   KALEIDO_PKG=/abs/path/to/the/package/entry.mjs node --test tests/node/jsonlogic-compare.test.mjs
//
// Needs json-logic-js 2.x (a devDependency) and the shared corpora (KALEIDO_SHARED, or
// ../shared beside the repository).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const k = await import(process.env.KALEIDO_PKG ?? '../../pkg/node.mjs');
if (typeof k.init === 'function') await k.init();
const jsonLogic = createRequire(import.meta.url)('json-logic-js');
const shared = [process.env.KALEIDO_SHARED, join(root, '..', 'shared'), '/work/shared'].find(
  (p) => p && existsSync(join(p, 'corpora')),
);
const corpora = join(shared, 'corpora');

/** What a call gives, as JSON (NaN and undefined become null, as JSON.stringify does), or its error. */
function outcome(f) {
  try {
    return { value: JSON.parse(JSON.stringify([f()]))[0] };
  } catch (e) {
    return { error: true };
  }
}

test('the official JsonLogic suite passes through jsonLogic.apply', () => {
  const suite = JSON.parse(readFileSync(join(corpora, 'jsonlogic-tests.json'), 'utf8'));
  let ran = 0;
  for (const c of suite) {
    if (typeof c === 'string') continue;
    const [rule, data, expected] = c;
    ran++;
    assert.deepEqual(k.jsonLogic.apply(rule, data), expected, JSON.stringify(rule));
  }
  assert.equal(ran, 277);
});

test('every compat-suite case gives what json-logic-js gives', () => {
  const base = join(corpora, 'jsonlogic-compat-suites');
  const files = JSON.parse(readFileSync(join(base, 'index.json'), 'utf8'));
  let ran = 0;
  for (const file of files) {
    for (const c of JSON.parse(readFileSync(join(base, file), 'utf8'))) {
      if (typeof c === 'string') continue;
      const data = c.data === undefined ? null : c.data;
      const want = outcome(() => jsonLogic.apply(c.rule, data));
      const got = outcome(() => k.jsonLogic.apply(c.rule, data));
      assert.deepEqual(got, want, `${file}: ${c.description}: ${JSON.stringify(c.rule)}`);
      ran++;
    }
  }
  assert.equal(ran, 1138);
});

// A small seeded generator (mulberry32), so failures reproduce.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('random rules: jsonLogic.apply agrees with json-logic-js', () => {
  const rnd = rng(20250131);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const ops = ['==', '===', '!=', '!==', '>', '>=', '<', '<=', '!!', '!', '%', 'in', 'cat', 'substr',
    '+', '*', '-', '/', 'min', 'max', 'merge', 'missing', 'missing_some', 'if', '?:', 'and', 'or',
    'filter', 'map', 'reduce', 'all', 'none', 'some'];
  const prims = [0, -0, 1, -1, 2, 0.5, 1e21, 3.7, -2.5, '', ' ', '0', '1', ' 12 ', '0x1A', '1e3', 'abc',
    'Infinity', '-1', '1,2', '\u00a05', 'null', true, false, null, 'a.b', 'x', 'length', '0b11',
    'é𝄞x', [[1, [2]], null], -1e-7, '\t-3.5e2\n', '.5', '5.'];
  const vars = ['x', 'y', 'a', 'a.b', 'arr', 'arr.0', 'arr.length', 's.1', 's.length', '', 'n', 'z.q'];
  const value = (d) => {
    const r = rnd();
    if (d > 3 || r < 0.45) return pick(prims);
    if (r < 0.55) return [value(d + 1), value(d + 1)].slice(0, Math.floor(rnd() * 3));
    if (r < 0.6) return { a: value(d + 1), b: value(d + 1) };
    return rule(d + 1);
  };
  const rule = (d) => {
    if (rnd() < 0.1) return { var: pick(vars) };
    const op = pick(ops);
    const args = Array.from({ length: Math.floor(rnd() * 4) }, () => value(d));
    return rnd() < 0.15 && args.length === 1 ? { [op]: args[0] } : { [op]: args };
  };
  const data = { x: 5, y: '5', a: { b: [1, '2'] }, arr: [1, 2, 'x'], s: 'héllo', n: null, z: [] };
  for (let i = 0; i < 5000; i++) {
    const r = rule(0);
    const want = outcome(() => jsonLogic.apply(r, data));
    const got = outcome(() => k.jsonLogic.apply(r, data));
    assert.deepEqual(got, want, JSON.stringify(r));
  }
});

// Rules JsonLogic can express, and profiles of every shape (right types, wrong types,
// missing, null).
const RULES = [
  'age >= 30',
  'age = 30',
  'age != 30',
  'not age < 18',
  'age between 18 and 65',
  'not (age between 18 and 65)',
  'country = "US"',
  'country in ["US", "CA"]',
  'country not in ["US", "CA"]',
  'name < "m"',
  'vip',
  'not vip',
  'vip = false',
  'vip < true',
  'tags contains 3',
  'not tags contains 3',
  'tags contains any [1, 2]',
  'tags contains all [1, 2]',
  'not tags contains all [1, 2]',
  'email is set',
  'email is not set',
  'consent.marketing and age > 20',
  'not (country = "US" or vip)',
  'age > 30 or not (country in ["US"] and tags contains 1)',
];

function profiles() {
  const rnd = rng(7);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const scalars = [0, 1, 3, 18, 30, 31, 65, 66, -1, 2.5, '', 'US', 'CA', 'us', '30', 'a', 'z', true, false, null];
  const anyValue = () => {
    const r = rnd();
    if (r < 0.6) return pick(scalars);
    if (r < 0.85) return Array.from({ length: Math.floor(rnd() * 4) }, () => pick(scalars));
    return { x: 1 };
  };
  const out = [];
  for (let i = 0; i < 300; i++) {
    const p = { id: i };
    for (const name of ['age', 'country', 'name', 'vip', 'tags', 'email']) {
      if (rnd() < 0.8) p[name] = anyValue();
    }
    if (rnd() < 0.7) p.consent = rnd() < 0.8 ? { marketing: anyValue() } : anyValue();
    out.push(p);
  }
  return out;
}

test('exported rules: json-logic-js membership equals Segment.test', () => {
  const people = profiles();
  const options = { asOf: '2025-01-31T00:00:00Z' };
  for (const text of RULES) {
    const segment = k.Segment.parse(text);
    const logic = segment.toJsonLogic();
    const back = k.Segment.fromJsonLogic(logic);
    for (const p of people) {
      const member = segment.test(p, options);
      assert.equal(jsonLogic.truthy(jsonLogic.apply(logic, p)), member, `${text} on ${JSON.stringify(p)}`);
      assert.equal(back.test(p, options), member, `${text} back from JsonLogic on ${JSON.stringify(p)}`);
    }
  }
});

test('what JsonLogic cannot express is a KaleidoError of kind argument', () => {
  for (const text of ['email ends with "@x.com"', 'did purchase', 'signup > 2025-01-01', 'in segment "vip"']) {
    assert.throws(() => k.Segment.parse(text).toJsonLogic(), (e) => e.kind === 'argument', text);
  }
  assert.throws(
    () => k.Segment.fromJsonLogic({ and: [{ '==': [{ var: 'a' }, 1] }, { map: [[1], 1] }] }),
    (e) => e.kind === 'argument' && /"map" at \/and\/1/.test(e.message),
  );
});
