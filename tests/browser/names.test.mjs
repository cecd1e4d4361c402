// Name order in rendered previews, in real Chromium: a template using the
// `full_name()` and `greeting()` helpers, rendered by the package in the demo
// preview page (www/preview-test.html: one sandboxed iframe per profile), shows
// the family name first for Japanese, Chinese, Korean, Hungarian and
// Vietnamese subscribers and the given name first for English and German
// ones. Each frame's text is read from the frame's own DOM and compared with
// the same rendering done in Node.
//
//   make build && node --test tests/browser/names.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, withPage, artifact } from './harness.mjs';
import { loadKaleido } from './pages-helpers.mjs';

const TEMPLATE = `<!doctype html><html lang="{{ lang }}" dir="{{ dir }}"><body>
<p id="name">{{ full_name() }}</p>
<p id="greeting">{{ greeting(formal=true) }}</p>
</body></html>`;

const OPTIONS = { asOf: '2025-06-01T00:00:00Z', timeZone: 'UTC' };

// given, family, whether the family name comes first, and the full name CLDR
// order gives (CJK names in CJK script are written without a space; Korean
// in Hangul too).
const PROFILES = [
  { id: 1, locale: 'ja-JP', first_name: '花子', last_name: '山田', familyFirst: true, full: '山田花子' },
  { id: 2, locale: 'ja-JP', first_name: 'Hanako', last_name: 'Yamada', familyFirst: true, full: 'Yamada Hanako' },
  { id: 3, locale: 'zh-CN', first_name: '明', last_name: '李', familyFirst: true, full: '李明' },
  { id: 4, locale: 'ko-KR', first_name: '민준', last_name: '김', familyFirst: true, full: '김민준' },
  { id: 5, locale: 'hu-HU', first_name: 'Anna', last_name: 'Kovács', familyFirst: true, full: 'Kovács Anna' },
  { id: 6, locale: 'vi-VN', first_name: 'Lan', last_name: 'Nguyễn', familyFirst: true, full: 'Nguyễn Lan' },
  { id: 7, locale: 'en-US', first_name: 'John', last_name: 'Smith', familyFirst: false, full: 'John Smith' },
  { id: 8, locale: 'de-DE', first_name: 'Anna', last_name: 'Müller', familyFirst: false, full: 'Anna Müller' },
];

let env;
let kaleido;
before(async () => {
  kaleido = await loadKaleido();
  env = await launch();
});
after(async () => {
  await env?.close();
});

/** The preview frame of the `i`th rendering (frames are appended in order). */
const frame = (page, i) => page.frameLocator(`#frames iframe >> nth=${i}`);

test('rendered previews put the family name first for ja, zh, ko, hu and vi, the given name first for en and de', async () => {
  await withPage(env, 'names-order', async (p) => {
    await p.page.goto(`${env.server.url.replace(/\/$/, '')}/preview-test.html`, { waitUntil: 'load' });
    await p.page.waitForFunction(() => window.previewReady === true, null, { timeout: 60_000 });
    const profiles = PROFILES.map(({ familyFirst, full, ...profile }) => profile);
    const htmls = await p.page.evaluate(([s, list, o]) => window.preview(s, list, o), [TEMPLATE, profiles, OPTIONS]);
    assert.ok(htmls.length >= PROFILES.length, `one preview per profile (${htmls.length})`);
    await p.page.waitForFunction((n) => document.querySelectorAll('iframe').length === n, htmls.length);

    // The page rendered what the package renders in Node.
    const tpl = kaleido.Template.compile(TEMPLATE);
    try {
      profiles.forEach((profile, i) => assert.equal(htmls[i], tpl.render(profile, OPTIONS), `render of ${profile.locale}`));
    } finally {
      tpl.free();
    }

    // Read what each sandboxed frame shows.
    for (const [i, want] of PROFILES.entries()) {
      const shown = (await frame(p.page, i).locator('#name').textContent()).trim();
      const what = `${want.locale} ${want.first_name}/${want.last_name}: shown ${JSON.stringify(shown)}`;
      assert.equal(shown, want.full, what);
      const given = shown.indexOf(want.first_name);
      const family = shown.indexOf(want.last_name);
      assert.ok(given >= 0 && family >= 0, what);
      assert.equal(family < given, want.familyFirst, what);
      // The formal greeting keeps the same order when it names both.
      const greeting = await frame(p.page, i).locator('#greeting').textContent();
      const g = greeting.indexOf(want.first_name);
      const f = greeting.indexOf(want.last_name);
      assert.ok(f >= 0, `${want.locale} greeting names the family: ${greeting}`);
      if (g >= 0) assert.equal(f < g, want.familyFirst, `${want.locale} greeting ${JSON.stringify(greeting)}`);
      assert.equal(await frame(p.page, i).locator('html').getAttribute('lang'), want.locale);
      assert.equal(await frame(p.page, i).locator('html').getAttribute('dir'), 'ltr');
    }
    await artifact(p.page, 'names-order');
  });
});
