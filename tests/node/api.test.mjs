// The package's public surface from Node, against the built pkg/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadPackage, thrown, ROOT } from './helpers.mjs';

const k = await loadPackage();
const cargoVersion = /^version = "(.*)"/m.exec(readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8'))[1];

test('init resolves at once in Node, is idempotent, and version() is the crate version', async () => {
  const p = k.init();
  assert.ok(p instanceof Promise);
  assert.equal(await p, undefined);
  await k.init();
  assert.equal(k.version(), cargoVersion);
});

test('a parse error is a KaleidoError with kind, position and snippet', () => {
  const e = thrown(() => k.Segment.parse('age >='));
  assert.ok(e instanceof k.KaleidoError, 'instanceof KaleidoError');
  assert.ok(e instanceof Error, 'instanceof Error');
  assert.equal(e.name, 'KaleidoError');
  assert.equal(e.kind, 'parse');
  assert.equal(e.line, 1);
  assert.equal(e.column, 7);
  assert.match(e.message, /expected a value after ">="/);
  assert.equal(typeof e.snippet, 'string');
  assert.match(e.snippet, /age >=\n\s*\^/);
  assert.ok(typeof e.stack === 'string');
  // Own, enumerable properties: they survive JSON and structured cloning.
  assert.deepEqual(JSON.parse(JSON.stringify(e)).kind, 'parse');
  assert.equal(structuredClone({ kind: e.kind }).kind, 'parse');
});

test('KaleidoError is a usable class and does not claim unrelated errors', () => {
  const mine = new k.KaleidoError('argument', 'bad', { field: 'x' });
  assert.ok(mine instanceof k.KaleidoError);
  assert.ok(mine instanceof Error);
  assert.equal(mine.kind, 'argument');
  assert.equal(mine.field, 'x');
  assert.ok(!(new Error('x') instanceof k.KaleidoError));
  assert.ok(!(new TypeError('x') instanceof k.KaleidoError));
  assert.ok(!({ name: 'KaleidoError', kind: 'parse' } instanceof k.KaleidoError));
});

test('the slice: age >= 30 on profiles, three-valued', () => {
  const s = k.Segment.parse('age >= 30');
  const asOf = '2025-01-31T00:00:00Z';
  assert.equal(s.test({ age: 34 }, { asOf }), true);
  assert.equal(s.test({ age: 29 }, { asOf }), false);
  assert.equal(s.test({}, { asOf }), false);
  assert.equal(s.evaluate({ age: 34 }), true);
  assert.equal(s.evaluate({ age: 29 }), false);
  assert.equal(s.evaluate({}), null);
  assert.equal(s.evaluate({ age: null }), null);
  assert.equal(s.toString(), 'age >= 30');
  const ex = s.explain({ age: 29 });
  assert.equal(ex.result, false);
  assert.equal(typeof ex.text, 'string');
  assert.equal(ex.actual, 29);
});

test('toJSON / fromJSON / toString round-trip, and JSON.stringify uses toJSON', () => {
  const s = k.Segment.parse('country in ["VN", "CN"] and did purchase in last 30 days');
  const ast = s.toJSON();
  assert.equal(ast.kaleido, 'segment');
  assert.equal(typeof ast.version, 'number');
  assert.deepEqual(JSON.parse(JSON.stringify(s)), ast);
  const back = k.Segment.fromJSON(ast);
  assert.equal(back.toString(), s.toString());
  assert.equal(k.Segment.parse(s.toString()).toString(), s.toString());
  const e = thrown(() => k.Segment.fromJSON({ kaleido: 'template' }));
  assert.ok(e instanceof k.KaleidoError);
  assert.equal(e.kind, 'argument');
});

test('asOf as a Date, a string or a date, and timeZone', () => {
  const s = k.Segment.parse('did purchase in last 1 days');
  const p = { events: [{ type: 'purchase', at: '2025-01-30T23:30:00Z' }] };
  assert.equal(s.test(p, { asOf: '2025-01-31T00:00:00Z' }), true);
  assert.equal(s.test(p, { asOf: new Date('2025-01-31T00:00:00Z') }), true);
  assert.equal(s.test(p, { asOf: new Date('2025-02-02T00:00:00Z') }), false);
  assert.equal(s.test(p, { asOf: '2025-01-30T23:00:00Z' }), false, 'events after asOf are ignored');
  for (const bad of [{ asOf: 'yesterday' }, { asOf: 12 }, { asOf: new Date('nope') }]) {
    const e = thrown(() => s.test(p, bad));
    assert.ok(e instanceof k.KaleidoError, JSON.stringify(bad));
    assert.equal(e.kind, 'argument');
  }
  const tz = thrown(() => s.test(p, { timeZone: 'Mars/Olympus' }));
  assert.equal(tz.kind, 'locale');
  assert.equal(s.test(p, { asOf: '2025-01-31T00:00:00Z', timeZone: 'Asia/Ho_Chi_Minh' }), true);
});

test('test() reads only what the rule uses, including flat dotted keys and getters', () => {
  const s = k.Segment.parse('consent.marketing and age > 20');
  assert.equal(s.test({ consent: { marketing: true }, age: 30 }), true);
  assert.equal(s.test({ 'consent.marketing': true, age: 30 }), true);
  assert.equal(s.test({ consent: { marketing: false }, age: 30 }), false);
  let touched = false;
  const profile = { age: 30, consent: { marketing: true } };
  Object.defineProperty(profile, 'huge', { enumerable: true, get() { touched = true; return 1; } });
  assert.equal(s.test(profile), true);
  assert.equal(touched, false, 'an attribute the rule does not read was converted');
  const bad = thrown(() => s.evaluate([1, 2]));
  assert.ok(bad instanceof k.KaleidoError);
  assert.equal(bad.kind, 'data');
});

test('SegmentSet: references through options.segments, cycles and unknown names', () => {
  const set = new k.SegmentSet({
    adults: 'age >= 18',
    vip: k.Segment.parse('in segment "adults" and spend > 100'),
  });
  assert.deepEqual(set.names(), ['adults', 'vip']);
  const s = k.Segment.parse('in segment "vip"');
  assert.equal(s.test({ age: 40, spend: 500 }, { segments: set }), true);
  assert.equal(s.test({ age: 12, spend: 500 }, { segments: set }), false);
  const noSet = thrown(() => s.test({ age: 40 }));
  assert.equal(noSet.kind, 'reference');
  const cycle = thrown(() => new k.SegmentSet({ a: 'in segment "b"', b: 'in segment "a"' }));
  assert.ok(cycle instanceof k.KaleidoError);
  assert.equal(cycle.kind, 'reference');
  assert.match(cycle.message, /a -> b -> a/);
  const unknown = thrown(() => new k.SegmentSet({ a: 'in segment "zzz"' }));
  assert.equal(unknown.kind, 'reference');
  const notASet = thrown(() => s.test({}, { segments: { adults: 'age > 1' } }));
  assert.equal(notASet.kind, 'argument');
  set.free();
  const freed = thrown(() => s.test({}, { segments: set }));
  assert.ok(freed instanceof Error);
});

test('parse with a schema, check() and inferSchema()', () => {
  const schema = { age: 'number', purchase: { event: { amount: 'number' } } };
  const e = thrown(() => k.Segment.parse('agee > 40', { schema }));
  assert.equal(e.kind, 'type');
  assert.equal(e.line, 1);
  assert.equal(e.column, 1);
  assert.match(e.message, /did you mean "age"/);
  const diags = k.Segment.parse('age > 40 and age < 30').check();
  assert.equal(diags.length, 1);
  assert.equal(diags[0].severity, 'warning');
  assert.equal(diags[0].code, 'always-false');
  assert.equal(typeof diags[0].line, 'number');
  assert.deepEqual(k.Segment.parse('age > 40').check(schema), []);
  assert.deepEqual(k.inferSchema([{ age: 3, tags: ['a'] }]), { age: 'number', tags: 'string[]' });
  assert.equal(thrown(() => k.Segment.parse('age > 1', { schema: { age: 'int' } })).kind, 'argument');
});

test('the template slice renders and reports errors with positions', () => {
  const t = k.Template.compile('Hello {{ first_name | default("there") }}');
  assert.equal(t.render({ first_name: 'Ana' }), 'Hello Ana');
  assert.equal(t.render({}), 'Hello there');
  assert.equal(t.render({ first_name: null }), 'Hello there');
  assert.equal(k.Template.compile('{{ a }}{{ b.c }}').render({ b: null }), '');
  assert.equal(k.Template.compile('{{ x }}').render({ x: '<i>' }), '&lt;i&gt;');
  const withBlocks = k.Template.compile('{% include "sig" %}', { blocks: { sig: '-- {{ name }}' } });
  assert.equal(withBlocks.render({ name: 'Kim' }), '-- Kim');
  const e = thrown(() => k.Template.compile('Hi\n{% if %}'));
  assert.ok(e instanceof k.KaleidoError);
  assert.equal(e.kind, 'template');
  assert.equal(e.line, 2);
  assert.equal(typeof e.column, 'number');
  assert.match(e.snippet, /\^/);
  const limit = thrown(() =>
    k.Template.compile('{% for i in range(100000) %}{% for j in range(100) %}{% endfor %}{% endfor %}').render({}),
  );
  assert.equal(limit.kind, 'limit');
  assert.equal(thrown(() => t.render('Ana')).kind, 'argument');
});

test('errors never surface as panics: garbage input to every entry point', () => {
  const inputs = ['', ' ', '((((((', '"', '`', '/', 'age >= 30 30', '\u0000', 'did', 'a'.repeat(10000)];
  for (const text of inputs) {
    try {
      k.Segment.parse(text);
    } catch (e) {
      assert.ok(e instanceof k.KaleidoError, `${JSON.stringify(text.slice(0, 20))}: ${e}`);
    }
  }
  for (const value of [undefined, null, 42, 'x', [], {}, { kaleido: 'segment', version: 1, rule: 7 }]) {
    const e = thrown(() => k.Segment.fromJSON(value));
    assert.ok(e instanceof k.KaleidoError, String(e));
  }
  for (const defs of [undefined, null, 1, { a: 5 }]) {
    const e = thrown(() => new k.SegmentSet(defs));
    assert.ok(e instanceof k.KaleidoError, String(e));
  }
  // Deep nesting is an error, not a stack overflow.
  const deep = '('.repeat(5000) + 'a' + ')'.repeat(5000);
  try {
    k.Segment.parse(deep);
  } catch (e) {
    assert.ok(e instanceof k.KaleidoError, String(e));
  }
  // The module still works afterwards.
  assert.equal(k.Segment.parse('age >= 30').test({ age: 31 }), true);
});
