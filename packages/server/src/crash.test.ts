import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const cli = resolve(import.meta.dirname, '../dist/cli.js');
const KEY = 'crash-test-key-0123456789';

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function serve(port: number, db: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', String(port), '--db', db, '--app', 'demo'], {
    env: { ...process.env, IDEM_SERVER_KEY: KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((res, rej) => {
    child.stdout?.on('data', (d) => String(d).includes('idem collector on') && res(child));
    child.on('exit', (code) => rej(new Error(`serve exited ${code}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('crash safety', () => {
  it('kill -9 during sustained ingest loses no acknowledged event, and retries deliver the rest exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idem-crash-'));
    const db = join(dir, 'idem.sqlite');
    const port = await freePort();
    let server = await serve(port, db);
    const BATCHES = 160;
    const SIZE = 50;
    const now = new Date().toISOString();
    const bodies = Array.from({ length: BATCHES }, (_, b) =>
      JSON.stringify({
        app_id: 'demo',
        messages: Array.from({ length: SIZE }, (_, i) => ({
          type: 'track',
          id: `crash${b}x${i}xxxx`,
          user_id: String(1000 + (b % 20)),
          session_id: '1',
          time: now,
          event: 'Load',
          properties: { b, i },
        })),
      }),
    );
    const acked = new Set<number>();
    let attempts = 0;
    // Like the SDK: a batch is retried with the same message ids until the collector answers 200.
    const send = async (b: number) => {
      for (;;) {
        attempts += 1;
        try {
          const res = await fetch(`http://127.0.0.1:${port}/api/v1/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: bodies[b],
          });
          if (res.ok) {
            const json = (await res.json()) as { results: { status: string }[] };
            if (json.results.every((r) => r.status === 'accepted' || r.status === 'duplicate')) {
              acked.add(b);
              return;
            }
          }
        } catch {
          // connection refused or reset while the collector is down
        }
        await sleep(50);
      }
    };
    const load = (async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < BATCHES) await send(next++);
        }),
      );
    })();
    while (acked.size < 40) await sleep(5);
    const ackedBeforeKill = new Set(acked);
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    await sleep(300);
    server = await serve(port, db);
    await load;
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));

    const sqlite = new Database(db, { readonly: true });
    try {
      const ids = sqlite.prepare("SELECT id FROM events WHERE id LIKE 'crash%'").all() as { id: string }[];
      expect(ids.length).toBe(BATCHES * SIZE);
      expect(new Set(ids.map((r) => r.id)).size).toBe(BATCHES * SIZE);
      for (const b of ackedBeforeKill) expect(ids.some((r) => r.id === `crash${b}x0xxxx`)).toBe(true);
      const counts = sqlite.prepare("SELECT sum(count) AS n FROM user_event_counts WHERE name = 'Load'").get() as { n: number };
      expect(counts.n).toBe(BATCHES * SIZE);
    } finally {
      sqlite.close();
    }
    expect(attempts).toBeGreaterThanOrEqual(BATCHES);
  });
});
