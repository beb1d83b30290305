// 6. The dashboard's dataset: N root users (5% of them with a second, merged user id; 40% identified)
// and M events, bulk-inserted straight into the collector's schema with consistent summaries: users,
// events, merges, identity_attachments, property_writes and user_props (each current value points at
// its write), user_event_counts (tracked events per root and name). Cached under bench/.cache/, keyed by
// the sizes and DATA_VERSION; opening it through the collector applies any newer migrations.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteStorage } from '@idem/server';
import { CACHE_DIR, round } from './common.mjs';
import { openRaw } from './sqlite.mjs';
import { APP, rng } from './workload.mjs';

const DATA_VERSION = 1;
const DAY = 86_400_000;
export const EVENT_NAMES = [
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
  'Signed Up',
];
/** Relative frequency of each name among tracked events: a few common ones, a long tail. */
const NAME_WEIGHTS = [30, 25, 8, 3, 6, 12, 2, 5, 0.4, 4, 3, 1];
export const PLANS = ['free', 'free', 'free', 'free', 'pro', 'pro', 'team', 'enterprise'];
export const COUNTRIES = [
  'US',
  'US',
  'US',
  'GB',
  'DE',
  'FR',
  'IN',
  'BR',
  'CA',
  'JP',
  'ES',
  'NL',
  'SE',
  'AU',
  'IT',
  'PL',
  'MX',
  'KR',
  'CH',
  'NZ',
];
const CHANNELS = ['Direct', 'Organic Search', 'Paid Search', 'Referral', 'Social', 'Email', 'Internal', 'Other'];
const BROWSERS = ['Chrome', 'Chrome', 'Chrome', 'Safari', 'Safari', 'Firefox', 'Edge'];
const ROLES = ['admin', 'member', 'member', 'member', 'viewer'];

export function datasetPath(users, events) {
  return join(CACHE_DIR, `dashboard-v${DATA_VERSION}-${users}u-${events}e.sqlite`);
}

export async function ensureDataset({ users, events, log }) {
  const path = datasetPath(users, events);
  if (existsSync(path)) {
    log?.(`  dataset: cached ${path}`);
    return { path, cached: true, buildSeconds: null };
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  const tmp = `${path}.building`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  const t0 = Date.now();
  // The collector makes the schema; its secondary indexes are dropped for the load and made again after.
  await openSqliteStorage({ path: tmp }).close();
  const db = openRaw(tmp);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1000000');
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all();
  for (const i of indexes) db.exec(`DROP INDEX ${i.name}`);
  generate(db, users, events, log);
  log?.(`  dataset: rows in ${round((Date.now() - t0) / 1000, 0)} s, indexing`);
  for (const i of indexes) db.exec(i.sql);
  db.pragma('journal_mode = WAL');
  db.close();
  renameSync(tmp, path);
  const buildSeconds = round((Date.now() - t0) / 1000, 0);
  log?.(`  dataset: built in ${buildSeconds} s`);
  return { path, cached: false, buildSeconds };
}

function generate(db, userCount, eventCount, log) {
  const r = rng(2024);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const total = NAME_WEIGHTS.reduce((a, b) => a + b, 0);
  const cumulative = NAME_WEIGHTS.map(
    (
      (sum) => (w) =>
        (sum += w / total)
    )(0),
  );
  const pickName = () => {
    const x = r();
    const i = cumulative.findIndex((c) => x < c);
    return EVENT_NAMES[i < 0 ? EVENT_NAMES.length - 1 : i];
  };
  const hex = () =>
    Math.floor(r() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  const now = Date.now();
  const st = {
    user: db.prepare(
      'INSERT INTO users (app_id, user_id, root_id, identity, server_created, first_seen, last_seen, created_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)',
    ),
    event: db.prepare(
      'INSERT INTO events (app_id, id, user_id, session_id, type, name, properties, time, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    merge: db.prepare('INSERT INTO merges (app_id, from_id, into_id, time, message_id) VALUES (?, ?, ?, ?, NULL)'),
    attach: db.prepare('INSERT INTO identity_attachments (app_id, identity, user_id, time) VALUES (?, ?, ?, ?)'),
    write: db.prepare('INSERT INTO property_writes (app_id, user_id, key, value, time) VALUES (?, ?, ?, ?, ?)'),
    prop: db.prepare('INSERT INTO user_props (app_id, root_id, key, value, time, seq) VALUES (?, ?, ?, ?, ?, ?)'),
    count: db.prepare('INSERT INTO user_event_counts (app_id, root_id, name, count) VALUES (?, ?, ?, ?)'),
  };
  // Events per user: 1 + an exponential with the mean that makes the total come out right.
  const mean = Math.max(0, eventCount / userCount - 1);
  let eventsLeft = eventCount;
  const chunk = 20_000;
  let uid = 0;
  for (let start = 0; start < userCount; start += chunk) {
    db.transaction(() => {
      for (let u = start; u < Math.min(userCount, start + chunk); u++) {
        const usersLeft = userCount - u;
        let n = u === userCount - 1 ? eventsLeft : Math.min(eventsLeft - (usersLeft - 1), 1 + Math.floor(-Math.log(1 - r()) * mean));
        n = Math.max(1, Math.min(n, 50_000));
        eventsLeft -= n;
        // Distinct 16-digit decimal ids, in no particular order.
        const root = String(1_000_000_000_000_000 + ((uid++ * 2654435761) % 8_000_000_000_000_000));
        const merged = r() < 0.05 ? String(1_000_000_000_000_000 + ((uid++ * 2654435761) % 8_000_000_000_000_000)) : null;
        const identity = r() < 0.4 ? `user${u}@example.com` : null;
        const last = now - Math.floor(r() ** 2 * 90 * DAY);
        const first = last - Math.floor(r() * 60 * DAY);
        st.user.run(APP, root, root, identity, first, last, first);
        if (merged) {
          st.user.run(APP, merged, root, null, null, null, first);
          st.merge.run(APP, merged, root, first + DAY);
        }
        if (identity) {
          st.attach.run(APP, identity, root, first);
          if (merged) st.attach.run(APP, identity, merged, first + DAY);
        }
        const counts = new Map();
        const session = String(Math.floor(r() * 2 ** 52));
        for (let e = 0; e < n; e++) {
          const time = n === 1 ? last : first + Math.floor(((last - first) * e) / (n - 1));
          const who = merged && e < n / 2 ? merged : root;
          if (r() < 0.3) {
            st.event.run(
              APP,
              hex() + hex() + hex() + hex(),
              who,
              session,
              'pageview',
              'Pageview',
              '{}',
              time,
              'https://app.example.com/app',
            );
          } else {
            const name = pickName();
            st.event.run(APP, hex() + hex() + hex() + hex(), who, session, 'track', name, '{"plan":"pro","duration_ms":1200}', time, null);
            counts.set(name, (counts.get(name) ?? 0) + 1);
          }
        }
        for (const [name, c] of counts) st.count.run(APP, root, name, c);
        const props = {
          plan: pick(PLANS),
          country: pick(COUNTRIES),
          role: pick(ROLES),
          seats: 1 + Math.floor(r() * 100),
          'Initial Marketing Channel': pick(CHANNELS),
          'Initial Browser': pick(BROWSERS),
        };
        for (const [key, value] of Object.entries(props)) {
          const text = JSON.stringify(value);
          const seq = st.write.run(APP, root, key, text, first).lastInsertRowid;
          st.prop.run(APP, root, key, text, first, seq);
        }
      }
    })();
    if (log && (start / chunk) % 10 === 9) log(`  dataset: ${start + chunk} users`);
  }
}
