import type { PropertyValue } from '@idem/core';
import type { ClientBase, QueryResultRow } from 'pg';
import type { EventRow, StoredProperty, Tx, UserRow, WarningRow } from '../types.js';
import { PendingUsers } from './pending-users.js';

type Row = Record<string, unknown>;

export const USER_COLUMNS = 'user_id, root_id, identity, server_created, first_seen, last_seen';

export const toUser = (r: Row | undefined): UserRow | null =>
  r
    ? {
        userId: r.user_id as string,
        rootId: r.root_id as string,
        identity: (r.identity as string | null) ?? null,
        serverCreated: r.server_created === true,
        firstSeen: (r.first_seen as number | null) ?? null,
        lastSeen: (r.last_seen as number | null) ?? null,
      }
    : null;

export const parseValue = (text: unknown): PropertyValue => JSON.parse(text as string) as PropertyValue;
const toProp = (r: Row): StoredProperty => ({
  key: r.key as string,
  value: parseValue(r.value),
  time: r.time as number,
  seq: r.seq as number,
});

/** Advisory lock classes (the first key of the two-key form), so identities and user ids never share a key. */
export const LOCK_IDENTITY = 1;
export const LOCK_USER = 2;

/**
 * One transaction on one pooled connection. Statements are named, so each connection parses them
 * once; seen times are written once before COMMIT (flush), and user rows read under their user lock
 * are not read again (pending-users.ts). After the transaction ends the object refuses further use.
 */
export class PgTx implements Tx {
  private ended = false;
  private readonly locks = new Set<string>();
  protected readonly pending = new PendingUsers();

  constructor(protected readonly client: ClientBase) {}

  end(): void {
    this.ended = true;
  }

  private live(): void {
    if (this.ended) throw new Error('transaction already ended');
  }

  protected async q<R extends QueryResultRow = Row>(name: string, text: string, values: unknown[]) {
    this.live();
    return this.client.query<R>({ name, text, values });
  }

  /** pg_advisory_xact_lock on (class, hashtext(app:key)), taken once per transaction and key. */
  async lock(kind: number, app: string, key: string): Promise<void> {
    const id = `${kind}:${app}:${key}`;
    if (this.locks.has(id)) return;
    await this.q('idem_lock', 'SELECT pg_advisory_xact_lock($1, hashtext($2))', [kind, `${app}:${key}`]);
    this.locks.add(id);
  }

  /** Writes the pending seen times; called before COMMIT. */
  async flush(): Promise<void> {
    const t = this.pending.drain();
    if (!t) return;
    await this.q(
      'idem_touch_all',
      `UPDATE users u SET first_seen = LEAST(coalesce(u.first_seen, v.f), v.f), last_seen = GREATEST(coalesce(u.last_seen, v.l), v.l)
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS v(app_id, user_id, f, l)
       WHERE u.app_id = v.app_id AND u.user_id = v.user_id`,
      [t.apps, t.userIds, t.firsts, t.lasts],
    );
  }

  async getUser(app: string, userId: string) {
    this.live();
    let row = this.pending.cached(app, userId) ?? null;
    if (!row) {
      const r = await this.q('idem_get_user', `SELECT ${USER_COLUMNS} FROM users WHERE app_id = $1 AND user_id = $2`, [app, userId]);
      row = toUser(r.rows[0]);
      if (row && this.locks.has(`${LOCK_USER}:${app}:${userId}`)) this.pending.remember(app, row);
    }
    return this.pending.view(app, row);
  }
  async findByIdentity(app: string, identity: string) {
    const r = await this.q('idem_by_identity', `SELECT ${USER_COLUMNS} FROM users WHERE app_id = $1 AND identity = $2`, [app, identity]);
    return this.pending.view(app, toUser(r.rows[0]));
  }
  async createUser(app: string, u: { userId: string; identity: string | null; serverCreated: boolean; time: number }) {
    const seen = u.serverCreated ? u.time : null;
    await this.q(
      'idem_create_user',
      'INSERT INTO users (app_id, user_id, root_id, identity, server_created, first_seen, last_seen, created_at) VALUES ($1, $2, $2, $3, $4, $5, $5, $6)',
      [app, u.userId, u.identity, u.serverCreated, seen, u.time],
    );
  }
  async setIdentity(app: string, rootId: string, identity: string) {
    this.pending.forget(app, rootId);
    await this.q('idem_set_identity', 'UPDATE users SET identity = $1 WHERE app_id = $2 AND user_id = $3', [identity, app, rootId]);
  }
  async touchSeen(app: string, rootId: string, time: number) {
    this.live();
    this.pending.touch(app, rootId, time);
  }
  async countAttachments(app: string, identity: string, from: number, to: number) {
    const r = await this.q<{ n: number }>(
      'idem_count_attach',
      'SELECT count(*) AS n FROM identity_attachments WHERE app_id = $1 AND identity = $2 AND time > $3 AND time <= $4',
      [app, identity, from, to],
    );
    return r.rows[0]?.n ?? 0;
  }
  async addAttachment(app: string, identity: string, userId: string, time: number) {
    await this.q('idem_add_attach', 'INSERT INTO identity_attachments (app_id, identity, user_id, time) VALUES ($1, $2, $3, $4)', [
      app,
      identity,
      userId,
      time,
    ]);
  }
  async linkMerge(app: string, from: string, into: string, time: number, messageId: string | null) {
    this.pending.forget(app, null);
    await this.q('idem_relink', 'UPDATE users SET root_id = $1 WHERE app_id = $2 AND root_id = $3', [into, app, from]);
    await this.q('idem_add_merge', 'INSERT INTO merges (app_id, from_id, into_id, time, message_id) VALUES ($1, $2, $3, $4, $5)', [
      app,
      from,
      into,
      time,
      messageId,
    ]);
  }
  async foldSummaries(
    app: string,
    from: string,
    into: string,
    pick: (key: string, a: StoredProperty, b: StoredProperty) => StoredProperty,
  ) {
    const props = await this.q('idem_props_of', 'SELECT key, value, time, seq FROM user_props WHERE app_id = $1 AND root_id = $2', [
      app,
      from,
    ]);
    for (const row of props.rows) {
      const incoming = toProp(row);
      const existing = await this.getCurrentProperty(app, into, incoming.key);
      const win = existing ? pick(incoming.key, existing, incoming) : incoming;
      await this.setCurrentProperty(app, into, win);
    }
    await this.q('idem_drop_props', 'DELETE FROM user_props WHERE app_id = $1 AND root_id = $2', [app, from]);
    await this.q(
      'idem_fold_counts',
      `INSERT INTO user_event_counts (app_id, root_id, name, count)
         SELECT app_id, $3, name, count FROM user_event_counts WHERE app_id = $1 AND root_id = $2
       ON CONFLICT (app_id, root_id, name) DO UPDATE SET count = user_event_counts.count + excluded.count`,
      [app, from, into],
    );
    await this.q('idem_drop_counts', 'DELETE FROM user_event_counts WHERE app_id = $1 AND root_id = $2', [app, from]);
    const old = await this.getUser(app, from);
    if (old?.firstSeen != null) await this.touchSeen(app, into, old.firstSeen);
    if (old?.lastSeen != null) await this.touchSeen(app, into, old.lastSeen);
  }
  /** The event and, for a track, its root's count, in one statement. */
  async insertEvent(app: string, rootId: string, e: EventRow) {
    const r = await this.q<{ n: number }>(
      'idem_insert_event',
      `WITH ins AS (
         INSERT INTO events (app_id, id, user_id, session_id, type, name, properties, time, url) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (app_id, id) DO NOTHING RETURNING name
       ), counted AS (
         INSERT INTO user_event_counts (app_id, root_id, name, count) SELECT $1, $10, name, 1 FROM ins WHERE $5 = 'track'
         ON CONFLICT (app_id, root_id, name) DO UPDATE SET count = user_event_counts.count + 1
       )
       SELECT count(*)::int AS n FROM ins`,
      [app, e.id, e.userId, e.sessionId, e.type, e.name, JSON.stringify(e.properties), e.time, e.url, rootId],
    );
    return r.rows[0]?.n === 1;
  }
  async messageSeen(app: string, id: string) {
    const r = await this.q<{ user_id: string | null }>(
      'idem_message_seen',
      'SELECT user_id FROM events WHERE app_id = $1 AND id = $2 UNION ALL SELECT NULL FROM messages WHERE app_id = $1 AND id = $2 LIMIT 1',
      [app, id],
    );
    const row = r.rows[0];
    return row ? (row.user_id ?? true) : null;
  }
  async claimMessageId(app: string, id: string) {
    const r = await this.q('idem_claim', 'INSERT INTO messages (app_id, id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [app, id]);
    return r.rowCount === 1;
  }
  async writeProperty(app: string, userId: string, key: string, value: PropertyValue, time: number) {
    const r = await this.q<{ seq: number }>(
      'idem_write_prop',
      'INSERT INTO property_writes (app_id, user_id, key, value, time) VALUES ($1, $2, $3, $4, $5) RETURNING seq',
      [app, userId, key, JSON.stringify(value), time],
    );
    return r.rows[0]?.seq as number;
  }
  async getCurrentProperty(app: string, rootId: string, key: string) {
    const r = await this.q(
      'idem_get_prop',
      'SELECT key, value, time, seq FROM user_props WHERE app_id = $1 AND root_id = $2 AND key = $3',
      [app, rootId, key],
    );
    return r.rows[0] ? toProp(r.rows[0]) : null;
  }
  async setCurrentProperty(app: string, rootId: string, p: StoredProperty) {
    await this.q(
      'idem_set_prop',
      `INSERT INTO user_props (app_id, root_id, key, value, time, seq) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (app_id, root_id, key) DO UPDATE SET value = excluded.value, time = excluded.time, seq = excluded.seq`,
      [app, rootId, p.key, JSON.stringify(p.value), p.time, p.seq],
    );
  }
  async addWarning(app: string, w: WarningRow) {
    await this.q(
      'idem_add_warning',
      'INSERT INTO warnings (app_id, message_id, user_id, identity, reason, detail, time) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [app, w.messageId, w.userId, w.identity, w.reason, w.detail, w.time],
    );
  }
}
