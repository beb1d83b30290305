import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { message, testCollector } from '../test-support.js';

type C = Awaited<ReturnType<typeof testCollector>>;
let c: C;
beforeEach(async () => {
  c = await testCollector({
    apps: [
      'demo',
      { id: 'heapish', heapCompat: true },
      { id: 'own', serverKey: 'own-key-0123456789' },
      { id: 'limited', rateLimit: { max: 3, windowMs: 30_000 } },
    ],
    rateLimits: true,
  });
});
afterEach(() => c.close());

const byIdentity = async (identity: string) => (await c.get(`/api/v1/users?app_id=demo&identity=${encodeURIComponent(identity)}`)).body;

describe('POST /api/add_user_properties', () => {
  it('creates an identified user with no events for a new identity (R12)', async () => {
    const r = await c.post('/api/add_user_properties', {
      app_id: 'demo',
      identity: ' crm-1 ',
      properties: { plan: 'Enterprise', company: { size: 40 }, email: 'a@b.co' },
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('accepted');
    const user = await byIdentity('crm-1');
    expect(user.properties).toMatchObject({ plan: 'Enterprise', 'company.size': 40, email: 'a@b.co', Email: 'a@b.co' });
    expect((await c.get(`/api/v1/users/${user.user_id}/events?app_id=demo`)).body.events).toEqual([]);
  });

  it('refuses a missing, blocklisted or wrong-typed identity with its reason and stores nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ properties: { a: 1 } }, 'missing_identity'],
      [{ identity: null, properties: { a: 1 } }, 'missing_identity'],
      [{ identity: 'Guest', properties: { a: 1 } }, 'blocklisted'],
      [{ identity: '  ', properties: { a: 1 } }, 'empty'],
      [{ identity: 'x'.repeat(256), properties: { a: 1 } }, 'too_long'],
      [{ identity: { id: 1 }, properties: { a: 1 } }, 'invalid_type'],
      [{ identity: true, properties: { a: 1 } }, 'invalid_type'],
      [{ identity: 'ok', properties: 'plan=pro' }, 'invalid_type'],
      [{ identity: 'ok', properties: { id: 5 } }, 'reserved_key'],
      [{ identity: 'ok', properties: { a: 1 }, timestamp: '2010-01-01T00:00:00Z' }, 'invalid_timestamp'],
      [{ identity: 'ok', properties: { a: 1 }, timestamp: 'soon' }, 'invalid_timestamp'],
    ];
    for (const [item, reason] of cases) {
      const r = await c.post('/api/add_user_properties', { app_id: 'demo', ...item });
      expect([r.status, r.body.error?.code], JSON.stringify(item).slice(0, 60)).toEqual([400, reason]);
    }
    expect((await c.get('/api/v1/users?app_id=demo')).body.users).toEqual([]);
  });

  it('names the field a refusal is about, in the message and in bulk results', async () => {
    const missing = await c.post('/api/track', { app_id: 'demo', identity: 'field@example.com' });
    expect([missing.status, missing.body.error.code, missing.body.error.message]).toEqual([400, 'invalid_type', 'event: wrong type']);
    const key = await c.post('/api/track', { app_id: 'demo', identity: 'field@example.com', event: 'x', idempotency_key: 123 });
    expect(key.body.error.message).toMatch(/^idempotency_key: /);
    const when = await c.post('/api/add_user_properties', { app_id: 'demo', identity: 'a@example.com', properties: {}, timestamp: 'soon' });
    expect(when.body.error.message).toMatch(/^timestamp: /);
    const bulk = await c.post('/api/track', { app_id: 'demo', events: [{ identity: 'guest', event: 'x' }] });
    expect(bulk.body.results).toEqual([{ index: 0, status: 'refused', reason: 'blocklisted', field: 'identity' }]);
  });

  it('applies good keys and reports the bad ones (partial)', async () => {
    const r = await c.post('/api/add_user_properties', {
      app_id: 'demo',
      identity: 'p1',
      properties: { plan: 'Pro', user_id: 'x', list: [1] },
    });
    expect(r.body.status).toBe('partial');
    expect(r.body.refused_keys).toEqual([
      { key: 'user_id', reason: 'reserved_key' },
      { key: 'list', reason: 'invalid_type' },
    ]);
    expect((await byIdentity('p1')).properties.plan).toBe('Pro');
  });

  it('keeps the latest value by message time, not arrival (R11)', async () => {
    await c.post('/api/add_user_properties', {
      app_id: 'demo',
      identity: 'lw',
      properties: { plan: 'new' },
      timestamp: '2026-06-01T11:00:00Z',
    });
    await c.post('/api/add_user_properties', {
      app_id: 'demo',
      identity: 'lw',
      properties: { plan: 'old' },
      timestamp: '2026-06-01T10:00:00Z',
    });
    expect((await byIdentity('lw')).properties.plan).toBe('new');
  });

  it('bulk: good items applied, bad ones refused with their reason', async () => {
    const r = await c.post('/api/add_user_properties', {
      app_id: 'demo',
      users: [
        { identity: 'b1', properties: { plan: 'A' } },
        { identity: 'null', properties: { plan: 'B' } },
        'junk',
        { identity: 'b2', properties: { plan: 'C' } },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: any) => [x.index, x.status, x.reason])).toEqual([
      [0, 'accepted', undefined],
      [1, 'refused', 'blocklisted'],
      [2, 'refused', 'invalid_message'],
      [3, 'accepted', undefined],
    ]);
    const over = await c.post('/api/add_user_properties', {
      app_id: 'demo',
      users: Array.from({ length: 1001 }, (_, i) => ({ identity: `u${i}`, properties: {} })),
    });
    expect([over.status, over.body.error.code]).toEqual([413, 'too_many_items']);
  });
});

describe('POST /api/track', () => {
  it('tracks by identity, creating the user, and by user id (R13)', async () => {
    expect(
      (await c.post('/api/track', { app_id: 'demo', identity: 'crm-9', event: 'Invoice Paid', properties: { amount: 10 } })).body.status,
    ).toBe('accepted');
    expect((await c.post('/api/track', { app_id: 'demo', user_id: '4242', event: 'Server Event' })).body.status).toBe('accepted');
    const u = await byIdentity('crm-9');
    const events = (await c.get(`/api/v1/users/${u.user_id}/events?app_id=demo`)).body.events;
    expect(events.map((e: any) => [e.event, e.properties.amount, e.session_id])).toEqual([['Invoice Paid', 10, null]]);
    expect((await c.get('/api/v1/users/4242?app_id=demo')).body.identity).toBeNull();
  });

  it('stores a repeated idempotency_key once', async () => {
    const item = { app_id: 'demo', identity: 'idem-1', event: 'Paid', idempotency_key: 'order-77' };
    expect((await c.post('/api/track', item)).body.status).toBe('accepted');
    expect((await c.post('/api/track', item)).body.status).toBe('duplicate');
    const u = await byIdentity('idem-1');
    expect((await c.get(`/api/v1/users/${u.user_id}/events?app_id=demo`)).body.events).toHaveLength(1);
  });

  it('answers a repeated idempotency_key sent for someone else as a duplicate, creating nobody', async () => {
    const first = await c.post('/api/track', { app_id: 'demo', identity: 'first@example.com', event: 'Paid', idempotency_key: 'order-42' });
    const again = await c.post('/api/track', {
      app_id: 'demo',
      identity: 'second@example.com',
      event: 'Paid',
      idempotency_key: 'order-42',
    });
    expect(again.body).toEqual({ status: 'duplicate', user_id: first.body.user_id });
    expect((await c.get('/api/v1/users?app_id=demo&identity=second@example.com')).status).toBe(404);
    const byId = await c.post('/api/track', { app_id: 'demo', user_id: '6001', event: 'Paid', idempotency_key: 'order-42' });
    expect(byId.body.status).toBe('duplicate');
    expect((await c.get('/api/v1/users/6001?app_id=demo')).status).toBe(404);
  });

  it('refuses bad items with reasons; event names up to 1024 from a server', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ event: 'x' }, 'missing_identity'],
      [{ identity: 'a', event: '' }, 'empty'],
      [{ identity: 'a', event: 5 }, 'invalid_type'],
      [{ identity: 'a', event: 'x'.repeat(1025) }, 'too_long'],
      [{ identity: 'undefined', event: 'x' }, 'blocklisted'],
      [{ user_id: 'abc', event: 'x' }, 'invalid_type'],
      [{ identity: 'a', event: 'x', idempotency_key: 7 }, 'invalid_message'],
      [{ identity: 'a', event: 'x', timestamp: '2030-01-01T00:00:00Z' }, 'invalid_timestamp'],
    ];
    for (const [item, reason] of cases) {
      const r = await c.post('/api/track', { app_id: 'demo', ...item });
      expect([r.status, r.body.error?.code], JSON.stringify(item).slice(0, 60)).toEqual([400, reason]);
    }
    expect((await c.post('/api/track', { app_id: 'demo', identity: 'a', event: 'x'.repeat(1024) })).status).toBe(200);
  });

  it('bulk track answers per item', async () => {
    const r = await c.post('/api/track', {
      app_id: 'demo',
      events: [
        { identity: 'a', event: 'one' },
        { identity: 'a', event: '' },
      ],
    });
    expect(r.body.results.map((x: any) => x.status)).toEqual(['accepted', 'refused']);
  });
});

describe('POST /api/v1/identify (R14)', () => {
  it('identifies a device user id, merges into an existing identity, and refuses a conflicting one', async () => {
    await c.post('/api/v1/batch', {
      app_id: 'demo',
      messages: [message('track', { user_id: '10', event: 'a' }), message('track', { user_id: '11', session_id: '3', event: 'b' })],
    });
    expect((await c.post('/api/v1/identify', { app_id: 'demo', user_id: '10', identity: 'zed' })).body.status).toBe('accepted');
    const merged = await c.post('/api/v1/identify', { app_id: 'demo', user_id: '11', identity: 'zed' });
    expect(merged.body).toMatchObject({ status: 'accepted', user_id: '10' });
    const conflict = await c.post('/api/v1/identify', { app_id: 'demo', user_id: '10', identity: 'other' });
    expect([conflict.status, conflict.body.error.code]).toEqual([409, 'identity_conflict']);
    const again = await c.post('/api/v1/identify', { app_id: 'demo', user_id: '10', identity: 'zed' });
    expect(again.body.status).toBe('accepted');
    expect((await byIdentity('zed')).merged_user_ids).toEqual(['11']);
  });

  it('counts server identifies in the merge cap (R9)', async () => {
    for (let i = 0; i < 10; i++)
      expect((await c.post('/api/v1/identify', { app_id: 'demo', user_id: String(100 + i), identity: 'shared' })).status).toBe(200);
    const eleventh = await c.post('/api/v1/identify', { app_id: 'demo', user_id: '200', identity: 'shared' });
    expect([eleventh.status, eleventh.body.error.code]).toEqual([409, 'merge_cap']);
    // A refusal changes nothing: the user id was new, so no (empty) user is created for it.
    expect((await c.get('/api/v1/users/200?app_id=demo')).status).toBe(404);
    const warnings = (await c.get('/api/v1/warnings?app_id=demo')).body.warnings;
    expect(warnings[0]).toMatchObject({ reason: 'merge_cap', user_id: '200', identity: 'shared' });
  });

  it('does not count a server-created user in the cap', async () => {
    await c.post('/api/add_user_properties', { app_id: 'demo', identity: 'crm', properties: { a: 1 } });
    for (let i = 0; i < 10; i++)
      expect((await c.post('/api/v1/identify', { app_id: 'demo', user_id: String(300 + i), identity: 'crm' })).status).toBe(200);
    expect((await byIdentity('crm')).merged_user_ids).toHaveLength(10);
  });

  it('refuses bad input', async () => {
    expect((await c.post('/api/v1/identify', { app_id: 'demo', user_id: '1', identity: 'NaN' })).body.error.code).toBe('blocklisted');
    expect((await c.post('/api/v1/identify', { app_id: 'demo', user_id: 'x', identity: 'ok' })).body.error.code).toBe('invalid_type');
    expect((await c.post('/api/v1/identify', { app_id: 'demo', user_id: '1' })).body.error.code).toBe('missing_identity');
  });
});

describe('keys and limits', () => {
  it('needs the server key, compared in constant time; an app key works for its app only', async () => {
    const body = JSON.stringify({ app_id: 'demo', identity: 'k', properties: { a: 1 } });
    const none = await fetch(`${c.url}/api/add_user_properties`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect([none.status, ((await none.json()) as any).error.code]).toEqual([401, 'missing_key']);
    const wrong = await c.post('/api/add_user_properties', JSON.parse(body), { authorization: 'Bearer nope' });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'wrong_key']);
    const own = await c.post('/api/track', { app_id: 'own', identity: 'k', event: 'x' }, { authorization: 'Bearer own-key-0123456789' });
    expect(own.status).toBe(200);
    const ownElsewhere = await c.post(
      '/api/track',
      { app_id: 'demo', identity: 'k', event: 'x' },
      { authorization: 'Bearer own-key-0123456789' },
    );
    expect(ownElsewhere.status).toBe(401);
    const read = await c.get('/api/v1/users?app_id=demo', false);
    expect(read.status).toBe(401);
  });

  it('accepts app_id alone on server endpoints only for Heap-compatible apps', async () => {
    const r = await fetch(`${c.url}/api/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'heapish', identity: 'h', event: 'x' }),
    });
    expect(r.status).toBe(200);
    const read = await fetch(`${c.url}/api/v1/users?app_id=heapish`);
    expect(read.status).toBe(401);
  });

  it('rate-limits server-side calls per app when configured', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await c.post('/api/track', { app_id: 'limited', identity: 'r', event: 'x' })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await fetch(`${c.url}/api/track`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.serverKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'limited', identity: 'r', event: 'x' }),
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('rate-limits single calls per identity: 30 per 30 s, as Heap', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await c.post('/api/track', { app_id: 'demo', identity: 'busy', event: 'x' })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.slice(30)).toEqual([429, 429]);
    expect((await c.post('/api/track', { app_id: 'demo', identity: 'calm', event: 'x' })).status).toBe(200);
  });

  it('answers unknown routes and methods with a JSON error', async () => {
    const r = await c.get('/api/v1/nothing');
    expect([r.status, r.body.error.code]).toEqual([404, 'not_found']);
  });
});
