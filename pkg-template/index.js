// Browser (and bundler) entry of `kaleido`: the `--target web` build behind init().
import initWasm, * as wasm from './web/kaleido.js';

export { version, Segment, SegmentSet, Template, Audience, inferSchema, Campaigns, assignVariant, Predictor } from './web/kaleido.js';
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

/** Purchase prediction (BG/NBD, Gamma-Gamma, CLV, RFM, lifecycle), computed in WebAssembly. */
export const predict = Object.freeze({
  fitBgNbd(rows) {
    return wasm.predictFitBgNbd(rows);
  },
  fitGammaGamma(rows) {
    return wasm.predictFitGammaGamma(rows);
  },
  score(model, rows, options) {
    return wasm.predictScore(model, rows, options);
  },
  summarize(profiles, options) {
    return wasm.predictSummarize(profiles, options);
  },
  rfm(rows) {
    return wasm.predictRfm(rows);
  },
  lifecycle(profile, options) {
    return wasm.predictLifecycle(profile, options);
  },
  fit(profiles, options) {
    return wasm.predictFit(profiles, options);
  },
  deriveFields(profiles, options) {
    return wasm.predictDeriveFields(profiles, options);
  },
  enrich(profiles, options) {
    const { fields } = wasm.predictDeriveFields(profiles, options);
    return profiles.map((p, i) => Object.assign({}, p, fields[i]));
  },
});
