import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { message, testCollector } from '../test-support.js';

type C = Awaited<ReturnType<typeof testCollector>>;
let c: C;
beforeEach(async () => {
  c = await testCollector({ apps: ['demo', { id: 'locked', allowedOrigins: ['https://shop.example'] }] });
});
afterEach(() => c.close());

/** Everything a read can see: users with properties and events. Bad input must leave it unchanged. */
async function snapshot() {
  const list = await c.get('/api/v1/users?app_id=demo&limit=500');
  const users = [];
  for (const u of list.body.users) users.push({ ...u, events: (await c.get(`/api/v1/users/${u.user_id}/events?app_id=demo`)).body.events });
  return users;
}

const batch = (messages: unknown[], app = 'demo') =>
  c.post('/api/v1/batch', { app_id: app, sent_at: '2026-06-01T12:00:00.000Z', messages });

describe('POST /api/v1/batch', () => {
  it('stores a batch and answers per message', async () => {
    const r = await batch([
      message('pageview', { url: 'https://shop.example/?utm_source=news&utm_medium=email' }),
      message('track', { event: 'Signed Up', properties: { plan: 'Pro' } }),
    ]);
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: any) => x.status)).toEqual(['accepted', 'accepted']);
    const user = (await c.get('/api/v1/users/1001?app_id=demo')).body;
    expect(user.identity).toBeNull();
    expect(user.display_name).toBe('User 1001');
    expect(user.properties['Initial Marketing Channel']).toBe('Email');
    expect(user.properties['Initial UTM Source']).toBe('news');
    expect(user.sessions).toBe(1);
  });

  it('stores a retried batch once (idempotent by message id)', async () => {
    const ms = [
      message('track', { event: 'A' }),
      message('identify', { identity: 'ann' }),
      message('user_properties', { properties: { plan: 'x' } }),
    ];
    await batch(ms);
    const again = await batch(ms);
    expect(again.body.results.map((x: any) => x.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    const events = (await c.get('/api/v1/users/1001/events?app_id=demo')).body.events;
    expect(events).toHaveLength(1);
  });

  it('treats message ids as one namespace, and a repeat under another user id creates no user', async () => {
    const pageview = message('pageview', { url: 'https://shop.example/' });
    expect((await batch([pageview])).body.results[0].status).toBe('accepted');
    const replays = [
      { ...pageview, user_id: '6003' },
      { ...pageview, type: 'user_properties', user_id: '6004', properties: { plan: 'x' } },
    ];
    expect((await batch(replays)).body.results.map((x: any) => x.status)).toEqual(['duplicate', 'duplicate']);
    for (const id of ['6003', '6004']) expect((await c.get(`/api/v1/users/${id}?app_id=demo`)).status).toBe(404);
    const props = message('user_properties', { properties: { plan: 'y' } });
    await batch([props]);
    expect((await batch([{ ...props, type: 'track', event: 'Reused' }])).body.results[0].status).toBe('duplicate');
  });

  it('reports refusals per message and applies the rest', async () => {
    const r = await batch([
      message('identify', { identity: 'guest' }),
      message('identify', { identity: { a: 1 } }),
      message('track', { event: '' }),
      message('track', { event: 'x'.repeat(256) }),
      message('user_properties', { properties: { id: 1, plan: 'Pro' } }),
      message('user_properties', { properties: { USER_ID: 1 } }),
      message('track', { event: 'ok' }),
    ]);
    expect(r.body.results.map((x: any) => [x.status, x.reason])).toEqual([
      ['refused', 'blocklisted'],
      ['refused', 'invalid_type'],
      ['refused', 'empty'],
      ['refused', 'too_long'],
      ['partial', 'reserved_key'],
      ['refused', 'reserved_key'],
      ['accepted', undefined],
    ]);
    const user = (await c.get('/api/v1/users/1001?app_id=demo')).body;
    expect(user.properties.plan).toBe('Pro');
    expect(user.identity).toBeNull();
    const warnings = (await c.get('/api/v1/warnings?app_id=demo&user_id=1001')).body.warnings;
    expect(warnings.map((w: any) => w.reason).sort()).toEqual(
      ['blocklisted', 'empty', 'invalid_type', 'reserved_key', 'reserved_key', 'too_long'].sort(),
    );
  });

  it('refuses malformed messages without storing them', async () => {
    const bad = [
      null,
      42,
      'text',
      [],
      { type: 'track' },
      message('track', { id: 'short' }),
      message('track', { id: 'has spaces in it' }),
      message('track', { user_id: '-1', event: 'x' }),
      message('track', { user_id: '9007199254740992', event: 'x' }),
      message('track', { user_id: 12, event: 'x' }),
      message('track', { session_id: 'abc', event: 'x' }),
      message('nope', { event: 'x' }),
      message('pageview', { url: 'x'.repeat(3000) }),
      message('pageview', { url: 5 }),
      message('track', { event: 'x', time: 'yesterday' }),
      message('track', { event: 'x', time: '1999-01-01T00:00:00Z' }),
      message('track', { event: 'x', time: '2027-01-01T00:00:00Z' }),
      message('track', { event: 'x', properties: 'a string' }),
      message('track', { event: 'x', properties: [1, 2] }),
    ];
    const r = await batch(bad);
    expect(r.status).toBe(200);
    expect(r.body.results.every((x: any) => x.status === 'refused')).toBe(true);
    expect(r.body.results.slice(14, 17).map((x: any) => x.reason)).toEqual(['invalid_timestamp', 'invalid_timestamp', 'invalid_timestamp']);
    expect(await snapshot()).toEqual([]);
  });

  it('answers bad envelopes with 4xx {error:{code,message}} and changes nothing', async () => {
    await batch([message('track', { event: 'kept' })]);
    const before = await snapshot();
    const cases: [unknown, number, string][] = [
      ['{not json', 400, 'invalid_json'],
      ['[]', 400, 'invalid_request'],
      ['null', 400, 'invalid_request'],
      [{ messages: [message('track', { event: 'x' })] }, 400, 'invalid_app_id'],
      [{ app_id: 'nope', messages: [message('track', { event: 'x' })] }, 404, 'unknown_app'],
      [{ app_id: 'bad app!', messages: [] }, 400, 'invalid_app_id'],
      [{ app_id: 'demo', messages: [] }, 400, 'invalid_request'],
      [{ app_id: 'demo', messages: 'x' }, 400, 'invalid_request'],
      [{ app_id: 'demo', messages: Array.from({ length: 501 }, () => message('track', { event: 'x' })) }, 413, 'too_many_messages'],
      ['{"app_id":"demo","__proto__":{"polluted":true},"messages":[]}', 400, 'invalid_json'],
      ['{"app_id":"demo","messages":[{"type":"track","constructor":{"prototype":{"x":1}}}]}', 400, 'invalid_json'],
      [
        JSON.stringify({ app_id: 'demo', messages: [message('track', { event: 'x', properties: { big: 'x'.repeat(1_100_000) } })] }),
        413,
        'body_too_large',
      ],
    ];
    for (const [body, status, code] of cases) {
      const r = await c.post('/api/v1/batch', body);
      expect([r.status, r.body?.error?.code], JSON.stringify(body).slice(0, 80)).toEqual([status, code]);
      expect(typeof r.body.error.message).toBe('string');
    }
    const wrongType = await fetch(`${c.url}/api/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<a/>',
    });
    expect(wrongType.status).toBe(415);
    expect(({} as any).polluted).toBeUndefined();
    expect(await snapshot()).toEqual(before);
  });

  it('accepts sendBeacon text/plain bodies', async () => {
    const r = await c.post('/api/v1/batch', JSON.stringify({ app_id: 'demo', messages: [message('track', { event: 'beacon' })] }), {
      'content-type': 'text/plain;charset=UTF-8',
    });
    expect(r.body.results[0].status).toBe('accepted');
  });

  it('leaves times alone when sent_at differs by transit time only', async () => {
    await c.post('/api/v1/batch', {
      app_id: 'demo',
      sent_at: '2026-06-01T11:59:59.000Z',
      messages: [message('track', { event: 'x' }, '2026-06-01T11:59:58.000Z')],
    });
    const events = (await c.get('/api/v1/users/1001/events?app_id=demo')).body.events;
    expect(events[0].time).toBe('2026-06-01T11:59:58.000Z');
  });

  it('corrects message times by the client clock skew', async () => {
    // The client's clock is one hour behind the collector's.
    await c.post('/api/v1/batch', {
      app_id: 'demo',
      sent_at: '2026-06-01T11:00:00.000Z',
      messages: [message('track', { event: 'x' }, '2026-06-01T10:59:00.000Z')],
    });
    const events = (await c.get('/api/v1/users/1001/events?app_id=demo')).body.events;
    expect(events[0].time).toBe('2026-06-01T11:59:00.000Z');
  });

  it('limits origins when the app lists them, and answers preflight', async () => {
    const ok = await c.post(
      '/api/v1/batch',
      { app_id: 'locked', messages: [message('track', { event: 'x' })] },
      { origin: 'https://shop.example' },
    );
    expect(ok.status).toBe(200);
    const denied = await c.post(
      '/api/v1/batch',
      { app_id: 'locked', messages: [message('track', { event: 'x' })] },
      { origin: 'https://evil.example' },
    );
    expect([denied.status, denied.body.error.code]).toEqual([403, 'origin_not_allowed']);
    const pre = await fetch(`${c.url}/api/v1/batch`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });

  it('needs no key (the app id is public) and sets security headers', async () => {
    const res = await fetch(`${c.url}/api/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'demo', messages: [message('track', { event: 'x' })] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('merges by identify and never rewrites events (R5)', async () => {
    await batch([message('track', { event: 'laptop', user_id: '1' }), message('identify', { user_id: '1', identity: 'ann' })]);
    await batch([
      message('track', { event: 'phone', user_id: '2', session_id: '88' }),
      message('identify', { user_id: '2', session_id: '88', identity: 'ann' }),
    ]);
    const user = (await c.get('/api/v1/users/2?app_id=demo')).body;
    expect(user.user_id).toBe('1');
    expect(user.merged_user_ids).toEqual(['2']);
    expect(user.sessions).toBe(2);
    const events = (await c.get('/api/v1/users/1/events?app_id=demo')).body.events;
    expect(events.map((e: any) => [e.event, e.user_id])).toEqual([
      ['laptop', '1'],
      ['phone', '2'],
    ]);
  });

  it('keeps the earliest Initial properties across merged users (R11, R17)', async () => {
    await batch([
      message('pageview', { user_id: '5', url: 'https://a.example/late', time: '2026-06-01T11:00:00.000Z' }),
      message('identify', { user_id: '5', identity: 'kim' }),
    ]);
    await batch([
      message('pageview', { user_id: '6', session_id: '9', url: 'https://a.example/early?gclid=1', time: '2026-06-01T10:00:00.000Z' }),
      message('identify', { user_id: '6', session_id: '9', identity: 'kim' }),
    ]);
    const user = (await c.get('/api/v1/users?app_id=demo&identity=kim')).body;
    expect(user.properties['Initial Landing Page']).toBe('a.example/early');
    expect(user.properties['Initial Marketing Channel']).toBe('Paid Search');
    expect(user.first_seen).toBe('2026-06-01T10:00:00.000Z');
  });
});
