// Benchmark: responsiveness of the editor page (www/index.html) on its default
// 50,000-subscriber list, measured in headless Chromium.
//
//   make build && node bench/editor.mjs            (also run by `make bench`)
//   BENCH_EDITOR_SIZE=100000 node bench/editor.mjs
//   BENCH_EDITOR_ROOT=/path/to/www node bench/editor.mjs   (another build of the pages)
//
// For each rule it types the text key by key (80 ms apart, a fast typist) and
// measures:
// - keystroke → count: from the `input` event of the last keystroke to the
//   count on screen for the finished rule (the page's own measurement);
// - the worker's time for that count;
// - the longest main-thread task while typing (Long Tasks API; 0 = none over
//   50 ms) and the longest keystroke event (Event Timing API: input delay +
//   handlers + next paint), i.e. how long typing could feel stuck.
// Both engines run (Audience when the package has it, then Segment.test via
// ?engine=segment.test). Peer, measured in the same run: the same rules counted with
// `Segment.test` in a synchronous loop on the main thread, which is what a
// page without the worker would block every keystroke for.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { launch, newPage, CHROMIUM, WWW } from '../tests/browser/harness.mjs';

const SIZE = Number(process.env.BENCH_EDITOR_SIZE ?? 50_000);
const RULES = [
  'did purchase in last 30 days and age >= 40',
  'gender = "m" and age between 25 and 34 and did purchase in last 30 days',
  'sum(purchase.amount_usd in last 365 days) > 500 or count(purchase in last 90 days) >= 3',
  'country in ["CN", "TW", "HK"] and consent.marketing',
];
const KEY_DELAY = 80;

const ROOT = process.env.BENCH_EDITOR_ROOT ?? WWW;
if (!existsSync(CHROMIUM) || !existsSync(path.join(ROOT, 'pkg', 'index.js'))) {
  console.log(`bench/editor.mjs: skipped (needs ${CHROMIUM} and www/pkg from \`make build\`)`);
  process.exit(0);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const ms = (x) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x)} ms` : 'n/a');

const env = await launch({ root: ROOT });
try {
  const results = [];
  for (const forced of ['', 'segment.test']) {
    const p = await newPage(env.browser, env.server.url.replace(/\/$/, ''), { viewport: { width: 1280, height: 900 } });
    const { page } = p;
    const t0 = Date.now();
    await page.goto(`${env.server.url}?size=${SIZE}${forced ? `&engine=${forced}` : ''}`);
    await page.waitForFunction(() => ['ready', 'failed'].includes(document.body.dataset.state), null, { timeout: 600_000 });
    const engine = await page.getByTestId('engine').getAttribute('data-engine');
    const loadMs = Date.now() - t0;
    if (forced && results.some((r) => r.engine === engine)) {
      await p.context.close();
      break;
    }
    // Let the initial chart work finish so it does not share the worker with the first rule.
    await page.waitForFunction(
      () => ['chart-sizes-body', 'chart-overlap-body', 'chart-sendtime-body'].every((id) => document.querySelector(`[data-testid=${id}]`).dataset.state !== 'running')
        && document.querySelector('[data-testid=variants]').dataset.state !== 'running',
      null,
      { timeout: 600_000 },
    );
    await page.evaluate(() => {
      window.__bench = { longTasks: [], events: [] };
      new PerformanceObserver((list) => window.__bench.longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
      new PerformanceObserver((list) =>
        window.__bench.events.push(...list.getEntries().filter((e) => ['keydown', 'keypress', 'keyup', 'input', 'beforeinput'].includes(e.name)).map((e) => e.duration)),
      ).observe({ type: 'event', durationThreshold: 16, buffered: false });
    });
    const rows = [];
    for (const rule of RULES) {
      await page.evaluate(() => {
        window.__bench.longTasks.length = 0;
        window.__bench.events.length = 0;
      });
      const box = page.getByTestId('rule-input');
      await box.fill('');
      await box.pressSequentially(rule, { delay: KEY_DELAY });
      await page.waitForFunction(
        (r) => {
          const el = document.querySelector('[data-testid=count]');
          return el.dataset.rule === r && el.dataset.state === 'done';
        },
        rule,
        { timeout: 600_000 },
      );
      rows.push({
        rule,
        ...(await page.evaluate((text) => {
          const m = window.__kaleido.metrics.filter((x) => x.rule === text).at(-1);
          return {
            keystrokeToCount: m.keystrokeToCountMs,
            worker: m.workerMs,
            count: Number(document.querySelector('[data-testid=count]').dataset.value),
            longestTask: Math.max(0, ...window.__bench.longTasks),
            longestKey: Math.max(0, ...window.__bench.events),
          };
        }, rule)),
      });
    }
    results.push({ engine, loadMs, rows });
    await p.context.close();
  }

  // Peer: the same counts as a synchronous main-thread loop over the same list.
  const p = await newPage(env.browser, env.server.url.replace(/\/$/, ''));
  await p.page.goto(`${env.server.url}sample-data.js`);
  const peer = await p.page.evaluate(
    async ({ rules, size }) => {
      const k = await import('./pkg/index.js');
      const { generateProfiles, DEFAULT_AS_OF } = await import('./sample-data.js');
      await k.init();
      const list = generateProfiles({ count: size, seed: 1, asOf: DEFAULT_AS_OF });
      const out = [];
      for (const rule of rules) {
        const seg = k.Segment.parse(rule);
        const opts = { asOf: DEFAULT_AS_OF, timeZone: 'UTC' };
        const t = performance.now();
        let n = 0;
        for (const x of list) if (seg.test(x, opts)) n++;
        out.push({ ms: performance.now() - t, n });
        seg.free();
      }
      return out;
    },
    { rules: RULES, size: SIZE },
  );
  await p.context.close();

  console.log(`\n### Editor responsiveness: ${SIZE.toLocaleString('en-US')} subscribers, headless Chromium, keys ${KEY_DELAY} ms apart\n`);
  console.log('| engine | rule | members | keystroke → count | worker count | longest main-thread task while typing | longest keystroke event | peer: main-thread `Segment.test` loop (blocks input) | peer ÷ keystroke → count |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const { engine, rows } of results) {
    rows.forEach((r, i) => {
      if (peer[i].n !== r.count) throw new Error(`count mismatch for ${r.rule}: page ${r.count}, main-thread loop ${peer[i].n}`);
      console.log(`| ${engine} | \`${r.rule}\` | ${r.count.toLocaleString('en-US')} | ${ms(r.keystrokeToCount)} | ${ms(r.worker)} | ${r.longestTask ? ms(r.longestTask) : 'none > 50 ms'} | ${r.longestKey ? ms(r.longestKey) : '< 16 ms'} | ${ms(peer[i].ms)} | ${(peer[i].ms / r.keystrokeToCount).toFixed(1)}× |`);
    });
  }
  console.log('');
  for (const { engine, loadMs, rows } of results) {
    console.log(`${engine}: page ready in ${(loadMs / 1000).toFixed(1)} s; median keystroke → count ${ms(median(rows.map((r) => r.keystrokeToCount)))}`);
  }
  console.log(`main-thread Segment.test loop: median ${ms(median(peer.map((x) => x.ms)))}`);
} finally {
  await env.close();
}
