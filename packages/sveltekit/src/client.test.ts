// @vitest-environment happy-dom
import { decodeState } from '@idem/core';
import { type RunningServer, startServer } from '@idem/server';
import type { RequestEvent } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { idem, identifyFromPage, initIdem } from './client.js';
import { createHandle, type IdemLocals } from './server.js';
import { send, setValue } from './test-kit.js';

let server: RunningServer;
let batches = 0;
const alice = `alice-${Date.now()}@example.com`;

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:', apps: ['demo'], rateLimits: false });
  const realFetch = window.fetch.bind(window);
  window.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    if (String(input).endsWith('/api/v1/batch')) batches++;
    return realFetch(input, init);
  }) as typeof fetch;
});
afterAll(async () => {
  idem.shutdown();
  await server.close();
});

async function api(path: string): Promise<any> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    request(new URL(path, server.url), { headers: { authorization: `Bearer ${server.serverKey}` } }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve(text ? JSON.parse(text) : null));
    })
      .on('error', reject)
      .end();
  });
}

/** The server's fetch over node:http (the DOM environment's fetch would apply CORS to a server's calls). */
const nodeFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
  const { request } = await import('node:http');
  return new Promise<Response>((resolve, reject) => {
    const req = request(String(input), { method: init?.method ?? 'GET', headers: init?.headers as Record<string, string> }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve(new Response(text, { status: res.statusCode ?? 0 })));
    });
    req.on('error', reject);
    req.end(init?.body as string | undefined);
  });
}) as typeof fetch;

/** Runs the real server handle for this page's URL, with the page's cookies, and applies its Set-Cookie to document.cookie. */
async function serverRequest(inside?: (idem: IdemLocals) => unknown) {
  const handle = createHandle({ appId: 'demo', endpoint: server.url, serverKey: server.serverKey, fetch: nodeFetch });
  const sent = await send(handle, {
    url: location.href,
    cookie: document.cookie,
    inside: (e: RequestEvent) => inside?.((e.locals as { idem: IdemLocals }).idem),
  });
  for (const line of sent.setCookies) {
    // biome-ignore lint/suspicious/noDocumentCookie: the browser applying the server's Set-Cookie
    document.cookie = line;
  }
  return decodeState(setValue(sent.setCookies, 'idem_demo'));
}

describe('initIdem and identifyFromPage, with the server handle and a real collector', () => {
  it('the SDK adopts the user id the server minted and rendered', async () => {
    const minted = await serverRequest();
    expect(minted?.userId).toMatch(/^\d+$/);
    const client = initIdem({ appId: 'demo', endpoint: server.url, flushIntervalMs: 10 });
    expect(client).toBe(idem);
    expect(idem.getUserId()).toBe(minted!.userId);
    await idem.flush();
    const events = await api(`/api/v1/users/${minted!.userId}/events?app_id=demo`);
    expect(events.events).toMatchObject([{ type: 'pageview', user_id: minted!.userId, url: location.href }]);
  });

  it('initIdem twice keeps the first instance, without a warning', () => {
    const warn = vi.spyOn(console, 'warn');
    const id = idem.getUserId();
    expect(initIdem({ appId: 'other', endpoint: 'http://nowhere.invalid' })).toBe(idem);
    expect(idem.getUserId()).toBe(id);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('identifies from page data, once (R7), keeping the visitor (R5)', async () => {
    const anon = idem.getUserId();
    expect(identifyFromPage({ data: { user: { id: alice } } })).toEqual({ ok: true });
    expect([idem.getUserId(), idem.getIdentity()]).toEqual([anon, alice]);
    await idem.flush();
    expect((await api(`/api/v1/users?app_id=demo&identity=${encodeURIComponent(alice)}`)).user_id).toBe(anon);
    const before = batches;
    for (let i = 0; i < 5; i++) identifyFromPage({ data: { user: { id: alice } } });
    await idem.flush();
    expect(batches).toBe(before);
  });

  it('a login identified on the server is adopted: the page identify sends nothing', async () => {
    // Log out in the browser, then log in through a "form action".
    identifyFromPage({ data: { user: null } });
    const bob = `bob-${Date.now()}@example.com`;
    const state = await serverRequest((locals) => locals.identify(bob));
    expect(state).toMatchObject({ identity: bob });
    expect([idem.getUserId(), idem.getIdentity()]).toEqual([state!.userId, bob]);
    await idem.flush();
    const before = batches;
    expect(identifyFromPage({ data: { user: { id: bob } } })).toEqual({ ok: true });
    await idem.flush();
    expect(batches).toBe(before);
    expect((await api(`/api/v1/users?app_id=demo&identity=${encodeURIComponent(bob)}`)).user_id).toBe(state!.userId);
  });

  it('resets on logout (R8), and does nothing more while anonymous', () => {
    const identified = idem.getUserId();
    expect(idem.getIdentity()).not.toBeNull();
    expect(identifyFromPage({ data: {} })).toEqual({ ok: true });
    const anon = idem.getUserId();
    expect(anon).not.toBe(identified);
    expect(idem.getIdentity()).toBeNull();
    for (const data of [{}, { user: null }, { user: {} }, { user: { id: '' } }, null, undefined]) identifyFromPage({ data });
    expect(idem.getUserId()).toBe(anon);
  });

  it('takes an identity picker, and resetOnLogout: false', () => {
    const carol = `carol-${Date.now()}@example.com`;
    const pick = { identity: (d: Record<string, unknown>) => (d.session as { email?: string } | undefined)?.email, resetOnLogout: false };
    identifyFromPage({ data: { session: { email: carol } } }, pick);
    const id = idem.getUserId();
    expect(idem.getIdentity()).toBe(carol);
    identifyFromPage({ data: {} }, pick);
    expect([idem.getUserId(), idem.getIdentity()]).toEqual([id, carol]);
  });

  it('refuses bad identities from page data with core reasons, and survives hostile pages', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const id = idem.getUserId();
    const identity = idem.getIdentity();
    expect(identifyFromPage({ data: { user: { id: 'null' } } })).toEqual({ ok: false, reason: 'blocklisted' });
    expect(identifyFromPage({ data: { user: { id: { nested: 1 } } } })).toEqual({ ok: false, reason: 'invalid_type' });
    expect(identifyFromPage({ data: { user: { id: 'x'.repeat(300) } } })).toEqual({ ok: false, reason: 'too_long' });
    expect(identifyFromPage({ data: { user: 'str' } }, { resetOnLogout: false })).toEqual({ ok: true });
    expect(identifyFromPage(undefined as never, { resetOnLogout: false })).toEqual({ ok: true });
    expect([idem.getUserId(), idem.getIdentity()]).toEqual([id, identity]);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });
});
