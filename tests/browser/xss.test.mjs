// Subscriber data with markup cannot run script in a rendered preview.
//
// www/preview-test.html renders profiles carrying XSS payloads (script tags,
// event handlers, javascript: URLs, attribute break-outs, template syntax)
// into iframes sandboxed with `allow-scripts`: if a payload got through
// unescaped it WOULD run and report with parent.postMessage. A control
// rendering with `| safe` proves the detection works: its payloads do run.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { launch, withPage, WWW } from './harness.mjs';

let env;
before(async () => {
  if (!existsSync(path.join(WWW, 'pkg', 'index.js'))) throw new Error('www/pkg is missing: run `make build` first');
  env = await launch();
});
after(async () => {
  await env?.close();
});

const report = (tag) => `parent.postMessage('xss:${tag}','*')`;
const PROFILES = [
  { id: 1, first_name: `<script>${report('script')}</script>`, city: 'x', website: `javascript:${report('url')}`, bio: `<img src="data:," onerror="${report('img')}">` },
  { id: 2, first_name: `"><svg onload="${report('svg')}">`, city: `" autofocus onfocus="${report('focus')}" x="`, website: ` JaVaScRiPt:${report('url2')}`, bio: `</p><iframe srcdoc="<script>${report('nested')}</script>"></iframe>` },
  { id: 3, first_name: `' onmouseover='${report('single')}' x='`, city: `<a href="javascript:${report('a')}">c</a>`, website: `data:text/html,<script>${report('data')}</script>`, bio: '{{ 7*7 }}{% raw %}' },
  { id: 4, first_name: 'Ana', city: 'Porto', website: 'https://example.com/', bio: 'plain' },
];
const fields = (f) => `<!doctype html><title>${f('first_name')}</title>
<h1 title="{{ city }}">Hi ${f('first_name')}</h1>
<a id="site" href="${f('website')}">site</a> <input value='${f('first_name')}'>
<p class="bio" data-city="${f('city')}">${f('bio')}</p>{% if matches("id > 2") %}<p>${f('city')}</p>{% endif %}`;
const SAFE = fields((name) => `{{ ${name} | default("there") }}`);
const CONTROL = fields((name) => `{{ ${name} | safe }}`);

/** Hovers, focuses and clicks everything in every preview frame, then waits. */
async function poke(page) {
  // Frames navigate away when their links are clicked: never wait long on one.
  page.setDefaultTimeout(2000);
  for (const frame of page.frames()) {
    if (frame === page.mainFrame() || frame.isDetached()) continue;
    for (const el of await frame.locator('body *').all().catch(() => [])) {
      for (const type of ['mouseover', 'focus', 'click']) await el.dispatchEvent(type, {}, { timeout: 1000 }).catch(() => {});
    }
    for (const a of await frame.locator('a').all().catch(() => [])) await a.click({ timeout: 1000, noWaitAfter: true }).catch(() => {});
  }
  await page.waitForTimeout(500);
}

async function render(p, source) {
  // The server's Content-Security-Policy would block inline script in the
  // srcdoc frames anyway (they inherit it); strip it for this page so the test
  // measures the escaping alone: an unescaped payload here would run.
  await p.page.route('**/preview-test.html', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['content-security-policy'];
    await route.fulfill({ response, headers });
  });
  await p.page.goto(`${env.server.url.replace(/\/$/, '')}/preview-test.html`, { waitUntil: 'load' });
  await p.page.waitForFunction(() => window.previewReady === true, null, { timeout: 60_000 });
  const htmls = await p.page.evaluate(([s, profiles]) => window.preview(s, profiles, { asOf: '2025-01-31' }), [source, PROFILES]);
  await p.page.waitForFunction((n) => document.querySelectorAll('iframe').length === n, htmls.length);
  await p.page.waitForTimeout(300);
  await poke(p.page);
  return { htmls, reports: await p.page.evaluate(() => window.xssReports) };
}

test('escaped subscriber data never runs in a sandboxed preview', async () => {
  await withPage(env, 'xss-escaped', async (p) => {
    // Clicking a defused `unsafe:` link is an unknown protocol: the sandbox refuses it.
    p.expectConsoleError(/Navigation to external protocol blocked by sandbox/);
    const { htmls, reports } = await render(p, SAFE);
    assert.equal(htmls.length, PROFILES.length + 2); // 4 renders + 2 variants (id > 2 or not)
    assert.deepEqual(reports, [], `payloads ran: ${reports.join(', ')}`);
    // Clicking the links tried to navigate only to the inert `unsafe:` scheme
    // (defused script URLs) or to the one legitimate link; nothing else left the page.
    for (const url of p.offsite) assert.match(url, /^(unsafe:|https:\/\/example\.com\/$)/, url);
    assert.ok(p.offsite.some((u) => u.startsWith('unsafe:')), 'the defused links were clicked');
    p.offsite.length = 0;
    for (const html of htmls) {
      assert.doesNotMatch(html, /<script|<svg|<iframe|<img|\son\w+=["']|href="\s*javascript:/i, html);
    }
    assert.match(htmls[2], /\{\{ 7\*7 \}\}/, 'template syntax in data is printed, not evaluated');
    assert.match(htmls[0], /href="unsafe:javascript:/);
    assert.match(htmls[3], /href="https:&#x2f;&#x2f;example.com&#x2f;"/);
  });
});

test('control: the same payloads unescaped do run (the detection works)', async () => {
  await withPage(env, 'xss-control', async (p) => {
    // Broken markup on purpose: unescaped handlers with cut-off script throw
    // SyntaxErrors when the poke fires them. Only in this control page.
    p.expectConsoleError(/.*/);
    p.expectPageError(/SyntaxError/);
    const { reports } = await render(p, CONTROL);
    p.offsite.length = 0; // the unescaped links navigate anywhere: that is the point
    for (const tag of ['xss:script', 'xss:img', 'xss:svg', 'xss:focus', 'xss:data']) {
      assert.ok(reports.includes(tag), `${tag} should have run unescaped; got ${reports.join(', ')}`);
    }
  });
});
