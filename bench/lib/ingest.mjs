// 3. Collector ingest, and 5a. collector memory. The same batches (lib/workload.mjs) go three ways, each
// into a fresh SQLite file with the collector's schema, indexes and durability (WAL, synchronous NORMAL):
//   http     POST /api/v1/batch to the collector in its own process, with autocannon over loopback;
//   engine   Engine.ingest in this process (the collector without HTTP);
//   ceiling  the same rows inserted with raw better-sqlite3 statements, one transaction per batch of 50.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine, openSqliteStorage, systemClock } from '@idem/server';
import autocannon from 'autocannon';
import { BENCH_DIR, median, round } from './common.mjs';
import { countRows, freshDatabase, openRaw, writeStatements } from './sqlite.mjs';
import { APP, EVENTS, USER_AGENT } from './workload.mjs';

const rssOf = (pid) => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
};
const mb = (bytes) => round(bytes / 1024 / 1024, 1);

function startChild(db, { profileDir } = {}) {
  const execArgv = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = fork(join(BENCH_DIR, 'lib/server-child.mjs'), [db, APP], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`collector exited (${code})`)));
    child.once('message', (m) => {
      child.removeAllListeners('exit');
      resolve({
        child,
        url: m.url,
        close: () =>
          new Promise((done) => {
            child.once('exit', done);
            child.send('close');
          }),
      });
    });
  });
}

function cannon(url, bodies, connections) {
  let i = 0;
  let notAccepted = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/api/v1/batch`,
        connections,
        pipelining: 1,
        amount: bodies.length,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
            setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }),
            onResponse: (status, body) => {
              if (status !== 200 || body.includes('"refused"') || body.includes('"duplicate"')) notAccepted++;
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve({ ...result, notAccepted })),
    );
  });
}

async function overHttp(work, { connections, warmup, profileDir }) {
  const db = await freshDatabase();
  const server = await startChild(db.path, { profileDir });
  const pid = server.child.pid;
  try {
    await new Promise((r) => setTimeout(r, 500));
    const restStart = rssOf(pid);
    await cannon(server.url, work.bodies.slice(0, warmup), connections);
    await new Promise((r) => setTimeout(r, 500));
    const restWarm = rssOf(pid);
    const samples = [];
    const sampler = setInterval(() => samples.push(rssOf(pid)), 100);
    const result = await cannon(server.url, work.bodies.slice(warmup), connections);
    clearInterval(sampler);
    await new Promise((r) => setTimeout(r, 2000));
    const restAfter = rssOf(pid);
    const events = (work.bodies.length - warmup) * 50;
    return {
      db,
      result: {
        connections,
        batches: result.requests.total,
        events,
        seconds: round(result.duration, 2),
        eventsPerSec: Math.round(events / result.duration),
        batchesPerSec: Math.round(result.requests.total / result.duration),
        latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        notAccepted: result.notAccepted,
      },
      memory: {
        restAfterStartMB: mb(restStart),
        restAfterWarmupMB: mb(restWarm),
        underLoadMedianMB: mb(median(samples.filter(Boolean))),
        underLoadPeakMB: mb(Math.max(...samples.filter(Boolean))),
        restAfterLoadMB: mb(restAfter),
      },
    };
  } finally {
    await server.close();
  }
}

/**
 * Charts a dashboard may have open: users by these properties, all users and among the users of each
 * event. Asking for them once makes the collector keep their totals on every write (decision 0008).
 */
const CHARTED_KEYS = ['plan', 'role', 'Initial Browser', 'Initial Marketing Channel'];

async function inEngine(work, { warmup, charted = false }) {
  const db = await freshDatabase();
  const storage = openSqliteStorage({ path: db.path });
  const engine = new Engine(storage, systemClock);
  const ctx = { userAgent: USER_AGENT, sentAt: work.sentAt };
  try {
    if (charted)
      for (const property of CHARTED_KEYS) for (const event of [null, ...EVENTS]) await storage.breakdown(APP, { property, event });
    for (let b = 0; b < warmup; b++) await engine.ingest(APP, work.batches[b], ctx);
    const times = [];
    const t0 = process.hrtime.bigint();
    for (let b = warmup; b < work.batches.length; b++) {
      const s = process.hrtime.bigint();
      await engine.ingest(APP, work.batches[b], ctx);
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const events = (work.batches.length - warmup) * 50;
    return { db, result: summary(events, seconds, times) };
  } finally {
    await storage.close();
  }
}

function ceiling(work, { warmup }) {
  return freshDatabase().then((db) => {
    const raw = openRaw(db.path);
    const st = writeStatements(raw);
    const run = raw.transaction((rows) => {
      for (const [name, params] of rows) st[name].run(...params);
    });
    // BEGIN IMMEDIATE like the collector's transactions.
    const batch = (rows) => run.immediate(rows);
    for (let b = 0; b < warmup; b++) batch(work.rows[b]);
    const times = [];
    const t0 = process.hrtime.bigint();
    for (let b = warmup; b < work.rows.length; b++) {
      const s = process.hrtime.bigint();
      batch(work.rows[b]);
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    raw.close();
    const events = (work.rows.length - warmup) * 50;
    return { db, result: { ...summary(events, seconds, times), statementsPerBatch: round(median(work.rows.map((r) => r.length)), 0) } };
  });
}

function summary(events, seconds, times) {
  const sorted = [...times].sort((a, b) => a - b);
  const p = (q) => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)], 3);
  return { events, seconds: round(seconds, 2), eventsPerSec: Math.round(events / seconds), batchMs: { p50: p(0.5), p99: p(0.99) } };
}

export async function benchIngest(work, { connections = 10, warmup = 200, profileDir, log } = {}) {
  const c = await ceiling(work, { warmup });
  log?.(`  ceiling: ${c.result.eventsPerSec} events/s`);
  const e = await inEngine(work, { warmup });
  log?.(`  engine: ${e.result.eventsPerSec} events/s`);
  const charted = await inEngine(work, { warmup, charted: true });
  charted.db.remove();
  log?.(`  engine with ${CHARTED_KEYS.length * (EVENTS.length + 1)} charted breakdowns kept: ${charted.result.eventsPerSec} events/s`);
  const h = await overHttp(work, { connections, warmup, profileDir });
  log?.(`  http: ${h.result.eventsPerSec} events/s, p99 ${h.result.latencyMs.p99} ms`);
  // The three databases must hold the same rows, else the comparison is not like for like.
  const counts = { ceiling: countRows(c.db.path), engine: countRows(e.db.path), http: countRows(h.db.path) };
  const mismatches = Object.keys(counts.engine).filter(
    (t) => counts.engine[t] !== counts.ceiling[t] || counts.engine[t] !== counts.http[t],
  );
  for (const d of [c.db, e.db, h.db]) d.remove();
  return {
    workload: {
      ...work.stats,
      batches: work.batches.length,
      warmupBatches: warmup,
      bodyBytesMedian: median(work.bodies.map((b) => b.length)),
    },
    ceiling: c.result,
    engine: e.result,
    engineCharted: { ...charted.result, chartedBreakdowns: CHARTED_KEYS.length * (EVENTS.length + 1) },
    http: h.result,
    memory: h.memory,
    rows: counts.engine,
    rowMismatches: mismatches.map((t) => ({ table: t, ceiling: counts.ceiling[t], engine: counts.engine[t], http: counts.http[t] })),
    ratios: {
      httpToCeiling: round(h.result.eventsPerSec / c.result.eventsPerSec, 3),
      engineToCeiling: round(e.result.eventsPerSec / c.result.eventsPerSec, 3),
      chartedToEngine: round(charted.result.eventsPerSec / e.result.eventsPerSec, 3),
      httpToEngine: round(h.result.eventsPerSec / e.result.eventsPerSec, 3),
    },
    targets: {
      'http >= 50,000 events/s': h.result.eventsPerSec >= 50_000,
      'http >= 30% of the ceiling': h.result.eventsPerSec >= 0.3 * c.result.eventsPerSec,
    },
  };
}
