import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { snippet } from '../src/snippet.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '../../server/dist/cli.js');
const BUNDLE = join(here, '../dist/idem.min.js');
export const APP = 'demo';
export const SERVER_KEY = 'e2e-test-server-key-0123456789';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out: ${what}${last ? ` (${String(last)})` : ''}`);
    await sleep(100);
  }
}

/** The real collector, as `idem serve` runs it, in a child process that can be killed and restarted on the same port and database. */
export class Collector {
  readonly dir = mkdtempSync(join(tmpdir(), 'idem-e2e-'));
  readonly db = join(this.dir, 'idem.sqlite');
  url = '';
  private child: ChildProcess | null = null;
  private log = '';
  constructor(public port = 0) {}

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    const child = spawn(process.execPath, [CLI, 'serve', '--port', String(this.port), '--db', this.db, '--app', APP], {
      cwd: this.dir,
      env: { ...process.env, IDEM_SERVER_KEY: SERVER_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (d) => (this.log += d));
    child.stderr?.on('data', (d) => (this.log += d));
    await until(`collector on ${this.url}\n${this.log}`, async () => {
      if (child.exitCode !== null) throw new Error(`collector exited ${child.exitCode}: ${this.log}`);
      return (await fetch(`${this.url}/api/v1/users?app_id=${APP}&limit=1`, { headers: this.auth })).ok;
    });
  }

  /** Kills the process outright (SIGKILL): whatever was in flight is cut off. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async close(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  get auth() {
    return { authorization: `Bearer ${SERVER_KEY}` };
  }

  async get<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${path}${path.includes('?') ? '&' : '?'}app_id=${APP}`, { headers: this.auth });
    return { status: res.status, body: (await res.json()) as T };
  }

  user(userId: string) {
    return this.get<UserJson>(`/api/v1/users/${userId}`);
  }

  byIdentity(identity: string) {
    return this.get<UserJson>(`/api/v1/users?identity=${encodeURIComponent(identity)}`);
  }

  async events(userId: string): Promise<EventJson[]> {
    const r = await this.get<{ events: EventJson[] }>(`/api/v1/users/${userId}/events?limit=10000`);
    return r.status === 200 ? r.body.events : [];
  }
}

export interface UserJson {
  user_id: string;
  identity: string | null;
  properties: Record<string, unknown>;
  first_seen: string;
  last_seen: string;
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

/**
 * Test pages on a tiny node:http server. Any path answers a page with the README's snippet and
 * `idem.load(APP, options)`, options from the `o` query parameter (JSON) plus the collector's
 * endpoint; `/idem.min.js` is the IIFE build (delayed by `?delay=ms` on the page, to exercise the
 * pre-load queue). A `calls` query parameter (JSON array of [method, args]) is made inline before
 * the script loads.
 */
export class Pages {
  private server: Server | null = null;
  port = 0;
  constructor(private endpoint: () => string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/idem.min.js') {
        const delay = Number(url.searchParams.get('delay') ?? 0);
        setTimeout(() => res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(BUNDLE)), delay);
        return;
      }
      if (url.pathname === '/favicon.ico') return void res.writeHead(404).end();
      if (url.pathname === '/api/v1/batch') {
        // The collector behind the site's own origin, for pages that leave `endpoint` out.
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', async () => {
          try {
            const r = await fetch(`${this.endpoint()}/api/v1/batch`, {
              method: 'POST',
              body,
              headers: { 'content-type': req.headers['content-type'] ?? 'text/plain', 'user-agent': req.headers['user-agent'] ?? '' },
            });
            res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
          } catch {
            res.writeHead(502).end();
          }
        });
        return;
      }
      const options = { endpoint: this.endpoint(), ...JSON.parse(url.searchParams.get('o') ?? '{}') };
      options.src = `/idem.min.js?delay=${Number(url.searchParams.get('delay') ?? 0)}`;
      const calls = JSON.parse(url.searchParams.get('calls') ?? '[]') as Array<[string, unknown[]]>;
      const inline = calls.map(([m, a]) => `idem[${JSON.stringify(m)}](...${JSON.stringify(a)});`).join('\n');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html><head><title>${url.pathname}</title>
<script>${snippet}
idem.load(${JSON.stringify(APP)}, ${JSON.stringify(options)});
${inline}
</script></head><body><a id="next" href="/next">next</a></body></html>`);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  url(host: string, path = '/', query: { o?: object; calls?: Array<[string, unknown[]]>; delay?: number } = {}): string {
    const q = new URLSearchParams();
    if (query.o) q.set('o', JSON.stringify(query.o));
    if (query.calls) q.set('calls', JSON.stringify(query.calls));
    if (query.delay) q.set('delay', String(query.delay));
    const s = q.toString();
    return `http://${host}:${this.port}${path}${s ? `?${s}` : ''}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

export const HOSTS = 'MAP *.shop.test 127.0.0.1, MAP shop.test 127.0.0.1, MAP other.test 127.0.0.1';

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--host-resolver-rules=${HOSTS}`,
    ],
  });
}
