import { getRandomValues } from 'node:crypto';
import {
  APP_ID,
  createClient,
  decodeState,
  type KeyValueStore,
  type Message,
  type Outcome,
  type Reason,
  STATE_COOKIE_MAX_AGE,
  STATE_KEY,
  stateCookieName,
} from '@idem/core';
import { IdemServer, type Result } from '@idem/node';
import type { Handle, RequestEvent } from '@sveltejs/kit';

export type { Result } from '@idem/node';

export interface IdemHandleOptions {
  appId: string;
  /** The collector's base URL, e.g. http://127.0.0.1:8787. */
  endpoint: string;
  /** The server key (IDEM_SERVER_KEY), for the collector's server-side identify and add_user_properties. */
  serverKey: string;
  /** The cookie's domain, e.g. `example.com` to share one user across subdomains; host-only when left out. */
  cookieDomain?: string;
  /** Mark the cookie Secure (pass the same value to the browser SDK). */
  secureCookie?: boolean;
  /** Retries of a collector call while the request waits (network errors, 429, 5xx). Default 1. */
  retries?: number;
  /** Per collector call, in ms. Default 5000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * The outcome of a call that reaches the collector: @idem/node's Result, or `collector_error` when the
 * collector could not be reached or answered with an error (the cookie is then left as it was).
 */
export type IdemResult = Result | { ok: false; reason: 'collector_error'; error: unknown };

/** `event.locals.idem`: the visitor as the cookie says, and the calls that change it. */
export interface IdemLocals {
  readonly userId: string;
  readonly identity: string | null;
  readonly sessionId: string;
  /** R4-R7 on the request's cookie, then the collector's server-side identify for the resulting user id. */
  identify(identity: string | number): Promise<IdemResult>;
  /** By identity when identified; when anonymous, as the browser SDK's user_properties message. */
  addUserProperties(properties: Record<string, unknown>): Promise<IdemResult>;
  /** A server-side event for this visitor's user id (R13). */
  track(event: string, properties?: Record<string, unknown>): Promise<IdemResult>;
  /** R8: a new anonymous user id when identified (call it on logout). */
  resetIdentity(): Outcome;
}

/** About 13 months, as in docs/contracts.md. */
export const COOKIE_MAX_AGE = STATE_COOKIE_MAX_AGE;

/** Every value of cookie `name` in a Cookie header, as sent: the state is not URI-decoded twice. */
function cookieValues(header: string, name: string): string[] {
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim());
  }
  return out;
}

/** As the browser SDK does: of several cookies (host-only and parent domain), the latest activity wins. */
function latestState(values: string[]): string | null {
  let best: string | null = null;
  let bestTime = -1;
  for (const v of values) {
    const state = decodeState(v);
    if (state && state.lastActivity >= bestTime) [best, bestTime] = [v, state.lastActivity];
  }
  return best;
}

/**
 * The server `handle` for hooks.server.ts: reads the visitor's `idem_<appId>` cookie or mints an anonymous
 * one in the browser SDK's format (so the server-rendered page and the SDK agree on the user id from the
 * first response), and puts `event.locals.idem` on every request. Composes with `sequence`.
 */
export function createHandle(options: IdemHandleOptions): Handle {
  const { appId, cookieDomain, secureCookie } = options;
  if (typeof appId !== 'string' || !APP_ID.test(appId)) throw new TypeError(`idem: invalid app id ${JSON.stringify(appId)}`);
  const name = stateCookieName(appId);
  const endpoint = String(options.endpoint ?? '').replace(/\/+$/, '');
  const server = new IdemServer({
    endpoint,
    appId,
    serverKey: options.serverKey,
    retries: options.retries ?? 1,
    timeoutMs: options.timeoutMs ?? 5000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  // httpOnly off: the browser SDK reads and writes the same cookie. The value is already cookie-safe.
  const attrs = {
    path: '/',
    httpOnly: false,
    sameSite: 'lax',
    secure: secureCookie === true,
    maxAge: COOKIE_MAX_AGE,
    encode: (v: string) => v,
    ...(cookieDomain ? { domain: cookieDomain } : {}),
  } as const;

  /** A collector call: a thrown error (unreachable, 401, 5xx after retries) becomes `collector_error`. */
  const call = async (fn: () => Promise<Result>, undo?: () => void): Promise<IdemResult> => {
    try {
      return await fn();
    } catch (error) {
      undo?.();
      console.error(`idem: collector call failed (${error instanceof Error ? error.message : String(error)})`);
      return { ok: false, reason: 'collector_error', error };
    }
  };

  /** Browser ingestion (no key) for an anonymous visitor's user_properties message. */
  const ingest = async (message: Message): Promise<Result> => {
    const res = await (options.fetch ?? fetch)(`${endpoint}/api/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: appId, sent_at: new Date().toISOString(), messages: [message] }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    const body = (await res.json().catch(() => null)) as { results?: { status: string; reason?: Reason }[] } | null;
    const r = body?.results?.[0];
    if (!res.ok || !r) throw new Error(`idem: POST /api/v1/batch answered ${res.status}`);
    return r.status === 'refused' || r.status === 'partial'
      ? { ok: false, reason: r.reason ?? 'invalid_message', status: r.status }
      : { ok: true, status: r.status };
  };

  const locals = (event: RequestEvent): IdemLocals => {
    const memory = new Map<string, string>();
    // What this request wrote, which the request's Cookie header does not show yet.
    let written: string | null | undefined;
    const storage: KeyValueStore = {
      get(key) {
        if (key !== STATE_KEY) return memory.get(key) ?? null;
        return written !== undefined ? written : latestState(cookieValues(event.request.headers.get('cookie') ?? '', name));
      },
      set(key, value) {
        if (key !== STATE_KEY) return void memory.set(key, value);
        written = value;
        event.cookies.set(name, value, attrs);
      },
      remove(key) {
        if (key !== STATE_KEY) return void memory.delete(key);
        written = null;
        event.cookies.delete(name, attrs);
      },
    };
    let sent: Message | null = null;
    const client = createClient({
      storage,
      now: Date.now,
      random: (b) => getRandomValues(b),
      send: (m) => {
        sent = m;
      },
      warn: (text) => console.warn(text),
    });
    // A visitor always has a user id: this mints and sets the cookie when there is no valid one.
    client.getUserId();
    /** Runs a core call and answers the message it made, if any. */
    const run = (fn: () => Outcome): [Outcome, Message | null] => {
      sent = null;
      const outcome = fn();
      return [outcome, sent];
    };

    return {
      get userId() {
        return client.getUserId()!;
      },
      get identity() {
        return client.getIdentity();
      },
      get sessionId() {
        return client.getSessionId()!;
      },
      async identify(identity) {
        const before = storage.get(STATE_KEY);
        const [outcome, m] = run(() => client.identify(identity));
        // Refused (R4), or the identity the cookie has (R7): nothing to tell the collector.
        if (!outcome.ok || m?.type !== 'identify') return outcome;
        // R5 keeps the user id, R6 made a new one: the collector merges either into the identity's owner.
        // If it cannot be told, the cookie stays as it was, so the browser SDK's own identify (queued and
        // retried) still makes the link on the next page.
        return call(
          () => server.identify(m.user_id, m.identity as string, m.time),
          () => before && storage.set(STATE_KEY, before),
        );
      },
      async addUserProperties(properties) {
        const identity = client.getIdentity();
        if (identity !== null) return call(() => server.addUserProperties({ identity, properties }));
        // Anonymous: the server-side endpoint needs an identity (R12), so this goes as the browser SDK's
        // own message for this user id, through browser ingestion, after core's checks (R10).
        const [outcome, m] = run(() => client.addUserProperties(properties));
        if (!m) return outcome;
        const answer = await call(() => ingest(m));
        return answer.ok && !outcome.ok ? { ...answer, ...outcome } : answer;
      },
      track(event, properties) {
        const userId = client.getUserId()!;
        return call(() => server.track({ userId, event, ...(properties ? { properties } : {}) }));
      },
      resetIdentity: () => client.resetIdentity(),
    };
  };

  return ({ event, resolve }) => {
    (event.locals as { idem?: IdemLocals }).idem = locals(event);
    return resolve(event);
  };
}
