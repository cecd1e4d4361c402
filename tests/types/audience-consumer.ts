// A TypeScript consumer of the Audience API and of `kaleido/worker-client`,
// compiled with `tsc --noEmit --strict` (tests/types/tsconfig.json).
import { Audience, Segment, SegmentSet } from 'kaleido';
import type { LoadSummary, OverlapRegion, Profile } from 'kaleido';
import { AudienceWorker, RemoteAudience } from 'kaleido/worker-client';

export function local(): number {
  const a: Audience = Audience.fromNdjson('{"id": 1}', { skipInvalid: true, schema: { age: 'number' } });
  a.addEvents([{ id: 1, type: 'open', at: '2025-01-01T00:00:00Z' }], { idField: 'id' });
  a.addEvents('{"id": 1, "type": "open", "at": "2025-01-02T00:00:00Z"}\n');
  const set = new SegmentSet({ adults: 'age >= 18' });
  const n: number = a.count(Segment.parse('in segment "adults"'), { asOf: '2025-02-01', segments: set });
  const ids: (string | number)[] = a.members('age >= 18', { offset: 0, limit: 10 });
  const regions: OverlapRegion[] = a.overlap(['age >= 18', Segment.parse('did open')]);
  const first: string[] = regions.length > 0 ? regions[0].in : [];
  const p: Profile | undefined = a.profile(1);
  const summary: LoadSummary = a.loadSummary;
  const bytes: number = a.memoryBytes();
  a.clearCache();
  a.free();
  return n + ids.length + first.length + (p ? 1 : 0) + summary.skipped.length + bytes;
}

export async function remote(text: string): Promise<number> {
  const worker = new AudienceWorker({ wasm: '/pkg/web/kaleido_bg.wasm' });
  worker.addEventListener('progress', (e) => void e);
  await worker.ready;
  const aud: RemoteAudience = await worker.fromNdjson(text, { onProgress: (done, total) => void [done, total] });
  const n: number = await aud.count('age >= 18', { asOf: new Date(), segments: { adults: 'age >= 18' } });
  const ids: (string | number)[] = await aud.members(Segment.parse('did open'), { limit: 5 });
  const regions: OverlapRegion[] = await aud.overlap(['a', 'b']);
  const p: Profile | undefined = await aud.profile('x');
  await aud.addEvents([]);
  await aud.free();
  worker.terminate();
  return n + ids.length + regions.length + aud.size + (p ? 1 : 0);
}
