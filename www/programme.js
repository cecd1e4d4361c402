// How the preference centre connects a sample subscriber (www/sample-data.js)
// and their preferences to the package's example campaign programme
// (`Campaigns.examples()`, docs/campaigns.md). Pure functions, no DOM: the page
// and the browser tests both use them, and the tests check the page against
// the package's own simulation of their output.
//
// The example programme reads `timeZone`, `locale`, `region`, `country`,
// `signup_source`, `interests`, `consent.email` and the events `signup`,
// `cart_add` (`value`), `purchase` (`amount`), `open`, `click`. The sample
// data names some of these differently; `programmeProfile` renames them (and
// nothing is invented: a `signup` event is placed at noon UTC of the sample's
// `signup_date`, and `value` of a cart add is its `amount` in the
// subscriber's currency).
//
// Preferences change the programme for this subscriber:
// - consent (e-mail marketing) → `consent.email`, which the programme's
//   consent rule requires at every send;
// - frequency → the programme's frequency cap (FREQUENCY_CAPS);
// - topics → campaigns about a topic get `preferences.topics contains any
//   [...]` added to their audience (TOPIC_RULES); service messages (welcome,
//   cart, birthday, re-engagement) do not depend on topics;
// - language → the locale (`<language>-<country>`) that picks each
//   campaign's localized content.

/** Newsletter topics a subscriber can choose. */
export const TOPICS = ['new_arrivals', 'sales', 'stories', 'events'];

/** Frequencies a subscriber can choose, and the frequency cap each one means. */
export const FREQUENCY_CAPS = {
  daily: { messages: 7, days: 7 },
  weekly: { messages: 2, days: 7 },
  monthly: { messages: 2, days: 30 },
};

/** Which topics a campaign is about (a subscriber needs at least one of them). */
export const TOPIC_RULES = {
  newsletter: ['new_arrivals', 'stories'],
  loyalty_offer: ['sales'],
  christmas: ['sales', 'events'],
  lunar_new_year: ['sales', 'events'],
  mid_autumn: ['sales', 'events'],
  diwali: ['sales', 'events'],
  eid_al_fitr: ['sales', 'events'],
};

const REGION = {
  EU: ['GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'PL'],
  NA: ['US', 'CA', 'MX'],
  APAC: ['IN', 'CN', 'JP', 'KR', 'VN', 'TW', 'HK', 'SG', 'AU'],
  MENA: ['SA', 'AE', 'IL', 'EG'],
  LATAM: ['BR'],
  CIS: ['RU', 'UZ'],
};

/** The programme's region of a country (EU, NA, APAC, MENA, LATAM, CIS). */
export function regionOf(country) {
  for (const [region, list] of Object.entries(REGION)) if (list.includes(country)) return region;
  return 'OTHER';
}

const SOURCE = { checkout: 'checkout', web_form: 'form', popup: 'form', social_ads: 'social' };

/** A subscriber's stored preferences, as the form starts with them. */
export function storedPreferences(profile) {
  return {
    topics: [...(profile.preferences?.topics ?? [])],
    frequency: profile.preferences?.frequency ?? 'weekly',
    language: profile.language ?? 'en',
    consent: profile.consent?.marketing === true,
  };
}

/** The locale tag for a language chosen by a subscriber in `country`. */
export function localeFor(language, country) {
  return country ? `${language}-${country}` : language;
}

/** The profile as the example programme reads it (see the top of this file). */
export function programmeProfile(profile, prefs) {
  const events = [];
  if (profile.signup_date) events.push({ type: 'signup', at: `${profile.signup_date}T12:00:00Z` });
  for (const e of profile.events ?? []) {
    if (e.type === 'purchase') events.push({ type: 'purchase', at: e.at, amount: e.amount, category: e.category });
    else if (e.type === 'cart_add') events.push({ type: 'cart_add', at: e.at, value: e.amount, category: e.category });
    else if (e.type === 'email_open') events.push({ type: 'open', at: e.at, campaign: e.campaign });
    else if (e.type === 'email_click') events.push({ type: 'click', at: e.at, campaign: e.campaign });
  }
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const out = {
    id: profile.id,
    first_name: profile.first_name,
    country: profile.country,
    region: regionOf(profile.country),
    locale: localeFor(prefs.language, profile.country),
    signup_source: SOURCE[profile.signup_source] ?? profile.signup_source,
    interests: profile.interests ?? [],
    consent: { email: prefs.consent },
    preferences: { topics: [...prefs.topics], frequency: prefs.frequency },
    events,
  };
  if (profile.timezone) out.timeZone = profile.timezone;
  if (profile.city) out.city = profile.city;
  if (profile.birthday) out.birthday = profile.birthday;
  return out;
}

/** The example programme with this subscriber's frequency and topics applied. */
export function programmeFor(examples, prefs) {
  const programme = structuredClone(examples);
  programme.frequencyCap = { ...(FREQUENCY_CAPS[prefs.frequency] ?? FREQUENCY_CAPS.weekly) };
  for (const c of programme.campaigns) {
    const topics = TOPIC_RULES[c.name];
    if (!topics) continue;
    const gate = `preferences.topics contains any ${JSON.stringify(topics).replace(/,/g, ', ')}`;
    c.audience = c.audience ? `(${c.audience}) and ${gate}` : gate;
  }
  return programme;
}

/** The simulation window: 30 days from the data clock. */
export function window30(asOf) {
  const from = new Date(Date.parse(asOf));
  const to = new Date(from.getTime() + 30 * 86400000);
  return { from: from.toISOString().replace('.000Z', 'Z'), to: to.toISOString().replace('.000Z', 'Z') };
}
