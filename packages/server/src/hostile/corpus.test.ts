import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message, testCollector } from '../test-support.js';
import { buildCorpus } from './corpus.js';

type C = Awaited<ReturnType<typeof testCollector>>;
let c: C;
let file: string;

/**
 * Every stored row, in a fixed order. `warnings` is left out on purpose: recording a refusal is
 * what the collector is asked to do. Everything else must stay byte-for-byte the same.
 */
function snapshot(): string {
  const db = new Database(file, { readonly: true });
  try {
    const tables = ['users', 'events', 'messages', 'property_writes', 'user_props', 'user_event_counts', 'merges', 'identity_attachments'];
    return JSON.stringify(tables.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  file = join(mkdtempSync(join(tmpdir(), 'idem-hostile-')), 'db.sqlite');
  c = await testCollector({ db: file });
  // Some real data first, so "unchanged" means something.
  await c.post('/api/v1/batch', {
    app_id: 'demo',
    messages: [
      message('pageview', { url: 'https://shop.example/' }),
      message('track', { event: 'Viewed' }),
      message('identify', { identity: 'alice' }),
      message('user_properties', { properties: { plan: 'Growth' } }),
    ],
  });
  await c.post('/api/add_user_properties', { app_id: 'demo', identity: 'crm-1', properties: { plan: 'Enterprise' } });
});
afterAll(() => c.close());

describe('hostile input corpus', () => {
  const corpus = buildCorpus();

  it('has at least 200 cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
  });

  it('answers every case with its 4xx code (or per-message refusal) and stores nothing', async () => {
    const before = snapshot();
    const failures: string[] = [];
    for (const h of corpus) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(h.headers ?? {}) };
      if (h.auth !== false && !headers.authorization) headers.authorization = `Bearer ${c.serverKey}`;
      const raw = h.body;
      const body =
        raw === undefined ? undefined : typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? new Uint8Array(raw) : JSON.stringify(raw);
      const res = await fetch(`${c.url}${h.path}`, { method: h.method, headers, ...(body !== undefined ? { body } : {}) });
      const json = (await res.json().catch(() => null)) as any;
      let code: string | undefined = json?.error?.code;
      if (h.code.startsWith('refused:'))
        code =
          res.status === 200 && json?.results?.[0]?.status === 'refused'
            ? `refused:${json.results[0].reason}`
            : `status ${res.status} ${JSON.stringify(json).slice(0, 120)}`;
      if (res.status !== h.status || code !== h.code) failures.push(`${h.name}: expected ${h.status} ${h.code}, got ${res.status} ${code}`);
      if (res.status >= 400 && (typeof json?.error?.message !== 'string' || !json.error.message))
        failures.push(`${h.name}: no error message`);
    }
    expect(failures).toEqual([]);
    expect(snapshot()).toBe(before);
    expect((await c.get('/health')).status).toBe(200);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});
