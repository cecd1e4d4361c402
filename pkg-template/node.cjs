'use strict';
// Node entry of `kaleido` (CommonJS): the `--target nodejs` build, loaded synchronously.
const wasm = require('./node/kaleido.js');

/** Resolves at once: in Node the module is instantiated when it is loaded. */
function init() {
  return Promise.resolve();
}

/**
 * The error every Kaleido call throws. Errors thrown from WebAssembly are
 * plain `Error`s named "KaleidoError" with a string `kind`; `instanceof`
 * recognises them too.
 */
class KaleidoError extends Error {
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
const jsonLogic = Object.freeze({
  apply(logic, data) {
    return wasm.jsonLogicApply(logic, data);
  },
});

/** Purchase prediction (BG/NBD, Gamma-Gamma, CLV, RFM, lifecycle), computed in WebAssembly. */
const predict = Object.freeze({
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

module.exports = {
  init,
  KaleidoError,
  jsonLogic,
  predict,
  version: wasm.version,
  Segment: wasm.Segment,
  SegmentSet: wasm.SegmentSet,
  Template: wasm.Template,
  Audience: wasm.Audience,
  inferSchema: wasm.inferSchema,
  Campaigns: wasm.Campaigns,
  assignVariant: wasm.assignVariant,
  Predictor: wasm.Predictor,
  formatNumber: wasm.formatNumber,
  formatCurrency: wasm.formatCurrency,
  formatDate: wasm.formatDate,
  pluralCategory: wasm.pluralCategory,
  holidays: wasm.holidays,
  localSendTime: wasm.localSendTime,
};
