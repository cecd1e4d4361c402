// Kaleido preference centre: a subscriber edits consent, topics, frequency and
// language, and sees at once which e-mails the example programme would send
// them in the next 30 days (`Campaigns.simulate`), with a preview of the next
// one in their language and time zone. Uses only the package's public API.
//
// URL: preferences.html?id=sub-0000042 (optionally &seed=1).

import * as kaleido from './pkg/index.js';
import { profileAt, DEFAULT_AS_OF, DEFAULT_SEED, LANGUAGES } from './sample-data.js';
import { TOPICS, FREQUENCY_CAPS, storedPreferences, programmeProfile, programmeFor, window30, localeFor } from './programme.js';

const { init, version, Campaigns } = kaleido;
const PICKER_SIZE = 200;

// ─── UI strings (the page's own chrome; e-mail content comes from the programme) ─

const STRINGS = {
  en: {
    skip: 'Skip to your preferences', title: 'Your e-mail preferences',
    lede: 'Choose what we send you and how often. The list updates as you change anything.',
    who: 'Subscriber', choose: 'Sample subscriber', id: 'Subscriber id', prefs: 'Preferences', 'consent-legend': 'Consent',
    consent: 'Send me marketing e-mails', 'consent-help': 'Without consent you receive no marketing e-mails at all.',
    topics: 'Topics', frequency: 'How often', language: 'Language', reset: 'Reset to saved preferences',
    plan: 'What you would receive in the next 30 days', suppressed: 'Not sent, and why', next: 'Next e-mail', how: 'How this works',
    new_arrivals: 'New arrivals', sales: 'Sales and offers', stories: 'Stories', events: 'Events and holidays',
    daily: 'As often as there is news', weekly: 'At most twice a week', monthly: 'At most twice a month',
    count: (n) => (n === 1 ? '1 e-mail' : `${n} e-mails`), none: 'No e-mails in this period.', nonext: 'Nothing is scheduled.',
    reason: { consent: 'no consent', cap: 'over your frequency limit', holdout: 'control group', condition: 'condition not met', exit: 'series ended' },
  },
  de: {
    skip: 'Zu deinen Einstellungen springen', title: 'Deine E-Mail-Einstellungen',
    lede: 'Wähle, was wir dir schicken und wie oft. Die Liste ändert sich sofort mit.',
    who: 'Abonnent', choose: 'Beispiel-Abonnent', id: 'Abonnenten-ID', prefs: 'Einstellungen', 'consent-legend': 'Einwilligung',
    consent: 'Schickt mir Werbe-E-Mails', 'consent-help': 'Ohne Einwilligung bekommst du keine Werbe-E-Mails.',
    topics: 'Themen', frequency: 'Wie oft', language: 'Sprache', reset: 'Gespeicherte Einstellungen',
    plan: 'Das bekommst du in den nächsten 30 Tagen', suppressed: 'Nicht gesendet, und warum', next: 'Nächste E-Mail', how: 'So funktioniert es',
    new_arrivals: 'Neuheiten', sales: 'Angebote', stories: 'Geschichten', events: 'Events und Feiertage',
    daily: 'So oft es Neues gibt', weekly: 'Höchstens zweimal pro Woche', monthly: 'Höchstens zweimal im Monat',
    count: (n) => (n === 1 ? '1 E-Mail' : `${n} E-Mails`), none: 'Keine E-Mails in diesem Zeitraum.', nonext: 'Nichts geplant.',
    reason: { consent: 'keine Einwilligung', cap: 'über deinem Limit', holdout: 'Kontrollgruppe', condition: 'Bedingung nicht erfüllt', exit: 'Serie beendet' },
  },
  fr: {
    skip: 'Aller à vos préférences', title: 'Vos préférences e-mail',
    lede: 'Choisissez ce que nous vous envoyons et à quelle fréquence. La liste se met à jour immédiatement.',
    who: 'Abonné', choose: 'Abonné d’exemple', id: 'Identifiant', prefs: 'Préférences', 'consent-legend': 'Consentement',
    consent: 'Envoyez-moi des e-mails marketing', 'consent-help': 'Sans consentement, vous ne recevez aucun e-mail marketing.',
    topics: 'Sujets', frequency: 'Fréquence', language: 'Langue', reset: 'Rétablir mes préférences',
    plan: 'Ce que vous recevrez dans les 30 prochains jours', suppressed: 'Non envoyés, et pourquoi', next: 'Prochain e-mail', how: 'Comment ça marche',
    new_arrivals: 'Nouveautés', sales: 'Promotions', stories: 'Histoires', events: 'Événements et fêtes',
    daily: 'Dès qu’il y a du nouveau', weekly: 'Deux fois par semaine au plus', monthly: 'Deux fois par mois au plus',
    count: (n) => (n <= 1 ? `${n} e-mail` : `${n} e-mails`), none: 'Aucun e-mail sur cette période.', nonext: 'Rien de prévu.',
    reason: { consent: 'pas de consentement', cap: 'au-delà de votre limite', holdout: 'groupe témoin', condition: 'condition non remplie', exit: 'série terminée' },
  },
  es: {
    skip: 'Ir a tus preferencias', title: 'Tus preferencias de correo',
    lede: 'Elige qué te enviamos y con qué frecuencia. La lista se actualiza al instante.',
    who: 'Suscriptor', choose: 'Suscriptor de ejemplo', id: 'ID de suscriptor', prefs: 'Preferencias', 'consent-legend': 'Consentimiento',
    consent: 'Quiero recibir correos de marketing', 'consent-help': 'Sin consentimiento no recibes ningún correo de marketing.',
    topics: 'Temas', frequency: 'Frecuencia', language: 'Idioma', reset: 'Volver a las preferencias guardadas',
    plan: 'Lo que recibirías en los próximos 30 días', suppressed: 'No enviados, y por qué', next: 'Próximo correo', how: 'Cómo funciona',
    new_arrivals: 'Novedades', sales: 'Ofertas', stories: 'Historias', events: 'Eventos y festividades',
    daily: 'Siempre que haya novedades', weekly: 'Como mucho dos veces por semana', monthly: 'Como mucho dos veces al mes',
    count: (n) => (n === 1 ? '1 correo' : `${n} correos`), none: 'Ningún correo en este periodo.', nonext: 'No hay nada programado.',
    reason: { consent: 'sin consentimiento', cap: 'supera tu límite', holdout: 'grupo de control', condition: 'no cumple la condición', exit: 'serie terminada' },
  },
  ar: {
    skip: 'انتقل إلى تفضيلاتك', title: 'تفضيلات البريد الإلكتروني',
    lede: 'اختر ما نرسله إليك وعدد المرات. تتحدّث القائمة فور أي تغيير.',
    who: 'المشترك', choose: 'مشترك من العيّنة', id: 'معرّف المشترك', prefs: 'التفضيلات', 'consent-legend': 'الموافقة',
    consent: 'أرسلوا لي رسائل تسويقية', 'consent-help': 'من دون موافقتك لن تصلك أي رسائل تسويقية.',
    topics: 'المواضيع', frequency: 'عدد المرات', language: 'اللغة', reset: 'استعادة التفضيلات المحفوظة',
    plan: 'ما سيصلك خلال الأيام الثلاثين القادمة', suppressed: 'رسائل لن تُرسل، والسبب', next: 'الرسالة التالية', how: 'كيف يعمل هذا',
    new_arrivals: 'وصل حديثًا', sales: 'العروض والتخفيضات', stories: 'قصص', events: 'الفعاليات والمناسبات',
    daily: 'كلما توفّر جديد', weekly: 'مرتان في الأسبوع على الأكثر', monthly: 'مرتان في الشهر على الأكثر',
    count: (n) => `عدد الرسائل: ${n}`, none: 'لن تصلك أي رسائل في هذه الفترة.', nonext: 'لا شيء مجدول.',
    reason: { consent: 'لا توجد موافقة', cap: 'تجاوز الحد الذي اخترته', holdout: 'مجموعة ضابطة', condition: 'الشرط غير متحقق', exit: 'انتهت السلسلة' },
  },
  he: {
    skip: 'דלגו להעדפות שלכם', title: 'העדפות הדוא״ל שלכם',
    lede: 'בחרו מה נשלח אליכם ובאיזו תדירות. הרשימה מתעדכנת מיד.',
    who: 'מנוי', choose: 'מנוי לדוגמה', id: 'מזהה מנוי', prefs: 'העדפות', 'consent-legend': 'הסכמה',
    consent: 'שלחו לי דיוור שיווקי', 'consent-help': 'ללא הסכמה לא יישלח אליכם דיוור שיווקי.',
    topics: 'נושאים', frequency: 'תדירות', language: 'שפה', reset: 'חזרה להעדפות השמורות',
    plan: 'מה תקבלו ב־30 הימים הקרובים', suppressed: 'מה לא יישלח, ולמה', next: 'ההודעה הבאה', how: 'איך זה עובד',
    new_arrivals: 'מוצרים חדשים', sales: 'מבצעים', stories: 'כתבות', events: 'אירועים וחגים',
    daily: 'בכל פעם שיש חדש', weekly: 'עד פעמיים בשבוע', monthly: 'עד פעמיים בחודש',
    count: (n) => `מספר הודעות: ${n}`, none: 'לא יישלחו אליכם הודעות בתקופה הזו.', nonext: 'לא מתוכנן דבר.',
    reason: { consent: 'אין הסכמה', cap: 'מעל המגבלה שבחרתם', holdout: 'קבוצת ביקורת', condition: 'התנאי לא התקיים', exit: 'הסדרה הסתיימה' },
  },
};

const $ = (id) => document.getElementById(id);
const els = {
  status: $('status'), version: $('version'), subscriber: $('pc-subscriber'), id: $('pc-id'), idError: $('pc-id-error'),
  who: $('pc-who'), consent: $('pc-consent'), topics: $('pc-topics'), frequency: $('pc-frequency'), language: $('pc-language'),
  reset: $('pc-reset'), window: $('pc-window'), summary: $('pc-summary'), messages: $('pc-messages'), suppressed: $('pc-suppressed'),
  nextWhen: $('pc-next-when'), nextSubject: $('pc-next-subject'), nextPreview: $('pc-next-preview'), nextFrame: $('pc-next-frame'),
  next: $('pc-next'), profile: $('pc-profile'),
};

const state = { seed: DEFAULT_SEED, index: 0, profile: null, prefs: null, examples: null, last: null };
window.__kaleidoPrefs = state; // read-only inspection for tests

function langDir(tag) {
  const lang = String(tag ?? 'en').replace(/[^A-Za-z0-9-]/g, '') || 'en';
  return { lang, dir: /^(ar|he|fa|ur)\b/.test(lang) ? 'rtl' : 'ltr' };
}

/** Text of an HTML fragment (subjects are rendered, HTML-escaped templates), parsed inertly. */
function htmlText(html) {
  return new DOMParser().parseFromString(`<body>${html}`, 'text/html').body.textContent ?? '';
}

function uiStrings() {
  return STRINGS[state.prefs?.language] ?? STRINGS.en;
}

/** Applies the UI language: translated strings, `lang` and `dir` on <html>. */
function applyUiLanguage() {
  const code = STRINGS[state.prefs.language] ? state.prefs.language : 'en';
  const t = STRINGS[code];
  const { dir } = langDir(code);
  document.documentElement.lang = code;
  document.documentElement.dir = dir;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t[node.dataset.i18n] ?? STRINGS.en[node.dataset.i18n];
  document.title = `Kaleido: ${t.title}`;
  for (const input of els.topics.querySelectorAll('input')) input.nextElementSibling.textContent = t[input.value];
  for (const input of els.frequency.querySelectorAll('input')) input.nextElementSibling.textContent = t[input.value];
}

function languageName(code) {
  try {
    return new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

function formatWhen(instant, locale, timeZone) {
  if (typeof kaleido.formatDate === 'function') {
    try {
      return kaleido.formatDate(instant, locale, { timeZone, style: 'full', time: true });
    } catch {
      // fall through to Intl: e.g. a locale the package does not know
    }
  }
  return new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short', timeZone }).format(new Date(instant));
}

// ─── Form ─────────────────────────────────────────────────────────────────────

function buildForm() {
  for (const topic of TOPICS) {
    const label = document.createElement('label');
    label.className = 'check';
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.name = 'topics';
    input.value = topic;
    input.id = `pc-topic-${topic}`;
    input.dataset.testid = `pc-topic-${topic}`;
    const span = document.createElement('span');
    label.append(input, span);
    els.topics.append(label);
  }
  for (const f of Object.keys(FREQUENCY_CAPS)) {
    const label = document.createElement('label');
    label.className = 'check';
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'frequency';
    input.value = f;
    input.id = `pc-frequency-${f}`;
    input.dataset.testid = `pc-frequency-${f}`;
    const span = document.createElement('span');
    label.append(input, span);
    els.frequency.append(label);
  }
  for (const code of LANGUAGES) {
    const opt = document.createElement('option');
    opt.value = code;
    opt.lang = code;
    opt.textContent = `${languageName(code)} (${code})`;
    els.language.append(opt);
  }
  const frag = document.createDocumentFragment();
  for (let i = 0; i < PICKER_SIZE; i++) {
    const p = profileAt(i, { seed: state.seed });
    const opt = document.createElement('option');
    opt.value = String(i);
    opt.textContent = `${p.id} · ${p.full_name} · ${p.country} · ${p.language}`;
    frag.append(opt);
  }
  els.subscriber.append(frag);
}

function showPrefs() {
  const p = state.prefs;
  els.consent.checked = p.consent;
  for (const input of els.topics.querySelectorAll('input')) input.checked = p.topics.includes(input.value);
  for (const input of els.frequency.querySelectorAll('input')) input.checked = input.value === p.frequency;
  els.language.value = p.language;
}

function readPrefs() {
  return {
    consent: els.consent.checked,
    topics: [...els.topics.querySelectorAll('input:checked')].map((i) => i.value),
    frequency: els.frequency.querySelector('input:checked')?.value ?? 'weekly',
    language: els.language.value,
  };
}

function idIndex(text) {
  const m = /^sub-(\d{1,7})$/.exec(String(text).trim());
  return m ? Number(m[1]) - 1 : -1;
}

function chooseSubscriber(index) {
  state.index = index;
  state.profile = profileAt(index, { seed: state.seed });
  state.prefs = storedPreferences(state.profile);
  const p = state.profile;
  if (index < PICKER_SIZE) els.subscriber.value = String(index);
  else {
    let extra = els.subscriber.querySelector('option[data-extra]');
    if (!extra) {
      extra = document.createElement('option');
      extra.dataset.extra = 'true';
      els.subscriber.append(extra);
    }
    extra.value = String(index);
    extra.textContent = `${p.id} · ${p.full_name} · ${p.country} · ${p.language}`;
    els.subscriber.value = String(index);
  }
  els.id.value = p.id;
  els.who.textContent = `${p.full_name} (${p.id}), ${p.city ?? p.city_size} ${p.country}, time zone ${p.timezone ?? 'unknown (UTC is used)'}, stored language ${p.language}.`;
  els.who.dataset.id = p.id;
  const url = new URL(location.href);
  url.searchParams.set('id', p.id);
  history.replaceState(null, '', url);
  showPrefs();
  update();
}

// ─── Simulation ───────────────────────────────────────────────────────────────

function update() {
  state.prefs = readPrefs();
  applyUiLanguage();
  const t = uiStrings();
  const p = state.profile;
  const locale = localeFor(state.prefs.language, p.country);
  const { lang, dir } = langDir(locale);
  const timeZone = p.timezone ?? 'UTC';
  const w = window30(DEFAULT_AS_OF);
  const profile = programmeProfile(p, state.prefs);
  els.profile.textContent = JSON.stringify({ ...profile, events: `${profile.events.length} events` }, null, 2);
  let messages;
  const campaigns = new Campaigns(programmeFor(state.examples, state.prefs));
  try {
    messages = campaigns.simulate(profile, { from: w.from, to: w.to, asOf: w.from, timeZone: 'UTC', includeSuppressed: true, includeBody: true });
  } catch (err) {
    els.summary.textContent = `Could not simulate: ${err.message}`;
    els.summary.dataset.state = 'error';
    return;
  } finally {
    campaigns.free();
  }
  state.last = { messages, locale, timeZone, window: w, prefs: state.prefs };
  els.window.lang = lang;
  els.window.textContent = `${formatWhen(w.from, locale, timeZone)} – ${formatWhen(w.to, locale, timeZone)} (${timeZone})`;
  const sent = messages.filter((m) => m.status === 'sent');
  const suppressed = messages.filter((m) => m.status !== 'sent');
  els.summary.textContent = sent.length ? t.count(sent.length) : t.none;
  els.summary.dataset.count = String(sent.length);
  els.summary.dataset.state = 'done';
  els.messages.replaceChildren(...sent.map((m) => messageItem(m, locale, lang, dir, timeZone)));
  els.suppressed.replaceChildren(...suppressed.map((m) => messageItem(m, locale, lang, dir, timeZone, t.reason[m.reason] ?? m.reason)));
  els.messages.dataset.count = String(sent.length);
  els.suppressed.dataset.count = String(suppressed.length);
  showNext(sent[0], locale, lang, dir, timeZone, t);
  document.body.dataset.state = 'ready';
  document.body.dataset.updates = String(Number(document.body.dataset.updates ?? 0) + 1);
}

function messageItem(m, locale, lang, dir, timeZone, reason) {
  const li = document.createElement('li');
  li.className = 'message';
  li.dataset.campaign = m.campaign;
  li.dataset.sendAt = m.sendAt;
  if (m.step) li.dataset.step = m.step;
  if (m.reason) li.dataset.reason = m.reason;
  const when = document.createElement('time');
  when.dateTime = m.sendAt;
  when.lang = lang;
  when.textContent = formatWhen(m.sendAt, locale, timeZone);
  const subject = document.createElement('span');
  subject.className = 'message-subject';
  subject.lang = m.locale ?? (lang.startsWith('en') ? lang : 'en');
  if (m.locale) subject.lang = langDir(m.locale).lang;
  subject.dir = 'auto';
  subject.textContent = htmlText(m.subject);
  const tag = document.createElement('span');
  tag.className = 'message-campaign muted';
  tag.textContent = `${m.campaign}${m.step ? ` · ${m.step}` : ''}${m.variant ? ` · ${m.variant}` : ''}${reason ? ` · ${reason}` : ''}`;
  li.append(when, subject, tag);
  return li;
}

function showNext(m, locale, lang, dir, timeZone, t) {
  els.next.dataset.campaign = m?.campaign ?? '';
  els.next.dataset.sendAt = m?.sendAt ?? '';
  if (!m) {
    els.nextWhen.textContent = t.nonext;
    els.nextSubject.textContent = '';
    els.nextPreview.textContent = '';
    els.nextFrame.srcdoc = '';
    els.nextFrame.hidden = true;
    return;
  }
  // The content block the programme chose (m.locale) decides the e-mail's language.
  const content = langDir(m.locale ?? 'en');
  els.nextWhen.lang = lang;
  els.nextWhen.textContent = `${formatWhen(m.sendAt, locale, timeZone)} (${timeZone})`;
  els.nextSubject.lang = content.lang;
  els.nextSubject.dir = content.dir;
  els.nextSubject.textContent = htmlText(m.subject);
  els.nextPreview.lang = content.lang;
  els.nextPreview.dir = content.dir;
  els.nextPreview.textContent = htmlText(m.preview ?? '');
  const bodyHtml = m.body ? m.body : `<h1>${m.subject}</h1><p>${m.preview ?? ''}</p>`;
  els.nextFrame.hidden = false;
  els.nextFrame.dataset.html = bodyHtml;
  els.nextFrame.srcdoc = `<!doctype html><html lang="${content.lang}" dir="${content.dir}"><head><meta charset="utf-8"><style>body{font:16px/1.5 system-ui,sans-serif;margin:1rem;color:#1b1b1f;background:#fff}h1{font-size:1.3rem}</style></head><body>${bodyHtml}</body></html>`;
}

// ─── Start ────────────────────────────────────────────────────────────────────

async function main() {
  const params = new URLSearchParams(location.search);
  state.seed = Number(params.get('seed') ?? DEFAULT_SEED) >>> 0;
  try {
    await init();
  } catch (err) {
    document.body.dataset.state = 'failed';
    els.status.textContent = `Could not load the WebAssembly module: ${err.message}`;
    throw err;
  }
  els.version.textContent = version();
  state.examples = Campaigns.examples();
  buildForm();
  for (const el of [els.consent, els.language]) el.addEventListener('change', update);
  els.topics.addEventListener('change', update);
  els.frequency.addEventListener('change', update);
  els.subscriber.addEventListener('change', () => chooseSubscriber(Number(els.subscriber.value)));
  els.id.addEventListener('change', () => {
    const i = idIndex(els.id.value);
    const ok = i >= 0 && i < 10_000_000;
    els.idError.hidden = ok;
    els.idError.textContent = ok ? '' : 'Use an id like sub-0000042.';
    els.id.setAttribute('aria-invalid', String(!ok));
    if (ok) chooseSubscriber(i);
  });
  els.reset.addEventListener('click', () => {
    state.prefs = storedPreferences(state.profile);
    showPrefs();
    update();
  });
  const wanted = idIndex(params.get('id') ?? '');
  if (params.get('id') && wanted < 0) {
    els.idError.hidden = false;
    els.idError.textContent = `No subscriber ${params.get('id')}; showing the first one.`;
  }
  els.status.textContent = 'Ready.';
  chooseSubscriber(wanted >= 0 ? wanted : 0);
}

main();
