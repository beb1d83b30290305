/**
 * GTM's sandbox APIs (the ones `require()` hands out), emulated over a page: a real browser window,
 * a jsdom window, or a plain object standing in for one. Each API checks the template's declared
 * permissions first and throws as GTM does when one is missing. No Node or DOM import: the same
 * code runs in Node (tests) and, bundled, in Chromium (end-to-end tests).
 */
import { type Checker, createChecker, type Permissions } from './permissions.js';
import { getType, hostRealm, type Realm, toNative, toSandbox } from './values.js';

export interface ScriptEntry {
  state: 'loading' | 'loaded';
  waiting: Array<{ ok: () => void; fail: () => void }>;
}

/** One page: its global object and what lives as long as the page (templateStorage, injected scripts). */
export interface Page {
  window: Record<string, unknown>;
  /** Loads a script into the page and calls one of the two callbacks. */
  loadScript(url: string, onload: () => void, onerror: () => void): void;
  /** The window's constructors (its realm); the host's when left out. */
  realm?: Realm;
  templateStorage: Map<string, unknown>;
  scripts: Map<string, ScriptEntry>;
  /** Every URL the page was asked to load, in order. */
  loaded: string[];
}

export function createPage(window: Record<string, unknown>, loadScript: Page['loadScript'], realm?: Realm): Page {
  return { window, loadScript, ...(realm ? { realm } : {}), templateStorage: new Map(), scripts: new Map(), loaded: [] };
}

export interface SandboxOptions {
  page: Page;
  permissions: Permissions;
  /** Where sandbox values are made (the vm context's constructors in Node). */
  sandboxRealm?: Realm;
  /** GTM's preview mode: `logging` granted for debug only prints then. Default true. */
  debugMode?: boolean;
  log?: (line: string) => void;
  /** Runs a callback later (injectScript's callbacks, callLater). Default: a macrotask. */
  defer?: (fn: () => void) => void;
  /** An exception thrown by template code inside an asynchronous callback. */
  onAsyncError?: (error: unknown) => void;
  now?: () => number;
}

export type Apis = Record<string, unknown>;

/** The APIs this harness implements; require() of any other name throws. */
export const API_NAMES = [
  'callInWindow',
  'callLater',
  'copyFromWindow',
  'createArgumentsQueue',
  'createQueue',
  'decodeUri',
  'decodeUriComponent',
  'encodeUri',
  'encodeUriComponent',
  'generateRandom',
  'getTimestamp',
  'getTimestampMillis',
  'getType',
  'injectScript',
  'JSON',
  'logToConsole',
  'makeInteger',
  'makeNumber',
  'makeString',
  'makeTableMap',
  'Math',
  'Object',
  'queryPermission',
  'setInWindow',
  'templateStorage',
] as const;

const isKey = (key: unknown): key is string => typeof key === 'string' && key !== '' && key.split('.').every((p) => p !== '');

export function createApis(options: SandboxOptions): Apis {
  const { page } = options;
  const pageRealm = page.realm ?? hostRealm;
  const sandboxRealm = options.sandboxRealm ?? hostRealm;
  const check: Checker = createChecker(options.permissions, options.debugMode ?? true);
  const defer = options.defer ?? ((fn: () => void) => void setTimeout(fn, 0));
  const now = options.now ?? Date.now;
  const out = (value: unknown) => toSandbox(value, sandboxRealm, pageRealm);
  const native = (value: unknown) => toNative(value, pageRealm, sandboxRealm);
  const guarded = (fn: unknown) => () => {
    if (typeof fn !== 'function') return;
    try {
      Reflect.apply(fn, undefined, []);
    } catch (e) {
      if (options.onAsyncError) options.onAsyncError(e);
      else throw e;
    }
  };

  /** The object holding the last part of a dotted path, and that part; undefined when a parent is missing. */
  const locate = (path: string): { owner: Record<string, unknown>; name: string } | undefined => {
    const parts = path.split('.');
    let owner: unknown = page.window;
    for (const part of parts.slice(0, -1)) {
      if (owner === null || (typeof owner !== 'object' && typeof owner !== 'function')) return undefined;
      owner = (owner as Record<string, unknown>)[part];
    }
    if (owner === null || (typeof owner !== 'object' && typeof owner !== 'function')) return undefined;
    return { owner: owner as Record<string, unknown>, name: parts[parts.length - 1]! };
  };
  const read = (path: string) => {
    const at = locate(path);
    return at ? at.owner[at.name] : undefined;
  };
  const queueAt = (key: string): unknown[] => {
    const at = locate(key);
    if (!at) throw new Error(`cannot create a queue at ${key}: its parent does not exist`);
    if (!Array.isArray(at.owner[at.name])) at.owner[at.name] = new pageRealm.Array();
    return at.owner[at.name] as unknown[];
  };
  const requireKey = (key: unknown, api: string): string => {
    if (!isKey(key)) throw new Error(`${api}: the key must be a dotted path, got ${JSON.stringify(key)}`);
    return key;
  };

  const apis: Apis = {
    callInWindow(path: unknown, ...args: unknown[]) {
      const key = requireKey(path, 'callInWindow');
      check.globals('execute', key);
      const at = locate(key);
      const fn = at?.owner[at.name];
      if (!at || typeof fn !== 'function') return undefined;
      return out(
        Reflect.apply(
          fn,
          at.owner,
          args.map((a) => native(a)),
        ),
      );
    },
    copyFromWindow(path: unknown) {
      const key = requireKey(path, 'copyFromWindow');
      check.globals('read', key);
      return out(read(key));
    },
    setInWindow(path: unknown, value: unknown, overrideExisting?: unknown) {
      const key = requireKey(path, 'setInWindow');
      check.globals('write', key);
      const at = locate(key);
      if (!at) return false;
      if (at.owner[at.name] !== undefined && overrideExisting !== true) return false;
      at.owner[at.name] = native(value);
      return true;
    },
    createQueue(path: unknown) {
      const key = requireKey(path, 'createQueue');
      check.globals('readwrite', key);
      const queue = queueAt(key);
      return (...values: unknown[]) => {
        for (const v of values) Array.prototype.push.call(queue, native(v));
      };
    },
    createArgumentsQueue(fnPath: unknown, arrayPath: unknown) {
      const fnKey = requireKey(fnPath, 'createArgumentsQueue');
      const arrayKey = requireKey(arrayPath, 'createArgumentsQueue');
      check.globals('readwrite', fnKey);
      check.globals('readwrite', arrayKey);
      const queue = queueAt(arrayKey);
      const at = locate(fnKey);
      if (!at) throw new Error(`cannot create ${fnKey}: its parent does not exist`);
      if (typeof at.owner[at.name] !== 'function') {
        at.owner[at.name] = function queued(...args: unknown[]) {
          Array.prototype.push.call(queue, args);
        };
      }
      const fn = at.owner[at.name] as (...a: unknown[]) => unknown;
      return (...args: unknown[]) => out(Reflect.apply(fn, undefined, args.map(native)));
    },
    injectScript(url: unknown, onSuccess: unknown, onFailure: unknown, cacheToken?: unknown) {
      if (typeof url !== 'string') throw new Error('injectScript: the URL must be a string');
      check.injectScript(url);
      const ok = guarded(onSuccess);
      const fail = guarded(onFailure);
      const token = cacheToken === undefined || cacheToken === null ? undefined : String(cacheToken);
      const entry = token === undefined ? undefined : page.scripts.get(token);
      if (entry?.state === 'loaded') return void defer(ok);
      if (entry) return void entry.waiting.push({ ok, fail });
      const fresh: ScriptEntry = { state: 'loading', waiting: [{ ok, fail }] };
      if (token !== undefined) page.scripts.set(token, fresh);
      page.loaded.push(url);
      page.loadScript(
        url,
        () => {
          fresh.state = 'loaded';
          const waiting = fresh.waiting.splice(0);
          for (const w of waiting) defer(w.ok);
        },
        () => {
          // A failed load is not cached: a later tag tries again.
          if (token !== undefined) page.scripts.delete(token);
          const waiting = fresh.waiting.splice(0);
          for (const w of waiting) defer(w.fail);
        },
      );
    },
    logToConsole(...args: unknown[]) {
      if (check.logging().print) options.log?.(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    },
    queryPermission(id: unknown, ...args: unknown[]) {
      return typeof id === 'string' && check.query(id, ...args);
    },
    callLater(fn: unknown) {
      defer(guarded(fn));
    },
    getType: (value: unknown) => {
      const t = getType(value);
      return t === 'other' ? 'object' : t;
    },
    makeString: (value: unknown) => String(value),
    makeNumber: (value: unknown) => Number(value),
    makeInteger: (value: unknown) => {
      const n = Number(value);
      return Number.isFinite(n) ? Math.trunc(n) : Number.isNaN(n) ? Number.NaN : n;
    },
    /** A list of row objects to `{[row[keyColumn]]: row[valueColumn]}`; null when nothing was added. */
    makeTableMap(table: unknown, keyColumn: unknown, valueColumn: unknown) {
      if (!Array.isArray(table) || typeof keyColumn !== 'string' || typeof valueColumn !== 'string') return null;
      const map = new sandboxRealm.Object() as Record<string, unknown>;
      let added = 0;
      for (const row of table) {
        if (getType(row) !== 'object' || !Object.hasOwn(row as object, keyColumn)) continue;
        Object.defineProperty(map, String((row as Record<string, unknown>)[keyColumn]), {
          value: (row as Record<string, unknown>)[valueColumn],
          enumerable: true,
          writable: true,
          configurable: true,
        });
        added++;
      }
      return added > 0 ? map : null;
    },
    encodeUri: (s: unknown) => attempt(() => encodeURI(String(s))),
    encodeUriComponent: (s: unknown) => attempt(() => encodeURIComponent(String(s))),
    decodeUri: (s: unknown) => attempt(() => decodeURI(String(s))),
    decodeUriComponent: (s: unknown) => attempt(() => decodeURIComponent(String(s))),
    generateRandom: (min: unknown, max: unknown) => {
      const lo = Math.ceil(Number(min));
      const hi = Math.floor(Number(max));
      return lo + Math.floor(Math.random() * (hi - lo + 1));
    },
    getTimestamp: () => now(),
    getTimestampMillis: () => now(),
    JSON: {
      parse: (text: unknown) => attempt(() => out(JSON.parse(String(text)))),
      stringify: (value: unknown) => attempt(() => JSON.stringify(value)),
    },
    Math: {
      abs: Math.abs,
      ceil: Math.ceil,
      floor: Math.floor,
      max: Math.max,
      min: Math.min,
      pow: Math.pow,
      round: Math.round,
      sqrt: Math.sqrt,
    },
    Object: {
      keys: (o: unknown) => out(isObjectLike(o) ? Object.keys(o as object) : []),
      values: (o: unknown) => out(isObjectLike(o) ? Object.values(o as object) : []),
      entries: (o: unknown) => out(isObjectLike(o) ? Object.entries(o as object) : []),
      freeze: (o: unknown) => (isObjectLike(o) ? Object.freeze(o) : o),
      delete: (o: unknown, key: unknown) =>
        isObjectLike(o) && !Object.isFrozen(o) ? delete (o as Record<string, unknown>)[String(key)] : false,
    },
    templateStorage: {
      getItem: (key: unknown) => page.templateStorage.get(String(key)),
      setItem: (key: unknown, value: unknown) => void page.templateStorage.set(String(key), value),
      removeItem: (key: unknown) => void page.templateStorage.delete(String(key)),
      clear: () => page.templateStorage.clear(),
    },
  };
  return apis;
}

const isObjectLike = (o: unknown) => getType(o) === 'object' || getType(o) === 'array';

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
