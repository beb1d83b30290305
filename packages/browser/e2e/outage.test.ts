import { sleep, until } from '@idem/test-support/until';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Collector, launch, Pages } from './harness.js';

// "A collector that is down for a minute loses nothing": events tracked before, during and after an
// outage (with a page reload in the middle of it) are all stored, each exactly once. The collector
// is killed with SIGKILL while batches are on their way, so some are cut off mid-request.
const OUTAGE_MS = Number(process.env.IDEM_E2E_OUTAGE_MS ?? 60_000);

let browser: Browser;
let collector: Collector;
let pages: Pages;

beforeAll(async () => {
  collector = new Collector();
  await collector.start();
  pages = new Pages(() => collector.url);
  await pages.start();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await collector?.close();
});

type Idem = { idem: Record<string, (...a: unknown[]) => unknown> };
const ready = (page: import('playwright-core').Page) => page.waitForFunction(() => !Array.isArray((window as unknown as Idem).idem));
/** Tracks `count` events named prefix-N, one every `every` ms, inside the page. */
const trackMany = (page: import('playwright-core').Page, prefix: string, from: number, count: number, every: number) =>
  page.evaluate(
    async ([prefix, from, count, every]) => {
      const idem = (window as unknown as Idem).idem;
      for (let i = from; i < from + count; i++) {
        idem.track!(`${prefix}-${i}`, { i });
        await new Promise((r) => setTimeout(r, every));
      }
    },
    [prefix, from, count, every] as const,
  );

it(`the collector stopped while events are sent (${OUTAGE_MS / 1000} s) and restarted: every event stored exactly once`, async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(pages.url('shop.test', '/outage', { o: { batchSize: 5, flushIntervalMs: 100 } }));
  await ready(page);
  const user = (await page.evaluate(() => (window as unknown as Idem).idem.getUserId!())) as string;

  // Events flow; the collector is killed in the middle of them.
  const first = trackMany(page, 'ev', 0, 40, 25);
  await sleep(500);
  await collector.kill();
  await first;
  // During the outage: more events, a reload (the queue survives it in localStorage), more events.
  await trackMany(page, 'ev', 40, 20, 10);
  await page.reload();
  await ready(page);
  await trackMany(page, 'ev', 60, 20, 10);
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('idem:demo:q:')).length);
  expect(stored).toBeGreaterThan(0);
  await sleep(Math.max(0, OUTAGE_MS - 1500));
  await collector.start();

  // Back-off is at most 15 s; everything arrives without any help from the test.
  const events = await until('all 80 events', 90_000, async () => {
    const e = await collector.api.events(user);
    return e.filter((x) => x.type === 'track').length >= 80 && e;
  });
  await sleep(2000); // give any late duplicate the chance to show up
  const final = await collector.api.events(user);
  expect(final.length).toBe(events.length);
  const names = final.filter((e) => e.type === 'track').map((e) => e.event);
  expect(names.length).toBe(80);
  expect(new Set(names).size).toBe(80);
  for (let i = 0; i < 80; i++) expect(names).toContain(`ev-${i}`);
  expect(final.filter((e) => e.type === 'pageview')).toHaveLength(2);
  await until('the queue is empty', 30_000, async () =>
    page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('idem:demo:q:')).length === 0),
  );
  await ctx.close();
});
