import type { RunningServer } from '@idem/server';
import { launchChromium } from '@idem/test-support/chromium';
import { freePort } from '@idem/test-support/free-port';
import { until } from '@idem/test-support/until';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flush, reader, recordBatches, startCollector, startDevServer } from './harness.js';

// The development build, where StrictMode mounts every component twice and runs its effects twice:
// the provider must still make one SDK (one pageview) and a login must still send one identify.
let collector: RunningServer;
let dev: Awaited<ReturnType<typeof startDevServer>>;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  collector = await startCollector([`http://127.0.0.1:${port}`]);
  dev = await startDevServer(port, collector.url);
  browser = await launchChromium();
  // A first visit lets Vite finish optimizing dependencies (it may reload the page once while it does).
  const warm = await browser.newContext();
  const page = await warm.newPage();
  await page.goto(`${dev.origin}/`);
  await page.waitForFunction(() => window.__idem?.getUserId(), undefined, { timeout: 60_000 });
  await page.waitForTimeout(1000);
  await warm.close();
});

afterAll(async () => {
  await browser?.close();
  await dev?.close();
  await collector?.close();
});

describe('the React demo in development (StrictMode on), in Chromium', () => {
  it('sends one pageview on load, one identify on login, and each property change once', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const sent = recordBatches(page);
    await page.goto(`${dev.origin}/`);
    await page.waitForFunction(() => window.__idem?.getUserId());
    // This is Vite's development server: React runs in development mode, with StrictMode's double effects.
    expect(await page.evaluate(() => Boolean(document.querySelector('script[src="/@vite/client"]')))).toBe(true);
    await page.getByRole('link', { name: 'Log in', exact: true }).click();
    await page.locator('[data-login="alice@example.com"]').click();
    await page.getByTestId('identity').getByText('alice@example.com').waitFor();
    await page.getByRole('link', { name: 'Pricing' }).click();
    await page.locator('[data-plan="Pro"]').click();
    await page.getByRole('button', { name: 'Your plan' }).waitFor();
    await flush(page);

    expect(sent.filter((m) => m.type === 'pageview').map((m) => new URL(String(m.url)).hash || '#/')).toEqual([
      '#/',
      '#/login',
      '#/account',
      '#/pricing',
    ]);
    expect(sent.filter((m) => m.type === 'identify').map((m) => m.identity)).toEqual(['alice@example.com']);
    expect(sent.filter((m) => m.type === 'user_properties').map((m) => m.properties)).toEqual([
      { email: 'alice@example.com', Email: 'alice@example.com', name: 'Alice' },
      { email: 'alice@example.com', Email: 'alice@example.com', name: 'Alice', plan: 'Pro' },
    ]);
    const user = await until("alice's plan", 10_000, async () => {
      const u = await reader(collector).user('alice@example.com');
      return u?.properties.plan === 'Pro' && u;
    });
    expect(user.merged_user_ids).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
