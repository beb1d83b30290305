import type { ApiEvent } from '@idem/test-support/collector-reads';
import { sleep, until } from '@idem/test-support/until';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector, launch, Pages } from './harness.js';

// Real Chromium (Debian's, driven by playwright-core) loading the IIFE build through the README's
// snippet, against the real collector (`idem serve` in a child process, SQLite on disk).
// Hostnames are mapped to 127.0.0.1 with --host-resolver-rules so that cookie domains are real.

let browser: Browser;
let collector: Collector;
let pages: Pages;
const contexts: BrowserContext[] = [];
const run = Math.random().toString(36).slice(2, 8);

beforeAll(async () => {
  collector = new Collector();
  await collector.start();
  pages = new Pages(() => collector.url);
  await pages.start();
  browser = await launch();
});

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await browser?.close();
  await pages?.close();
  await collector?.close();
});

/** A new browser profile: another device. */
async function device(): Promise<BrowserContext> {
  const c = await browser.newContext();
  contexts.push(c);
  return c;
}

type IdemWindow = { idem: Record<string, (...a: unknown[]) => unknown> | unknown[] };

async function open(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error', e));
  await page.goto(url);
  await ready(page);
  return page;
}
const ready = (page: Page) => page.waitForFunction(() => !Array.isArray((window as unknown as IdemWindow).idem));
const call = <T = unknown>(page: Page, method: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(
    ([m, a]) => (window as unknown as { idem: Record<string, (...x: unknown[]) => T> }).idem[m as string]!(...(a as unknown[])),
    [method, args] as const,
  );
const userId = (page: Page) => call<string>(page, 'getUserId');
const names = (events: ApiEvent[]) => events.filter((e) => e.type === 'track').map((e) => e.event);

async function eventsOf(user: string, predicate: (events: ApiEvent[]) => boolean, what: string): Promise<ApiEvent[]> {
  return until(what, 30_000, async () => {
    const events = await collector.api.events(user);
    return predicate(events) && events;
  });
}

describe('the browser SDK in Chromium against the collector', () => {
  it('a reload keeps the user id, and both pageviews are stored for it', async () => {
    const ctx = await device();
    const page = await open(ctx, pages.url('shop.test', '/first'));
    const user = await userId(page);
    expect(user).toMatch(/^\d+$/);
    await page.reload();
    await ready(page);
    expect(await userId(page)).toBe(user);
    await call(page, 'track', 'after reload');
    await call(page, 'flush');
    const events = await eventsOf(
      user,
      (e) => e.filter((x) => x.type === 'pageview').length === 2 && names(e).length === 1,
      'two pageviews',
    );
    expect(events.every((e) => e.user_id === user)).toBe(true);
    expect(new Set(events.map((e) => e.session_id)).size).toBe(1);
    expect(events.find((e) => e.type === 'pageview')!.url).toBe(pages.url('shop.test', '/first'));
  });

  it('identify ties the events from before it to the identity, and a second identify sends nothing', async () => {
    const ctx = await device();
    const page = await open(ctx, pages.url('shop.test', '/landing', { o: { batchSize: 50 } }));
    const user = await userId(page);
    await call(page, 'track', 'browse 1');
    await call(page, 'track', 'browse 2', { sku: 'A-1' });
    const identity = `alice-${run}@example.com`;
    expect(await call(page, 'identify', identity)).toEqual({ ok: true });
    expect(await call(page, 'identify', identity)).toEqual({ ok: true }); // R7: nothing sent
    await call(page, 'addUserProperties', { plan: 'pro' });
    await call(page, 'flush');
    const found = await until('the identified user', 30_000, async () => {
      const r = await collector.api.byIdentity(identity);
      return r.status === 200 && r.body.properties.plan === 'pro' && r.body;
    });
    expect(found.user_id).toBe(user);
    expect(found.identity).toBe(identity);
    const events = await collector.api.events(user);
    expect(names(events)).toEqual(['browse 1', 'browse 2']);
    expect(events.every((e) => e.user_id === user)).toBe(true);
    // R17: the collector derived the initial properties from the pageview the SDK sent.
    expect(found.properties['Initial Landing Page']).toBe(`shop.test:${pages.port}/landing`);
  });

  it('another device that logs in as the same identity ends as the same user', async () => {
    const identity = `bob-${run}@example.com`;
    const laptop = await open(await device(), pages.url('shop.test', '/'));
    await call(laptop, 'identify', identity);
    const laptopUser = await userId(laptop);
    await call(laptop, 'flush');
    await until('laptop identified', 30_000, async () => (await collector.api.byIdentity(identity)).status === 200);

    const phone = await open(await device(), pages.url('app.shop.test', '/m'));
    const phoneUser = await userId(phone);
    expect(phoneUser).not.toBe(laptopUser);
    await call(phone, 'track', 'phone before login');
    await call(phone, 'identify', identity);
    await call(phone, 'track', 'phone after login');
    expect(await userId(phone)).toBe(phoneUser); // R5: the device keeps its user id
    await call(phone, 'flush');

    const merged = await until('phone merged', 30_000, async () => {
      const r = await collector.api.user(phoneUser);
      return r.status === 200 && r.body.merged_user_ids.includes(phoneUser) && r.body;
    });
    expect(merged.user_id).toBe(laptopUser);
    expect(merged.identity).toBe(identity);
    expect((await collector.api.byIdentity(identity)).body.user_id).toBe(laptopUser);
    const events = await eventsOf(laptopUser, (e) => names(e).length === 2, 'phone events on the merged user');
    expect(names(events)).toEqual(['phone before login', 'phone after login']);
  });

  it('a subdomain shares the user; another domain does not', async () => {
    const ctx = await device();
    const shop = await open(ctx, pages.url('shop.test', '/'));
    const user = await userId(shop);
    const app = await open(ctx, pages.url('app.shop.test', '/dashboard'));
    expect(await userId(app)).toBe(user);
    const deep = await open(ctx, pages.url('a.b.shop.test', '/'));
    expect(await userId(deep)).toBe(user);
    const other = await open(ctx, pages.url('other.test', '/'));
    const otherUser = await userId(other);
    expect(otherUser).not.toBe(user);
    const cookies = await ctx.cookies();
    const shopCookie = cookies.find((c) => c.name === 'idem_demo' && c.domain.endsWith('shop.test'))!;
    expect(shopCookie.domain).toBe('.shop.test');
    expect(shopCookie.sameSite).toBe('Lax');
    const days = (shopCookie.expires - Date.now() / 1000) / 86400;
    expect(days).toBeGreaterThan(390);
    expect(days).toBeLessThan(400);
    expect(cookies.find((c) => c.name === 'idem_demo' && c.domain.endsWith('other.test'))!.domain).toBe('.other.test');
    expect(cookies.some((c) => c.name === 'idem_probe')).toBe(false);
    await Promise.all([shop, app, deep].map((p) => call(p, 'flush')));
    await eventsOf(user, (e) => e.filter((x) => x.type === 'pageview').length === 3, 'three pageviews on one user');
  });

  it('adopts a cookie written by a server (the SvelteKit hand-off)', async () => {
    const ctx = await device();
    const now = Date.now();
    await ctx.addCookies([
      {
        name: 'idem_demo',
        value: `v1.4242424242.777.${now.toString(36)}.carol-${run}%40example.com`,
        domain: 'app.shop.test',
        path: '/',
        sameSite: 'Lax',
        expires: now / 1000 + 3600,
      },
    ]);
    const page = await open(ctx, pages.url('app.shop.test', '/after-login'));
    expect(await userId(page)).toBe('4242424242');
    expect(await call(page, 'getIdentity')).toBe(`carol-${run}@example.com`);
    expect(await call(page, 'getSessionId')).toBe('777');
    // The SDK's own write went to the parent domain and replaced the server's host-only copy.
    const cookies = (await ctx.cookies()).filter((c) => c.name === 'idem_demo');
    expect(cookies.map((c) => c.domain)).toEqual(['.shop.test']);
  });

  it('resetIdentity on logout gives a new anonymous user; the old one keeps its events', async () => {
    const identity = `dave-${run}@example.com`;
    const page = await open(await device(), pages.url('shop.test', '/'));
    await call(page, 'identify', identity);
    await call(page, 'track', 'while logged in');
    const before = await userId(page);
    await call(page, 'resetIdentity');
    const after = await userId(page);
    expect(after).not.toBe(before);
    expect(await call(page, 'getIdentity')).toBeNull();
    await call(page, 'track', 'after logout');
    await page.reload();
    await ready(page);
    expect(await userId(page)).toBe(after);
    await call(page, 'flush');
    const anon = await until('the new anonymous user', 30_000, async () => {
      const r = await collector.api.user(after);
      return r.status === 200 && r.body;
    });
    expect(anon.identity).toBeNull();
    expect(anon.merged_user_ids).not.toContain(before);
    expect(names(await eventsOf(after, (e) => names(e).length === 1, 'events after logout'))).toEqual(['after logout']);
    expect((await collector.api.byIdentity(identity)).body.user_id).toBe(before);
    expect(names(await collector.api.events(before))).toEqual(['while logged in']);
  });

  it('calls made before the script loads are replayed in order (R18)', async () => {
    const identity = `erin-${run}@example.com`;
    const ctx = await device();
    const page = await ctx.newPage();
    await page.goto(
      pages.url('shop.test', '/queued', {
        delay: 1000,
        calls: [
          ['track', ['queued 1']],
          ['addEventProperties', [{ source: 'stub' }]],
          ['track', ['queued 2']],
          ['identify', [identity]],
          ['track', ['queued 3']],
          ['resetIdentity', []],
          ['track', ['queued 4']],
        ],
      }),
      { waitUntil: 'domcontentloaded' },
    );
    expect(await page.evaluate(() => Array.isArray((window as unknown as IdemWindow).idem))).toBe(true);
    await ready(page);
    // The order shows in the outcome: the event property applies from queued 2 on, the identity
    // covers queued 1-3, and the reset puts queued 4 on a new anonymous user without the property.
    const afterReset = await userId(page);
    await call(page, 'flush');
    const identified = await until('the identified user', 30_000, async () => {
      const r = await collector.api.byIdentity(identity);
      return r.status === 200 && r.body;
    });
    const events = await eventsOf(identified.user_id, (e) => names(e).length === 3, 'queued calls');
    expect(names(events).sort()).toEqual(['queued 1', 'queued 2', 'queued 3']);
    expect(events.find((e) => e.event === 'queued 1')!.properties).toEqual({});
    expect(events.find((e) => e.event === 'queued 2')!.properties).toEqual({ source: 'stub' });
    expect(events.filter((e) => e.type === 'pageview')).toHaveLength(1);
    expect(afterReset).not.toBe(identified.user_id);
    const later = await eventsOf(afterReset, (e) => names(e).length === 1, 'the event after the reset');
    expect(later[0]!.event).toBe('queued 4');
    expect(later[0]!.properties).toEqual({});
  });

  it('single-page navigations send pageviews (pushState, replaceState, popstate)', async () => {
    const page = await open(await device(), pages.url('shop.test', '/spa'));
    const user = await userId(page);
    await page.evaluate(() => history.pushState({}, '', '/spa/products'));
    await page.evaluate(() => history.replaceState({}, '', '/spa/products?sort=price'));
    await page.evaluate(() => history.pushState({}, '', '/spa/products?sort=price#reviews'));
    await page.goBack();
    await page.evaluate(() => history.back());
    await sleep(200);
    await call(page, 'flush');
    const base = `http://shop.test:${pages.port}`;
    const events = await eventsOf(user, (e) => e.filter((x) => x.type === 'pageview').length >= 4, 'spa pageviews');
    const views = events.filter((e) => e.type === 'pageview').sort((a, b) => a.time.localeCompare(b.time));
    expect(views.map((e) => e.url)).toEqual([`${base}/spa`, `${base}/spa/products`, `${base}/spa/products?sort=price`, `${base}/spa`]);
  });

  it("without an endpoint it sends to the page's own origin", async () => {
    const page = await open(await device(), pages.url('shop.test', '/same-origin', { o: { endpoint: '' } }));
    const user = await userId(page);
    await call(page, 'track', 'same origin');
    await call(page, 'flush');
    expect(names(await eventsOf(user, (e) => names(e).length === 1, 'the event through the site'))).toEqual(['same origin']);
  });

  it('autoPageviews: false sends no pageview, and pageview() sends one', async () => {
    const page = await open(await device(), pages.url('shop.test', '/manual', { o: { autoPageviews: false } }));
    const user = await userId(page);
    await page.evaluate(() => history.pushState({}, '', '/manual/next'));
    await call(page, 'pageview');
    await call(page, 'track', 'done');
    await call(page, 'flush');
    const events = await eventsOf(user, (e) => names(e).length === 1, 'manual pageview');
    expect(events.filter((e) => e.type === 'pageview').map((e) => e.url)).toEqual([`http://shop.test:${pages.port}/manual/next`]);
  });

  it('events tracked right before leaving the page are delivered (keepalive on pagehide)', async () => {
    const page = await open(await device(), pages.url('shop.test', '/leaving', { o: { flushIntervalMs: 600_000, batchSize: 100 } }));
    const user = await userId(page);
    await call(page, 'track', 'clicked checkout');
    await page.click('#next'); // navigates away at once; the timer would have waited ten minutes
    await ready(page);
    const events = await eventsOf(user, (e) => names(e).includes('clicked checkout'), 'the event sent on pagehide');
    expect(names(events).filter((n) => n === 'clicked checkout')).toHaveLength(1);
  });

  it("heapAlias: a page still calling Heap's methods works unchanged", async () => {
    const identity = `heap-${run}@example.com`;
    const page = await open(await device(), pages.url('shop.test', '/heap', { o: { heapAlias: true } }));
    const user = await page.evaluate((id) => {
      const heap = (window as unknown as { heap: Record<string, (...a: unknown[]) => unknown> }).heap;
      heap.track!('Heap Event', { a: 1 });
      heap.identify!(id);
      heap.addUserProperties!({ plan: 'legacy' });
      heap.addAccountProperties!({ ignored: true });
      return heap.getUserId!() as string;
    }, identity);
    await call(page, 'flush');
    const found = await until('heap user', 30_000, async () => {
      const r = await collector.api.byIdentity(identity);
      return r.status === 200 && r.body.properties.plan === 'legacy' && r.body;
    });
    expect(found.user_id).toBe(user);
    expect(names(await collector.api.events(user))).toEqual(['Heap Event']);
  });
});
