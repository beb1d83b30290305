import type { AdminTx, AuditEntry, ExportRows } from '../admin-types.js';
import type { StoredProperty } from '../types.js';
import { LOCK_USER, PgTx, parseValue, toUser } from './pg-tx.js';

type Row = Record<string, unknown>;

/**
 * PostgreSQL's side of the admin operations (unmerge, split, delete, export). Every user id that is
 * moved or removed is locked first (with its root), as ingestion does, so an admin operation and
 * concurrent batches on other collectors never see half of each other.
 */
export class PgAdminTx extends PgTx implements AdminTx {
  private async raw(text: string, values: unknown[]) {
    await this.flush();
    return (await this.client.query<Row>({ text, values })).rows;
  }

  async members(app: string, rootId: string): Promise<string[]> {
    await this.lock(LOCK_USER, app, rootId);
    const rows = await this.raw('SELECT user_id FROM users WHERE app_id = $1 AND root_id = $2 ORDER BY created_at, user_id', [app, rootId]);
    for (const r of rows) await this.lock(LOCK_USER, app, r.user_id as string);
    return rows.map((r) => r.user_id as string);
  }

  async unlink(app: string, userId: string, time: number): Promise<void> {
    await this.lock(LOCK_USER, app, userId);
    this.pending.forget(app, null);
    await this.raw('UPDATE users SET root_id = user_id, identity = NULL WHERE app_id = $1 AND user_id = $2', [app, userId]);
    await this.raw('UPDATE merges SET undone_at = $1 WHERE app_id = $2 AND from_id = $3 AND undone_at IS NULL', [time, app, userId]);
    await this.raw('DELETE FROM identity_attachments WHERE app_id = $1 AND user_id = $2', [app, userId]);
  }

  async rebuildSummaries(
    app: string,
    rootId: string,
    pick: (key: string, a: StoredProperty, b: StoredProperty) => StoredProperty,
  ): Promise<void> {
    const ids = await this.members(app, rootId);
    await this.raw('DELETE FROM user_props WHERE app_id = $1 AND root_id = $2', [app, rootId]);
    await this.raw('DELETE FROM user_event_counts WHERE app_id = $1 AND root_id = $2', [app, rootId]);
    const writes = await this.raw(
      'SELECT key, value, time, seq FROM property_writes WHERE app_id = $1 AND user_id = ANY($2::text[]) ORDER BY seq',
      [app, ids],
    );
    const current = new Map<string, StoredProperty>();
    for (const w of writes) {
      const write = { key: w.key as string, value: parseValue(w.value), time: Number(w.time), seq: Number(w.seq) };
      const existing = current.get(write.key);
      current.set(write.key, existing ? pick(write.key, existing, write) : write);
    }
    for (const p of current.values())
      await this.raw('INSERT INTO user_props (app_id, root_id, key, value, time, seq) VALUES ($1, $2, $3, $4, $5, $6)', [
        app,
        rootId,
        p.key,
        JSON.stringify(p.value),
        p.time,
        p.seq,
      ]);
    await this.raw(
      `INSERT INTO user_event_counts (app_id, root_id, name, count)
       SELECT $1, $2, name, count(*) FROM events WHERE app_id = $1 AND type = 'track' AND user_id = ANY($3::text[]) GROUP BY name`,
      [app, rootId, ids],
    );
    const [seen] = await this.raw(
      `SELECT min(t) AS first, max(t) AS last FROM (
         SELECT time AS t FROM events WHERE app_id = $1 AND user_id = ANY($2::text[])
         UNION ALL SELECT time FROM property_writes WHERE app_id = $1 AND user_id = ANY($2::text[])
         UNION ALL SELECT time FROM identity_attachments WHERE app_id = $1 AND user_id = ANY($2::text[])
         UNION ALL SELECT created_at FROM users WHERE app_id = $1 AND user_id = ANY($2::text[]) AND server_created) s`,
      [app, ids],
    );
    this.pending.forget(app, null);
    await this.raw('UPDATE users SET first_seen = $1, last_seen = $2 WHERE app_id = $3 AND user_id = $4', [
      seen?.first ?? null,
      seen?.last ?? null,
      app,
      rootId,
    ]);
  }

  async deleteUsers(app: string, userIds: string[]): Promise<{ events: number }> {
    for (const id of userIds) await this.lock(LOCK_USER, app, id);
    this.pending.forget(app, null);
    await this.flush();
    const events =
      (await this.client.query({ text: 'DELETE FROM events WHERE app_id = $1 AND user_id = ANY($2::text[])', values: [app, userIds] }))
        .rowCount ?? 0;
    for (const sql of [
      'DELETE FROM property_writes WHERE app_id = $1 AND user_id = ANY($2::text[])',
      'DELETE FROM user_props WHERE app_id = $1 AND root_id = ANY($2::text[])',
      'DELETE FROM user_event_counts WHERE app_id = $1 AND root_id = ANY($2::text[])',
      'DELETE FROM identity_attachments WHERE app_id = $1 AND user_id = ANY($2::text[])',
      'DELETE FROM warnings WHERE app_id = $1 AND user_id = ANY($2::text[])',
      'DELETE FROM merges WHERE app_id = $1 AND (from_id = ANY($2::text[]) OR into_id = ANY($2::text[]))',
      'DELETE FROM users WHERE app_id = $1 AND user_id = ANY($2::text[])',
    ])
      await this.raw(sql, [app, userIds]);
    return { events };
  }

  async exportRows(app: string, userIds: string[]): Promise<ExportRows> {
    const users = (
      await this.raw('SELECT * FROM users WHERE app_id = $1 AND user_id = ANY($2::text[]) ORDER BY created_at', [app, userIds])
    ).map((r) => toUser(r) as NonNullable<ReturnType<typeof toUser>>);
    const events = (
      await this.raw('SELECT * FROM events WHERE app_id = $1 AND user_id = ANY($2::text[]) ORDER BY time, seq', [app, userIds])
    ).map((r) => ({
      id: r.id as string,
      userId: r.user_id as string,
      sessionId: (r.session_id as string | null) ?? null,
      type: r.type as 'pageview' | 'track',
      name: r.name as string,
      properties: JSON.parse(r.properties as string),
      time: Number(r.time),
      url: (r.url as string | null) ?? null,
    }));
    const propertyWrites = (
      await this.raw('SELECT * FROM property_writes WHERE app_id = $1 AND user_id = ANY($2::text[]) ORDER BY seq', [app, userIds])
    ).map((r) => ({
      userId: r.user_id as string,
      key: r.key as string,
      value: parseValue(r.value),
      time: Number(r.time),
      seq: Number(r.seq),
    }));
    const merges = (
      await this.raw('SELECT * FROM merges WHERE app_id = $1 AND (from_id = ANY($2::text[]) OR into_id = ANY($2::text[])) ORDER BY seq', [
        app,
        userIds,
      ])
    ).map((r) => ({
      from: r.from_id as string,
      into: r.into_id as string,
      time: Number(r.time),
      undoneAt: r.undone_at === null ? null : Number(r.undone_at),
    }));
    const warnings = (
      await this.raw('SELECT * FROM warnings WHERE app_id = $1 AND user_id = ANY($2::text[]) ORDER BY seq', [app, userIds])
    ).map((r) => ({
      messageId: (r.message_id as string | null) ?? null,
      userId: (r.user_id as string | null) ?? null,
      identity: (r.identity as string | null) ?? null,
      reason: r.reason as string,
      detail: r.detail as string,
      time: Number(r.time),
    }));
    return { users, events, propertyWrites, merges, warnings };
  }

  async addAudit(app: string, e: AuditEntry): Promise<void> {
    await this.raw('INSERT INTO audit_log (app_id, action, target, actor, detail, time) VALUES ($1, $2, $3, $4, $5, $6)', [
      app,
      e.action,
      e.target,
      e.actor,
      e.detail,
      e.time,
    ]);
  }
}
