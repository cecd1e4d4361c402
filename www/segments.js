// The editor's preloaded segment library: classic e-mail marketing segments
// written in the Kaleido segment language for the sample data (www/sample-data.js).
// Plain data, shared by the editor page, its worker and the browser tests.
//
// `needs` names a capability of the package a segment depends on; the editor
// shows such a segment as "not available in this build" until the package has it.

/** @typedef {{ name: string, rule: string, description: string, needs?: string }} LibrarySegment */

/** East Asian markets that celebrate the Mid-Autumn Festival (Chuseok in KR). */
export const EAST_ASIA = ['CN', 'TW', 'HK', 'SG', 'VN', 'KR'];

/** @type {LibrarySegment[]} */
export const SEGMENT_LIBRARY = [
  {
    name: 'new subscribers',
    rule: 'signup_date within last 30 days',
    description: 'Signed up in the last 30 days.',
  },
  {
    name: 'frequent buyers',
    rule: 'count(purchase in last 90 days) >= 3',
    description: 'Three or more purchases in the last 90 days.',
  },
  {
    name: 'lapsed 6 months',
    rule: 'did purchase and did not purchase in last 6 months',
    description: 'Customers whose last purchase is more than six months old.',
  },
  {
    name: 'men 25-34, bought in 30 days',
    rule: 'gender = "m" and age between 25 and 34 and did purchase in last 30 days',
    description: 'Men aged 25 to 34 who bought something in the last 30 days.',
  },
  {
    name: 'cart abandoners',
    rule: 'did cart_add then did not purchase where same product_id within 2 days in last 14 days',
    description: 'Added a product to the cart in the last 14 days and did not buy it within 2 days.',
  },
  {
    name: 'viewed but not bought',
    rule: 'did product_view in last 30 days and did not purchase in last 30 days',
    description: 'Browsed products in the last 30 days without buying.',
  },
  {
    name: 'inactive openers',
    rule: 'consent.marketing and last email_open more than 60 days ago',
    description: 'Marketing consent, used to open e-mails, but not in the last 60 days.',
  },
  {
    name: 'high value',
    rule: 'sum(purchase.amount_usd in last 365 days) > 500',
    description: 'Spent more than 500 USD in the last year.',
  },
  {
    name: 'Mid-Autumn, East Asia',
    rule: `country in ${JSON.stringify(EAST_ASIA).replace(/,/g, ', ')} and consent.marketing and did purchase in last 365 days`,
    description: 'Customers in markets that celebrate the Mid-Autumn Festival, with marketing consent.',
  },
  {
    name: 'VIP',
    rule: 'in segment "high value" and orders_count >= 5 and consent.marketing',
    description: 'High value, five or more orders, reachable by e-mail.',
  },
  {
    name: 'predicted churn risk',
    rule: 'predicted.churn_risk > 0.7 and orders_count >= 2',
    description: 'Repeat customers the purchase model thinks are likely gone (needs predicted fields).',
    needs: 'predict',
  },
];
