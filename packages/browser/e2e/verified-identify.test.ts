import { createHmac } from 'node:crypto';
import { identitySignaturePayload } from '@idem/core';
import { type RunningServer, startServer } from '@idem/server';
import { type CollectorReads, collectorReads } from '@idem/test-support/collector-reads';
import { until } from '@idem/test-support/until';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, launch, Pages, SERVER_KEY } from './harness.js';

// Verified identify end to end: the page gets a signature its backend made (here, the test plays the
// backend), the SDK passes it along, and the collector refuses identify calls that are unsigned or forged.

const SECRET = 'e2e-identify-secret-0123456789';
const sign = (identity: string) => createHmac('sha256', SECRET).update(identitySignaturePayload(APP, identity)).digest('hex');

let browser: Browser;
let collector: RunningServer;
let pages: Pages;
let api: CollectorReads;

beforeAll(async () => {
  collector = await startServer({
    port: 0,
    db: ':memory:',
    apps: [{ id: APP, identifySecret: SECRET }],
    serverKey: SERVER_KEY,
    rateLimits: false,
  });
  api = collectorReads(collector, APP);
  pages = new Pages(() => collector.url);
  await pages.start();
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await collector?.close();
});

async function login(identity: string, signature?: string): Promise<{ page: Page; userId: string }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(pages.url('shop.test', '/login'));
  await page.waitForFunction(() => !Array.isArray((window as any).idem));
  const userId = await page.evaluate(
    async ([id, sig]) => {
      const idem = (window as any).idem;
      idem.track('Before Login');
      idem.identify(id, sig ? { signature: sig } : undefined);
      await idem.flush();
      return idem.getUserId() as string;
    },
    [identity, signature ?? null] as const,
  );
  return { page, userId };
}

describe('verified identify in Chromium', () => {
  it('a signed identify ties the visitor to the identity', async () => {
    const { page, userId } = await login('alice@example.com', sign('alice@example.com'));
    const user = await until('alice identified', 30_000, async () => {
      const r = await api.byIdentity('alice@example.com');
      return r.status === 200 && r.body;
    });
    expect(user.user_id).toBe(userId);
    await page.context().close();
  });

  it('an unsigned or forged identify is refused: the visitor stays anonymous and a warning says why', async () => {
    for (const signature of [undefined, sign('someone-else'), 'f'.repeat(64)]) {
      const { page, userId } = await login('victim@example.com', signature);
      const warnings = await until('unverified warning', 30_000, async () => {
        const r = await api.get<{ warnings: any[] }>(`/api/v1/warnings?app_id=${APP}&user_id=${userId}`);
        return r.status === 200 && r.body.warnings.length > 0 && r.body.warnings;
      });
      expect(warnings[0].reason).toBe('unverified');
      expect((await api.user(userId)).body.identity).toBeNull();
      await page.context().close();
    }
    expect((await api.byIdentity('victim@example.com')).status).toBe(404);
  });
});
