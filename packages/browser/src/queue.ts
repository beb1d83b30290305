import type { Message, MessageResult } from '@idem/core';

export interface QueueLog {
  warn: (text: string) => void;
  log: (text: string, data?: unknown) => void;
}

export interface Queue {
  push(message: Message): void;
  /** Sends everything queued now, ignoring any back-off; resolves when done or when a send fails. */
  flush(): Promise<void>;
  /** The page is being hidden or unloaded: send what is not in flight with keepalive, persist the rest. */
  hide(): void;
  stop(): void;
}

/** Keepalive requests share a 64 KiB budget per page; one hide flush stays under it. */
const KEEPALIVE_BYTES = 60_000;
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 15_000;
/** Another tab's queue not written for this long belongs to a closed or crashed tab: adopt it. */
const STALE_MS = 10_000;

interface Stored {
  t: number;
  m: Message[];
}

function parse(text: string | null): Stored | null {
  try {
    const v = JSON.parse(text ?? '');
    return v && Array.isArray(v.m) ? v : null;
  } catch {
    return null;
  }
}

/**
 * The durable delivery queue. Each page keeps its queue in localStorage under its own key, so tabs
 * never overwrite each other; a queue released on pagehide (a reload, a navigation, a closed tab)
 * or left unwritten for 10 s (a crash) is adopted by the next page of the app. Messages carry ids
 * and the collector drops repeats, so a message may be sent twice but is removed only when the
 * collector has answered for it: delivery is at least once, storage exactly once.
 */
export function createQueue(
  url: string,
  appId: string,
  ls: Storage | null,
  prefix: string,
  batchSize: number,
  flushIntervalMs: number,
  maxQueue: number,
  o: QueueLog,
): Queue {
  const qPrefix = `${prefix}q:`;
  // A page's own queue; a reloaded or closed page released its queue on pagehide, so it is adopted below.
  const key = qPrefix + Math.random().toString(36).slice(2);
  let queue: Message[] = [];
  const inflight = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let backingOff = false;
  let attempt = 0;
  let running: Promise<void> | null = null;
  let stopped = false;

  const persist = (t = Date.now()) => {
    if (!ls) return;
    try {
      if (queue.length) ls.setItem(key, JSON.stringify({ t, m: queue }));
      else ls.removeItem(key);
    } catch {
      // Quota exceeded: the queue still lives in memory.
    }
  };

  // Calls made together (one task) persist the queue once, at the end of the task: writing the whole
  // queue on every call made a burst of calls quadratic in localStorage writes.
  let persistQueued = false;
  const persistSoon = () => {
    if (persistQueued) return;
    persistQueued = true;
    queueMicrotask(() => {
      persistQueued = false;
      if (!stopped) persist();
    });
  };

  const bound = () => {
    const over = queue.length - maxQueue;
    if (over > 0) {
      queue.splice(0, over);
      o.warn(`idem: queue full, dropped ${over} oldest`);
    }
  };

  // Queues left by pages that are gone. A message found twice is sent twice and stored once.
  if (ls) {
    for (const k of Object.keys(ls)) {
      if (!k.startsWith(qPrefix)) continue;
      const stored = parse(ls.getItem(k));
      if (!stored || Date.now() - stored.t > STALE_MS) {
        ls.removeItem(k);
        if (stored) queue = queue.concat(stored.m.filter((m) => typeof m?.id === 'string'));
      }
    }
    bound();
    persist();
  }

  const pick = (max: number, bytes: number): Message[] => {
    const out: Message[] = [];
    let size = 0;
    for (const m of queue) {
      if (out.length >= max) break;
      if (inflight.has(m.id)) continue;
      size += JSON.stringify(m).length + 1;
      if (out.length && size > bytes) break;
      out.push(m);
    }
    return out;
  };

  /** Posts one batch. True when the collector answered for it (stored, repeated or refused for good). */
  const post = async (batch: Message[]): Promise<boolean> => {
    const body = JSON.stringify({ app_id: appId, sent_at: new Date().toISOString(), messages: batch });
    for (const m of batch) inflight.add(m.id);
    let done = false;
    try {
      const res = await fetch(url, {
        method: 'POST',
        body,
        // text/plain keeps it a simple request: no CORS preflight, and keepalive works cross-origin.
        headers: { 'Content-Type': 'text/plain' },
        keepalive: body.length < KEEPALIVE_BYTES,
        credentials: 'omit',
      });
      if (res.ok) {
        const results: MessageResult[] = (await res.json().catch(() => null))?.results ?? [];
        for (const r of results) if (r.status !== 'accepted' && r.status !== 'duplicate') o.warn(`idem: ${r.id} ${r.status} (${r.reason})`);
        o.log('sent', results);
        done = true;
      } else if (res.status < 500 && res.status !== 429 && res.status !== 408) {
        // The envelope itself is wrong (unknown app, oversized); sending it again cannot help.
        o.warn(`idem: HTTP ${res.status}, dropped ${batch.length}`);
        done = true;
      } else o.log('retry', res.status);
    } catch (e) {
      o.log('retry', e);
    }
    for (const m of batch) inflight.delete(m.id);
    if (done) {
      const ids = new Set(batch.map((m) => m.id));
      queue = queue.filter((m) => !ids.has(m.id));
      persist();
    }
    return done;
  };

  /** Sends batch after batch until the queue is empty or a send fails (then backs off). */
  const drain = (): Promise<void> =>
    (running ??= (async () => {
      clearTimeout(timer);
      timer = undefined;
      backingOff = false;
      for (let batch = pick(batchSize, 500_000); batch.length; batch = pick(batchSize, 500_000)) {
        if (!(await post(batch))) {
          // Exponential back-off with jitter: 0.5-1 x min(15 s, 1 s x 2^attempt).
          backingOff = true;
          schedule(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt++) * (0.5 + Math.random() / 2));
          return;
        }
        attempt = 0;
      }
    })().finally(() => {
      running = null;
      // Anything that came in after the last pick goes with the next timer.
      if (!backingOff && pick(1, 1e9).length) schedule(flushIntervalMs);
    }));

  const schedule = (delay: number) => {
    clearTimeout(timer);
    timer = stopped
      ? undefined
      : setTimeout(() => {
          timer = undefined;
          void drain();
        }, delay);
  };

  /** A flush asked for while a send is on its way waits for it, then tries again at once. */
  const flush = async () => {
    await running;
    await drain();
  };

  return {
    push(message) {
      if (stopped) return;
      queue.push(message);
      bound();
      persistSoon();
      o.log(message.type, message);
      if (running || backingOff) return;
      if (queue.length - inflight.size >= batchSize) void drain();
      else if (timer === undefined) schedule(flushIntervalMs);
    },
    flush,
    hide() {
      const batch = pick(500, KEEPALIVE_BYTES);
      // Should the page stay (only hidden), a failed send is retried by the next flush.
      if (batch.length) void post(batch).then((ok) => ok || running || schedule(RETRY_BASE_MS));
      // Marked as released: if this page does not come back, another tab adopts what is left.
      persist(0);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      persist(0);
    },
  };
}
