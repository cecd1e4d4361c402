// Native and WebAssembly give identical results: tests/fixtures/parity.json is
// written and checked by the Rust test tests/wasm_parity.rs (native); this runs
// the same inputs through the built package and compares every result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadPackage, ROOT } from './helpers.mjs';

const k = await loadPackage();
const fixture = JSON.parse(readFileSync(path.join(ROOT, 'tests', 'fixtures', 'parity.json'), 'utf8'));

const ERROR_FIELDS = ['kind', 'message', 'line', 'column', 'row', 'field', 'snippet'];

/** Runs `fn` and returns `{ ok }` or `{ error }` in the fixture's shape. */
function outcome(fn) {
  try {
    return { ok: fn() };
  } catch (e) {
    assert.ok(e instanceof k.KaleidoError, `not a KaleidoError: ${e && e.stack}`);
    const error = {};
    for (const f of ERROR_FIELDS) if (e[f] !== undefined) error[f] = e[f];
    return { error };
  }
}

const options = {
  asOf: fixture.asOf,
  timeZone: fixture.timeZone,
  segments: new k.SegmentSet(fixture.segmentSet),
};

test('the fixture is substantial', () => {
  assert.ok(fixture.segments.length >= 20);
  assert.ok(fixture.profiles.length >= 3);
  assert.ok(fixture.templates.length >= 4);
});

for (const c of fixture.segments) {
  test(`segment: ${c.rule}`, () => {
    const parsed = outcome(() => k.Segment.parse(c.rule));
    if (c.parse.error) {
      assert.deepEqual(parsed, c.parse);
      return;
    }
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const s = parsed.ok;
    assert.equal(s.toString(), c.text);
    assert.deepEqual(s.toJSON(), c.json);
    assert.deepEqual(s.check(fixture.schema), c.check);
    assert.deepEqual(
      outcome(() => (k.Segment.parse(c.rule, { schema: fixture.schema }), true)),
      c.parseWithSchema,
    );
    fixture.profiles.forEach((profile, i) => {
      const want = c.runs[i];
      assert.deepEqual(outcome(() => s.evaluate(profile, options)), want.evaluate, `evaluate, profile ${i}`);
      assert.deepEqual(outcome(() => s.test(profile, options)), want.test, `test, profile ${i}`);
      assert.deepEqual(outcome(() => s.explain(profile, options)), want.explain, `explain, profile ${i}`);
    });
  });
}

for (const c of fixture.templates) {
  test(`template: ${c.source}`, () => {
    const compiled = outcome(() => k.Template.compile(c.source, { blocks: c.blocks }));
    if (c.compile.error) {
      assert.deepEqual(compiled, c.compile);
      return;
    }
    const t = compiled.ok;
    fixture.profiles.forEach((profile, i) => {
      assert.deepEqual(outcome(() => t.render(profile)), c.renders[i], `profile ${i}`);
    });
  });
}

test('inferSchema', () => {
  for (const c of fixture.inferSchema) {
    const rows = c.rows.map((i) => fixture.profiles[i]);
    assert.deepEqual(outcome(() => k.inferSchema(rows)), c.result);
  }
});
