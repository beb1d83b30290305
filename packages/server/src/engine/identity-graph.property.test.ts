import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, IDENTITY_BLOCKLIST, type IdemClient, type Message, normalizeIdentity } from '@idem/core';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { openSqliteStorage } from '../storage/sqlite/sqlite-storage.js';
import { seededRandom as seeded } from '../test-support.js';
import { Engine } from './engine.js';

/**
 * Property-based tests of the identity graph (issue 11): random sequences of client and server calls
 * across devices, run through real client cores and the real engine on SQLite, must keep the
 * invariants of R4-R9 and R16, and must not depend on how messages were batched.
 */

const DEVICES = ['d0', 'd1', 'd2', 'd3'];
const IDENTITIES = ['ann', 'bob', 'cy', 'guest', '  ', 'NULL', 'ann ', 'x'.repeat(256)];

const call = fc.oneof(
  fc.record({ kind: fc.constant('pageview' as const), device: fc.constantFrom(...DEVICES) }),
  fc.record({ kind: fc.constant('track' as const), device: fc.constantFrom(...DEVICES) }),
  fc.record({ kind: fc.constant('identify' as const), device: fc.constantFrom(...DEVICES), identity: fc.constantFrom(...IDENTITIES) }),
  fc.record({ kind: fc.constant('props' as const), device: fc.constantFrom(...DEVICES), value: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('reset' as const), device: fc.constantFrom(...DEVICES) }),
  fc.record({ kind: fc.constant('clear' as const), device: fc.constantFrom(...DEVICES) }),
  fc.record({ kind: fc.constant('serverProps' as const), identity: fc.constantFrom(...IDENTITIES), value: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('serverTrack' as const), identity: fc.constantFrom(...IDENTITIES) }),
  fc.record({
    kind: fc.constant('serverIdentify' as const),
    device: fc.constantFrom(...DEVICES),
    identity: fc.constantFrom(...IDENTITIES),
  }),
  fc.record({ kind: fc.constant('wait' as const), minutes: fc.constantFrom(1, 31, 60 * 24 * 16) }),
);
type Call = typeof call extends fc.Arbitrary<infer T> ? T : never;

interface Run {
  db: Database.Database;
  acceptedEvents: Set<string>;
  close(): Promise<void>;
}

/** Runs the calls; `cuts` says after which steps the pending messages are delivered (always at the end). */
async function run(calls: Call[], cuts: (step: number) => boolean, seed: number): Promise<Run> {
  const file = join(mkdtempSync(join(tmpdir(), 'idem-prop-')), 'db.sqlite');
  const storage = openSqliteStorage({ path: file });
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const engine = new Engine(storage, clock);
  const stores = new Map<string, Map<string, string>>();
  const clients = new Map<string, IdemClient>();
  // One random stream per device for the whole run (a page load must not replay the same ids).
  const randoms = new Map(DEVICES.map((d, i) => [d, seeded(seed + i * 7919)]));
  const pending: Message[] = [];
  const acceptedEvents = new Set<string>();

  const client = (device: string) => {
    let c = clients.get(device);
    if (!c) {
      const store = stores.get(device) ?? new Map<string, string>();
      stores.set(device, store);
      c = createClient({
        storage: { get: (k) => store.get(k) ?? null, set: (k, v) => void store.set(k, v), remove: (k) => void store.delete(k) },
        now: () => clock.now(),
        random: randoms.get(device) as ReturnType<typeof seeded>,
        send: (m) => pending.push(m),
      });
      clients.set(device, c);
    }
    return c;
  };
  const deliver = async () => {
    if (pending.length === 0) return;
    const batch = pending.splice(0);
    const results = await engine.ingest('app', batch);
    results.forEach((r, i) => {
      const m = batch[i] as Message;
      expect(r.status).not.toBe('duplicate'); // every message id is new
      if ((m.type === 'track' || m.type === 'pageview') && r.status !== 'refused') acceptedEvents.add(m.id);
    });
  };

  for (const [step, c] of calls.entries()) {
    clock.set(clock.now() + 1000);
    switch (c.kind) {
      case 'pageview':
        clients.delete(c.device); // a page load builds the client afresh from storage
        client(c.device).pageview(`https://shop.example/${step}`);
        break;
      case 'track':
        client(c.device).track(`E${step}`);
        break;
      case 'identify':
        client(c.device).identify(c.identity);
        break;
      case 'props':
        client(c.device).addUserProperties({ plan: `p${c.value}` });
        break;
      case 'reset':
        client(c.device).resetIdentity();
        break;
      case 'clear':
        stores.get(c.device)?.clear();
        break;
      case 'wait':
        clock.set(clock.now() + c.minutes * 60_000);
        break;
      default: {
        // Server-side calls see everything sent before them, as a backend would after the page.
        await deliver();
        await storage.transaction(async (tx) => {
          if (c.kind === 'serverProps')
            await engine.serverAddUserProperties(tx, 'app', { identity: c.identity, properties: { plan: `s${c.value}` } });
          if (c.kind === 'serverTrack') {
            const r = await engine.serverTrack(tx, 'app', { identity: c.identity, event: `S${step}`, idempotency_key: `k${step}` });
            if (r.status === 'accepted') acceptedEvents.add(`k:k${step}`);
          }
          if (c.kind === 'serverIdentify')
            await engine.serverIdentify(tx, 'app', { user_id: client(c.device).getUserId(), identity: c.identity });
        });
      }
    }
    if (cuts(step)) await deliver();
  }
  await deliver();
  const db = new Database(file, { readonly: true });
  return {
    db,
    acceptedEvents,
    async close() {
      db.close();
      await storage.close();
    },
  };
}

/** The end state with server-made user ids (random per run) named by their identity. */
function canonical(db: Database.Database) {
  const users = db.prepare('SELECT user_id, root_id, identity, server_created FROM users').all() as {
    user_id: string;
    root_id: string;
    identity: string | null;
    server_created: number;
  }[];
  const byId = new Map(users.map((u) => [u.user_id, u]));
  const name = (id: string) => {
    const u = byId.get(id);
    return u?.server_created ? `server:${u.identity}` : id;
  };
  const props = db.prepare('SELECT root_id, key, value FROM user_props').all() as { root_id: string; key: string; value: string }[];
  const events = db.prepare('SELECT id, user_id FROM events ORDER BY id').all() as { id: string; user_id: string }[];
  return users
    .filter((u) => u.user_id === u.root_id)
    .map((root) => ({
      root: name(root.user_id),
      identity: root.identity,
      members: users
        .filter((u) => u.root_id === root.user_id)
        .map((u) => name(u.user_id))
        .sort(),
      props: props
        .filter((p) => p.root_id === root.user_id)
        .map((p) => `${p.key}=${p.value}`)
        .sort(),
      events: events.filter((e) => byId.get(e.user_id)?.root_id === root.user_id && !e.id.startsWith('s:')).map((e) => e.id),
    }))
    .sort((a, b) => a.root.localeCompare(b.root));
}

function checkInvariants(r: Run) {
  const { db } = r;
  // One identity has at most one user; every stored identity is one core accepts (never blocklisted).
  const identities = db.prepare('SELECT identity, count(*) AS n FROM users WHERE identity IS NOT NULL GROUP BY identity').all() as {
    identity: string;
    n: number;
  }[];
  for (const { identity, n } of identities) {
    expect(n).toBe(1);
    const checked = normalizeIdentity(identity);
    expect(checked.ok && checked.identity === identity).toBe(true);
    expect(IDENTITY_BLOCKLIST).not.toContain(identity.toLowerCase());
  }
  // Identified users only hold identities on roots; merged rows point at a root.
  const bad = db
    .prepare(
      'SELECT count(*) AS n FROM users u LEFT JOIN users r ON r.app_id = u.app_id AND r.user_id = u.root_id WHERE r.user_id IS NULL OR r.root_id != r.user_id OR (u.user_id != u.root_id AND u.identity IS NOT NULL)',
    )
    .get() as { n: number };
  expect(bad.n).toBe(0);
  // No two identified users merged: every user id attached to X belongs to the user holding X.
  const wrong = db
    .prepare(
      'SELECT count(*) AS n FROM identity_attachments a JOIN users u ON u.app_id = a.app_id AND u.user_id = a.user_id JOIN users r ON r.app_id = u.app_id AND r.user_id = u.root_id WHERE r.identity IS NOT a.identity',
    )
    .get() as { n: number };
  expect(wrong.n).toBe(0);
  // The merge cap holds in every rolling 30 days.
  const attachments = db.prepare('SELECT identity, time FROM identity_attachments ORDER BY identity, time').all() as {
    identity: string;
    time: number;
  }[];
  const window = 30 * 24 * 3600_000;
  for (const [i, a] of attachments.entries()) {
    const inWindow = attachments.filter((b, j) => j <= i && b.identity === a.identity && b.time > a.time - window).length;
    expect(inWindow).toBeLessThanOrEqual(10);
  }
  // No event lost or stored twice.
  const stored = db.prepare('SELECT id FROM events').all() as { id: string }[];
  expect(new Set(stored.map((e) => e.id)).size).toBe(stored.length);
  expect(new Set(stored.map((e) => e.id))).toEqual(r.acceptedEvents);
}

describe('identity graph properties', () => {
  it('keeps every invariant for random call sequences, whatever the batching', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(call, { minLength: 1, maxLength: 40, size: 'max' }),
        fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
        fc.integer(),
        async (calls, cutPlan, seed) => {
          const one = await run(calls, () => true, seed);
          const batched = await run(calls, (step) => cutPlan[step] ?? false, seed);
          try {
            checkInvariants(one);
            checkInvariants(batched);
            expect(canonical(batched.db)).toEqual(canonical(one.db));
          } finally {
            await one.close();
            await batched.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('holds the merge cap when many devices identify one identity', async () => {
    const calls: Call[] = [];
    for (let i = 0; i < 14; i++)
      calls.push(
        { kind: 'track', device: DEVICES[i % 4] as string },
        { kind: 'identify', device: DEVICES[i % 4] as string, identity: 'ann' },
        { kind: 'clear', device: DEVICES[i % 4] as string },
      );
    const r = await run(calls, () => false, 1);
    try {
      checkInvariants(r);
      const members = r.db
        .prepare("SELECT count(*) AS n FROM users u JOIN users r ON r.user_id = u.root_id WHERE r.identity = 'ann'")
        .get() as { n: number };
      expect(members.n).toBe(10);
    } finally {
      await r.close();
    }
  });
});
