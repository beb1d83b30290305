import { formatTime, normalizeIdentity } from '@idem/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireKey } from '../auth.js';
import { ApiError } from '../errors.js';
import { decodeCursor, decodeEventCursor, encodeEventCursor } from '../storage/cursor.js';
import type { EventRow, UserSummary } from '../storage/types.js';

type Query = Record<string, string | string[] | undefined>;

const iso = (t: number | null) => (t === null ? null : formatTime(t));

/** The user as every read answers it (DESIGN.md); anonymous users are shown as "User <id>" (R1). */
export function userJson(u: UserSummary) {
  return {
    user_id: u.userId,
    identity: u.identity,
    display_name: u.identity ?? `User ${u.userId}`,
    properties: u.properties,
    first_seen: iso(u.firstSeen),
    last_seen: iso(u.lastSeen),
    merged_user_ids: u.mergedUserIds,
    sessions: u.sessions,
  };
}

export function eventJson(e: EventRow) {
  return {
    id: e.id,
    user_id: e.userId,
    session_id: e.sessionId,
    type: e.type,
    event: e.name,
    properties: e.properties,
    time: formatTime(e.time),
    url: e.url,
  };
}

function one(q: Query, key: string): string | undefined {
  const v = q[key];
  if (Array.isArray(v)) throw new ApiError(400, 'invalid_request', `${key} given more than once`);
  return v;
}

function int(q: Query, key: string, def: number, max: number): number {
  const v = one(q, key);
  if (v === undefined) return def;
  const n = /^\d{1,7}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ApiError(400, 'invalid_request', `${key} must be an integer in [1, ${max}]`);
  return n;
}

/**
 * An ISO 8601 date (`2026-12-01`, UTC midnight) or date-time with its zone (`Z` or `+01:00`): a time
 * without a zone would be read in the collector's own, and Date.parse takes "1" for the year 2001.
 */
function isoTime(text: string): number {
  const ok = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text);
  return ok ? Date.parse(text) : Number.NaN;
}

/** `filter=key=value`, repeatable: users whose current property equals the value. */
function filters(q: Query): { key: string; value: string }[] {
  const raw = q.filter;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length > 10) throw new ApiError(400, 'invalid_request', 'at most 10 filters');
  return list.map((f) => {
    const i = f.indexOf('=');
    if (i < 1) throw new ApiError(400, 'invalid_request', 'filter must be key=value');
    return { key: f.slice(0, i), value: f.slice(i + 1) };
  });
}

export function registerReads(fastify: FastifyInstance): void {
  const auth = (req: FastifyRequest) => {
    const q = req.query as Query;
    const app = fastify.idem.app(one(q, 'app_id'));
    requireKey(req.headers.authorization, fastify.idem.serverKey, app, false);
    return { app: app.id, q };
  };
  const storage = () => fastify.idem.engine.storage;

  const resolve = async (app: string, userId: string) => {
    if (!/^\d{1,16}$/.test(userId)) throw new ApiError(400, 'invalid_request', 'user_id must be a decimal user id');
    const user = await storage().getUser(app, userId);
    if (!user) throw new ApiError(404, 'user_not_found', `no user ${userId}`);
    return user.rootId;
  };

  fastify.get('/api/v1/users/:userId', async (req) => {
    const { app } = auth(req);
    const root = await resolve(app, (req.params as { userId: string }).userId);
    const summary = await storage().summary(app, root);
    if (!summary) throw new ApiError(404, 'user_not_found', 'no such user');
    return userJson(summary);
  });

  fastify.get('/api/v1/users', async (req) => {
    const { app, q } = auth(req);
    const identity = one(q, 'identity');
    if (identity !== undefined) {
      const checked = normalizeIdentity(identity);
      if (!checked.ok) throw new ApiError(400, checked.reason, `identity refused (${checked.reason})`);
      const user = await storage().getUserByIdentity(app, checked.identity);
      const summary = user && (await storage().summary(app, user.rootId));
      if (!summary) throw new ApiError(404, 'user_not_found', 'no user has this identity');
      return userJson(summary);
    }
    // A cursor this collector did not make is an error, not the first page again (a client would loop).
    const cursor = one(q, 'cursor') || null;
    if (cursor && !decodeCursor(cursor)) throw new ApiError(400, 'invalid_request', 'cursor is not one this collector returned');
    const page = await storage().listUsers(app, {
      limit: int(q, 'limit', 50, 500),
      cursor,
      search: one(q, 'q')?.slice(0, 255) || null,
      filters: filters(q),
    });
    return { users: page.users.map(userJson), next_cursor: page.nextCursor };
  });

  fastify.get('/api/v1/users/:userId/events', async (req) => {
    const { app, q } = auth(req);
    const root = await resolve(app, (req.params as { userId: string }).userId);
    const order = one(q, 'order') ?? 'oldest';
    if (order !== 'oldest' && order !== 'newest') throw new ApiError(400, 'invalid_request', 'order is oldest or newest');
    const token = one(q, 'cursor');
    const after = token ? decodeEventCursor(token) : null;
    if (token && !after) throw new ApiError(400, 'invalid_request', 'cursor is not one this collector returned');
    const page = await storage().events(app, root, { limit: int(q, 'limit', 1000, 10000), order, after });
    return { events: page.events.map(eventJson), next_cursor: page.next ? encodeEventCursor(page.next) : null };
  });

  fastify.get('/api/v1/warnings', async (req) => {
    const { app, q } = auth(req);
    const userId = one(q, 'user_id');
    let userIds: string[] | undefined;
    if (userId) {
      const root = await resolve(app, userId);
      const summary = await storage().summary(app, root);
      userIds = [root, ...(summary?.mergedUserIds ?? [])];
    }
    const rows = await storage().warnings(app, { ...(userIds ? { userIds } : {}), limit: int(q, 'limit', 100, 1000) });
    return {
      warnings: rows.map((w) => ({
        message_id: w.messageId,
        user_id: w.userId,
        identity: w.identity,
        reason: w.reason,
        detail: w.detail,
        time: formatTime(w.time),
      })),
    };
  });

  fastify.get('/api/v1/properties', async (req) => {
    const { app } = auth(req);
    return { properties: await storage().propertyKeys(app), events: await storage().eventNames(app) };
  });

  fastify.get('/api/v1/charts/breakdown', async (req) => {
    const { app, q } = auth(req);
    const property = one(q, 'property');
    if (!property) throw new ApiError(400, 'invalid_request', 'property is required');
    const rows = await storage().breakdown(app, {
      property,
      event: one(q, 'event') || null,
      filters: filters(q),
      limit: int(q, 'limit', 50, 500),
    });
    return { property, rows };
  });

  fastify.get('/api/v1/charts/timeseries', async (req) => {
    const { app, q } = auth(req);
    const property = one(q, 'property');
    if (!property) throw new ApiError(400, 'invalid_request', 'property is required');
    const interval = one(q, 'interval') ?? 'day';
    if (interval !== 'day' && interval !== 'week') throw new ApiError(400, 'invalid_request', 'interval is day or week');
    const to = one(q, 'to') ? isoTime(one(q, 'to') as string) : fastify.idem.engine.clock.now() + 1;
    const from = one(q, 'from') ? isoTime(one(q, 'from') as string) : to - 30 * 24 * 3600 * 1000;
    if (!Number.isFinite(from) || !Number.isFinite(to)) throw new ApiError(400, 'invalid_request', 'from and to must be ISO 8601 times');
    const rows = await storage().timeseries(app, { property, event: one(q, 'event') || null, filters: filters(q), interval, from, to });
    return { property, interval, rows };
  });
}
