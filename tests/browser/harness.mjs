// Browser test harness: Debian's Chromium driven by playwright-core, the demo
// pages served by scripts/serve.mjs on a random local port.
//
// Guarantees every test gets:
// - a fresh profile directory (fs.mkdtemp) and a fresh browser context;
// - a record of every request the page, its iframes and its workers make;
//   anything not to the local server is aborted and recorded (`offsite`);
// - a record of console errors and uncaught exceptions (`problems`);
// - `check()` that fails the test on any of the above;
// - a screenshot in test-results/ when the test fails (`withPage`).

import { chromium } from 'playwright-core';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { startServer } from '../../scripts/serve.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const WWW = path.join(REPO_ROOT, 'www');
export const RESULTS = path.join(REPO_ROOT, 'test-results');

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts the server and Chromium. Call `close()` when done. `root`: the served folder (default www/). */
export async function launch({ root = WWW } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  const server = await startServer({ root, port: 0 });
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'kaleido-chromium-'));
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Exactly our flags: no Playwright defaults on top.
      ignoreDefaultArgs: true,
      args: [...CHROMIUM_ARGS, `--user-data-dir=${userDataDir}`, '--remote-debugging-pipe'],
      timeout: 60_000,
    });
  } catch (err) {
    await server.close();
    await rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    server,
    browser,
    async close() {
      await browser.close().catch(() => {});
      await server.close().catch(() => {});
      await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/**
 * A new context and page with request, console and exception recording.
 * @param {import('playwright-core').Browser} browser
 * @param {string} origin the local server's origin, e.g. http://127.0.0.1:1234
 */
export async function newPage(browser, origin, contextOptions = {}) {
  const context = await browser.newContext({ serviceWorkers: 'block', ...contextOptions });
  const requests = [];
  const offsite = [];
  const problems = [];
  const allowed = (url) => url.startsWith(origin + '/') || /^(data|blob|about):/.test(url);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed(url)) return route.continue();
    offsite.push(url);
    return route.abort('blockedbyclient');
  });
  context.on('request', (req) => {
    requests.push(req.url());
    if (!allowed(req.url()) && !offsite.includes(req.url())) offsite.push(req.url());
  });
  const page = await context.newPage();
  const expected = [];
  const onConsole = (where) => (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (expected.some((re) => re.test(text))) return;
    problems.push(`console error (${where}): ${text}`);
  };
  page.on('console', onConsole('page'));
  page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.stack ?? err.message}`));
  page.on('crash', () => problems.push('page crashed'));
  page.on('worker', (worker) => {
    worker.on('console', onConsole(`worker ${worker.url()}`));
  });
  page.on('requestfailed', (req) => {
    if (allowed(req.url())) problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  return {
    context,
    page,
    requests,
    offsite,
    problems,
    /** Console errors matching `re` are expected and not counted as problems. */
    expectConsoleError(re) {
      expected.push(re);
    },
    /** Fails on any console error, uncaught exception or off-site request so far. */
    check() {
      assert.deepEqual(offsite, [], `the page made requests beyond the local server: ${offsite.join(', ')}`);
      assert.deepEqual(problems, [], `the page reported problems:\n${problems.join('\n')}`);
    },
  };
}

/** File-name-safe test name. */
export function slug(name) {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
}

/**
 * Runs `fn(p)` with a fresh page; on failure saves test-results/<name>-failure.png
 * (and the page's HTML) before rethrowing. Always checks for problems at the end.
 */
export async function withPage(env, name, fn, contextOptions) {
  const p = await newPage(env.browser, env.server.url.replace(/\/$/, ''), contextOptions);
  try {
    await fn(p);
    p.check();
  } catch (err) {
    await mkdir(RESULTS, { recursive: true });
    const file = path.join(RESULTS, `${slug(name)}-failure.png`);
    await p.page.screenshot({ path: file, fullPage: true }).catch(() => {});
    err.message += `\n(screenshot: ${path.relative(REPO_ROOT, file)})`;
    if (p.problems.length > 0 && !err.message.includes('problems')) err.message += `\nproblems:\n${p.problems.join('\n')}`;
    throw err;
  } finally {
    await p.context.close().catch(() => {});
  }
}

/** Saves a screenshot artifact (for review) under test-results/. */
export async function artifact(page, name) {
  await mkdir(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${slug(name)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
