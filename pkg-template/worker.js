// Web Worker entry of `kaleido` (`kaleido/worker`): holds Audiences off the
// main thread. Start it as a module worker and talk to it with the promise
// client in `kaleido/worker-client` (AudienceWorker), or with messages:
//
//   → { id, method, handle?, args }        method: fromRecords | fromNdjson | fromCsv |
//                                           addEvents | count | members | overlap |
//                                           profile | memoryBytes | loadSummary | size | free
//   ← { id, ok: true, result }  or  { id, ok: false, error: { name, message, kind, row?, ... } }
//   ← { id, progress: [done, total] }      during loads whose options have onProgress: true
//
// Segments cross as rule text; `options.segments` as a plain object of
// definitions ({ name: "rule text" }), since a SegmentSet cannot be cloned.
import { init, Audience, SegmentSet } from './index.js';

const audiences = new Map();
let nextHandle = 1;
let ready;

function loadOptions(id, options) {
  if (options == null) return undefined;
  const out = { ...options };
  if (options.onProgress) {
    out.onProgress = (done, total) => self.postMessage({ id, progress: [done, total] });
  } else {
    delete out.onProgress;
  }
  return out;
}

/** Runs `fn(evalOptions)` with `segments` definitions turned into a SegmentSet. */
function withEvalOptions(options, fn) {
  if (options == null || options.segments == null) return fn(options);
  const set = new SegmentSet(options.segments);
  try {
    return fn({ ...options, segments: set });
  } finally {
    set.free();
  }
}

function audience(handle) {
  const a = audiences.get(handle);
  if (!a) {
    const err = new Error(`no audience ${handle} in this worker (freed?)`);
    err.name = 'KaleidoError';
    err.kind = 'argument';
    throw err;
  }
  return a;
}

function created(a) {
  const handle = nextHandle++;
  audiences.set(handle, a);
  return { handle, size: a.size, loadSummary: a.loadSummary };
}

const methods = {
  fromRecords: (id, _h, [profiles, options]) => created(Audience.fromRecords(profiles, loadOptions(id, options))),
  fromNdjson: (id, _h, [text, options]) => created(Audience.fromNdjson(text, loadOptions(id, options))),
  fromCsv: (id, _h, [text, options]) => created(Audience.fromCsv(text, loadOptions(id, options))),
  addEvents(id, h, [events, options]) {
    const a = audience(h);
    a.addEvents(events, loadOptions(id, options));
    return { size: a.size, loadSummary: a.loadSummary };
  },
  size: (_id, h) => audience(h).size,
  count: (_id, h, [segment, options]) => withEvalOptions(options, (o) => audience(h).count(segment, o)),
  members: (_id, h, [segment, options]) => withEvalOptions(options, (o) => audience(h).members(segment, o)),
  overlap: (_id, h, [segments, options]) => withEvalOptions(options, (o) => audience(h).overlap(segments, o)),
  profile: (_id, h, [profileId]) => audience(h).profile(profileId),
  memoryBytes: (_id, h) => audience(h).memoryBytes(),
  loadSummary: (_id, h) => audience(h).loadSummary,
  free(_id, h) {
    const a = audiences.get(h);
    audiences.delete(h);
    if (a) a.free();
  },
};

function errorData(err) {
  if (err && typeof err === 'object') {
    const out = { name: err.name ?? 'Error', message: String(err.message ?? err) };
    for (const k of ['kind', 'line', 'column', 'row', 'field', 'snippet']) {
      if (err[k] !== undefined) out[k] = err[k];
    }
    return out;
  }
  return { name: 'Error', message: String(err) };
}

self.onmessage = async (event) => {
  const { id, method, handle, args = [], wasm } = event.data ?? {};
  try {
    if (method === 'init') {
      ready ??= init(wasm);
      await ready;
      self.postMessage({ id, ok: true, result: undefined });
      return;
    }
    ready ??= init();
    await ready;
    const fn = methods[method];
    if (!fn) throw Object.assign(new Error(`unknown method ${method}`), { name: 'KaleidoError', kind: 'argument' });
    self.postMessage({ id, ok: true, result: fn(id, handle, args) });
  } catch (err) {
    self.postMessage({ id, ok: false, error: errorData(err) });
  }
};
