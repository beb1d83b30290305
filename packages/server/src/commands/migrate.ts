import { parseArgs } from 'node:util';
import { isPostgresUrl, openStorage } from '../storage/open.js';

export const MIGRATE_HELP = `idem migrate --db URL [--schema NAME]

Brings a database's schema to this version of Idem and exits; \`idem serve\` does the same when it
starts, so this is for deploy pipelines that migrate first. Safe to run while collectors start:
PostgreSQL migrations run under an advisory lock, each one in its own transaction.

  --db URL         postgres://... or a SQLite file (env IDEM_DATABASE_URL)
  --schema NAME    PostgreSQL schema (default: the connection's current schema, usually public)`;

export async function migrate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { db: { type: 'string' }, schema: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(MIGRATE_HELP);
    return 0;
  }
  const db = values.db ?? process.env.IDEM_DATABASE_URL;
  if (!db) throw new Error(`--db is required (or IDEM_DATABASE_URL)\n\n${MIGRATE_HELP}`);
  if (values.schema && !isPostgresUrl(db)) throw new Error('--schema is for PostgreSQL only');
  if (isPostgresUrl(db)) {
    const { createPool, currentSchema } = await import('../storage/postgres/connection.js');
    const { migratePostgres } = await import('../storage/postgres/migrations.js');
    const pool = createPool({ url: db, schema: null, max: 1 });
    try {
      const schema = values.schema ?? (await currentSchema(pool));
      const client = await pool.connect();
      try {
        const result = await migratePostgres(client, schema);
        const applied = result.applied.length > 0 ? `applied ${result.applied.join(', ')}` : 'nothing to apply';
        console.log(`postgres schema "${schema}": ${applied}; now at version ${result.version}`);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
    return 0;
  }
  const storage = await openStorage(db);
  await storage.close();
  console.log(`sqlite ${db} is migrated`);
  return 0;
}
