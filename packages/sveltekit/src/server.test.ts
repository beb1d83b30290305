import { execFileSync } from 'node:child_process';
import { getRandomValues } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createClient, decodeState, encodeState, type Message, STATE_KEY } from '@idem/core';
import { type RunningServer, startServer } from '@idem/server';
import type { Handle, RequestEvent } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { COOKIE_MAX_AGE, createHandle, type IdemHandleOptions, type IdemLocals } from './server.js';
import { attributes, type Sent, send, setValue } from './test-kit.js';

const NAME = 'idem_demo';
let server: RunningServer;
let calls: string[] = [];
let n = 0;
const fresh = (name = 'user') => `${name}-${++n}-${Date.now()}@example.com`;

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:', apps: ['demo'], rateLimits: false });
});
afterAll(() => server.close());
afterEach(() => {
  vi.restoreAllMocks();
  calls = [];
});

/** The real fetch, with each URL it was given noted, to prove when the collector was (not) called. */
const countingFetch: typeof fetch = (input, init) => {
  calls.push(String(input));
  return fetch(input, init);
};
const handleFor = (extra: Partial<IdemHandleOptions> = {}) =>
  createHandle({ appId: 'demo', endpoint: server.url, serverKey: server.serverKey, fetch: countingFetch, ...extra });

async function api(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, server.url), { headers: { authorization: `Bearer ${server.serverKey}` } });
  return { status: res.status, body: await res.json() };
}
const byIdentity = (identity: string) => api(`/api/v1/users?app_id=demo&identity=${encodeURIComponent(identity)}`);
const byUserId = (userId: string) => api(`/api/v1/users/${userId}?app_id=demo`);
const eventsOf = (userId: string) => api(`/api/v1/users/${userId}/events?app_id=demo`);

const idemOf = (event: RequestEvent) => (event.locals as { idem: IdemLocals }).idem;

/** One device: a cookie jar holding what the handle set, as a browser would. */
function device(handle: Handle = handleFor(), name = NAME) {
  let cookie: string | undefined;
  return {
    get cookie() {
      return cookie;
    },
    set cookie(v) {
      cookie = v;
    },
    async request(inside?: (idem: IdemLocals, event: RequestEvent) => unknown, url?: string): Promise<Sent & { result: unknown }> {
      let result: unknown;
      const sent = await send(handle, {
        ...(url ? { url } : {}),
        ...(cookie !== undefined ? { cookie: `${name}=${cookie}` } : {}),
        inside: async (e) => {
          result = await inside?.(idemOf(e), e);
        },
      });
      const value = setValue(sent.setCookies, name);
      if (value !== undefined) cookie = value;
      return { ...sent, result };
    },
    state() {
      return decodeState(cookie);
    },
    /** What the browser SDK does on a page: a pageview from this cookie's state, to browser ingestion. */
    async pageview(url = 'http://shop.test/pricing') {
      const store = new Map<string, string>(cookie ? [[STATE_KEY, cookie]] : []);
      const messages: Message[] = [];
      const client = createClient({
        storage: { get: (k) => store.get(k) ?? null, set: (k, v) => void store.set(k, v), remove: (k) => void store.delete(k) },
        now: Date.now,
        random: (b) => getRandomValues(b),
        send: (m) => void messages.push(m),
      });
      client.pageview(url, null);
      const res = await fetch(`${server.url}/api/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ app_id: 'demo', sent_at: new Date().toISOString(), messages }),
      });
      expect(res.status).toBe(200);
      cookie = store.get(STATE_KEY);
    },
  };
}

describe('the cookie', () => {
  it('mints an anonymous state in the browser SDK format, not httpOnly, path /, Lax, ~13 months', async () => {
    const t0 = Date.now();
    const { setCookies, event } = await send(handleFor());
    const value = setValue(setCookies, NAME)!;
    expect(value).toMatch(/^v1\.[1-9]\d*\.[1-9]\d*\.[0-9a-z]+\.$/);
    const state = decodeState(value)!;
    expect(state.identity).toBeNull();
    expect(state.lastActivity).toBeGreaterThanOrEqual(t0);
    expect(state.lastActivity).toBeLessThanOrEqual(Date.now());
    expect(encodeState(state)).toBe(value);
    expect(Number(state.userId)).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    const attrs = attributes(setCookies, NAME);
    expect(attrs).toMatchObject({ path: '/', 'max-age': String(COOKIE_MAX_AGE), samesite: 'Lax' });
    expect(attrs.httponly).toBeUndefined();
    expect(attrs.secure).toBeUndefined();
    expect(attrs.domain).toBeUndefined();
    expect(COOKIE_MAX_AGE).toBeGreaterThan(390 * 86400);
    expect(COOKIE_MAX_AGE).toBeLessThan(400 * 86400);
    const idem = idemOf(event);
    expect({ userId: idem.userId, identity: idem.identity, sessionId: idem.sessionId }).toEqual({
      userId: state.userId,
      identity: null,
      sessionId: state.sessionId,
    });
  });

  it('sets Secure and Domain when asked', async () => {
    const { setCookies } = await send(handleFor({ secureCookie: true, cookieDomain: 'shop.test' }), { url: 'http://www.shop.test/' });
    expect(attributes(setCookies, NAME)).toMatchObject({ secure: true, domain: 'shop.test', path: '/' });
  });

  it('gives every new visitor a different user id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) ids.add(decodeState(setValue((await send(handleFor())).setCookies, NAME))!.userId);
    expect(ids.size).toBe(50);
  });

  it('reads a valid cookie as it is and does not write it again', async () => {
    const d = device();
    await d.request();
    const first = d.cookie;
    const again = await d.request((idem) => idem.userId);
    expect(again.setCookies).toEqual([]);
    expect(again.result).toBe(decodeState(first)!.userId);
    expect(d.cookie).toBe(first);
  });

  it('keeps an identified cookie, identity with dots, %, spaces and non-ASCII included', async () => {
    for (const identity of ['a.b.c@example.com', '100% sure', 'Zoë 北京 😀', 'x;y=z,"q"\\']) {
      const value = encodeState({ userId: '123', sessionId: '456', lastActivity: Date.now(), identity });
      const { event, setCookies } = await send(handleFor(), { cookie: `other=1; ${NAME}=${value}; more=2` });
      expect(setCookies).toEqual([]);
      expect([idemOf(event).userId, idemOf(event).identity]).toEqual(['123', identity]);
    }
  });

  it('replaces a cookie that does not decode with a new anonymous user', async () => {
    const now = Date.now().toString(36);
    const bad = [
      '',
      'garbage',
      `v2.123.456.${now}.`,
      `v1.0123.456.${now}.`,
      `v1.123.-1.${now}.`,
      `v1.9007199254740992.456.${now}.`,
      `v1.123.456.NOTB36!.`,
      `v1.123.456.${now}`,
      `v1.123.456.${now}.null`,
      `v1.123.456.${now}.%E0%A4%A`,
      `v1.123.456.${now}.${'a'.repeat(256)}`,
      `v1.123.456.${now}.%20padded%20`,
      `v1.123.456.${now}.${'%F0%9F%98%80'.repeat(300)}`,
      `"v1.123.456.${now}."`,
    ];
    for (const value of bad) {
      const { event, setCookies } = await send(handleFor(), { cookie: `${NAME}=${value}` });
      const minted = setValue(setCookies, NAME);
      expect(minted, value).toMatch(/^v1\.\d+\.\d+\.[0-9a-z]+\.$/);
      expect(idemOf(event).userId).not.toBe('123');
      expect(idemOf(event).identity).toBeNull();
    }
  });

  it('survives hostile Cookie headers', async () => {
    const headers = [
      ';;;',
      '=',
      `${NAME}`,
      `${NAME}=`,
      `=${NAME}`,
      `${'x'.repeat(20_000)}=1`,
      `${NAME}=${'v1.1.1.1.'.repeat(2000)}`,
      `${NAME}=\u00e9\u00ff`,
    ];
    for (const cookie of headers) {
      const { event, setCookies } = await send(handleFor(), { cookie });
      expect(setValue(setCookies, NAME)).toMatch(/^v1\./);
      expect(idemOf(event).userId).toMatch(/^\d+$/);
    }
  });

  it('takes the state with the latest activity when two cookies are sent (host-only and parent domain)', async () => {
    const old = encodeState({ userId: '111', sessionId: '1', lastActivity: 1_000, identity: null });
    const recent = encodeState({ userId: '222', sessionId: '2', lastActivity: Date.now(), identity: 'alice@example.com' });
    for (const cookie of [`${NAME}=${old}; ${NAME}=${recent}`, `${NAME}=${recent}; ${NAME}=${old}`, `${NAME}=junk; ${NAME}=${recent}`]) {
      const { event } = await send(handleFor(), { cookie });
      expect([idemOf(event).userId, idemOf(event).identity]).toEqual(['222', 'alice@example.com']);
    }
  });

  it('keeps app ids apart', async () => {
    const other = createHandle({ appId: 'shop_2', endpoint: server.url, serverKey: server.serverKey });
    const demo = encodeState({ userId: '5', sessionId: '6', lastActivity: Date.now(), identity: null });
    const { event, setCookies } = await send(other, { cookie: `${NAME}=${demo}` });
    expect(setValue(setCookies, 'idem_shop_2')).toMatch(/^v1\./);
    expect(idemOf(event).userId).not.toBe('5');
  });

  it('composes with sequence, before and after other handles', async () => {
    const seen: string[] = [];
    const before: Handle = ({ event, resolve }) => {
      seen.push(`before:${String((event.locals as { idem?: unknown }).idem)}`);
      return resolve(event);
    };
    const after: Handle = async ({ event, resolve }) => {
      seen.push(`after:${idemOf(event).userId}`);
      const res = await resolve(event);
      res.headers.set('x-after', '1');
      return res;
    };
    const { response, event, setCookies } = await send(sequence(before, handleFor(), after));
    expect(seen).toEqual(['before:undefined', `after:${idemOf(event).userId}`]);
    expect(response.headers.get('x-after')).toBe('1');
    expect(decodeState(setValue(setCookies, NAME))!.userId).toBe(idemOf(event).userId);
  });

  it('refuses a bad app id when created', () => {
    for (const appId of ['', 'a b', '../x', 'x'.repeat(65), 'é', 42, null, undefined]) {
      expect(() => createHandle({ appId: appId as string, endpoint: server.url, serverKey: 'k' })).toThrow(TypeError);
    }
    expect(() => createHandle({ appId: 'demo', endpoint: server.url, serverKey: '' })).toThrow(TypeError);
  });
});

describe('identify in a form action, against the collector', () => {
  it('R5: an anonymous visitor keeps its user id, takes the identity, and its earlier events follow', async () => {
    const alice = fresh('alice');
    const d = device();
    await d.request();
    const anon = d.state()!;
    await d.pageview('http://shop.test/');
    await d.pageview('http://shop.test/pricing');
    const { result, event } = await d.request((idem) => idem.identify(`  ${alice}  `));
    expect(result).toMatchObject({ ok: true, status: 'accepted', userId: anon.userId });
    expect(d.state()).toMatchObject({ userId: anon.userId, sessionId: anon.sessionId, identity: alice });
    // The locals follow the cookie within the same request.
    expect([idemOf(event).userId, idemOf(event).identity]).toEqual([anon.userId, alice]);
    const user = await byIdentity(alice);
    expect(user.body).toMatchObject({ user_id: anon.userId, identity: alice });
    const events = await eventsOf(anon.userId);
    expect(events.body.events.map((e: { url: string }) => e.url)).toEqual(['http://shop.test/', 'http://shop.test/pricing']);
  });

  it('R5: a second device identifying the same identity merges into its owner', async () => {
    const alice = fresh('alice');
    const laptop = device();
    await laptop.request((idem) => idem.identify(alice));
    const phone = device();
    await phone.request();
    await phone.pageview('http://shop.test/phone');
    const phoneId = phone.state()!.userId;
    const { result } = await phone.request((idem) => idem.identify(alice));
    expect(result).toMatchObject({ ok: true, userId: laptop.state()!.userId });
    expect(phone.state()).toMatchObject({ userId: phoneId, identity: alice });
    const user = await byIdentity(alice);
    expect(user.body.user_id).toBe(laptop.state()!.userId);
    expect(user.body.merged_user_ids).toContain(phoneId);
    const events = await eventsOf(laptop.state()!.userId);
    expect(events.body.events.map((e: { user_id: string }) => e.user_id)).toEqual([phoneId]);
  });

  it('R7: the identity the cookie has sends nothing, but counts as activity', async () => {
    const alice = fresh('alice');
    const d = device();
    await d.request((idem) => idem.identify(alice));
    const before = d.state()!;
    await new Promise((r) => setTimeout(r, 5));
    calls = [];
    const { result, setCookies } = await d.request((idem) => idem.identify(alice));
    expect(result).toEqual({ ok: true });
    expect(calls).toEqual([]);
    expect(setCookies).toHaveLength(1);
    expect(d.state()!.lastActivity).toBeGreaterThan(before.lastActivity);
    expect(d.state()).toMatchObject({ userId: before.userId, identity: alice });
  });

  it('R6: identified as X, identify(Y) gives a new user id and session; the collector ties the NEW id to Y', async () => {
    const alice = fresh('alice');
    const bob = fresh('bob');
    const d = device();
    await d.request((idem) => idem.identify(alice));
    const asAlice = d.state()!;
    const { result } = await d.request((idem) => idem.identify(bob));
    const asBob = d.state()!;
    expect(asBob.identity).toBe(bob);
    expect(asBob.userId).not.toBe(asAlice.userId);
    expect(asBob.sessionId).not.toBe(asAlice.sessionId);
    expect(result).toMatchObject({ ok: true, userId: asBob.userId });
    expect((await byIdentity(bob)).body.user_id).toBe(asBob.userId);
    const aliceUser = (await byIdentity(alice)).body;
    expect(aliceUser.user_id).toBe(asAlice.userId);
    expect(aliceUser.merged_user_ids ?? []).not.toContain(asBob.userId);
  });

  it('R6: the new user id merges into an existing Y', async () => {
    const alice = fresh('alice');
    const bob = fresh('bob');
    const bobsPhone = device();
    await bobsPhone.request((idem) => idem.identify(bob));
    const shared = device();
    await shared.request((idem) => idem.identify(alice));
    await shared.request((idem) => idem.identify(bob));
    const newId = shared.state()!.userId;
    const user = (await byIdentity(bob)).body;
    expect(user.user_id).toBe(bobsPhone.state()!.userId);
    expect(user.merged_user_ids).toContain(newId);
    expect((await byIdentity(alice)).body.merged_user_ids ?? []).not.toContain(newId);
  });

  it('R4: refuses bad identities without calling the collector or touching the cookie', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const d = device();
    await d.request();
    const before = d.cookie;
    const bad: Array<[unknown, string]> = [
      ['', 'empty'],
      ['   ', 'empty'],
      ['x'.repeat(256), 'too_long'],
      ['null', 'blocklisted'],
      ['Anonymous', 'blocklisted'],
      [0, 'blocklisted'],
      [Number.NaN, 'invalid_type'],
      [{ id: 1 }, 'invalid_type'],
      [['a'], 'invalid_type'],
      [null, 'invalid_type'],
      [undefined, 'invalid_type'],
      [() => 'x', 'invalid_type'],
      [Symbol('x'), 'invalid_type'],
      [10n, 'invalid_type'],
    ];
    for (const [value, reason] of bad) {
      const { result, setCookies } = await d.request((idem) => idem.identify(value as string));
      expect(result, String(reason)).toEqual({ ok: false, reason });
      expect(setCookies).toEqual([]);
    }
    expect(d.cookie).toBe(before);
    expect(calls).toEqual([]);
    expect(warn).toHaveBeenCalled();
  });

  it('takes a finite number as its string, and hostile identities stay cookie-safe', async () => {
    const d = device();
    const { result } = await d.request((idem) => idem.identify(4242 + n++));
    expect(result).toMatchObject({ ok: true });
    expect(d.state()!.identity).toMatch(/^\d+$/);
    for (const identity of [`é;=,"\\ ${++n}`, `${'北'.repeat(250)}${++n}`, `<script>${++n}</script>`, `a.b.c.${++n}`]) {
      const e = device();
      const r = await e.request((idem) => idem.identify(identity));
      expect(r.result).toMatchObject({ ok: true });
      expect(e.cookie).toMatch(/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/);
      const next = await e.request((idem) => idem.identity);
      expect(next.result).toBe(identity);
      expect((await byIdentity(identity)).body.user_id).toBe(e.state()!.userId);
    }
  });

  it('leaves the cookie as it was when the collector cannot be reached or refuses the key', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    for (const [handle, name] of [
      [handleFor({ endpoint: `http://127.0.0.1:${closed}`, retries: 0 }), NAME],
      [handleFor({ serverKey: 'wrong-key' }), NAME],
      [handleFor({ appId: 'not_served' }), 'idem_not_served'],
    ] as const) {
      const d = device(handle, name);
      await d.request();
      const before = d.cookie;
      const { result, response } = await d.request((idem) => idem.identify(fresh('down')));
      expect(response.status).toBe(200);
      expect(result).toMatchObject({ ok: false, reason: 'collector_error' });
      expect(d.cookie).toBe(before);
      expect(d.state()!.identity).toBeNull();
    }
    expect(err).toHaveBeenCalled();
  });
});

describe('addUserProperties, track and resetIdentity', () => {
  it('anonymous: sends the browser SDK message through browser ingestion for this user id', async () => {
    const d = device();
    await d.request();
    const { result } = await d.request((idem) => idem.addUserProperties({ plan: 'Pro', seats: 3, nested: { a: true } }));
    expect(result).toMatchObject({ ok: true, status: 'accepted' });
    expect(calls).toEqual([`${server.url}/api/v1/batch`]);
    const user = (await byUserId(d.state()!.userId)).body;
    expect(user.properties).toMatchObject({ plan: 'Pro', seats: 3, 'nested.a': true });
  });

  it('anonymous: drops bad keys and reports the call refused; all bad sends nothing', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const d = device();
    await d.request();
    const part = await d.request((idem) => idem.addUserProperties({ plan: 'Team', id: 1, f: () => 1 }));
    expect(part.result).toMatchObject({ ok: false, reason: 'reserved_key' });
    const user = (await byUserId(d.state()!.userId)).body;
    expect(user.properties.plan).toBe('Team');
    expect(user.properties).not.toHaveProperty('id');
    calls = [];
    for (const bad of [{ user_id: 'x' }, { ID: 1 }, { '': 1 }, 'str', 42, [1, 2], { a: Number.POSITIVE_INFINITY }, { a: { b: null } }]) {
      const r = await d.request((idem) => idem.addUserProperties(bad as Record<string, unknown>));
      expect((r.result as { ok: boolean }).ok, JSON.stringify(bad)).toBe(false);
    }
    // Nothing to add is no call at all (core's rule for null / undefined / {}).
    for (const nothing of [null, undefined, {}]) {
      const r = await d.request((idem) => idem.addUserProperties(nothing as Record<string, unknown>));
      expect(r.result).toEqual({ ok: true });
    }
    expect(calls).toEqual([]);
  });

  it('identified: goes by identity to the server-side endpoint', async () => {
    const alice = fresh('alice');
    const d = device();
    await d.request((idem) => idem.identify(alice));
    calls = [];
    const { result } = await d.request((idem) => idem.addUserProperties({ plan: 'Enterprise', email: alice }));
    expect(result).toMatchObject({ ok: true });
    expect(calls).toEqual([`${server.url}/api/add_user_properties`]);
    const user = (await byIdentity(alice)).body;
    expect(user.properties).toMatchObject({ plan: 'Enterprise', email: alice, Email: alice });
  });

  it('track records a server-side event for the visitor', async () => {
    const d = device();
    await d.request();
    const { result } = await d.request((idem) => idem.track('Plan Chosen', { plan: 'Pro' }));
    expect(result).toMatchObject({ ok: true });
    const events = (await eventsOf(d.state()!.userId)).body.events;
    expect(events).toMatchObject([{ event: 'Plan Chosen', properties: { plan: 'Pro' } }]);
    const bad = await d.request((idem) => idem.track('', {}));
    expect(bad.result).toMatchObject({ ok: false, reason: 'empty' });
  });

  it('R8: resetIdentity gives an identified visitor a new anonymous user; an anonymous one keeps its own', async () => {
    const d = device();
    await d.request();
    const anon = d.cookie;
    const same = await d.request((idem) => idem.resetIdentity());
    expect(same.result).toEqual({ ok: true });
    expect(same.setCookies).toEqual([]);
    expect(d.cookie).toBe(anon);
    await d.request((idem) => idem.identify(fresh('carol')));
    const identified = d.state()!;
    const { result, event } = await d.request((idem) => idem.resetIdentity());
    expect(result).toEqual({ ok: true });
    expect(d.state()!.identity).toBeNull();
    expect(d.state()!.userId).not.toBe(identified.userId);
    expect(d.state()!.sessionId).not.toBe(identified.sessionId);
    expect(idemOf(event).userId).toBe(d.state()!.userId);
  });
});

describe('the published files', () => {
  const dist = (f: string) => fileURLToPath(new URL(`../dist/${f}`, import.meta.url));

  it('import on plain Node, with no SvelteKit runtime module', () => {
    expect(existsSync(dist('server.js')), 'run the build first').toBe(true);
    for (const f of ['server.js', 'client.js']) {
      const code = readFileSync(dist(f), 'utf8');
      expect(code).not.toMatch(/from ['"](\$app|\$env|@sveltejs\/kit)/);
    }
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const s = await import(${JSON.stringify(dist('server.js'))}); const c = await import(${JSON.stringify(dist('client.js'))});
         console.log(typeof s.createHandle, typeof c.initIdem, typeof c.identifyFromPage, c.initIdem({ appId: 'demo' }).getUserId(), JSON.stringify(c.identifyFromPage({ data: { user: { id: 'a' } } })));`,
      ],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe('function function function null {"ok":true}');
  });
});
