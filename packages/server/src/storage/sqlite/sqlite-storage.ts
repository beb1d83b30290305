import type { PropertyValue } from '@idem/core';
import Database from 'better-sqlite3';
import type { AdminStorage, AdminTx } from '../admin-types.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { EventRow, ListUsersQuery, Storage, StoredProperty, Tx, UserRow, UserSummary, WarningRow } from '../types.js';
import { SQLITE_MIGRATIONS } from './schema.js';
import { sqliteAdminTx, sqliteAudit } from './sqlite-admin.js';
import { sqliteCharts } from './sqlite-charts.js';

type Row = Record<string, unknown>;

const toUser = (r: Row | undefined): UserRow | null =>
  r
    ? {
        userId: r.user_id as string,
        rootId: r.root_id as string,
        identity: (r.identity as string | null) ?? null,
        serverCreated: r.server_created === 1,
        firstSeen: (r.first_seen as number | null) ?? null,
        lastSeen: (r.last_seen as number | null) ?? null,
      }
    : null;

export interface SqliteOptions {
  /** A file path, or ':memory:'. */
  path: string;
  /** 'normal' survives a process crash (WAL); 'full' also survives power loss. */
  synchronous?: 'normal' | 'full';
}

/**
 * SQLite storage: one file, WAL, one writer. better-sqlite3 is synchronous, so transactions are
 * serialised through a promise queue; the engine's awaits inside a transaction never interleave.
 */
export function openSqliteStorage(options: SqliteOptions): Storage {
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);

  const s = <T extends unknown[] = unknown[]>(sql: string) => {
    const stmt = db.prepare(sql);
    return stmt as unknown as {
      get: (...a: T) => Row | undefined;
      all: (...a: T) => Row[];
      run: (...a: T) => { changes: number; lastInsertRowid: number | bigint };
    };
  };

  const q = {
    getUser: s('SELECT * FROM users WHERE app_id = ? AND user_id = ?'),
    byIdentity: s('SELECT * FROM users WHERE app_id = ? AND identity = ?'),
    createUser: s(
      'INSERT INTO users (app_id, user_id, root_id, identity, server_created, first_seen, last_seen, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    setIdentity: s('UPDATE users SET identity = ? WHERE app_id = ? AND user_id = ?'),
    touch: s(
      'UPDATE users SET first_seen = min(coalesce(first_seen, @t), @t), last_seen = max(coalesce(last_seen, @t), @t) WHERE app_id = @app AND user_id = @id',
    ),
    countAttach: s('SELECT count(*) AS n FROM identity_attachments WHERE app_id = ? AND identity = ? AND time > ? AND time <= ?'),
    addAttach: s('INSERT INTO identity_attachments (app_id, identity, user_id, time) VALUES (?, ?, ?, ?)'),
    // Without statistics (no ANALYZE) SQLite takes `app_id = ?` on the primary key for selective and
    // scans every user of the app; these statements name their index or join order instead
    // (bench/: a merge, a user summary and a user's events are then independent of the app's size).
    relink: s('UPDATE users INDEXED BY users_root SET root_id = ? WHERE app_id = ? AND root_id = ?'),
    addMerge: s('INSERT INTO merges (app_id, from_id, into_id, time, message_id) VALUES (?, ?, ?, ?, ?)'),
    propsOf: s('SELECT key, value, time, seq FROM user_props WHERE app_id = ? AND root_id = ? ORDER BY key'),
    dropProps: s('DELETE FROM user_props WHERE app_id = ? AND root_id = ?'),
    countsOf: s('SELECT name, count FROM user_event_counts WHERE app_id = ? AND root_id = ?'),
    dropCounts: s('DELETE FROM user_event_counts WHERE app_id = ? AND root_id = ?'),
    addCount: s(
      'INSERT INTO user_event_counts (app_id, root_id, name, count) VALUES (?, ?, ?, ?) ON CONFLICT (app_id, root_id, name) DO UPDATE SET count = count + excluded.count',
    ),
    insertEvent: s(
      'INSERT INTO events (app_id, id, user_id, session_id, type, name, properties, time, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, id) DO NOTHING',
    ),
    claimMessage: s('INSERT INTO messages (app_id, id) VALUES (?, ?) ON CONFLICT DO NOTHING'),
    eventUserOf: s('SELECT user_id FROM events WHERE app_id = ? AND id = ?'),
    messageKnown: s('SELECT 1 AS n FROM messages WHERE app_id = ? AND id = ?'),
    writeProp: s('INSERT INTO property_writes (app_id, user_id, key, value, time) VALUES (?, ?, ?, ?, ?)'),
    getProp: s('SELECT key, value, time, seq FROM user_props WHERE app_id = ? AND root_id = ? AND key = ?'),
    setProp: s(
      'INSERT INTO user_props (app_id, root_id, key, value, time, seq) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, root_id, key) DO UPDATE SET value = excluded.value, time = excluded.time, seq = excluded.seq',
    ),
    addWarning: s('INSERT INTO warnings (app_id, message_id, user_id, identity, reason, detail, time) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    merged: s(
      'SELECT user_id FROM users INDEXED BY users_root WHERE app_id = ? AND root_id = ? AND user_id != root_id ORDER BY created_at, user_id',
    ),
    sessions: s(
      'SELECT count(DISTINCT e.session_id) AS n FROM users u CROSS JOIN events e ON e.app_id = u.app_id AND e.user_id = u.user_id WHERE u.app_id = ? AND u.root_id = ? AND e.session_id IS NOT NULL',
    ),
    roots: s('SELECT user_id FROM users WHERE app_id = ? AND user_id = root_id ORDER BY created_at, user_id'),
    // The distinct keys and names in order, one index seek each (a skip-scan), instead of reading
    // every user's row: DISTINCT alone scans the whole index (about a second at 1M users).
    propKeys: s(
      'WITH RECURSIVE k(key) AS (SELECT (SELECT min(key) FROM user_props WHERE app_id = @app) UNION ALL SELECT (SELECT min(key) FROM user_props WHERE app_id = @app AND key > k.key) FROM k WHERE k.key IS NOT NULL) SELECT key FROM k WHERE key IS NOT NULL',
    ),
    eventNames: s(
      'WITH RECURSIVE k(name) AS (SELECT (SELECT min(name) FROM user_event_counts WHERE app_id = @app) UNION ALL SELECT (SELECT min(name) FROM user_event_counts WHERE app_id = @app AND name > k.name) FROM k WHERE k.name IS NOT NULL) SELECT name FROM k WHERE name IS NOT NULL',
    ),
  };

  const parseValue = (text: unknown): PropertyValue => JSON.parse(text as string) as PropertyValue;
  const toProp = (r: Row): StoredProperty => ({
    key: r.key as string,
    value: parseValue(r.value),
    time: r.time as number,
    seq: r.seq as number,
  });

  const tx: Tx = {
    async getUser(app, userId) {
      return toUser(q.getUser.get(app, userId));
    },
    async findByIdentity(app, identity) {
      return toUser(q.byIdentity.get(app, identity));
    },
    async createUser(app, u) {
      const seen = u.serverCreated ? u.time : null;
      q.createUser.run(app, u.userId, u.userId, u.identity, u.serverCreated ? 1 : 0, seen, seen, u.time);
    },
    async setIdentity(app, rootId, identity) {
      q.setIdentity.run(identity, app, rootId);
    },
    async touchSeen(app, rootId, time) {
      q.touch.run({ t: time, app, id: rootId });
    },
    async countAttachments(app, identity, from, to) {
      return (q.countAttach.get(app, identity, from, to)?.n as number) ?? 0;
    },
    async addAttachment(app, identity, userId, time) {
      q.addAttach.run(app, identity, userId, time);
    },
    async linkMerge(app, from, into, time, messageId) {
      q.relink.run(into, app, from);
      q.addMerge.run(app, from, into, time, messageId);
    },
    async foldSummaries(app, from, into, pick) {
      for (const row of q.propsOf.all(app, from)) {
        const incoming = toProp(row);
        const existing = q.getProp.get(app, into, incoming.key);
        const win = existing ? pick(incoming.key, toProp(existing), incoming) : incoming;
        q.setProp.run(app, into, win.key, JSON.stringify(win.value), win.time, win.seq);
      }
      q.dropProps.run(app, from);
      for (const row of q.countsOf.all(app, from)) q.addCount.run(app, into, row.name, row.count);
      q.dropCounts.run(app, from);
      const old = toUser(q.getUser.get(app, from));
      if (old?.firstSeen != null) q.touch.run({ t: old.firstSeen, app, id: into });
      if (old?.lastSeen != null) q.touch.run({ t: old.lastSeen, app, id: into });
    },
    async insertEvent(app, rootId, e) {
      const r = q.insertEvent.run(app, e.id, e.userId, e.sessionId, e.type, e.name, JSON.stringify(e.properties), e.time, e.url);
      if (r.changes === 0) return false;
      if (e.type === 'track') q.addCount.run(app, rootId, e.name, 1);
      return true;
    },
    async messageSeen(app, id) {
      const event = q.eventUserOf.get(app, id);
      if (event) return event.user_id as string;
      return q.messageKnown.get(app, id) ? true : null;
    },
    async claimMessageId(app, id) {
      return q.claimMessage.run(app, id).changes === 1;
    },
    async writeProperty(app, userId, key, value, time) {
      return Number(q.writeProp.run(app, userId, key, JSON.stringify(value), time).lastInsertRowid);
    },
    async getCurrentProperty(app, rootId, key) {
      const r = q.getProp.get(app, rootId, key);
      return r ? toProp(r) : null;
    },
    async setCurrentProperty(app, rootId, p) {
      q.setProp.run(app, rootId, p.key, JSON.stringify(p.value), p.time, p.seq);
    },
    async addWarning(app, w: WarningRow) {
      q.addWarning.run(app, w.messageId, w.userId, w.identity, w.reason, w.detail, w.time);
    },
  };

  let queue: Promise<unknown> = Promise.resolve();
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');

  const summary = async (app: string, rootId: string): Promise<UserSummary | null> => {
    const root = toUser(q.getUser.get(app, rootId));
    if (!root) return null;
    const properties: Record<string, PropertyValue> = {};
    for (const r of q.propsOf.all(app, rootId)) properties[r.key as string] = parseValue(r.value);
    return {
      userId: root.userId,
      identity: root.identity,
      firstSeen: root.firstSeen,
      lastSeen: root.lastSeen,
      properties,
      mergedUserIds: q.merged.all(app, rootId).map((r) => r.user_id as string),
      sessions: (q.sessions.get(app, rootId)?.n as number) ?? 0,
    };
  };

  /** Property filters as EXISTS clauses on the current-properties table (value compared as text). */
  const filterSql = (app: string, filters: { key: string; value: string }[] | undefined, rootCol: string, params: unknown[]) => {
    let sql = '';
    for (const f of filters ?? []) {
      sql += ` AND EXISTS (SELECT 1 FROM user_props f WHERE f.app_id = ? AND f.root_id = ${rootCol} AND f.key = ? AND (f.value = json_quote(?) OR f.value = ?))`;
      params.push(app, f.key, f.value, f.value);
    }
    return sql;
  };

  /** One transaction at a time: better-sqlite3 is synchronous, the engine's awaits are not. */
  const serialised = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = async () => {
      begin.run();
      try {
        const result = await fn();
        commit.run();
        return result;
      } catch (error) {
        if (db.inTransaction) rollback.run();
        throw error;
      }
    };
    const next = queue.then(run, run);
    queue = next.catch(() => {});
    return next;
  };
  const admin = sqliteAdminTx(db, tx);
  const charts = sqliteCharts(db, serialised, Date.now);

  const storage: Storage & AdminStorage = {
    kind: 'sqlite',
    transaction<T>(fn: (t: Tx) => Promise<T>): Promise<T> {
      return serialised(() => fn(tx));
    },
    adminTransaction<T>(fn: (t: AdminTx) => Promise<T>): Promise<T> {
      return serialised(() => fn(admin));
    },
    async audit(app, limit) {
      return sqliteAudit(db, app, limit);
    },
    async lockIdentity() {},
    async lockUser() {},
    async getUser(app, userId) {
      return toUser(q.getUser.get(app, userId));
    },
    async getUserByIdentity(app, identity) {
      return toUser(q.byIdentity.get(app, identity));
    },
    summary,
    async listUsers(app, query: ListUsersQuery) {
      const params: unknown[] = [app];
      let sql = 'SELECT u.user_id, u.last_seen FROM users u WHERE u.app_id = ? AND u.user_id = u.root_id';
      if (query.search) {
        sql += ` AND (u.identity LIKE ? ESCAPE '\\' OR u.user_id LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM users m WHERE m.app_id = u.app_id AND m.root_id = u.user_id AND m.user_id LIKE ? ESCAPE '\\'))`;
        const like = `${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        params.push(like, like, like);
      }
      sql += filterSql(app, query.filters, 'u.user_id', params);
      const cursor = decodeCursor(query.cursor);
      if (cursor) {
        sql += ' AND (coalesce(u.last_seen, -1) < ? OR (coalesce(u.last_seen, -1) = ? AND u.user_id > ?))';
        params.push(cursor.lastSeen, cursor.lastSeen, cursor.userId);
      }
      // The order of the users_last_seen index (NULLs sort last in DESC, as -1 would), so the first
      // page walks the index and stops after `limit` matches instead of sorting every user.
      sql += ' ORDER BY u.last_seen DESC, u.user_id LIMIT ?';
      params.push(query.limit + 1);
      const rows = db.prepare(sql).all(...params) as Row[];
      const page = rows.slice(0, query.limit);
      const users = (await Promise.all(page.map((r) => summary(app, r.user_id as string)))).filter((u): u is UserSummary => !!u);
      const last = page[page.length - 1];
      const nextCursor =
        rows.length > query.limit && last
          ? encodeCursor({ lastSeen: (last.last_seen as number | null) ?? -1, userId: last.user_id as string })
          : null;
      return { users, nextCursor };
    },
    async allRootIds(app) {
      return q.roots.all(app).map((r) => r.user_id as string);
    },
    async events(app, rootId, query) {
      const newest = query.order === 'newest';
      const params: unknown[] = [app, rootId];
      // Keyset paging on (time, seq): the next page starts after the last event of this one.
      let sql =
        'SELECT e.* FROM users u CROSS JOIN events e ON e.app_id = u.app_id AND e.user_id = u.user_id WHERE u.app_id = ? AND u.root_id = ?';
      if (query.after) {
        sql += newest ? ' AND (e.time, e.seq) < (?, ?)' : ' AND (e.time, e.seq) > (?, ?)';
        params.push(query.after.time, query.after.seq);
      }
      sql += newest ? ' ORDER BY e.time DESC, e.seq DESC LIMIT ?' : ' ORDER BY e.time, e.seq LIMIT ?';
      const found = db.prepare(sql).all(...params, query.limit + 1) as Row[];
      const page = found.slice(0, query.limit);
      const last = page.at(-1);
      return {
        events: page.map((r) => ({
          id: r.id as string,
          userId: r.user_id as string,
          sessionId: (r.session_id as string | null) ?? null,
          type: r.type as EventRow['type'],
          name: r.name as string,
          properties: JSON.parse(r.properties as string),
          time: r.time as number,
          url: (r.url as string | null) ?? null,
        })),
        next: found.length > query.limit && last ? { time: last.time as number, seq: last.seq as number } : null,
      };
    },
    async warnings(app, filter) {
      const params: unknown[] = [app];
      let sql = 'SELECT * FROM warnings WHERE app_id = ?';
      if (filter.userIds) {
        sql += ` AND user_id IN (${filter.userIds.map(() => '?').join(',') || 'NULL'})`;
        params.push(...filter.userIds);
      }
      sql += ' ORDER BY seq DESC LIMIT ?';
      params.push(filter.limit);
      return (db.prepare(sql).all(...params) as Row[]).map((r) => ({
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
      return q.propKeys.all({ app }).map((r) => r.key as string);
    },
    async eventNames(app) {
      return q.eventNames.all({ app }).map((r) => r.name as string);
    },
    breakdown: charts.breakdown,
    timeseries: charts.timeseries,
    async close() {
      await queue;
      db.close();
    },
  };
  return storage;
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  SQLITE_MIGRATIONS.forEach((sql, i) => {
    const version = i + 1;
    if (done.has(version)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    })();
  });
}
