import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JSDOM } from 'jsdom';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { snippet } from './snippet.js';
import { deliver, startTestCollector, type TestCollector } from './test-collector.js';

// The script-tag build as a page gets it: the README's snippet first, then dist/idem.min.js.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = () => readFileSync(join(root, 'dist/idem.min.js'), 'utf8');

const dom = (globalThis as unknown as { jsdom: JSDOM }).jsdom;
const w = window as unknown as Record<string, any>;
/** Runs a script in the page's global scope, as a <script> tag would. */
const run = (code: string) => new Function(code)();
let collector: TestCollector;

beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(() => collector.stop());
beforeEach(() => {
  dom.reconfigure({ url: 'http://app.shop.test/page' });
  dom.cookieJar.removeAllCookiesSync();
  localStorage.clear();
  collector.stored.length = 0;
});
afterEach(() => {
  if (typeof w.idem?.shutdown === 'function' && !Array.isArray(w.idem)) w.idem.shutdown();
  delete w.idem;
  delete w.heap;
  vi.restoreAllMocks();
});

const events = () => collector.stored.map((m) => `${m.type}:${'event' in m ? m.event : 'identity' in m ? m.identity : ''}`);

describe('the IIFE build and its snippet', () => {
  it('the README shows exactly the tested snippet', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain(snippet);
  });

  it('the snippet queues calls and injects the script; the bundle replays them in order (R18)', async () => {
    run(snippet);
    w.idem.track('before-load', { n: 1 });
    w.idem.identify('hana');
    w.idem.load('demo', { endpoint: collector.url, flushIntervalMs: 10 });
    w.idem.addUserProperties({ plan: 'team' });
    const ready = vi.fn();
    w.idem.onReady(ready);
    w.idem.track('after-load');
    const script = document.head.querySelector('script[src]') as HTMLScriptElement;
    expect(script.src).toBe(`${collector.url}/idem.min.js`);
    expect(script.async).toBe(true);
    expect(Array.isArray(w.idem)).toBe(true);

    run(bundle());
    expect(Array.isArray(w.idem)).toBe(false);
    expect(ready).toHaveBeenCalledOnce();
    expect(w.idem.getIdentity()).toBe('hana');
    w.idem.push(['track', ['pushed']]);
    await deliver(() => w.idem.flush());
    expect(events()).toEqual(['pageview:', 'track:before-load', 'identify:hana', 'user_properties:', 'track:after-load', 'track:pushed']);
  });

  it('works without the snippet, with idem.init, and ignores a second copy of the bundle', async () => {
    run(bundle());
    const api = w.idem;
    expect(api.init('demo', { endpoint: collector.url, autoPageviews: false })).toEqual({ ok: true });
    run(bundle());
    expect(w.idem).toBe(api);
    api.track('once');
    await deliver(() => api.flush());
    expect(events()).toEqual(['track:once']);
  });

  it('also replays Heap-style entries, [method, ...args], as a hand-written stub may queue them', async () => {
    w.idem = [
      ['track', 'heap-style', { n: 1 }],
      ['identify', 'jo@example.com'],
      ['resetIdentity'],
      ['init', 'demo', { endpoint: collector.url, autoPageviews: false }],
    ];
    run(bundle());
    await deliver(() => w.idem.flush());
    expect(events()).toEqual(['track:heap-style', 'identify:jo@example.com']);
    expect(collector.stored[0]).toMatchObject({ properties: { n: 1 } });
    expect(w.idem.getIdentity()).toBeNull();
  });

  it('survives hostile queue entries with a warning', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    w.idem = Object.assign(
      [
        [42, 'x'],
        'not-an-entry',
        null,
        ['nope', []],
        ['constructor', []],
        ['track', 'single-arg'],
        ['init', ['demo', { endpoint: collector.url, autoPageviews: false }]],
      ],
      {},
    );
    expect(() => run(bundle())).not.toThrow();
    await deliver(() => w.idem.flush());
    expect(events()).toEqual(['track:single-arg']);
    expect(warn.mock.calls.some(([t]) => String(t).includes('unknown method nope'))).toBe(true);
  });

  it("heapAlias: window.heap is the same API, Heap's own queue is replayed, other Heap methods do nothing", async () => {
    // What Heap's classic snippet leaves behind: an array of [method, ...args].
    w.heap = Object.assign(
      [
        ['identify', 'ivy@example.com'],
        ['addUserProperties', { plan: 'free' }],
        ['track', 'Heap Event', { a: 1 }],
        ['addAccountProperties', { x: 1 }],
      ],
      { appid: '123' },
    );
    run(snippet);
    w.idem.load('demo', { endpoint: collector.url, heapAlias: true, autoPageviews: false });
    run(bundle());
    expect(w.heap.getIdentity()).toBe('ivy@example.com');
    expect(w.heap.identify).toBe(w.idem.identify);
    expect(w.heap.addAccountProperties({ a: 1 })).toEqual({ ok: true });
    expect(w.heap.trackPageview()).toEqual({ ok: true });
    expect(w.heap.then).toBeUndefined(); // not mistaken for a promise
    expect(w.heap[Symbol.toPrimitive]).toBeUndefined();
    w.heap.track('via-heap');
    await deliver(() => w.idem.flush());
    expect(events()).toEqual(['identify:ivy@example.com', 'user_properties:', 'track:Heap Event', 'track:via-heap']);
  });

  it('leaves window.heap alone without heapAlias', () => {
    w.heap = ['untouched'];
    run(bundle());
    w.idem.init('demo', { endpoint: collector.url, autoPageviews: false });
    expect(w.heap).toEqual(['untouched']);
  });
});
