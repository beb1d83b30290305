import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@idem/test-support/chromium';
import { collectorReads } from '@idem/test-support/collector-reads';
import { freePort } from '@idem/test-support/free-port';
import { serveHttp, type TestServer } from '@idem/test-support/http-server';
import { until } from '@idem/test-support/until';
import type { Browser } from 'playwright-core';
import { snippet } from '../src/snippet.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '../../server/dist/cli.js');
const BUNDLE = join(here, '../dist/idem.min.js');
export const APP = 'demo';
export const SERVER_KEY = 'e2e-test-server-key-0123456789';

/** The real collector, as `idem serve` runs it, in a child process that can be killed and restarted on the same port and database. */
export class Collector {
  readonly dir = mkdtempSync(join(tmpdir(), 'idem-e2e-'));
  readonly db = join(this.dir, 'idem.sqlite');
  readonly serverKey = SERVER_KEY;
  url = '';
  /** The read API (user, byIdentity, events), against whichever process is running now. */
  readonly api = collectorReads(this, APP);
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
    await until(`collector on ${this.url}\n${this.log}`, 30_000, async () => {
      if (child.exitCode !== null) throw new Error(`collector exited ${child.exitCode}: ${this.log}`);
      return (await this.api.get(`/api/v1/users?app_id=${APP}&limit=1`)).status === 200;
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
}

/**
 * Test pages on a tiny node:http server. Any path answers a page with the README's snippet and
 * `idem.load(APP, options)`, options from the `o` query parameter (JSON) plus the collector's
 * endpoint; `/idem.min.js` is the IIFE build (delayed by `?delay=ms` on the page, to exercise the
 * pre-load queue). A `calls` query parameter (JSON array of [method, args]) is made inline before
 * the script loads.
 */
export class Pages {
  private server: TestServer | null = null;
  port = 0;
  constructor(private endpoint: () => string) {}

  async start(): Promise<void> {
    this.server = await serveHttp((req, res) => {
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
    this.port = this.server.port;
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
    await this.server?.close();
  }
}

export const HOSTS = 'MAP *.shop.test 127.0.0.1, MAP shop.test 127.0.0.1, MAP other.test 127.0.0.1';

/** Chromium, with the test hostnames mapped to 127.0.0.1 so that cookie domains are real. */
export function launch(): Promise<Browser> {
  return launchChromium([`--host-resolver-rules=${HOSTS}`]);
}
