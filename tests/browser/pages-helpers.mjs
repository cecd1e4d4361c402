// Shared helpers of the editor and preference-centre browser tests: the
// package loaded in Node (the reference answers) and page-waiting helpers.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, WWW } from './harness.mjs';

export const READY_TIMEOUT = 120_000;

/** The package's Node entry, initialised; fails clearly when pkg/ is not built. */
export async function loadKaleido() {
  const node = path.join(REPO_ROOT, 'pkg', 'node.mjs');
  for (const file of [node, path.join(WWW, 'pkg', 'index.js')]) {
    if (!existsSync(file)) throw new Error(`${path.relative(REPO_ROOT, file)} is missing: run \`make build\` first`);
  }
  const kaleido = await import(node);
  await kaleido.init();
  return kaleido;
}

/** Opens a page and waits for body[data-state] to be ready (or failed: an assertion error). */
export async function openPage(p, url) {
  await p.page.goto(url, { waitUntil: 'load' });
  await p.page.waitForFunction(() => ['ready', 'failed'].includes(document.body.dataset.state), null, { timeout: READY_TIMEOUT });
  const state = await p.page.evaluate(() => document.body.dataset.state);
  assert.equal(state, 'ready', `the page did not become ready: ${await p.page.textContent('#status')}`);
}

/** Waits until the chart (by its data-testid) finished computing with the given clock key (asOf|tz|size|seed). */
export async function waitForChart(page, testid, key) {
  const handle = await page.waitForFunction(
    ([id, k]) => {
      const el = document.querySelector(`[data-testid="${id}"]`);
      const done = el && (el.dataset.state === 'done' || el.dataset.state === 'error') && (!k || el.dataset.key === k);
      return done && el.dataset.state;
    },
    [testid, key],
    { timeout: READY_TIMEOUT },
  );
  assert.equal(await handle.jsonValue(), 'done', `${testid} computed`);
}

/** Waits for the live count of exactly this rule text. */
export async function waitForCount(page, rule) {
  await page.waitForFunction(
    (r) => {
      const el = document.querySelector('[data-testid=count]');
      return el.dataset.rule === r && (el.dataset.state === 'done' || el.dataset.state === 'error');
    },
    rule,
    { timeout: READY_TIMEOUT },
  );
}

/** Replaces the rule editor's text by typing it, and waits for its count. */
export async function typeRule(page, rule, delay = 2) {
  const box = page.getByTestId('rule-input');
  await box.fill('');
  await box.pressSequentially(rule, { delay });
  await waitForCount(page, rule);
}
