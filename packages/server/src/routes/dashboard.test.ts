import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../server.js';

let server: RunningServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** A dashboard build with only an index.html, and demo-links.json when given. */
function dashboardDir(demoLinks?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'idem-dashboard-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Idem</title>');
  if (demoLinks !== undefined) writeFileSync(join(dir, 'demo-links.json'), demoLinks);
  return dir;
}

describe('the dashboard at /', () => {
  it('serves index.html under a strict CSP, and an empty demo list when there is no demo-links.json', async () => {
    server = await startServer({ port: 0, apps: ['demo'], serverKey: 'k'.repeat(20), dashboardDir: dashboardDir() });
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const links = await fetch(`${server.url}/demo-links.json`);
    expect([links.status, await links.json()]).toEqual([200, []]);
  });

  it('serves demo-links.json as written when there is one', async () => {
    const written = '[{"name":"React demo","url":"http://127.0.0.1:5173/"}]';
    server = await startServer({ port: 0, apps: ['demo'], serverKey: 'k'.repeat(20), dashboardDir: dashboardDir(written) });
    expect(await (await fetch(`${server.url}/demo-links.json`)).text()).toBe(written);
  });
});
