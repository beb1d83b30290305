import { APP_ID, createClient, type IdentitySnapshot, OK, type Outcome, refused, stateCookieName } from '@idem/core';
import { createQueue } from './queue.js';
import { createStore, localStore } from './storage.js';

export interface IdemOptions {
  /** The collector's base URL, e.g. `https://idem.example.com`; the page's own origin when omitted. */
  endpoint?: string;
  /** The cookie's domain; by default the broadest domain that accepts a cookie (found by probing). */
  cookieDomain?: string;
  /** Mark the cookie Secure (HTTPS pages only). */
  secureCookie?: boolean;
  /** Send a pageview on load and on single-page navigations (pushState, replaceState, popstate). Default true. */
  autoPageviews?: boolean;
  /** Messages per request; a full batch is sent at once. Default 20. */
  batchSize?: number;
  /** How long a message waits for others before it is sent. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Messages kept while the collector cannot be reached; beyond it the oldest are dropped, with a warning. Default 1000. */
  maxQueue?: number;
  /** IIFE build only: also define `window.heap`, for pages that still call Heap's snippet methods. */
  heapAlias?: boolean;
  /** Log every message and response to the console. */
  debug?: boolean;
}

export type IdemSnapshot = IdentitySnapshot;

export interface Idem {
  identify(identity: string | number, options?: { signature?: string }): Outcome;
  resetIdentity(): Outcome;
  addUserProperties(properties: Record<string, unknown>): Outcome;
  track(event: string, properties?: Record<string, unknown>): Outcome;
  addEventProperties(properties: Record<string, unknown>): Outcome;
  removeEventProperty(key: string): Outcome;
  clearEventProperties(): Outcome;
  getIdentity(): string | null;
  getUserId(): string | null;
  getSessionId(): string | null;
  /** Calls `callback` once the SDK is loaded (at once when it already is). */
  onReady(callback: () => void): Outcome;
  /** Sends a pageview for `url` (the current location when omitted). */
  pageview(url?: string): Outcome;
  /** Sends every queued message now; resolves when the collector has answered or a send failed. */
  flush(): Promise<void>;
  /** Called whenever the user id, identity or session changes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** `{userId, identity, sessionId}`: the same object until one of them changes (for useSyncExternalStore). */
  getSnapshot(): IdemSnapshot;
  /** Stops timers and listeners (queued messages stay persisted for the next page). */
  shutdown(): Outcome;
}

/** The methods that take a call and answer an Outcome, in the order the pre-load queue may use them. */
type ClientCall =
  | 'identify'
  | 'resetIdentity'
  | 'addUserProperties'
  | 'track'
  | 'addEventProperties'
  | 'removeEventProperty'
  | 'clearEventProperties'
  | 'pageview';
// Space-separated lists minify smaller than array literals (this is in the 5 KB script-tag build). The
// calls are marked pure so that a bundler drops them from an app that imports only, say, `snippet`.
const CLIENT_CALLS =
  /* @__PURE__ */ 'identify resetIdentity addUserProperties track addEventProperties removeEventProperty clearEventProperties pageview'.split(
    ' ',
  ) as ClientCall[];
export const CALLS = /* @__PURE__ */ (CLIENT_CALLS as Array<ClientCall | 'onReady' | 'shutdown'>).concat('onReady', 'shutdown');
type Getter = 'getIdentity' | 'getUserId' | 'getSessionId';
export const GETTERS = /* @__PURE__ */ 'getIdentity getUserId getSessionId'.split(' ') as Getter[];

export const EMPTY_SNAPSHOT: IdemSnapshot = /* @__PURE__ */ Object.freeze({
  userId: null,
  identity: null,
  sessionId: null,
}) as IdemSnapshot;

/** The instance for a server (no DOM) or a bad app id: every call does nothing. */
export function noopIdem(): Idem {
  const idem = {
    flush: () => Promise.resolve(),
    subscribe: () => () => {},
    getSnapshot: () => EMPTY_SNAPSHOT,
  } as unknown as Record<string, unknown>;
  for (const m of CALLS) idem[m] = () => OK;
  for (const m of GETTERS) idem[m] = () => null;
  return idem as unknown as Idem;
}

/** A URL that differs only in its #fragment is the same page, unless the fragment is a route (#/ or #!). */
const pageKey = (href: string) => {
  const i = href.indexOf('#');
  return i < 0 || /^#[/!]/.test(href.slice(i)) ? href : href.slice(0, i);
};

/**
 * An Idem instance for one app. It touches no global until called; on a server (no window or
 * document) it answers an instance whose calls do nothing.
 */
export function createIdem(appId: string, options: IdemOptions = {}): Idem {
  if (typeof window === 'undefined' || typeof document === 'undefined') return noopIdem();
  const warn = (text: string) => console.warn(text);
  if (typeof appId !== 'string' || !APP_ID.test(appId)) {
    warn(`idem: invalid app id ${appId}`);
    return noopIdem();
  }
  const log = options.debug ? (text: string, data?: unknown) => console.debug(`idem: ${text}`, data ?? '') : () => {};
  // A number option within [min, max], else its default.
  const num = (v: unknown, def: number, min: number, max: number) => (typeof v === 'number' && v >= min && v <= max ? Math.floor(v) : def);
  const prefix = `idem:${appId}:`;
  const ls = localStore();
  const queue = createQueue(
    `${(options.endpoint ?? '').replace(/\/+$/, '')}/api/v1/batch`,
    appId,
    ls,
    prefix,
    num(options.batchSize, 20, 1, 500),
    num(options.flushIntervalMs, 1000, 0, 3_600_000),
    num(options.maxQueue, 1000, 1, 100_000),
    { warn, log },
  );
  const client = createClient({
    storage: createStore(stateCookieName(appId), ls, prefix, options),
    now: Date.now,
    random: (b) => crypto.getRandomValues(b as Uint32Array<ArrayBuffer>),
    send: (m) => queue.push(m),
    warn,
  });

  let last: string | null = null;
  let live = true;
  const pageview = (url?: string): Outcome => {
    const href = url === undefined ? location.href : String(url);
    const referrer = last ?? document.referrer;
    last = href;
    return client.pageview(href, referrer);
  };
  const navigated = () => {
    if (live && last !== null && pageKey(location.href) !== pageKey(last)) pageview();
  };

  const restore: Array<() => void> = [];
  const listen = (target: EventTarget, type: string, fn: () => void) => {
    target.addEventListener(type, fn);
    restore.push(() => target.removeEventListener(type, fn));
  };
  const onHide = () => document.visibilityState === 'hidden' && queue.hide();
  listen(document, 'visibilitychange', onHide);
  listen(window, 'pagehide', () => queue.hide());
  listen(window, 'online', () => void queue.flush());

  if (options.autoPageviews !== false) {
    for (const method of ['pushState', 'replaceState'] as const) {
      const original = history[method];
      const wrapped = function (this: History, ...args: Parameters<History['pushState']>) {
        original.apply(this, args);
        navigated();
      };
      history[method] = wrapped;
      // Put back only if nobody wrapped it after us; otherwise our wrapper just stops reacting.
      restore.push(() => {
        if (history[method] === wrapped) history[method] = original;
      });
    }
    listen(window, 'popstate', navigated);
    pageview();
  }

  const api = {
    onReady(callback: () => void) {
      try {
        if (typeof callback === 'function') callback();
      } catch (e) {
        console.error(e);
      }
      return OK;
    },
    flush: queue.flush,
    subscribe: client.subscribe,
    getSnapshot: client.getSnapshot,
    shutdown() {
      if (live) {
        live = false;
        for (const undo of restore) undo();
        queue.stop();
      }
      return OK;
    },
  } as unknown as Record<string, unknown>;
  const methods = { ...client, pageview } as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const m of CLIENT_CALLS) api[m] = (...a: unknown[]) => (live ? methods[m]!(...a) : refused('invalid_message'));
  for (const m of GETTERS) api[m] = methods[m];
  return api as unknown as Idem;
}
