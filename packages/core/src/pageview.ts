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
const PAID_MEDIUM = /^(cpc|ppc|paid|paidsearch|paid_search|cpm|cpv|cpa)$/;

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
  const refHost = referrer?.hostname.toLowerCase() ?? '';
  const isSearch = SEARCH.test(`${source}.`) || SEARCH.test(refHost);
  const isSocial = SOCIAL.test(`${source}.com`) || SOCIAL.test(refHost);

  if (/^(e-?mail|newsletter)$/.test(medium)) return 'Email';
  if (medium === 'affiliate') return 'Affiliate';
  if (/^(display|banner)$/.test(medium)) return 'Display';
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

/** Two hosts are the same site when one is the other or a subdomain of the other's parent. */
function sameSite(a: string, b: string): boolean {
  const base = (h: string) => h.toLowerCase().split('.').slice(-2).join('.');
  return base(a) === base(b);
}

export function describePageview(url: string, referrer?: string | null): PageviewInfo {
  const landing = parse(url);
  const ref = referrer ? parse(referrer) : null;
  const q = landing?.searchParams;
  const utm = (k: string) => (q?.get(`utm_${k}`) ?? '').slice(0, 1024);
  return {
    'Initial Referrer': ref ? ref.href.slice(0, 1024) : '',
    'Initial Referring Domain': ref?.hostname ?? '',
    'Initial Landing Page': landing ? `${landing.host}${landing.pathname}`.slice(0, 1024) : url.slice(0, 1024),
    'Initial UTM Source': utm('source'),
    'Initial UTM Medium': utm('medium'),
    'Initial UTM Term': utm('term'),
    'Initial UTM Content': utm('content'),
    'Initial UTM Campaign': utm('campaign'),
    'Initial Marketing Channel': marketingChannel(landing, ref),
  };
}
