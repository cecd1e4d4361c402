// The locale API in Chromium: the WASM package (www/pkg/) against the browser's own `Intl`,
// with the differences docs/locale.md lists (Chromium's CLDR may differ from Node's, so a
// listed difference need not occur here; an unlisted one fails).
//
//   make build && node --test tests/browser/locale.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, withPage } from './harness.mjs';
import { localeCases, KNOWN, group } from '../node/locale-cases.mjs';

let env;
before(async () => {
  env = await launch();
});
after(async () => {
  await env?.close();
});

test('formatting in Chromium agrees with its Intl', async () => {
  const cases = localeCases()
    .filter((c) => c.kind !== 'percent')
    .map(({ kind, args }) => ({ kind, args }));
  await withPage(env, 'locale-intl', async (p) => {
    await p.page.goto(env.server.url + 'sample-data.js');
    const results = await p.page.evaluate(async (cases) => {
      const k = await import('/pkg/index.js');
      await k.init();
      // Chromium ships a reduced ICU data set: locales it lacks fall back to
      // English (eo) or to root data (uz: `1970 M01 1, Thu`) in its Intl, so
      // there is nothing to compare with.
      const full = (l) => new Intl.DateTimeFormat(l, { dateStyle: 'full', timeZone: 'UTC' }).format(0);
      const has = (l) =>
        new Intl.NumberFormat(l).resolvedOptions().locale.split('-')[0] === l.split('-')[0] &&
        !/ M\d\d /.test(full(l));
      return cases.map(({ kind, args: [a, b, o] }) => {
        if (!has(kind === 'currency' ? o : b)) return { skipped: kind === 'currency' ? o : b };
        let intl;
        let ours;
        if (kind === 'number') {
          intl = new Intl.NumberFormat(b, o).format(a);
          ours = k.formatNumber(a, b, o);
        } else if (kind === 'currency') {
          intl = new Intl.NumberFormat(o, { style: 'currency', currency: b }).format(a);
          ours = k.formatCurrency(a, b, o);
        } else if (kind === 'plural') {
          intl = new Intl.PluralRules(b).select(a);
          ours = k.pluralCategory(a, b);
        } else {
          const opts = { dateStyle: o.style, timeZone: o.timeZone ?? 'UTC' };
          if (o.time) opts.timeStyle = o.style;
          const d = a.length === 10 ? new Date(a + 'T00:00:00Z') : new Date(a);
          intl = new Intl.DateTimeFormat(b, opts).format(d);
          ours = k.formatDate(a, b, o);
        }
        return { intl, ours };
      });
    }, cases);
    const bad = [];
    const skipped = [...new Set(results.filter((r) => r.skipped).map((r) => r.skipped))].sort();
    // Documented in docs/locale.md: Chromium 156 has no data for these.
    assert.ok(skipped.every((l) => ['eo', 'uz-Latn-UZ'].includes(l)), `skipped ${skipped}`);
    results.forEach((r, i) => {
      if (r.skipped) return;
      if (r.intl !== r.ours && !KNOWN.has(group(cases[i]))) {
        bad.push(`${cases[i].kind} ${JSON.stringify(cases[i].args)}: Intl ${JSON.stringify(r.intl)}, ours ${JSON.stringify(r.ours)}`);
      }
    });
    assert.ok(results.filter((r) => !r.skipped).length > 1000);
    assert.deepEqual(bad, [], bad.join('\n'));
    const h = await p.page.evaluate(async () => {
      const k = await import('/pkg/index.js');
      return [k.holidays('KR', 2025).find((x) => x.id === 'chuseok').date, k.localSendTime({ country: 'DE' }, '09:00', { asOf: '2025-07-01T00:00:00Z' })];
    });
    assert.deepEqual(h, ['2025-10-06', '2025-07-01T07:00:00Z']);
  });
});
