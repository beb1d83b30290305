import type Database from 'better-sqlite3';
import type { AdminTx, AuditEntry, ExportRows } from '../admin-types.js';
import type { StoredProperty, Tx } from '../types.js';

type Row = Record<string, unknown>;

/** SQLite's side of the admin operations; runs inside the storage's serialised transactions. */
export function sqliteAdminTx(db: Database.Database, tx: Tx): AdminTx {
  const members = (app: string, rootId: string) =>
    (db.prepare('SELECT user_id FROM users WHERE app_id = ? AND root_id = ? ORDER BY created_at, user_id').all(app, rootId) as Row[]).map(
      (r) => r.user_id as string,
    );
  const inList = (ids: string[]) => ids.map(() => '?').join(',') || 'NULL';

  return {
    ...tx,
    async members(app, rootId) {
      return members(app, rootId);
    },
    async unlink(app, userId, time) {
      db.prepare('UPDATE users SET root_id = user_id, identity = NULL WHERE app_id = ? AND user_id = ?').run(app, userId);
      db.prepare('UPDATE merges SET undone_at = ? WHERE app_id = ? AND from_id = ? AND undone_at IS NULL').run(time, app, userId);
      db.prepare('DELETE FROM identity_attachments WHERE app_id = ? AND user_id = ?').run(app, userId);
    },
    async rebuildSummaries(app, rootId, pick) {
      const ids = members(app, rootId);
      db.prepare('DELETE FROM user_props WHERE app_id = ? AND root_id = ?').run(app, rootId);
      db.prepare('DELETE FROM user_event_counts WHERE app_id = ? AND root_id = ?').run(app, rootId);
      const writes = db
        .prepare(`SELECT key, value, time, seq FROM property_writes WHERE app_id = ? AND user_id IN (${inList(ids)}) ORDER BY seq`)
        .all(app, ...ids) as Row[];
      const current = new Map<string, StoredProperty>();
      for (const w of writes) {
        const write = { key: w.key as string, value: JSON.parse(w.value as string), time: w.time as number, seq: w.seq as number };
        const existing = current.get(write.key);
        current.set(write.key, existing ? pick(write.key, existing, write) : write);
      }
      const set = db.prepare('INSERT INTO user_props (app_id, root_id, key, value, time, seq) VALUES (?, ?, ?, ?, ?, ?)');
      for (const p of current.values()) set.run(app, rootId, p.key, JSON.stringify(p.value), p.time, p.seq);
      db.prepare(
        `INSERT INTO user_event_counts (app_id, root_id, name, count) SELECT ?, ?, name, count(*) FROM events WHERE app_id = ? AND type = 'track' AND user_id IN (${inList(ids)}) GROUP BY name`,
      ).run(app, rootId, app, ...ids);
      const seen = db
        .prepare(
          `SELECT min(t) AS first, max(t) AS last FROM (
             SELECT time AS t FROM events WHERE app_id = ? AND user_id IN (${inList(ids)})
             UNION ALL SELECT time FROM property_writes WHERE app_id = ? AND user_id IN (${inList(ids)})
             UNION ALL SELECT time FROM identity_attachments WHERE app_id = ? AND user_id IN (${inList(ids)})
             UNION ALL SELECT created_at FROM users WHERE app_id = ? AND user_id IN (${inList(ids)}) AND server_created = 1)`,
        )
        .get(app, ...ids, app, ...ids, app, ...ids, app, ...ids) as Row;
      db.prepare('UPDATE users SET first_seen = ?, last_seen = ? WHERE app_id = ? AND user_id = ?').run(
        seen.first ?? null,
        seen.last ?? null,
        app,
        rootId,
      );
    },
    async deleteUsers(app, userIds) {
      const list = inList(userIds);
      const events = db.prepare(`DELETE FROM events WHERE app_id = ? AND user_id IN (${list})`).run(app, ...userIds).changes;
      for (const sql of [
        `DELETE FROM property_writes WHERE app_id = ? AND user_id IN (${list})`,
        `DELETE FROM user_props WHERE app_id = ? AND root_id IN (${list})`,
        `DELETE FROM user_event_counts WHERE app_id = ? AND root_id IN (${list})`,
        `DELETE FROM identity_attachments WHERE app_id = ? AND user_id IN (${list})`,
        `DELETE FROM warnings WHERE app_id = ? AND user_id IN (${list})`,
        `DELETE FROM users WHERE app_id = ? AND user_id IN (${list})`,
      ])
        db.prepare(sql).run(app, ...userIds);
      db.prepare(`DELETE FROM merges WHERE app_id = ? AND (from_id IN (${list}) OR into_id IN (${list}))`).run(app, ...userIds, ...userIds);
      return { events };
    },
    async exportRows(app, userIds): Promise<ExportRows> {
      const list = inList(userIds);
      const users = (
        db.prepare(`SELECT * FROM users WHERE app_id = ? AND user_id IN (${list}) ORDER BY created_at`).all(app, ...userIds) as Row[]
      ).map((r) => ({
        userId: r.user_id as string,
        rootId: r.root_id as string,
        identity: (r.identity as string | null) ?? null,
        serverCreated: r.server_created === 1,
        firstSeen: (r.first_seen as number | null) ?? null,
        lastSeen: (r.last_seen as number | null) ?? null,
      }));
      const events = (
        db.prepare(`SELECT * FROM events WHERE app_id = ? AND user_id IN (${list}) ORDER BY time, seq`).all(app, ...userIds) as Row[]
      ).map((r) => ({
        id: r.id as string,
        userId: r.user_id as string,
        sessionId: (r.session_id as string | null) ?? null,
        type: r.type as 'pageview' | 'track',
        name: r.name as string,
        properties: JSON.parse(r.properties as string),
        time: r.time as number,
        url: (r.url as string | null) ?? null,
      }));
      const propertyWrites = (
        db.prepare(`SELECT * FROM property_writes WHERE app_id = ? AND user_id IN (${list}) ORDER BY seq`).all(app, ...userIds) as Row[]
      ).map((r) => ({
        userId: r.user_id as string,
        key: r.key as string,
        value: JSON.parse(r.value as string),
        time: r.time as number,
        seq: r.seq as number,
      }));
      const merges = (
        db
          .prepare(`SELECT * FROM merges WHERE app_id = ? AND (from_id IN (${list}) OR into_id IN (${list})) ORDER BY seq`)
          .all(app, ...userIds, ...userIds) as Row[]
      ).map((r) => ({
        from: r.from_id as string,
        into: r.into_id as string,
        time: r.time as number,
        undoneAt: (r.undone_at as number | null) ?? null,
      }));
      const warnings = (
        db.prepare(`SELECT * FROM warnings WHERE app_id = ? AND user_id IN (${list}) ORDER BY seq`).all(app, ...userIds) as Row[]
      ).map((r) => ({
        messageId: (r.message_id as string | null) ?? null,
        userId: (r.user_id as string | null) ?? null,
        identity: (r.identity as string | null) ?? null,
        reason: r.reason as string,
        detail: r.detail as string,
        time: r.time as number,
      }));
      return { users, events, propertyWrites, merges, warnings };
    },
    async addAudit(app, e: AuditEntry) {
      db.prepare('INSERT INTO audit_log (app_id, action, target, actor, detail, time) VALUES (?, ?, ?, ?, ?, ?)').run(
        app,
        e.action,
        e.target,
        e.actor,
        e.detail,
        e.time,
      );
    },
  };
}

export function sqliteAudit(db: Database.Database, app: string, limit: number) {
  return (db.prepare('SELECT * FROM audit_log WHERE app_id = ? ORDER BY seq DESC LIMIT ?').all(app, limit) as Row[]).map((r) => ({
    seq: r.seq as number,
    action: r.action as AuditEntry['action'],
    target: r.target as string,
    actor: r.actor as string,
    detail: r.detail as string,
    time: r.time as number,
  }));
}
