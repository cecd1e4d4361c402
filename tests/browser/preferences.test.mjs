// End-to-end tests of the preference centre (www/preferences.html) in real
// Chromium. The expected messages come from the package's own simulation in
// Node of the same programme and profile (www/programme.js is the shared,
// DOM-free definition of how preferences map onto the example programme).
//
//   make build && node --test tests/browser/preferences.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, withPage, artifact } from './harness.mjs';
import { loadKaleido, openPage } from './pages-helpers.mjs';
import { profileAt, DEFAULT_AS_OF } from '../../www/sample-data.js';
import { storedPreferences, programmeProfile, programmeFor, window30, TOPICS } from '../../www/programme.js';

let env;
let kaleido;
let examples;

before(async () => {
  kaleido = await loadKaleido();
  examples = kaleido.Campaigns.examples();
  env = await launch();
});

after(async () => {
  await env?.close();
});

/** What the package says this subscriber with these preferences receives. */
function expected(index, prefs) {
  const profile = profileAt(index);
  const w = window30(DEFAULT_AS_OF);
  const c = new kaleido.Campaigns(programmeFor(examples, prefs));
  const all = c.simulate(programmeProfile(profile, prefs), { from: w.from, to: w.to, asOf: w.from, timeZone: 'UTC', includeSuppressed: true, includeBody: true });
  c.free();
  return { sent: all.filter((m) => m.status === 'sent'), suppressed: all.filter((m) => m.status !== 'sent') };
}

async function shown(page) {
  const read = (sel) =>
    page.$$eval(sel, (lis) => lis.map((li) => ({ campaign: li.dataset.campaign, sendAt: li.dataset.sendAt, step: li.dataset.step, reason: li.dataset.reason })));
  return { sent: await read('[data-testid=pc-messages] li'), suppressed: await read('[data-testid=pc-suppressed] li') };
}

const brief = (list) => list.map((m) => ({ campaign: m.campaign, sendAt: m.sendAt, step: m.step, reason: m.reason }));

async function afterChange(page, change) {
  const before = await page.evaluate(() => Number(document.body.dataset.updates));
  await change();
  await page.waitForFunction((n) => Number(document.body.dataset.updates) > n, before);
}

async function assertMatches(page, index, prefs, label) {
  const want = expected(index, prefs);
  const got = await shown(page);
  assert.deepEqual(got.sent, brief(want.sent), `${label}: sent`);
  assert.deepEqual(got.suppressed, brief(want.suppressed), `${label}: suppressed`);
  assert.equal(await page.getByTestId('pc-next').getAttribute('data-campaign'), want.sent[0]?.campaign ?? '', `${label}: next`);
  return want;
}

test('?id= opens that subscriber with their stored preferences and the package\'s plan', async () => {
  await withPage(env, 'prefs-stored', async (p) => {
    await openPage(p, `${env.server.url}preferences.html?id=sub-0000006`);
    const profile = profileAt(5);
    assert.equal(profile.id, 'sub-0000006');
    assert.equal(await p.page.getByTestId('pc-who').getAttribute('data-id'), 'sub-0000006');
    const prefs = storedPreferences(profile);
    assert.equal(await p.page.getByTestId('pc-consent').isChecked(), prefs.consent);
    for (const t of TOPICS) assert.equal(await p.page.getByTestId(`pc-topic-${t}`).isChecked(), prefs.topics.includes(t), t);
    assert.equal(await p.page.getByTestId(`pc-frequency-${prefs.frequency}`).isChecked(), true);
    assert.equal(await p.page.getByTestId('pc-language').inputValue(), prefs.language);
    const want = await assertMatches(p.page, 5, prefs, 'stored');
    assert.ok(want.sent.length >= 3, 'a subscriber with a full month');
    // The next e-mail: subject and body as the package rendered them, in the subscriber's zone.
    const next = want.sent[0];
    const subject = await p.page.getByTestId('pc-next-subject').textContent();
    assert.equal(subject, await p.page.evaluate((h) => new DOMParser().parseFromString(`<body>${h}`, 'text/html').body.textContent, next.subject));
    assert.equal(await p.page.getByTestId('pc-next-frame').getAttribute('data-html'), next.body ?? `<h1>${next.subject}</h1><p>${next.preview ?? ''}</p>`);
    assert.match(await p.page.getByTestId('pc-next-when').textContent(), new RegExp(profile.timezone.replace('/', '\\/')));
  });
});

test('consent, topics, frequency and language change the plan exactly as the package simulates', async () => {
  await withPage(env, 'prefs-edit', async (p) => {
    const index = 41;
    await openPage(p, `${env.server.url}preferences.html?id=sub-0000042`);
    const prefs = storedPreferences(profileAt(index));
    await assertMatches(p.page, index, prefs, 'stored');

    // All topics, daily.
    for (const t of TOPICS) {
      if (!prefs.topics.includes(t)) await afterChange(p.page, () => p.page.getByTestId(`pc-topic-${t}`).check());
    }
    await afterChange(p.page, () => p.page.getByTestId('pc-frequency-daily').check());
    prefs.frequency = 'daily';
    prefs.consent = await p.page.getByTestId('pc-consent').isChecked();
    if (!prefs.consent) {
      await afterChange(p.page, () => p.page.getByTestId('pc-consent').check());
      prefs.consent = true;
    }
    const rich = await assertMatches(p.page, index, { ...prefs, topics: [...TOPICS] }, 'all topics, daily');
    assert.ok(rich.sent.some((m) => m.campaign === 'newsletter'), 'newsletter with its topics');

    // Monthly: the frequency cap suppresses some.
    await afterChange(p.page, () => p.page.getByTestId('pc-frequency-monthly').check());
    const monthly = await assertMatches(p.page, index, { ...prefs, topics: [...TOPICS], frequency: 'monthly' }, 'monthly');
    assert.ok(monthly.suppressed.some((m) => m.reason === 'cap'), 'capped');

    // German content.
    await afterChange(p.page, () => p.page.getByTestId('pc-language').selectOption('de'));
    const german = await assertMatches(p.page, index, { ...prefs, topics: [...TOPICS], frequency: 'monthly', language: 'de' }, 'german');
    assert.ok(german.sent.some((m) => m.locale === 'de'), 'a German content block');
    assert.equal(await p.page.evaluate(() => document.documentElement.lang), 'de');

    // No consent: nothing is sent, every message says why.
    await afterChange(p.page, () => p.page.getByTestId('pc-consent').uncheck());
    const none = await assertMatches(p.page, index, { ...prefs, topics: [...TOPICS], frequency: 'monthly', language: 'de', consent: false }, 'no consent');
    assert.equal(none.sent.length, 0);
    assert.ok(none.suppressed.length > 0 && none.suppressed.every((m) => m.reason === 'consent'));
    assert.equal(await p.page.getByTestId('pc-summary').getAttribute('data-count'), '0');

    // Reset brings back the stored preferences.
    await afterChange(p.page, () => p.page.getByTestId('pc-reset').click());
    await assertMatches(p.page, index, storedPreferences(profileAt(index)), 'reset');
  });
});

test('Arabic and Hebrew switch the page to right-to-left; the URL keeps the subscriber', async () => {
  await withPage(env, 'prefs-rtl', async (p) => {
    await openPage(p, `${env.server.url}preferences.html?id=sub-0000002`);
    for (const [lang, dir] of [['ar', 'rtl'], ['he', 'rtl'], ['fr', 'ltr']]) {
      await afterChange(p.page, () => p.page.getByTestId('pc-language').selectOption(lang));
      assert.deepEqual(await p.page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]), [lang, dir]);
    }
    await p.page.getByTestId('pc-id').fill('sub-0000120');
    await afterChange(p.page, () => p.page.getByTestId('pc-id').press('Enter'));
    assert.match(p.page.url(), /id=sub-0000120/);
    await assertMatches(p.page, 119, storedPreferences(profileAt(119)), 'by id');
  });
});

test('the preference centre at 390 px: no sideways scrolling, labelled controls, keyboard order', async () => {
  await withPage(
    env,
    'prefs-phone',
    async (p) => {
      await openPage(p, `${env.server.url}preferences.html?id=sub-0000006`);
      const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow}px)`);
      const unlabeled = await p.page.evaluate(() =>
        [...document.querySelectorAll('input, select, textarea')]
          .filter((el) => !(el.labels?.length > 0 || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
          .map((el) => el.id),
      );
      assert.deepEqual(unlabeled, []);
      // Tab order follows the reading order: skip link, subscriber, id, consent, topics, frequency, language, reset.
      const order = [];
      for (let i = 0; i < 12; i++) {
        await p.page.keyboard.press('Tab');
        order.push(await p.page.evaluate(() => document.activeElement?.id || document.activeElement?.className || document.activeElement?.tagName));
      }
      const want = ['pc-subscriber', 'pc-id', 'pc-consent', 'pc-topic-new_arrivals', 'pc-topic-sales', 'pc-topic-stories', 'pc-topic-events'];
      const positions = want.map((id) => order.indexOf(id));
      assert.ok(positions.every((x) => x >= 0), `reached ${want} in ${order}`);
      assert.deepEqual([...positions].sort((a, b) => a - b), positions, `in order: ${order}`);
      // Space toggles a focused topic and the plan follows.
      await p.page.getByTestId('pc-topic-stories').focus();
      const was = await p.page.getByTestId('pc-topic-stories').isChecked();
      await afterChange(p.page, () => p.page.keyboard.press('Space'));
      assert.equal(await p.page.getByTestId('pc-topic-stories').isChecked(), !was);
      const prefs = storedPreferences(profileAt(5));
      prefs.topics = was ? prefs.topics.filter((t) => t !== 'stories') : [...prefs.topics, 'stories'];
      await assertMatches(p.page, 5, prefs, 'after Space');
      await artifact(p.page, 'preferences-390');
      await afterChange(p.page, () => p.page.getByTestId('pc-language').selectOption('ar'));
      const overflowRtl = await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflowRtl <= 0, `no horizontal scrolling in Arabic (overflow ${overflowRtl}px)`);
      await artifact(p.page, 'preferences-390-arabic');
    },
    { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  );
});
