// The foundation demo: loads the kaleido package, generates sample subscribers
// and evaluates a segment rule and a template over them, all in the page.
// Uses only the package's public API, as a front-end developer would.

import { init, version, Segment, Template, KaleidoError } from './pkg/index.js';
import { generateProfiles, DEFAULT_AS_OF, DEFAULT_SEED } from './sample-data.js';

const $ = (id) => document.getElementById(id);
const els = {
  status: $('status'),
  version: $('version'),
  listSize: $('list-size'),
  seed: $('seed'),
  asOf: $('as-of'),
  asOfError: $('as-of-error'),
  timeZone: $('time-zone'),
  timeZones: $('time-zones'),
  summary: $('data-summary'),
  rule: $('rule'),
  count: $('count'),
  countValue: $('count-value'),
  countTotal: $('count-total'),
  countTime: $('count-time'),
  ruleError: $('rule-error'),
  examples: $('examples'),
  subscriber: $('subscriber'),
  nextMatch: $('next-match'),
  nextNonMatch: $('next-non-match'),
  membership: $('membership'),
  explain: $('explain'),
  profileJson: $('profile-json'),
  template: $('template'),
  templateError: $('template-error'),
  preview: $('preview'),
};

const EXAMPLES = [
  'age >= 30 and country in ["DE", "FR"]',
  'gender = "m" and age between 25 and 34 and did purchase in last 30 days',
  'consent.marketing and email ends with "@gmail.com"',
  'did purchase where category = "electronics" at least 2 times in last 365 days',
  'did cart_add in last 7 days and did not purchase in last 7 days',
  'lifecycle = "lapsed" and orders_count >= 3',
  'country in ["CN", "TW", "HK", "SG", "VN", "KR"] and birthday anniversary within next 30 days',
  'interests contains any ["running", "cycling"] and sum(purchase.amount_usd in last 365 days) > 200',
];

const TIME_ZONES = [
  'UTC', 'Europe/London', 'Europe/Berlin', 'Europe/Paris', 'Europe/Moscow', 'America/New_York', 'America/Chicago',
  'America/Los_Angeles', 'America/Sao_Paulo', 'America/Mexico_City', 'Asia/Kolkata', 'Asia/Shanghai', 'Asia/Tokyo',
  'Asia/Seoul', 'Asia/Ho_Chi_Minh', 'Asia/Riyadh', 'Asia/Dubai', 'Asia/Jerusalem', 'Asia/Tashkent',
  'Australia/Sydney', 'Africa/Cairo', 'Pacific/Auckland',
];

const state = {
  profiles: [],
  segment: null,
  template: null,
  matches: null, // Uint8Array: 1 member, 0 not, for the current segment and clock
  run: 0, // generation counter to cancel stale evaluations
  ready: false,
};

// ─── Helpers ──────────────────────────────────────────────────────────────────

const fmt = new Intl.NumberFormat('en-US');

function setStatus(text) {
  els.status.textContent = text;
}

function evalOptions() {
  return { asOf: state.asOf, timeZone: state.timeZone };
}

/** Shows a KaleidoError (or any error) in one of the error boxes. */
function showError(box, err) {
  if (!err) {
    box.hidden = true;
    box.removeAttribute('data-line');
    box.removeAttribute('data-column');
    box.removeAttribute('data-kind');
    return;
  }
  const isKaleido = err instanceof KaleidoError || (err && typeof err.kind === 'string');
  const kind = isKaleido ? err.kind : 'error';
  box.hidden = false;
  box.dataset.kind = kind;
  box.querySelector('.error-kind').textContent = `${kind} error:`;
  box.querySelector('[data-testid$="-error-message"]').textContent = err.message ?? String(err);
  const pos = box.querySelector('.error-position');
  if (isKaleido && Number.isInteger(err.line)) {
    box.dataset.line = String(err.line);
    box.dataset.column = String(err.column ?? '');
    pos.textContent = `(line ${err.line}, column ${err.column})`;
  } else {
    box.removeAttribute('data-line');
    box.removeAttribute('data-column');
    pos.textContent = '';
  }
  const snippet = box.querySelector('.snippet');
  snippet.textContent = (isKaleido && err.snippet) || '';
  snippet.hidden = !snippet.textContent;
}

function parseAsOf(text) {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return t;
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

// ─── Data ─────────────────────────────────────────────────────────────────────

function generate() {
  const count = Number(els.listSize.value);
  const seed = Number(els.seed.value) >>> 0;
  const t0 = performance.now();
  state.profiles = generateProfiles({ count, seed, asOf: DEFAULT_AS_OF });
  const ms = performance.now() - t0;
  let events = 0;
  const countries = new Set();
  for (const p of state.profiles) {
    events += p.events.length;
    countries.add(p.country);
  }
  els.summary.textContent = `${fmt.format(count)} subscribers, ${fmt.format(events)} events, ${countries.size} countries; generated from seed ${seed} in ${Math.round(ms)} ms (data as of ${DEFAULT_AS_OF}).`;
  els.countTotal.textContent = fmt.format(count);
  fillSubscriberPicker();
}

function fillSubscriberPicker() {
  const keep = els.subscriber.value;
  const frag = document.createDocumentFragment();
  const limit = Math.min(state.profiles.length, 500);
  for (let i = 0; i < limit; i++) {
    const p = state.profiles[i];
    const opt = document.createElement('option');
    opt.value = String(i);
    opt.textContent = `${p.id} · ${displayName(p)} · ${p.country} · ${p.age ?? 'age ?'}`;
    frag.append(opt);
  }
  els.subscriber.replaceChildren(frag);
  if (keep && Number(keep) < limit) els.subscriber.value = keep;
}

function selectedProfile() {
  return state.profiles[Number(els.subscriber.value)] ?? state.profiles[0];
}

// ─── Segment ──────────────────────────────────────────────────────────────────

function compileRule() {
  const text = els.rule.value;
  try {
    const seg = Segment.parse(text);
    state.segment?.free?.();
    state.segment = seg;
    showError(els.ruleError, null);
    els.rule.setAttribute('aria-invalid', 'false');
    return true;
  } catch (err) {
    state.segment?.free?.();
    state.segment = null;
    showError(els.ruleError, err);
    els.rule.setAttribute('aria-invalid', 'true');
    return false;
  }
}

/** Counts the members in slices so typing never blocks for long. */
async function evaluate() {
  const run = ++state.run;
  const text = els.rule.value;
  els.count.dataset.state = 'running';
  els.count.dataset.rule = text;
  els.count.dataset.asOf = state.asOf;
  els.count.dataset.timeZone = state.timeZone;
  state.matches = null;
  if (!state.segment) {
    els.countValue.textContent = '–';
    els.countTime.textContent = '';
    els.count.dataset.state = 'error';
    delete els.count.dataset.value;
    renderSubscriber();
    return;
  }
  const seg = state.segment;
  const opts = evalOptions();
  const profiles = state.profiles;
  const matches = new Uint8Array(profiles.length);
  let n = 0;
  const t0 = performance.now();
  try {
    const SLICE = 2000;
    for (let start = 0; start < profiles.length; start += SLICE) {
      const end = Math.min(profiles.length, start + SLICE);
      for (let i = start; i < end; i++) {
        if (seg.test(profiles[i], opts)) {
          matches[i] = 1;
          n++;
        }
      }
      if (end < profiles.length) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (run !== state.run) return;
      }
    }
  } catch (err) {
    if (run !== state.run) return;
    showError(els.ruleError, err);
    els.countValue.textContent = '–';
    els.count.dataset.state = 'error';
    delete els.count.dataset.value;
    return;
  }
  if (run !== state.run) return;
  const ms = performance.now() - t0;
  state.matches = matches;
  els.countValue.textContent = fmt.format(n);
  els.countTime.textContent = `(${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms)`;
  els.count.dataset.value = String(n);
  els.count.dataset.state = 'done';
  renderSubscriber();
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

function renderSubscriber() {
  const p = selectedProfile();
  if (!p) return;
  const json = JSON.stringify(p, null, 2);
  els.profileJson.textContent = json.length > 20000 ? json.slice(0, 20000) + '\n…' : json;
  const seg = state.segment;
  els.explain.replaceChildren();
  if (!seg) {
    els.membership.textContent = 'Fix the rule to see whether this subscriber matches.';
    delete els.membership.dataset.member;
  } else {
    let member;
    try {
      member = seg.test(p, evalOptions());
      els.membership.textContent = `${displayName(p)} (${p.id}) ${member ? 'is' : 'is not'} in the segment.`;
      els.membership.dataset.member = String(member);
    } catch (err) {
      els.membership.textContent = `Cannot evaluate: ${err.message}`;
      delete els.membership.dataset.member;
    }
    if (typeof seg.explain === 'function') {
      try {
        const tree = seg.explain(p, evalOptions());
        const ul = document.createElement('ul');
        ul.className = 'explain-tree';
        ul.append(explanationNode(tree));
        els.explain.append(ul);
      } catch (err) {
        const msg = document.createElement('p');
        msg.className = 'error-text';
        msg.textContent = `explain: ${err.message}`;
        els.explain.append(msg);
      }
    } else {
      const msg = document.createElement('p');
      msg.className = 'muted';
      msg.textContent = 'This build of the package has no explain().';
      els.explain.append(msg);
    }
  }
  renderTemplate();
}

function step(wantMember) {
  if (!state.matches) return;
  const n = state.profiles.length;
  const from = Number(els.subscriber.value);
  const limit = Math.min(n, els.subscriber.options.length);
  for (let k = 1; k <= limit; k++) {
    const i = (from + k) % limit;
    if ((state.matches[i] === 1) === wantMember) {
      els.subscriber.value = String(i);
      renderSubscriber();
      return;
    }
  }
  els.membership.textContent = wantMember ? 'No member among the listed subscribers.' : 'Every listed subscriber is a member.';
}

// ─── Template ─────────────────────────────────────────────────────────────────

function compileTemplate() {
  try {
    const tpl = Template.compile(els.template.value);
    state.template?.free?.();
    state.template = tpl;
    showError(els.templateError, null);
    els.template.setAttribute('aria-invalid', 'false');
  } catch (err) {
    state.template?.free?.();
    state.template = null;
    showError(els.templateError, err);
    els.template.setAttribute('aria-invalid', 'true');
  }
}

function renderTemplate() {
  const p = selectedProfile();
  if (!state.template || !p) {
    els.preview.srcdoc = '';
    els.preview.dataset.state = 'error';
    return;
  }
  try {
    const html = state.template.render(p, { ...evalOptions(), locale: p.locale, currency: p.currency });
    const lang = (p.locale ?? 'en').replace(/[^A-Za-z0-9-]/g, '');
    const rtl = /^(ar|he|fa|ur)\b/.test(lang);
    // The rendered HTML goes into a sandboxed iframe (no scripts, opaque origin).
    els.preview.srcdoc = `<!doctype html><html lang="${lang}" dir="${rtl ? 'rtl' : 'ltr'}"><head><meta charset="utf-8"><style>body{font:16px/1.5 system-ui,sans-serif;margin:1rem;color:#1b1b1f;background:#fff}</style></head><body>${html}</body></html>`;
    els.preview.dataset.html = html;
    els.preview.dataset.state = 'done';
    showError(els.templateError, null);
  } catch (err) {
    els.preview.srcdoc = '';
    els.preview.dataset.state = 'error';
    showError(els.templateError, err);
  }
}

// ─── Wiring ───────────────────────────────────────────────────────────────────

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

function applyClock() {
  const asOf = parseAsOf(els.asOf.value);
  const tzText = els.timeZone.value.trim() || 'UTC';
  const tzOk = validTimeZone(tzText);
  els.asOfError.hidden = asOf !== null;
  els.asOfError.textContent = asOf === null ? 'Use a date (2025-12-01) or an RFC 3339 date-time (2025-12-01T09:00:00Z).' : '';
  els.asOf.setAttribute('aria-invalid', String(asOf === null));
  els.timeZone.setAttribute('aria-invalid', String(!tzOk));
  if (asOf === null || !tzOk) return false;
  state.asOf = asOf;
  state.timeZone = tzText;
  return true;
}

function wire() {
  const onRule = debounce(() => {
    compileRule();
    evaluate();
  }, 120);
  els.rule.addEventListener('input', onRule);
  const onClock = debounce(() => {
    if (applyClock()) evaluate();
  }, 200);
  els.asOf.addEventListener('input', onClock);
  els.timeZone.addEventListener('input', onClock);
  els.timeZone.addEventListener('change', onClock);
  const regenerate = () => {
    setStatus('Generating sample subscribers…');
    // Let the status paint before the (synchronous) generation.
    setTimeout(() => {
      generate();
      setStatus('Ready.');
      evaluate();
    }, 0);
  };
  els.listSize.addEventListener('change', regenerate);
  els.seed.addEventListener('change', regenerate);
  els.subscriber.addEventListener('change', renderSubscriber);
  els.nextMatch.addEventListener('click', () => step(true));
  els.nextNonMatch.addEventListener('click', () => step(false));
  els.template.addEventListener('input', debounce(() => {
    compileTemplate();
    renderTemplate();
  }, 120));
  for (const rule of EXAMPLES) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'link';
    b.textContent = rule;
    b.addEventListener('click', () => {
      els.rule.value = rule;
      els.rule.dispatchEvent(new Event('input'));
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
}

async function main() {
  els.asOf.value = DEFAULT_AS_OF;
  els.seed.value = String(DEFAULT_SEED);
  applyClock();
  wire();
  try {
    await init();
  } catch (err) {
    document.body.dataset.state = 'failed';
    setStatus(`Could not load the WebAssembly module: ${err.message}`);
    throw err;
  }
  els.version.textContent = version();
  setStatus('Generating sample subscribers…');
  await new Promise((resolve) => setTimeout(resolve, 0));
  generate();
  compileRule();
  compileTemplate();
  await evaluate();
  state.ready = true;
  document.body.dataset.state = 'ready';
  setStatus('Ready.');
}

main();
