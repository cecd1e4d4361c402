// The Audience in a Web Worker (kaleido/worker + kaleido/worker-client) in
// real Chromium: loads with progress events, count/members/overlap/profile
// agreeing with Segment.test on the main thread, errors crossing as KaleidoErrors.
//
//   node --test tests/browser/worker.test.mjs
//
// Needs the package built into pkg/ and copied to www/pkg/ (make build) and
// Debian's /usr/bin/chromium.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { launch, withPage, REPO_ROOT, WWW } from './harness.mjs';

let env;

before(async () => {
  for (const file of ['index.js', 'worker.js', 'worker-client.js']) {
    const f = path.join(WWW, 'pkg', file);
    if (!existsSync(f)) throw new Error(`${path.relative(REPO_ROOT, f)} is missing: run \`make build\` first`);
  }
  env = await launch();
});

after(async () => {
  await env?.close();
});

/** A blank page on the local origin, so the worker and modules load from it. */
async function blankPage(p) {
  const origin = env.server.url.replace(/\/$/, '');
  await p.page.route(`${origin}/__audience-worker-test.html`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><meta charset="utf-8"><title>Audience worker</title>' }),
  );
  await p.page.goto(`${origin}/__audience-worker-test.html`);
}

test('AudienceWorker: load with progress, count/members/overlap/profile agree with Segment.test', async () => {
  await withPage(env, 'audience worker', async (p) => {
    const workers = [];
    p.page.on('worker', (w) => workers.push(w.url()));
    await blankPage(p);
    const out = await p.page.evaluate(async () => {
      const { AudienceWorker } = await import('/pkg/worker-client.js');
      const kaleido = await import('/pkg/index.js');
      const { generateProfiles, toNdjson, DEFAULT_AS_OF } = await import('/sample-data.js');
      await kaleido.init();
      const profiles = generateProfiles({ count: 1200, seed: 3 });
      const opts = { asOf: DEFAULT_AS_OF, timeZone: 'Europe/Berlin' };
      const rules = [
        'gender = "m" and age between 25 and 34 and did purchase in last 30 days',
        'did cart_add then did not purchase within 24 hours',
        'sum(purchase.amount in last 365 days) > 500 or count(purchase in last 90 days) >= 3',
        'consent.marketing and country in ["DE", "FR", "US"]',
        'in segment "buyers" and income_band >= 3',
      ];
      const defs = { buyers: 'did purchase in last 180 days' };
      const set = new kaleido.SegmentSet(defs);
      const expected = rules.map((r) => {
        const s = kaleido.Segment.parse(r);
        return profiles.filter((x) => s.test(x, { ...opts, segments: set })).map((x) => x.id);
      });

      const worker = new AudienceWorker();
      const events = [];
      worker.addEventListener('progress', (e) => events.push(e.detail));
      const calls = [];
      const aud = await worker.fromNdjson(toNdjson(profiles), { onProgress: (d, t) => calls.push([d, t]) });
      const counts = [];
      const members = [];
      for (const r of rules) {
        counts.push(await aud.count(r, { ...opts, segments: defs }));
        members.push(await aud.members(kaleido.Segment.parse(r), { ...opts, segments: defs, offset: 0, limit: 50 }));
      }
      const overlap = await aud.overlap(rules.slice(0, 4), opts);
      const overlapExpected = new Map();
      const segs = rules.slice(0, 4).map((r) => kaleido.Segment.parse(r));
      for (const x of profiles) {
        let m = 0;
        segs.forEach((s, i) => {
          if (s.test(x, opts)) m |= 1 << i;
        });
        if (m) overlapExpected.set(m, (overlapExpected.get(m) ?? 0) + 1);
      }
      const overlapOk =
        overlap.length === overlapExpected.size &&
        overlap.every((r) => overlapExpected.get(r.indexes.reduce((m, i) => m | (1 << i), 0)) === r.size);
      const profile = await aud.profile(profiles[7].id);

      // Many small records: progress every 10,000.
      const many = Array.from({ length: 23_000 }, (_, i) => ({ id: i, n: i % 5 }));
      const recCalls = [];
      const big = await worker.fromRecords(many, { onProgress: (d, t) => recCalls.push([d, t]) });
      const bigCount = await big.count('n = 3');
      await big.addEvents([{ id: 4, type: 'open', at: '2025-01-01T00:00:00Z' }]);
      const opened = await big.members('did open', { asOf: '2025-02-01' });
      await big.free();

      // Errors cross as KaleidoErrors with row and field.
      let error;
      try {
        await worker.fromNdjson('{"id": 1}\n{"id": 2, "events": [{"type": "x", "at": "never"}]}\n');
      } catch (e) {
        error = { instance: e instanceof kaleido.KaleidoError, name: e.name, kind: e.kind, row: e.row, field: e.field };
      }
      let parseError;
      try {
        await aud.count('age >=');
      } catch (e) {
        parseError = { kind: e.kind, line: e.line, column: e.column };
      }
      const skipped = await worker.fromNdjson('{"id": 1}\n{"oops\n{"id": 3}\n', { skipInvalid: true });
      const size = aud.size;
      await aud.free();
      worker.terminate();
      return {
        size,
        counts,
        members,
        expected,
        calls,
        events: events.length,
        overlapOk,
        profile,
        original: profiles[7],
        recCalls,
        bigCount,
        opened,
        error,
        parseError,
        skipped: { size: skipped.size, summary: skipped.loadSummary },
      };
    });
    assert.equal(out.size, 1200);
    assert.deepEqual(out.counts, out.expected.map((e) => e.length));
    out.members.forEach((m, i) => assert.deepEqual(m, out.expected[i].slice(0, 50)));
    assert.ok(out.expected.every((e) => e.length > 0), 'every rule matches someone');
    assert.deepEqual(out.calls.at(-1), [1200, 1200]);
    assert.ok(out.events >= out.calls.length);
    assert.ok(out.overlapOk, 'overlap regions match Segment.test');
    assert.deepEqual(out.profile, out.original);
    assert.deepEqual(out.recCalls, [
      [10_000, 23_000],
      [20_000, 23_000],
      [23_000, 23_000],
    ]);
    assert.equal(out.bigCount, 4600);
    assert.deepEqual(out.opened, [4]);
    assert.deepEqual(out.error, { instance: true, name: 'KaleidoError', kind: 'data', row: 2, field: 'events[0].at' });
    assert.deepEqual(out.parseError, { kind: 'parse', line: 1, column: 7 });
    assert.equal(out.skipped.size, 2);
    assert.deepEqual(out.skipped.summary.skipped.map((s) => s.row), [2]);
    assert.ok(workers.some((u) => u.endsWith('/pkg/worker.js')), `a module worker ran kaleido/worker: ${workers}`);
  });
});
