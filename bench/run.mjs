// `pnpm bench` (from the repository root): every benchmark, side by side in one run, printed as tables
// and written to bench/results.json. `pnpm bench -- --quick` runs smaller sizes (bench/.cache/results.quick.json).
// Options: --only=bundle,client,heap,ingest,merge,queries   --profile (CPU profile of the collector
// under load, in bench/.cache/profiles)   --no-build (skip building the packages first).
// Benchmarks are not tests: nothing here fails a build; targets are reported as ok / MISSED.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, CACHE_DIR, ROOT, round } from './lib/common.mjs';

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { quick: { type: 'boolean' }, only: { type: 'string' }, profile: { type: 'boolean' }, 'no-build': { type: 'boolean' } },
});
const quick = !!args.quick;
const only = args.only ? new Set(args.only.split(',')) : null;
const wanted = (name) => !only || only.has(name);

const SIZES = quick
  ? {
      client: { reps: 1, rounds: 200, settleMs: 2000 },
      heap: { calls: 2000, settleMs: 2000 },
      ingest: { batches: 1000, warmup: 100, connections: 10 },
      merge: { bigEvents: 100_000, reps: 3, backgroundUsers: 20_000 },
      queries: { users: 100_000, events: 1_000_000, reps: 3 },
    }
  : {
      client: { reps: 3, rounds: 1000, settleMs: 5500 },
      heap: { calls: 10_000, settleMs: 5500 },
      ingest: { batches: 4000, warmup: 200, connections: 10 },
      merge: { bigEvents: 1_000_000, reps: 3, backgroundUsers: 200_000 },
      queries: { users: 1_000_000, events: 10_000_000, reps: 5 },
    };

const started = Date.now();
const log = (...a) => console.log(...a);
const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;

if (!args['no-build']) {
  log('building @idem/core, @idem/browser, @idem/server ...');
  execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@idem/server', '--filter=@idem/browser', '--output-logs=errors-only'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

// Imported after the build: they load @idem/server's and @idem/browser's dist.
const { benchBundles } = await import('./lib/bundle.mjs');
const { benchClient, benchHeap } = await import('./lib/client.mjs');
const { benchIngest } = await import('./lib/ingest.mjs');
const { benchMerge } = await import('./lib/merge.mjs');
const { benchQueries } = await import('./lib/queries.mjs');
const { makeWorkload } = await import('./lib/workload.mjs');
const { machine } = await import('./lib/machine.mjs');

const results = { quick, started: new Date(started).toISOString(), machine: await machine(), sizes: SIZES };
const table = (rows, columns) => {
  const cols = columns ?? Object.keys(rows[0] ?? {});
  const cell = (v) => (v === undefined || v === null ? '' : Array.isArray(v) ? v.join('; ') : String(v));
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals) =>
    `  ${vals.map((v, i) => (typeof rows[0]?.[cols[i]] === 'number' ? v.padStart(width[i]) : v.padEnd(width[i]))).join('  ')}`;
  log(line(cols));
  log(`  ${width.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) log(line(cols.map((c) => cell(r[c]))));
};
const targets = [];
const addTargets = (section, t) => {
  for (const [name, ok] of Object.entries(t ?? {})) targets.push({ section, target: name, result: ok ? 'ok' : 'MISSED' });
};

let bundles;
if (wanted('bundle') || wanted('client') || wanted('heap')) {
  log(`\n1. Browser bundle: the same job (init, identify, addUserProperties, track), esbuild --bundle --minify, IIFE (${elapsed()})`);
  const b = await benchBundles();
  bundles = b.bundles;
  results.bundle = b.result;
  table(b.result.rows, ['sdk', 'min', 'gzip', 'brotli', 'ratioGzip', 'chunks', 'entryGzip']);
  log(
    `  Idem's script-tag build (packages/browser/dist/idem.min.js): ${b.result.scriptTag.gzip} B gzip, ${b.result.scriptTag.brotli} B brotli`,
  );
  log(`  Idem is ${b.result.fractionOfSmallestPeer} of the smallest peer (${b.result.smallestPeer})`);
  addTargets('bundle', b.result.targets);
}

if (wanted('client')) {
  const s = SIZES.client;
  log(
    `\n2. Client cost in Chromium: evaluate + init, then ${s.rounds} x (identify + addUserProperties + track); median of ${s.reps} (${elapsed()})`,
  );
  results.client = await benchClient(bundles, { ...s, log });
  table(results.client.rows, [
    'sdk',
    'evaluateMs',
    'initMs',
    'loadMs',
    'loadRatio',
    'callsMs',
    'callsRatio',
    'callsBusyMs',
    'callsBusyRatio',
    'requests',
    'blockedExternal',
  ]);
  const errors = results.client.rows.filter((r) => r.pageErrors.length);
  for (const r of errors) log(`  page errors, ${r.sdk}: ${r.pageErrors.join(' | ')}`);
  addTargets('client', results.client.targets);
}

if (wanted('heap')) {
  const s = SIZES.heap;
  log(
    `\n5b. SDK heap: JS heap after init, and its growth after ${s.calls} calls (100 at a time, 10 ms apart; after forced GC) (${elapsed()})`,
  );
  results.heap = await benchHeap(bundles, s);
  table(results.heap.rows);
}

if (wanted('ingest')) {
  const s = SIZES.ingest;
  log(`\n3. Collector ingest: ${s.batches} batches of 50 messages on SQLite (${elapsed()})`);
  const work = makeWorkload({ batches: s.batches });
  const profileDir = args.profile ? join(CACHE_DIR, 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const r = await benchIngest(work, { ...s, profileDir, log });
  results.ingest = r;
  table([
    {
      path: 'HTTP (autocannon, loopback)',
      eventsPerSec: r.http.eventsPerSec,
      p50Ms: r.http.latencyMs.p50,
      p99Ms: r.http.latencyMs.p99,
      ofCeiling: r.ratios.httpToCeiling,
    },
    {
      path: 'Engine.ingest in process',
      eventsPerSec: r.engine.eventsPerSec,
      p50Ms: r.engine.batchMs.p50,
      p99Ms: r.engine.batchMs.p99,
      ofCeiling: r.ratios.engineToCeiling,
    },
    {
      path: `Engine.ingest, ${r.engineCharted.chartedBreakdowns} charts' totals kept`,
      eventsPerSec: r.engineCharted.eventsPerSec,
      p50Ms: r.engineCharted.batchMs.p50,
      p99Ms: r.engineCharted.batchMs.p99,
      ofCeiling: round(r.engineCharted.eventsPerSec / r.ceiling.eventsPerSec, 3),
    },
    {
      path: 'ceiling: raw inserts, 1 tx / 50',
      eventsPerSec: r.ceiling.eventsPerSec,
      p50Ms: r.ceiling.batchMs.p50,
      p99Ms: r.ceiling.batchMs.p99,
      ofCeiling: 1,
    },
  ]);
  log(
    `  HTTP latency is per request with ${r.http.connections} connections; engine and ceiling are per batch. Non-2xx: ${r.http.non2xx}, not accepted: ${r.http.notAccepted}`,
  );
  // HTTP applies concurrent batches in arrival order: a returning device's earlier pageview can land after
  // a later one and then rewrite its Initial properties (R17), a few more property writes.
  if (r.rowMismatches.length) log(`  row counts differing between the three databases: ${JSON.stringify(r.rowMismatches)}`);
  log(
    `\n5a. Collector RSS (MB): ${Object.entries(r.memory)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  if (profileDir) log(`  CPU profile of the collector: ${profileDir}`);
  addTargets('ingest', r.targets);
}

if (wanted('merge')) {
  const s = SIZES.merge;
  log(
    `\n4. Merge cost: identify merging an anonymous user with 10 vs ${s.bigEvents} events, among ${s.backgroundUsers} other users (${elapsed()})`,
  );
  results.merge = await benchMerge({ ...s, log });
  const m = results.merge;
  table([
    { user: '10 events', medianMs: m.smallMs, runsMs: m.allSmallMs },
    { user: `${m.bigEvents} events`, medianMs: m.bigMs, runsMs: m.allBigMs },
  ]);
  log(`  ratio ${m.ratio}`);
  addTargets('merge', m.targets);
}

if (wanted('queries')) {
  const s = SIZES.queries;
  log(`\n6. Dashboard queries: ${s.users} users, ${s.events} events on SQLite, through the storage API (${elapsed()})`);
  results.queries = await benchQueries({ ...s, log });
  table(results.queries.rows);
  addTargets('queries', results.queries.targets);
}

if (results.bundle && results.client && results.heap) {
  log('\nIdem vs each peer (peer / Idem: above 1 means Idem is smaller or faster):');
  const { SDKS } = await import('./lib/common.mjs');
  results.summary = SDKS.map((sdk, i) => {
    const b = results.bundle.rows[i];
    const c = results.client.rows[i];
    const h = results.heap.rows[i];
    return {
      sdk: sdk.label,
      gzipB: b.gzip,
      gzipX: b.ratioGzip,
      loadMs: c.loadMs,
      loadX: c.loadRatio,
      callsMs: c.callsMs,
      callsX: c.callsRatio,
      busyMs: c.callsBusyMs,
      busyX: c.callsBusyRatio,
      heapGrowthKB: h.growthKB,
    };
  });
  table(results.summary);
}

results.seconds = Math.round((Date.now() - started) / 1000);
results.machine.loadavgEnd = loadavg().map((x) => Math.round(x * 100) / 100);
results.targets = targets;
log(`\nTargets (${elapsed()}):`);
table(targets);
// Partial or quick runs go to the cache, so that bench/results.json always holds a full run.
const out = quick || only ? join(CACHE_DIR, 'results.quick.json') : join(BENCH_DIR, 'results.json');
mkdirSync(CACHE_DIR, { recursive: true });
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
log(`\nwrote ${out}`);
