// Template through the package (WASM), against the built pkg/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage, thrown } from './helpers.mjs';

const k = await loadPackage();
await k.init();

const AS_OF = '2025-01-31T12:00:00Z';

test('compile once, render many: fallbacks, escaping, never "undefined"', () => {
  const t = k.Template.compile('Hi {{ first_name | default("there") }}! {{ note }}');
  assert.equal(t.render({ first_name: 'Ana' }, { asOf: AS_OF }), 'Hi Ana! ');
  assert.equal(t.render({ first_name: null }), 'Hi there! ');
  const out = t.render({ first_name: '<img src=x onerror=alert(1)>', note: undefined });
  assert.equal(out, 'Hi &lt;img src=x onerror=alert(1)&gt;! ');
  assert.doesNotMatch(t.render({}), /undefined|None|none|null/);
  assert.equal(k.Template.compile('{{ x | safe }}').render({ x: '<b>b</b>' }), '<b>b</b>');
  t.free();
});

test('syntax errors are template KaleidoErrors with line and column', () => {
  const e = thrown(() => k.Template.compile('Hello\n{{ first_name | }}'));
  assert.ok(e instanceof k.KaleidoError);
  assert.equal(e.kind, 'template');
  assert.equal(e.line, 2);
  assert.equal(typeof e.column, 'number');
  assert.match(e.snippet, /\^/);
});

test('segment blocks use the same engine and options as Segment', () => {
  const segments = new k.SegmentSet({ vip: 'ltv > 1000' });
  const t = k.Template.compile(
    '{% if in_segment("vip") %}VIP{% elif matches("did purchase in last 30 days") %}recent{% else %}other{% endif %}|{% include "footer" %}',
    { blocks: { footer: { vip: 'vip footer', default: 'std footer' } } },
  );
  const buyer = { ltv: 5, events: [{ type: 'purchase', at: '2025-01-20T00:00:00Z' }] };
  assert.equal(t.render({ ltv: 5000 }, { asOf: AS_OF, segments }), 'VIP|vip footer');
  assert.equal(t.render(buyer, { asOf: AS_OF, segments }), 'recent|std footer');
  assert.equal(t.render(buyer, { asOf: new Date('2025-04-01T00:00:00Z'), segments }), 'other|std footer');
  const rule = k.Segment.parse('did purchase in last 30 days');
  assert.equal(rule.test(buyer, { asOf: AS_OF }), true);
  const e = thrown(() => t.render({}, { asOf: AS_OF }));
  assert.equal(e.kind, 'reference');
  assert.deepEqual(t.conditions(), [
    { kind: 'segment', text: 'vip' },
    { kind: 'rule', text: 'did purchase in last 30 days' },
  ]);
});

test('filters: money, number, percent, plural, date in the subscriber locale and zone, greeting, loops', () => {
  const t = k.Template.compile(
    '{{ greeting() }}|{% for p in items %}{{ loop.index }}:{{ p.price | money }} {% endfor %}|{{ n | plural(one="# item", other="# items") }}|{{ r | percent }}|{{ at | datetime("short") }}|{{ city | upper }}',
  );
  const out = t.render(
    { first_name: 'Ana', items: [{ price: 10 }, { price: 1234.5 }], n: 2, r: 0.5, at: '2025-01-31T14:05:00Z', timeZone: 'America/New_York', city: 'izmir', locale: 'tr' },
    { asOf: AS_OF, currency: 'USD' },
  );
  assert.equal(out, 'Hi Ana|1:$10.00 2:$1,234.50 |2 items|50%|1&#x2f;31&#x2f;25, 9:05\u202fAM|İZMİR');
});

test('limits are KaleidoErrors of kind limit', () => {
  const t = k.Template.compile('{% for i in range(100000) %}{{ i }}{% endfor %}', { fuel: 5000 });
  assert.equal(thrown(() => t.render({})).kind, 'limit');
  const big = k.Template.compile('{% for i in range(100) %}{{ s }}{% endfor %}', { maxOutput: 500 });
  assert.equal(thrown(() => big.render({ s: 'xxxxxxxxxx' })).kind, 'limit');
  const deep = k.Template.compile('{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}');
  assert.equal(thrown(() => deep.render({})).kind, 'limit');
});

test('check: unknown fields and filters, impossible rule branches', () => {
  const t = k.Template.compile('{{ frist_name }}\n{{ age | monye }}\n{% if matches("age > 60 and age < 20") %}x{% endif %}');
  const found = t.check({ first_name: 'string', age: 'number' });
  assert.deepEqual(found.map((d) => [d.code, d.severity, d.line]), [
    ['unknown-field', 'error', 1],
    ['unknown-filter', 'error', 2],
    ['always-false', 'warning', 3],
  ]);
  assert.match(found[0].message, /did you mean "first_name"/);
});

test('variants: one render per group, counts, conditions in words, warnings, matrix', () => {
  const segments = new k.SegmentSet({ vip: 'ltv > 1000' });
  const t = k.Template.compile(
    'Hi {{ first_name | default("there") }}. {% if in_segment("vip") %}VIP{% else %}regular{% endif %} {% include "footer" %}',
    { blocks: { footer: { vip: 'gold', default: 'plain' } } },
  );
  const profiles = Array.from({ length: 50 }, (_, i) => ({
    id: `s${i}`,
    ltv: i < 10 ? 5000 : 1,
    ...(i % 5 === 0 ? {} : { first_name: `N${i}` }),
  }));
  const variants = t.variants(profiles, { asOf: AS_OF, segments });
  assert.equal(variants.length, 2);
  assert.deepEqual(variants.map((v) => [v.key, v.count, v.sampleId]), [
    ['0/en', 40, 's10'],
    ['1/en', 10, 's0'],
  ]);
  assert.deepEqual(variants[1].conditions, ['in segment "vip"']);
  assert.equal(variants[1].html, 'Hi there. VIP gold');
  assert.match(variants[1].warnings[0].message, /first_name missing for 20% \(2 of 10\) — they get "there"/);
  const report = t.variantReport(profiles, { asOf: AS_OF, segments });
  assert.equal(report.total, 50);
  assert.deepEqual(report.matrix.map((r) => r.blocks.footer), ['default', 'vip']);
  assert.deepEqual(report.warnings, []);
  // An Audience holding the same profiles gives the same variants.
  const audience = k.Audience.fromRecords(profiles);
  assert.deepEqual(t.variants(audience, { asOf: AS_OF, segments }), variants);
  audience.free();
  assert.equal(thrown(() => t.variants('nope', { segments })).kind, 'argument');
});
