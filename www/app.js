// Kaleido editor page: a segment library, a rule editor with a live count,
// diagnostics and explanations, charts over the whole list, and a campaign
// template editor with previews. Uses only the package's public API, as a
// front-end developer would; whole-list work runs in ./editor-worker.js.
//
// URL parameters (for deep links and tests): size, seed, asOf, tz, segment
// (a library name), id (a subscriber id, e.g. sub-0000042), engine=segment.test
// (count with Segment.test even when the package has Audience).

import * as kaleido from './pkg/index.js';
import { profileAt, DEFAULT_AS_OF, DEFAULT_SEED, SAMPLE_SCHEMA } from './sample-data.js';
import { SEGMENT_LIBRARY } from './segments.js';
import { barChart, upset, columns, unavailable, stackedColumns, calendarHeatmap } from './charts.js';
import { storedPreferences, programmeProfile } from './programme.js';

const { init, version, Segment, SegmentSet, Template, KaleidoError } = kaleido;

/** The default list size of the page. */
export const DEFAULT_LIST_SIZE = 50_000;
const PICKER_SIZE = 200;
const MAX_OVERLAP = 5;

const $ = (id) => document.getElementById(id);
const els = Object.fromEntries(
  [
    'status', 'version', 'engine', 'progress-line', 'progress', 'progress-label', 'list-size', 'list-size-help', 'seed',
    'as-of', 'as-of-error', 'time-zone', 'time-zone-error', 'time-zones', 'data-summary', 'segment-list', 'new-segment',
    'segment-name', 'rule', 'rule-backdrop', 'count', 'count-value', 'count-total', 'count-time', 'rule-error',
    'diagnostics', 'examples', 'subscriber', 'subscriber-id', 'subscriber-id-error', 'next-match', 'next-non-match',
    'membership', 'explain', 'profile-json', 'overlap-pick', 'send-at', 'template', 'template-error',
    'template-warnings', 'tpl-locale', 'tpl-subscriber', 'tpl-as-of', 'preview', 'variants',
  ].map((id) => [id.replace(/-([a-z])/g, (_, c) => c.toUpperCase()), $(id)]),
);
const body = (testid) => document.querySelector(`[data-testid="${testid}"]`);

const CHEAT_SHEET = [
  'age >= 30 and country in ["DE", "FR"]',
  'gender = "m" and age between 25 and 34 and did purchase in last 30 days',
  'consent.marketing and email ends with "@gmail.com"',
  'did purchase where category = "electronics" at least 2 times in last 365 days',
  'did product_view where category = "shoes" then did not purchase where same product_id within 7 days',
  'sum(purchase.amount_usd in last 365 days) > 500 or count(purchase in last 90 days) >= 3',
  'last email_open more than 60 days ago and consent.marketing',
  'interests contains any ["running", "cycling"] and birthday anniversary within next 30 days',
  'in segment "high value" and not in segment "lapsed 6 months"',
  'holiday "christmas" within next 30 days and consent.marketing',
  'local_time between 08:00 and 20:00 and season = "winter"',
];

const TIME_ZONES = [
  'UTC', 'Europe/London', 'Europe/Berlin', 'Europe/Paris', 'Europe/Moscow', 'America/New_York', 'America/Chicago',
  'America/Los_Angeles', 'America/Sao_Paulo', 'America/Mexico_City', 'Asia/Kolkata', 'Asia/Shanghai', 'Asia/Tokyo',
  'Asia/Seoul', 'Asia/Ho_Chi_Minh', 'Asia/Riyadh', 'Asia/Dubai', 'Asia/Jerusalem', 'Asia/Tashkent',
  'Australia/Sydney', 'Africa/Cairo', 'Pacific/Auckland',
];

const LOCALES = [
  'en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'it-IT', 'nl-NL', 'pl-PL', 'pt-BR', 'ru-RU', 'uz-UZ', 'hi-IN',
  'zh-CN', 'zh-TW', 'ja-JP', 'ko-KR', 'vi-VN', 'ar-EG', 'ar-SA', 'he-IL',
];

const DEFAULT_TEMPLATE = `{% if language == "ar" %}<p>مرحبًا {{ first_name }}،</p>{% elif language == "he" %}<p>שלום {{ first_name }},</p>{% else %}<p>{{ greeting() }},</p>{% endif %}
<p>{% if in_segment("VIP") %}You are one of our VIPs: new arrivals reach you first.{% elif in_segment("lapsed 6 months") %}We miss you: here is 15% off your next order.{% elif in_segment("new subscribers") %}Welcome! Your first order ships free.{% else %}New arrivals, picked for you.{% endif %}</p>
{% if matches('interests contains "running"') %}<p>Trail shoes are back in stock.</p>{% endif %}
{% if orders_count %}<p>{{ orders_count | plural(one="# order", other="# orders") }}, {{ total_spent | money(currency) }} in total.</p>{% endif %}`;

const state = {
  asOf: DEFAULT_AS_OF,
  timeZone: 'UTC',
  seed: DEFAULT_SEED,
  size: DEFAULT_LIST_SIZE,
  library: SEGMENT_LIBRARY.map((s) => ({ ...s })),
  current: 0, // index into library
  segment: null, // Segment of the editor's rule, or null
  segmentSet: null,
  setError: null,
  template: null,
  picker: [], // profiles shown in the pickers
  subscriberIndex: 0,
  profile: null,
  loaded: false,
  engine: null,
  caps: { variants: false, predict: false, templateCheck: typeof Template.prototype.check === 'function' },
  metrics: [], // keystroke -> count timings (for bench/editor.mjs)
};
window.__kaleido = state; // for tests and the benchmark: read-only inspection

const fmt = new Intl.NumberFormat('en-US');

// ─── Worker ───────────────────────────────────────────────────────────────────

const workerUrl = new URL('./editor-worker.js', import.meta.url);
const forcedEngine = new URLSearchParams(location.search).get('engine');
if (forcedEngine === 'segment.test') workerUrl.searchParams.set('engine', forcedEngine);
const worker = new Worker(workerUrl, { type: 'module' });
const pending = new Map();
let nextId = 1;
let hello;
const helloReady = new Promise((resolve) => (hello = resolve));
const activeProgress = new Map(); // id -> { label, done, total }

worker.onmessage = (event) => {
  const msg = event.data;
  if (msg.hello) return hello(msg.hello);
  const job = pending.get(msg.id);
  if (!job) return;
  if (msg.progress) {
    activeProgress.set(msg.id, { label: job.label, ...msg.progress });
    showProgress();
    return;
  }
  pending.delete(msg.id);
  activeProgress.delete(msg.id);
  showProgress();
  if (msg.ok) job.resolve(msg.result);
  else job.reject(Object.assign(new Error(msg.error.message), msg.error));
};
worker.onerror = (event) => {
  setStatus(`The worker failed: ${event.message}`);
  document.body.dataset.state = 'failed';
};

function request(type, args, label = type) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, label });
    worker.postMessage({ id, type, ...args });
  });
}

function showProgress() {
  // The oldest running job with progress is shown.
  const first = activeProgress.values().next().value;
  if (!first) {
    els.progressLine.hidden = true;
    return;
  }
  els.progressLine.hidden = false;
  els.progressLabel.textContent = `${first.label}: ${first.phase} ${fmt.format(first.done)} / ${fmt.format(first.total)}`;
  els.progress.max = Math.max(1, first.total);
  els.progress.value = first.done;
}

const isCancelled = (err) => err && err.cancelled;

// ─── Helpers ──────────────────────────────────────────────────────────────────

function setStatus(text) {
  els.status.textContent = text;
}

function evalOptions() {
  const o = { asOf: state.asOf, timeZone: state.timeZone };
  if (state.segmentSet) o.segments = state.segmentSet;
  return o;
}

function isKaleidoError(err) {
  return err instanceof KaleidoError || (err && typeof err.kind === 'string');
}

/** Shows a KaleidoError (or any error) in one of the error boxes. */
function showError(box, err) {
  if (!err) {
    box.hidden = true;
    for (const k of ['line', 'column', 'kind']) box.removeAttribute(`data-${k}`);
    return;
  }
  const isK = isKaleidoError(err);
  const kind = isK ? err.kind : 'error';
  box.hidden = false;
  box.dataset.kind = kind;
  box.querySelector('.error-kind').textContent = `${kind} error:`;
  box.querySelector('[data-testid$="-error-message"]').textContent = err.message ?? String(err);
  const pos = box.querySelector('.error-position');
  if (isK && Number.isInteger(err.line)) {
    box.dataset.line = String(err.line);
    box.dataset.column = String(err.column ?? '');
    pos.textContent = `(line ${err.line}, column ${err.column})`;
  } else {
    box.removeAttribute('data-line');
    box.removeAttribute('data-column');
    pos.textContent = '';
  }
  const snippet = box.querySelector('.snippet');
  snippet.textContent = (isK && err.snippet) || '';
  snippet.hidden = !snippet.textContent;
}

function parseAsOf(text) {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t) && !Number.isNaN(Date.parse(t))) return t;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(t) && !Number.isNaN(Date.parse(t))) return t;
  return null;
}

function validTimeZone(tz) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function displayName(p) {
  return p.full_name ?? [p.first_name, p.last_name].filter(Boolean).join(' ');
}

function debounce(fn, ms) {
  let timer;
  const d = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  d.cancel = () => clearTimeout(timer);
  return d;
}

function langDir(locale) {
  const lang = String(locale ?? 'en').replace(/[^A-Za-z0-9-]/g, '') || 'en';
  return { lang, dir: /^(ar|he|fa|ur)\b/.test(lang) ? 'rtl' : 'ltr' };
}

// ─── Segment library ──────────────────────────────────────────────────────────

function libraryStatus(entry) {
  if (entry.needs === 'predict' && !state.caps.predict) {
    return { ok: false, unavailable: 'needs predicted fields (churn risk, CLV), which are not in this build of the package' };
  }
  let status = parsed.get(entry.rule);
  if (!status) {
    try {
      Segment.parse(entry.rule).free();
      status = { ok: true };
    } catch (err) {
      status = { ok: false, error: err };
    }
    if (parsed.size > 500) parsed.clear();
    parsed.set(entry.rule, status);
  }
  return status;
}
const parsed = new Map(); // rule text -> { ok, error? }

/** Definitions of the usable library segments, for `in segment "name"`. */
function libraryDefinitions() {
  const defs = {};
  for (const entry of state.library) if (entry.name && libraryStatus(entry).ok) defs[entry.name] = entry.rule;
  return defs;
}

function rebuildSegmentSet() {
  state.segmentSet?.free();
  state.segmentSet = null;
  state.setError = null;
  try {
    state.segmentSet = new SegmentSet(libraryDefinitions());
  } catch (err) {
    state.setError = err;
  }
}

function renderLibrary() {
  const frag = document.createDocumentFragment();
  state.library.forEach((entry, i) => {
    const li = document.createElement('li');
    li.className = 'segment-item';
    li.dataset.name = entry.name;
    const st = libraryStatus(entry);
    li.dataset.available = String(st.ok);
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'segment-pick';
    b.dataset.testid = 'segment-pick';
    b.setAttribute('aria-pressed', String(i === state.current));
    b.textContent = entry.name || '(unnamed)';
    b.addEventListener('click', () => selectSegment(i));
    const size = document.createElement('span');
    size.className = 'segment-size';
    size.dataset.testid = 'segment-size';
    const known = state.sizes?.get(entry.name);
    if (!st.ok && st.unavailable) size.textContent = 'not available in this build';
    else if (!st.ok) size.textContent = 'rule has an error';
    else size.textContent = known === undefined ? '…' : fmt.format(known);
    if (known !== undefined) size.dataset.value = String(known);
    const desc = document.createElement('p');
    desc.className = 'segment-desc';
    desc.textContent = st.unavailable ? `${entry.description} Not available in this build: ${st.unavailable}.` : entry.description;
    li.append(b, size, desc);
    frag.append(li);
  });
  els.segmentList.replaceChildren(frag);
}

function selectSegment(i) {
  state.current = i;
  const entry = state.library[i];
  els.segmentName.value = entry.name;
  els.rule.value = entry.rule;
  renderLibrary();
  onRuleInput({ fromLibrary: true });
}

// ─── Rule editor ──────────────────────────────────────────────────────────────

/** UTF-16 offset of a 1-based line and column (in characters) of `text`. */
function offsetOf(text, line, column) {
  const lines = text.split('\n');
  let off = 0;
  for (let l = 0; l < line - 1 && l < lines.length; l++) off += lines[l].length + 1;
  return off + [...(lines[line - 1] ?? '')].slice(0, column - 1).join('').length;
}

const WORD = /[\p{L}\p{N}_]/u;

/**
 * The text range a diagnostic is about: the unknown name it quotes (`unknown
 * field "agee"; did you mean "age"?`) found at or after its position, else the
 * word at its position.
 */
function diagnosticRange(text, d) {
  const start = offsetOf(text, d.line, d.column);
  const quoted = /"([^"]+)"; did you mean "([^"]+)"\?/.exec(d.message ?? '');
  if (quoted) {
    const name = quoted[1];
    for (let at = text.indexOf(name, start); at >= 0; at = text.indexOf(name, at + 1)) {
      const before = text[at - 1];
      const after = text[at + name.length];
      if (!(before && WORD.test(before)) && !(after && WORD.test(after))) {
        return { start: at, end: at + name.length, replacement: quoted[2] };
      }
    }
  }
  const word = /^[\p{L}\p{N}_.]+|^"[^"]*"?|^\S/u.exec(text.slice(start));
  return { start, end: start + (word ? word[0].length : 0) };
}

/** Marks diagnostics (with line and column) in the backdrop under the textarea. */
function highlight(marks) {
  const text = els.rule.value;
  const ranges = marks
    .filter((m) => Number.isInteger(m.line) && Number.isInteger(m.column))
    .map((m) => ({ ...diagnosticRange(text, m), severity: m.severity }))
    .sort((a, b) => a.start - b.start);
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const o of ranges) {
    if (o.start < at) continue;
    frag.append(text.slice(at, o.start));
    const mark = document.createElement('mark');
    mark.className = o.severity === 'warning' ? 'warn' : 'bad';
    mark.textContent = text.slice(o.start, o.end) || ' ';
    frag.append(mark);
    at = Math.max(o.end, o.start);
  }
  frag.append(text.slice(at) + '\n');
  els.ruleBackdrop.replaceChildren(frag);
  els.ruleBackdrop.scrollTop = els.rule.scrollTop;
}

function showDiagnostics(list) {
  const box = els.diagnostics;
  box.replaceChildren();
  box.dataset.count = String(list.length);
  if (list.length === 0) return;
  const ul = document.createElement('ul');
  for (const d of list) {
    const li = document.createElement('li');
    li.className = `diagnostic is-${d.severity}`;
    li.dataset.code = d.code;
    li.dataset.severity = d.severity;
    if (d.line) li.dataset.line = String(d.line);
    if (d.column) li.dataset.column = String(d.column);
    const where = d.line ? ` (line ${d.line}, column ${d.column})` : '';
    const sev = document.createElement('strong');
    sev.textContent = `${d.severity}${where}: `;
    const msg = document.createElement('span');
    msg.textContent = d.message;
    li.append(sev, msg);
    const suggestion = /did you mean "([^"]+)"\?/.exec(d.message);
    if (suggestion && d.line && d.column) {
      const fix = document.createElement('button');
      fix.type = 'button';
      fix.className = 'link';
      fix.dataset.testid = 'apply-suggestion';
      fix.textContent = `use "${suggestion[1]}"`;
      fix.addEventListener('click', () => applySuggestion(d));
      li.append(' ', fix);
    }
    ul.append(li);
  }
  box.append(ul);
}

/** Replaces the name a diagnostic is about with its suggestion. */
function applySuggestion(d) {
  const text = els.rule.value;
  const r = diagnosticRange(text, d);
  if (!r.replacement) return;
  els.rule.value = text.slice(0, r.start) + r.replacement + text.slice(r.end);
  els.rule.focus();
  els.rule.setSelectionRange(r.start + r.replacement.length, r.start + r.replacement.length);
  onRuleInput({});
}

/** Parses and checks the editor's rule now (cheap), then asks the worker to count. */
function onRuleInput({ fromLibrary = false } = {}) {
  const inputAt = performance.now();
  const text = els.rule.value;
  state.segment?.free();
  state.segment = null;
  let diagnostics = [];
  try {
    state.segment = Segment.parse(text);
    showError(els.ruleError, null);
    els.rule.setAttribute('aria-invalid', 'false');
    diagnostics = state.segment.check(SAMPLE_SCHEMA);
  } catch (err) {
    showError(els.ruleError, err);
    els.rule.setAttribute('aria-invalid', 'true');
    if (isKaleidoError(err) && Number.isInteger(err.line)) diagnostics = [];
    highlight(isKaleidoError(err) ? [{ line: err.line, column: err.column, severity: 'error' }] : []);
  }
  if (state.segment) highlight(diagnostics.filter((d) => d.line));
  showDiagnostics(diagnostics);
  // Keep the library entry in step with a valid rule.
  const entry = state.library[state.current];
  if (entry && !fromLibrary && state.segment && entry.rule !== text) {
    entry.rule = text;
    scheduleLibrary();
  }
  const counted = countNow(text, inputAt);
  renderExplain();
  return counted;
}

let countSeq = 0;
async function countNow(text, inputAt) {
  const seq = ++countSeq;
  const el = els.count;
  el.dataset.rule = text;
  el.dataset.asOf = state.asOf;
  el.dataset.timeZone = state.timeZone;
  if (!state.segment || !state.loaded) {
    if (!state.segment) {
      el.dataset.state = 'error';
      delete el.dataset.value;
      els.countValue.textContent = '–';
      els.countTime.textContent = '';
    }
    return;
  }
  el.dataset.state = 'running';
  try {
    const r = await request('count', { rule: text, asOf: state.asOf, timeZone: state.timeZone, library: libraryDefinitions() }, 'Counting');
    if (seq !== countSeq) return;
    els.countValue.textContent = fmt.format(r.count);
    els.countTotal.textContent = fmt.format(r.total);
    el.dataset.value = String(r.count);
    el.dataset.state = 'done';
    const shown = performance.now();
    el.dataset.ms = String(Math.round(shown - inputAt));
    els.countTime.textContent = `(${Math.round(r.ms)} ms in the worker, ${Math.round(shown - inputAt)} ms from the keystroke)`;
    state.metrics.push({ rule: text, workerMs: r.ms, keystrokeToCountMs: shown - inputAt, size: r.total });
    scheduleSendPlan();
  } catch (err) {
    if (isCancelled(err) || seq !== countSeq) return;
    el.dataset.state = 'error';
    delete el.dataset.value;
    els.countValue.textContent = '–';
    showError(els.ruleError, err);
  }
}

// ─── Subscriber and explanation ───────────────────────────────────────────────

function explanationNode(node) {
  const li = document.createElement('li');
  const verdict = node.result === true ? 'true' : node.result === false ? 'false' : 'unknown';
  li.className = `explain-node is-${verdict}`;
  li.dataset.result = verdict;
  const mark = document.createElement('span');
  mark.className = 'mark';
  mark.textContent = verdict === 'true' ? '✓' : verdict === 'false' ? '✗' : '?';
  mark.setAttribute('aria-hidden', 'true');
  const label = document.createElement('span');
  label.className = 'visually-hidden';
  label.textContent = `${verdict}: `;
  const text = document.createElement('code');
  text.textContent = node.text;
  li.append(mark, label, text);
  if (node.actual !== undefined) {
    const actual = document.createElement('span');
    actual.className = 'actual';
    actual.textContent = ` — actual: ${JSON.stringify(node.actual)}`;
    li.append(actual);
  }
  if (Array.isArray(node.children) && node.children.length > 0) {
    const ul = document.createElement('ul');
    for (const child of node.children) ul.append(explanationNode(child));
    li.append(ul);
  }
  return li;
}

function fillPickers() {
  state.picker = [];
  const n = Math.min(PICKER_SIZE, state.size);
  for (let i = 0; i < n; i++) state.picker.push(profileAt(i, { seed: state.seed }));
  for (const select of [els.subscriber, els.tplSubscriber]) {
    const frag = document.createDocumentFragment();
    state.picker.forEach((p, i) => {
      const opt = document.createElement('option');
      opt.value = String(i);
      opt.textContent = `${p.id} · ${displayName(p)} · ${p.country} · ${p.locale}`;
      frag.append(opt);
    });
    select.replaceChildren(frag);
  }
}

/** Selects subscriber `index` (0-based) of the list, also beyond the picker. */
function chooseSubscriber(index) {
  if (!(index >= 0 && index < state.size)) return false;
  state.subscriberIndex = index;
  state.profile = index < state.picker.length ? state.picker[index] : profileAt(index, { seed: state.seed });
  if (state.caps.predict && state.loaded && state.profile.predicted === undefined) {
    const profile = state.profile;
    request('derive', { index }, 'Predictions').then(
      (r) => {
        if (r.predicted) profile.predicted = r.predicted;
        if (state.profile === profile) renderSubscriber();
      },
      () => {},
    );
  }
  for (const select of [els.subscriber, els.tplSubscriber]) {
    if (index >= state.picker.length) {
      let extra = select.querySelector('option[data-extra]');
      if (!extra) {
        extra = document.createElement('option');
        extra.dataset.extra = 'true';
        select.append(extra);
      }
      extra.value = String(index);
      extra.textContent = `${state.profile.id} · ${displayName(state.profile)} · ${state.profile.country} · ${state.profile.locale}`;
    }
    select.value = String(index);
  }
  renderSubscriber();
  return true;
}

/** Everything about the chosen subscriber: profile, explanation, template preview. */
function renderSubscriber() {
  const p = state.profile;
  if (!p) return;
  const json = JSON.stringify(p, null, 2);
  els.profileJson.textContent = json.length > 20000 ? json.slice(0, 20000) + '\n…' : json;
  renderExplain();
  renderTemplate();
  renderTimeline();
}

/** Membership and explanation of the editor's rule for the chosen subscriber. */
function renderExplain() {
  const p = state.profile;
  if (!p) return;
  const seg = state.segment;
  els.explain.replaceChildren();
  els.membership.dataset.id = p.id;
  if (!seg) {
    els.membership.textContent = 'Fix the rule to see whether this subscriber matches.';
    delete els.membership.dataset.member;
  } else {
    try {
      const member = seg.test(p, evalOptions());
      els.membership.textContent = `${displayName(p)} (${p.id}) ${member ? 'is' : 'is not'} in the segment.`;
      els.membership.dataset.member = String(member);
      const tree = seg.explain(p, evalOptions());
      const ul = document.createElement('ul');
      ul.className = 'explain-tree';
      ul.append(explanationNode(tree));
      els.explain.append(ul);
    } catch (err) {
      els.membership.textContent = `Cannot evaluate: ${err.message}`;
      delete els.membership.dataset.member;
    }
  }
}

async function step(member) {
  if (!state.segment || !state.loaded) return;
  try {
    const r = await request('next', { rule: els.rule.value, from: state.subscriberIndex, member, asOf: state.asOf, timeZone: state.timeZone, library: libraryDefinitions() }, 'Searching');
    if (r.index < 0) els.membership.textContent = member ? 'Nobody in the list is a member.' : 'Everybody in the list is a member.';
    else chooseSubscriber(r.index);
  } catch (err) {
    if (!isCancelled(err)) els.membership.textContent = `Cannot search: ${err.message}`;
  }
}

// ─── Whole-list charts ────────────────────────────────────────────────────────

/** Marks a chart as recomputing: the old picture stays, dimmed; an empty one says so. */
function markRunning(b) {
  b.dataset.state = 'running';
  b.setAttribute('aria-busy', 'true');
  if (!b.firstElementChild) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = 'Computing…';
    b.append(p);
  }
}

function chartStatus(testid, text, stateName = 'running') {
  const b = body(testid);
  b.dataset.state = stateName;
  if (stateName !== 'running') b.removeAttribute('aria-busy');
  if (text !== undefined) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = text;
    b.replaceChildren(p);
  }
}

async function refreshSizes() {
  const usable = state.library.filter((e) => e.name && libraryStatus(e).ok);
  const b = body('chart-sizes-body');
  markRunning(b);
  try {
    const r = await request('sizes', { segments: usable.map(({ name, rule }) => ({ name, rule })), asOf: state.asOf, timeZone: state.timeZone, library: libraryDefinitions() }, 'Segment sizes');
    state.sizes = new Map(r.sizes.filter((s) => s.count !== undefined).map((s) => [s.name, s.count]));
    const items = state.library.map((e) => {
      const s = r.sizes.find((x) => x.name === e.name);
      const st = libraryStatus(e);
      if (s && s.count !== undefined) return { label: e.name, value: s.count };
      return { label: e.name || '(unnamed)', value: null, note: st.unavailable ? 'not available in this build' : 'error' };
    });
    b.replaceChildren(barChart({ items, total: r.total, label: `Segment sizes out of ${fmt.format(r.total)} subscribers` }));
    b.dataset.state = 'done';
    b.removeAttribute('aria-busy');
    b.dataset.key = clockKey();
    renderLibrary();
  } catch (err) {
    if (isCancelled(err)) return;
    chartStatus('chart-sizes-body', `Could not compute sizes: ${err.message}`, 'error');
  }
}

function renderOverlapPicker() {
  const chosen = new Set([...els.overlapPick.querySelectorAll('input:checked')].map((i) => i.value));
  const first = chosen.size === 0 && !els.overlapPick.dataset.touched;
  const frag = document.createDocumentFragment();
  let picked = 0;
  state.library.forEach((e) => {
    if (!e.name) return;
    const st = libraryStatus(e);
    const id = `ov-${e.name.replace(/[^A-Za-z0-9]+/g, '-')}`;
    const label = document.createElement('label');
    label.className = 'check';
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.value = e.name;
    input.id = id;
    input.disabled = !st.ok;
    const defaults = ['frequent buyers', 'high value', 'VIP', 'lapsed 6 months'];
    input.checked = st.ok && (first ? defaults.includes(e.name) : chosen.has(e.name));
    if (input.checked) picked++;
    label.append(input, ` ${e.name}`);
    frag.append(label);
  });
  els.overlapPick.replaceChildren(frag);
  limitOverlapPicks();
  return picked;
}

function limitOverlapPicks() {
  const boxes = [...els.overlapPick.querySelectorAll('input')];
  const n = boxes.filter((b) => b.checked).length;
  for (const b of boxes) {
    const st = libraryStatus(state.library.find((e) => e.name === b.value) ?? {});
    b.disabled = !st.ok || (!b.checked && n >= MAX_OVERLAP);
  }
}

async function refreshOverlap() {
  const names = [...els.overlapPick.querySelectorAll('input:checked')].map((i) => i.value);
  const segments = names.map((n) => state.library.find((e) => e.name === n)).filter(Boolean);
  const b = body('chart-overlap-body');
  if (segments.length === 0) {
    chartStatus('chart-overlap-body', 'Choose segments to compare.', 'done');
    return;
  }
  markRunning(b);
  try {
    const r = await request('overlap', { segments: segments.map(({ name, rule }) => ({ name, rule })), asOf: state.asOf, timeZone: state.timeZone, library: libraryDefinitions() }, 'Overlap');
    b.replaceChildren(upset({ sets: names, regions: r.regions, label: `Overlap of ${names.join(', ')}` }));
    const none = r.total - r.regions.reduce((s, x) => s + x.size, 0);
    const p = document.createElement('p');
    p.className = 'muted';
    p.dataset.testid = 'overlap-none';
    p.dataset.value = String(none);
    p.textContent = `${fmt.format(none)} subscribers are in none of them.`;
    b.append(p);
    b.dataset.state = 'done';
    b.removeAttribute('aria-busy');
    b.dataset.key = clockKey();
  } catch (err) {
    if (isCancelled(err)) return;
    chartStatus('chart-overlap-body', `Could not compute the overlap: ${err.message}`, 'error');
  }
}

function renderPredict(predict) {
  const b = body('chart-predict-body');
  if (!state.caps.predict) {
    b.replaceChildren(unavailable('the package has no per-subscriber predictions (churn risk, CLV) yet; the distributions appear when it does.'));
    b.dataset.state = 'unavailable';
    return;
  }
  if (!predict) {
    markRunning(b);
    return;
  }
  const churn = predict.churn.map((value, k) => ({ label: `${k * 10}–${k * 10 + 10}%`, value }));
  const money = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const clv = predict.clv.map((bin) => ({ label: bin.to == null ? `≥ ${money.format(bin.from)}` : `< ${money.format(bin.to)}`, value: bin.count }));
  const note = document.createElement('p');
  note.className = 'muted';
  const m = predict.model;
  note.textContent = `BG/NBD and Gamma-Gamma models fitted by the package on the first ${fmt.format(predict.fittedOn)} subscribers ` +
    `(${fmt.format(m.customers)} customers) as of ${DEFAULT_AS_OF}; ${fmt.format(predict.scored)} customers scored. ` +
    'Rules read them as predicted.churn_risk, predicted.predicted_clv, predicted.p_alive, … (CLV in each profile\'s own currency).';
  const h1 = document.createElement('h4');
  h1.textContent = 'Churn risk (1 − P(alive)), customers per decile';
  const h2 = document.createElement('h4');
  h2.textContent = 'Predicted 12-month CLV, customers per bin';
  const c1 = columns({ bins: churn, label: 'Customers by predicted churn risk', xTitle: 'churn risk' });
  c1.dataset.testid = 'chart-churn';
  const c2 = columns({ bins: clv, label: 'Customers by predicted customer lifetime value', xTitle: 'predicted CLV' });
  c2.dataset.testid = 'chart-clv';
  b.replaceChildren(h1, c1, h2, c2, note);
  b.dataset.state = 'done';
  b.removeAttribute('aria-busy');
}

async function refreshSendPlan() {
  const b = body('chart-sendtime-body');
  if (!state.segment) {
    chartStatus('chart-sendtime-body', 'Fix the rule to see its send-time plan.', 'error');
    return;
  }
  const at = els.sendAt.value || '09:00';
  markRunning(b);
  try {
    const rule = els.rule.value;
    const r = await request('sendPlan', { rule, at, asOf: state.asOf, timeZone: state.timeZone, library: libraryDefinitions() }, 'Send-time plan');
    const bins = r.hours.map((value, h) => ({ label: String(h).padStart(2, '0'), value }));
    b.replaceChildren(columns({ bins, label: `Members of the rule per UTC hour for a send at ${at} local time on ${r.day}`, xTitle: `UTC hour on ${r.day} (±1 day)` }));
    const p = document.createElement('p');
    p.className = 'muted';
    const busiest = r.zones.slice().sort((a, c) => c.members - a.members).slice(0, 3);
    p.textContent = `${fmt.format(r.members)} members in ${r.zones.length} time zones. Largest: ` +
      busiest.map((z) => `${z.zone} at ${z.sendAt.slice(11, 16)} UTC (${fmt.format(z.members)})`).join(', ') + '.';
    b.append(p);
    b.dataset.state = 'done';
    b.removeAttribute('aria-busy');
    b.dataset.rule = rule;
    b.dataset.key = clockKey();
  } catch (err) {
    if (isCancelled(err)) return;
    chartStatus('chart-sendtime-body', `Could not compute the plan: ${err.message}`, 'error');
  }
}

function clockKey() {
  return `${state.asOf}|${state.timeZone}|${state.size}|${state.seed}`;
}

const scheduleWholeList = debounce(() => {
  if (!state.loaded) return;
  refreshSizes();
  refreshOverlap();
}, 700);
const scheduleLibrary = debounce(() => {
  rebuildSegmentSet();
  renderLibrary();
  scheduleWholeList();
  // The template only changes when it names the edited segment (in_segment("…")).
  const name = state.library[state.current]?.name;
  if (name && els.template.value.includes(JSON.stringify(name))) {
    renderTemplate();
    scheduleVariants();
  }
}, 300);
const scheduleSendPlan = debounce(() => state.loaded && refreshSendPlan(), 400);

// ─── Template ─────────────────────────────────────────────────────────────────

function compileTemplate() {
  state.template?.free();
  state.template = null;
  try {
    state.template = Template.compile(els.template.value);
    showError(els.templateError, null);
    els.template.setAttribute('aria-invalid', 'false');
  } catch (err) {
    showError(els.templateError, err);
    els.template.setAttribute('aria-invalid', 'true');
  }
  renderTemplateWarnings();
}

function renderTemplateWarnings() {
  const box = els.templateWarnings;
  box.replaceChildren();
  if (!state.template) return;
  if (!state.caps.templateCheck) {
    box.append(unavailable('template checks (Template.check) are not in this build of the package.'));
    return;
  }
  const list = state.template.check(SAMPLE_SCHEMA);
  box.dataset.count = String(list.length);
  if (list.length === 0) return;
  const ul = document.createElement('ul');
  for (const d of list) {
    const li = document.createElement('li');
    li.className = `diagnostic is-${d.severity}`;
    li.dataset.code = d.code;
    li.textContent = `${d.severity}${d.line ? ` (line ${d.line}, column ${d.column})` : ''}: ${d.message}`;
    ul.append(li);
  }
  box.append(ul);
}

function previewLocale(p) {
  return els.tplLocale.value || p.locale;
}

/** The profile as the template sees it, with the locale switch applied. */
function templateProfile(p) {
  const locale = els.tplLocale.value;
  if (!locale) return p;
  return { ...p, locale, language: locale.split('-')[0] };
}

function frameDocument(html, locale) {
  const { lang, dir } = langDir(locale);
  return `<!doctype html><html lang="${lang}" dir="${dir}"><head><meta charset="utf-8"><style>body{font:16px/1.5 system-ui,sans-serif;margin:1rem;color:#1b1b1f;background:#fff}</style></head><body>${html}</body></html>`;
}

function renderTemplate() {
  const p = state.profile;
  if (!state.template || !p) {
    els.preview.srcdoc = '';
    els.preview.dataset.state = 'error';
    return;
  }
  try {
    const locale = previewLocale(p);
    const html = state.template.render(templateProfile(p), { ...evalOptions(), locale, currency: p.currency });
    els.preview.srcdoc = frameDocument(html, locale);
    els.preview.dataset.html = html;
    els.preview.dataset.locale = locale;
    els.preview.dataset.id = p.id;
    els.preview.dataset.state = 'done';
    showError(els.templateError, null);
  } catch (err) {
    els.preview.srcdoc = '';
    els.preview.dataset.state = 'error';
    showError(els.templateError, err);
  }
}

async function refreshVariants() {
  const box = els.variants;
  if (!state.caps.variants) {
    box.replaceChildren(unavailable('the variant matrix needs Template.variants, which is not in this build of the package.'));
    box.dataset.state = 'unavailable';
    return;
  }
  if (!state.template || !state.loaded) return;
  box.dataset.state = 'running';
  try {
    const r = await request('variants', { source: els.template.value, asOf: state.asOf, timeZone: state.timeZone, locale: els.tplLocale.value || undefined, library: libraryDefinitions() }, 'Variants');
    const table = document.createElement('table');
    table.className = 'variants-table';
    const scope = r.over < r.total ? `the first ${fmt.format(r.over)} of ${fmt.format(r.total)} subscribers` : `all ${fmt.format(r.total)} subscribers`;
    table.innerHTML = `<caption>Distinct renderings over ${scope} (the 12 largest)</caption><thead><tr><th scope="col">subscribers</th><th scope="col">conditions and locale</th><th scope="col">sample</th><th scope="col">preview</th></tr></thead>`;
    const tbody = document.createElement('tbody');
    r.variants.slice(0, 12).forEach((v, k) => {
      const tr = document.createElement('tr');
      tr.dataset.key = v.key;
      tr.dataset.warnings = String(v.warnings?.length ?? 0);
      tr.dataset.count = String(v.count);
      const c1 = document.createElement('td');
      c1.textContent = fmt.format(v.count);
      const c2 = document.createElement('td');
      c2.textContent = `${v.conditions.join(' · ') || '(no conditions)'}${v.locale ? ` · ${v.locale}` : ''}`;
      if (v.warnings?.length) {
        const w = document.createElement('p');
        w.className = 'error-text';
        w.textContent = v.warnings.map((d) => d.message).join('; ');
        c2.append(w);
      }
      const c3 = document.createElement('td');
      c3.textContent = String(v.sampleId);
      const c4 = document.createElement('td');
      const frame = document.createElement('iframe');
      frame.sandbox = '';
      frame.title = `Variant ${k + 1} preview`;
      frame.className = 'variant-frame';
      frame.srcdoc = frameDocument(v.html, v.locale || els.tplLocale.value || 'en');
      tr.dataset.locale = v.locale ?? '';
      c4.append(frame);
      tr.append(c1, c2, c3, c4);
      tbody.append(tr);
    });
    table.append(tbody);
    box.replaceChildren(table);
    box.dataset.state = 'done';
    box.dataset.asOf = state.asOf;
    box.dataset.locale = els.tplLocale.value;
    box.dataset.over = String(r.over);
  } catch (err) {
    if (isCancelled(err)) return;
    box.replaceChildren(document.createTextNode(`Could not compute variants: ${err.message}`));
    box.dataset.state = 'error';
  }
}
const scheduleVariants = debounce(refreshVariants, 500);

// ─── Campaign sends and the subscriber's timeline ─────────────────────────────
// The package's example programme (Campaigns.examples()) over the loaded list
// (Campaigns.simulateAudience, in the worker) and for the chosen subscriber
// (Campaigns.simulate, here). The period starts at the page's as-of and lasts
// `sends-days` days; what happens after as-of is predicted (asOf = from).

/** Subscribers simulated unless the whole list is asked for. */
const SENDS_DEFAULT_MAX = 10_000;

const sendsEls = {
  days: $('sends-days'),
  whole: $('sends-whole'),
  summary: $('sends-summary'),
  who: $('timeline-who'),
  suppressed: $('timeline-suppressed'),
  timeline: $('timeline'),
};
let timelineProgramme = null; // compiled once, on first use

/** The simulated period: `{ from, to, days }`, from = the page's as-of. */
function sendsWindow(asOf = state.asOf, days = Number(sendsEls.days.value) || 30) {
  const start = Date.parse(asOf.length === 10 ? `${asOf}T00:00:00Z` : asOf);
  const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return { from: iso(start), to: iso(start + days * 86_400_000), days };
}

/**
 * The dates of the plot: the window's UTC dates, widened to every local send
 * date that occurs (a zone far from UTC can put a send on the day before or after).
 */
function plotDates(w, dates) {
  let lo = w.from.slice(0, 10);
  let hi = new Date(Date.parse(w.to) - 1).toISOString().slice(0, 10);
  for (const d of dates) {
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  const out = [];
  for (let t = Date.parse(`${lo}T00:00:00Z`); t <= Date.parse(`${hi}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

function sendsKey(w) {
  return `${clockKey()}|${w.days}`;
}

async function refreshSends() {
  const b = body('chart-sends-body');
  if (!state.loaded) return;
  const w = sendsWindow();
  markRunning(b);
  try {
    const limit = sendsEls.whole.checked ? undefined : SENDS_DEFAULT_MAX;
    const r = await request('sends', { from: w.from, to: w.to, timeZone: state.timeZone, limit }, 'Campaign sends');
    const counts = new Map(r.counts.map((c) => [`${c.date}|${c.campaign}`, c.count]));
    const days = plotDates(w, r.counts.map((c) => c.date));
    const used = new Set(r.counts.map((c) => c.campaign));
    const series = r.campaigns.filter((c) => used.has(c));
    const total = r.counts.reduce((a, c) => a + c.count, 0);
    const who = r.subscribers < r.total ? `the first ${fmt.format(r.subscribers)} of ${fmt.format(r.total)} subscribers` : `all ${fmt.format(r.subscribers)} subscribers`;
    const label = `Messages sent per local day and campaign, ${w.from.slice(0, 10)} + ${w.days} days, ${who}`;
    const chart = stackedColumns({ days, series, counts, label });
    const p = document.createElement('p');
    p.className = 'sends-total';
    p.dataset.testid = 'sends-total';
    p.dataset.value = String(total);
    const busiest = days.map((d) => [d, series.reduce((a, s) => a + (counts.get(`${d}|${s}`) ?? 0), 0)]).sort((a, c) => c[1] - a[1])[0];
    p.textContent = total === 0
      ? `No messages in this period (${who}).`
      : `${fmt.format(total)} messages from ${series.length} campaigns to ${who}, ` +
        `${fmt.format(Math.round(total / w.days))} a day on average; busiest day ${busiest[0]} (${fmt.format(busiest[1])}). ` +
        `Simulated by the package in ${fmt.format(Math.round(r.ms))} ms.`;
    const heatTitle = document.createElement('h4');
    heatTitle.textContent = 'Calendar per campaign (each row shaded against its own busiest day)';
    const heat = calendarHeatmap({ days, series, counts, label: `Calendar of ${label.charAt(0).toLowerCase()}${label.slice(1)}` });
    heat.dataset.testid = 'sends-calendar';
    b.replaceChildren(p, chart, heatTitle, heat);
    b.dataset.state = 'done';
    b.removeAttribute('aria-busy');
    b.dataset.key = sendsKey(w);
    b.dataset.from = w.from;
    b.dataset.to = w.to;
    b.dataset.over = String(r.subscribers);
    sendsEls.summary.textContent = `${w.from} to ${w.to} (as of ${w.from})`;
  } catch (err) {
    if (isCancelled(err)) return;
    chartStatus('chart-sends-body', `Could not simulate the programme: ${err.message}`, 'error');
  }
}
const scheduleSends = debounce(() => state.loaded && refreshSends(), 700);

/** Text of the HTML the package rendered (subjects are HTML-escaped template output). */
function htmlText(html) {
  return new DOMParser().parseFromString(`<body>${html}`, 'text/html').body.textContent ?? '';
}

/** The chosen subscriber's messages in the period, from Campaigns.simulate. */
function renderTimeline() {
  const p = state.profile;
  const box = sendsEls.timeline;
  if (!p) return;
  const w = sendsWindow();
  const includeSuppressed = sendsEls.suppressed.checked;
  let messages;
  try {
    timelineProgramme ??= new kaleido.Campaigns(kaleido.Campaigns.examples());
    const profile = programmeProfile(p, storedPreferences(p));
    messages = timelineProgramme.simulate(profile, { from: w.from, to: w.to, asOf: w.from, timeZone: state.timeZone, includeSuppressed });
  } catch (err) {
    box.replaceChildren(document.createTextNode(`Could not simulate: ${err.message}`));
    box.dataset.state = 'error';
    return;
  }
  const sent = messages.filter((m) => m.status === 'sent').length;
  sendsEls.who.textContent = `${displayName(p)} (${p.id}, ${p.timezone ?? state.timeZone}, ${p.locale}): ` +
    `${sent} message${sent === 1 ? '' : 's'} from ${w.from.slice(0, 10)} for ${w.days} days` +
    (includeSuppressed ? `, ${messages.length - sent} suppressed.` : '.');
  const table = document.createElement('table');
  table.className = 'timeline-table';
  const cap = document.createElement('caption');
  cap.className = 'visually-hidden';
  cap.textContent = `Messages for ${p.id}`;
  const thead = document.createElement('thead');
  const hr = document.createElement('tr');
  for (const h of ['local time', 'UTC', 'campaign', 'step', 'variant', 'subject', ...(includeSuppressed ? ['status'] : [])]) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    hr.append(th);
  }
  thead.append(hr);
  const tbody = document.createElement('tbody');
  for (const m of messages) {
    const tr = document.createElement('tr');
    tr.dataset.campaign = m.campaign;
    tr.dataset.step = m.step ?? '';
    tr.dataset.variant = m.variant ?? '';
    tr.dataset.sendAt = m.sendAt;
    tr.dataset.localTime = m.localTime;
    tr.dataset.status = m.status;
    if (m.reason) tr.dataset.reason = m.reason;
    tr.className = `is-${m.status}`;
    const local = `${m.localTime.slice(0, 10)} ${m.localTime.slice(11, 16)} (${m.timeZone}, ${m.localTime.slice(19) || 'Z'})`;
    const cells = [local, `${m.sendAt.slice(0, 10)} ${m.sendAt.slice(11, 16)}Z`, m.campaign, m.step ?? '–', m.variant ?? '–', htmlText(m.subject)];
    if (includeSuppressed) cells.push(m.status === 'sent' ? 'sent' : `suppressed (${m.reason})`);
    cells.forEach((text, k) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (k === 5) {
        td.className = 'subject';
        if (m.locale) td.lang = m.locale;
      }
      tr.append(td);
    });
    tbody.append(tr);
  }
  table.append(cap, thead, tbody);
  if (messages.length === 0) {
    const none = document.createElement('p');
    none.className = 'muted';
    none.textContent = 'No messages for this subscriber in the period.';
    box.replaceChildren(none);
  } else {
    const scroller = document.createElement('div');
    scroller.className = 'table-scroll';
    scroller.append(table);
    box.replaceChildren(scroller);
  }
  box.dataset.state = 'done';
  box.dataset.id = p.id;
  box.dataset.key = sendsKey(w);
  box.dataset.count = String(messages.length);
}

function wireSends() {
  sendsEls.days.addEventListener('change', () => {
    renderTimeline();
    refreshSends();
  });
  sendsEls.suppressed.addEventListener('change', renderTimeline);
  sendsEls.whole.addEventListener('change', refreshSends);
}

// ─── Settings ─────────────────────────────────────────────────────────────────

function applyClock() {
  const asOf = parseAsOf(els.asOf.value);
  const tzText = els.timeZone.value.trim() || 'UTC';
  const tzOk = validTimeZone(tzText);
  els.asOfError.hidden = asOf !== null;
  els.asOfError.textContent = asOf === null ? 'Use a date (2025-12-01) or an RFC 3339 date-time (2025-12-01T09:00:00Z).' : '';
  els.asOf.setAttribute('aria-invalid', String(asOf === null));
  els.timeZoneError.hidden = tzOk;
  els.timeZoneError.textContent = tzOk ? '' : 'Not an IANA time zone (e.g. Europe/Berlin).';
  els.timeZone.setAttribute('aria-invalid', String(!tzOk));
  if (asOf === null || !tzOk) return false;
  state.asOf = asOf;
  state.timeZone = tzText;
  els.tplAsOf.value = asOf.slice(0, 10);
  return true;
}

async function loadList() {
  state.loaded = false;
  const size = Number(els.listSize.value);
  const seed = Number(els.seed.value) >>> 0;
  state.size = size;
  state.seed = seed;
  els.countTotal.textContent = fmt.format(size);
  setStatus(`Generating ${fmt.format(size)} sample subscribers…`);
  document.body.dataset.state = 'loading';
  try {
    const r = await request('load', { count: size, seed }, 'Loading the list');
    state.loaded = true;
    els.dataSummary.textContent = `${fmt.format(r.size)} subscribers, ${fmt.format(r.events)} events, ${r.countries} countries, ${r.languages} languages; generated from seed ${seed} in ${fmt.format(Math.round(r.ms))} ms (data as of ${DEFAULT_AS_OF}).`;
    els.dataSummary.dataset.size = String(r.size);
    renderPredict(r.predict);
    fillPickers();
    const want = new URLSearchParams(location.search).get('id');
    const idx = want ? idIndex(want) : state.subscriberIndex;
    chooseSubscriber(idx >= 0 && idx < size ? idx : 0);
    return true;
  } catch (err) {
    if (isCancelled(err)) return false;
    setStatus(`Could not load the list: ${err.message}`);
    return false;
  }
}

function idIndex(text) {
  const m = /^sub-(\d{1,7})$/.exec(text.trim());
  return m ? Number(m[1]) - 1 : -1;
}

async function reloadAll() {
  if (!(await loadList())) return;
  // Ready once the first count is on screen.
  await onRuleInput({ fromLibrary: true });
  setStatus('Ready.');
  document.body.dataset.state = 'ready';
  scheduleWholeList();
  scheduleWholeList.cancel();
  refreshSizes();
  refreshOverlap();
  refreshVariants();
  refreshSends();
}

// ─── Wiring ───────────────────────────────────────────────────────────────────

function wire() {
  els.rule.addEventListener('input', () => onRuleInput({}));
  els.rule.addEventListener('scroll', () => (els.ruleBackdrop.scrollTop = els.rule.scrollTop));
  els.segmentName.addEventListener('input', () => {
    const entry = state.library[state.current];
    if (!entry) return;
    entry.name = els.segmentName.value.trim();
    rebuildSegmentSet();
    renderLibrary();
    renderOverlapPicker();
    scheduleWholeList();
  });
  els.newSegment.addEventListener('click', () => {
    let n = 1;
    while (state.library.some((e) => e.name === `segment ${n}`)) n++;
    state.library.push({ name: `segment ${n}`, rule: 'consent.marketing', description: 'Your segment.' });
    rebuildSegmentSet();
    renderOverlapPicker();
    selectSegment(state.library.length - 1);
    els.rule.focus();
    els.rule.select();
    scheduleWholeList();
  });
  const onClock = debounce(() => {
    if (!applyClock()) return;
    renderTemplate();
    onRuleInput({ fromLibrary: true });
    scheduleWholeList();
    scheduleVariants();
    renderTimeline();
    scheduleSends();
  }, 200);
  els.asOf.addEventListener('input', onClock);
  els.timeZone.addEventListener('input', onClock);
  els.timeZone.addEventListener('change', onClock);
  els.tplAsOf.addEventListener('change', () => {
    if (!els.tplAsOf.value) return;
    const time = state.asOf.length > 10 ? state.asOf.slice(10) : '';
    els.asOf.value = els.tplAsOf.value + time;
    onClock();
  });
  els.listSize.addEventListener('change', reloadAll);
  els.seed.addEventListener('change', reloadAll);
  els.subscriber.addEventListener('change', () => chooseSubscriber(Number(els.subscriber.value)));
  els.tplSubscriber.addEventListener('change', () => chooseSubscriber(Number(els.tplSubscriber.value)));
  els.subscriberId.addEventListener('change', () => {
    const i = idIndex(els.subscriberId.value);
    const ok = i >= 0 && i < state.size && chooseSubscriber(i);
    els.subscriberIdError.hidden = !!ok;
    els.subscriberIdError.textContent = ok ? '' : `No subscriber ${els.subscriberId.value} in this list (sub-0000001 … sub-${String(state.size).padStart(7, '0')}).`;
    els.subscriberId.setAttribute('aria-invalid', String(!ok));
  });
  els.nextMatch.addEventListener('click', () => step(true));
  els.nextNonMatch.addEventListener('click', () => step(false));
  els.overlapPick.addEventListener('change', () => {
    els.overlapPick.dataset.touched = 'true';
    limitOverlapPicks();
    refreshOverlap();
  });
  els.sendAt.addEventListener('change', refreshSendPlan);
  els.template.addEventListener('input', debounce(() => {
    compileTemplate();
    renderTemplate();
    scheduleVariants();
  }, 120));
  els.tplLocale.addEventListener('change', () => {
    renderTemplate();
    scheduleVariants();
  });
  for (const rule of CHEAT_SHEET) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'link';
    b.textContent = rule;
    b.addEventListener('click', () => {
      els.rule.value = rule;
      onRuleInput({});
      els.rule.focus();
    });
    li.append(b);
    els.examples.append(li);
  }
  for (const tz of TIME_ZONES) {
    const opt = document.createElement('option');
    opt.value = tz;
    els.timeZones.append(opt);
  }
  const own = document.createElement('option');
  own.value = '';
  own.textContent = "The subscriber's own";
  els.tplLocale.append(own);
  for (const l of LOCALES) {
    const opt = document.createElement('option');
    opt.value = l;
    opt.textContent = l;
    els.tplLocale.append(opt);
  }
}

async function main() {
  const params = new URLSearchParams(location.search);
  els.asOf.value = params.get('asOf') ?? DEFAULT_AS_OF;
  els.timeZone.value = params.get('tz') ?? 'UTC';
  els.seed.value = params.get('seed') ?? String(DEFAULT_SEED);
  const size = params.get('size');
  if (size && [...els.listSize.options].some((o) => o.value === size)) els.listSize.value = size;
  els.template.value = DEFAULT_TEMPLATE;
  applyClock();
  wire();
  wireSends();
  try {
    await init();
  } catch (err) {
    document.body.dataset.state = 'failed';
    setStatus(`Could not load the WebAssembly module: ${err.message}`);
    throw err;
  }
  els.version.textContent = version();
  const info = await helloReady;
  state.engine = info.engine;
  state.caps.variants = info.variants;
  state.caps.predict = info.predict;
  els.engine.textContent = info.engine === 'audience' ? 'Audience (columnar, in a Web Worker)' : 'Segment.test per subscriber (in a Web Worker)';
  els.engine.dataset.engine = info.engine;
  if (info.engine !== 'audience') {
    for (const o of els.listSize.options) {
      if (Number(o.value) > info.fallbackMax) {
        o.disabled = true;
        o.textContent += ' (needs Audience: not in this build)';
      }
    }
    els.listSizeHelp.textContent = `Lists over ${fmt.format(info.fallbackMax)} need the package's Audience, which this build does not have.`;
  } else {
    els.listSizeHelp.textContent = 'Up to 1,000,000; large lists take a while to generate.';
  }
  const wanted = params.get('segment');
  const start = wanted ? state.library.findIndex((e) => e.name === wanted) : -1;
  if (start >= 0) {
    state.current = start;
    els.rule.value = state.library[start].rule;
  } else {
    // The editor starts on a scratch rule, kept as its own library entry.
    state.library.push({ name: 'my segment', rule: els.rule.value, description: 'A scratch rule: edit it freely.' });
    state.current = state.library.length - 1;
  }
  els.segmentName.value = state.library[state.current].name;
  rebuildSegmentSet();
  renderLibrary();
  renderOverlapPicker();
  renderPredict();
  compileTemplate();
  await reloadAll();
}

main();
