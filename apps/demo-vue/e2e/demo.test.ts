import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startServer } from '@idem/server';
import { launchChromium } from '@idem/test-support/chromium';
import { type ApiUser, type CollectorReads, collectorReads } from '@idem/test-support/collector-reads';
import { serveStatic } from '@idem/test-support/static-server';
import { until } from '@idem/test-support/until';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The demo as a person uses it: a fresh production build pointing at a real collector, served over
// HTTP from another origin (as in `pnpm start`), driven in real Chromium.

const appDir = fileURLToPath(new URL('..', import.meta.url));
let collector: RunningServer;
let api: CollectorReads;
let site: Awaited<ReturnType<typeof serveStatic>>;
let base: string;
let outDir: string;
let browser: Browser;

beforeAll(async () => {
  collector = await startServer({ port: 0, db: ':memory:', apps: ['demo'], rateLimits: false });
  api = collectorReads(collector);
  outDir = await mkdtemp(join(tmpdir(), 'idem-demo-vue-'));
  process.env.VITE_IDEM_ENDPOINT = collector.url;
  process.env.VITE_IDEM_APP_ID = 'demo';
  await build({ root: appDir, logLevel: 'warn', build: { outDir, emptyOutDir: true, sourcemap: false } });
  site = await serveStatic(outDir);
  base = site.origin;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

type PageIdem = { flush(): Promise<void>; getUserId(): string | null; getIdentity(): string | null };
const flush = (page: Page) => page.evaluate(() => (window as unknown as { idem: PageIdem }).idem.flush());
const userId = (page: Page) => page.evaluate(() => (window as unknown as { idem: PageIdem }).idem.getUserId());
/** Every message the page sends to the collector, as it sends them (fetch, keepalive or beacon). */
function recordMessages(page: Page): Array<{ type: string; identity?: string }> {
  const sent: Array<{ type: string; identity?: string }> = [];
  page.on('request', (req) => {
    if (!req.url().startsWith(`${collector.url}/api/v1/batch`) || req.method() !== 'POST') return;
    sent.push(...(JSON.parse(req.postData() ?? '{}').messages ?? []));
  });
  return sent;
}
const footer = (page: Page) => page.locator('[data-test=identity-user]').textContent();

async function navigate(page: Page, link: string, path: string) {
  await page.locator('nav').getByRole('link', { name: link }).click();
  await page.waitForURL(`${base}${path}`);
}
async function logIn(page: Page, email: string) {
  await page.locator('[data-test=login-link]').click();
  await page.waitForURL(`${base}/login`);
  await page.locator(`[data-test="login-${email}"]`).click();
  await page.waitForURL(`${base}/account`);
  await expect.poll(() => footer(page)).toBe(email);
}

describe('demo-vue in Chromium against a real collector', () => {
  let first: BrowserContext;
  let page: Page;
  let visitor: string;
  let alice: ApiUser;
  let sent: Array<{ type: string; identity?: string }>;

  it('a visitor browses and picks a plan, logs in as alice: one identified user with the earlier events', async () => {
    first = await browser.newContext();
    page = await first.newPage();
    sent = recordMessages(page);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}/`);
    await expect.poll(() => footer(page)).toMatch(/^User \d+$/);
    visitor = (await userId(page))!;
    expect(await footer(page)).toBe(`User ${visitor}`);
    await navigate(page, 'Pricing', '/pricing');
    await page.locator('[data-test=plan-Pro]').click();
    await navigate(page, 'Docs', '/docs');
    await logIn(page, 'alice@example.com');
    expect(await userId(page)).toBe(visitor); // R5: logging in keeps the device's user id
    await flush(page);

    alice = await until('alice with her plan', 10_000, async () => {
      const r = await api.byIdentity('alice@example.com');
      return r.status === 200 && r.body.properties.plan === 'Pro' && r.body;
    });
    expect(alice).toMatchObject({ user_id: visitor, identity: 'alice@example.com', merged_user_ids: [] });
    expect(alice.properties.plan).toBe('Pro');
    const events = await api.events(visitor);
    const paths = events.filter((e) => e.type === 'pageview').map((e) => new URL(e.url!).pathname);
    expect(paths).toEqual(expect.arrayContaining(['/', '/pricing', '/docs', '/login', '/account']));
    expect(events.some((e) => e.event === 'Plan Chosen')).toBe(true);
    expect(events.every((e) => e.user_id === visitor)).toBe(true);
    expect(errors).toEqual([]);
    expect(sent.filter((m) => m.type === 'identify')).toEqual([expect.objectContaining({ identity: 'alice@example.com' })]);
  });

  it('a reload stays the same identified user and sends no identify (R7)', async () => {
    sent.length = 0;
    await page.reload();
    await expect.poll(() => footer(page)).toBe('alice@example.com');
    expect(await userId(page)).toBe(visitor);
    await navigate(page, 'Pricing', '/pricing');
    await flush(page);
    const again = (await api.byIdentity('alice@example.com')).body;
    expect(again).toMatchObject({ user_id: visitor, merged_user_ids: [] });
    // Two pageviews and the plan (once per page load); no identify, since the device already is alice (R7).
    expect(sent.map((m) => m.type).sort()).toEqual(['pageview', 'pageview', 'user_properties']);
  });

  it('a second browser logging in as alice merges into her: she has 2 user ids', async () => {
    const second = await browser.newContext();
    const other = await second.newPage();
    await other.goto(`${base}/docs`);
    await expect.poll(() => footer(other)).toMatch(/^User \d+$/);
    const otherVisitor = (await userId(other))!;
    expect(otherVisitor).not.toBe(visitor);
    await logIn(other, 'alice@example.com');
    await flush(other);
    // merged_user_ids lists the user ids merged into user_id (the one that took the identity first).
    const merged = await until('the second browser merged into alice', 10_000, async () => {
      const r = await api.byIdentity('alice@example.com');
      return r.body.merged_user_ids?.length === 1 && r.body;
    });
    expect(merged.user_id).toBe(visitor);
    expect(merged.merged_user_ids).toEqual([otherVisitor]);
    // Either user id answers the same person.
    expect((await api.user(otherVisitor)).body.user_id).toBe(visitor);
    const paths = (await api.events(otherVisitor)).filter((e) => e.type === 'pageview').map((e) => new URL(e.url!).pathname);
    expect(paths).toEqual(expect.arrayContaining(['/docs', '/login', '/account']));
    await second.close();
  });

  it('logging out then in as bob gives two users; the plan bob picks is his alone', async () => {
    await page.locator('[data-test=logout]').click();
    await expect.poll(() => footer(page)).toMatch(/^User \d+$/);
    const afterLogout = (await userId(page))!;
    expect(afterLogout).not.toBe(visitor); // R8: a new anonymous user
    expect(await footer(page)).toBe(`User ${afterLogout}`);
    await logIn(page, 'bob@example.com');
    expect(await userId(page)).toBe(afterLogout);
    await page.locator('nav').getByRole('link', { name: 'Pricing' }).click();
    await page.locator('[data-test=plan-Enterprise]').click();
    await flush(page);

    const bob = await until("bob's plan", 10_000, async () => {
      const r = await api.byIdentity('bob@example.com');
      return r.body.properties?.plan === 'Enterprise' && r.body;
    });
    expect(bob).toMatchObject({ user_id: afterLogout, identity: 'bob@example.com', merged_user_ids: [] });
    const aliceNow = (await api.byIdentity('alice@example.com')).body;
    expect(aliceNow.user_id).toBe(visitor);
    expect(aliceNow.properties.plan).toBe('Pro');
    expect(aliceNow.merged_user_ids).toHaveLength(1);
    const list = await api.users();
    expect(
      list
        .filter((u) => u.identity)
        .map((u) => u.identity)
        .sort(),
    ).toEqual(['alice@example.com', 'bob@example.com']);
    await first.close();
  });

  it('a tampered app session and Idem cookie leave a working visitor', async () => {
    const ctx = await browser.newContext();
    await ctx.addCookies([{ name: 'idem_demo', value: 'v1.not-a-number.<script>.zz.%E0%A4%A', url: base }]);
    await ctx.addInitScript(() => {
      if (!sessionStorage.getItem('seeded')) {
        sessionStorage.setItem('seeded', '1');
        localStorage.setItem('demo-vue:session', '{"email":{"$ne":null},"plan":"<img src=x onerror=alert(1)>"');
      }
    });
    const p = await ctx.newPage();
    const dialogs: string[] = [];
    p.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await p.goto(`${base}/account`);
    await p.waitForURL(`${base}/login`); // not logged in: the account page sends you to log in
    await expect.poll(() => footer(p)).toMatch(/^User \d+$/);
    await logIn(p, 'carol@example.com');
    await flush(p);
    const carol = await until('carol', 10_000, async () => {
      const r = await api.byIdentity('carol@example.com');
      return r.status === 200 && r.body;
    });
    expect(carol.user_id).toBe(await userId(p));
    expect(dialogs).toEqual([]);
    await ctx.close();
  });
});
