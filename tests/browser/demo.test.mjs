// End-to-end test of the foundation demo (www/index.html) in real Chromium.
//
//   node --test tests/browser/
//
// Needs the package built into pkg/ and copied to www/pkg/ (make build) and
// Debian's /usr/bin/chromium. Every test fails on a console error, an uncaught
// exception or any request beyond the local server (see harness.mjs).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { launch, withPage, artifact, REPO_ROOT, WWW } from './harness.mjs';
import { generateProfiles, DEFAULT_AS_OF } from '../../www/sample-data.js';
import { SEGMENT_LIBRARY } from '../../www/segments.js';

const PKG_NODE = path.join(REPO_ROOT, 'pkg', 'node.mjs');
const READY_TIMEOUT = 60_000;

let env;
let kaleido;
let profiles;

before(async () => {
  for (const file of [PKG_NODE, path.join(WWW, 'pkg', 'index.js')]) {
    if (!existsSync(file)) throw new Error(`${path.relative(REPO_ROOT, file)} is missing: run \`make build\` first`);
  }
  kaleido = await import(PKG_NODE);
  await kaleido.init();
  // The page with ?size=5000: 5,000 subscribers, seed 1, data and clock at DEFAULT_AS_OF, UTC.
  profiles = generateProfiles({ count: 5000, seed: 1, asOf: DEFAULT_AS_OF });
  env = await launch();
});

after(async () => {
  await env?.close();
});

/** Opens the demo and waits until the WASM module is loaded and the first count is done. */
async function openDemo(p) {
  // 5,000 subscribers (the page's default is 50,000; editor.test.mjs covers it).
  await p.page.goto(env.server.url + '?size=5000', { waitUntil: 'load' });
  await p.page.waitForFunction(() => ['ready', 'failed'].includes(document.body.dataset.state), null, { timeout: READY_TIMEOUT });
  const state = await p.page.evaluate(() => document.body.dataset.state);
  assert.equal(state, 'ready', `the demo did not become ready: ${await p.page.textContent('#status')}`);
}

/** Types a rule (replacing the old one) and waits for its count. */
async function typeRule(page, rule) {
  const box = page.getByTestId('rule-input');
  await box.fill('');
  await box.pressSequentially(rule, { delay: 2 });
  await page.waitForFunction(
    (r) => {
      const el = document.querySelector('[data-testid=count]');
      return el.dataset.rule === r && (el.dataset.state === 'done' || el.dataset.state === 'error');
    },
    rule,
    { timeout: READY_TIMEOUT },
  );
}

/** Waits until the count was computed with this clock. */
async function waitForClock(page, asOf, timeZone) {
  await page.waitForFunction(
    ([a, z]) => {
      const el = document.querySelector('[data-testid=count]');
      return el.dataset.asOf === a && el.dataset.timeZone === z && el.dataset.state === 'done';
    },
    [asOf, timeZone],
    { timeout: READY_TIMEOUT },
  );
}

function nodeCount(rule) {
  const seg = kaleido.Segment.parse(rule);
  const opts = { asOf: DEFAULT_AS_OF, timeZone: 'UTC' };
  let n = 0;
  for (const p of profiles) if (seg.test(p, opts)) n++;
  return n;
}

test('the demo loads the package and shows its version', async () => {
  await withPage(env, 'demo-version', async (p) => {
    await openDemo(p);
    assert.equal(await p.page.getByTestId('version').textContent(), kaleido.version());
    assert.equal(await p.page.getByTestId('count-total').textContent(), '5,000');
    assert.equal(await p.page.getByTestId('data-summary').getAttribute('data-size'), '5000');
    assert.ok(p.requests.some((u) => u.endsWith('.wasm')), 'the page fetched the .wasm module from the local server');
  });
});

test('typed rules count the same members as the package does in Node', async () => {
  await withPage(env, 'demo-rule-count', async (p) => {
    await openDemo(p);
    const rules = [
      'age >= 30 and country in ["DE", "FR"]',
      'gender = "m" and age between 25 and 34 and did purchase in last 30 days',
      'consent.marketing and email ends with "@gmail.com"',
    ];
    // The default rule is evaluated on load.
    const initial = await p.page.getByTestId('count').getAttribute('data-value');
    assert.equal(Number(initial), nodeCount(rules[0]), 'default rule');
    for (const rule of rules.slice(1)) {
      await typeRule(p.page, rule);
      const el = p.page.getByTestId('count');
      assert.equal(await el.getAttribute('data-state'), 'done', `rule evaluated: ${rule}`);
      const expected = nodeCount(rule);
      assert.equal(Number(await el.getAttribute('data-value')), expected, rule);
      assert.equal(await p.page.getByTestId('count-value').textContent(), expected.toLocaleString('en-US'));
      assert.ok(expected > 0 && expected < profiles.length, `a discriminating rule (${expected}): ${rule}`);
    }
    assert.equal(await p.page.getByTestId('rule-error').isHidden(), true);
    await artifact(p.page, 'demo-success');
  });
});

test('a parse error shows its kind, line, column and snippet', async () => {
  await withPage(env, 'demo-parse-error', async (p) => {
    await openDemo(p);
    await typeRule(p.page, 'age >=');
    const box = p.page.getByTestId('rule-error');
    await box.waitFor({ state: 'visible' });
    assert.equal(await box.getAttribute('data-kind'), 'parse');
    assert.equal(await box.getAttribute('data-line'), '1');
    assert.equal(await box.getAttribute('data-column'), '7');
    assert.match(await p.page.getByTestId('rule-error-position').textContent(), /line 1, column 7/);
    const snippet = await p.page.getByTestId('rule-error-snippet').textContent();
    assert.match(snippet, /age >=/);
    assert.match(snippet, /\^/);
    assert.equal(await p.page.getByTestId('rule-input').getAttribute('aria-invalid'), 'true');
    assert.equal(await p.page.getByTestId('count').getAttribute('data-state'), 'error');
    // Fixing the rule clears the error.
    await p.page.getByTestId('rule-input').press('End');
    await p.page.getByTestId('rule-input').pressSequentially(' 30');
    await p.page.waitForFunction(() => document.querySelector('[data-testid=count]').dataset.state === 'done');
    assert.equal(await box.isHidden(), true);
    assert.equal(Number(await p.page.getByTestId('count').getAttribute('data-value')), nodeCount('age >= 30'));
  });
});

test('the template renders the chosen subscriber into the sandboxed preview', async () => {
  await withPage(env, 'demo-template', async (p) => {
    await openDemo(p);
    const frameEl = p.page.getByTestId('preview');
    await p.page.waitForFunction(() => document.querySelector('[data-testid=preview]').dataset.state === 'done');
    const source = await p.page.getByTestId('template-input').inputValue();
    const tpl = kaleido.Template.compile(source);
    // The page's template may use in_segment("…") with the segment library.
    const segments = new kaleido.SegmentSet(Object.fromEntries(SEGMENT_LIBRARY.filter((s) => !s.needs).map((s) => [s.name, s.rule])));
    const render = (x) => tpl.render(x, { asOf: DEFAULT_AS_OF, timeZone: 'UTC', locale: x.locale, currency: x.currency, segments });
    const first = profiles[0];
    const expected = render(first);
    assert.match(expected, new RegExp(first.first_name));
    assert.equal(await frameEl.getAttribute('data-html'), expected);
    const frame = p.page.frameLocator('[data-testid=preview]');
    assert.match(await frame.locator('body').innerText(), new RegExp(first.first_name));

    // Another subscriber, another greeting.
    await p.page.getByTestId('subscriber-select').selectOption('3');
    const fourth = profiles[3];
    await p.page.waitForFunction((html) => document.querySelector('[data-testid=preview]').dataset.html === html, render(fourth));
    assert.match(await frame.locator('body').innerText(), new RegExp(fourth.first_name));

    // A template error is reported with its position.
    const box = p.page.getByTestId('template-input');
    await box.fill('Hello {{ first_name ');
    const err = p.page.getByTestId('template-error');
    await err.waitFor({ state: 'visible' });
    assert.equal(await err.getAttribute('data-kind'), 'template');
    assert.equal(await err.getAttribute('data-line'), '1');
  });
});

test('the preview iframe is sandboxed: template scripts never run', async () => {
  await withPage(env, 'demo-sandbox', async (p) => {
    // Chromium reports the blocked script (and the refused remote image) as
    // console errors: expected here.
    p.expectConsoleError(/Blocked script execution in 'about:srcdoc'.*sandboxed/);
    p.expectConsoleError(/example\.invalid|ERR_BLOCKED_BY_CLIENT/);
    await openDemo(p);
    const frameEl = p.page.getByTestId('preview');
    assert.equal(await frameEl.getAttribute('sandbox'), '', 'sandbox attribute with no permissions');
    const title = await p.page.title();
    await p.page.getByTestId('template-input').fill(
      'Hi {{ first_name }}<script>parent.document.title = "pwned"; document.body.dataset.ran = "yes";</script>' +
        '<img src="https://example.invalid/pixel.gif" alt="">',
    );
    await p.page.waitForFunction(() => (document.querySelector('[data-testid=preview]').dataset.html ?? '').includes('<script>'));
    const frame = p.page.frameLocator('[data-testid=preview]');
    await frame.locator('body').waitFor();
    assert.equal((await frame.locator('body').innerText()).trim(), `Hi ${profiles[0].first_name}`);
    await p.page.waitForTimeout(300);
    assert.equal(await p.page.title(), title, 'the script could not reach the parent');
    assert.equal(await frame.locator('body').getAttribute('data-ran'), null, 'the script did not run');
    // The remote image never loaded: refused by the page's CSP or, failing
    // that, aborted and recorded by the harness. Nothing else went off-site.
    const others = p.offsite.filter((u) => u !== 'https://example.invalid/pixel.gif');
    assert.deepEqual(others, []);
    p.offsite.length = 0;
    p.problems.splice(0, p.problems.length, ...p.problems.filter((m) => !m.includes('example.invalid')));
  });
});

test('the harness itself catches off-site requests from the page, iframes and workers', async () => {
  // bypassCSP so that the requests really reach the network layer.
  const p0 = await import('./harness.mjs').then((h) => h.newPage(env.browser, env.server.url.replace(/\/$/, ''), { bypassCSP: true }));
  try {
    p0.expectConsoleError(/ERR_BLOCKED_BY_CLIENT|Failed to load resource|Failed to fetch/);
    await p0.page.goto(env.server.url + 'sample-data.js');
    await p0.page.evaluate(async () => {
      await fetch('https://example.invalid/page').catch(() => {});
      const frame = document.createElement('iframe');
      frame.srcdoc = '<img src="https://example.invalid/frame.gif">';
      document.body.append(frame);
      const worker = new Worker(URL.createObjectURL(new Blob(["fetch('https://example.invalid/worker').catch(() => {}); postMessage(1);"], { type: 'text/javascript' })));
      await new Promise((resolve) => (worker.onmessage = resolve));
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    const seen = [...new Set(p0.offsite)].sort();
    assert.deepEqual(seen, ['https://example.invalid/frame.gif', 'https://example.invalid/page', 'https://example.invalid/worker']);
    assert.throws(() => p0.check(), /beyond the local server/);
  } finally {
    await p0.context.close();
  }
});

test('as-of and time zone are shown, validated and change the evaluation', async () => {
  await withPage(env, 'demo-clock', async (p) => {
    await openDemo(p);
    assert.equal(await p.page.getByTestId('as-of').inputValue(), DEFAULT_AS_OF);
    assert.equal(await p.page.getByTestId('time-zone').inputValue(), 'UTC');
    const rule = 'did purchase in last 30 days';
    await typeRule(p.page, rule);
    const before = Number(await p.page.getByTestId('count').getAttribute('data-value'));
    assert.equal(before, nodeCount(rule));

    const asOf = '2025-06-01T00:00:00Z';
    await p.page.getByTestId('as-of').fill(asOf);
    await waitForClock(p.page, asOf, 'UTC');
    const seg = kaleido.Segment.parse(rule);
    const expected = profiles.filter((x) => seg.test(x, { asOf, timeZone: 'UTC' })).length;
    assert.equal(Number(await p.page.getByTestId('count').getAttribute('data-value')), expected);

    await p.page.getByTestId('as-of').fill('next tuesday');
    await p.page.getByTestId('as-of-error').waitFor({ state: 'visible' });
    assert.equal(await p.page.getByTestId('as-of').getAttribute('aria-invalid'), 'true');

    await p.page.getByTestId('as-of').fill(DEFAULT_AS_OF);
    await p.page.getByTestId('time-zone').fill('Asia/Tokyo');
    await waitForClock(p.page, DEFAULT_AS_OF, 'Asia/Tokyo');
    const tokyo = profiles.filter((x) => seg.test(x, { asOf: DEFAULT_AS_OF, timeZone: 'Asia/Tokyo' })).length;
    assert.equal(Number(await p.page.getByTestId('count').getAttribute('data-value')), tokyo);
  });
});

test('the page works at phone width and is keyboard reachable', async () => {
  await withPage(
    env,
    'demo-phone',
    async (p) => {
      await openDemo(p);
      const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow}px)`);
      // Every form control has an accessible label.
      const unlabeled = await p.page.evaluate(() =>
        [...document.querySelectorAll('input, select, textarea')]
          .filter((el) => !(el.labels?.length > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
          .map((el) => el.id),
      );
      assert.deepEqual(unlabeled, []);
      // Tab reaches the rule editor.
      let reached = false;
      for (let i = 0; i < 40 && !reached; i++) {
        await p.page.keyboard.press('Tab');
        reached = await p.page.evaluate(() => document.activeElement?.id === 'rule');
      }
      assert.ok(reached, 'the rule editor is reachable with Tab');
      await artifact(p.page, 'demo-phone-390');
    },
    { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  );
});
