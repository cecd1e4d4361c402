// End-to-end tests of the editor page (www/index.html) in real Chromium: every
// number the page shows is compared with the package's own answer, computed
// here in Node from the same seeded sample data.
//
//   make build && node --test tests/browser/editor.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, withPage, artifact } from './harness.mjs';
import { loadKaleido, openPage, waitForChart, waitForCount, typeRule, READY_TIMEOUT } from './pages-helpers.mjs';
import { generateProfiles, DEFAULT_AS_OF, SAMPLE_SCHEMA } from '../../www/sample-data.js';
import { SEGMENT_LIBRARY } from '../../www/segments.js';

const SIZE = 5000;
const OPTS = { asOf: DEFAULT_AS_OF, timeZone: 'UTC' };
const KEY = `${DEFAULT_AS_OF}|UTC|${SIZE}|1`;

let env;
let kaleido;
let profiles;
let set;

before(async () => {
  kaleido = await loadKaleido();
  profiles = generateProfiles({ count: SIZE, seed: 1, asOf: DEFAULT_AS_OF });
  if (hasPredict()) {
    // As the page does: models fitted on the first 25,000 subscribers at the data clock, fields under `predicted`.
    const predictor = kaleido.predict.fit(profiles.slice(0, 25_000), { asOf: DEFAULT_AS_OF, timeZone: 'UTC' });
    predictor.deriveAll(profiles).forEach((f, i) => (profiles[i].predicted = f));
    predictor.free();
  }
  set = new kaleido.SegmentSet(Object.fromEntries(available().map((s) => [s.name, s.rule])));
  env = await launch();
});

after(async () => {
  set?.free();
  await env?.close();
});

/** Library segments this build can evaluate (predicted fields need the predict API). */
function available() {
  return SEGMENT_LIBRARY.filter((s) => !s.needs || (s.needs === 'predict' && hasPredict()));
}

function hasPredict() {
  return typeof kaleido.predict?.fit === 'function';
}

function nodeCount(rule, list = profiles, opts = OPTS) {
  const seg = kaleido.Segment.parse(rule);
  const o = { ...opts, segments: set };
  let n = 0;
  for (const p of list) if (seg.test(p, o)) n++;
  seg.free();
  return n;
}

const open = (p, query = '') => openPage(p, `${env.server.url}?size=${SIZE}${query}`);

test('the segment library is preloaded and its sizes are the package\'s counts', async () => {
  await withPage(env, 'editor-library', async (p) => {
    await open(p);
    await waitForChart(p.page, 'chart-sizes-body', KEY);
    const items = await p.page.$$eval('[data-testid=segment-list] li', (lis) =>
      lis.map((li) => ({ name: li.dataset.name, available: li.dataset.available, size: li.querySelector('[data-testid=segment-size]').dataset.value, text: li.textContent })),
    );
    for (const s of SEGMENT_LIBRARY) {
      const item = items.find((i) => i.name === s.name);
      assert.ok(item, `library has ${s.name}`);
      if (s.needs && !available().includes(s)) {
        assert.equal(item.available, 'false', `${s.name} is marked unavailable`);
        assert.match(item.text, /not available in this build/);
        continue;
      }
      const expected = nodeCount(s.rule);
      assert.equal(Number(item.size), expected, `size of ${s.name}`);
      assert.ok(expected > 0 && expected < SIZE, `${s.name} discriminates (${expected})`);
    }
    // The bar chart shows the same numbers.
    const bars = await p.page.$$eval('[data-testid=chart-sizes-body] g.bar', (gs) => gs.map((g) => [g.dataset.name, g.dataset.value]));
    for (const s of available()) assert.deepEqual(bars.find((b) => b[0] === s.name), [s.name, String(nodeCount(s.rule))]);
    // Predictions: the package's, or plainly unavailable (never faked).
    if (!hasPredict()) {
      assert.equal(await p.page.getByTestId('chart-predict-body').getAttribute('data-state'), 'unavailable');
    } else {
      assert.equal(await p.page.getByTestId('chart-predict-body').getAttribute('data-state'), 'done');
      const deciles = new Array(10).fill(0);
      for (const x of profiles) if (x.predicted.churn_risk != null) deciles[Math.min(9, Math.floor(x.predicted.churn_risk * 10))]++;
      const shownChurn = await p.page.$$eval('[data-testid=chart-churn] g.bin', (gs) => gs.map((g) => Number(g.dataset.value)));
      assert.deepEqual(shownChurn, deciles);
      const clvTotal = profiles.filter((x) => x.predicted.predicted_clv != null).length;
      const shownClv = await p.page.$$eval('[data-testid=chart-clv] g.bin', (gs) => gs.map((g) => Number(g.dataset.value)));
      assert.equal(shownClv.reduce((a, b) => a + b, 0), clvTotal);
    }
  });
});

test('choosing and editing a library segment updates the rule, the count and the library', async () => {
  await withPage(env, 'editor-edit-library', async (p) => {
    await open(p);
    await p.page.locator('[data-testid=segment-list] li[data-name="frequent buyers"] button').click();
    const rule = SEGMENT_LIBRARY.find((s) => s.name === 'frequent buyers').rule;
    assert.equal(await p.page.getByTestId('rule-input').inputValue(), rule);
    assert.equal(await p.page.getByTestId('segment-name').inputValue(), 'frequent buyers');
    await waitForCount(p.page, rule);
    assert.equal(Number(await p.page.getByTestId('count').getAttribute('data-value')), nodeCount(rule));

    const edited = 'count(purchase in last 90 days) >= 2';
    await typeRule(p.page, edited);
    const expected = nodeCount(edited);
    assert.equal(Number(await p.page.getByTestId('count').getAttribute('data-value')), expected);
    // The library keeps the edit and re-sizes it.
    await p.page.waitForFunction(
      (n) => document.querySelector('[data-testid=segment-list] li[data-name="frequent buyers"] [data-testid=segment-size]').dataset.value === String(n),
      expected,
      { timeout: READY_TIMEOUT },
    );
  });
});

test('check diagnostics suggest the field the schema has, and the suggestion applies', async () => {
  await withPage(env, 'editor-did-you-mean', async (p) => {
    await open(p);
    const typo = 'agee >= 30 and did purchse in last 30 days';
    await typeRule(p.page, typo);
    const seg = kaleido.Segment.parse(typo);
    const expected = seg.check(SAMPLE_SCHEMA);
    seg.free();
    const shown = await p.page.$$eval('[data-testid=diagnostics] li', (lis) =>
      lis.map((li) => ({ code: li.dataset.code, line: Number(li.dataset.line), column: Number(li.dataset.column), text: li.textContent })),
    );
    assert.equal(shown.length, expected.length);
    for (const d of expected) {
      const s = shown.find((x) => x.code === d.code && x.column === d.column);
      assert.ok(s, `diagnostic ${d.code} at ${d.line}:${d.column} is shown`);
      assert.ok(s.text.includes(d.message), d.message);
    }
    assert.ok(expected.some((d) => /did you mean "age"/.test(d.message)));
    // The typo is marked in the editor.
    assert.ok((await p.page.locator('#rule-backdrop mark').count()) >= 2);
    // Apply both suggestions.
    await p.page.getByTestId('apply-suggestion').first().click();
    await p.page.getByTestId('apply-suggestion').first().click();
    const fixed = 'age >= 30 and did purchase in last 30 days';
    assert.equal(await p.page.getByTestId('rule-input').inputValue(), fixed);
    await waitForCount(p.page, fixed);
    assert.equal(Number(await p.page.getByTestId('count').getAttribute('data-value')), nodeCount(fixed));
    assert.equal(await p.page.getByTestId('diagnostics').getAttribute('data-count'), '0');
  });
});

test('a parse error on a later line is shown at the package\'s line and column', async () => {
  await withPage(env, 'editor-parse-error', async (p) => {
    await open(p);
    const bad = 'age >= 30 and\ncountry in ["DE", "FR"\n  and did purchase';
    let err;
    try {
      kaleido.Segment.parse(bad);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof kaleido.KaleidoError && err.line > 1);
    await p.page.getByTestId('rule-input').fill(bad);
    await waitForCount(p.page, bad);
    const box = p.page.getByTestId('rule-error');
    assert.equal(await box.getAttribute('data-kind'), err.kind);
    assert.equal(Number(await box.getAttribute('data-line')), err.line);
    assert.equal(Number(await box.getAttribute('data-column')), err.column);
    assert.equal(await p.page.getByTestId('rule-error-snippet').textContent(), err.snippet);
    assert.equal(await p.page.locator('#rule-backdrop mark.bad').count(), 1);
  });
});

test('the explanation for a chosen subscriber is the package\'s', async () => {
  await withPage(env, 'editor-explain', async (p) => {
    await open(p, '&id=sub-0000042');
    const rule = 'gender = "f" and (age >= 30 or did purchase in last 90 days)';
    await typeRule(p.page, rule);
    const profile = profiles[41];
    assert.equal(await p.page.getByTestId('membership').getAttribute('data-id'), 'sub-0000042');
    const seg = kaleido.Segment.parse(rule);
    const tree = seg.explain(profile, OPTS);
    assert.equal(await p.page.getByTestId('membership').getAttribute('data-member'), String(seg.test(profile, OPTS)));
    const verdict = (r) => (r === true ? 'true' : r === false ? 'false' : 'unknown');
    const flat = (n) => [[n.text, verdict(n.result)], ...(n.children ?? []).flatMap(flat)];
    const shown = await p.page.$$eval('[data-testid=explain] li', (lis) => lis.map((li) => [li.querySelector('code').textContent, li.dataset.result]));
    assert.deepEqual(shown, flat(tree));
    // Next match / next non-match land on subscribers the package agrees about.
    for (const [button, want] of [['next-match', true], ['next-non-match', false]]) {
      await p.page.getByTestId(button).click();
      await p.page.waitForFunction((w) => document.querySelector('[data-testid=membership]').dataset.member === String(w), want, { timeout: READY_TIMEOUT });
      const id = await p.page.getByTestId('membership').getAttribute('data-id');
      const idx = Number(id.slice(4)) - 1;
      assert.equal(seg.test(profiles[idx], OPTS), want, `${button}: ${id}`);
    }
    seg.free();
  });
});

test('the overlap (UpSet) regions are the package\'s memberships', async () => {
  await withPage(env, 'editor-overlap', async (p) => {
    await open(p);
    await waitForChart(p.page, 'chart-overlap-body', KEY);
    const names = await p.page.$$eval('[data-testid=overlap-pick] input:checked', (xs) => xs.map((x) => x.value));
    assert.ok(names.length >= 3, `compares ${names}`);
    const segs = names.map((n) => kaleido.Segment.parse(SEGMENT_LIBRARY.find((s) => s.name === n).rule));
    const counts = new Map();
    for (const prof of profiles) {
      const inside = names.filter((_, j) => segs[j].test(prof, { ...OPTS, segments: set }));
      if (inside.length) counts.set(inside.join(' & '), (counts.get(inside.join(' & ')) ?? 0) + 1);
    }
    for (const s of segs) s.free();
    const shown = await p.page.$$eval('[data-testid=chart-overlap-body] g.region', (gs) => gs.map((g) => [g.dataset.sets, Number(g.dataset.size)]));
    const expected = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 16);
    assert.deepEqual(new Map(shown), new Map(expected));
    const none = SIZE - [...counts.values()].reduce((a, b) => a + b, 0);
    assert.equal(Number(await p.page.getByTestId('overlap-none').getAttribute('data-value')), none);
  });
});

test('the send-time plan counts each member at the UTC hour of their local send time', async () => {
  await withPage(env, 'editor-send-time', async (p) => {
    await open(p);
    const rule = 'country in ["US", "AU", "JP", "DE", "IN"] and consent.marketing';
    await typeRule(p.page, rule);
    await p.page.waitForFunction((r) => {
      const el = document.querySelector('[data-testid=chart-sendtime-body]');
      return el.dataset.state === 'done' && el.dataset.rule === r;
    }, rule, { timeout: READY_TIMEOUT });
    // Independently: one simulated send per member (not per zone) through Campaigns.
    const campaigns = new kaleido.Campaigns({
      quietHours: null,
      fields: { timeZone: 'timezone' },
      campaigns: [{ name: 'plan', schedule: { type: 'once', date: '2025-12-02', at: '09:00' }, content: { subject: 'x' } }],
    });
    const seg = kaleido.Segment.parse(rule);
    const hours = new Array(24).fill(0);
    for (const prof of profiles) {
      if (!seg.test(prof, OPTS)) continue;
      const [m] = campaigns.simulate(prof, { from: '2025-12-01', to: '2025-12-04', timeZone: 'UTC' });
      assert.ok(m, `a send for ${prof.id} (${prof.timezone})`);
      hours[Number(m.sendAt.slice(11, 13))]++;
    }
    seg.free();
    campaigns.free();
    const shown = await p.page.$$eval('[data-testid=chart-sendtime-body] g.bin', (gs) => gs.map((g) => Number(g.dataset.value)));
    assert.deepEqual(shown, hours);
    assert.ok(hours.filter((h) => h > 0).length >= 4, 'members in several zones');
  });
});

test('template switches: an Arabic locale renders right-to-left in the sandboxed preview', async () => {
  await withPage(env, 'editor-arabic', async (p) => {
    await open(p, '&id=sub-0000003');
    await p.page.waitForFunction(() => document.querySelector('[data-testid=preview]').dataset.state === 'done');
    const source = await p.page.getByTestId('template-input').inputValue();
    const tpl = kaleido.Template.compile(source);
    const profile = profiles[2];
    const own = tpl.render(profile, { ...OPTS, segments: set, locale: profile.locale, currency: profile.currency });
    assert.equal(await p.page.getByTestId('preview').getAttribute('data-html'), own);

    await p.page.getByTestId('tpl-locale').selectOption('ar-EG');
    const arabic = tpl.render({ ...profile, locale: 'ar-EG', language: 'ar' }, { ...OPTS, segments: set, locale: 'ar-EG', currency: profile.currency });
    assert.match(arabic, /مرحبًا/);
    await p.page.waitForFunction((h) => document.querySelector('[data-testid=preview]').dataset.html === h, arabic);
    const frame = p.page.frameLocator('[data-testid=preview]');
    assert.equal(await frame.locator('html').getAttribute('dir'), 'rtl');
    assert.equal(await frame.locator('html').getAttribute('lang'), 'ar-EG');

    // The as-of switch changes the clock of the whole page.
    await p.page.getByTestId('tpl-as-of').fill('2025-06-01');
    await p.page.waitForFunction(() => document.querySelector('[data-testid=count]').dataset.asOf?.startsWith('2025-06-01'), null, { timeout: READY_TIMEOUT });
    assert.match(await p.page.getByTestId('as-of').inputValue(), /^2025-06-01/);
    // Variant matrix and template checks: the package's, or plainly unavailable.
    if (typeof kaleido.Template.prototype.variants !== 'function') {
      assert.equal(await p.page.getByTestId('variants').getAttribute('data-state'), 'unavailable');
    } else {
      const asOf = await p.page.getByTestId('count').getAttribute('data-as-of');
      await p.page.waitForFunction(
        (a) => {
          const box = document.querySelector('[data-testid=variants]');
          return box.dataset.state === 'done' && box.dataset.asOf === a && box.dataset.locale === 'ar-EG';
        },
        asOf,
        { timeout: READY_TIMEOUT },
      );
      const arabicList = profiles.map((x) => ({ ...x, locale: 'ar-EG', language: 'ar' }));
      const want = tpl.variants(arabicList, { asOf, timeZone: 'UTC', segments: set });
      const rows = await p.page.$$eval('[data-testid=variants] tbody tr', (trs) => trs.map((tr) => [tr.dataset.key, Number(tr.dataset.count), Number(tr.dataset.warnings)]));
      assert.ok(want.every((v) => v.html.length > 0), 'every variant renders');
      for (const [key, , warnings] of rows) assert.equal(warnings, want.find((v) => v.key === key).warnings.length, `warnings of ${key}`);
      assert.ok(rows.length >= 4, `several variants (${rows.length})`);
      const byKey = new Map(want.map((v) => [v.key, v.count]));
      for (const [key, count] of rows) assert.equal(count, byKey.get(key), `variant ${key}`);
      assert.equal(rows.reduce((a, r) => a + r[1], 0), want.slice(0, rows.length).reduce((a, v) => a + v.count, 0));
      assert.ok(rows.every(([key]) => key.endsWith('/ar-EG')));
      const frame0 = p.page.frameLocator('[data-testid=variants] iframe').first();
      assert.equal(await frame0.locator('html').getAttribute('dir'), 'rtl');
    }
    if (typeof kaleido.Template.prototype.check === 'function') {
      const diags = tpl.check(SAMPLE_SCHEMA);
      assert.equal(Number(await p.page.getByTestId('template-warnings').getAttribute('data-count')), diags.length);
    }
    tpl.free();
    // Let the srcdoc frames paint before the review screenshot.
    await p.page.getByTestId('variants').scrollIntoViewIfNeeded();
    await p.page.waitForTimeout(800);
    await artifact(p.page, 'editor-arabic-variant');
  }, { viewport: { width: 1280, height: 900 } });
});

test('the editor works at phone width and is keyboard reachable', async () => {
  await withPage(
    env,
    'editor-phone',
    async (p) => {
      await open(p);
      const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow}px)`);
      const unlabeled = await p.page.evaluate(() =>
        [...document.querySelectorAll('input, select, textarea')]
          .filter((el) => !(el.labels?.length > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
          .map((el) => el.id || el.outerHTML.slice(0, 60)),
      );
      assert.deepEqual(unlabeled, []);
      // The skip link is the first stop and jumps to the rule editor.
      await p.page.keyboard.press('Tab');
      assert.equal(await p.page.evaluate(() => document.activeElement?.className), 'skip-link');
    },
    { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  );
});

test('default list: 50,000 subscribers, typing is never blocked and the last count is right', async () => {
  const big = generateProfiles({ count: 50_000, seed: 1, asOf: DEFAULT_AS_OF });
  await withPage(env, 'editor-50k', async (p) => {
    await openPage(p, env.server.url);
    assert.equal(await p.page.getByTestId('list-size').inputValue(), '50000');
    assert.equal(await p.page.getByTestId('data-summary').getAttribute('data-size'), '50000');
    await p.page.waitForFunction(() => document.querySelector('[data-testid=count]').dataset.state === 'done', null, { timeout: READY_TIMEOUT });
    assert.equal(await p.page.getByTestId('count-total').textContent(), '50,000');
    const rule = 'did purchase in last 30 days and age >= 40';
    await typeRule(p.page, rule, 25);
    // Every keystroke arrived (input was never dropped while the worker counted).
    assert.equal(await p.page.getByTestId('rule-input').inputValue(), rule);
    assert.equal(Number(await p.page.getByTestId('count').getAttribute('data-value')), nodeCount(rule, big));
    const metrics = await p.page.evaluate(() => window.__kaleido.metrics.length);
    assert.ok(metrics >= 1);
  });
});

test('both engines (Audience and Segment.test) give the package\'s counts', async () => {
  const engines = typeof kaleido.Audience === 'function' ? ['audience', 'segment.test'] : ['segment.test'];
  for (const engine of engines) {
    await withPage(env, `editor-engine-${engine}`, async (p) => {
      await open(p, engine === 'segment.test' ? '&engine=segment.test' : '');
      assert.equal(await p.page.getByTestId('engine').getAttribute('data-engine'), engine);
      const rule = 'did purchase in last 90 days and (country in ["US", "GB"] or in segment "high value")';
      await typeRule(p.page, rule);
      assert.equal(Number(await p.page.getByTestId('count').getAttribute('data-value')), nodeCount(rule), engine);
      // The library keeps the edited rule ("my segment") and re-sizes it with the others.
      await p.page.waitForFunction(
        (n) => document.querySelector('[data-testid=chart-sizes-body] g.bar[data-name="my segment"]')?.dataset.value === String(n),
        nodeCount(rule),
        { timeout: READY_TIMEOUT },
      );
      for (const s of available()) {
        const v = await p.page.locator(`[data-testid=chart-sizes-body] g.bar[data-name="${s.name}"]`).getAttribute('data-value');
        assert.equal(Number(v), nodeCount(s.rule), `${engine}: ${s.name}`);
      }
    });
  }
});
