// The fast reads of profiles at the WebAssembly boundary (src/wasm/segment.rs,
// src/wasm/template.rs): building the small object in JS and crossing the
// boundary once as JSON text is far cheaper than a property get per value from
// WebAssembly. Of `events`, entries that are not objects with a string `type`
// are kept whole (the core rejects them) and events of types the reader does
// not read are left out. scripts/build.sh turns the Node copy into CommonJS.
function plain(p) {
  return p !== null && typeof p === 'object' && !Array.isArray(p) && typeof p.toJSON !== 'function';
}
// The keys of a reader as a Set, kept while one reader is used.
let lastFieldKeys = null;
let lastFieldSet = null;
function keySet(keys) {
  if (keys !== lastFieldKeys) {
    lastFieldKeys = keys;
    lastFieldSet = new Set(keys);
  }
  return lastFieldSet;
}
// The profile's own enumerable string keys that are in `keys`, in the
// profile's order (as JSON.stringify of the whole would write them); of
// `events`, unless `types` is null, only what the conditions read.
export function kaleidoPickFields(profile, keys, types, props) {
  try {
    if (!plain(profile)) return undefined;
    const want = keySet(keys);
    const own = Object.keys(profile);
    const o = {};
    for (let i = 0; i < own.length; i++) {
      const k = own[i];
      if (!want.has(k)) continue;
      const v = profile[k];
      o[k] = k === 'events' && types !== null && Array.isArray(v) ? pickEvents(v, types, props) : v;
    }
    return JSON.stringify(o);
  } catch {
    return undefined; // a BigInt, a cycle: the whole read reports it
  }
}
// kaleidoPickFields written straight into WebAssembly memory (`buf`, a view
// of it): far cheaper than passing the text as a JS string. Returns the bytes
// written; -1 for the whole read; when `buf` is too small, minus the bytes
// needed, keeping the text for kaleidoTakePending.
const encoder = new TextEncoder();
let pending = '';
export function kaleidoPickFieldsInto(profile, keys, types, props, buf) {
  const text = kaleidoPickFields(profile, keys, types, props);
  if (text === undefined) return -1;
  const r = encoder.encodeInto(text, buf);
  if (r.read === text.length) return r.written;
  pending = text;
  return -(text.length * 3);
}
export function kaleidoTakePending(buf) {
  const r = encoder.encodeInto(pending, buf);
  const done = r.read === pending.length;
  pending = '';
  return done ? r.written : -1;
}
// Whether `o` holds the same render options as at the last call (asOf a
// string, as a missing one means now; timeZone, locale, currency; no
// segments): WebAssembly then reuses what it read. Each is read once here.
let lastAsOf;
let lastZone;
let lastLocale;
let lastCurrency;
export function kaleidoSameRenderOptions(o) {
  if (o === null || typeof o !== 'object') {
    lastAsOf = undefined;
    return false;
  }
  const a = o.asOf;
  const z = o.timeZone;
  const l = o.locale;
  const c = o.currency;
  const s = o.segments;
  const same = typeof a === 'string' && (s === undefined || s === null) &&
    a === lastAsOf && z === lastZone && l === lastLocale && c === lastCurrency;
  lastAsOf = typeof a === 'string' && (s === undefined || s === null) ? a : undefined;
  lastZone = z;
  lastLocale = l;
  lastCurrency = c;
  return same;
}
function pickEvents(events, types, props) {
  const out = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e === null || typeof e !== 'object' || Array.isArray(e) || typeof e.type !== 'string') {
      out.push(e);
      continue;
    }
    const k = types.indexOf(e.type);
    if (k < 0) continue;
    const o = { type: e.type, at: e.at };
    const p = props[k];
    for (let j = 0; j < p.length; j++) o[p[j]] = e[p[j]];
    out.push(o);
  }
  return out;
}
// Keys of a reader (`keys`, `marks`) -> 1 (copied) or 2 (a mark), kept
// while one reader is used: a profile's own keys are looked up, not every key.
let lastKeys = null;
let lastMarks = null;
let lastKinds = null;
function kinds(keys, marks) {
  if (keys !== lastKeys || marks !== lastMarks) {
    const m = new Map();
    for (let i = 0; i < keys.length; i++) m.set(keys[i], 1);
    for (let i = 0; i < marks.length; i++) m.set(marks[i], 2);
    lastKeys = keys;
    lastMarks = marks;
    lastKinds = m;
  }
  return lastKinds;
}
export function kaleidoPickProfiles(profiles, keys, marks, types, props) {
  const kind = kinds(keys, marks);
  const n = profiles.length;
  const out = new Array(n);
  for (let r = 0; r < n; r++) {
    const p = profiles[r];
    if (!plain(p)) {
      out[r] = p;
      continue;
    }
    // Own enumerable string keys, as JSON.stringify of the whole would read.
    const o = {};
    const own = Object.keys(p);
    for (let i = 0; i < own.length; i++) {
      const k = own[i];
      const w = kind.get(k);
      if (w === undefined) continue;
      const v = p[k];
      if (w === 1) o[k] = k === 'events' && types !== null && Array.isArray(v) ? pickEvents(v, types, props) : v;
      else if (v === null || typeof v === 'bigint') o[k] = v;
      else if (v !== undefined && typeof v !== 'function' && typeof v !== 'symbol') o[k] = 0;
    }
    out[r] = o;
  }
  return JSON.stringify(out);
}

export function kaleidoPickProfile(profile, keys, types, props) {
  const out = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = profile[k];
    if (v === undefined) continue;
    out[k] = k === 'events' && Array.isArray(v) ? pickEvents(v, types, props) : v;
  }
  return JSON.stringify(out);
}
