import type { PropertyValue } from '@idem/core';

/** The collector's read API (packages/server/src/routes/reads.ts), as the dashboard uses it. */

export interface User {
  user_id: string;
  identity: string | null;
  display_name: string;
  properties: Record<string, PropertyValue>;
  first_seen: string | null;
  last_seen: string | null;
  merged_user_ids: string[];
  sessions: number;
}

export interface UsersPage {
  users: User[];
  next_cursor: string | null;
}

/** A page of a user's events, newest first; `next_cursor` continues with older ones. */
export interface EventsPage {
  events: IdemEvent[];
  next_cursor: string | null;
}

export interface IdemEvent {
  id: string;
  user_id: string;
  session_id: string | null;
  type: 'pageview' | 'track';
  event: string;
  properties: Record<string, PropertyValue>;
  time: string;
  url: string | null;
}

export interface Warning {
  message_id: string | null;
  user_id: string | null;
  identity: string | null;
  reason: string;
  detail: string;
  time: string;
}

export interface PropertyNames {
  properties: string[];
  events: string[];
}

export interface BreakdownRow {
  value: string;
  users: number;
}

export interface TimeseriesRow {
  bucket: string;
  value: string;
  users: number;
}

export interface Filter {
  key: string;
  value: string;
}

export interface Credentials {
  key: string;
  appId: string;
}

/** An error answer of the collector (`{"error": {"code", "message"}}`), or `network` when none came. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Params = Record<string, string | number | null | undefined | string[]>;

/** Builds `api/v1/<path>?...` relative to the page, so the dashboard also works behind a path prefix. */
export function apiUrl(path: string, params: Params, base: string): string {
  const url = new URL(`api/v1/${path}`, base);
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, item);
    else url.searchParams.set(k, String(v));
  }
  return url.toString();
}

export const filterParams = (filters: Filter[]) => filters.map((f) => `${f.key}=${f.value}`);

async function errorOf(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body?.error?.code === 'string') code = body.error.code;
    if (typeof body?.error?.message === 'string') message = body.error.message;
  } catch {
    // Not JSON (a proxy's error page): keep the status text.
  }
  return new ApiError(res.status, code, message);
}

export interface Api {
  users(q: { limit?: number; cursor?: string | null; search?: string; filters?: Filter[] }, signal?: AbortSignal): Promise<UsersPage>;
  user(userId: string, signal?: AbortSignal): Promise<User>;
  events(userId: string, q: { limit: number; cursor?: string | null }, signal?: AbortSignal): Promise<EventsPage>;
  warnings(userId: string, signal?: AbortSignal): Promise<{ warnings: Warning[] }>;
  propertyNames(signal?: AbortSignal): Promise<PropertyNames>;
  breakdown(
    q: { property: string; event?: string; filters?: Filter[] },
    signal?: AbortSignal,
  ): Promise<{ property: string; rows: BreakdownRow[] }>;
  timeseries(
    q: { property: string; interval: 'day' | 'week'; event?: string; filters?: Filter[]; from: string; to: string },
    signal?: AbortSignal,
  ): Promise<{ property: string; rows: TimeseriesRow[] }>;
  /** Splits a merged user id back out of its user (a wrong merge); recorded in the audit log as "dashboard". */
  unmerge(userId: string): Promise<{ user_id: string; unmerged_from: string }>;
}

/**
 * Every call sends the server key as a bearer header (never a cookie), so a page on another origin
 * cannot make the browser send it: the API is not exposed to CSRF. `onUnauthorized` runs on a 401.
 */
export function createApi(
  creds: Credentials,
  options: { base?: string; onUnauthorized?: (e: ApiError) => void; fetch?: typeof fetch } = {},
): Api {
  const base = options.base ?? document.baseURI;
  const doFetch = options.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const get = async <T>(path: string, params: Params, signal?: AbortSignal): Promise<T> => {
    let res: Response;
    try {
      res = await doFetch(apiUrl(path, { app_id: creds.appId, ...params }, base), {
        headers: { Authorization: `Bearer ${creds.key}`, Accept: 'application/json' },
        credentials: 'omit',
        cache: 'no-store',
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') throw e;
      throw new ApiError(0, 'network', 'The collector could not be reached.');
    }
    if (!res.ok) {
      const error = await errorOf(res);
      if (res.status === 401) options.onUnauthorized?.(error);
      throw error;
    }
    return (await res.json()) as T;
  };
  const post = async <T>(path: string): Promise<T> => {
    let res: Response;
    try {
      res = await doFetch(apiUrl(path, { app_id: creds.appId }, base), {
        method: 'POST',
        headers: { Authorization: `Bearer ${creds.key}`, Accept: 'application/json', 'X-Idem-Actor': 'dashboard' },
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'network', 'The collector could not be reached.');
    }
    if (!res.ok) {
      const error = await errorOf(res);
      if (res.status === 401) options.onUnauthorized?.(error);
      throw error;
    }
    return (await res.json()) as T;
  };
  const id = (userId: string) => encodeURIComponent(userId);
  return {
    users: (q, signal) =>
      get(
        'users',
        { limit: q.limit ?? 50, cursor: q.cursor ?? null, q: q.search?.trim() || null, filter: filterParams(q.filters ?? []) },
        signal,
      ),
    user: (userId, signal) => get(`users/${id(userId)}`, {}, signal),
    events: (userId, q, signal) => get(`users/${id(userId)}/events`, { order: 'newest', limit: q.limit, cursor: q.cursor ?? null }, signal),
    warnings: (userId, signal) => get('warnings', { user_id: userId }, signal),
    unmerge: (userId) => post(`users/${id(userId)}/unmerge`),
    propertyNames: (signal) => get('properties', {}, signal),
    breakdown: (q, signal) =>
      get('charts/breakdown', { property: q.property, event: q.event ?? null, filter: filterParams(q.filters ?? []) }, signal),
    timeseries: (q, signal) =>
      get(
        'charts/timeseries',
        {
          property: q.property,
          interval: q.interval,
          event: q.event ?? null,
          filter: filterParams(q.filters ?? []),
          from: q.from,
          to: q.to,
        },
        signal,
      ),
  };
}

/** What the sign-in page shows for a failed check. */
export function signInMessage(e: unknown, appId: string): string {
  if (!(e instanceof ApiError)) return 'Something went wrong while checking the key.';
  if (e.status === 401)
    return 'This server key was refused by the collector. Check IDEM_SERVER_KEY (or .idem/server-key) and paste it again.';
  if (e.code === 'unknown_app') return `This collector has no app "${appId}". Start it with --app ${appId}, or pick another app id.`;
  if (e.code === 'invalid_app_id') return 'An app id is 1 to 64 letters, digits, "_" or "-".';
  if (e.status === 0) return 'The collector could not be reached. Is `idem serve` running?';
  if (e.status === 429) return 'Too many attempts; wait a moment and try again.';
  return `The collector answered ${e.status} (${e.code}): ${e.message}`;
}
