// Promise client for the `kaleido/worker` Web Worker: the Audience API with
// the same method names, off the main thread.
//
//   import { AudienceWorker } from 'kaleido/worker-client';
//   const worker = new AudienceWorker();
//   worker.addEventListener('progress', (e) => console.log(e.detail.done, e.detail.total));
//   const audience = await worker.fromNdjson(text, { onProgress: (done, total) => {} });
//   await audience.count('age >= 30', { asOf: '2025-12-01' });   // → number
//   audience.size                                                 // kept up to date
//   worker.terminate();
//
// Segments may be rule text or Segment objects (sent as their canonical text);
// `options.segments` is a plain object of definitions ({ name: "rule text" }).

function rebuildError(data) {
  const err = new Error(data.message);
  err.name = data.name ?? 'Error';
  for (const k of ['kind', 'line', 'column', 'row', 'field', 'snippet']) {
    if (data[k] !== undefined) err[k] = data[k];
  }
  return err;
}

function argumentError(message) {
  const err = new Error(message);
  err.name = 'KaleidoError';
  err.kind = 'argument';
  return err;
}

function segmentText(segment) {
  if (typeof segment === 'string') return segment;
  if (segment && typeof segment.toString === 'function' && typeof segment.toJSON === 'function') return segment.toString();
  throw argumentError('a segment must be rule text or a Segment');
}

function evalOptions(options) {
  if (options == null) return options;
  const out = { ...options };
  const set = options.segments;
  if (set != null) {
    if (typeof set !== 'object' || typeof set.names === 'function') {
      throw argumentError('options.segments must be a plain object of definitions ({ name: "rule text" }) when using the worker');
    }
    out.segments = Object.fromEntries(Object.entries(set).map(([k, v]) => [k, segmentText(v)]));
  }
  return out;
}

function loadOptions(options) {
  if (options == null) return { options: undefined, onProgress: undefined };
  const { onProgress, ...rest } = options;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw argumentError('onProgress must be a function');
  return { options: { ...rest, onProgress: onProgress !== undefined }, onProgress };
}

/** A Web Worker holding Audiences; every method returns a promise. */
export class AudienceWorker extends EventTarget {
  /**
   * @param {{ worker?: Worker, url?: string | URL, wasm?: string | URL }} [options]
   *   `worker`: an already started module worker running kaleido/worker;
   *   `url`: where kaleido/worker is (default: next to this file);
   *   `wasm`: where the .wasm is, if not next to the package's index.js.
   */
  constructor(options = {}) {
    super();
    this.worker = options.worker ?? new Worker(options.url ?? new URL('./worker.js', import.meta.url), { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      const err = new Error(`kaleido worker failed: ${event.message ?? 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.ready = this.send('init', undefined, [], undefined, options.wasm === undefined ? {} : { wasm: String(options.wasm) });
    // Failures also reach every later call; this keeps an unawaited `ready` from being unhandled.
    this.ready.catch(() => {});
  }

  receive(msg) {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.progress) {
      const [done, total] = msg.progress;
      if (p.onProgress) p.onProgress(done, total);
      this.dispatchEvent(new CustomEvent('progress', { detail: { method: p.method, done, total } }));
      return;
    }
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(rebuildError(msg.error));
  }

  send(method, handle, args, onProgress, extra = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress, method });
      this.worker.postMessage({ id, method, handle, args, ...extra });
    });
  }

  async load(method, input, options) {
    const { options: o, onProgress } = loadOptions(options);
    const r = await this.send(method, undefined, [input, o], onProgress);
    return new RemoteAudience(this, r);
  }

  /** Like `Audience.fromRecords`, in the worker. */
  fromRecords(profiles, options) {
    return this.load('fromRecords', profiles, options);
  }

  /** Like `Audience.fromNdjson`, in the worker. */
  fromNdjson(text, options) {
    return this.load('fromNdjson', text, options);
  }

  /** Like `Audience.fromCsv`, in the worker. */
  fromCsv(text, options) {
    return this.load('fromCsv', text, options);
  }

  /** Stops the worker (every audience in it is gone). */
  terminate() {
    this.worker.terminate();
    const err = argumentError('the kaleido worker was terminated');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** An Audience living in an AudienceWorker. */
export class RemoteAudience {
  constructor(client, { handle, size, loadSummary }) {
    this.client = client;
    this.handle = handle;
    /** The number of profiles (updated by addEvents). */
    this.size = size;
    /** What the last load or addEvents loaded and skipped. */
    this.loadSummary = loadSummary;
  }

  call(method, args, onProgress) {
    return this.client.send(method, this.handle, args, onProgress);
  }

  async addEvents(events, options) {
    const { options: o, onProgress } = loadOptions(options);
    const r = await this.call('addEvents', [events, o], onProgress);
    this.size = r.size;
    this.loadSummary = r.loadSummary;
  }

  count(segment, options) {
    return this.call('count', [segmentText(segment), evalOptions(options)]);
  }

  members(segment, options) {
    return this.call('members', [segmentText(segment), evalOptions(options)]);
  }

  overlap(segments, options) {
    return this.call('overlap', [segments.map(segmentText), evalOptions(options)]);
  }

  profile(id) {
    return this.call('profile', [id]);
  }

  memoryBytes() {
    return this.call('memoryBytes', []);
  }

  free() {
    return this.call('free', []);
  }
}
