// The fast reads of profiles at the WebAssembly boundary (src/wasm/segment.rs,
// src/wasm/template.rs): building the small object in JS and crossing the
// boundary once as JSON text is far cheaper than a property get per value from
// WebAssembly. Of `events`, entries that are not objects with a string `type`
// are kept whole (the core rejects them) and events of types the reader does
// not read are left out. scripts/build.sh turns the Node copy into CommonJS.
const own = Object.prototype.propertyIsEnumerable;
function plain(p) {
  return p !== null && typeof p === 'object' && !Array.isArray(p) && typeof p.toJSON !== 'function';
}
function pick(p, keys) {
  const o = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (own.call(p, k)) o[k] = p[k];
  }
  return o;
}
export function kaleidoPickFields(profile, keys) {
  try {
    return plain(profile) ? JSON.stringify(pick(profile, keys)) : undefined;
  } catch {
    return undefined; // a BigInt, a cycle: the whole read reports it
  }
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
