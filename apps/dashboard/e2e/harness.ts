import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startServer } from '@idem/server';
import { serveHttp } from '@idem/test-support/http-server';
import type { Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const appDir = join(here, '..');
export const resultsDir = join(appDir, 'test-results');

/**
 * A copy of the built dashboard (so a test can add or remove demo-links.json without touching dist/),
 * served by a real collector on an ephemeral port.
 */
export async function startCollector(
  serverKey: string,
  /** Contents of demo-links.json, if any. */
  demoLinks?: unknown,
): Promise<{ collector: RunningServer; dashboardDir: string; cleanup(): Promise<void> }> {
  const dist = join(appDir, 'dist');
  if (!existsSync(join(dist, 'index.html')))
    throw new Error('apps/dashboard/dist is missing: run `pnpm --filter @idem/dashboard build` first');
  const tmp = mkdtempSync(join(tmpdir(), 'idem-dashboard-'));
  const dashboardDir = join(tmp, 'dist');
  cpSync(dist, dashboardDir, { recursive: true });
  // Written before the collector starts, as the root `pnpm start` does: the static routes are made at start.
  if (demoLinks !== undefined) writeFileSync(join(dashboardDir, 'demo-links.json'), JSON.stringify(demoLinks));
  const collector = await startServer({
    port: 0,
    db: join(tmp, 'idem.sqlite'),
    apps: ['demo', 'other'],
    serverKey,
    dashboardDir,
    rateLimits: false,
  });
  return {
    collector,
    dashboardDir,
    async cleanup() {
      await collector.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** A tiny site on its own origin that loads the real @idem/browser IIFE and points it at the collector. */
export async function startDemoSite(collectorUrl: () => string): Promise<{ url: string; close(): Promise<void> }> {
  const require = createRequire(import.meta.url);
  const iifePath = require.resolve('@idem/browser/idem.min.js');
  const iife = readFileSync(iifePath, 'utf8');
  const page = (title: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<script src="/idem.min.js"></script>
<script>idem.init('demo', { endpoint: ${JSON.stringify(collectorUrl())}, flushIntervalMs: 50 });</script>
</head><body><h1>${title}</h1></body></html>`;
  const server = await serveHttp((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/idem.min.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(iife);
    if (path === '/favicon.ico') return void res.writeHead(204).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(path === '/pricing' ? 'Pricing' : 'Demo shop'));
  });
  return { url: server.origin, close: server.close };
}

/** Collects console errors, CSP violations and uncaught exceptions of a page. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  await page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage });
}

/** Counts canvas pixels close to a colour: proof that Chart.js drew bars or lines, not just an empty canvas. */
export async function paintedPixels(page: Page, selector: string, rgb: [number, number, number]): Promise<number> {
  return page.$eval(
    selector,
    (canvas, [r, g, b]) => {
      const c = canvas as HTMLCanvasElement;
      const ctx = c.getContext('2d');
      if (!ctx) return 0;
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (
          Math.abs((data[i] as number) - r) < 12 &&
          Math.abs((data[i + 1] as number) - g) < 12 &&
          Math.abs((data[i + 2] as number) - b) < 12 &&
          (data[i + 3] as number) > 200
        )
          n++;
      }
      return n;
    },
    rgb,
  );
}
