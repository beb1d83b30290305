import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type IdemClient, type Message } from '@idem/core';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { Admin } from '../../engine/admin.js';
import { Engine } from '../../engine/engine.js';
import { seededRandom as seeded } from '../../test-support.js';
import { rowsByLabel } from '../chart-rows.js';
import type { Storage } from '../types.js';
import { MAX_PAIRS, MAX_TOTAL_ROWS } from './sqlite-charts.js';
import { openSqliteStorage } from './sqlite-storage.js';

/**
 * The precomputed breakdown totals (decision 0008) must equal a count made from scratch after any
 * sequence of ingest, merges, server calls, unmerges and deletions, whenever the pairs were first asked
 * for. The oracle counts from the events table itself, not from the summaries the triggers watch.
 */

const APP = 'app';
const DEVICES = ['d0', 'd1', 'd2'];
const NAMES = ['A', 'B', 'C'];
const IDENTITIES = ['ann', 'bob', 'cy'];
/** The pairs asked for: (property, event), '' = all users. */
const PAIRS: [string, string][] = [
  ['plan', ''],
  ['plan', 'A'],
  ['plan', 'B'],
  ['team', 'C'],
];

const CHARTS = ['bar', 'days', 'weeks', 'cut', 'since1900'] as const;
type Chart = (typeof CHARTS)[number];
const DAY = 86_400_000;
const START = Date.parse('2026-01-01T00:00:00Z');

const op = fc.oneof(
  fc.record({ kind: fc.constant('track' as const), device: fc.constantFrom(...DEVICES), name: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant('pageview' as const), device: fc.constantFrom(...DEVICES) }),
  fc.record({
    kind: fc.constant('props' as const),
    device: fc.constantFrom(...DEVICES),
    key: fc.constantFrom('plan', 'team'),
    value: fc.constantFrom('free', 'pro', 1, true),
  }),
  fc.record({ kind: fc.constant('identify' as const), device: fc.constantFrom(...DEVICES), identity: fc.constantFrom(...IDENTITIES) }),
  fc.record({ kind: fc.constant('reset' as const), device: fc.constantFrom(...DEVICES) }),
  fc.record({ kind: fc.constant('clear' as const), device: fc.constantFrom(...DEVICES) }),
  fc.record({ kind: fc.constant('serverTrack' as const), identity: fc.constantFrom(...IDENTITIES), name: fc.constantFrom(...NAMES) }),
  fc.record({
    kind: fc.constant('serverProps' as const),
    identity: fc.constantFrom(...IDENTITIES),
    value: fc.constantFrom('free', 'team'),
  }),
  fc.record({ kind: fc.constant('unmerge' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), identity: fc.constantFrom(...IDENTITIES) }),
  fc.record({ kind: fc.constant('wait' as const), hours: fc.constantFrom(1, 20, 24 * 3) }),
  fc.record({ kind: fc.constant('ask' as const), pair: fc.constantFrom(...PAIRS.keys()), chart: fc.constantFrom(...CHARTS) }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/**
 * Users by value of `key` among roots that did `name` (every root when ''), counted from events, and
 * with plan = `plan` when given.
 */
function fromScratch(db: Database.Database, key: string, name: string, plan?: string) {
  const rows = db
    .prepare(
      `SELECT p.value AS value, count(*) AS users FROM user_props p
       WHERE p.app_id = ? AND p.key = ? AND (? = '' OR EXISTS (
         SELECT 1 FROM users u JOIN events e ON e.app_id = u.app_id AND e.user_id = u.user_id
         WHERE u.app_id = p.app_id AND u.root_id = p.root_id AND e.type = 'track' AND e.name = ?))
       AND (? IS NULL OR EXISTS (
         SELECT 1 FROM user_props f WHERE f.app_id = p.app_id AND f.root_id = p.root_id AND f.key = 'plan' AND f.value = json_quote(?)))
       GROUP BY p.value ORDER BY users DESC, p.value`,
    )
    .all(APP, key, name, name, plan ?? null, plan ?? null) as { value: string; users: number }[];
  // Values that read the same are one bar ("1" and 1), as the collector answers.
  return rowsByLabel(rows);
}

/** The line chart counted from scratch: users by first-seen bucket and value, among those who did `name`. */
function lineFromScratch(db: Database.Database, key: string, name: string, fmt: string, from: number, to: number) {
  const rows = db
    .prepare(
      `SELECT strftime(?, u.first_seen / 1000, 'unixepoch') AS bucket, p.value AS value, count(*) AS users
       FROM user_props p JOIN users u ON u.app_id = p.app_id AND u.user_id = p.root_id
       WHERE p.app_id = ? AND p.key = ? AND u.first_seen >= ? AND u.first_seen < ? AND (? = '' OR EXISTS (
         SELECT 1 FROM users m JOIN events e ON e.app_id = m.app_id AND e.user_id = m.user_id
         WHERE m.app_id = p.app_id AND m.root_id = p.root_id AND e.type = 'track' AND e.name = ?))
       GROUP BY bucket, p.value ORDER BY bucket, users DESC, p.value`,
    )
    .all(fmt, APP, key, from, to, name, name) as { bucket: string; value: string; users: number }[];
  return rowsByLabel(rows);
}

/** Asks the collector for one chart and checks it against the count from scratch. */
async function check(storage: Storage, db: Database.Database, key: string, name: string, chart: Chart) {
  const event = name || null;
  if (chart === 'bar') {
    expect(await storage.breakdown(APP, { property: key, event })).toEqual(fromScratch(db, key, name));
    return;
  }
  // Whole days are answered from totals; a range that cuts a day by a join.
  // 'since1900' starts before the epoch: the bar chart's rows (negative days) must not show up in it.
  const from = chart === 'cut' ? START - DAY + 3_600_000 : chart === 'since1900' ? Date.parse('1900-01-01T00:00:00Z') : START - DAY;
  const to = START + 30 * DAY;
  const interval = chart === 'weeks' ? 'week' : 'day';
  const answer = await storage.timeseries(APP, { property: key, event, interval, from, to });
  expect(answer).toEqual(lineFromScratch(db, key, name, interval === 'week' ? '%G-W%V' : '%Y-%m-%d', from, to));
}

async function run(ops: Op[], seed: number) {
  const file = join(mkdtempSync(join(tmpdir(), 'idem-totals-')), 'db.sqlite');
  const storage: Storage = openSqliteStorage({ path: file });
  const clock = new ManualClock(START);
  const engine = new Engine(storage, clock);
  const admin = new Admin(storage, clock);
  const stores = new Map(DEVICES.map((d) => [d, new Map<string, string>()]));
  const clients = new Map<string, IdemClient>();
  const pending: Message[] = [];
  const client = (device: string) => {
    let c = clients.get(device);
    if (!c) {
      const store = stores.get(device) as Map<string, string>;
      c = createClient({
        storage: { get: (k) => store.get(k) ?? null, set: (k, v) => void store.set(k, v), remove: (k) => void store.delete(k) },
        now: () => clock.now(),
        random: seeded(seed + device.charCodeAt(1)),
        send: (m) => pending.push(m),
      });
      clients.set(device, c);
    }
    return c;
  };
  const deliver = async () => {
    if (pending.length) await engine.ingest(APP, pending.splice(0));
  };
  const db = new Database(file, { readonly: true });
  try {
    for (const [step, o] of ops.entries()) {
      clock.set(clock.now() + 1000);
      if (o.kind === 'wait') clock.set(clock.now() + o.hours * 3_600_000);
      else if (o.kind === 'track') client(o.device).track(o.name);
      else if (o.kind === 'pageview') client(o.device).pageview(`https://shop.example/${step}`);
      else if (o.kind === 'props') client(o.device).addUserProperties({ [o.key]: o.value });
      else if (o.kind === 'identify') client(o.device).identify(o.identity);
      else if (o.kind === 'reset') client(o.device).resetIdentity();
      else if (o.kind === 'clear') {
        stores.get(o.device)?.clear();
        clients.delete(o.device);
      } else {
        await deliver();
        if (o.kind === 'serverTrack')
          await storage.transaction((tx) =>
            engine.serverTrack(tx, APP, { identity: o.identity, event: o.name, idempotency_key: `k${step}` }),
          );
        if (o.kind === 'serverProps')
          await storage.transaction((tx) =>
            engine.serverAddUserProperties(tx, APP, { identity: o.identity, properties: { team: o.value } }),
          );
        if (o.kind === 'unmerge') {
          const merged = db.prepare('SELECT user_id FROM users WHERE user_id != root_id ORDER BY user_id').pluck().all() as string[];
          if (merged.length) await admin.unmerge(APP, merged[o.pick % merged.length] as string, 'test');
        }
        if (o.kind === 'delete') {
          const holder = db.prepare('SELECT user_id FROM users WHERE identity = ?').pluck().get(o.identity) as string | undefined;
          if (holder) await admin.deletePerson(APP, holder, 'test');
        }
        if (o.kind === 'ask') {
          const [key, name] = PAIRS[o.pair] as [string, string];
          await check(storage, db, key, name, o.chart);
        }
      }
    }
    await deliver();
    for (const [key, name] of PAIRS) {
      for (const chart of CHARTS) await check(storage, db, key, name, chart);
      // The join (what a filtered request runs) agrees with the same count made with a filter.
      const filtered = await storage.breakdown(APP, { property: key, event: name || null, filters: [{ key: 'plan', value: 'free' }] });
      expect(filtered).toEqual(fromScratch(db, key, name, 'free'));
    }
    // No stored total has gone negative or lost track of a registered pair.
    expect(db.prepare('SELECT count(*) FROM breakdown_totals WHERE users < 0').pluck().get()).toBe(0);
  } finally {
    db.close();
    await storage.close();
  }
}

describe('breakdown totals', () => {
  it('equal a count from scratch after any sequence of ingest, merges, unmerges and deletions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60, size: 'max' }), fc.integer(), async (ops, seed) => run(ops, seed)),
      { numRuns: 80 },
    );
  });

  it('hold for any single-row change of users, user_props and user_event_counts, in any order', async () => {
    // The collector changes these tables in a few fixed orders; the triggers must not depend on them.
    const roots = ['r0', 'r1', 'r2'];
    const rowOp = fc.oneof(
      fc.record({ t: fc.constant('user' as const), root: fc.constantFrom(...roots), day: fc.option(fc.integer({ min: 0, max: 3 })) }),
      fc.record({ t: fc.constant('dropUser' as const), root: fc.constantFrom(...roots) }),
      fc.record({ t: fc.constant('prop' as const), root: fc.constantFrom(...roots), value: fc.constantFrom('a', 'b') }),
      fc.record({ t: fc.constant('dropProp' as const), root: fc.constantFrom(...roots) }),
      fc.record({ t: fc.constant('moveProp' as const), from: fc.constantFrom(...roots), to: fc.constantFrom(...roots) }),
      fc.record({ t: fc.constant('count' as const), root: fc.constantFrom(...roots), name: fc.constantFrom('A', 'B') }),
      fc.record({ t: fc.constant('dropCount' as const), root: fc.constantFrom(...roots), name: fc.constantFrom('A', 'B') }),
      fc.record({
        t: fc.constant('moveCount' as const),
        from: fc.constantFrom(...roots),
        to: fc.constantFrom(...roots),
        name: fc.constantFrom('A', 'B'),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(rowOp, { maxLength: 30, size: 'max' }), async (ops) => {
        const file = join(mkdtempSync(join(tmpdir(), 'idem-totals-')), 'db.sqlite');
        const storage = openSqliteStorage({ path: file });
        const raw = new Database(file);
        try {
          // A root that holds k and did A, so the charts asked for exist and are kept.
          raw.exec(
            `INSERT INTO user_props (app_id, root_id, key, value, time, seq) VALUES ('${APP}', 'seed', 'k', '"s"', 0, 0);
             INSERT INTO user_event_counts (app_id, root_id, name, count) VALUES ('${APP}', 'seed', 'A', 1);`,
          );
          for (const name of ['', 'A'])
            for (const byDay of [false, true])
              if (byDay) await storage.timeseries(APP, { property: 'k', event: name || null, interval: 'day', from: 0, to: 10 * DAY });
              else await storage.breakdown(APP, { property: 'k', event: name || null });
          const run = (sql: string, ...params: unknown[]) => raw.prepare(sql).run(...params);
          for (const o of ops) {
            if (o.t === 'user')
              run(
                'INSERT INTO users (app_id, user_id, root_id, first_seen, created_at) VALUES (?, ?, ?, ?, 0) ON CONFLICT DO UPDATE SET first_seen = excluded.first_seen',
                APP,
                o.root,
                o.root,
                o.day === null ? null : o.day * DAY + 5,
              );
            if (o.t === 'dropUser') run('DELETE FROM users WHERE app_id = ? AND user_id = ?', APP, o.root);
            if (o.t === 'prop')
              run(
                "INSERT INTO user_props (app_id, root_id, key, value, time, seq) VALUES (?, ?, 'k', ?, 0, 0) ON CONFLICT DO UPDATE SET value = excluded.value",
                APP,
                o.root,
                JSON.stringify(o.value),
              );
            if (o.t === 'dropProp') run("DELETE FROM user_props WHERE app_id = ? AND root_id = ? AND key = 'k'", APP, o.root);
            if (o.t === 'moveProp')
              run("UPDATE OR IGNORE user_props SET root_id = ? WHERE app_id = ? AND root_id = ? AND key = 'k'", o.to, APP, o.from);
            if (o.t === 'count')
              run(
                'INSERT INTO user_event_counts (app_id, root_id, name, count) VALUES (?, ?, ?, 1) ON CONFLICT DO UPDATE SET count = count + 1',
                APP,
                o.root,
                o.name,
              );
            if (o.t === 'moveCount')
              run(
                'UPDATE OR IGNORE user_event_counts SET root_id = ? WHERE app_id = ? AND root_id = ? AND name = ?',
                o.to,
                APP,
                o.from,
                o.name,
              );
            if (o.t === 'dropCount')
              run('DELETE FROM user_event_counts WHERE app_id = ? AND root_id = ? AND name = ?', APP, o.root, o.name);
          }
          // From scratch: roots holding k, among those with a count row for the event, by their day.
          const expected = raw
            .prepare(
              `SELECT n.name AS name, CASE d.day WHEN -2 THEN -2 ELSE coalesce(u.first_seen / ${DAY}, -1) END AS day,
                 p.value AS value, count(*) AS users
               FROM user_props p CROSS JOIN (SELECT '' AS name UNION ALL SELECT 'A') n
               CROSS JOIN (SELECT -2 AS day UNION ALL SELECT -1) d
               LEFT JOIN users u ON u.app_id = p.app_id AND u.user_id = p.root_id
               WHERE p.key = 'k' AND (n.name = '' OR EXISTS (SELECT 1 FROM user_event_counts c WHERE c.root_id = p.root_id AND c.name = n.name))
               GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
            )
            .all();
          const kept = raw.prepare('SELECT name, day, value, users FROM breakdown_totals WHERE users != 0 ORDER BY 1, 2, 3').all();
          expect(kept).toEqual(expected);
        } finally {
          raw.close();
          await storage.close();
        }
      }),
      { numRuns: 400 },
    );
  });

  it('answers a filtered breakdown with a join driven from the smallest side, equal to the totals', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'idem-totals-')), 'db.sqlite');
    const storage = openSqliteStorage({ path: file });
    const engine = new Engine(storage, new ManualClock(Date.parse('2026-01-01T00:00:00Z')));
    try {
      for (let i = 0; i < 40; i++)
        await storage.transaction(async (tx) => {
          const identity = `user-${i}`;
          await engine.serverAddUserProperties(tx, APP, {
            identity,
            properties: { plan: i % 3 === 0 ? 'pro' : 'free', country: i % 10 === 0 ? 'NZ' : 'US' },
          });
          if (i % 2 === 0) await engine.serverTrack(tx, APP, { identity, event: 'Logged In', idempotency_key: `l${i}` });
        });
      // Every side as the driver in turn: the rare filter, the event, the property.
      expect(await storage.breakdown(APP, { property: 'plan', event: 'Logged In', filters: [{ key: 'country', value: 'NZ' }] })).toEqual([
        { value: 'free', users: 2 },
        { value: 'pro', users: 2 },
      ]);
      expect(await storage.breakdown(APP, { property: 'country', event: 'Logged In', filters: [{ key: 'plan', value: 'pro' }] })).toEqual([
        { value: 'US', users: 5 },
        { value: 'NZ', users: 2 },
      ]);
      const all = await storage.breakdown(APP, { property: 'plan', event: 'Logged In' });
      expect(all).toEqual([
        { value: 'free', users: 13 },
        { value: 'pro', users: 7 },
      ]);
    } finally {
      await storage.close();
    }
  });

  it('stops keeping totals for a property with more values than a chart can show, and still answers', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'idem-totals-')), 'db.sqlite');
    const storage = openSqliteStorage({ path: file });
    const raw = new Database(file);
    try {
      const insert = raw.prepare("INSERT INTO user_props (app_id, root_id, key, value, time, seq) VALUES (?, ?, 'email', ?, 0, 0)");
      raw.transaction(() => {
        for (let i = 0; i <= MAX_TOTAL_ROWS; i++) insert.run(APP, `u${i}`, JSON.stringify(`p${i}@example.com`));
      })();
      const top = await storage.breakdown(APP, { property: 'email', limit: 3 });
      expect(top).toEqual([
        { value: 'p0@example.com', users: 1 },
        { value: 'p10000@example.com', users: 1 },
        { value: 'p10001@example.com', users: 1 },
      ]);
      expect(raw.prepare("SELECT state FROM breakdown_pairs WHERE key = 'email'").pluck().get()).toBe('off');
      expect(raw.prepare('SELECT count(*) FROM breakdown_totals').pluck().get()).toBe(0);
      // A pair that grows past the cap after it was registered is switched off on its next request.
      raw.prepare("INSERT INTO user_props (app_id, root_id, key, value, time, seq) VALUES (?, 'u0', 'city', '\"a\"', 0, 0)").run(APP);
      expect(await storage.breakdown(APP, { property: 'city' })).toEqual([{ value: 'a', users: 1 }]);
      raw.transaction(() => {
        for (let i = 1; i <= MAX_TOTAL_ROWS; i++)
          raw
            .prepare("INSERT INTO user_props (app_id, root_id, key, value, time, seq) VALUES (?, ?, 'city', ?, 0, 0)")
            .run(APP, `u${i}`, `"c${i}"`);
      })();
      expect(await storage.breakdown(APP, { property: 'city', limit: 1 })).toEqual([{ value: 'a', users: 1 }]);
      expect(raw.prepare("SELECT state FROM breakdown_pairs WHERE key = 'city'").pluck().get()).toBe('off');
    } finally {
      raw.close();
      await storage.close();
    }
  });

  it('keeps at most MAX_PAIRS pairs per app, dropping the least recently asked, and answers right after', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'idem-totals-')), 'db.sqlite');
    const storage = openSqliteStorage({ path: file });
    const engine = new Engine(storage, new ManualClock(START));
    const raw = new Database(file, { readonly: true });
    try {
      await storage.transaction(async (tx) => {
        for (let i = 0; i < 5; i++)
          await engine.serverAddUserProperties(tx, APP, {
            identity: `user-${i}`,
            properties: { [`p${i % 3}`]: 'x', plan: i % 2 ? 'a' : 'b' },
          });
        // Charts are kept for events someone did only.
        for (let i = 0; i < MAX_PAIRS + 5; i++) await engine.serverTrack(tx, APP, { identity: 'user-0', event: `E${i}` });
      });
      for (let i = 0; i < MAX_PAIRS + 5; i++) await storage.breakdown(APP, { property: `p${i % 3}`, event: `E${i}` });
      expect(raw.prepare('SELECT count(*) FROM breakdown_pairs').pluck().get()).toBe(MAX_PAIRS);
      // Asking for a property nobody has keeps nothing (and evicts nothing).
      expect(await storage.breakdown(APP, { property: 'no such property' })).toEqual([]);
      expect(raw.prepare("SELECT count(*) FROM breakdown_pairs WHERE key = 'no such property'").pluck().get()).toBe(0);
      // Totals belong to kept pairs only.
      const orphans = raw
        .prepare(
          'SELECT count(*) FROM breakdown_totals b WHERE NOT EXISTS (SELECT 1 FROM breakdown_pairs t WHERE t.app_id = b.app_id AND t.key = b.key AND t.name = b.name)',
        )
        .pluck()
        .get();
      expect(orphans).toBe(0);
      // A dropped pair asked again is filled again, and the answer is right.
      expect(await storage.breakdown(APP, { property: 'plan' })).toEqual([
        { value: 'b', users: 3 },
        { value: 'a', users: 2 },
      ]);
      await storage.transaction((tx) => engine.serverAddUserProperties(tx, APP, { identity: 'user-0', properties: { plan: 'a' } }));
      expect(await storage.breakdown(APP, { property: 'plan' })).toEqual([
        { value: 'a', users: 3 },
        { value: 'b', users: 2 },
      ]);
      expect(raw.prepare('SELECT count(*) FROM breakdown_pairs').pluck().get()).toBe(MAX_PAIRS);
    } finally {
      raw.close();
      await storage.close();
    }
  });
});
