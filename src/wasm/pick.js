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
  return plain(profile) ? JSON.stringify(pick(profile, keys)) : undefined;
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
export function kaleidoPickProfiles(profiles, keys, marks, types, props) {
  const n = profiles.length;
  const out = new Array(n);
  for (let r = 0; r < n; r++) {
    const p = profiles[r];
    if (!plain(p)) {
      out[r] = p;
      continue;
    }
    const o = pick(p, keys);
    if (types !== null && Array.isArray(o.events)) o.events = pickEvents(o.events, types, props);
    for (let i = 0; i < marks.length; i++) {
      const k = marks[i];
      if (!own.call(p, k)) continue;
      const v = p[k];
      if (v === null || typeof v === 'bigint') o[k] = v;
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
