// The collector's own SQLite schema and settings, for the benchmarks that write or read SQLite directly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStorage } from '@idem/server';
import Database from 'better-sqlite3';

/** A fresh database file with the collector's schema (made by the collector itself). */
export async function freshDatabase(name = 'idem.sqlite') {
  const dir = mkdtempSync(join(tmpdir(), 'idem-bench-'));
  const path = join(dir, name);
  const storage = openSqliteStorage({ path });
  await storage.close();
  return { path, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** better-sqlite3 on a collector database, with the collector's pragmas (WAL, synchronous NORMAL). */
export function openRaw(path, { readonly = false } = {}) {
  const db = new Database(path, { readonly });
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  }
  return db;
}

/** The collector's write statements (same SQL as packages/server/src/storage/sqlite/sqlite-storage.ts). */
export function writeStatements(db) {
  const s = (sql) => db.prepare(sql);
  return {
    createUser: s(
      'INSERT INTO users (app_id, user_id, root_id, identity, server_created, first_seen, last_seen, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    setIdentity: s('UPDATE users SET identity = ? WHERE app_id = ? AND user_id = ?'),
    touch: s(
      'UPDATE users SET first_seen = min(coalesce(first_seen, @t), @t), last_seen = max(coalesce(last_seen, @t), @t) WHERE app_id = @app AND user_id = @id',
    ),
    addAttach: s('INSERT INTO identity_attachments (app_id, identity, user_id, time) VALUES (?, ?, ?, ?)'),
    addCount: s(
      'INSERT INTO user_event_counts (app_id, root_id, name, count) VALUES (?, ?, ?, ?) ON CONFLICT (app_id, root_id, name) DO UPDATE SET count = count + excluded.count',
    ),
    insertEvent: s(
      'INSERT INTO events (app_id, id, user_id, session_id, type, name, properties, time, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, id) DO NOTHING',
    ),
    claimMessage: s('INSERT INTO messages (app_id, id) VALUES (?, ?) ON CONFLICT DO NOTHING'),
    writeProp: s('INSERT INTO property_writes (app_id, user_id, key, value, time) VALUES (?, ?, ?, ?, ?)'),
    setProp: s(
      'INSERT INTO user_props (app_id, root_id, key, value, time, seq) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, root_id, key) DO UPDATE SET value = excluded.value, time = excluded.time, seq = excluded.seq',
    ),
  };
}

export const TABLES = [
  'users',
  'events',
  'messages',
  'property_writes',
  'user_props',
  'user_event_counts',
  'identity_attachments',
  'merges',
  'warnings',
];

export function countRows(path) {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries(TABLES.map((t) => [t, db.prepare(`SELECT count(*) AS n FROM ${t}`).get().n]));
  } finally {
    db.close();
  }
}
