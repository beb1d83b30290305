import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, apiUrl, createApi, signInMessage } from './api.js';

/** The client against a real HTTP server that answers like a broken proxy, a slow one, and the collector's errors. */
let base = '';
const seen: { url: string; auth: string | undefined; cookie: string | undefined }[] = [];
const server = createServer((req, res) => {
  seen.push({ url: req.url ?? '', auth: req.headers.authorization, cookie: req.headers.cookie });
  const path = (req.url ?? '').split('?')[0];
  if (path === '/api/v1/users')
    return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"users":[],"next_cursor":null}');
  if (path === '/api/v1/properties')
    return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"wrong_key","message":"nope"}}');
  if (path === '/api/v1/warnings') return void res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
  res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"user_not_found","message":"no user"}}');
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('apiUrl', () => {
  it('encodes every parameter, repeats filters, drops empty ones', () => {
    const u = new URL(
      apiUrl(
        'users',
        { app_id: 'demo', q: 'a&b=c', filter: ['plan=Growth', 'x=a=b&c'], cursor: null, limit: 50, empty: '' },
        'http://h/dash/',
      ),
    );
    expect(u.pathname).toBe('/dash/api/v1/users');
    expect(u.searchParams.get('q')).toBe('a&b=c');
    expect(u.searchParams.getAll('filter')).toEqual(['plan=Growth', 'x=a=b&c']);
    expect(u.searchParams.has('cursor')).toBe(false);
    expect(u.searchParams.has('empty')).toBe(false);
  });
});

describe('createApi', () => {
  it('sends the key as a bearer header, never a cookie, and reads errors', async () => {
    let unauthorized: ApiError | null = null;
    const api = createApi({ key: 'secret-key-123', appId: 'demo' }, { base, onUnauthorized: (e) => (unauthorized = e) });
    await expect(api.users({ search: '  alice ', filters: [{ key: 'plan', value: 'a=b' }] })).resolves.toEqual({
      users: [],
      next_cursor: null,
    });
    const first = seen.at(-1)!;
    expect(first.auth).toBe('Bearer secret-key-123');
    expect(first.cookie).toBeUndefined();
    expect(first.url).toBe('/api/v1/users?app_id=demo&limit=50&q=alice&filter=plan%3Da%3Db');

    const e401 = await api.propertyNames().catch((e) => e);
    expect(e401).toBeInstanceOf(ApiError);
    expect([e401.status, e401.code, e401.message]).toEqual([401, 'wrong_key', 'nope']);
    expect(unauthorized).toBe(e401);

    const e404 = await api.user('../../etc/passwd?x').catch((e) => e);
    expect(seen.at(-1)!.url).toBe('/api/v1/users/..%2F..%2Fetc%2Fpasswd%3Fx?app_id=demo');
    expect([e404.status, e404.code]).toEqual([404, 'user_not_found']);

    const e502 = await api.warnings('1').catch((e) => e);
    expect([e502.status, e502.code]).toEqual([502, 'http_502']);
  });

  it('reports an unreachable collector as a network error', async () => {
    const api = createApi({ key: 'k', appId: 'demo' }, { base: 'http://127.0.0.1:1/' });
    const e = await api.users({}).catch((x) => x);
    expect([e.status, e.code]).toEqual([0, 'network']);
    expect(signInMessage(e, 'demo')).toMatch(/could not be reached/);
  });

  it('explains each sign-in failure', () => {
    expect(signInMessage(new ApiError(401, 'wrong_key', ''), 'demo')).toMatch(/refused/);
    expect(signInMessage(new ApiError(404, 'unknown_app', ''), 'shop')).toMatch(/no app "shop"/);
    expect(signInMessage(new ApiError(400, 'invalid_app_id', ''), 'x')).toMatch(/letters, digits/);
    expect(signInMessage(new ApiError(429, 'rate_limited', ''), 'x')).toMatch(/Too many/);
    expect(signInMessage(new ApiError(500, 'internal', 'internal error'), 'x')).toMatch(/500 \(internal\)/);
    expect(signInMessage(new Error('?'), 'x')).toMatch(/went wrong/);
  });
});
