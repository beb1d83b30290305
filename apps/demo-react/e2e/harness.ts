// The end-to-end harness's React parts: a real collector (@idem/server) and the demo built or served by
// Vite pointing at it. Chromium, the static server and the waits are @idem/test-support's.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startServer } from '@idem/server';
import { type ApiUser, collectorReads } from '@idem/test-support/collector-reads';
import { sleep } from '@idem/test-support/until';
import type { Page } from 'playwright-core';

export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const VITE = join(APP_DIR, 'node_modules', 'vite', 'bin', 'vite.js');
export const SERVER_KEY = 'demo-react-e2e-server-key-0123456789';

/** Builds the demo into a fresh temporary folder (not dist/), pointed at `endpoint`. */
export async function buildDemo(endpoint: string): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'idem-demo-react-'));
  await run(process.execPath, [VITE, 'build', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], {
    VITE_IDEM_ENDPOINT: endpoint,
    VITE_IDEM_APP_ID: 'demo',
  });
  if (!existsSync(join(dir, 'index.html'))) throw new Error('vite build wrote no index.html');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the Vite dev server (StrictMode's double effects are on in development) on `port`. */
export async function startDevServer(port: number, endpoint: string): Promise<{ origin: string; close(): Promise<void> }> {
  const child = spawn(process.execPath, [VITE, '--port', String(port), '--strictPort', '--host', '127.0.0.1'], {
    cwd: APP_DIR,
    env: { ...process.env, VITE_IDEM_ENDPOINT: endpoint, VITE_IDEM_APP_ID: 'demo' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite dev exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`vite dev did not answer on ${origin}:\n${out}`);
    }
    const ok = await fetch(origin).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(200);
  }
  return {
    origin,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: APP_DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}:\n${out}`))));
  });
}

/** A collector on a random port and an in-memory database, accepting the `demo` app from `origins` only. */
export function startCollector(origins: string[]): Promise<RunningServer> {
  return startServer({
    port: 0,
    db: ':memory:',
    apps: [{ id: 'demo', allowedOrigins: origins }],
    serverKey: SERVER_KEY,
    rateLimits: false,
  });
}

/**
 * The collector's read API as these tests read it: users by identity, null when the collector has none
 * (404); any other answer but 200 throws.
 */
export function reader(collector: RunningServer) {
  const reads = collectorReads(collector);
  return {
    get: reads.get,
    users: reads.users,
    events: reads.events,
    async user(identity: string): Promise<ApiUser | null> {
      const r = await reads.byIdentity(identity);
      if (r.status === 404) return null;
      if (r.status !== 200) throw new Error(`GET user ${identity}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
  };
}

/** Sends what the page's SDK has queued, through the client the demo exposes as window.__idem. */
export async function flush(page: Page): Promise<void> {
  await page.waitForFunction(() => Boolean(window.__idem));
  await page.evaluate(() => window.__idem!.flush());
}

/** Every message the page sent to the collector (observed on the wire, not intercepted). */
export function recordBatches(page: Page): Array<{ type: string; identity?: string; user_id: string; [k: string]: unknown }> {
  const sent: Array<{ type: string; identity?: string; user_id: string }> = [];
  page.on('request', (req) => {
    if (!req.url().endsWith('/api/v1/batch') || req.method() !== 'POST') return;
    const body = req.postData();
    if (body) sent.push(...(JSON.parse(body) as { messages: typeof sent }).messages);
  });
  return sent;
}
