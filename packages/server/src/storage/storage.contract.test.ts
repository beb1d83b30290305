import { winningWrite } from '@idem/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStorage } from './postgres/postgres-storage.js';
import { PG_TEST_URL, pgTestsEnabled } from './postgres/test-env.js';
import { openSqliteStorage } from './sqlite/sqlite-storage.js';
import type { EventRow, Storage, Tx } from './types.js';

/**
 * One contract, every backend: the same cases run on SQLite (':memory:') and on PostgreSQL (a fresh
 * schema per case), so the engine can rely on identical behaviour.
 */
const backends: { name: string; open: () => Promise<Storage> }[] = [
  { name: 'sqlite', open: async () => openSqliteStorage({ path: ':memory:' }) },
];
if (await pgTestsEnabled()) backends.push({ name: 'postgres', open: () => openPostgresStorage({ url: PG_TEST_URL, fresh: true }) });

const APP = 'demo';
const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

const event = (id: string, userId: string, over: Partial<EventRow> = {}): EventRow => ({
  id,
  userId,
  sessionId: '1',
  type: 'track',
  name: 'Clicked',
  properties: {},
  time: T0,
  url: null,
  ...over,
});

describe.each(backends)('storage contract: $name', ({ open }) => {
  let s: Storage;
  const run = <T>(fn: (tx: Tx) => Promise<T>) => s.transaction(fn);
  const user = (tx: Tx, userId: string, identity: string | null = null, time = T0) =>
    tx.createUser(APP, { userId, identity, serverCreated: false, time });
  /** Writes a property the way the engine does: logged, then current when it wins. */
  const setProp = async (tx: Tx, userId: string, rootId: string, key: string, value: string | number | boolean, time: number) => {
    const seq = await tx.writeProperty(APP, userId, key, value, time);
    const incoming = { key, value, time, seq };
    const current = await tx.getCurrentProperty(APP, rootId, key);
    if (!current || winningWrite(key, current, incoming) === incoming) await tx.setCurrentProperty(APP, rootId, incoming);
  };

  beforeEach(async () => {
    s = await open();
  });
  afterEach(async () => {
    await s.close();
  });

  it('creates users, finds them by user id and identity, and keeps identities unique per app', async () => {
    await run(async (tx) => {
      await user(tx, '100');
      await user(tx, '200');
      await tx.setIdentity(APP, '100', 'alice');
      await tx.createUser('other', { userId: '100', identity: 'alice', serverCreated: true, time: T0 });
    });
    expect(await s.getUser(APP, '100')).toEqual({
      userId: '100',
      rootId: '100',
      identity: 'alice',
      serverCreated: false,
      firstSeen: null,
      lastSeen: null,
    });
    expect(await s.getUserByIdentity(APP, 'alice')).toMatchObject({ userId: '100' });
    expect(await s.getUserByIdentity(APP, 'Alice')).toBeNull();
    expect(await s.getUser('other', '100')).toEqual({
      userId: '100',
      rootId: '100',
      identity: 'alice',
      serverCreated: true,
      firstSeen: T0,
      lastSeen: T0,
    });
    expect(await s.getUser(APP, '300')).toBeNull();
    await expect(run((tx) => tx.setIdentity(APP, '200', 'alice'))).rejects.toThrow();
    await expect(run((tx) => user(tx, '100'))).rejects.toThrow();
    expect(await s.getUser(APP, '200')).toMatchObject({ identity: null });
  });

  it('rolls back everything a failed transaction did', async () => {
    await expect(
      run(async (tx) => {
        await user(tx, '100', 'bob');
        await tx.insertEvent(APP, '100', event('e1', '100'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await s.getUser(APP, '100')).toBeNull();
    expect(await s.allRootIds(APP)).toEqual([]);
    await run((tx) => user(tx, '100', 'bob'));
    expect(await run((tx) => tx.insertEvent(APP, '100', event('e1', '100')))).toBe(true);
  });

  it('widens first and last seen', async () => {
    await run(async (tx) => {
      await user(tx, '100');
      await tx.touchSeen(APP, '100', T0 + 5000);
      await tx.touchSeen(APP, '100', T0 + 1000);
      await tx.touchSeen(APP, '100', T0 + 9000);
    });
    expect(await s.getUser(APP, '100')).toMatchObject({ firstSeen: T0 + 1000, lastSeen: T0 + 9000 });
  });

  it('reads its own writes inside a transaction, locked or not', async () => {
    await run(async (tx) => {
      await user(tx, '100', null, T0);
      await user(tx, '200', 'alice', T0);
    });
    const inside = await run(async (tx) => {
      const seen: unknown[] = [];
      for (const id of ['100', '200']) {
        await s.lockUser?.(tx, APP, id);
        seen.push(await tx.getUser(APP, id));
      }
      await tx.touchSeen(APP, '100', T0 + 50);
      await tx.touchSeen(APP, '100', T0 + 10);
      seen.push(await tx.getUser(APP, '100'));
      await tx.setIdentity(APP, '100', 'bob');
      seen.push(await tx.findByIdentity(APP, 'bob'));
      await tx.linkMerge(APP, '100', '200', T0 + 60, null);
      seen.push(await tx.getUser(APP, '100'));
      await tx.touchSeen(APP, '200', T0 + 70);
      seen.push(await tx.findByIdentity(APP, 'alice'));
      return seen;
    });
    expect(inside).toEqual([
      { userId: '100', rootId: '100', identity: null, serverCreated: false, firstSeen: null, lastSeen: null },
      { userId: '200', rootId: '200', identity: 'alice', serverCreated: false, firstSeen: null, lastSeen: null },
      { userId: '100', rootId: '100', identity: null, serverCreated: false, firstSeen: T0 + 10, lastSeen: T0 + 50 },
      { userId: '100', rootId: '100', identity: 'bob', serverCreated: false, firstSeen: T0 + 10, lastSeen: T0 + 50 },
      { userId: '100', rootId: '200', identity: 'bob', serverCreated: false, firstSeen: T0 + 10, lastSeen: T0 + 50 },
      { userId: '200', rootId: '200', identity: 'alice', serverCreated: false, firstSeen: T0 + 70, lastSeen: T0 + 70 },
    ]);
    expect(await s.getUser(APP, '100')).toEqual(inside[4]);
    expect(await s.getUser(APP, '200')).toEqual(inside[5]);
  });

  it('merges by linking user ids, never touching events', async () => {
    await run(async (tx) => {
      await user(tx, '100', 'alice', T0);
      await user(tx, '200', null, T0 + 1);
      await user(tx, '300', null, T0 + 2);
      await tx.insertEvent(APP, '100', event('e1', '100', { time: T0 + 10, sessionId: 's1' }));
      await tx.insertEvent(
        APP,
        '200',
        event('e2', '200', { time: T0 + 5, sessionId: 's2', type: 'pageview', name: 'Pageview', url: 'https://x.example/' }),
      );
      await tx.insertEvent(APP, '300', event('e3', '300', { time: T0 + 7, sessionId: 's3', properties: { n: 1, ok: true, s: 'x' } }));
      await tx.linkMerge(APP, '200', '100', T0 + 20, 'm1');
      await tx.foldSummaries(APP, '200', '100', winningWrite);
      await tx.linkMerge(APP, '300', '100', T0 + 21, null);
      await tx.foldSummaries(APP, '300', '100', winningWrite);
    });
    expect(await s.getUser(APP, '200')).toMatchObject({ userId: '200', rootId: '100', identity: null });
    expect(await s.allRootIds(APP)).toEqual(['100']);
    const { events } = await s.events(APP, '100', { limit: 100 });
    expect(events.map((e) => [e.id, e.userId])).toEqual([
      ['e2', '200'],
      ['e3', '300'],
      ['e1', '100'],
    ]);
    expect(events[0]).toEqual({
      id: 'e2',
      userId: '200',
      sessionId: 's2',
      type: 'pageview',
      name: 'Pageview',
      properties: {},
      time: T0 + 5,
      url: 'https://x.example/',
    });
    expect(events[1]?.properties).toEqual({ n: 1, ok: true, s: 'x' });
    expect((await s.events(APP, '100', { limit: 2 })).events).toHaveLength(2);
    // Pages follow each other in either order, across the person's user ids, and end with no cursor.
    for (const order of ['oldest', 'newest'] as const) {
      const seen: string[] = [];
      let after = null;
      do {
        const page: Awaited<ReturnType<typeof s.events>> = await s.events(APP, '100', { limit: 1, order, after });
        seen.push(...page.events.map((e) => e.id));
        after = page.next;
      } while (after);
      expect(seen).toEqual(order === 'oldest' ? ['e2', 'e3', 'e1'] : ['e1', 'e3', 'e2']);
    }
    expect(await s.events(APP, '100', { limit: 3, order: 'newest' })).toMatchObject({ next: null });
    const summary = await s.summary(APP, '100');
    expect(summary).toMatchObject({ userId: '100', identity: 'alice', mergedUserIds: ['200', '300'], sessions: 3 });
    expect(await s.summary(APP, '999')).toBeNull();
    expect(await s.eventNames(APP)).toEqual(['Clicked']);
    expect(await s.breakdown(APP, { property: 'x', event: 'Clicked' })).toEqual([]);
  });

  it("lists a user's properties in one order on every storage (code point order), whatever order they were written in", async () => {
    await run(async (tx) => {
      await user(tx, '900');
      for (const key of ['zeta', 'Zeta', 'mu', 'alpha', 'Ärger']) await setProp(tx, '900', '900', key, 1, T0);
    });
    expect(Object.keys((await s.summary(APP, '900'))?.properties ?? {})).toEqual(['Zeta', 'alpha', 'mu', 'zeta', 'Ärger']);
  });

  it('folds properties last-write-wins by message time, Initial properties earliest, and counts and seen times', async () => {
    await run(async (tx) => {
      await user(tx, '100', 'alice');
      await user(tx, '200');
      await setProp(tx, '100', '100', 'plan', 'Startup', T0 + 1000);
      await setProp(tx, '200', '200', 'plan', 'Growth', T0 + 2000);
      await setProp(tx, '100', '100', 'seats', 5, T0 + 3000);
      await setProp(tx, '200', '200', 'seats', 9, T0 + 2500);
      await setProp(tx, '100', '100', 'Initial Referrer', 'https://a.example/', T0 + 4000);
      await setProp(tx, '200', '200', 'Initial Referrer', 'https://b.example/', T0 + 500);
      await setProp(tx, '200', '200', 'beta', true, T0 + 100);
      // An older write arriving later does not win.
      await setProp(tx, '100', '100', 'plan', 'Free', T0 + 10);
      await tx.insertEvent(APP, '100', event('e1', '100'));
      await tx.insertEvent(APP, '200', event('e2', '200'));
      await tx.insertEvent(APP, '200', event('e3', '200', { name: 'Paid' }));
      await tx.touchSeen(APP, '100', T0 + 1000);
      await tx.touchSeen(APP, '200', T0 + 50);
      await tx.touchSeen(APP, '200', T0 + 9000);
      await tx.linkMerge(APP, '200', '100', T0 + 9000, 'm');
      await tx.foldSummaries(APP, '200', '100', winningWrite);
    });
    const summary = await s.summary(APP, '100');
    expect(summary?.properties).toEqual({ plan: 'Growth', seats: 5, 'Initial Referrer': 'https://b.example/', beta: true });
    expect(summary).toMatchObject({ firstSeen: T0 + 50, lastSeen: T0 + 9000 });
    expect(await s.breakdown(APP, { property: 'plan', event: 'Clicked' })).toEqual([{ value: 'Growth', users: 1 }]);
    expect(await s.breakdown(APP, { property: 'plan', event: 'Paid' })).toEqual([{ value: 'Growth', users: 1 }]);
    expect(await s.propertyKeys(APP)).toEqual(['Initial Referrer', 'beta', 'plan', 'seats']);
    expect(await s.eventNames(APP)).toEqual(['Clicked', 'Paid']);
    // Every write is kept: the current value of the merged user came from user 200's write.
    const written = await run((tx) => tx.writeProperty(APP, '100', 'plan', 'Enterprise', T0 + 1));
    const again = await run((tx) => tx.writeProperty(APP, '100', 'plan', 'Enterprise', T0 + 1));
    expect(again).toBeGreaterThan(written);
  });

  it('stores an event once, however often it is sent, and counts it once', async () => {
    await run((tx) => user(tx, '100'));
    expect(await run((tx) => tx.insertEvent(APP, '100', event('e1', '100')))).toBe(true);
    expect(await run((tx) => tx.insertEvent(APP, '100', event('e1', '100', { name: 'Other' })))).toBe(false);
    expect(await run((tx) => tx.insertEvent('other', '100', event('e1', '100')))).toBe(true);
    expect((await s.events(APP, '100', { limit: 10 })).events).toHaveLength(1);
    await run((tx) => setProp(tx, '100', '100', 'plan', 'Pro', T0));
    expect(await s.breakdown(APP, { property: 'plan', event: 'Clicked' })).toEqual([{ value: 'Pro', users: 1 }]);
    expect(await s.eventNames(APP)).toEqual(['Clicked']);
    expect(await run((tx) => tx.messageSeen(APP, 'm1'))).toBeNull();
    expect(await run((tx) => tx.claimMessageId(APP, 'm1'))).toBe(true);
    expect(await run((tx) => tx.claimMessageId(APP, 'm1'))).toBe(false);
    expect(await run((tx) => tx.messageSeen(APP, 'm1'))).toBe(true);
    expect(await run((tx) => tx.messageSeen(APP, 'e1'))).toBe('100');
    expect(await run((tx) => tx.messageSeen('other', 'm1'))).toBeNull();
    expect(await run((tx) => tx.claimMessageId('other', 'm1'))).toBe(true);
  });

  it('groups users by a property for an event done by few of them or by all (either join order)', async () => {
    await run(async (tx) => {
      for (const [id, plan] of [
        ['100', 'Pro'],
        ['101', 'Pro'],
        ['102', 'Free'],
        ['103', 'Free'],
      ] as const) {
        await user(tx, id);
        await setProp(tx, id, id, 'plan', plan, T0);
        await setProp(tx, id, id, 'country', id === '101' ? 'NZ' : 'US', T0);
        await tx.insertEvent(APP, id, event(`c${id}`, id));
      }
      await tx.insertEvent(APP, '101', event('r1', '101', { name: 'Rare' }));
      await tx.insertEvent(APP, '102', event('r2', '102', { name: 'Rare' }));
    });
    expect(await s.breakdown(APP, { property: 'plan' })).toEqual([
      { value: 'Free', users: 2 },
      { value: 'Pro', users: 2 },
    ]);
    expect(await s.breakdown(APP, { property: 'plan', event: 'Clicked' })).toEqual([
      { value: 'Free', users: 2 },
      { value: 'Pro', users: 2 },
    ]);
    expect(await s.breakdown(APP, { property: 'plan', event: 'Rare' })).toEqual([
      { value: 'Free', users: 1 },
      { value: 'Pro', users: 1 },
    ]);
    expect(await s.breakdown(APP, { property: 'plan', event: 'Rare', filters: [{ key: 'country', value: 'NZ' }] })).toEqual([
      { value: 'Pro', users: 1 },
    ]);
    expect(await s.breakdown(APP, { property: 'country', event: 'Rare' })).toEqual([
      { value: 'NZ', users: 1 },
      { value: 'US', users: 1 },
    ]);
    expect(await s.breakdown(APP, { property: 'plan', event: 'Never' })).toEqual([]);
    expect(await s.breakdown(APP, { property: 'missing', event: 'Rare' })).toEqual([]);
  });

  it('counts identity attachments in a half-open window (from, to]', async () => {
    await run(async (tx) => {
      for (const [i, t] of [T0, T0 + DAY, T0 + 2 * DAY, T0 + 40 * DAY].entries()) await tx.addAttachment(APP, 'alice', String(100 + i), t);
      await tx.addAttachment(APP, 'bob', '900', T0 + DAY);
      await tx.addAttachment('other', 'alice', '901', T0 + DAY);
    });
    const count = (from: number, to: number, identity = 'alice') => run((tx) => tx.countAttachments(APP, identity, from, to));
    expect(await count(T0 - 1, T0 + 2 * DAY)).toBe(3);
    expect(await count(T0, T0 + 2 * DAY)).toBe(2);
    expect(await count(T0, T0 + 2 * DAY - 1)).toBe(1);
    expect(await count(T0 + 10 * DAY, T0 + 40 * DAY)).toBe(1);
    expect(await count(T0 - 1, T0 + 100 * DAY, 'bob')).toBe(1);
    expect(await count(T0 - 1, T0 + 100 * DAY, 'carol')).toBe(0);
  });

  it('records warnings, newest first, filtered by user id', async () => {
    await run(async (tx) => {
      await tx.addWarning(APP, { messageId: 'm1', userId: '100', identity: 'alice', reason: 'merge_cap', detail: 'one', time: T0 });
      await tx.addWarning(APP, { messageId: null, userId: null, identity: null, reason: 'invalid_message', detail: 'two', time: T0 + 1 });
      await tx.addWarning(APP, { messageId: null, userId: '200', identity: null, reason: 'blocklisted', detail: 'three', time: T0 + 2 });
    });
    const all = await s.warnings(APP, { limit: 10 });
    expect(all.map((w) => w.detail)).toEqual(['three', 'two', 'one']);
    expect(all[2]).toMatchObject({ messageId: 'm1', userId: '100', identity: 'alice', reason: 'merge_cap', time: T0 });
    expect((await s.warnings(APP, { userIds: ['100', '200'], limit: 10 })).map((w) => w.detail)).toEqual(['three', 'one']);
    expect(await s.warnings(APP, { userIds: [], limit: 10 })).toEqual([]);
    expect(await s.warnings(APP, { limit: 1 })).toHaveLength(1);
  });

  describe('listUsers', () => {
    // 25 roots: last seen descending in steps of one minute, with ties at every fifth; 5 with no
    // last seen; user 1003 merged into 1000 (alice).
    beforeEach(async () => {
      await run(async (tx) => {
        for (let i = 0; i < 25; i++) {
          const id = String(1000 + i);
          await user(tx, id, i === 0 ? 'alice@example.com' : i === 1 ? 'Alicia' : i === 2 ? 'bob_100%' : null, T0 + i);
          await tx.touchSeen(APP, id, T0 + Math.floor(i / 5) * 60_000);
          await setProp(tx, id, id, 'plan', i % 3 === 0 ? 'Growth' : 'Startup', T0);
          await setProp(tx, id, id, 'seats', i % 4, T0);
          await setProp(tx, id, id, 'beta', i % 2 === 0, T0);
        }
        for (let i = 25; i < 30; i++) await user(tx, String(1000 + i), null, T0 + i);
        await user(tx, '7777', null, T0 + 100);
        await tx.linkMerge(APP, '7777', '1000', T0 + 100, null);
        await tx.foldSummaries(APP, '7777', '1000', winningWrite);
      });
    });

    const ids = (r: { users: { userId: string }[] }) => r.users.map((u) => u.userId);
    const all = async (query: Omit<Parameters<Storage['listUsers']>[1], 'limit' | 'cursor'>, limit: number) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<Storage['listUsers']>> = await s.listUsers(APP, { ...query, limit, cursor });
        expect(page.users.length).toBeLessThanOrEqual(limit);
        seen.push(...ids(page));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };

    it('pages by last seen, newest first, ties by user id, users never seen last', async () => {
      const expected = [20, 21, 22, 23, 24, 15, 16, 17, 18, 19, 10, 11, 12, 13, 14, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 25, 26, 27, 28, 29].map(
        (i) => String(1000 + i),
      );
      for (const limit of [1, 4, 5, 7, 30, 100]) expect(await all({}, limit)).toEqual(expected);
      const first = await s.listUsers(APP, { limit: 3 });
      expect(first.users[0]).toMatchObject({
        userId: '1020',
        identity: null,
        properties: { plan: 'Startup', seats: 0, beta: true },
        mergedUserIds: [],
      });
      expect((await s.listUsers(APP, { limit: 30 })).nextCursor).toBeNull();
      // A malformed cursor is the first page.
      expect(ids(await s.listUsers(APP, { limit: 2, cursor: 'garbage!' }))).toEqual(['1020', '1021']);
    });

    it('searches identity (case-insensitive prefix), user ids and merged user ids, with LIKE characters taken literally', async () => {
      expect(ids(await s.listUsers(APP, { limit: 50, search: 'ali' })).sort()).toEqual(['1000', '1001']);
      expect(ids(await s.listUsers(APP, { limit: 50, search: 'ALICE@' }))).toEqual(['1000']);
      expect(ids(await s.listUsers(APP, { limit: 50, search: '777' }))).toEqual(['1000']);
      expect(await all({ search: '101' }, 3)).toEqual(['1015', '1016', '1017', '1018', '1019', '1010', '1011', '1012', '1013', '1014']);
      expect(ids(await s.listUsers(APP, { limit: 50, search: 'bob_100%' }))).toEqual(['1002']);
      expect(ids(await s.listUsers(APP, { limit: 50, search: 'bob%' }))).toEqual([]);
      expect(ids(await s.listUsers(APP, { limit: 50, search: '%' }))).toEqual([]);
      expect(ids(await s.listUsers(APP, { limit: 50, search: 'b_b' }))).toEqual([]);
      expect(ids(await s.listUsers(APP, { limit: 50, search: 'lice' }))).toEqual([]);
    });

    it('filters by property values compared as text, combined with AND', async () => {
      const growth = await all({ filters: [{ key: 'plan', value: 'Growth' }] }, 3);
      expect(growth.sort()).toEqual(['1000', '1003', '1006', '1009', '1012', '1015', '1018', '1021', '1024']);
      expect((await all({ filters: [{ key: 'seats', value: '2' }] }, 50)).sort()).toEqual(['1002', '1006', '1010', '1014', '1018', '1022']);
      expect(
        (
          await all(
            {
              filters: [
                { key: 'beta', value: 'false' },
                { key: 'seats', value: '1' },
              ],
            },
            50,
          )
        ).sort(),
      ).toEqual(['1001', '1005', '1009', '1013', '1017', '1021']);
      expect(await all({ filters: [{ key: 'plan', value: 'growth' }] }, 50)).toEqual([]);
      expect((await all({ filters: [{ key: 'plan', value: 'Growth' }], search: '100' }, 50)).sort()).toEqual([
        '1000',
        '1003',
        '1006',
        '1009',
      ]);
    });
  });

  describe('breakdown and timeseries', () => {
    beforeEach(async () => {
      await run(async (tx) => {
        const rows: [string, number, string | number | boolean, boolean][] = [
          ['1', T0, 'Growth', true],
          ['2', T0 + DAY, 'Growth', false],
          ['3', T0 + 3 * DAY, 'Startup', true],
          ['4', T0 + 4 * DAY, 42, true],
          ['5', T0 + 11 * DAY, '42', false],
          ['6', T0 + 11 * DAY + 5, true, false],
          ['7', T0 + 400 * DAY, 'Growth', true],
        ];
        for (const [id, seen, plan, paid] of rows) {
          await user(tx, id);
          await tx.touchSeen(APP, id, seen);
          await setProp(tx, id, id, 'plan', plan, seen);
          await setProp(tx, id, id, 'region', Number(id) % 2 ? 'eu' : 'us', seen);
          if (paid) await tx.insertEvent(APP, id, event(`paid-${id}`, id, { name: 'Paid', time: seen }));
        }
        await user(tx, '8');
        await tx.touchSeen(APP, '8', T0);
      });
    });

    it('groups users by a property, as string labels, optionally only those who did an event', async () => {
      // Values that read the same are one row ("42" and 42), as a filter matches both; ties by label.
      expect(await s.breakdown(APP, { property: 'plan' })).toEqual([
        { value: 'Growth', users: 3 },
        { value: '42', users: 2 },
        { value: 'Startup', users: 1 },
        { value: 'true', users: 1 },
      ]);
      expect(await s.breakdown(APP, { property: 'plan', event: 'Paid' })).toEqual([
        { value: 'Growth', users: 2 },
        { value: '42', users: 1 },
        { value: 'Startup', users: 1 },
      ]);
      expect(await s.breakdown(APP, { property: 'plan', limit: 1 })).toEqual([{ value: 'Growth', users: 3 }]);
      expect(await s.breakdown(APP, { property: 'plan', filters: [{ key: 'region', value: 'eu' }] })).toEqual([
        { value: 'Growth', users: 2 },
        { value: '42', users: 1 },
        { value: 'Startup', users: 1 },
      ]);
      expect(await s.breakdown(APP, { property: 'plan', filters: [{ key: 'plan', value: '42' }] })).toEqual([{ value: '42', users: 2 }]);
      expect(await s.breakdown(APP, { property: 'plan', filters: [{ key: 'plan', value: 'true' }] })).toEqual([
        { value: 'true', users: 1 },
      ]);
      expect(await s.breakdown(APP, { property: 'nope' })).toEqual([]);
      expect(await s.breakdown(APP, { property: 'plan', event: 'Nope' })).toEqual([]);
    });

    it('buckets users by first seen per UTC day and per ISO 8601 week', async () => {
      const sort = (r: { bucket: string; value: string; users: number }[]) =>
        [...r].sort((a, b) => a.bucket.localeCompare(b.bucket) || a.value.localeCompare(b.value) || a.users - b.users);
      const days = await s.timeseries(APP, { property: 'plan', interval: 'day', from: T0, to: T0 + 30 * DAY });
      expect(sort(days)).toEqual([
        { bucket: '2026-01-01', value: 'Growth', users: 1 },
        { bucket: '2026-01-02', value: 'Growth', users: 1 },
        { bucket: '2026-01-04', value: 'Startup', users: 1 },
        { bucket: '2026-01-05', value: '42', users: 1 },
        { bucket: '2026-01-12', value: '42', users: 1 },
        { bucket: '2026-01-12', value: 'true', users: 1 },
      ]);
      // 2026-01-01 is a Thursday: 1-4 January are in 2026's week 01 (with 29-31 December), Monday 5 January starts week 02.
      const weeks = await s.timeseries(APP, { property: 'plan', interval: 'week', from: T0, to: T0 + 500 * DAY });
      expect(sort(weeks)).toEqual([
        { bucket: '2026-W01', value: 'Growth', users: 2 },
        { bucket: '2026-W01', value: 'Startup', users: 1 },
        { bucket: '2026-W02', value: '42', users: 1 },
        { bucket: '2026-W03', value: '42', users: 1 },
        { bucket: '2026-W03', value: 'true', users: 1 },
        { bucket: '2027-W05', value: 'Growth', users: 1 },
      ]);
      const paid = await s.timeseries(APP, {
        property: 'plan',
        event: 'Paid',
        interval: 'week',
        from: T0,
        to: T0 + 10 * DAY,
        filters: [{ key: 'region', value: 'eu' }],
      });
      expect(sort(paid)).toEqual([
        { bucket: '2026-W01', value: 'Growth', users: 1 },
        { bucket: '2026-W01', value: 'Startup', users: 1 },
      ]);
      expect(await s.timeseries(APP, { property: 'plan', interval: 'day', from: T0 + DAY, to: T0 + DAY })).toEqual([]);
    });
  });
});
