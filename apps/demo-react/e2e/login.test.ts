import type { RunningServer } from '@idem/server';
import { launchChromium } from '@idem/test-support/chromium';
import type { ApiEvent } from '@idem/test-support/collector-reads';
import { serveStatic } from '@idem/test-support/static-server';
import { until } from '@idem/test-support/until';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo, flush, reader, recordBatches, startCollector } from './harness.js';

// One collector, one production build of the demo served over HTTP, one Chromium. The tests run in order
// and each builds on what the previous one left in the collector, like one person's day.
let collector: RunningServer;
let site: Awaited<ReturnType<typeof serveStatic>>;
let stranger: Awaited<ReturnType<typeof serveStatic>>;
let build: Awaited<ReturnType<typeof buildDemo>>;
let browser: Browser;
let api: ReturnType<typeof reader>;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  site = await serveStatic();
  stranger = await serveStatic(); // the same build on an origin the collector does not allow
  collector = await startCollector([site.origin]);
  api = reader(collector);
  build = await buildDemo(collector.url);
  site.dir = build.dir;
  stranger.dir = build.dir;
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await site?.close();
  await stranger?.close();
  await collector?.close();
  build?.remove();
});

/** A fresh browser profile (its own cookies and storage: another device) with a page on the demo. */
async function device(origin = site.origin): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    // A stranger origin's refused requests show up as console errors: those are the point of that test.
    if (m.type() === 'error' && origin === site.origin) pageErrors.push(m.text());
  });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.__idem?.getUserId());
  return page;
}
const idOf = (page: Page) => page.evaluate(() => window.__idem!.getUserId()!);
const shown = (page: Page, testId: string) => page.getByTestId(testId).textContent();
async function logIn(page: Page, email: string) {
  await page.getByRole('link', { name: 'Log in', exact: true }).click();
  await page.locator(`[data-login="${email}"]`).click();
  await page.getByTestId('identity').getByText(email).waitFor();
}
const routes = (events: ApiEvent[]) => events.filter((e) => e.type === 'pageview').map((e) => new URL(e.url!).hash || '#/');

describe('the React demo against a real collector, in Chromium', () => {
  let alice: { userId: string; firstDevice: Page };

  it('a visitor browses, logs in as alice, and the collector has one identified user with the earlier pageviews', async () => {
    const page = await device();
    const sent = recordBatches(page);
    const visitor = await idOf(page);
    expect(visitor).toMatch(/^\d{1,16}$/);
    expect(await shown(page, 'identity')).toBe('anonymous');
    await page.getByRole('link', { name: 'Pricing' }).click();
    await page.getByRole('heading', { name: 'Pricing' }).waitFor();
    await page.getByRole('link', { name: 'Docs' }).click();
    await page.getByRole('heading', { name: 'Docs' }).waitFor();
    await flush(page);
    // Before login: an anonymous user with its pageviews.
    const before = await until('the anonymous visitor', 10_000, async () => {
      const list = await api.users();
      return list.length === 1 && list[0]!.identity === null && list[0];
    });
    expect(before.user_id).toBe(visitor);

    await logIn(page, 'alice@example.com');
    expect(await idOf(page)).toBe(visitor); // R5: identify keeps the device's user id
    await flush(page);
    const user = await until('alice', 10_000, () => api.user('alice@example.com'));
    expect(user).toMatchObject({ user_id: visitor, identity: 'alice@example.com', merged_user_ids: [] });
    expect(user.properties).toMatchObject({ email: 'alice@example.com', Email: 'alice@example.com', name: 'Alice' });
    expect(await api.users()).toHaveLength(1);
    const events = await api.events(visitor);
    expect(routes(events)).toEqual(['#/', '#/pricing', '#/docs', '#/login', '#/account']);
    expect(new Set(events.map((e) => e.user_id))).toEqual(new Set([visitor]));
    expect(sent.filter((m) => m.type === 'identify').map((m) => m.identity)).toEqual(['alice@example.com']);
    alice = { userId: visitor, firstDevice: page };
  });

  it('picking a plan sets it as a user property, and a reload on a logged-in page sends no second identify', async () => {
    const page = alice.firstDevice;
    await page.getByRole('link', { name: 'Pricing' }).click();
    await page.locator('[data-plan="Pro"]').click();
    await page.getByRole('button', { name: 'Your plan' }).waitFor();
    await flush(page);
    await until("alice's plan", 10_000, async () => (await api.user('alice@example.com'))?.properties.plan === 'Pro');
    const chosen = (await api.events(alice.userId)).filter((e) => e.type === 'track');
    expect(chosen.map((e) => [e.event, e.properties])).toEqual([['Plan Chosen', { plan: 'Pro' }]]);

    const sent = recordBatches(page);
    await page.reload();
    await page.waitForFunction(() => window.__idem?.getIdentity() === 'alice@example.com');
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByTestId('plan').getByText('Pro').waitFor();
    await flush(page);
    // The reload's page and the account page; the hook adds the user properties again on mount (same
    // values, nothing changes); no identify, since the device already has alice (R7).
    expect(sent.filter((m) => m.type === 'pageview')).toHaveLength(2);
    expect(sent.filter((m) => m.type === 'identify')).toEqual([]);
    expect(sent.filter((m) => m.type === 'user_properties').map((m) => m.properties)).toEqual([
      { email: 'alice@example.com', Email: 'alice@example.com', name: 'Alice', plan: 'Pro' },
    ]);
    expect(await idOf(page)).toBe(alice.userId);
  });

  it('a second device that logs in as alice merges into the same user', async () => {
    const page = await device();
    const second = await idOf(page);
    expect(second).not.toBe(alice.userId);
    await page.getByRole('link', { name: 'Docs' }).click();
    await logIn(page, 'alice@example.com');
    await flush(page);
    const user = await until('the second device merged into alice', 10_000, async () => {
      const u = await api.user('alice@example.com');
      return u && u.merged_user_ids.length > 0 && u;
    });
    expect(user.user_id).toBe(alice.userId);
    expect(user.merged_user_ids).toEqual([second]);
    expect(new Set([user.user_id, ...user.merged_user_ids]).size).toBe(2);
    // Its anonymous pageviews came along, still under the user id they were sent with.
    const events = await api.events(alice.userId);
    expect(events.filter((e) => e.user_id === second).map((e) => new URL(e.url!).hash || '#/')).toEqual([
      '#/',
      '#/docs',
      '#/login',
      '#/account',
    ]);
    // The second device keeps no plan of its own (that lives in the first device's storage): alice keeps Pro.
    expect(user.properties.plan).toBe('Pro');
    // Reading by either user id answers the same person.
    const bySecond = await api.get(`/api/v1/users/${second}?app_id=demo`);
    expect(bySecond.body).toMatchObject({ user_id: alice.userId, identity: 'alice@example.com' });
    expect(await api.users()).toHaveLength(1);
  });

  it('logging out and in as bob gives a second user; alice keeps her properties', async () => {
    const page = alice.firstDevice;
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByTestId('identity').getByText('anonymous').waitFor();
    const visitor = await idOf(page);
    expect(visitor).not.toBe(alice.userId); // R8: a new anonymous user id
    await page.getByRole('link', { name: 'Pricing' }).click();
    await logIn(page, 'bob@example.com');
    expect(await idOf(page)).toBe(visitor);
    await page.getByRole('link', { name: 'Pricing' }).click();
    await page.locator('[data-plan="Enterprise"]').click();
    await flush(page);
    const bob = await until("bob's plan", 10_000, async () => {
      const u = await api.user('bob@example.com');
      return u?.properties.plan === 'Enterprise' && u;
    });
    expect(bob).toMatchObject({ user_id: visitor, identity: 'bob@example.com', merged_user_ids: [] });
    expect(routes(await api.events(visitor))).toEqual(['#/', '#/pricing', '#/login', '#/account', '#/pricing']);
    const users = await api.users();
    expect(users.map((u) => u.identity).sort()).toEqual(['alice@example.com', 'bob@example.com']);
    const aliceNow = (await api.user('alice@example.com'))!;
    expect(aliceNow.properties).toMatchObject({ plan: 'Pro', name: 'Alice' });
    expect(aliceNow.merged_user_ids).toHaveLength(1);
  });

  it('the collector refuses the same demo served from an origin it does not allow', async () => {
    const page = await device(stranger.origin);
    const refused: string[] = [];
    page.on('requestfailed', (r) => {
      if (r.url().endsWith('/api/v1/batch')) refused.push(r.failure()?.errorText ?? '');
    });
    await logIn(page, 'carol@example.com');
    await flush(page);
    // The collector answers 403 without CORS headers, so the browser reports the request as failed.
    await until('a refused batch', 10_000, async () => refused.length > 0);
    expect(await api.user('carol@example.com')).toBeNull();
    expect(await api.users()).toHaveLength(2);
    // The app keeps working.
    expect(await shown(page, 'identity')).toBe('carol@example.com');
  });

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
