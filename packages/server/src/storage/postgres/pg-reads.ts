import type { PropertyValue } from '@idem/core';
import type { Pool } from 'pg';
import { fetchFor, rowsByLabel } from '../chart-rows.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { BreakdownQuery, EventRow, ListUsersQuery, Storage, TimeseriesQuery, UserSummary } from '../types.js';
import { parseValue, toUser, USER_COLUMNS } from './pg-tx.js';

type Row = Record<string, unknown>;
type Reads = Pick<
  Storage,
  | 'getUser'
  | 'getUserByIdentity'
  | 'summary'
  | 'listUsers'
  | 'allRootIds'
  | 'events'
  | 'warnings'
  | 'propertyKeys'
  | 'eventNames'
  | 'breakdown'
  | 'timeseries'
>;

/** Numbered parameters for a query built piece by piece. */
class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/**
 * Property filters as EXISTS clauses on the current-properties table. As in SQLite, a filter value
 * matches the stored JSON text of a string (`"Growth"`) or the raw text of a number or boolean (`42`).
 */
function filterSql(app: string, filters: { key: string; value: string }[] | undefined, rootCol: string, p: Params): string {
  let sql = '';
  for (const f of filters ?? []) {
    sql += ` AND EXISTS (SELECT 1 FROM user_props f WHERE f.app_id = ${p.add(app)} AND f.root_id = ${rootCol} AND f.key = ${p.add(f.key)} AND (f.value = ${p.add(JSON.stringify(f.value))} OR f.value = ${p.add(f.value)}))`;
  }
  return sql;
}

/** Day (YYYY-MM-DD) and ISO 8601 week (YYYY-Www: Monday weeks, the year that holds their Thursday), in UTC, as SQLite's strftime. */
function bucketSql(interval: 'day' | 'week', ts: string): string {
  if (interval === 'day') return `to_char(${ts}, 'YYYY-MM-DD')`;
  return `to_char(${ts}, 'IYYY-"W"IW')`;
}

export function pgReads(pool: Pool): Reads {
  const rows = async (text: string, values: unknown[], name?: string): Promise<Row[]> =>
    (await pool.query<Row>(name ? { name, text, values } : { text, values })).rows;

  /** Summaries of several roots in four queries, in the order of `rootIds`. */
  const summaries = async (app: string, rootIds: string[]): Promise<UserSummary[]> => {
    if (rootIds.length === 0) return [];
    const [roots, props, merged, sessions] = await Promise.all([
      rows(`SELECT ${USER_COLUMNS} FROM users WHERE app_id = $1 AND user_id = ANY($2::text[])`, [app, rootIds], 'idem_r_roots'),
      rows(
        'SELECT root_id, key, value FROM user_props WHERE app_id = $1 AND root_id = ANY($2::text[]) ORDER BY root_id, key COLLATE "C"',
        [app, rootIds],
        'idem_r_props',
      ),
      rows(
        'SELECT root_id, user_id FROM users WHERE app_id = $1 AND root_id = ANY($2::text[]) AND user_id <> root_id ORDER BY created_at, user_id',
        [app, rootIds],
        'idem_r_merged',
      ),
      rows(
        `SELECT u.root_id, count(DISTINCT e.session_id) AS n FROM users u JOIN events e ON e.app_id = u.app_id AND e.user_id = u.user_id
         WHERE u.app_id = $1 AND u.root_id = ANY($2::text[]) AND e.session_id IS NOT NULL GROUP BY u.root_id`,
        [app, rootIds],
        'idem_r_sessions',
      ),
    ]);
    const byId = new Map<string, UserSummary>();
    for (const r of roots) {
      const u = toUser(r);
      if (u)
        byId.set(u.userId, {
          userId: u.userId,
          identity: u.identity,
          firstSeen: u.firstSeen,
          lastSeen: u.lastSeen,
          properties: {},
          mergedUserIds: [],
          sessions: 0,
        });
    }
    for (const r of props) {
      const s = byId.get(r.root_id as string);
      if (s) s.properties[r.key as string] = parseValue(r.value);
    }
    for (const r of merged) byId.get(r.root_id as string)?.mergedUserIds.push(r.user_id as string);
    for (const r of sessions) {
      const s = byId.get(r.root_id as string);
      if (s) s.sessions = r.n as number;
    }
    return rootIds.map((id) => byId.get(id)).filter((s): s is UserSummary => !!s);
  };

  return {
    async getUser(app, userId) {
      return toUser((await rows(`SELECT ${USER_COLUMNS} FROM users WHERE app_id = $1 AND user_id = $2`, [app, userId], 'idem_r_user'))[0]);
    },
    async getUserByIdentity(app, identity) {
      return toUser(
        (await rows(`SELECT ${USER_COLUMNS} FROM users WHERE app_id = $1 AND identity = $2`, [app, identity], 'idem_r_identity'))[0],
      );
    },
    async summary(app, rootId) {
      return (await summaries(app, [rootId]))[0] ?? null;
    },
    async listUsers(app, query: ListUsersQuery) {
      const p = new Params();
      const a = p.add(app);
      let sql = `SELECT u.user_id, u.last_seen FROM users u WHERE u.app_id = ${a} AND u.user_id = u.root_id`;
      if (query.search) {
        const like = p.add(`${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
        sql += ` AND (u.identity ILIKE ${like} OR u.user_id LIKE ${like} OR EXISTS (SELECT 1 FROM users m WHERE m.app_id = u.app_id AND m.root_id = u.user_id AND m.user_id LIKE ${like}))`;
      }
      sql += filterSql(app, query.filters, 'u.user_id', p);
      const cursor = decodeCursor(query.cursor);
      if (cursor) {
        const seen = p.add(cursor.lastSeen);
        sql += ` AND (coalesce(u.last_seen, -1) < ${seen} OR (coalesce(u.last_seen, -1) = ${seen} AND u.user_id > ${p.add(cursor.userId)}))`;
      }
      sql += ` ORDER BY coalesce(u.last_seen, -1) DESC, u.user_id LIMIT ${p.add(query.limit + 1)}`;
      const found = await rows(sql, p.values);
      const page = found.slice(0, query.limit);
      const users = await summaries(
        app,
        page.map((r) => r.user_id as string),
      );
      const last = page[page.length - 1];
      const nextCursor =
        found.length > query.limit && last
          ? encodeCursor({ lastSeen: (last.last_seen as number | null) ?? -1, userId: last.user_id as string })
          : null;
      return { users, nextCursor };
    },
    async allRootIds(app) {
      return (
        await rows(
          'SELECT user_id FROM users WHERE app_id = $1 AND user_id = root_id ORDER BY created_at, user_id',
          [app],
          'idem_r_all_roots',
        )
      ).map((r) => r.user_id as string);
    },
    async events(app, rootId, query) {
      const newest = query.order === 'newest';
      const p = new Params();
      let sql = `SELECT e.id, e.user_id, e.session_id, e.type, e.name, e.properties, e.time, e.url, e.seq
         FROM users u JOIN events e ON e.app_id = u.app_id AND e.user_id = u.user_id
         WHERE u.app_id = ${p.add(app)} AND u.root_id = ${p.add(rootId)}`;
      // Keyset paging on (time, seq): the next page starts after the last event of this one.
      if (query.after) sql += ` AND (e.time, e.seq) ${newest ? '<' : '>'} (${p.add(query.after.time)}, ${p.add(query.after.seq)})`;
      sql += newest ? ' ORDER BY e.time DESC, e.seq DESC' : ' ORDER BY e.time, e.seq';
      sql += ` LIMIT ${p.add(query.limit + 1)}`;
      const found = await rows(sql, p.values);
      const page = found.slice(0, query.limit);
      const last = page.at(-1);
      return {
        events: page.map(
          (r): EventRow => ({
            id: r.id as string,
            userId: r.user_id as string,
            sessionId: (r.session_id as string | null) ?? null,
            type: r.type as EventRow['type'],
            name: r.name as string,
            properties: JSON.parse(r.properties as string) as Record<string, PropertyValue>,
            time: r.time as number,
            url: (r.url as string | null) ?? null,
          }),
        ),
        next: found.length > query.limit && last ? { time: Number(last.time), seq: Number(last.seq) } : null,
      };
    },
    async warnings(app, filter) {
      const p = new Params();
      let sql = `SELECT * FROM warnings WHERE app_id = ${p.add(app)}`;
      if (filter.userIds) sql += ` AND user_id = ANY(${p.add(filter.userIds)}::text[])`;
      sql += ` ORDER BY seq DESC LIMIT ${p.add(filter.limit)}`;
      return (await rows(sql, p.values)).map((r) => ({
        seq: r.seq as number,
        messageId: (r.message_id as string | null) ?? null,
        userId: (r.user_id as string | null) ?? null,
        identity: (r.identity as string | null) ?? null,
        reason: r.reason as string,
        detail: r.detail as string,
        time: r.time as number,
      }));
    },
    async propertyKeys(app) {
      return (await rows('SELECT DISTINCT key FROM user_props WHERE app_id = $1 ORDER BY key', [app], 'idem_r_keys')).map(
        (r) => r.key as string,
      );
    },
    async eventNames(app) {
      return (await rows('SELECT DISTINCT name FROM user_event_counts WHERE app_id = $1 ORDER BY name', [app], 'idem_r_names')).map(
        (r) => r.name as string,
      );
    },
    async breakdown(app, query: BreakdownQuery) {
      const p = new Params();
      let sql = 'SELECT p.value AS value, count(*) AS users FROM user_props p';
      if (query.event)
        sql += ` JOIN user_event_counts c ON c.app_id = p.app_id AND c.root_id = p.root_id AND c.name = ${p.add(query.event)}`;
      sql += ` WHERE p.app_id = ${p.add(app)} AND p.key = ${p.add(query.property)}`;
      sql += filterSql(app, query.filters, 'p.root_id', p);
      const limit = query.limit ?? 50;
      sql += ` GROUP BY p.value ORDER BY users DESC, p.value LIMIT ${p.add(fetchFor(limit))}`;
      return rowsByLabel(await rows(sql, p.values), limit);
    },
    async timeseries(app, query: TimeseriesQuery) {
      const p = new Params();
      const ts = "(to_timestamp(u.first_seen / 1000) AT TIME ZONE 'UTC')";
      let sql = `SELECT ${bucketSql(query.interval, ts)} AS bucket, p.value AS value, count(*) AS users
        FROM user_props p JOIN users u ON u.app_id = p.app_id AND u.user_id = p.root_id`;
      if (query.event)
        sql += ` JOIN user_event_counts c ON c.app_id = p.app_id AND c.root_id = p.root_id AND c.name = ${p.add(query.event)}`;
      sql += ` WHERE p.app_id = ${p.add(app)} AND p.key = ${p.add(query.property)} AND u.first_seen >= ${p.add(query.from)} AND u.first_seen < ${p.add(query.to)}`;
      sql += filterSql(app, query.filters, 'p.root_id', p);
      sql += ' GROUP BY bucket, p.value ORDER BY bucket, users DESC, p.value';
      return rowsByLabel(await rows(sql, p.values));
    },
  };
}
