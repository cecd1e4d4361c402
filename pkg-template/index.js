// Browser (and bundler) entry of `kaleido`: the `--target web` build behind init().
import initWasm, * as wasm from './web/kaleido.js';

export { version, Segment, SegmentSet, Template, Audience, inferSchema, Campaigns, assignVariant } from './web/kaleido.js';
export {
  formatNumber,
  formatCurrency,
  formatDate,
  pluralCategory,
  holidays,
  localSendTime,
} from './web/kaleido.js';

let ready;

/**
 * Loads and instantiates the WebAssembly module. Idempotent: every call
 * returns the same promise (a failed load may be retried). `input` is passed
 * to WebAssembly instantiation (a URL, Response, bytes or a compiled Module);
 * by default the .wasm next to this file is fetched.
 */
export function init(input) {
  if (!ready) {
    ready = initWasm(input === undefined ? undefined : { module_or_path: input }).then(
      () => undefined,
      (err) => {
        ready = undefined;
        throw err;
      },
    );
  }
  return ready;
}

/**
 * The error every Kaleido call throws. Errors thrown from WebAssembly are
 * plain `Error`s named "KaleidoError" with a string `kind`; `instanceof`
 * recognises them too.
 */
export class KaleidoError extends Error {
  constructor(kind, message, details = {}) {
    super(message);
    this.name = 'KaleidoError';
    this.kind = kind;
    Object.assign(this, details);
  }

  static [Symbol.hasInstance](value) {
    return value instanceof Error && value.name === 'KaleidoError' && typeof value.kind === 'string';
  }
}

/** JsonLogic with json-logic-js semantics, evaluated in WebAssembly. */
export const jsonLogic = Object.freeze({
  apply(logic, data) {
    return wasm.jsonLogicApply(logic, data);
  },
});
