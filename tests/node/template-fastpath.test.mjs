// The fast read of Template.render / variants (only the profile keys a
// template can read cross the boundary) gives byte-identical results to the
// whole read. A template that names `profile` reads whole profiles, so the
// same template with a never-shown `{{ profile }}` at the end (none of the
// sources ends with a newline, which a template drops) is the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage, thrown } from './helpers.mjs';

const k = await loadPackage();
await k.init();

const AS_OF = '2025-01-31T12:00:00Z';
const WHOLE = '{% if false %}{{ profile }}{% endif %}';

const SOURCES = [
  `<h1>Hi {{ first_name | default("there") }}</h1>{% if matches("ltv > 1000") %}VIP{% elif matches("did purchase in last 30 days") %}recent{% else %}other{% endif %}
{% for p in products %}{{ loop.index }}. {{ p.name }} {{ p.price | money("EUR") }}
{% endfor %}since {{ signup | date("long") }} <a href="{{ url }}">{{ user.address.city | upper }}</a>`,
  '{{ greeting() }} / {{ address() }} / {{ full_name() }} {{ dir }} {{ lang }} {% if in_segment("vip") %}vip{% endif %}',
  '{{ n | number(2) }} {{ at | datetime("short") }} {{ tags | join(", ") }} {% if matches("user.address.city = \\"Berlin\\"") %}berlin{% endif %}',
  '{{ events | length }} events{% if matches("did purchase where amount > 2 in last 60 days") %}, a big one{% endif %}',
];

class Custom {
  constructor() {
    this.first_name = 'Own';
  }
}
const inherited = Object.create({ first_name: 'Inherited', ltv: 5000 });
inherited.city = 'Lyon';
const hidden = { city: 'Quito' };
Object.defineProperty(hidden, 'first_name', { value: 'Hidden', enumerable: false });

const PROFILES = [
  {},
  { first_name: 'Ana', ltv: 2000, signup: '2021-03-04', products: [{ name: 'Tent <2p>', price: 99.5 }] },
  {
    first_name: '<script>alert(1)</script>',
    url: 'javascript:alert(1)',
    user: { address: { city: 'Berlin' } },
    events: [{ type: 'purchase', at: new Date('2025-01-30T10:00:00Z'), amount: 5 }],
    signup: null,
    unread: () => 1,
  },
  { first_name: 'Anna', last_name: 'Müller', salutation: 'Frau', locale: 'de-DE', country: 'DE', n: 1234.5 },
  { first_name: 'Hanako', last_name: 'Yamada', language: 'ja', at: '2025-01-31T08:00:00Z', tags: ['a', '<b>'] },
  { locale: 'ar-EG', first_name: '" onmouseover="alert(1)', products: [{ price: -0.005 }, null], ltv: '1001' },
  {
    events: [
      { type: 'open', at: '2025-01-29T00:00:00Z' },
      { type: 'purchase', at: '2025-01-02T00:00:00Z', amount: 3, sku: 'x' },
      { type: 'purchase', at: '2025-01-03T00:00:00Z', amount: 1 },
    ],
  },
  { events: null, first_name: 'NoEvents' },
  new Custom(),
  inherited,
  hidden,
  JSON.parse('{"__proto__": {"x": 1}, "first_name": "Proto"}'),
  // Longer than the first scratch buffer (16 KB) the picked text is written into.
  {
    first_name: 'Zoë 😀 ' + 'ü'.repeat(9000),
    products: Array.from({ length: 400 }, (_, i) => ({ name: `Ünïcode ${i} <b>`, price: i / 7 })),
  },
];

test('render: the fast read and the whole read give the same bytes', () => {
  const segments = new k.SegmentSet({ vip: 'ltv > 1000' });
  for (const src of SOURCES) {
    const fast = k.Template.compile(src);
    const whole = k.Template.compile(src + WHOLE);
    for (const options of [{ asOf: AS_OF }, { asOf: AS_OF, locale: 'fr-FR', segments }]) {
      for (const p of PROFILES) {
        let want;
        try {
          want = whole.render(p, options);
        } catch (e) {
          const got = thrown(() => fast.render(p, options));
          assert.equal(got.message, e.message);
          continue;
        }
        assert.equal(fast.render(p, options), want, `${src} ${JSON.stringify(p)}`);
        // Again: kept formatters and locale data.
        assert.equal(fast.render(p, options), want);
      }
    }
    fast.free();
    whole.free();
  }
  segments.free();
});

test('variants: the fast read and the whole read report the same', () => {
  const segments = new k.SegmentSet({ vip: 'ltv > 1000' });
  const many = [];
  for (let i = 0; i < 30; i++) for (const p of PROFILES) many.push({ ...p, id: many.length });
  for (const src of SOURCES) {
    const fast = k.Template.compile(src);
    const whole = k.Template.compile(src + WHOLE);
    const options = { asOf: AS_OF, segments };
    assert.deepEqual(fast.variantReport(many, options), whole.variantReport(many, options));
    assert.deepEqual(fast.variants(many, options), whole.variants(many, options));
    fast.free();
    whole.free();
  }
  segments.free();
});

test('variants: bad rows are reported as by the whole read', () => {
  const t = k.Template.compile('{{ first_name }}{% if matches("did purchase in last 30 days") %}x{% endif %}');
  for (const bad of [[{}, 5], [{}, [1]], [{ events: [{ type: 'purchase', at: 'nope' }] }]]) {
    const a = thrown(() => t.variants(bad, { asOf: AS_OF }));
    const b = thrown(() => k.Template.compile('{{ first_name }}{% if matches("did purchase in last 30 days") %}x{% endif %}' + WHOLE).variants(bad, { asOf: AS_OF }));
    assert.equal(a.kind, b.kind);
    assert.equal(a.message, b.message);
    assert.equal(a.row, b.row);
  }
  t.free();
});

test('render: reused option values and changed ones render as read afresh', () => {
  const t = k.Template.compile('{{ at | datetime("short") }} {{ n | money }} {{ lang }}');
  const p = { at: '2025-01-31T08:00:00Z', n: 1234.5 };
  const fresh = (o) => k.Template.compile('{{ at | datetime("short") }} {{ n | money }} {{ lang }}').render(p, { ...o });
  const options = { asOf: AS_OF, locale: 'en-US', currency: 'EUR', timeZone: 'UTC' };
  const first = t.render(p, options);
  assert.equal(t.render(p, options), first);
  assert.equal(first, fresh(options));
  // The same object, changed between renders: each change is read.
  for (const [key, value] of [['locale', 'de-DE'], ['currency', 'JPY'], ['timeZone', 'Asia/Tokyo'], ['asOf', '2025-02-01']]) {
    options[key] = value;
    assert.equal(t.render(p, options), fresh(options), key);
    assert.equal(t.render(p, options), fresh(options), key);
  }
  // Invalid values are reported every time, also right after valid ones.
  options.timeZone = 'Mars/Olympus';
  const bad = thrown(() => fresh(options));
  for (let i = 0; i < 2; i++) assert.equal(thrown(() => t.render(p, options)).message, bad.message);
  options.timeZone = 'UTC';
  assert.equal(t.render(p, options), fresh(options));
  // Without asOf a render reads the clock; with segments nothing is kept.
  const now = k.Template.compile('{% if matches("signup within last 1 days") %}new{% endif %}');
  assert.equal(now.render({ signup: new Date().toISOString() }, { locale: 'en-US' }), 'new');
  assert.equal(now.render({ signup: new Date().toISOString() }, { locale: 'en-US' }), 'new');
  const vip = new k.SegmentSet({ vip: 'ltv > 1000' });
  const seg = k.Template.compile('{% if in_segment("vip") %}vip{% else %}-{% endif %}');
  const withSet = { asOf: AS_OF, segments: vip };
  assert.equal(seg.render({ ltv: 2000 }, withSet), 'vip');
  assert.equal(seg.render({ ltv: 2000 }, withSet), 'vip');
  vip.free();
  assert.ok(thrown(() => seg.render({ ltv: 2000 }, withSet)) instanceof Error);
  for (const x of [t, now, seg]) x.free();
});
