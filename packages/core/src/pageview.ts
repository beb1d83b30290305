import { truncate } from './properties.js';

/**
 * R17: what a page load tells about where a visitor came from. The browser sends only the URL and
 * the referrer; the collector derives these fields with this one function, so the SDK stays small.
 */
export interface PageviewInfo {
  'Initial Referrer': string;
  'Initial Referring Domain': string;
  'Initial Landing Page': string;
  'Initial UTM Source': string;
  'Initial UTM Medium': string;
  'Initial UTM Term': string;
  'Initial UTM Content': string;
  'Initial UTM Campaign': string;
  'Initial Marketing Channel': MarketingChannel;
}

export type MarketingChannel =
  | 'Direct'
  | 'Paid Search'
  | 'Organic Search'
  | 'Paid Social'
  | 'Social'
  | 'Email'
  | 'Affiliate'
  | 'Display'
  | 'Referral'
  | 'Internal'
  | 'Other';

const SEARCH = /(^|\.)(google|bing|yahoo|duckduckgo|baidu|yandex|ecosia|qwant|startpage|naver|seznam|ask)\./;
const SOCIAL =
  /(^|\.)(facebook|fb|instagram|twitter|x|t|linkedin|lnkd|reddit|pinterest|tiktok|youtube|threads|mastodon|bsky|snapchat|quora|vk|whatsapp|telegram)\.(com|co|net|org|me|social|app|in|ru)$/;
const PAID_MEDIUM = /^(cpc|ppc|paid|paidsearch|paid_search|cpv|cpa)$/;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * The marketing channel, by these rules in order (documented in docs/contracts.md):
 * 1. utm_medium email/e-mail/newsletter -> Email; affiliate -> Affiliate; display/banner/cpm -> Display.
 * 2. a paid medium (cpc, ppc, paid...) or a click id (gclid, msclkid, fbclid with paid) -> Paid Search
 *    when the source or referrer is a search engine (or gclid/msclkid), Paid Social when social.
 * 3. utm_medium social -> Social.
 * 4. referrer is a search engine -> Organic Search; a social network -> Social.
 * 5. referrer on the same site -> Internal; another site -> Referral.
 * 6. any other utm_medium or utm_source -> Other; nothing at all -> Direct.
 */
export function marketingChannel(landing: URL | null, referrer: URL | null): MarketingChannel {
  const q = landing?.searchParams;
  const medium = (q?.get('utm_medium') ?? '').toLowerCase();
  const source = (q?.get('utm_source') ?? '').toLowerCase();
  // A referrer without a host (data:, about:) tells nothing about where the visitor came from.
  if (!referrer?.hostname) referrer = null;
  const refHost = referrer?.hostname.toLowerCase() ?? '';
  const isSearch = SEARCH.test(`${source}.`) || SEARCH.test(refHost);
  // A source is a bare name (facebook) or a domain (facebook.com); fbclid marks Facebook traffic.
  const isSocial = SOCIAL.test(source) || SOCIAL.test(`${source}.com`) || SOCIAL.test(refHost) || q?.has('fbclid') === true;

  if (/^(e-?mail|newsletter)$/.test(medium)) return 'Email';
  if (medium === 'affiliate') return 'Affiliate';
  if (/^(display|banner|cpm)$/.test(medium)) return 'Display';
  const searchClick = q?.has('gclid') || q?.has('msclkid') || q?.has('gbraid') || q?.has('wbraid');
  if (searchClick) return 'Paid Search';
  if (PAID_MEDIUM.test(medium)) {
    // Paid traffic that is not from a social network is counted as search, the common case.
    return isSocial && !isSearch ? 'Paid Social' : 'Paid Search';
  }
  if (/^(social|social-network|social-media|sm)$/.test(medium)) return 'Social';
  if (!medium && !source && referrer) {
    if (SEARCH.test(refHost)) return 'Organic Search';
    if (SOCIAL.test(refHost)) return 'Social';
    if (landing && sameSite(landing.hostname, refHost)) return 'Internal';
    return 'Referral';
  }
  if (medium || source) return 'Other';
  return 'Direct';
}

/**
 * The site of a host without a public suffix list: its last two labels, or three under a second-level
 * country suffix (example.co.uk, example.com.au); an IP address is a site of its own.
 */
function site(host: string): string {
  const h = host.toLowerCase();
  if (/^[\d.]+$/.test(h) || h.includes(':')) return h;
  const labels = h.split('.');
  const second = labels[labels.length - 2] ?? '';
  const countrySuffix = (labels[labels.length - 1] ?? '').length === 2 && /^(co|com|net|org|gov|edu|ac|ne|or|go|gob|mil)$/.test(second);
  return labels.slice(countrySuffix ? -3 : -2).join('.');
}

/** Two hosts are the same site when they share their site (a host and its subdomains). */
function sameSite(a: string, b: string): boolean {
  return site(a) === site(b);
}

export function describePageview(url: string, referrer?: string | null): PageviewInfo {
  const landing = parse(url);
  const ref = referrer ? parse(referrer) : null;
  const q = landing?.searchParams;
  const utm = (k: string) => truncate(q?.get(`utm_${k}`) ?? '');
  return {
    'Initial Referrer': ref ? truncate(ref.href) : '',
    'Initial Referring Domain': ref?.hostname ?? '',
    'Initial Landing Page': truncate(landing ? `${landing.host}${landing.pathname}` : url),
    'Initial UTM Source': utm('source'),
    'Initial UTM Medium': utm('medium'),
    'Initial UTM Term': utm('term'),
    'Initial UTM Content': utm('content'),
    'Initial UTM Campaign': utm('campaign'),
    'Initial Marketing Channel': marketingChannel(landing, ref),
  };
}
