import { randomBytes } from 'node:crypto';
import type { RandomSource } from '@idem/core';
import { ManualClock } from './clock.js';
import type { AppConfig } from './config.js';
import { type RunningServer, startServer } from './server.js';

/** A collector on a fresh in-memory database with a manual clock, for tests over real HTTP. */
export async function testCollector(options: { apps?: (AppConfig | string)[]; rateLimits?: boolean; db?: string } = {}) {
  const clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
  const serverKey = randomBytes(18).toString('hex');
  const server: RunningServer = await startServer({
    port: 0,
    db: options.db ?? ':memory:',
    freshDatabase: true,
    apps: options.apps ?? ['demo'],
    serverKey,
    clock,
    rateLimits: options.rateLimits ?? false,
  });
  const headers = { authorization: `Bearer ${serverKey}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown, extra: Record<string, string> = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { ...headers, ...extra },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> };
  };
  const get = async (path: string, auth = true) => {
    const res = await fetch(`${server.url}${path}`, { headers: auth ? headers : {} });
    return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> };
  };
  return { server, clock, serverKey, post, get, url: server.url, close: () => server.close() };
}

let counter = 0;
/** A well-formed browser message; override any field. */
export function message(type: string, fields: Record<string, unknown> = {}, time = '2026-06-01T12:00:00.000Z') {
  counter += 1;
  return {
    type,
    id: `msg${String(counter).padStart(8, '0')}${randomBytes(4).toString('hex')}`,
    user_id: '1001',
    session_id: '77',
    time,
    ...fields,
  };
}

/** A seeded random source, so two runs of one sequence make the same user ids and message ids. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return (buf) => {
    for (let i = 0; i < buf.length; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      buf[i] = (t ^ (t >>> 14)) >>> 0;
    }
    return buf;
  };
}
