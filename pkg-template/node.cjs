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

module.exports = {
  init,
  KaleidoError,
  jsonLogic,
  version: wasm.version,
  Segment: wasm.Segment,
  SegmentSet: wasm.SegmentSet,
  Template: wasm.Template,
  Audience: wasm.Audience,
  inferSchema: wasm.inferSchema,
  Campaigns: wasm.Campaigns,
  assignVariant: wasm.assignVariant,
  formatNumber: wasm.formatNumber,
  formatCurrency: wasm.formatCurrency,
  formatDate: wasm.formatDate,
  pluralCategory: wasm.pluralCategory,
  holidays: wasm.holidays,
  localSendTime: wasm.localSendTime,
};
