import type { ClientBase } from 'pg';

/**
 * PostgreSQL schema: the same tables and indexes as SQLite (storage/sqlite/schema.ts), applied in
 * order and recorded in schema_migrations. Times are BIGINT milliseconds. Property values are JSON
 * text, as in SQLite, so that filters and breakdowns compare exactly the same strings; text columns
 * that are sorted or compared use the "C" collation, which orders like SQLite's BINARY.
 * Never edit a released migration: append a new one.
 */
export const PG_MIGRATIONS: string[] = [
  `
  CREATE TABLE users (
    app_id TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    root_id TEXT COLLATE "C" NOT NULL,
    identity TEXT COLLATE "C",
    server_created BOOLEAN NOT NULL DEFAULT false,
    first_seen BIGINT,
    last_seen BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_id)
  );
  CREATE UNIQUE INDEX users_identity ON users (app_id, identity) WHERE identity IS NOT NULL;
  CREATE INDEX users_root ON users (app_id, root_id);
  CREATE INDEX users_last_seen ON users (app_id, (coalesce(last_seen, -1)) DESC, user_id) WHERE user_id = root_id;

  CREATE TABLE events (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    session_id TEXT,
    type TEXT NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    properties TEXT NOT NULL,
    time BIGINT NOT NULL,
    url TEXT
  );
  CREATE UNIQUE INDEX events_id ON events (app_id, id);
  CREATE INDEX events_user ON events (app_id, user_id, time);

  CREATE TABLE messages (
    app_id TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (app_id, id)
  );

  CREATE TABLE property_writes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    value TEXT NOT NULL,
    time BIGINT NOT NULL
  );
  CREATE INDEX property_writes_user ON property_writes (app_id, user_id);

  CREATE TABLE user_props (
    app_id TEXT COLLATE "C" NOT NULL,
    root_id TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    time BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (app_id, root_id, key)
  );
  CREATE INDEX user_props_value ON user_props (app_id, key, value, root_id);

  CREATE TABLE user_event_counts (
    app_id TEXT COLLATE "C" NOT NULL,
    root_id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (app_id, root_id, name)
  );
  CREATE INDEX user_event_counts_name ON user_event_counts (app_id, name, root_id);

  CREATE TABLE merges (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id TEXT COLLATE "C" NOT NULL,
    from_id TEXT COLLATE "C" NOT NULL,
    into_id TEXT COLLATE "C" NOT NULL,
    time BIGINT NOT NULL,
    message_id TEXT
  );
  CREATE INDEX merges_into ON merges (app_id, into_id);

  CREATE TABLE identity_attachments (
    app_id TEXT COLLATE "C" NOT NULL,
    identity TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    time BIGINT NOT NULL
  );
  CREATE INDEX identity_attachments_identity ON identity_attachments (app_id, identity, time);

  CREATE TABLE warnings (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id TEXT COLLATE "C" NOT NULL,
    message_id TEXT,
    user_id TEXT COLLATE "C",
    identity TEXT,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    time BIGINT NOT NULL
  );
  CREATE INDEX warnings_user ON warnings (app_id, user_id);
  `,
  // Reversible merges, deletion and export (issue "Beyond Heap").
  `
  ALTER TABLE merges ADD COLUMN undone_at BIGINT;
  CREATE INDEX merges_from ON merges (app_id, from_id);
  CREATE TABLE audit_log (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id TEXT COLLATE "C" NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL,
    time BIGINT NOT NULL
  );
  CREATE INDEX audit_log_app ON audit_log (app_id, seq);
  `,
];

/** Advisory lock class for migrations (the other classes are in lock-keys.ts). */
const MIGRATION_LOCK_CLASS = 0x1de0;

export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}: lowercase letters, digits and _ only`);
  return `"${schema}"`;
}

export interface MigrationResult {
  schema: string;
  applied: number[];
  version: number;
}

/**
 * Brings `schema` (created when missing) to the latest version. Holds a session advisory lock keyed
 * by the schema name while it works, so collectors starting together on one database apply each
 * migration once: the second waits, then finds nothing left to do. Each migration is one transaction.
 */
export async function migratePostgres(client: ClientBase, schema: string): Promise<MigrationResult> {
  const quoted = quoteSchema(schema);
  await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${quoted}.schema_migrations`);
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const [i, sql] of PG_MIGRATIONS.entries()) {
      const version = i + 1;
      if (done.has(version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path TO ${quoted}`);
        await client.query(sql);
        await client.query(`INSERT INTO ${quoted}.schema_migrations (version, applied_at) VALUES ($1, $2)`, [version, Date.now()]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(version);
    }
    return { schema, applied, version: PG_MIGRATIONS.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
  }
}
