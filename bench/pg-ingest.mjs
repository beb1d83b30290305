#!/usr/bin/env node
// Collector ingest on PostgreSQL: events per second over HTTP, in browser batches of 50 (one pageview and
// 49 tracks from one device), against one collector process and then two on the same database.
// Loopback only and bounded in time; every run gets a fresh schema, dropped at the end.
//
//   pnpm --filter @idem/server build
//   node bench/pg-ingest.mjs [--db postgres://postgres@127.0.0.1:5432/test] [--seconds 10] [--connections 16] [--instances 1,2] [--json]
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStorage, startServer } from '@idem/server';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: process.env.IDEM_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    instances: { type: 'string', default: '1,2' },
    batch: { type: 'string', default: '50' },
    json: { type: 'boolean', default: false },
    serve: { type: 'boolean', default: false },
    schema: { type: 'string' },
  },
});
const APP = 'bench';
const KEY = process.env.IDEM_SERVER_KEY ?? randomBytes(18).toString('hex');

function startCollector(schema) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', '--db', values.db, '--schema', schema], {
    env: { ...process.env, IDEM_SERVER_KEY: KEY },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
    child.stdout.once('data', (line) => resolve({ child, url: JSON.parse(String(line)).url }));
  });
}

const id = () => randomBytes(12).toString('base64url');
const DEVICES = 20_000;
const deviceIds = Array.from({ length: DEVICES }, () => String(randomInt(1, 2 ** 47)));
const EVENTS = ['Viewed Item', 'Added to Cart', 'Searched', 'Opened Menu', 'Played Video'];

/** One browser batch: a pageview then tracks, all from one device and session. */
function batch(size) {
  const user_id = deviceIds[randomInt(DEVICES)];
  const session_id = String(randomInt(1, 2 ** 40));
  const time = new Date().toISOString();
  const messages = [
    {
      type: 'pageview',
      id: id(),
      user_id,
      session_id,
      time,
      url: 'https://shop.example/p?utm_source=bench',
      referrer: 'https://www.google.com/',
    },
  ];
  for (let i = 1; i < size; i++)
    messages.push({
      type: 'track',
      id: id(),
      user_id,
      session_id,
      time,
      event: EVENTS[i % EVENTS.length],
      properties: { item: i, price: 9.5, promo: i % 2 === 0 },
    });
  return JSON.stringify({ app_id: APP, sent_at: time, messages });
}

async function load(urls, seconds, connections, size) {
  const latencies = [];
  let events = 0;
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const worker = async (n) => {
    const url = `${urls[n % urls.length]}/api/v1/batch`;
    while (performance.now() < until) {
      const body = batch(size);
      const t0 = performance.now();
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0' },
          body,
        });
        const out = await res.json();
        if (res.status !== 200) errors += 1;
        else events += out.results.filter((r) => r.status === 'accepted').length;
      } catch {
        errors += 1;
      }
      latencies.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, (_, n) => worker(n)));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0);
  return {
    batches: latencies.length,
    events,
    errors,
    seconds: Math.round(elapsed * 10) / 10,
    eventsPerSecond: Math.round(events / elapsed),
    p50: pct(50),
    p99: pct(99),
  };
}

async function main() {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(values.db).hostname))
    throw new Error('pg-ingest runs against a loopback database only');
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const size = Number(values.batch);
  const counts = values.instances.split(',').map(Number);
  if (!(seconds > 0 && seconds <= 120 && connections > 0 && connections <= 256 && size > 0 && size <= 500)) throw new Error('out of range');
  // A hard bound on the whole run, whatever happens to the collectors.
  setTimeout(
    () => {
      console.error('pg-ingest: time limit reached');
      process.exit(3);
    },
    counts.length * (seconds + 60) * 1000,
  ).unref();

  const rows = [];
  for (const instances of counts) {
    const owner = await openStorage(values.db, { fresh: true });
    const collectors = [];
    try {
      for (let i = 0; i < instances; i++) collectors.push(await startCollector(owner.schema));
      const urls = collectors.map((c) => c.url);
      await load(urls, 1, connections, size); // warm-up: connections, prepared statements, JIT
      const result = await load(urls, seconds, connections, size);
      rows.push({ instances, connections, batch: size, ...result });
    } finally {
      for (const c of collectors) {
        const exited = new Promise((r) => c.child.once('exit', r));
        c.child.kill('SIGTERM');
        await exited;
      }
      await owner.close();
    }
  }
  if (values.json) console.log(JSON.stringify(rows));
  else console.table(rows);
}

if (values.serve) {
  // A collector process of its own, on a schema the parent made.
  const storage = await openStorage(values.db, { schema: values.schema });
  const server = await startServer({ port: 0, host: '127.0.0.1', storage, apps: [APP], serverKey: KEY, rateLimits: false });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.once('SIGTERM', async () => {
    await server.close();
    await storage.close();
    process.exit(0);
  });
} else {
  await main();
}
