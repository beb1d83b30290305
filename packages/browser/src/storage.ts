import { decodeState, type KeyValueStore, STATE_COOKIE_MAX_AGE, STATE_KEY } from '@idem/core';

/** 395 days: about 13 months, the longest a first-party cookie lives in most browsers' policies. */
export const COOKIE_MAX_AGE = STATE_COOKIE_MAX_AGE;

/** Every value of the cookie `name` that the page can see (one per domain/path it was set on). */
export function readCookies(name: string): string[] {
  const out: string[] = [];
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim());
  }
  return out;
}

/** Writes (or, with maxAge 0, deletes) a cookie; `domain` '' means host-only. */
export function writeCookie(name: string, value: string, domain: string, secure: boolean | undefined, maxAge = COOKIE_MAX_AGE): void {
  // biome-ignore lint/suspicious/noDocumentCookie: the Cookie Store API is async and not in every browser; core's client needs a synchronous store.
  document.cookie = `${name}=${value}; path=/; max-age=${maxAge}; SameSite=Lax${domain ? `; domain=${domain}` : ''}${secure ? '; Secure' : ''}`;
}

/**
 * The broadest domain that accepts a cookie (R2), found by writing a probe cookie on each parent
 * domain from the top: on a.shop.example.co.uk it tries co.uk (a public suffix: the browser refuses
 * it), then example.co.uk, which sticks; a bare top-level label is never tried. Answers '' for a host-only cookie (IP addresses, localhost) and null when no cookie sticks.
 */
export function probeCookieDomain(hostname: string, secure?: boolean, wanted?: string): string | null {
  const labels = hostname.split('.');
  const candidates: string[] = wanted
    ? [wanted]
    : /^[\d.]+$|:/.test(hostname)
      ? []
      : labels
          .slice(0, -1)
          .map((_, i) => labels.slice(i).join('.'))
          .reverse();
  candidates.push('');
  const probe = 'idem_probe';
  const value = Math.random().toString(36).slice(2);
  for (const domain of candidates) {
    writeCookie(probe, value, domain, secure);
    if (readCookies(probe).includes(value)) {
      writeCookie(probe, '', domain, secure, 0);
      return domain;
    }
  }
  return null;
}

/** localStorage when it works (it throws in some privacy modes and sandboxed frames), else null. */
export function localStore(): Storage | null {
  try {
    const ls = window.localStorage;
    ls.setItem('idem_probe', '1');
    ls.removeItem('idem_probe');
    return ls;
  } catch {
    return null;
  }
}

/** A KeyValueStore over localStorage under `prefix` (a write over quota is lost), or over memory. */
export function prefixedStore(ls: Storage | null, prefix: string): KeyValueStore {
  const memory = new Map<string, string>();
  return ls
    ? {
        get: (key) => ls.getItem(prefix + key),
        set(key, value) {
          try {
            ls.setItem(prefix + key, value);
          } catch {}
        },
        remove: (key) => ls.removeItem(prefix + key),
      }
    : { get: (key) => memory.get(key) ?? null, set: (key, value) => void memory.set(key, value), remove: (key) => void memory.delete(key) };
}

export interface StoreOptions {
  cookieDomain?: string;
  secureCookie?: boolean;
}

/**
 * The storage core's client runs on: the device state in the first-party cookie `idem_<appId>`
 * (falling back to localStorage, then memory), everything else (event properties) in localStorage.
 * The cookie has core's format, so a cookie written by a server (the SvelteKit handle) is adopted as
 * it is; when two are visible (a host-only one from a server and ours on the parent domain) the one
 * with the latest activity wins and the host-only one is removed on the next write.
 */
export function createStore(cookieName: string, ls: Storage | null, prefix: string, options: StoreOptions): KeyValueStore {
  const local = prefixedStore(ls, prefix);
  const domain = probeCookieDomain(location.hostname, options.secureCookie, options.cookieDomain);
  // Reading document.cookie is a synchronous round trip to the browser's cookie store (about a
  // millisecond in Chromium), and every call reads the state. The value read is kept until the current
  // task ends: calls made together read once, and another tab's or the server's write is seen by the
  // next task, as before.
  let cached: string | null | undefined;
  let firstWrite = true;
  const keep = (value: string | null) => {
    cached = value;
    // Every microtask runs after the calls of this task: the first one ends the cache.
    queueMicrotask(() => {
      cached = undefined;
    });
  };
  return {
    get(key) {
      if (key !== STATE_KEY || domain === null) return local.get(key);
      if (cached !== undefined) return cached;
      let best: string | null = null;
      let bestTime = -1;
      // On a tie the cookie set last wins: browsers list cookies of one path in the order they were created.
      for (const value of readCookies(cookieName)) {
        const state = decodeState(value);
        if (state && state.lastActivity >= bestTime) {
          best = value;
          bestTime = state.lastActivity;
        }
      }
      keep(best);
      return best;
    },
    set(key, value) {
      if (key !== STATE_KEY || domain === null) return local.set(key, value);
      if (value === cached) return;
      writeCookie(cookieName, value, domain, options.secureCookie);
      // A host-only copy (from a server's first response) next to ours on the parent domain: checked
      // after this page's first write, and removed.
      if (firstWrite && readCookies(cookieName).length > 1) writeCookie(cookieName, '', '', options.secureCookie, 0);
      firstWrite = false;
      keep(value);
    },
    remove(key) {
      if (key !== STATE_KEY || domain === null) return local.remove(key);
      writeCookie(cookieName, '', domain, options.secureCookie, 0);
      keep(null);
    },
  };
}
