import { OK } from '@idem/core';
import type { IdemOptions } from './idem.js';
import { createSingleton } from './singleton.js';

type Fn = (...a: unknown[]) => unknown;
// biome-ignore lint/suspicious/noExplicitAny: the page's globals and the replayed calls are untyped by nature.
type Api = Record<string, any>;

/**
 * The script-tag build (dist/idem.min.js). The snippet leaves `window.idem` as an array of
 * `[method, args]` (or `[method, ...args]`) calls, with `appid`/`config` set by `idem.load(appId, options)`; this replaces it
 * with the real API and replays the calls in order (R18). With `heapAlias`, `window.heap` becomes
 * the same API (Heap's own snippet queue, `[method, ...args]`, is replayed too) and Heap methods
 * Idem has no use for do nothing.
 */
const w = (typeof window !== 'undefined' ? window : undefined) as unknown as Api | undefined;
const stub = w?.idem as (Array<[string, unknown]> & { appid?: string; config?: IdemOptions }) | undefined;
if (w && typeof document !== 'undefined' && !(stub && !Array.isArray(stub))) {
  const idem = createSingleton() as unknown as Api;
  // A queued call is [method, [args]] (this snippet) or [method, ...args] (Heap's snippet and the
  // like); the two differ only for a call with one array argument, which no method takes.
  const call = (api: Api, e: unknown) => {
    if (!Array.isArray(e)) return;
    const fn = api[e[0]];
    if (typeof fn === 'function') return (fn as Fn)(...(e.length === 2 && Array.isArray(e[1]) ? e[1] : e.slice(1)));
    console.warn(`idem: unknown method ${String(e[0])}`);
  };
  const init: Fn = idem.init;
  idem.init = idem.load = (appId: unknown, options?: IdemOptions) => {
    const out = init(appId, options);
    const heap = w.heap;
    if (options?.heapAlias && heap !== idem) {
      w.heap = new Proxy(idem, { get: (t, k) => (k in t || k === 'then' || typeof k !== 'string' ? t[k as string] : () => OK) });
      if (Array.isArray(heap)) for (const e of heap) call(idem, e);
    }
    return out;
  };
  idem.push = (entry: unknown) => call(idem, entry);
  w.idem = idem;
  if (stub) {
    if (stub.appid) idem.init(stub.appid, stub.config);
    for (const e of stub) idem.push(e);
  }
}
