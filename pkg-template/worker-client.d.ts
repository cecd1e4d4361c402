// Types of `kaleido/worker-client`: the Audience API in a Web Worker, every call a promise.
import type { EvalOptions, LoadOptions, LoadSummary, OverlapRegion, Profile, Segment } from './index.js';

/** Evaluation options for the worker: `segments` as plain definitions (a SegmentSet cannot be cloned). */
export interface WorkerEvalOptions extends Omit<EvalOptions, 'segments'> {
  segments?: Record<string, string | Segment>;
}

/** Detail of the `progress` event an AudienceWorker dispatches during loads. */
export interface ProgressDetail {
  method: string;
  done: number;
  total: number;
}

/** A Web Worker (kaleido/worker) holding Audiences. */
export class AudienceWorker extends EventTarget {
  /**
   * `worker`: an already started module worker running kaleido/worker; `url`: where
   * kaleido/worker is (default: next to this file); `wasm`: where the .wasm is.
   */
  constructor(options?: { worker?: Worker; url?: string | URL; wasm?: string | URL });
  readonly worker: Worker;
  /** Resolves once the worker has loaded the WebAssembly module. */
  readonly ready: Promise<void>;
  fromRecords(profiles: object[], options?: LoadOptions): Promise<RemoteAudience>;
  fromNdjson(text: string | Uint8Array, options?: LoadOptions): Promise<RemoteAudience>;
  fromCsv(text: string | Uint8Array, options?: LoadOptions & { delimiter?: string }): Promise<RemoteAudience>;
  /** Stops the worker; pending calls reject. */
  terminate(): void;
}

/** An Audience living in an AudienceWorker. */
export class RemoteAudience {
  private constructor();
  /** The number of profiles (updated by addEvents). */
  readonly size: number;
  /** What the last load or addEvents loaded and skipped. */
  readonly loadSummary: LoadSummary;
  addEvents(events: object[] | string | Uint8Array, options?: LoadOptions): Promise<void>;
  count(segment: Segment | string, options?: WorkerEvalOptions): Promise<number>;
  members(
    segment: Segment | string,
    options?: WorkerEvalOptions & { offset?: number; limit?: number },
  ): Promise<(string | number)[]>;
  overlap(segments: (Segment | string)[], options?: WorkerEvalOptions): Promise<OverlapRegion[]>;
  profile(id: string | number): Promise<Profile | undefined>;
  memoryBytes(): Promise<number>;
  free(): Promise<void>;
}
