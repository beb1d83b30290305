// The collector's read API (packages/server/src/routes/reads.ts), as the end-to-end suites check what
// reached it: the same HTTP requests a customer's backend makes, with the server key.

/** A user as GET /api/v1/users/:userId and /api/v1/users?identity= answer it. */
export interface ApiUser {
  user_id: string;
  identity: string | null;
  properties: Record<string, unknown>;
  first_seen: string | null;
  last_seen: string | null;
  /** The user ids merged into user_id (which took the identity first). */
  merged_user_ids: string[];
}

/** An event as GET /api/v1/users/:userId/events answers it. */
export interface ApiEvent {
  id: string;
  user_id: string;
  session_id: string;
  type: string;
  event: string | null;
  properties: Record<string, unknown>;
  time: string;
  url: string | null;
}

/** An answer as it came: tests check the status too (404 for nobody, 400 for a refused identity). */
export interface Reply<T> {
  status: number;
  body: T;
}

/** The largest pages the collector gives: a test wants every user and every event, not the first page. */
const ALL_USERS = 500;
const ALL_EVENTS = 10_000;

/**
 * Reads from `collector` (a RunningServer, or anything with its url and server key, read at each call so
 * that a collector restarted later is still reached) for app `appId`.
 */
export function collectorReads(collector: { readonly url: string; readonly serverKey: string }, appId = 'demo') {
  const app = `app_id=${encodeURIComponent(appId)}`;

  /** Any GET; `path` carries its own app_id. */
  async function get<T>(path: string): Promise<Reply<T>> {
    const res = await fetch(`${collector.url}${path}`, { headers: { authorization: `Bearer ${collector.serverKey}` } });
    return { status: res.status, body: (await res.json()) as T };
  }

  return {
    get,
    /** The user `userId` is, or was merged into. */
    user: (userId: string) => get<ApiUser>(`/api/v1/users/${userId}?${app}`),
    /** The user that has `identity`. */
    byIdentity: (identity: string) => get<ApiUser>(`/api/v1/users?${app}&identity=${encodeURIComponent(identity)}`),

    /** Every user of the app; throws unless the collector answers 200. */
    async users(): Promise<ApiUser[]> {
      const r = await get<{ users: ApiUser[] }>(`/api/v1/users?${app}&limit=${ALL_USERS}`);
      if (r.status !== 200) throw new Error(`GET users: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.users;
    },

    /**
     * Every event of `userId`'s user. A user the collector has not stored yet (404) has no events: [] lets
     * a poll wait for them. Any other answer but 200 throws.
     */
    async events(userId: string): Promise<ApiEvent[]> {
      const r = await get<{ events: ApiEvent[] }>(`/api/v1/users/${userId}/events?${app}&limit=${ALL_EVENTS}`);
      if (r.status === 404) return [];
      if (r.status !== 200) throw new Error(`GET events of ${userId}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.events;
    },
  };
}

export type CollectorReads = ReturnType<typeof collectorReads>;
