// The editor page's Web Worker: holds the sample list and answers every
// question about the whole list (counts, sizes, overlaps, send-time plans) off
// the main thread, so typing in the rule editor never waits for evaluation.
// Uses only the public API of the `kaleido` package (./pkg/index.js).
//
// Engines, chosen by what the package build offers:
// - `audience`: the package exports `Audience`; the list is loaded into
//   Audiences of up to SHARD profiles each (counts and overlaps are sums over
//   shards), so lists up to 1,000,000 fit.
// - `segment.test`: otherwise every profile is tested with `Segment.test`, in
//   slices, yielding between slices so a newer request cancels an older one.
//   The profiles then live in this worker's heap (about 5 kB each), so lists
//   are limited to FALLBACK_MAX.
//
// Protocol: → { id, type, ...args } ; ← { id, progress: { done, total, phase } }
// and finally ← { id, ok: true, result } or { id, ok: false, error }.
// A request supersedes the running one of the same `type` (its answer is an
// error with `cancelled: true`); `{ type: 'cancel', target }` cancels one.

import * as kaleido from './pkg/index.js';
import { generateProfiles, profileAt, DEFAULT_AS_OF } from './sample-data.js';
import { storedPreferences, programmeProfile } from './programme.js';

const { init, Segment, SegmentSet, Campaigns, Template } = kaleido;
const Audience = kaleido.Audience;

/** Profiles per Audience shard, and per generated slice. */
const SHARD = 25_000;
/** Largest list without Audience (profiles as JS objects in this heap). */
export const FALLBACK_MAX = 100_000;
const SLICE = 1000;

// `?engine=segment.test` on the worker URL forces the fallback engine (tests, comparisons).
const forced = new URL(self.location.href).searchParams.get('engine');
const state = {
  engine: typeof Audience === 'function' && forced !== 'segment.test' ? 'audience' : 'segment.test',
  size: 0,
  seed: 1,
  dataAsOf: DEFAULT_AS_OF,
  profiles: null, // segment.test engine: the profiles
  shards: [], // audience engine: [{ audience, start, size }]
  zones: null, // Uint16Array: time-zone index per profile (send-time plans)
  zoneNames: [],
  loaded: false,
  predictor: null,
  predictModel: null,
  last: null, // { key, matches: Uint8Array } of the latest finished count (segment.test engine)
};

const running = new Map(); // type -> id of the newest request
const cancelled = new Set();

class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.cancelled = true;
  }
}

// A macrotask without timer clamping: lets new messages in between slices.
const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();
function yieldToEvents() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });
}

/** Requests that keep the editor responsive; the others wait while one runs. */
const URGENT = new Set(['count', 'next', 'load', 'derive']);
const urgentRunning = new Set();
let currentType = new Map(); // id -> type

async function checkpoint(id) {
  await yieldToEvents();
  if (!URGENT.has(currentType.get(id))) {
    while (urgentRunning.size > 0 && !cancelled.has(id)) await yieldToEvents();
  }
  if (cancelled.has(id)) throw new Cancelled();
}

function progress(id, done, total, phase) {
  self.postMessage({ id, progress: { done, total, phase } });
}

function freeAll() {
  for (const s of state.shards) s.audience.free();
  state.shards = [];
  state.profiles = null;
  state.last = null;
}

// ─── Predictions ──────────────────────────────────────────────────────────────

/** Profiles the purchase models are fitted on (the first ones of the list). */
export const PREDICT_FIT_MAX = 25_000;
const PREDICT_OPTIONS = { asOf: DEFAULT_AS_OF, timeZone: 'UTC' };
const hasPredict = typeof kaleido.predict?.fit === 'function';

/**
 * Adds `predicted` (the package's derived fields: churn_risk, predicted_clv,
 * p_alive, …) to each profile, from models fitted on the first
 * PREDICT_FIT_MAX profiles as of the data clock; collects the distributions.
 */
function addPredictions(profiles, dist) {
  if (!state.predictor) {
    state.predictor = kaleido.predict.fit(profiles.slice(0, PREDICT_FIT_MAX), PREDICT_OPTIONS);
    state.predictModel = state.predictor.model;
  }
  const fields = state.predictor.deriveAll(profiles);
  for (let i = 0; i < profiles.length; i++) {
    const f = fields[i];
    profiles[i].predicted = f;
    if (f.churn_risk != null) dist.churn[Math.min(9, Math.floor(f.churn_risk * 10))]++;
    if (f.predicted_clv != null) dist.clv.push(f.predicted_clv);
  }
}

/** CLV histogram: 10 bins up to the 95th percentile, then one open bin. */
function clvBins(values) {
  if (values.length === 0) return [];
  const sorted = Float64Array.from(values).sort();
  const top = sorted[Math.floor(0.95 * (sorted.length - 1))] || sorted[sorted.length - 1] || 1;
  const width = top / 10;
  const bins = Array.from({ length: 11 }, (_, k) => ({ from: k * width, to: k < 10 ? (k + 1) * width : null, count: 0 }));
  for (const v of sorted) bins[Math.min(10, Math.floor(v / width))].count++;
  return bins;
}

// ─── Loading ──────────────────────────────────────────────────────────────────

async function load(id, { count, seed }) {
  if (!Number.isInteger(count) || count < 0 || count > 1_000_000) throw new RangeError(`list size ${count} is not in 0..1,000,000`);
  if (state.engine !== 'audience' && count > FALLBACK_MAX) {
    throw new RangeError(`lists over ${FALLBACK_MAX.toLocaleString('en-US')} need Audience, which is not in this build of the package`);
  }
  // A new list: every other running request is cancelled before the old one is freed.
  for (const [type, other] of running) if (type !== 'load') cancelled.add(other);
  freeAll();
  state.predictor?.free();
  state.predictor = null;
  const dist = { churn: new Array(10).fill(0), clv: [] };
  state.size = 0;
  state.loaded = false;
  const t0 = performance.now();
  const zones = new Uint16Array(count);
  const zoneIndex = new Map();
  const countries = new Set();
  const languages = new Set();
  let events = 0;
  const profiles = state.engine === 'audience' ? null : new Array(count);
  const shards = [];
  let shard = [];
  for (let start = 0; start < count; start += SLICE) {
    const n = Math.min(SLICE, count - start);
    const slice = generateProfiles({ count: n, seed, start });
    for (let k = 0; k < n; k++) {
      const p = slice[k];
      events += p.events.length;
      countries.add(p.country);
      languages.add(p.language);
      const tz = p.timezone ?? '';
      let z = zoneIndex.get(tz);
      if (z === undefined) zoneIndex.set(tz, (z = zoneIndex.size));
      zones[start + k] = z;
      if (profiles) profiles[start + k] = p;
      else shard.push(p);
    }
    if (!profiles && (shard.length >= SHARD || start + n >= count)) {
      if (hasPredict) addPredictions(shard, dist);
      shards.push({ audience: Audience.fromRecords(shard), start: start + n - shard.length, size: shard.length });
      shard = [];
    }
    progress(id, start + n, count, 'generating');
    await checkpoint(id);
  }
  if (profiles && hasPredict) {
    for (let start = 0; start < count; start += SHARD) addPredictions(profiles.slice(start, start + SHARD), dist);
  }
  state.profiles = profiles;
  state.shards = shards;
  state.size = count;
  state.seed = seed;
  state.zones = zones;
  state.zoneNames = [...zoneIndex.keys()];
  state.loaded = true;
  return {
    engine: state.engine,
    size: count,
    events,
    countries: countries.size,
    languages: languages.size,
    ms: performance.now() - t0,
    predict: hasPredict
      ? { model: state.predictModel, fittedOn: Math.min(count, PREDICT_FIT_MAX), churn: dist.churn, clv: clvBins(dist.clv), scored: dist.clv.length }
      : null,
  };
}

// ─── Evaluation ───────────────────────────────────────────────────────────────

/** A SegmentSet of the library's definitions, for `in segment "name"`. */
function segmentSet(library) {
  if (!library || Object.keys(library).length === 0) return undefined;
  return new SegmentSet(library);
}

function evalOptions({ asOf, timeZone }, set) {
  const o = { asOf, timeZone };
  if (set) o.segments = set;
  return o;
}

/** Calls `fn(i, isMember)` for every profile; resolves to the member count. */
async function forEachMember(id, rule, args, phase, fn) {
  const set = segmentSet(args.library);
  const seg = Segment.parse(rule);
  try {
    const opts = evalOptions(args, set);
    let n = 0;
    if (state.engine === 'audience') {
      for (const s of state.shards) {
        if (fn) {
          const ids = s.audience.members(seg, opts);
          for (const pid of ids) fn(indexOfId(pid));
          n += ids.length;
        } else {
          n += s.audience.count(seg, opts);
        }
        progress(id, s.start + s.size, state.size, phase);
        await checkpoint(id);
      }
      return n;
    }
    const profiles = state.profiles;
    for (let start = 0; start < profiles.length; start += 2000) {
      const end = Math.min(profiles.length, start + 2000);
      for (let i = start; i < end; i++) {
        if (seg.test(profiles[i], opts)) {
          n++;
          if (fn) fn(i);
        }
      }
      progress(id, end, profiles.length, phase);
      if (end < profiles.length) await checkpoint(id);
    }
    return n;
  } finally {
    seg.free();
    set?.free();
  }
}

function indexOfId(pid) {
  // Sample ids are "sub-" + the 1-based index, zero-padded.
  return Number(String(pid).slice(4)) - 1;
}

async function count(id, args) {
  const t0 = performance.now();
  let matches = null;
  if (state.engine !== 'audience') matches = new Uint8Array(state.size);
  const n = await forEachMember(id, args.rule, args, 'counting', matches ? (i) => (matches[i] = 1) : null);
  if (matches) state.last = { key: key(args), matches };
  return { count: n, total: state.size, ms: performance.now() - t0, engine: state.engine };
}

function key({ rule, asOf, timeZone }) {
  return JSON.stringify([rule, asOf, timeZone]);
}

async function sizes(id, args) {
  const out = [];
  for (const { name, rule } of args.segments) {
    try {
      out.push({ name, count: await forEachMember(id, rule, args, `sizing ${name}`, null) });
    } catch (err) {
      if (err.cancelled) throw err;
      out.push({ name, error: errorData(err) });
    }
  }
  return { sizes: out, total: state.size };
}

async function overlap(id, args) {
  const rules = args.segments.map((s) => s.rule);
  if (rules.length === 0) return { regions: [], total: state.size };
  if (state.engine === 'audience' && rules.length <= 8) {
    const set = segmentSet(args.library);
    const segs = rules.map((r) => Segment.parse(r));
    try {
      const opts = evalOptions(args, set);
      const byKey = new Map();
      for (const s of state.shards) {
        for (const region of s.audience.overlap(segs, opts)) {
          const k = region.indexes ? region.indexes.join(',') : region.in.map((t) => rules.indexOf(t)).join(',');
          byKey.set(k, (byKey.get(k) ?? 0) + region.size);
        }
        progress(id, s.start + s.size, state.size, 'overlap');
        await checkpoint(id);
      }
      return { regions: [...byKey].map(([k, size]) => ({ indexes: k.split(',').map(Number), size })), total: state.size };
    } finally {
      for (const s of segs) s.free();
      set?.free();
    }
  }
  // Segment.test: one bit per segment and profile, then count the combinations.
  const bits = new Uint8Array(state.size);
  for (let j = 0; j < rules.length; j++) {
    await forEachMember(id, rules[j], args, `overlap ${j + 1}/${rules.length}`, (i) => (bits[i] |= 1 << j));
  }
  const counts = new Map();
  for (const b of bits) if (b) counts.set(b, (counts.get(b) ?? 0) + 1);
  const regions = [...counts].map(([b, size]) => ({
    indexes: rules.map((_, j) => j).filter((j) => b & (1 << j)),
    size,
  }));
  return { regions, total: state.size };
}

/**
 * The send-time plan of a one-off send at `at` local time on the day after
 * asOf, for the members of `rule`: members per UTC hour. The send instant of
 * each time zone comes from `Campaigns.simulate` (one simulated subscriber per
 * zone: the instant depends on nothing else); members are counted per zone.
 */
async function sendPlan(id, args) {
  const perZone = new Float64Array(state.zoneNames.length);
  const members = await forEachMember(id, args.rule, args, 'send plan', (i) => perZone[state.zones[i]]++);
  const day = nextDay(args.asOf);
  // Local 09:00 on `day` is on the UTC day before, of or after it (UTC-12 … UTC+14).
  const from = previousDay(day);
  const to = nextDay(nextDay(day));
  const programme = {
    quietHours: null,
    fields: { timeZone: 'timezone' },
    campaigns: [{ name: 'plan', schedule: { type: 'once', date: day, at: args.at }, content: { subject: 'plan' } }],
  };
  const campaigns = new Campaigns(programme);
  const hours = new Array(24).fill(0);
  const zones = [];
  try {
    state.zoneNames.forEach((zone, z) => {
      if (perZone[z] === 0) return;
      const profile = zone ? { id: 'zone', timezone: zone } : { id: 'zone' };
      const msgs = campaigns.simulate(profile, { from, to, timeZone: args.timeZone });
      const sendAt = msgs[0]?.sendAt;
      if (!sendAt) return;
      hours[Number(sendAt.slice(11, 13))] += perZone[z];
      zones.push({ zone: zone || `(none: ${args.timeZone})`, sendAt, localTime: msgs[0].localTime, members: perZone[z] });
    });
  } finally {
    campaigns.free();
  }
  zones.sort((a, b) => (a.sendAt < b.sendAt ? -1 : a.sendAt > b.sendAt ? 1 : b.members - a.members));
  return { hours, members, day, zones };
}

function previousDay(date) {
  return new Date(Date.parse(date + 'T00:00:00Z') - 86400000).toISOString().slice(0, 10);
}

function withPredicted(p) {
  if (state.predictor) p.predicted = state.predictor.derive(p);
  return p;
}

function nextDay(asOf) {
  const d = new Date(Date.parse(String(asOf).length === 10 ? asOf + 'T00:00:00Z' : asOf) + 86400000);
  return d.toISOString().slice(0, 10);
}

/** The next profile index after `from` (wrapping) that is (not) a member. */
async function next(id, args) {
  const want = args.member;
  const set = segmentSet(args.library);
  const seg = Segment.parse(args.rule);
  try {
    const opts = evalOptions(args, set);
    const m = state.last && state.last.key === key(args) ? state.last.matches : null;
    for (let k = 1; k <= state.size; k++) {
      const i = (args.from + k) % state.size;
      const member = m ? m[i] === 1 : seg.test(state.profiles ? state.profiles[i] : withPredicted(profileAt(i, { seed: state.seed })), opts);
      if (member === want) return { index: i };
      if (k % 500 === 0) await checkpoint(id);
    }
    return { index: -1 };
  } finally {
    seg.free();
    set?.free();
  }
}

/**
 * Template.variants over the whole list (when the package has it): the
 * distinct renderings with their counts. The list goes in slices of
 * VARIANT_SLICE profiles (each slice crosses into WebAssembly as one JSON
 * text); slices are merged by variant key, which is a function of the
 * conditions' outcomes and the locale only. With the locale switch set, every
 * profile is rendered with that locale and language, as in the page's preview.
 */
const VARIANT_SLICE = 1000;
const VARIANT_MAX = 100_000;
async function variants(id, args) {
  const tpl = Template.compile(args.source);
  const set = segmentSet(args.library);
  try {
    const opts = evalOptions(args, set);
    const override = args.locale ? { locale: args.locale, language: args.locale.split('-')[0] } : null;
    const byKey = new Map();
    const warnings = new Map();
    // Template.variants takes profile arrays: with the audience engine the
    // profiles are generated again slice by slice, so very long lists are
    // previewed over their first VARIANT_MAX subscribers (the answer says so).
    const over = state.profiles ? state.size : Math.min(state.size, VARIANT_MAX);
    // Regenerating profiles costs ~0.2 ms each: smaller slices keep the live count's wait short.
    const sliceSize = state.profiles ? VARIANT_SLICE : VARIANT_SLICE / 4;
    for (let start = 0; start < over; start += sliceSize) {
      const n = Math.min(sliceSize, over - start);
      let slice = state.profiles ? state.profiles.slice(start, start + n) : generateProfiles({ count: n, seed: state.seed, start }).map(withPredicted);
      if (override) slice = slice.map((p) => ({ ...p, ...override }));
      for (const v of tpl.variants(slice, opts)) {
        const had = byKey.get(v.key);
        if (had) had.count += v.count;
        else byKey.set(v.key, { ...v });
        for (const w of v.warnings ?? []) warnings.set(`${w.code}|${w.message}`, w);
      }
      progress(id, start + n, over, 'variants');
      await checkpoint(id);
    }
    return { variants: [...byKey.values()].sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1)), total: state.size, over };
  } finally {
    tpl.free();
    set?.free();
  }
}

// ─── Campaign sends ───────────────────────────────────────────────────────────

/** Profiles per `simulateAudience` call (one JSON crossing each). */
const SENDS_SLICE = 250;
let sendsProgramme = null; // the compiled example programme, built once

/**
 * The package's example programme (`Campaigns.examples()`) simulated over the
 * whole list with `Campaigns.simulateAudience`: messages sent per local send
 * date and campaign in `[from, to)`, predicted from `asOf` = `from` (events
 * after it are unknown). Each sample profile is read as the programme reads it
 * (`programmeProfile` with the subscriber's stored preferences, as the
 * preference centre does). Counts are sums over slices: each subscriber's
 * messages depend only on that subscriber, so the merge is exact.
 */
async function sends(id, { from, to, timeZone, limit }) {
  sendsProgramme ??= new Campaigns(Campaigns.examples());
  const t0 = performance.now();
  const opts = { from, to, asOf: from, timeZone };
  const totals = new Map(); // `${date}|${campaign}` -> count
  // `limit`: only the first subscribers (a whole programme costs ~1 ms per subscriber and month).
  const over = Number.isInteger(limit) && limit > 0 ? Math.min(limit, state.size) : state.size;
  for (let start = 0; start < over; start += SENDS_SLICE) {
    const n = Math.min(SENDS_SLICE, over - start);
    const slice = state.profiles ? state.profiles.slice(start, start + n) : generateProfiles({ count: n, seed: state.seed, start });
    const list = slice.map((p) => programmeProfile(p, storedPreferences(p)));
    for (const { date, campaign, count } of sendsProgramme.simulateAudience(list, opts)) {
      const k = `${date}|${campaign}`;
      totals.set(k, (totals.get(k) ?? 0) + count);
    }
    progress(id, start + n, over, 'simulating');
    await checkpoint(id);
  }
  const counts = [...totals]
    .map(([k, count]) => {
      const [date, campaign] = k.split('|');
      return { date, campaign, count };
    })
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.campaign < b.campaign ? -1 : a.campaign > b.campaign ? 1 : 0));
  return { counts, campaigns: sendsProgramme.names(), subscribers: over, total: state.size, ms: performance.now() - t0 };
}

// ─── Messages ─────────────────────────────────────────────────────────────────

/** The derived fields of profile `index` (the package's predictions), or null. */
function derive(_id, { index }) {
  if (!state.predictor) return { predicted: null };
  return { predicted: state.predictor.derive(profileAt(index, { seed: state.seed })) };
}

const handlers = { load, count, sizes, overlap, sendPlan, next, variants, derive, sends };

function errorData(err) {
  const out = { name: err?.name ?? 'Error', message: String(err?.message ?? err) };
  for (const k of ['kind', 'line', 'column', 'row', 'field', 'snippet', 'cancelled']) {
    if (err && err[k] !== undefined) out[k] = err[k];
  }
  return out;
}

let ready;
self.onmessage = async (event) => {
  const msg = event.data ?? {};
  if (msg.type === 'cancel') {
    cancelled.add(msg.target);
    return;
  }
  const { id, type } = msg;
  const previous = running.get(type);
  if (previous !== undefined) cancelled.add(previous);
  running.set(type, id);
  currentType.set(id, type);
  if (URGENT.has(type)) urgentRunning.add(id);
  try {
    ready ??= init();
    await ready;
    const fn = handlers[type];
    if (!fn) throw new Error(`unknown request ${type}`);
    if (type !== 'load' && !state.loaded) {
      throw new Error('no list loaded');
    }
    const result = await fn(id, msg);
    if (cancelled.has(id)) throw new Cancelled();
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    self.postMessage({ id, ok: false, error: errorData(err) });
  } finally {
    cancelled.delete(id);
    urgentRunning.delete(id);
    currentType.delete(id);
    if (running.get(type) === id) running.delete(type);
  }
};

self.postMessage({
  hello: {
    engine: state.engine,
    fallbackMax: FALLBACK_MAX,
    variants: typeof Template?.prototype?.variants === 'function',
    predict: hasPredict,
  },
});
