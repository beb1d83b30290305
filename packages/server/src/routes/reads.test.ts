import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, testCollector } from '../test-support.js';

type C = Awaited<ReturnType<typeof testCollector>>;
let c: C;

beforeAll(async () => {
  c = await testCollector();
  // 30 users: every third on Growth, the rest on Startup; ten of them did "Signed Up".
  for (let i = 0; i < 30; i++) {
    const t = new Date(Date.parse('2026-05-01T00:00:00Z') + i * 3600_000).toISOString();
    const messages: unknown[] = [message('pageview', { user_id: String(500 + i), session_id: '1', url: 'https://x.example/', time: t })];
    messages.push(
      message('user_properties', { user_id: String(500 + i), properties: { plan: i % 3 === 0 ? 'Growth' : 'Startup', seats: i }, time: t }),
    );
    if (i < 10) messages.push(message('track', { user_id: String(500 + i), session_id: '1', event: 'Signed Up', time: t }));
    await c.post('/api/v1/batch', { app_id: 'demo', messages });
  }
  await c.post('/api/v1/batch', {
    app_id: 'demo',
    messages: [message('identify', { user_id: '500', session_id: '1', identity: 'alice@example.com' })],
  });
});
afterAll(() => c.close());

describe('read API', () => {
  it('lists users by last seen, 50 a page by default, with a cursor', async () => {
    const first = await c.get('/api/v1/users?app_id=demo&limit=20');
    expect(first.body.users).toHaveLength(20);
    // User 500 identified last (at the collector's now), so it was seen last.
    expect(first.body.users.slice(0, 2).map((u: any) => u.user_id)).toEqual(['500', '529']);
    const second = await c.get(`/api/v1/users?app_id=demo&limit=20&cursor=${first.body.next_cursor}`);
    expect(second.body.users).toHaveLength(10);
    expect(second.body.next_cursor).toBeNull();
    const ids = [...first.body.users, ...second.body.users].map((u: any) => u.user_id);
    expect(new Set(ids).size).toBe(30);
  });

  it('searches by identity or user id prefix and filters by property', async () => {
    expect((await c.get('/api/v1/users?app_id=demo&q=alice')).body.users.map((u: any) => u.identity)).toEqual(['alice@example.com']);
    expect((await c.get('/api/v1/users?app_id=demo&q=52')).body.users).toHaveLength(10);
    expect((await c.get('/api/v1/users?app_id=demo&q=%25')).body.users).toHaveLength(0);
    const growth = (await c.get('/api/v1/users?app_id=demo&filter=plan%3DGrowth')).body.users;
    expect(growth).toHaveLength(10);
    expect(growth.every((u: any) => u.properties.plan === 'Growth')).toBe(true);
    expect((await c.get('/api/v1/users?app_id=demo&filter=seats%3D3')).body.users).toHaveLength(1);
    expect((await c.get('/api/v1/users?app_id=demo&filter=plan%3DGrowth&filter=seats%3D3')).body.users).toHaveLength(1);
  });

  it('answers a user by identity, by any of its user ids, or 404', async () => {
    const u = (await c.get('/api/v1/users?app_id=demo&identity=alice@example.com')).body;
    expect(u).toMatchObject({ user_id: '500', identity: 'alice@example.com', display_name: 'alice@example.com', merged_user_ids: [] });
    expect(u.first_seen).toBe('2026-05-01T00:00:00.000Z');
    expect((await c.get('/api/v1/users?app_id=demo&identity=bob')).status).toBe(404);
    expect((await c.get('/api/v1/users/999999?app_id=demo')).status).toBe(404);
    expect((await c.get('/api/v1/users/abc?app_id=demo')).status).toBe(400);
    expect((await c.get('/api/v1/users?app_id=demo&identity=guest')).body.error.code).toBe('blocklisted');
  });

  it('groups users by a property, optionally only those who did an event', async () => {
    const all = (await c.get('/api/v1/charts/breakdown?app_id=demo&property=plan')).body.rows;
    expect(all).toEqual([
      { value: 'Startup', users: 20 },
      { value: 'Growth', users: 10 },
    ]);
    const signed = (await c.get('/api/v1/charts/breakdown?app_id=demo&property=plan&event=Signed%20Up')).body.rows;
    expect(signed).toEqual([
      { value: 'Startup', users: 6 },
      { value: 'Growth', users: 4 },
    ]);
    const filtered = (await c.get('/api/v1/charts/breakdown?app_id=demo&property=plan&filter=seats%3D0')).body.rows;
    expect(filtered).toEqual([{ value: 'Growth', users: 1 }]);
  });

  it('charts users over time by first seen', async () => {
    const r = (
      await c.get('/api/v1/charts/timeseries?app_id=demo&property=plan&interval=day&from=2026-04-30T00:00:00Z&to=2026-06-02T00:00:00Z')
    ).body.rows;
    const total = r.reduce((n: number, x: any) => n + x.users, 0);
    expect(total).toBe(30);
    expect(r[0]).toEqual({ bucket: '2026-05-01', value: 'Startup', users: 16 });
  });

  it('lists property keys and event names, and events of a user', async () => {
    const p = (await c.get('/api/v1/properties?app_id=demo')).body;
    expect(p.properties).toContain('plan');
    expect(p.properties).toContain('Initial Landing Page');
    expect(p.events).toEqual(['Signed Up']);
    const events = (await c.get('/api/v1/users/500/events?app_id=demo')).body.events;
    expect(events.map((e: any) => e.type)).toEqual(['pageview', 'track']);
  });

  it("pages a user's events newest first with a cursor, and refuses a cursor it did not make", async () => {
    const first = (await c.get('/api/v1/users/500/events?app_id=demo&order=newest&limit=1')).body;
    expect(first.events.map((e: any) => e.type)).toEqual(['track']);
    expect(typeof first.next_cursor).toBe('string');
    const second = (await c.get(`/api/v1/users/500/events?app_id=demo&order=newest&limit=1&cursor=${first.next_cursor}`)).body;
    expect(second.events.map((e: any) => e.type)).toEqual(['pageview']);
    expect(second.next_cursor).toBeNull();
    expect((await c.get('/api/v1/users/500/events?app_id=demo')).body.next_cursor).toBeNull();
    for (const bad of ['order=sideways', 'cursor=garbage', `cursor=${Buffer.from('1:2').toString('base64url')}`, 'cursor=%00']) {
      const r = await c.get(`/api/v1/users/500/events?app_id=demo&${bad}`);
      expect([r.status, r.body.error.code]).toEqual([400, 'invalid_request']);
    }
  });

  it('refuses bad query parameters', async () => {
    expect((await c.get('/api/v1/users?app_id=demo&limit=0')).status).toBe(400);
    expect((await c.get('/api/v1/users?app_id=demo&limit=abc')).status).toBe(400);
    expect((await c.get('/api/v1/users?app_id=demo&limit=501')).status).toBe(400);
    expect((await c.get('/api/v1/users?app_id=demo&filter=noequals')).status).toBe(400);
    expect((await c.get('/api/v1/users?app_id=demo&app_id=demo')).status).toBe(400);
    expect((await c.get('/api/v1/users?app_id=demo&cursor=garbage')).status).toBe(400);
    expect((await c.get(`/api/v1/users?app_id=demo&cursor=${Buffer.from('abc:def').toString('base64url')}`)).status).toBe(400);
    expect((await c.get('/api/v1/charts/breakdown?app_id=demo')).status).toBe(400);
    expect((await c.get('/api/v1/charts/timeseries?app_id=demo&property=plan&interval=hour')).status).toBe(400);
    expect((await c.get('/api/v1/charts/timeseries?app_id=demo&property=plan&from=x')).status).toBe(400);
    expect((await c.get('/api/v1/users?app_id=nope')).status).toBe(404);
    expect((await c.get("/api/v1/users?app_id=demo&q=' OR 1=1 --")).body.users).toEqual([]);
  });
});
