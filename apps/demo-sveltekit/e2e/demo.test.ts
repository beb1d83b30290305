import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeState } from '@idem/core';
import { type RunningServer, startServer } from '@idem/server';
import { launchChromium } from '@idem/test-support/chromium';
import { type CollectorReads, collectorReads } from '@idem/test-support/collector-reads';
import { freePort } from '@idem/test-support/free-port';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The demo as a person uses it: the adapter-node build (`pnpm test` builds it first) started as
// `pnpm start` starts it, pointing at a real collector, driven in real Chromium.

const appDir = fileURLToPath(new URL('..', import.meta.url));
const COOKIE = 'idem_demo';
let collector: RunningServer;
let api: CollectorReads;
let app: ChildProcess;
let base: string;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** UI and collector states that arrive a little later (hydration, the SDK's batches): polled for up to 20 s. */
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });

beforeAll(async () => {
  if (!existsSync(`${appDir}/build/index.js`)) throw new Error('build the demo first: pnpm --filter @idem/demo-sveltekit build');
  collector = await startServer({ port: 0, db: ':memory:', apps: ['demo'], rateLimits: false });
  api = collectorReads(collector);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // As `pnpm start` runs it (PORT set, ORIGIN derived from it for SvelteKit's CSRF check).
  app = spawn('pnpm', ['run', 'start'], {
    cwd: appDir,
    detached: true,
    env: {
      ...process.env,
      PORT: String(port),
      IDEM_ENDPOINT: collector.url,
      IDEM_APP_ID: 'demo',
      IDEM_SERVER_KEY: collector.serverKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${log}`)), 30_000);
    const seen = (d: Buffer) => {
      log += d;
      if (log.includes('Listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    app.stdout!.on('data', seen);
    app.stderr!.on('data', (d) => {
      log += d;
    });
    app.on('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${log}`)));
  });
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  if (app?.pid) process.kill(-app.pid, 'SIGTERM');
  await collector?.close();
});

const pageviewPaths = async (userId: string) =>
  (await api.events(userId)).filter((e) => e.type === 'pageview').map((e) => new URL(e.url!).pathname);

async function visitor(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  return { context, page };
}

/** What the page shows: the user id rendered on the server, and the one the browser SDK uses once hydrated. */
async function shown(page: Page) {
  const client = page.getByTestId('client-user-id');
  await eventually(() => client.textContent()).toMatch(/^\d+$/);
  const identity = async (id: string) => ((await page.getByTestId(id).count()) ? await page.getByTestId(id).textContent() : null);
  return {
    server: await page.getByTestId('server-user-id').textContent(),
    client: await client.textContent(),
    serverIdentity: await identity('server-identity'),
    clientIdentity: await identity('client-identity'),
  };
}

async function cookieState(context: BrowserContext) {
  const cookies = (await context.cookies(base)).filter((c) => c.name === COOKIE);
  expect(cookies).toHaveLength(1);
  return { cookie: cookies[0]!, state: decodeState(cookies[0]!.value)! };
}

async function logIn(page: Page, email: string, password = 'demo') {
  await page.goto(`${base}/login`);
  // Wait for hydration (the SDK's user id is on the page): a form filled before it can be reset.
  await shown(page);
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.getByTestId('login-submit').click();
}

describe('the SvelteKit demo in Chromium', () => {
  let alice: { context: BrowserContext; page: Page; anonId: string };

  it('the first response sets the cookie; the server-rendered user id is the one the browser SDK uses', async () => {
    const { context, page } = await visitor();
    const response = await page.goto(base);
    const setCookie = (await response!.headerValue('set-cookie')) ?? '';
    const minted = /idem_demo=(v1\.(\d+)\.\d+\.[0-9a-z]+\.)/.exec(setCookie);
    expect(minted, setCookie).not.toBeNull();
    expect(setCookie).not.toMatch(/httponly/i);
    // The HTML as the server rendered it, before any script ran.
    expect(await response!.text()).toContain(`data-testid="server-user-id">${minted![2]}<`);
    const ids = await shown(page);
    expect(ids).toEqual({ server: minted![2], client: minted![2], serverIdentity: null, clientIdentity: null });
    const { cookie, state } = await cookieState(context);
    expect(state.userId).toBe(minted![2]);
    expect(cookie).toMatchObject({ httpOnly: false, sameSite: 'Lax', path: '/', secure: false });
    const months = (cookie.expires * 1000 - Date.now()) / (30.44 * 86400_000);
    expect(months).toBeGreaterThan(12.5);
    expect(months).toBeLessThan(13.5);

    // A client-side navigation and a reload keep the one user; the SDK's pageviews reach the collector under it.
    await page.getByRole('link', { name: 'About' }).click();
    await page.waitForURL(`${base}/about`);
    expect((await shown(page)).client).toBe(minted![2]);
    await page.reload();
    expect(await shown(page)).toMatchObject({ server: minted![2], client: minted![2] });
    await eventually(() => pageviewPaths(minted![2]!)).toEqual(['/', '/about', '/about']);
    alice = { context, page, anonId: minted![2]! };
  });

  it('the plan picker records the plan on the anonymous visitor', async () => {
    const { page, anonId } = alice;
    await page.goto(`${base}/pricing`);
    await shown(page);
    await page.getByTestId('plan-Pro').click();
    await eventually(() => page.getByTestId('current-plan').textContent()).toBe('Your plan: Pro');
    await eventually(async () => (await api.user(anonId)).body.properties?.plan).toBe('Pro');
    expect((await api.events(anonId)).some((e) => e.event === 'Plan Chosen' && e.properties.plan === 'Pro')).toBe(true);
  });

  it('a wrong password changes nothing', async () => {
    const { context, page, anonId } = alice;
    await logIn(page, 'alice@example.com', 'nope');
    await eventually(() => page.getByRole('alert').textContent()).toContain('wrong password');
    expect((await cookieState(context)).state).toMatchObject({ userId: anonId, identity: null });
    expect((await api.byIdentity('alice@example.com')).status).toBe(404);
  });

  it('logging in through the form action identifies on the server and ties the earlier visits to the account (R5)', async () => {
    const { context, page, anonId } = alice;
    await logIn(page, 'alice@example.com');
    await page.waitForURL(`${base}/account`);
    await eventually(() => page.getByTestId('account-name').textContent()).toBe('Alice');
    await eventually(() => page.getByTestId('client-identity').count()).toBe(1);
    expect(await shown(page)).toEqual({
      server: anonId,
      client: anonId,
      serverIdentity: 'alice@example.com',
      clientIdentity: 'alice@example.com',
    });
    expect((await cookieState(context)).state).toMatchObject({ userId: anonId, identity: 'alice@example.com' });
    const user = (await api.byIdentity('alice@example.com')).body;
    expect(user).toMatchObject({ user_id: anonId, identity: 'alice@example.com' });
    expect(user.properties).toMatchObject({ plan: 'Pro', name: 'Alice', email: 'alice@example.com' });
    await expect.poll(() => pageviewPaths(user.user_id)).toEqual(expect.arrayContaining(['/', '/about', '/pricing', '/login']));
  });

  it('a second device that logs in as the same account merges into it', async () => {
    const { context, page } = await visitor();
    await page.goto(`${base}/about`);
    const phoneId = (await shown(page)).client!;
    expect(phoneId).not.toBe(alice.anonId);
    await eventually(() => pageviewPaths(phoneId)).toEqual(['/about']);
    await logIn(page, 'alice@example.com');
    await page.waitForURL(`${base}/account`);
    await eventually(() => page.getByTestId('client-identity').count()).toBe(1);
    // R5: this device keeps its user id, and the collector merged it into alice's user.
    expect(await shown(page)).toMatchObject({ server: phoneId, client: phoneId, clientIdentity: 'alice@example.com' });
    expect((await cookieState(context)).state.userId).toBe(phoneId);
    const user = (await api.byIdentity('alice@example.com')).body;
    expect(user.user_id).toBe(alice.anonId);
    expect(user.merged_user_ids).toContain(phoneId);
    const events = await api.events(alice.anonId);
    expect(events.some((e) => e.user_id === phoneId && e.url === `${base}/about`)).toBe(true);
  });

  it('choosing a plan when logged in sets it on the account', async () => {
    const { page } = alice;
    await page.goto(`${base}/pricing`);
    await page.getByTestId('plan-Enterprise').click();
    await eventually(() => page.getByTestId('current-plan').textContent()).toBe('Your plan: Enterprise');
    await eventually(async () => (await api.byIdentity('alice@example.com')).body.properties.plan).toBe('Enterprise');
  });

  it('logging out gives the device a new anonymous user (R8), on the server and in the SDK', async () => {
    const { context, page, anonId } = alice;
    await page.getByTestId('logout').click();
    await page.waitForURL(`${base}/`);
    await eventually(() => page.getByTestId('login-link').count()).toBe(1);
    await eventually(async () => (await shown(page)).client).not.toBe(anonId);
    const ids = await shown(page);
    expect(ids.server).toBe(ids.client);
    expect([ids.serverIdentity, ids.clientIdentity]).toEqual([null, null]);
    expect((await cookieState(context)).state).toMatchObject({ userId: ids.client, identity: null });
    await eventually(async () => (await api.user(ids.client!)).body.identity ?? null).toBeNull();
    await eventually(() => pageviewPaths(ids.client!)).toContain('/');
    expect((await api.byIdentity('alice@example.com')).body.merged_user_ids).not.toContain(ids.client);
  });

  it('an identified device whose session ended logs in as another account: a new user id (R6)', async () => {
    const { context, page } = await visitor();
    await logIn(page, 'alice@example.com');
    await page.waitForURL(`${base}/account`);
    const asAlice = (await cookieState(context)).state;
    expect(asAlice.identity).toBe('alice@example.com');
    // The app's session cookie is gone, Idem's cookie still says alice: the login form is posted as is.
    await context.clearCookies({ name: 'demo_session' });
    const res = await context.request.post(`${base}/login`, {
      form: { email: 'bob@example.com', password: 'demo' },
      headers: { origin: base, accept: 'text/html' },
      maxRedirects: 0,
    });
    expect(res.status()).toBe(303);
    const asBob = (await cookieState(context)).state;
    expect(asBob.identity).toBe('bob@example.com');
    expect(asBob.userId).not.toBe(asAlice.userId);
    expect(asBob.sessionId).not.toBe(asAlice.sessionId);
    expect((await api.byIdentity('bob@example.com')).body.user_id).toBe(asBob.userId);
    expect((await api.byIdentity('alice@example.com')).body.merged_user_ids).not.toContain(asBob.userId);
    // The browser takes the server's word: bob, same user id.
    await page.goto(`${base}/account`);
    expect(await shown(page)).toMatchObject({ server: asBob.userId, client: asBob.userId, clientIdentity: 'bob@example.com' });
  });

  it('a damaged cookie counts as none: the server mints a new user and the SDK adopts it', async () => {
    const { context, page } = await visitor();
    for (const value of ['garbage', 'v1.1.2.3.null', 'v1.0001.2.3.', `v1.1.2.3.${'%25'.repeat(900)}`]) {
      await context.addCookies([{ name: COOKIE, value, url: base }]);
      await page.goto(base);
      const ids = await shown(page);
      expect(ids.server).toMatch(/^\d+$/);
      expect(ids.client).toBe(ids.server);
      expect((await cookieState(context)).state).toMatchObject({ userId: ids.server, identity: null });
    }
  });

  it('refuses hostile form posts without identifying anyone', async () => {
    const { context } = await visitor();
    const post = (path: string, form: Record<string, string>) =>
      context.request.post(`${base}${path}`, { form, headers: { origin: base, accept: 'text/html' }, maxRedirects: 0 });
    const forms: Record<string, string>[] = [
      {},
      { email: 'x'.repeat(100_000), password: 'demo' },
      { email: 'null', password: 'demo' },
      { email: 'alice@example.com' },
      { email: 'mallory@example.com', password: 'demo' },
    ];
    for (const form of forms) {
      expect((await post('/login', form)).status()).toBe(400);
    }
    expect((await post('/pricing?/choose', { plan: '__proto__' })).status()).toBe(400);
    // SvelteKit refuses a cross-site form post before any action runs.
    const cross = await context.request.post(`${base}/login`, {
      form: { email: 'bob@example.com', password: 'demo' },
      headers: { origin: 'https://evil.example', accept: 'text/html' },
      maxRedirects: 0,
    });
    expect(cross.status()).toBe(403);
    expect((await cookieState(context)).state.identity).toBeNull();
  });
});
