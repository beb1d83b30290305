/**
 * The built template in real Chromium against the real IIFE bundle and a real collector. A tiny
 * node:http server serves the page, the harness (GTM's sandbox APIs bridged to the real window)
 * and packages/browser/dist/idem.min.js; injectScript really loads the bundle with a <script> tag.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startServer } from '@idem/server';
import { launchChromium } from '@idem/test-support/chromium';
import { type CollectorReads, collectorReads } from '@idem/test-support/collector-reads';
import { serveHttp, type TestServer } from '@idem/test-support/http-server';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadTemplate } from '../src/harness/node.js';
import type { Permissions } from '../src/harness/permissions.js';
import type { TagResult } from '../src/harness/run.js';

const require = createRequire(import.meta.url);
const BUNDLE = readFileSync(require.resolve('@idem/browser/idem.min.js'), 'utf8');
const CDN_URL = 'https://cdn.jsdelivr.net/npm/@idem/browser@0/dist/idem.min.js';
const SERVER_KEY = 'gtm-template-e2e-key-0123456789ab';
const template = loadTemplate();

let collector: RunningServer;
let api: CollectorReads;
let site: TestServer;
let siteUrl: string;
let harness: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const sdkRequests: string[] = [];

beforeAll(async () => {
  collector = await startServer({ port: 0, apps: ['demo'], serverKey: SERVER_KEY });
  api = collectorReads(collector);
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../src/harness/browser.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    logLevel: 'silent',
  });
  harness = out.outputFiles[0]!.text;
  site = await serveHttp((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/' || path === '/account') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          '<!doctype html><html><head><title>Shop</title><script src="/gtm-harness.js"></script></head><body><h1>Shop</h1></body></html>',
        );
    } else if (path === '/gtm-harness.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(harness);
    else if (path === '/static/idem.min.js') {
      sdkRequests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(BUNDLE);
    } else res.writeHead(404).end('not found');
  });
  siteUrl = site.origin;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

beforeEach(async () => {
  sdkRequests.length = 0;
  context = await browser.newContext();
  // Nothing leaves the machine: the CDN URL answers with the local bundle, any other outside URL fails.
  await context.route(
    (url) => !url.href.startsWith('http://127.0.0.1'),
    (route) => (route.request().url() === CDN_URL ? route.fulfill({ body: BUNDLE, contentType: 'text/javascript' }) : route.abort()),
  );
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${siteUrl}/`);
});

afterEach(async () => {
  await context.close();
});

const fire = (data: Record<string, unknown>, permissions: Permissions = template.permissions): Promise<TagResult> =>
  page.evaluate(([code, d, p]) => window.__gtmHarness.fire(code, d, p), [template.code, data, permissions] as const);

const base = () => ({ appId: 'demo', endpoint: collector.url, scriptUrl: CDN_URL });
const selfHosted = () => `${siteUrl}/static/idem.min.js`;
const withSelfHosted = (): Permissions => ({
  ...template.permissions,
  inject_script: { urls: [...template.permissions.inject_script!.urls, selfHosted()] },
});
const flush = () => page.evaluate(() => (window as any).idem.flush());
const sdk = <T>(method: string): Promise<T> => page.evaluate((m) => (window as any).idem[m](), method);
const uniqueId = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}@example.com`;

describe('the template in Chromium with the real SDK and collector', () => {
  it('identifies with the shipped permissions and the default CDN URL; the collector shows the user', async () => {
    const id = uniqueId('ada');
    const result = await fire({
      tagType: 'identify',
      ...base(),
      identity: id,
      userProperties: [{ key: 'plan', value: 'pro' }],
      userPropertiesObject: { company: { name: 'Acme' } },
    });
    expect(result).toMatchObject({ status: 'success', logs: [`Idem: identified as "${id}"`] });
    expect(await page.evaluate(() => [...document.scripts].map((s) => s.src).filter(Boolean))).toContain(CDN_URL);
    expect(await sdk('getIdentity')).toBe(id);
    await flush();
    const user = await api.byIdentity(id);
    expect(user.status).toBe(200);
    expect(user.body).toMatchObject({ identity: id, user_id: await sdk('getUserId') });
    expect(user.body.properties).toMatchObject({
      plan: 'pro',
      'company.name': 'Acme',
      'Initial Landing Page': expect.stringContaining('127.0.0.1'),
    });
  });

  it('self-hosted SDK: the tag fails and loads nothing until the permission lists the URL', async () => {
    const denied = await fire({ tagType: 'identify', ...base(), scriptUrl: selfHosted(), identity: uniqueId('denied') });
    expect(denied.status).toBe('failure');
    expect(sdkRequests).toEqual([]);
    expect(await page.evaluate(() => typeof (window as any).idem)).toBe('undefined');

    const id = uniqueId('self');
    const ok = await fire({ tagType: 'identify', ...base(), scriptUrl: selfHosted(), identity: id }, withSelfHosted());
    expect(ok.status).toBe('success');
    expect(sdkRequests).toHaveLength(1);
    await flush();
    expect((await api.byIdentity(id)).status).toBe(200);
  });

  it('a visit: anonymous page, login, a tracked event, logout; one script load; the collector follows (R5, R8)', async () => {
    const permissions = withSelfHosted();
    const sdkOptions = { ...base(), scriptUrl: selfHosted() };
    // All Pages, nobody signed in: the user-id variable is undefined.
    expect((await fire({ tagType: 'identify', ...sdkOptions, identity: undefined }, permissions)).status).toBe('success');
    const anonymous = await sdk<string>('getUserId');
    expect(await sdk('getIdentity')).toBeNull();
    // The login event: the variable now holds the user's id. R5: the device keeps its user id.
    const id = uniqueId('visit');
    expect(
      (await fire({ tagType: 'identify', ...sdkOptions, identity: id, userProperties: [{ key: 'plan', value: 'team' }] }, permissions))
        .status,
    ).toBe('success');
    expect(await sdk('getUserId')).toBe(anonymous);
    const tracked = await fire(
      { tagType: 'track', ...sdkOptions, eventName: 'Invited teammate', eventProperties: [{ key: 'seats', value: 3 }] },
      permissions,
    );
    expect(tracked.status).toBe('success');
    // The logout trigger. R8: a new anonymous user id, identity null.
    expect((await fire({ tagType: 'reset', ...sdkOptions }, permissions)).status).toBe('success');
    expect(await sdk('getIdentity')).toBeNull();
    expect(await sdk('getUserId')).not.toBe(anonymous);
    expect(sdkRequests).toHaveLength(1);

    await flush();
    const user = await api.byIdentity(id);
    expect(user.body).toMatchObject({ user_id: anonymous, identity: id, properties: { plan: 'team' } });
    const events = await api.events(anonymous);
    expect(events.filter((e) => e.type === 'track')).toMatchObject([{ event: 'Invited teammate', properties: { seats: 3 } }]);
    expect(events.some((e) => e.type === 'pageview')).toBe(true);
  });

  it('on the next page load the cookie keeps the user, and identifying again changes nothing (R7)', async () => {
    const id = uniqueId('return');
    expect((await fire({ tagType: 'identify', ...base(), identity: id })).status).toBe('success');
    const userId = await sdk<string>('getUserId');
    await flush();
    await page.goto(`${siteUrl}/account`);
    expect((await fire({ tagType: 'identify', ...base(), identity: id })).status).toBe('success');
    expect(await sdk('getUserId')).toBe(userId);
    expect(await sdk('getIdentity')).toBe(id);
  });

  it('a value that means nobody identifies no one', async () => {
    expect((await fire({ tagType: 'identify', ...base(), identity: ' Guest ' })).status).toBe('success');
    expect(await sdk('getIdentity')).toBeNull();
    await flush();
    // The collector knows the visitor, anonymous; it would refuse "Guest" as an identity anyway.
    const res = await api.user(await sdk<string>('getUserId'));
    expect(res.status).toBe(200);
    expect(res.body.identity).toBeNull();
    expect(await api.byIdentity('Guest')).toMatchObject({ status: 400, body: { error: { code: 'blocklisted' } } });
  });

  it('a script that fails to load fails the tag', async () => {
    const missing = 'https://cdn.jsdelivr.net/npm/@idem/browser@9.9.9/dist/idem.min.js';
    const result = await fire({ tagType: 'identify', ...base(), scriptUrl: missing, identity: 'x' });
    expect(result).toMatchObject({ status: 'failure', logs: [`Idem: could not load the SDK from ${missing}`] });
  });

  it('an identity the SDK refuses fails the tag, with the SDK warning on the console', async () => {
    const warnings: string[] = [];
    page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    const result = await fire({ tagType: 'identify', ...base(), identity: 'x'.repeat(256) });
    expect(result).toMatchObject({ status: 'failure', logs: ['Idem: identify refused: too_long'] });
    expect(warnings.join('\n')).toContain('too_long');
  });
});
