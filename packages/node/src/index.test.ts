import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningServer, startServer } from '@idem/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IdemError, IdemServer } from './index.js';

let collector: RunningServer;
const KEY = 'test-key-0123456789abcdef';
beforeEach(async () => {
  collector = await startServer({ port: 0, db: ':memory:', apps: ['demo'], serverKey: KEY, rateLimits: false });
});
afterEach(() => collector.close());

const client = (endpoint = collector.url, extra = {}) =>
  new IdemServer({ endpoint, appId: 'demo', serverKey: KEY, backoffMs: 10, ...extra });
const read = async (path: string) =>
  (await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } })).json() as Promise<any>;

/** A proxy in front of the real collector that fails the first `failures` requests with `status`. */
async function flakyProxy(failures: number, status: number): Promise<{ url: string; hits: () => number; close: () => void }> {
  let hits = 0;
  const target = new URL(collector.url);
  const server: Server = createServer((req, res) => {
    hits += 1;
    if (hits <= failures) {
      if (status === 0) return req.socket.destroy();
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":{"code":"unavailable","message":"try later"}}');
      return;
    }
    const fwd = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(fwd);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits, close: () => server.close() };
}

describe('IdemServer (@idem/node)', () => {
  it('tracks, adds user properties and identifies against a real collector', async () => {
    const idem = client();
    expect(await idem.addUserProperties({ identity: 'crm-1', properties: { plan: 'Enterprise' } })).toMatchObject({ ok: true });
    expect(await idem.track({ identity: 'crm-1', event: 'Invoice Paid', properties: { amount: 99 } })).toMatchObject({ ok: true });
    const user = await read('/api/v1/users?app_id=demo&identity=crm-1');
    expect(user.properties.plan).toBe('Enterprise');
    expect((await idem.identify('123', 'crm-1')).ok).toBe(true);
    expect((await read('/api/v1/users/123?app_id=demo')).identity).toBe('crm-1');
  });

  it('refuses locally with core reasons and sends nothing', async () => {
    const idem = client('http://127.0.0.1:1'); // nothing listens: a send would throw
    expect(await idem.addUserProperties({ identity: 'guest', properties: { a: 1 } })).toEqual({ ok: false, reason: 'blocklisted' });
    expect(await idem.addUserProperties({ identity: undefined as unknown as string, properties: { a: 1 } })).toEqual({
      ok: false,
      reason: 'missing_identity',
    });
    expect(await idem.track({ event: 'x' })).toEqual({ ok: false, reason: 'missing_identity' });
    expect(await idem.track({ identity: 'a', event: '' })).toEqual({ ok: false, reason: 'empty' });
    expect(await idem.identify('1', 'null')).toEqual({ ok: false, reason: 'blocklisted' });
  });

  it('drops bad keys, sends the rest, and reports the call as refused', async () => {
    const r = await client().addUserProperties({ identity: 'k', properties: { plan: 'Pro', id: 1 } });
    expect(r).toMatchObject({ ok: false, reason: 'reserved_key' });
    expect((await read('/api/v1/users?app_id=demo&identity=k')).properties.plan).toBe('Pro');
  });

  it('retries 5xx and network errors with backoff, storing a retried track once', async () => {
    const proxy = await flakyProxy(2, 503);
    try {
      const r = await client(proxy.url).track({ identity: 'r1', event: 'Paid' });
      expect(r.ok).toBe(true);
      expect(proxy.hits()).toBe(3);
    } finally {
      proxy.close();
    }
    const dropped = await flakyProxy(1, 0);
    try {
      expect((await client(dropped.url).track({ identity: 'r1', event: 'Paid again' })).ok).toBe(true);
    } finally {
      dropped.close();
    }
    const user = await read('/api/v1/users?app_id=demo&identity=r1');
    const events = await read(`/api/v1/users/${user.user_id}/events?app_id=demo`);
    expect(events.events.map((e: any) => e.event)).toEqual(['Paid', 'Paid again']);
  });

  it('gives up after the retries with the last error, and does not retry 401', async () => {
    const proxy = await flakyProxy(100, 500);
    try {
      await expect(client(proxy.url, { retries: 2 }).track({ identity: 'a', event: 'x' })).rejects.toThrow(IdemError);
      expect(proxy.hits()).toBe(3);
    } finally {
      proxy.close();
    }
    const wrongKey = new IdemServer({ endpoint: collector.url, appId: 'demo', serverKey: 'wrong-key-000000000' });
    await expect(wrongKey.track({ identity: 'a', event: 'x' })).rejects.toMatchObject({ status: 401, code: 'wrong_key' });
  });

  it('sends bulk calls and returns a result per item', async () => {
    const r = await client().addUserPropertiesBulk([
      { identity: 'b1', properties: { plan: 'A' } },
      { identity: 'none', properties: { plan: 'B' } },
    ]);
    expect(r.results.map((x) => [x.ok, x.ok ? undefined : x.reason])).toEqual([
      [true, undefined],
      [false, 'blocklisted'],
    ]);
    const t = await client().trackBulk([
      { identity: 'b1', event: 'one', idempotencyKey: 'k1' },
      { identity: 'b1', event: 'one', idempotencyKey: 'k1' },
    ]);
    expect(t.results.map((x) => x.status)).toEqual(['accepted', 'duplicate']);
  });

  it('throws an IdemError with code network when the collector cannot be reached', async () => {
    await expect(client('http://127.0.0.1:1', { retries: 1 }).track({ identity: 'a', event: 'x' })).rejects.toMatchObject({
      name: 'IdemError',
      status: 0,
      code: 'network',
    });
  });

  it('validates its options', () => {
    expect(() => new IdemServer({ endpoint: '', appId: 'demo', serverKey: 'k' })).toThrow(/endpoint/);
    expect(() => new IdemServer({ endpoint: 'http://x', appId: '', serverKey: 'k' })).toThrow(/appId/);
    expect(() => new IdemServer({ endpoint: 'http://x', appId: 'demo', serverKey: '' })).toThrow(/serverKey/);
  });
});

describe('signIdentity', () => {
  it('signs the trimmed identity with HMAC-SHA256 over core payload, and refuses bad input', async () => {
    const { signIdentity } = await import('./index.js');
    const sig = signIdentity(' alice ', 'secret-0123456789abc', 'demo');
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(signIdentity('alice', 'secret-0123456789abc', 'demo')).toBe(sig);
    expect(signIdentity('alice', 'secret-0123456789abc', 'other')).not.toBe(sig);
    expect(() => signIdentity('guest', 'secret-0123456789abc', 'demo')).toThrow(/blocklisted/);
    expect(() => signIdentity('alice', 'short', 'demo')).toThrow(/16 characters/);
  });
});
