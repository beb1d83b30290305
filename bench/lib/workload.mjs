// The ingest workload: browser batches of 50 messages, as the SDK sends them, from 5 devices each
// (10 messages a device): pageviews with UTM and referrers, tracked events with properties, user
// properties, and identifies. 70% of the devices are new, 30% come back. Seeded, so every run and
// every phase (HTTP, engine, ceiling) gets the same messages; every message id is unique.
import { describePageview } from '@idem/core';

export const APP = 'bench';
export const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
/** What the collector derives from USER_AGENT (R17), for the ceiling's rows. */
const UA_PROPS = { 'Initial Browser': 'Chrome', 'Initial Device Type': 'Desktop', 'Initial Platform': 'Linux' };

export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const EVENTS = [
  'Signed Up',
  'Logged In',
  'Viewed Dashboard',
  'Created Project',
  'Invited Teammate',
  'Report Exported',
  'Search',
  'Added Card',
  'Opened Settings',
  'Upgraded Plan',
  'Played Video',
  'Downloaded File',
];
const PAGES = [
  '/',
  '/pricing',
  '/features',
  '/blog/identity-resolution',
  '/docs/getting-started',
  '/app',
  '/app/projects',
  '/app/settings',
  '/signup',
  '/login',
];
const REFERRERS = [
  null,
  null,
  'https://www.google.com/',
  'https://news.ycombinator.com/',
  'https://twitter.com/',
  'https://www.bing.com/search?q=idem',
  'https://example.org/post',
];
const UTMS = [
  '',
  '',
  '',
  '?utm_source=newsletter&utm_medium=email&utm_campaign=spring',
  '?utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=abc',
  '?utm_source=twitter&utm_medium=social',
];
const PLANS = ['free', 'free', 'free', 'pro', 'pro', 'team', 'enterprise'];

/**
 * @returns {{ batches: object[][], bodies: string[], rows: [string, unknown[]][][], stats: Record<string, number> }}
 * `rows` are, per batch, the writes the collector makes for it (statement name and parameters), for the
 * ceiling: the same rows, inserted without any reads or checks.
 */
export function makeWorkload({ batches: count, seed = 42, now = Date.now() }) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const hex = (n) => {
    let s = '';
    while (s.length < n)
      s += Math.floor(r() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, n);
  };
  const bigId = () => String(Math.floor(r() * 2 ** 21) * 2 ** 32 + Math.floor(r() * 2 ** 32));
  const returning = [];
  let identities = 0;
  const stats = { messages: 0, pageview: 0, track: 0, user_properties: 0, identify: 0, newUsers: 0 };
  const batches = [];
  const rows = [];
  // Times run forward from an hour ago, one message every few ms, so they stay accepted (R: 10 min ahead, 5 years back).
  let clock = now - 60 * 60 * 1000;
  for (let b = 0; b < count; b++) {
    const messages = [];
    const out = [];
    for (let d = 0; d < 5; d++) {
      const isNew = returning.length < 50 || r() < 0.7;
      const dev = isNew ? { userId: bigId(), sessionId: bigId(), identified: false, seenPageview: false } : pick(returning);
      if (isNew) {
        out.push(['createUser', [APP, dev.userId, dev.userId, null, 0, null, null, 0]]);
        stats.newUsers++;
      }
      const plan = [];
      plan.push('pageview');
      for (let i = 0; i < 5; i++) plan.push('track');
      plan.push('user_properties', 'pageview', 'track');
      plan.push(isNew && r() < 0.4 ? 'identify' : 'track');
      for (const type of plan) {
        clock += 1 + Math.floor(r() * 3);
        const time = new Date(clock).toISOString();
        const base = { id: hex(32), user_id: dev.userId, time };
        let m;
        if (type === 'pageview') {
          const url = `https://app.example.com${pick(PAGES)}${dev.seenPageview ? '' : pick(UTMS)}`;
          const referrer = dev.seenPageview ? `https://app.example.com${pick(PAGES)}` : pick(REFERRERS);
          m = { ...base, type, session_id: dev.sessionId, url, ...(referrer ? { referrer } : {}) };
          out.push(['insertEvent', [APP, m.id, dev.userId, dev.sessionId, 'pageview', 'Pageview', '{}', clock, url]]);
          out.push(['touch', [{ t: clock, app: APP, id: dev.userId }]]);
          if (!dev.seenPageview) {
            for (const [key, value] of Object.entries({ ...describePageview(url, referrer), ...UA_PROPS })) {
              out.push(['writeProp', [APP, dev.userId, key, JSON.stringify(value), clock]]);
              out.push(['setProp', [APP, dev.userId, key, JSON.stringify(value), clock, 0]]);
            }
          }
          dev.seenPageview = true;
        } else if (type === 'track') {
          const event = pick(EVENTS);
          const properties = { plan: pick(PLANS), path: pick(PAGES), duration_ms: Math.floor(r() * 5000), beta: r() < 0.2 };
          m = { ...base, type, session_id: dev.sessionId, event, properties };
          out.push(['insertEvent', [APP, m.id, dev.userId, dev.sessionId, 'track', event, JSON.stringify(properties), clock, null]]);
          out.push(['addCount', [APP, dev.userId, event, 1]]);
          out.push(['touch', [{ t: clock, app: APP, id: dev.userId }]]);
        } else if (type === 'user_properties') {
          const properties = {
            plan: pick(PLANS),
            company: `Company ${Math.floor(r() * 5000)}`,
            seats: 1 + Math.floor(r() * 200),
            role: pick(['admin', 'member', 'viewer']),
          };
          m = { ...base, type, properties };
          out.push(['claimMessage', [APP, m.id]]);
          out.push(['touch', [{ t: clock, app: APP, id: dev.userId }]]);
          for (const [key, value] of Object.entries(properties)) {
            out.push(['writeProp', [APP, dev.userId, key, JSON.stringify(value), clock]]);
            out.push(['setProp', [APP, dev.userId, key, JSON.stringify(value), clock, 0]]);
          }
        } else {
          const identity = `user${++identities}-${seed}@example.com`;
          m = { ...base, type, session_id: dev.sessionId, identity };
          out.push(['claimMessage', [APP, m.id]]);
          out.push(['touch', [{ t: clock, app: APP, id: dev.userId }]]);
          out.push(['setIdentity', [identity, APP, dev.userId]]);
          out.push(['addAttach', [APP, identity, dev.userId, clock]]);
          dev.identified = true;
        }
        stats[type]++;
        stats.messages++;
        messages.push(m);
      }
      if (isNew) returning.push(dev);
    }
    batches.push(messages);
    rows.push(out);
  }
  const sentAt = new Date(now).toISOString();
  const bodies = batches.map((messages) => JSON.stringify({ app_id: APP, sent_at: sentAt, messages }));
  return { batches, bodies, rows, stats, sentAt };
}
