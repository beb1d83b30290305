import { randomBytes, webcrypto } from 'node:crypto';
import { createClient, MERGE_CAP, type Message } from '@idem/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../server.js';
import { openPostgresStorage, type PostgresStorage } from './postgres-storage.js';
import { PG_TEST_URL, pgTestsEnabled } from './test-env.js';

const enabled = await pgTestsEnabled();
const DEVICES = 300;
const IDENTITY = 'shared@example.com';

type Result = { id: string; status: string; reason?: string };

/**
 * R9 on several collectors: two collector instances, each with its own connection pool, on one
 * PostgreSQL schema; 300 devices each track an event and then identify as one new identity, at the
 * same time, half through each instance, and every track batch is retried through the other one.
 */
describe.skipIf(!enabled)('two collectors on one PostgreSQL database', () => {
  const serverKey = randomBytes(18).toString('hex');
  let stores: PostgresStorage[] = [];
  let servers: RunningServer[] = [];
  let admin: pg.Client;

  beforeAll(async () => {
    const first = await openPostgresStorage({ url: PG_TEST_URL, fresh: true, poolSize: 8 });
    const second = await openPostgresStorage({ url: PG_TEST_URL, fresh: false, schema: first.schema, poolSize: 8 });
    stores = [first, second];
    servers = await Promise.all(stores.map((storage) => startServer({ port: 0, storage, apps: ['demo'], serverKey, rateLimits: false })));
    admin = new pg.Client({ connectionString: PG_TEST_URL });
    await admin.connect();
    await admin.query(`SET search_path TO "${first.schema}"`);
  }, 60_000);
  afterAll(async () => {
    await admin?.end();
    await Promise.all(servers.map((s) => s.close()));
    // The second pool only shares the schema; the first made it and drops it.
    for (const s of [...stores].reverse()) await s.close();
    if (retried5xx > 0) console.warn(`${retried5xx} batches were sent again after a 5xx`);
  }, 120_000);

  let retried5xx = 0;
  /** Posts a batch as the SDK does: a 5xx (an overloaded pool gives up waiting) is sent again. */
  const post = async (server: RunningServer, messages: Message[]): Promise<Result[]> => {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${server.url}/api/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ app_id: 'demo', sent_at: new Date().toISOString(), messages }),
      });
      const body = (await res.json()) as { results: Result[] };
      if (res.status === 200) return body.results;
      if (res.status < 500 || attempt === 5) throw new Error(`${res.status} ${JSON.stringify(body)}`);
      retried5xx += 1;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  };
  const get = async (path: string) => {
    const res = await fetch(`${servers[1]?.url}${path}`, { headers: { authorization: `Bearer ${serverKey}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, any>;
  };

  /** One device: a real client core; its track goes to one instance, its identify too, and the track is retried on the other. */
  const device = async (i: number) => {
    const outbox: Message[] = [];
    const store = new Map<string, string>();
    const client = createClient({
      storage: { get: (k) => store.get(k) ?? null, set: (k, v) => store.set(k, v), remove: (k) => store.delete(k) },
      now: () => Date.now(),
      random: (b) => webcrypto.getRandomValues(b),
      send: (m) => outbox.push(m),
    });
    const [mine, other] = i % 2 === 0 ? [servers[0]!, servers[1]!] : [servers[1]!, servers[0]!];
    expect(client.track('Opened app', { device: i })).toEqual({ ok: true });
    const track = outbox.splice(0);
    const [tracked] = await post(mine, track);
    expect(client.identify(IDENTITY)).toEqual({ ok: true });
    const identify = outbox.splice(0);
    const [[identified], [retried]] = await Promise.all([post(mine, identify), post(other, track)]);
    return { userId: client.getUserId() as string, trackId: track[0]?.id as string, tracked, identified, retried };
  };

  it(`leaves one user with ${MERGE_CAP} user ids, ${DEVICES - MERGE_CAP} anonymous users and each event once`, async () => {
    const devices = await Promise.all(Array.from({ length: DEVICES }, (_, i) => device(i)));
    expect(new Set(devices.map((d) => d.userId)).size).toBe(DEVICES);
    expect(devices.every((d) => d.tracked?.status === 'accepted')).toBe(true);
    expect(devices.every((d) => d.retried?.status === 'duplicate')).toBe(true);
    const outcomes = devices.map((d) => `${d.identified?.status}:${d.identified?.reason ?? ''}`);
    expect(outcomes.filter((o) => o === 'accepted:')).toHaveLength(MERGE_CAP);
    expect(outcomes.filter((o) => o === 'refused:merge_cap')).toHaveLength(DEVICES - MERGE_CAP);

    // The identity's user, read through the other instance, holds exactly the accepted devices.
    const owner = await get(`/api/v1/users?app_id=demo&identity=${encodeURIComponent(IDENTITY)}`);
    const held = [owner.user_id, ...owner.merged_user_ids].sort();
    expect(held).toHaveLength(MERGE_CAP);
    expect(held).toEqual(
      devices
        .filter((d) => d.identified?.status === 'accepted')
        .map((d) => d.userId)
        .sort(),
    );
    const ownerEvents = (await get(`/api/v1/users/${owner.user_id}/events?app_id=demo&limit=1000`)).events as { user_id: string }[];
    expect(ownerEvents.map((e) => e.user_id).sort()).toEqual(held);

    // Everyone else is an anonymous user of their own with their one event.
    const listed: Record<string, any>[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`/api/v1/users?app_id=demo&limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      listed.push(...page.users);
      cursor = page.next_cursor;
    } while (cursor);
    expect(listed).toHaveLength(DEVICES - MERGE_CAP + 1);
    const anonymous = listed.filter((u) => u.identity === null);
    expect(anonymous).toHaveLength(DEVICES - MERGE_CAP);
    expect(anonymous.every((u) => u.merged_user_ids.length === 0)).toBe(true);
    expect(listed.filter((u) => u.identity === IDENTITY)).toHaveLength(1);

    // Straight from the database: every track stored once, ten attachments, one warning per refusal.
    const one = async (sql: string) => (await admin.query(sql)).rows[0];
    expect(await one(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM events WHERE type = 'track'`)).toEqual({
      n: DEVICES,
      ids: DEVICES,
    });
    const ids = (await admin.query<{ id: string }>('SELECT id FROM events ORDER BY id')).rows.map((r) => r.id);
    expect(ids).toEqual(devices.map((d) => d.trackId).sort());
    expect(await one('SELECT sum(count)::int AS n FROM user_event_counts')).toEqual({ n: DEVICES });
    expect(await one(`SELECT count(*)::int AS n FROM identity_attachments WHERE identity = '${IDENTITY}'`)).toEqual({ n: MERGE_CAP });
    expect(await one(`SELECT count(*)::int AS n FROM warnings WHERE reason = 'merge_cap'`)).toEqual({ n: DEVICES - MERGE_CAP });
    expect(await one('SELECT count(*)::int AS n FROM merges')).toEqual({ n: MERGE_CAP - 1 });
  }, 120_000);

  it('deletes a person while server calls write to them, and leaves no orphan behind', async () => {
    // A deletion holds the person's identity lock: a write racing it lands on the person before the
    // deletion (and is deleted with them) or on a new person after it, never on a deleted user id.
    const call = async (server: RunningServer, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${serverKey}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const [a, b] = servers as [RunningServer, RunningServer];
    for (let round = 0; round < 12; round++) {
      const identity = `race-${round}@example.com`;
      const made = await call(a, 'POST', '/api/add_user_properties', { app_id: 'demo', identity, properties: { plan: 'Pro' } });
      const owner = made.body.user_id as string;
      const events = Array.from({ length: 300 }, (_, i) => ({ identity, event: 'Step', idempotency_key: `${identity}-${i}` }));
      expect((await call(a, 'POST', '/api/track', { app_id: 'demo', events })).status).toBe(200);
      const device = String(900_000 + round);
      const [deleted, props, identified] = await Promise.all([
        call(a, 'DELETE', `/api/v1/users/${owner}?app_id=demo`),
        call(b, 'POST', '/api/add_user_properties', { app_id: 'demo', identity, properties: { plan: 'Enterprise' } }),
        call(b, 'POST', '/api/v1/identify', { app_id: 'demo', user_id: device, identity }),
      ]);
      expect(deleted.status).toBe(200);
      expect(props.status).toBe(200);
      expect([200, 409]).toContain(identified.status);
      // Whatever order they ran in, what the calls answered exists.
      const holder = await call(b, 'GET', `/api/v1/users/${props.body.user_id}?app_id=demo`);
      if (holder.status === 200) expect(holder.body.identity).toBe(identity);
      else expect(props.body.user_id).toBe(owner);
    }
    const one = async (sql: string) => (await admin.query(sql)).rows[0];
    expect(
      await one(
        'SELECT count(*)::int AS n FROM user_props p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.app_id = p.app_id AND u.user_id = p.root_id)',
      ),
    ).toEqual({ n: 0 });
    expect(
      await one(
        'SELECT count(*)::int AS n FROM users u WHERE NOT EXISTS (SELECT 1 FROM users r WHERE r.app_id = u.app_id AND r.user_id = u.root_id)',
      ),
    ).toEqual({ n: 0 });
    expect(
      await one(
        'SELECT count(*)::int AS n FROM events e WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.app_id = e.app_id AND u.user_id = e.user_id)',
      ),
    ).toEqual({ n: 0 });
    expect(
      await one(
        'SELECT count(*)::int AS n FROM user_event_counts c WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.app_id = c.app_id AND u.user_id = c.root_id)',
      ),
    ).toEqual({ n: 0 });
  }, 120_000);
});
