// 2. Client cost in real Chromium, and 5b. SDK heap growth. Every SDK runs the same job from its bundle
// (bench/bundle/*.js) in a fresh browser context, against the local sink (lib/sink.mjs). Repetitions are
// interleaved (each round runs every SDK, starting from a different one) and the median is kept.
import { launchChromium, mainThread, openPage } from './chromium.mjs';
import { median, round, SDKS } from './common.mjs';
import { startSink } from './sink.mjs';

/** Runs in the page: the script evaluated from its text (no network), then init, timed apart. */
function loadInPage({ code, endpoint }) {
  const t0 = performance.now();
  const script = document.createElement('script');
  script.textContent = code;
  document.head.appendChild(script);
  const t1 = performance.now();
  globalThis.bench.init(endpoint);
  const t2 = performance.now();
  return { evaluate: t1 - t0, init: t2 - t1 };
}

/** Runs in the page: `rounds` x (identify with the same identity, addUserProperties, track). */
function callsInPage(rounds) {
  const b = globalThis.bench;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    b.identify('user-1042');
    b.addUserProperties({ plan: 'pro', seats: i % 50, company: 'Acme' });
    b.track('Report Exported', { format: 'csv', rows: i });
  }
  return performance.now() - t0;
}

async function oneRun(browser, sink, sdk, bundle, { rounds, settleMs, rep }) {
  const { context, page, cdp, blocked, errors } = await openPage(browser, sink.url);
  try {
    // A different source text each time, so V8's compilation cache never serves a repeat.
    const code = `/* ${sdk.id} ${rep} ${Math.random()} */\n${bundle.code}`;
    const before = await mainThread(cdp);
    const load = await page.evaluate(loadInPage, { code, endpoint: sink.url });
    await page.waitForTimeout(500);
    const afterInit = await mainThread(cdp);
    sink.takeCounts();
    const calls = await page.evaluate(callsInPage, rounds);
    await page.waitForTimeout(settleMs);
    const afterCalls = await mainThread(cdp);
    const requests = Object.values(sink.takeCounts()).reduce((a, b) => a + b, 0);
    return {
      evaluate: load.evaluate,
      init: load.init,
      load: load.evaluate + load.init,
      loadBusy: afterInit.task - before.task,
      calls,
      callsBusy: afterCalls.task - afterInit.task,
      requests,
      blocked: blocked.length,
      errors,
    };
  } finally {
    await context.close();
  }
}

export async function benchClient(bundles, { reps, rounds, settleMs, log }) {
  const sink = await startSink(bundles);
  const browser = await launchChromium();
  const runs = Object.fromEntries(SDKS.map((s) => [s.id, []]));
  try {
    // One warm-up round, not kept (browser and disk caches, the sink's JIT).
    for (const sdk of SDKS) await oneRun(browser, sink, sdk, bundles[sdk.id], { rounds: 10, settleMs: 100, rep: -1 });
    for (let rep = 0; rep < reps; rep++) {
      const order = SDKS.map((_, i) => SDKS[(i + rep) % SDKS.length]);
      for (const sdk of order) runs[sdk.id].push(await oneRun(browser, sink, sdk, bundles[sdk.id], { rounds, settleMs, rep }));
      log?.(`  client round ${rep + 1}/${reps}`);
    }
  } finally {
    await browser.close();
    await sink.close();
  }
  const med = (id, k) => median(runs[id].map((r) => r[k]));
  const rows = SDKS.map((s) => ({
    sdk: s.label,
    evaluateMs: round(med(s.id, 'evaluate')),
    initMs: round(med(s.id, 'init')),
    loadMs: round(med(s.id, 'load')),
    callsMs: round(med(s.id, 'calls')),
    callsBusyMs: round(med(s.id, 'callsBusy')),
    requests: med(s.id, 'requests'),
    blockedExternal: Math.max(...runs[s.id].map((r) => r.blocked)),
    pageErrors: [...new Set(runs[s.id].flatMap((r) => r.errors))].slice(0, 3),
  }));
  const idem = rows[0];
  for (const r of rows) {
    r.loadRatio = round(r.loadMs / idem.loadMs, 1);
    r.callsRatio = round(r.callsMs / idem.callsMs, 1);
    r.callsBusyRatio = round(r.callsBusyMs / idem.callsBusyMs, 1);
  }
  const peers = rows.slice(1);
  return {
    rounds,
    reps,
    settleMs,
    calls: rounds * 3,
    rows,
    targets: {
      'idem fastest to load (evaluate + init)': peers.every((r) => r.loadMs > idem.loadMs),
      'idem fastest for the calls (synchronous)': peers.every((r) => r.callsMs > idem.callsMs),
      'idem least main-thread work for the calls (incl. async)': peers.every((r) => r.callsBusyMs > idem.callsBusyMs),
    },
  };
}

/**
 * Runs in the page: `calls` calls cycling identify, addUserProperties, track, 100 at a time with a
 * 10 ms pause between (as an app makes them over time, giving each SDK the chance to send).
 */
async function manyCallsInPage(calls) {
  const b = globalThis.bench;
  for (let i = 0; i < calls; i++) {
    const k = i % 3;
    if (k === 0) b.identify('user-1042');
    else if (k === 1) b.addUserProperties({ plan: 'pro', seats: i % 50, company: 'Acme' });
    else b.track('Report Exported', { format: 'csv', rows: i });
    if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** 5b. JS heap after init and after N calls, each measured after a forced garbage collection. */
export async function benchHeap(bundles, { calls, settleMs }) {
  const sink = await startSink(bundles);
  const browser = await launchChromium();
  const rows = [];
  try {
    for (const sdk of SDKS) {
      const { context, page, cdp } = await openPage(browser, sink.url);
      try {
        const heap = async () => {
          await cdp.send('HeapProfiler.collectGarbage');
          return (await cdp.send('Runtime.getHeapUsage')).usedSize;
        };
        const empty = await heap();
        await page.evaluate(loadInPage, { code: bundles[sdk.id].code, endpoint: sink.url });
        await page.waitForTimeout(500);
        const afterInit = await heap();
        await page.evaluate(manyCallsInPage, calls);
        await page.waitForTimeout(settleMs);
        const afterCalls = await heap();
        const stored = await page.evaluate(() => {
          let n = 0;
          for (let i = 0; i < localStorage.length; i++)
            n += (localStorage.key(i)?.length ?? 0) + (localStorage.getItem(localStorage.key(i))?.length ?? 0);
          return { localStorage: n, cookies: document.cookie.length };
        });
        rows.push({
          sdk: sdk.label,
          initHeapKB: round((afterInit - empty) / 1024, 0),
          growthKB: round((afterCalls - afterInit) / 1024, 0),
          localStorageKB: round(stored.localStorage / 1024, 1),
          cookieBytes: stored.cookies,
        });
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await sink.close();
  }
  return { calls, settleMs, rows };
}
