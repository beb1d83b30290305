import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Message } from '@idem/core';

/**
 * For the unit tests only: a real HTTP endpoint that speaks the batch protocol (stores each message
 * id once, answers `accepted`/`duplicate` per id) and can be told to fail, so the SDK's delivery is
 * tested over real sockets. The end-to-end tests (e2e/) run against the real collector.
 */
export interface TestCollector {
  url: string;
  port: number;
  /** Every request body received, in order (failed ones included). */
  requests: Array<{ body: string; contentType: string | undefined; status: number; at: number }>;
  /** Stored messages, each id once, in arrival order. */
  stored: Message[];
  /** How many times each id arrived. */
  arrivals: Map<string, number>;
  /** Status codes to answer the next requests with instead of 200 (one per request). */
  failNext: number[];
  /** The body sent with 200 instead of the results, when set. */
  rawReply?: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  wait(predicate: () => boolean, ms?: number): Promise<void>;
}

async function read(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

export async function startTestCollector(port = 0): Promise<TestCollector> {
  let server: Server | null = null;
  const c: TestCollector = {
    url: '',
    port,
    requests: [],
    stored: [],
    arrivals: new Map(),
    failNext: [],
    async start() {
      if (server) return;
      server = createServer(async (req, res) => {
        const body = await read(req);
        const fail = c.failNext.shift();
        const status = fail ?? 200;
        c.requests.push({ body, contentType: req.headers['content-type'], status, at: Date.now() });
        res.setHeader('access-control-allow-origin', '*');
        if (fail) {
          res.writeHead(fail, { 'content-type': 'application/json' }).end('{"error":{"code":"test","message":"failing on purpose"}}');
          return;
        }
        if (c.rawReply !== undefined) return void res.writeHead(200).end(c.rawReply);
        const batch = JSON.parse(body) as { messages: Message[] };
        const results = batch.messages.map((m) => {
          const n = (c.arrivals.get(m.id) ?? 0) + 1;
          c.arrivals.set(m.id, n);
          if (n === 1) c.stored.push(m);
          return { id: m.id, status: n === 1 ? 'accepted' : 'duplicate' };
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
      });
      // Long keep-alive: Node's fetch would otherwise now and then reuse a socket the server just closed.
      server.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(c.port, '127.0.0.1', resolve));
      c.port = (server!.address() as AddressInfo).port;
      c.url = `http://127.0.0.1:${c.port}`;
    },
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async wait(predicate, ms = 10_000) {
      const end = Date.now() + ms;
      while (!predicate()) {
        if (Date.now() > end) throw new Error('timed out waiting for the test collector');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  await c.start();
  return c;
}

/**
 * Flushes until nothing is left queued in localStorage. Node's fetch may now and then fail a request
 * on a reused socket; the SDK then retries, as it would in a browser, and so does this.
 */
export async function deliver(flush: () => Promise<void>, prefix = 'idem:demo:q:'): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await flush();
    if (!Object.keys(localStorage).some((k) => k.startsWith(prefix))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('messages still queued after 10 flushes');
}
