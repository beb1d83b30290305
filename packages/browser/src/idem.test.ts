import type { Message } from '@idem/core';
import type { JSDOM } from 'jsdom';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdem, type Idem, type IdemOptions } from './idem.js';
import { deliver, startTestCollector, type TestCollector } from './test-collector.js';

const dom = (globalThis as unknown as { jsdom: JSDOM }).jsdom;
let collector: TestCollector;
let instances: Idem[] = [];
let warnings: string[] = [];

const make = (options: IdemOptions = {}, appId = 'demo') => {
  const idem = createIdem(appId, { endpoint: collector.url, autoPageviews: false, flushIntervalMs: 20, ...options });
  instances.push(idem);
  return idem;
};
const ofType = <T extends Message['type']>(type: T) => collector.stored.filter((m) => m.type === type) as Extract<Message, { type: T }>[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const queueKeys = () => Object.keys(localStorage).filter((k) => k.startsWith('idem:demo:q:'));

beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(() => collector.stop());

beforeEach(async () => {
  dom.reconfigure({ url: 'http://app.shop.test/start' });
  dom.cookieJar.removeAllCookiesSync();
  localStorage.clear();
  sessionStorage.clear();
  collector.stored.length = 0;
  collector.requests.length = 0;
  collector.arrivals.clear();
  collector.failNext.length = 0;
  collector.rawReply = undefined;
  warnings = [];
  vi.spyOn(console, 'warn').mockImplementation((text: string) => void warnings.push(String(text)));
});
afterEach(async () => {
  for (const i of instances) i.shutdown();
  instances = [];
  vi.restoreAllMocks();
  await collector.start(); // a test may have stopped it
});

describe('identity (core rules over the cookie)', () => {
  it('gives a new visitor a random user id and session, kept across instances (a reload)', async () => {
    const a = make();
    const userId = a.getUserId();
    expect(userId).toMatch(/^(0|[1-9]\d{0,15})$/);
    expect(a.getSessionId()).toMatch(/^\d+$/);
    expect(a.getIdentity()).toBeNull();
    a.shutdown();
    expect(make().getUserId()).toBe(userId);
    expect(document.cookie).toContain(`idem_demo=v1.${userId}.`);
  });

  it('identify keeps the user id, sends one identify, and sends nothing for the same identity again (R5, R7)', async () => {
    const idem = make();
    const userId = idem.getUserId();
    expect(idem.identify('  alice@example.com ')).toEqual({ ok: true });
    expect(idem.getIdentity()).toBe('alice@example.com');
    expect(idem.getUserId()).toBe(userId);
    for (let i = 0; i < 5; i++) expect(idem.identify('alice@example.com')).toEqual({ ok: true });
    expect(make().identify('alice@example.com')).toEqual({ ok: true }); // another page load
    await deliver(() => idem.flush());
    expect(ofType('identify')).toHaveLength(1);
    expect(ofType('identify')[0]).toMatchObject({ user_id: userId, identity: 'alice@example.com' });
  });

  it('identify as someone else gives a new user id (R6); resetIdentity gives a new anonymous user (R8)', async () => {
    const idem = make();
    idem.identify('alice');
    const alice = idem.getUserId();
    idem.identify('bob');
    const bob = idem.getUserId();
    expect(bob).not.toBe(alice);
    idem.resetIdentity();
    expect(idem.getIdentity()).toBeNull();
    expect(idem.getUserId()).not.toBe(bob);
    const anon = idem.getUserId();
    idem.resetIdentity(); // anonymous: nothing
    expect(idem.getUserId()).toBe(anon);
  });

  it('refuses hostile identities with a warning and changes nothing (R4)', async () => {
    const idem = make();
    const userId = idem.getUserId();
    const cases: Array<[unknown, string]> = [
      [null, 'invalid_type'],
      [undefined, 'invalid_type'],
      [{ toString: () => 'x' }, 'invalid_type'],
      [['a'], 'invalid_type'],
      [Number.NaN, 'invalid_type'],
      [Number.POSITIVE_INFINITY, 'invalid_type'],
      [Symbol('s'), 'invalid_type'],
      [10n, 'invalid_type'],
      ['   ', 'empty'],
      ['x'.repeat(256), 'too_long'],
      [' Guest ', 'blocklisted'],
      ['[object Object]', 'blocklisted'],
      ['0', 'blocklisted'],
      [0, 'blocklisted'],
    ];
    for (const [value, reason] of cases) expect(idem.identify(value as string)).toEqual({ ok: false, reason });
    expect(warnings.filter((w) => w.includes('identify refused'))).toHaveLength(cases.length);
    expect(idem.getIdentity()).toBeNull();
    expect(idem.getUserId()).toBe(userId);
    await deliver(() => idem.flush());
    expect(ofType('identify')).toHaveLength(0);
  });

  it('subscribe fires on changes and getSnapshot keeps one object until then', () => {
    const idem = make();
    const seen: unknown[] = [];
    const off = idem.subscribe(() => seen.push(idem.getSnapshot()));
    // No call yet: no user. getUserId makes the anonymous user (R15) and notifies.
    expect(idem.getSnapshot()).toEqual({ userId: null, identity: null, sessionId: null });
    idem.getUserId();
    expect(seen).toHaveLength(1);
    const first = idem.getSnapshot();
    expect(idem.getSnapshot()).toBe(first);
    expect(first.userId).toBe(idem.getUserId());
    idem.identify('carol');
    expect(seen).toHaveLength(2);
    expect(idem.getSnapshot()).toMatchObject({ identity: 'carol', userId: first.userId });
    expect(idem.getSnapshot()).toBe(idem.getSnapshot());
    off();
    idem.resetIdentity();
    expect(seen).toHaveLength(2);
  });
});

describe('track and properties', () => {
  it('tracks with event properties merged in, and the call-site values winning', async () => {
    const idem = make();
    idem.addEventProperties({ plan: 'pro', area: 'shop' });
    idem.track('Checkout', { plan: 'team', total: 12.5, nested: { a: { b: true } } });
    idem.removeEventProperty('area');
    idem.track('Second');
    idem.clearEventProperties();
    idem.track('Third');
    await deliver(() => idem.flush());
    const [a, b, c] = ofType('track');
    expect(a!.properties).toEqual({ plan: 'team', area: 'shop', total: 12.5, 'nested.a.b': true });
    expect(b!.properties).toEqual({ plan: 'pro' });
    expect(c!.properties).toEqual({});
  });

  it('refuses bad event names and hostile properties, sending only what the rules allow (R10)', async () => {
    const idem = make();
    expect(idem.track('')).toEqual({ ok: false, reason: 'empty' });
    expect(idem.track('x'.repeat(256))).toEqual({ ok: false, reason: 'too_long' });
    expect(idem.track(42 as unknown as string)).toEqual({ ok: false, reason: 'invalid_type' });
    expect(idem.track('ok', [1, 2] as unknown as Record<string, unknown>)).toEqual({ ok: false, reason: 'invalid_type' });
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    expect(idem.track('circular', circular).ok).toBe(false);
    const polluted = JSON.parse('{"__proto__": {"polluted": true}, "fine": "yes"}');
    expect(idem.track('proto', polluted)).toEqual({ ok: false, reason: 'reserved_key' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const many = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]));
    expect(idem.track('many', many)).toEqual({ ok: false, reason: 'too_long' });
    expect(idem.addUserProperties({ user_id: 'x', ID: 3, email: 'a@b.c', long: 'y'.repeat(5000), fn: () => 1 })).toEqual({
      ok: false,
      reason: 'reserved_key',
    });
    expect(idem.addUserProperties('nope' as unknown as Record<string, unknown>)).toEqual({ ok: false, reason: 'invalid_type' });
    await deliver(() => idem.flush());
    // Too many keys refuses the whole call; a bad key (or too deep a value) drops that key only.
    expect(ofType('track').map((m) => m.event)).toEqual(['circular', 'proto']);
    expect(ofType('track')[1]!.properties).toEqual({ fine: 'yes' });
    const [props] = ofType('user_properties');
    expect(props!.properties).toEqual({ email: 'a@b.c', Email: 'a@b.c', long: 'y'.repeat(1024) });
    expect(ofType('user_properties')).toHaveLength(1);
  });
});

describe('pageviews', () => {
  it('sends the landing pageview with the referrer, then single-page navigations', async () => {
    dom.reconfigure({ url: 'http://app.shop.test/landing?utm_source=news&utm_medium=email#top' });
    Object.defineProperty(document, 'referrer', { configurable: true, get: () => 'https://www.google.com/' });
    try {
      const idem = make({ autoPageviews: true });
      history.pushState({}, '', '/products');
      history.replaceState({}, '', '/products'); // same page: nothing
      history.pushState({}, '', '/products#reviews'); // an anchor: nothing
      history.pushState({}, '', '/products?page=2');
      history.replaceState({}, '', '/#/route'); // a hash route: a page
      history.back();
      await sleep(50); // popstate is asynchronous
      await deliver(() => idem.flush());
      expect(ofType('pageview').map((m) => [m.url, m.referrer])).toEqual([
        ['http://app.shop.test/landing?utm_source=news&utm_medium=email#top', 'https://www.google.com/'],
        ['http://app.shop.test/products', 'http://app.shop.test/landing?utm_source=news&utm_medium=email#top'],
        // The referrer is the last page sent: an anchor move is no page.
        ['http://app.shop.test/products?page=2', 'http://app.shop.test/products'],
        ['http://app.shop.test/#/route', 'http://app.shop.test/products?page=2'],
        ['http://app.shop.test/products#reviews', 'http://app.shop.test/#/route'],
      ]);
      const session = ofType('pageview')[0]!.session_id;
      expect(ofType('pageview').every((m) => m.session_id === session)).toBe(true);
    } finally {
      delete (document as unknown as Record<string, unknown>).referrer;
    }
  });

  it('can be turned off, and pageview(url) still sends one', async () => {
    const idem = make({ autoPageviews: false });
    history.pushState({}, '', '/elsewhere');
    expect(idem.pageview('/virtual')).toEqual({ ok: true });
    await deliver(() => idem.flush());
    expect(ofType('pageview').map((m) => m.url)).toEqual(['/virtual']);
  });

  it('shutdown puts history back and stops listening', async () => {
    const original = history.pushState;
    const idem = make({ autoPageviews: true });
    expect(history.pushState).not.toBe(original);
    idem.shutdown();
    expect(history.pushState).toBe(original);
    history.pushState({}, '', '/after');
    expect(idem.track('late')).toEqual({ ok: false, reason: 'invalid_message' });
    await sleep(50);
    expect(ofType('pageview')).toHaveLength(0);
  });
});

describe('delivery', () => {
  it('batches by count: a full batch goes at once, as text/plain, with an envelope', async () => {
    const idem = make({ batchSize: 3, flushIntervalMs: 60_000 });
    idem.track('a');
    idem.track('b');
    await sleep(100);
    expect(collector.requests).toHaveLength(0);
    idem.track('c');
    await collector.wait(() => collector.requests.length === 1);
    const req = collector.requests[0]!;
    expect(req.contentType).toMatch(/^text\/plain/);
    const body = JSON.parse(req.body);
    expect(body.app_id).toBe('demo');
    expect(Date.parse(body.sent_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(body.messages.map((m: { event: string }) => m.event)).toEqual(['a', 'b', 'c']);
    expect(new Set(body.messages.map((m: Message) => m.id)).size).toBe(3);
  });

  it('batches by time', async () => {
    const idem = make({ batchSize: 100, flushIntervalMs: 200 });
    const t0 = Date.now();
    idem.track('a');
    idem.track('b');
    await collector.wait(() => collector.stored.length === 2);
    expect(collector.requests).toHaveLength(1);
    expect(collector.requests[0]!.at - t0).toBeGreaterThanOrEqual(150);
  });

  it('retries 5xx, 429 and network errors with growing, jittered back-off and stores each message once', async () => {
    collector.failNext.push(503, 429, 500);
    const idem = make({ flushIntervalMs: 0 });
    idem.track('retry-me');
    await collector.wait(() => collector.stored.length === 1, 15_000);
    const at = collector.requests.map((r) => r.at);
    expect(at).toHaveLength(4);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // 0.5-1 s, then 1-2 s, then 2-4 s.
    expect(gaps[0]).toBeGreaterThanOrEqual(450);
    expect(gaps[1]).toBeGreaterThanOrEqual(950);
    expect(gaps[2]).toBeGreaterThanOrEqual(1950);
    expect(gaps[2]).toBeLessThan(4500);
    expect(collector.arrivals.get(collector.stored[0]!.id)).toBe(4 - 3); // failed requests stored nothing
  });

  it('a collector down for a while loses nothing, and flush() retries at once', async () => {
    const idem = make({ batchSize: 5 });
    await collector.stop();
    for (let i = 0; i < 12; i++) idem.track(`down-${i}`);
    await sleep(300);
    await collector.start();
    await deliver(() => idem.flush());
    await collector.wait(() => collector.stored.length === 12);
    expect(collector.stored.map((m) => (m as { event: string }).event)).toEqual(Array.from({ length: 12 }, (_, i) => `down-${i}`));
    await deliver(() => idem.flush());
    expect(queueKeys()).toHaveLength(0);
  });

  it('drops a batch the collector refuses with 4xx (not 429), with a warning, and goes on', async () => {
    collector.failNext.push(400);
    const idem = make();
    idem.track('bad-envelope');
    await collector.wait(() => collector.requests.length === 1);
    await deliver(() => idem.flush());
    idem.track('next');
    await deliver(() => idem.flush());
    expect(collector.stored.map((m) => (m as { event: string }).event)).toEqual(['next']);
    expect(warnings.some((w) => w.includes('HTTP 400'))).toBe(true);
  });

  it('warns about messages the collector refused', async () => {
    collector.rawReply = JSON.stringify({ results: [{ id: 'x', status: 'refused', reason: 'blocklisted' }] });
    const idem = make();
    idem.track('e');
    await deliver(() => idem.flush());
    expect(warnings.some((w) => w.includes('refused (blocklisted)'))).toBe(true);
  });

  it('persists the queue across a reload, and the next page sends it', async () => {
    await collector.stop();
    const page1 = make();
    page1.track('before-reload');
    page1.identify('dave');
    await sleep(100);
    window.dispatchEvent(new Event('pagehide'));
    page1.shutdown();
    expect(queueKeys()).toHaveLength(1);
    await collector.start();
    const page2 = make();
    await deliver(() => page2.flush());
    await collector.wait(() => collector.stored.length === 2);
    expect(collector.stored.map((m) => m.type)).toEqual(['track', 'identify']);
    await deliver(() => page2.flush());
    expect(queueKeys()).toHaveLength(0);
  });

  it("adopts a closed tab's queue, but not a live tab's", async () => {
    const msg = (id: string) => ({ id, type: 'track', user_id: '1', session_id: '2', time: new Date().toISOString(), event: id });
    localStorage.setItem('idem:demo:q:closedtab', JSON.stringify({ t: 0, m: [msg('closed-tab-1')] }));
    localStorage.setItem('idem:demo:q:crashedtab', JSON.stringify({ t: Date.now() - 60_000, m: [msg('crashed-tab-1')] }));
    localStorage.setItem('idem:demo:q:livetab', JSON.stringify({ t: Date.now(), m: [msg('live-tab-1')] }));
    localStorage.setItem('idem:demo:q:garbage', '{not json');
    localStorage.setItem('idem:demo:q:hostile', JSON.stringify({ t: 0, m: [null, 5, { id: 7 }, msg('hostile-ok')] }));
    const idem = make();
    await idem.flush();
    await collector.wait(() => collector.stored.length === 3);
    expect(collector.stored.map((m) => m.id).sort()).toEqual(['closed-tab-1', 'crashed-tab-1', 'hostile-ok']);
    expect(localStorage.getItem('idem:demo:q:livetab')).not.toBeNull();
    expect(localStorage.getItem('idem:demo:q:garbage')).toBeNull();
  });

  it('bounds the queue: the oldest are dropped, with a warning', async () => {
    await collector.stop();
    const idem = make({ maxQueue: 5, batchSize: 100 });
    for (let i = 0; i < 8; i++) idem.track(`m${i}`);
    expect(warnings.filter((w) => w.includes('queue full'))).toHaveLength(3);
    await collector.start();
    await deliver(() => idem.flush());
    // A pooled connection to the stopped server may fail the first try; the retry then delivers.
    await collector.wait(() => collector.stored.length === 5);
    expect(collector.stored.map((m) => (m as { event: string }).event)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7']);
  });

  it('flushes at once when the page is hidden, without waiting for the timer', async () => {
    const idem = make({ flushIntervalMs: 60_000, batchSize: 100 });
    idem.track('closing');
    window.dispatchEvent(new Event('pagehide'));
    await collector.wait(() => collector.stored.length === 1, 2000);
    await deliver(() => idem.flush());
    expect(queueKeys()).toHaveLength(0);
  });

  it('trims a trailing slash from the endpoint', async () => {
    const slash = make({ endpoint: `${collector.url}///` });
    slash.track('slash');
    await deliver(() => slash.flush());
    expect(collector.stored.map((m) => (m as { event: string }).event)).toEqual(['slash']);
  });
});

describe('options and bad input', () => {
  it('refuses a bad app id with a warning and gives an instance that does nothing', async () => {
    for (const bad of ['', '../x', 'a b', 'x'.repeat(65), 42, null, '<script>']) {
      const idem = createIdem(bad as string);
      expect(idem.track('x')).toEqual({ ok: true });
      expect(idem.getUserId()).toBeNull();
    }
    expect(warnings.filter((w) => w.includes('invalid app id'))).toHaveLength(7);
    expect(document.cookie).toBe('');
  });

  it('ignores nonsense numeric options', async () => {
    const idem = make({ batchSize: -1, flushIntervalMs: Number.NaN, maxQueue: 'x' as unknown as number });
    idem.track('still-works');
    await collector.wait(() => collector.stored.length === 1, 3000);
  });

  it('onReady calls back at once, survives a throwing callback and ignores a non-function', () => {
    const idem = make();
    const cb = vi.fn();
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(idem.onReady(cb)).toEqual({ ok: true });
    expect(cb).toHaveBeenCalledOnce();
    expect(
      idem.onReady(() => {
        throw new Error('boom');
      }),
    ).toEqual({ ok: true });
    expect(err).toHaveBeenCalled();
    expect(idem.onReady('nope' as unknown as () => void)).toEqual({ ok: true });
  });

  it('logs messages with debug', async () => {
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const idem = make({ debug: true });
    idem.track('dbg');
    await deliver(() => idem.flush());
    expect(debug).toHaveBeenCalled();
  });
});
