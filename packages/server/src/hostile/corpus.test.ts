import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_TEST_URL, pgTestsEnabled } from '../storage/postgres/test-env.js';
import { message, testCollector } from '../test-support.js';
import { buildCorpus } from './corpus.js';

type C = Awaited<ReturnType<typeof testCollector>>;

/**
 * Every stored row, in a fixed order. `warnings` is left out on purpose: recording a refusal is
 * what the collector is asked to do. Everything else must stay byte-for-byte the same.
 */
const TABLES = ['users', 'events', 'messages', 'property_writes', 'user_props', 'user_event_counts', 'merges', 'identity_attachments'];

const backends = [
  {
    name: 'SQLite',
    open: async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'idem-hostile-')), 'db.sqlite');
      const c = await testCollector({ db: file });
      const snapshot = async () => {
        const db = new Database(file, { readonly: true });
        try {
          return JSON.stringify(TABLES.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()));
        } finally {
          db.close();
        }
      };
      return { c, snapshot };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const c = await testCollector({ db: PG_TEST_URL });
      const schema = (c.server.storage as unknown as { schema: string }).schema;
      const snapshot = async () => {
        const client = new pg.Client({ connectionString: PG_TEST_URL });
        await client.connect();
        try {
          const out = [];
          for (const t of TABLES) out.push((await client.query(`SELECT * FROM "${schema}".${t} ORDER BY 1, 2`)).rows);
          return JSON.stringify(out);
        } finally {
          await client.end();
        }
      };
      return { c, snapshot };
    },
  },
];

describe.each(backends)('hostile input corpus on $name', ({ name, open }) => {
  let c: C;
  let snapshot: () => Promise<string>;
  let skip = false;

  beforeAll(async () => {
    skip = name === 'PostgreSQL' && !(await pgTestsEnabled());
    if (skip) return;
    ({ c, snapshot } = await open());
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
  afterAll(async () => {
    if (!skip) await c.close();
  });

  const corpus = buildCorpus();

  it('has at least 200 cases', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
  });

  it('answers every case with its 4xx code (or per-message refusal) and stores nothing', async (ctx) => {
    if (skip) return ctx.skip();
    const before = await snapshot();
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
    expect(await snapshot()).toBe(before);
    expect((await c.get('/health')).status).toBe(200);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('refuses only the message with a NUL: the rest of its batch is stored', async (ctx) => {
    if (skip) return ctx.skip();
    const good = message('track', { event: 'Good', user_id: '4242', session_id: '88' });
    const bad = message('identify', { identity: 'n\u0000l@example.com', user_id: '4242', session_id: '88' });
    const r = await c.post('/api/v1/batch', { app_id: 'demo', messages: [good, bad] });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: any) => x.status)).toEqual(['accepted', 'refused']);
    const events = (await c.get('/api/v1/users/4242/events?app_id=demo')).body.events;
    expect(events.map((e: any) => e.event)).toEqual(['Good']);
  });
});
