import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumPath } from './chromium.js';
import { serveStatic } from './static-server.js';
import { until } from './until.js';

// The helpers' own promises, checked without a browser; the six suites check them with one.

describe('until', () => {
  it('returns the first value check answers', async () => {
    let n = 0;
    expect(await until('n to reach 3', 5_000, async () => ++n >= 3 && n)).toBe(3);
  });

  it('throws once the time is up, naming what it waited for and the last error', async () => {
    const started = Date.now();
    await expect(
      until('the collector', 300, async () => {
        throw new Error('ECONNREFUSED');
      }),
    ).rejects.toThrow('timed out waiting for the collector: Error: ECONNREFUSED');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('serveStatic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idem-test-support-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers 404 until the build is there, then files, and index.html for any route', async () => {
    const site = await serveStatic();
    try {
      expect((await fetch(`${site.origin}/`)).status).toBe(404);
      site.dir = dir;
      const js = await fetch(`${site.origin}/assets/app.js`);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(await js.text()).toBe('console.log(1)');
      expect(await (await fetch(`${site.origin}/account/settings`)).text()).toContain('<title>app</title>');
      expect(await (await fetch(`${site.origin}/%2e%2e/%2e%2e/etc/passwd`)).text()).toContain('<title>app</title>');
    } finally {
      await site.close();
    }
  });
});

describe('chromiumPath', () => {
  it('says how to get Chromium when there is none', () => {
    const before = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = '/nonexistent/chromium';
    try {
      expect(() => chromiumPath()).toThrow(/Chromium not found at \/nonexistent\/chromium: install Debian's .*CHROMIUM_PATH/);
    } finally {
      if (before === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = before;
    }
  });
});
