/* biome-ignore-all lint/suspicious/noDocumentCookie: the tests write cookies the way a server or another script would. */
import { decodeState, encodeState, STATE_KEY } from '@idem/core';
import type { JSDOM } from 'jsdom';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COOKIE_MAX_AGE, createStore, localStore, prefixedStore, probeCookieDomain, readCookies } from './storage.js';

// The unit project runs in jsdom at http://app.shop.test/ (vitest.config.ts); jsdom's real cookie jar
// applies the public suffix list, so the probing below meets the same refusals a browser makes.
const dom = (globalThis as unknown as { jsdom: JSDOM }).jsdom;
const jar = () => dom.cookieJar.getCookiesSync(location.href);

function clearCookies() {
  dom.cookieJar.removeAllCookiesSync();
}

function goTo(url: string) {
  dom.reconfigure({ url });
}

beforeEach(() => {
  goTo('http://app.shop.test/');
  clearCookies();
  localStorage.clear();
});

describe('probeCookieDomain (R2)', () => {
  it('finds the broadest registrable domain, never a public suffix', () => {
    expect(probeCookieDomain('app.shop.test')).toBe('shop.test');
    goTo('http://a.b.shop.example.co.uk/');
    expect(probeCookieDomain(location.hostname)).toBe('example.co.uk');
    goTo('http://deep.user.github.io/');
    // github.io is a (private) public suffix: the user's own site is as broad as it gets.
    expect(probeCookieDomain(location.hostname)).toBe('user.github.io');
  });

  it('uses a host-only cookie on localhost and IP addresses', () => {
    goTo('http://localhost:8080/');
    expect(probeCookieDomain('localhost')).toBe('');
    goTo('http://127.0.0.1:8080/');
    expect(probeCookieDomain('127.0.0.1')).toBe('');
  });

  it('leaves no probe cookie behind', () => {
    probeCookieDomain('app.shop.test');
    expect(jar()).toHaveLength(0);
  });

  it('honours cookieDomain when the browser accepts it, else falls back to host-only', () => {
    expect(probeCookieDomain('app.shop.test', false, 'app.shop.test')).toBe('app.shop.test');
    expect(probeCookieDomain('app.shop.test', false, 'other.test')).toBe('');
    expect(probeCookieDomain('app.shop.test', false, 'test')).toBe('');
  });

  it('answers null when cookies do not stick (blocked cookies read back nothing)', () => {
    const restore = blockCookies();
    try {
      expect(probeCookieDomain('app.shop.test')).toBeNull();
    } finally {
      restore();
    }
  });

  it('a Secure cookie does not stick on an http page; on https it does', () => {
    expect(probeCookieDomain('app.shop.test', true)).toBeNull();
    goTo('https://app.shop.test/');
    expect(probeCookieDomain('app.shop.test', true)).toBe('shop.test');
    createStore('idem_demo', localStorage, 'idem:demo:', { secureCookie: true }).set(STATE_KEY, state('5', 1));
    expect(jar()[0]!.secure).toBe(true);
  });
});

/** What a browser with cookies blocked does: writes are ignored and reads are empty. */
function blockCookies(): () => void {
  Object.defineProperty(document, 'cookie', { configurable: true, get: () => '', set: () => {} });
  return () => {
    delete (document as unknown as Record<string, unknown>).cookie;
  };
}

const state = (userId: string, last: number, identity: string | null = null) =>
  encodeState({ userId, sessionId: '42', lastActivity: last, identity });

describe('createStore', () => {
  afterEach(() => clearCookies());

  it('writes the state as one first-party cookie on the broadest domain, ~13 months, SameSite=Lax', () => {
    const store = createStore('idem_demo', localStorage, 'idem:demo:', {});
    store.set(STATE_KEY, state('123', Date.now()));
    const [cookie, ...rest] = jar();
    expect(rest).toHaveLength(0);
    expect(cookie!.key).toBe('idem_demo');
    expect(cookie!.domain).toBe('shop.test');
    expect(cookie!.hostOnly).toBe(false);
    expect(cookie!.path).toBe('/');
    expect(cookie!.sameSite).toBe('lax');
    expect(cookie!.maxAge).toBe(COOKIE_MAX_AGE);
    expect(COOKIE_MAX_AGE / 86400).toBeGreaterThanOrEqual(390);
    expect(COOKIE_MAX_AGE / 86400).toBeLessThanOrEqual(400);
    expect(store.get(STATE_KEY)).toBe(state('123', cookie ? decodeState(cookie.value)!.lastActivity : 0));
    // Nothing of the state in localStorage: clearing cookies means a new user (R2).
    expect(Object.keys(localStorage).filter((k) => k.includes('state'))).toHaveLength(0);
  });

  it('a subdomain reads the cookie the parent domain wrote; another domain does not', () => {
    goTo('http://shop.test/');
    createStore('idem_demo', localStorage, 'idem:demo:', {}).set(STATE_KEY, state('7', 1000));
    goTo('http://app.shop.test/');
    expect(createStore('idem_demo', localStorage, 'idem:demo:', {}).get(STATE_KEY)).toBe(state('7', 1000));
    goTo('http://other.test/');
    expect(createStore('idem_demo', localStorage, 'idem:demo:', {}).get(STATE_KEY)).toBeNull();
  });

  it('adopts a server-written host-only cookie and keeps the newest when two are visible', async () => {
    // The SvelteKit handle wrote a host-only cookie with a later activity than ours.
    // An earlier page left our cookie on the parent domain; then the server's response set its own.
    createStore('idem_demo', localStorage, 'idem:demo:', {}).set(STATE_KEY, state('1', 1000));
    document.cookie = `idem_demo=${state('2', 5000, 'alice@example.com')}; path=/`;
    expect(readCookies('idem_demo')).toHaveLength(2);
    // The next page load: its first write cleans up.
    await Promise.resolve();
    const store = createStore('idem_demo', localStorage, 'idem:demo:', {});
    expect(store.get(STATE_KEY)).toBe(state('2', 5000, 'alice@example.com'));
    // The next write goes to the parent domain and removes the host-only copy.
    store.set(STATE_KEY, state('2', 6000, 'alice@example.com'));
    expect(readCookies('idem_demo')).toEqual([state('2', 6000, 'alice@example.com')]);
    expect(jar()[0]!.domain).toBe('shop.test');
  });

  it('reads the cookie once per task: calls made together share one read', async () => {
    const store = createStore('idem_demo', localStorage, 'idem:demo:', {});
    store.set(STATE_KEY, state('1', 1000));
    document.cookie = `idem_demo=${state('3', 2000)}; path=/; domain=shop.test`;
    expect(store.get(STATE_KEY)).toBe(state('1', 1000));
    await Promise.resolve();
    expect(store.get(STATE_KEY)).toBe(state('3', 2000));
  });

  it('treats a damaged or hostile cookie as no state', async () => {
    const store = createStore('idem_demo', localStorage, 'idem:demo:', {});
    for (const bad of [
      'garbage',
      'v1.1.2',
      'v2.1.2.3.',
      'v1.01.2.3.',
      'v1.1.2.ZZZ.',
      `v1.1.2.3.${'%E0%A4%A'}`,
      'v1.9007199254740992.1.1.',
      'x'.repeat(3000),
    ]) {
      document.cookie = `idem_demo=${bad}; path=/`;
      await Promise.resolve();
      expect(store.get(STATE_KEY), bad).toBeNull();
    }
  });

  it('keeps other keys (event properties) in localStorage under the app prefix', () => {
    const store = createStore('idem_demo', localStorage, 'idem:demo:', {});
    store.set('event_props', '{"a":1}');
    expect(localStorage.getItem('idem:demo:event_props')).toBe('{"a":1}');
    expect(store.get('event_props')).toBe('{"a":1}');
    store.remove('event_props');
    expect(store.get('event_props')).toBeNull();
  });

  it('falls back to localStorage when cookies are blocked, and to memory without localStorage', () => {
    const restore = blockCookies();
    try {
      const store = createStore('idem_demo', localStorage, 'idem:demo:', {});
      store.set(STATE_KEY, state('9', 1));
      expect(localStorage.getItem('idem:demo:state')).toBe(state('9', 1));
      expect(store.get(STATE_KEY)).toBe(state('9', 1));
      const mem = createStore('idem_demo', null, 'idem:demo:', {});
      mem.set(STATE_KEY, state('10', 1));
      expect(mem.get(STATE_KEY)).toBe(state('10', 1));
      expect(localStorage.getItem('idem:demo:state')).toBe(state('9', 1));
      mem.remove(STATE_KEY);
      expect(mem.get(STATE_KEY)).toBeNull();
    } finally {
      restore();
    }
  });

  it('removes the cookie on remove', () => {
    const store = createStore('idem_demo', localStorage, 'idem:demo:', {});
    store.set(STATE_KEY, state('3', 1));
    store.remove(STATE_KEY);
    expect(readCookies('idem_demo')).toEqual([]);
  });
});

describe('localStore / prefixedStore', () => {
  it('answers null when localStorage throws (sandboxed frames, some privacy modes)', () => {
    const desc = Object.getOwnPropertyDescriptor(window, 'localStorage')!;
    Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get() {
        throw new DOMException('denied', 'SecurityError');
      },
    });
    try {
      expect(localStore()).toBeNull();
    } finally {
      Object.defineProperty(window, 'localStorage', desc);
    }
    expect(localStore()).toBe(localStorage);
  });

  it('survives a full localStorage (quota exceeded) without throwing', () => {
    const store = prefixedStore(localStorage, 'p:');
    const big = 'x'.repeat(6 * 1024 * 1024);
    expect(() => store.set('k', big)).not.toThrow();
  });
});
