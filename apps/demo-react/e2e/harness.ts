// The end-to-end harness: a real collector (@idem/server), the demo built by Vite pointing at it, served
// over real HTTP, and real Chromium (playwright-core, no downloaded browsers).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startServer } from '@idem/server';
import { type Browser, chromium, type Page } from 'playwright-core';

export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const VITE = join(APP_DIR, 'node_modules', 'vite', 'bin', 'vite.js');
export const SERVER_KEY = 'demo-react-e2e-server-key-0123456789';

/** A free TCP port on 127.0.0.1 (for the Vite dev server, which wants one up front). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/**
 * A tiny static server for a built app: files from `site.dir`, index.html for anything else. The folder
 * may be set after it starts, since the build needs the collector, which needs this server's origin.
 */
export async function serveStatic(dir = ''): Promise<{ origin: string; dir: string; close(): Promise<void> }> {
  const site = { origin: '', dir, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const root = site.dir;
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    let file = join(root, path);
    if (!root || !file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    if (!existsSync(file)) return void res.writeHead(404).end('not built yet');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  site.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  site.close = () => new Promise<void>((r) => server.close(() => r()));
  return site;
}

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

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface UserJson {
  user_id: string;
  identity: string | null;
  properties: Record<string, unknown>;
  first_seen: string | null;
  last_seen: string | null;
  merged_user_ids: string[];
}
export interface EventJson {
  id: string;
  user_id: string;
  session_id: string;
  type: string;
  event: string | null;
  properties: Record<string, unknown>;
  time: string;
  url: string | null;
}

/** The collector's read API, with the server key. */
export function reader(collector: RunningServer) {
  const get = async (path: string) => {
    const res = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${SERVER_KEY}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return {
    get,
    async user(identity: string): Promise<UserJson | null> {
      const r = await get(`/api/v1/users?app_id=demo&identity=${encodeURIComponent(identity)}`);
      if (r.status === 404) return null;
      if (r.status !== 200) throw new Error(`GET user ${identity}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as unknown as UserJson;
    },
    async users(): Promise<UserJson[]> {
      const r = await get('/api/v1/users?app_id=demo&limit=500');
      if (r.status !== 200) throw new Error(`GET users: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.users as UserJson[];
    },
    async events(userId: string): Promise<EventJson[]> {
      const r = await get(`/api/v1/users/${userId}/events?app_id=demo`);
      if (r.status !== 200) throw new Error(`GET events of ${userId}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.events as EventJson[];
    },
  };
}

/** Waits until `check` answers a value (not null/undefined/false), at most `ms`. */
export async function until<T>(check: () => Promise<T | null | undefined | false>, ms = 10_000, what = 'the collector'): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(100);
  }
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
