// End-to-end tests of the editor's "Campaign sends" panel (www/index.html) in
// real Chromium: the plotted messages per day and campaign must be the
// package's `Campaigns.simulateAudience` over the same list, and the chosen
// subscriber's timeline must be `Campaigns.simulate`, both computed here in
// Node from the same seeded sample data and the same programme.
//
//   make build && node --test tests/browser/sends.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { launch, withPage, artifact, RESULTS } from './harness.mjs';
import { loadKaleido, openPage, READY_TIMEOUT } from './pages-helpers.mjs';
import { generateProfiles, DEFAULT_AS_OF } from '../../www/sample-data.js';
import { storedPreferences, programmeProfile } from '../../www/programme.js';

const SIZE = 5000;
const KEY = (days) => `${DEFAULT_AS_OF}|UTC|${SIZE}|1|${days}`;

let env;
let kaleido;
let profiles;
let campaigns;

before(async () => {
  kaleido = await loadKaleido();
  profiles = generateProfiles({ count: SIZE, seed: 1, asOf: DEFAULT_AS_OF });
  campaigns = new kaleido.Campaigns(kaleido.Campaigns.examples());
  env = await launch();
});

after(async () => {
  campaigns?.free();
  await env?.close();
});

/** The window the page uses: `days` days from the page's as-of, predicted from as-of. */
function window(days) {
  const from = Date.parse(DEFAULT_AS_OF);
  const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return { from: iso(from), to: iso(from + days * 86_400_000), asOf: iso(from), timeZone: 'UTC' };
}

const asProgramme = (p) => programmeProfile(p, storedPreferences(p));

/** A screenshot of the "Campaign sends" panel alone (test-results/<name>.png), for review. */
async function panelShot(page, name) {
  await mkdir(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${name}.png`);
  await page.locator('section.sends').screenshot({ path: file });
  return file;
}

async function waitForSends(page, days) {
  await page.waitForFunction(
    (k) => {
      const el = document.querySelector('[data-testid=chart-sends-body]');
      return el && el.dataset.key === k && ['done', 'error'].includes(el.dataset.state);
    },
    KEY(days),
    { timeout: READY_TIMEOUT },
  );
  assert.equal(await page.getByTestId('chart-sends-body').getAttribute('data-state'), 'done');
}

async function plotted(page) {
  return page.$$eval('[data-testid=chart-sends-body] rect.stack-part', (rs) =>
    rs.map((r) => ({ date: r.dataset.date, campaign: r.dataset.series, count: Number(r.dataset.count) })),
  );
}

const order = (a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.campaign < b.campaign ? -1 : a.campaign > b.campaign ? 1 : 0);

async function assertPlotMatches(page, days) {
  await waitForSends(page, days);
  const want = campaigns.simulateAudience(profiles.map(asProgramme), window(days));
  const got = (await plotted(page)).sort(order);
  assert.deepEqual(got, want, `${days} days: per-day per-campaign counts`);
  const total = want.reduce((a, c) => a + c.count, 0);
  assert.equal(Number(await page.getByTestId('sends-total').getAttribute('data-value')), total);
  // Per-day column totals and per-campaign legend totals.
  const byDay = new Map();
  const byCampaign = new Map();
  for (const c of want) {
    byDay.set(c.date, (byDay.get(c.date) ?? 0) + c.count);
    byCampaign.set(c.campaign, (byCampaign.get(c.campaign) ?? 0) + c.count);
  }
  const dayTotals = await page.$$eval('[data-testid=chart-sends-body] g.stack-day', (gs) => gs.map((g) => [g.dataset.date, Number(g.dataset.total)]));
  for (const [d, n] of dayTotals) assert.equal(n, byDay.get(d) ?? 0, `total of ${d}`);
  const legend = await page.$$eval('[data-testid=chart-sends-body] .stack-legend li', (lis) => lis.map((li) => [li.dataset.series, Number(li.dataset.total)]));
  assert.deepEqual(new Map(legend), byCampaign);
  // The calendar heat map holds the same numbers, one cell per plotted day and campaign.
  const cells = await page.$$eval('[data-testid=sends-calendar] rect.heat-cell:not(.empty)', (rs) =>
    rs.map((r) => ({ date: r.dataset.date, campaign: r.dataset.series, count: Number(r.dataset.count) })),
  );
  assert.deepEqual(cells.sort(order), want);
  // The table fallback has one row per plotted day plus the totals row, whose last cell is the total.
  const rows = await page.$$eval('[data-testid=chart-sends-body] table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.equal(rows.length, dayTotals.length + 1);
  assert.equal(rows.at(-1).at(-1), total.toLocaleString('en-US'));
  return want;
}

test('the sends plot is Campaigns.simulateAudience over the list, per day and campaign, with totals', async () => {
  await withPage(env, 'editor-sends', async (p) => {
    await openPage(p, `${env.server.url}?size=${SIZE}&id=sub-0000006`);
    const want = await assertPlotMatches(p.page, 30);
    assert.ok(want.length > 30, `a busy month (${want.length} day × campaign cells)`);
    assert.ok(new Set(want.map((c) => c.campaign)).size >= 4, 'several campaigns');
    // Accessible: the plot is an image with a label, and the numbers are in a table.
    assert.match(await p.page.locator('[data-testid=chart-sends-body] .stacked svg').getAttribute('aria-label'), /per local day and campaign/);
    assert.equal(await p.page.locator('[data-testid=chart-sends-body] .stacked svg').getAttribute('role'), 'img');
    await panelShot(p.page, 'editor-sends-panel');
    await artifact(p.page, 'editor-sends-30-days');
    // Another period.
    await p.page.getByTestId('sends-days').selectOption('7');
    await assertPlotMatches(p.page, 7);
  }, { viewport: { width: 1280, height: 900 } });
});

test('the timeline of the chosen subscriber is Campaigns.simulate for them', async () => {
  await withPage(env, 'editor-timeline', async (p) => {
    await openPage(p, `${env.server.url}?size=${SIZE}&id=sub-0000006`);
    const check = async (index, days, includeSuppressed) => {
      const id = profiles[index].id;
      await p.page.waitForFunction(
        ([i, k]) => {
          const el = document.querySelector('[data-testid=timeline]');
          return el.dataset.state === 'done' && el.dataset.id === i && el.dataset.key === k;
        },
        [id, KEY(days)],
        { timeout: READY_TIMEOUT },
      );
      const want = campaigns.simulate(asProgramme(profiles[index]), { ...window(days), includeSuppressed });
      const rows = await p.page.$$eval('[data-testid=timeline] tbody tr', (trs) =>
        trs.map((tr) => ({
          campaign: tr.dataset.campaign,
          step: tr.dataset.step,
          variant: tr.dataset.variant,
          sendAt: tr.dataset.sendAt,
          localTime: tr.dataset.localTime,
          status: tr.dataset.status,
          subject: tr.querySelector('td.subject').textContent,
        })),
      );
      const text = (html) => p.page.evaluate((h) => new DOMParser().parseFromString(`<body>${h}`, 'text/html').body.textContent, html);
      const expected = [];
      for (const m of want) {
        expected.push({
          campaign: m.campaign,
          step: m.step ?? '',
          variant: m.variant ?? '',
          sendAt: m.sendAt,
          localTime: m.localTime,
          status: m.status,
          subject: await text(m.subject),
        });
      }
      assert.deepEqual(rows, expected, `${id}, ${days} days, suppressed ${includeSuppressed}`);
      return want;
    };
    const want = await check(5, 30, false);
    assert.ok(want.length >= 3, `sub-0000006 gets several messages (${want.length})`);
    // The local time column shows the subscriber's wall clock and zone.
    const first = await p.page.locator('[data-testid=timeline] tbody tr').first().locator('td').first().textContent();
    assert.ok(first.startsWith(`${want[0].localTime.slice(0, 10)} ${want[0].localTime.slice(11, 16)}`), first);
    assert.ok(first.includes(want[0].timeZone), first);
    // Suppressed messages on request.
    await p.page.getByTestId('timeline-suppressed').check();
    const all = await check(5, 30, true);
    assert.ok(all.length >= want.length);
    // Another subscriber and another period.
    await p.page.getByTestId('subscriber-select').selectOption('41');
    await p.page.getByTestId('sends-days').selectOption('60');
    await check(41, 60, true);
    await panelShot(p.page, 'editor-sends-timeline');
  }, { viewport: { width: 1280, height: 900 } });
});

test('the sends panel fits a phone screen once drawn', async () => {
  await withPage(
    env,
    'editor-sends-phone',
    async (p) => {
      await openPage(p, `${env.server.url}?size=1000&id=sub-0000006`);
      await p.page.waitForFunction(
        () => document.querySelector('[data-testid=chart-sends-body]').dataset.state === 'done' && document.querySelector('[data-testid=timeline]').dataset.state === 'done',
        null,
        { timeout: READY_TIMEOUT },
      );
      await p.page.locator('[data-testid=chart-sends-body] details summary').click();
      await p.page.getByTestId('timeline-suppressed').check();
      const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow}px)`);
      assert.ok((await p.page.locator('[data-testid=timeline] tbody tr').count()) > 0);
      await panelShot(p.page, 'editor-sends-phone');
    },
    { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  );
});
