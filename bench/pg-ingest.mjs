#!/usr/bin/env node
// Collector ingest on PostgreSQL: events per second over HTTP, in browser batches of 50 (one pageview and
// 49 tracks from one device), against one collector process and then two on the same database.
// Loopback only and bounded in time; every run gets a fresh schema, dropped at the end.
//
//   pnpm --filter @idem/server build
//   node bench/pg-ingest.mjs [--db postgres://postgres@127.0.0.1:5432/test] [--seconds 10] [--connections 16] [--instances 1,2] [--json]
//
// With --db set to a SQLite file path it runs one collector on SQLite instead, for comparison.
// Besides events/s it reports CPU milliseconds per 1000 events, of the collector processes and of their
// PostgreSQL backends: on a shared machine that cost is steadier than the rate. PG_INGEST_NODE_ARGS adds
// node flags to the collector processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
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

function startCollector(schema, file) {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.PG_INGEST_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      fileURLToPath(import.meta.url),
      '--serve',
      '--db',
      file ?? values.db,
      ...(schema ? ['--schema', schema] : []),
    ],
    {
      env: { ...process.env, IDEM_SERVER_KEY: KEY },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
    child.stdout.once('data', (line) => resolve({ child, url: JSON.parse(String(line)).url }));
  });
}

/** CPU milliseconds a collector process has used so far (asked over IPC). */
function collectorCpu({ child }) {
  return new Promise((resolve) => {
    child.once('message', (u) => resolve((u.user + u.system) / 1000));
    child.send('cpu');
  });
}

/**
 * CPU milliseconds used so far by the PostgreSQL backends serving the collectors (application_name
 * idem), read from /proc: the database runs on this machine, which is what lets the cost per event be
 * told apart from whatever else the machine is doing.
 */
async function databaseCpu(pg) {
  if (!pg) return { pids: [], ms: Number.NaN };
  const { rows } = await pg.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'idem' AND datname = current_database()");
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return { pids: rows.map((r) => r.pid), ms: ticks * 10 };
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
  const postgres = /^postgres(ql)?:\/\//.test(values.db);
  if (postgres && !['127.0.0.1', 'localhost', '[::1]'].includes(new URL(values.db).hostname))
    throw new Error('pg-ingest runs against a loopback database only');
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const size = Number(values.batch);
  // A SQLite file (--db /tmp/x.sqlite), for comparison at the same moment: one collector process only.
  const counts = postgres ? values.instances.split(',').map(Number) : [1];
  if (!(seconds > 0 && seconds <= 120 && connections > 0 && connections <= 256 && size > 0 && size <= 500)) throw new Error('out of range');
  // A hard bound on the whole run, whatever happens to the collectors.
  setTimeout(
    () => {
      console.error('pg-ingest: time limit reached');
      process.exit(3);
    },
    counts.length * (seconds + 60) * 1000,
  ).unref();

  const pg = postgres ? new (createRequire(import.meta.resolve('@idem/server'))('pg').Client)({ connectionString: values.db }) : null;
  await pg?.connect();
  const rows = [];
  for (const instances of counts) {
    const file = postgres ? null : `${values.db}.${randomBytes(4).toString('hex')}`;
    const owner = postgres ? await openStorage(values.db, { fresh: true }) : null;
    const collectors = [];
    try {
      for (let i = 0; i < instances; i++) collectors.push(await startCollector(owner ? owner.schema : null, file));
      const urls = collectors.map((c) => c.url);
      await load(urls, 1, connections, size); // warm-up: connections, prepared statements, JIT
      const cpu0 = await Promise.all(collectors.map(collectorCpu));
      const db0 = await databaseCpu(pg);
      const result = await load(urls, seconds, connections, size);
      const cpu1 = await Promise.all(collectors.map(collectorCpu));
      const db1 = await databaseCpu(pg);
      const perThousand = (ms) => Math.round((ms / Math.max(result.events, 1)) * 1000);
      const collectorMs = cpu1.reduce((a, b) => a + b, 0) - cpu0.reduce((a, b) => a + b, 0);
      const dbMs = db0.pids.every((p) => db1.pids.includes(p)) ? db1.ms - db0.ms : Number.NaN;
      rows.push({
        instances,
        connections,
        batch: size,
        ...result,
        collectorCpuMsPer1k: perThousand(collectorMs),
        ...(postgres ? { postgresCpuMsPer1k: perThousand(dbMs) } : {}),
      });
    } finally {
      for (const c of collectors) {
        const exited = new Promise((r) => c.child.once('exit', r));
        c.child.kill('SIGTERM');
        await exited;
      }
      await owner?.close();
      for (const suffix of ['', '-wal', '-shm']) if (file) rmSync(`${file}${suffix}`, { force: true });
    }
  }
  await pg?.end();
  if (values.json) console.log(JSON.stringify(rows));
  else console.table(rows);
  console.log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}

if (values.serve) {
  // A collector process of its own, on a schema the parent made.
  const storage = await openStorage(values.db, values.schema ? { schema: values.schema } : {});
  const server = await startServer({ port: 0, host: '127.0.0.1', storage, apps: [APP], serverKey: KEY, rateLimits: false });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.on('message', () => process.send(process.cpuUsage()));
  process.once('SIGTERM', async () => {
    await server.close();
    await storage.close();
    process.exit(0);
  });
} else {
  await main();
}
