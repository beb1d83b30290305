import type { JSDOM } from 'jsdom';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSingleton, type IdemSingleton } from './singleton.js';
import { deliver, startTestCollector, type TestCollector } from './test-collector.js';

const dom = (globalThis as unknown as { jsdom: JSDOM }).jsdom;
let collector: TestCollector;
let idem: IdemSingleton;

beforeAll(async () => {
  collector = await startTestCollector();
});
afterAll(() => collector.stop());
beforeEach(() => {
  dom.reconfigure({ url: 'http://app.shop.test/' });
  dom.cookieJar.removeAllCookiesSync();
  localStorage.clear();
  collector.stored.length = 0;
  idem = createSingleton();
});
afterEach(() => {
  idem.shutdown();
  vi.restoreAllMocks();
});

describe('the idem singleton', () => {
  it('answers null and an empty snapshot before init, and queues calls', () => {
    expect(idem.getUserId()).toBeNull();
    expect(idem.getIdentity()).toBeNull();
    expect(idem.getSessionId()).toBeNull();
    const snap = idem.getSnapshot();
    expect(snap).toEqual({ userId: null, identity: null, sessionId: null });
    expect(idem.getSnapshot()).toBe(snap);
    expect(idem.track('early')).toEqual({ ok: true });
    expect(document.cookie).toBe('');
    return expect(idem.flush()).resolves.toBeUndefined();
  });

  it('replays calls made before init, in order, on init (R18)', async () => {
    const ready = vi.fn(() => order.push('ready'));
    const order: string[] = [];
    idem.addEventProperties({ source: 'early' });
    idem.track('first');
    idem.identify('erin');
    idem.onReady(ready);
    idem.addUserProperties({ plan: 'pro' });
    idem.track('second', { n: 2 });
    expect(ready).not.toHaveBeenCalled();
    expect(idem.init('demo', { endpoint: collector.url, autoPageviews: false })).toEqual({ ok: true });
    expect(ready).toHaveBeenCalledOnce();
    expect(idem.getIdentity()).toBe('erin');
    await deliver(() => idem.flush());
    expect(collector.stored.map((m) => `${m.type}:${'event' in m ? m.event : 'identity' in m ? m.identity : ''}`)).toEqual([
      'track:first',
      'identify:erin',
      'user_properties:',
      'track:second',
    ]);
    expect(collector.stored[0]).toMatchObject({ properties: { source: 'early' } });
  });

  it('subscribers from before init hear about init and later changes; unsubscribing works either side', () => {
    const before = vi.fn();
    const gone = vi.fn();
    idem.subscribe(before);
    idem.subscribe(gone)();
    idem.init('demo', { endpoint: collector.url });
    expect(before).toHaveBeenCalled();
    expect(gone).not.toHaveBeenCalled();
    const n = before.mock.calls.length;
    expect(idem.getSnapshot().userId).toBe(idem.getUserId());
    idem.identify('frank');
    expect(before.mock.calls.length).toBe(n + 1);
    const after = vi.fn();
    const off = idem.subscribe(after);
    idem.resetIdentity();
    expect(after).toHaveBeenCalledOnce();
    off();
    idem.identify('gina');
    expect(after).toHaveBeenCalledOnce();
  });

  it('a second init warns and is ignored; shutdown allows a new init', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    idem.init('demo', { endpoint: collector.url, autoPageviews: false });
    const userId = idem.getUserId();
    idem.init('other', { endpoint: collector.url });
    expect(warn).toHaveBeenCalledWith('idem: init called twice');
    expect(document.cookie).not.toContain('idem_other');
    idem.shutdown();
    expect(idem.getUserId()).toBeNull();
    idem.init('demo', { endpoint: collector.url, autoPageviews: false });
    expect(idem.getUserId()).toBe(userId);
  });
});
