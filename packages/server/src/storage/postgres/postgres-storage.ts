import type { PoolClient } from 'pg';
import type { AdminStorage, AdminTx } from '../admin-types.js';
import type { Storage, Tx } from '../types.js';
import { backoff, createPool, currentSchema, isRetryable, randomSchemaName, sleep } from './connection.js';
import { migratePostgres, quoteSchema } from './migrations.js';
import { PgAdminTx } from './pg-admin.js';
import { pgReads } from './pg-reads.js';
import { LOCK_IDENTITY, LOCK_USER, PgTx } from './pg-tx.js';

export interface PostgresOptions {
  /** postgres://user@host:port/database */
  url: string;
  /** A new schema of its own, `idem_test_<random>`, dropped again by close() (tests, `idem replay`). */
  fresh: boolean;
  /**
   * Work in this schema (created and migrated when missing) instead of the server's default one:
   * several collectors, or several pools of one test, can share a schema this way.
   */
  schema?: string;
  /** Pooled connections (default 10). */
  poolSize?: number;
}

export interface PostgresStorage extends Storage {
  adminTransaction: AdminStorage['adminTransaction'];
  audit: AdminStorage['audit'];
  readonly kind: 'postgres';
  /** The schema this storage works in. */
  readonly schema: string;
}

/** How often a transaction that lost a race (deadlock, serialization, identity index) is run again. */
export const MAX_ATTEMPTS = 6;

/**
 * PostgreSQL storage: a pool of connections, one READ COMMITTED transaction per batch, and
 * transaction-scoped advisory locks per identity and per user id so that any number of collectors
 * on one database apply the identity rules as one would (docs/decisions/0005-postgres-concurrency.md).
 */
export async function openPostgresStorage(options: PostgresOptions): Promise<PostgresStorage> {
  if (options.fresh && options.schema) throw new Error('give either fresh or schema, not both');
  const named = options.fresh ? randomSchemaName() : (options.schema ?? null);
  if (named) quoteSchema(named);
  const pool = createPool({ url: options.url, schema: named, max: options.poolSize ?? 10 });
  let schema: string;
  try {
    schema = named ?? (await currentSchema(pool));
    const client = await pool.connect();
    try {
      await migratePostgres(client, schema);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw error;
  }

  const txOf = (tx: Tx): PgTx => {
    if (!(tx instanceof PgTx)) throw new Error('not a PostgreSQL transaction');
    return tx;
  };

  /** One transaction with retries on lost races; `fn` must have no effects outside it. */
  const run = async <X extends PgTx, T>(make: (client: PoolClient) => X, fn: (tx: X) => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      const tx = make(client);
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await tx.flush();
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((e: Error) => {
          broken = e;
        });
        if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      } finally {
        tx.end();
        client.release(broken);
      }
      await sleep(backoff(attempt));
    }
  };

  let closed = false;
  const storage: PostgresStorage = {
    kind: 'postgres',
    schema,
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return run((client) => new PgTx(client), fn);
    },
    adminTransaction<T>(fn: (tx: AdminTx) => Promise<T>): Promise<T> {
      return run<PgAdminTx, T>((client) => new PgAdminTx(client), fn);
    },
    async audit(app, limit) {
      const { rows } = await pool.query('SELECT * FROM audit_log WHERE app_id = $1 ORDER BY seq DESC LIMIT $2', [app, limit]);
      return rows.map((r) => ({
        seq: Number(r.seq),
        action: r.action,
        target: r.target,
        actor: r.actor,
        detail: r.detail,
        time: Number(r.time),
      }));
    },
    async lockIdentity(tx, app, identity) {
      await txOf(tx).lock(LOCK_IDENTITY, app, identity);
    },
    async lockUser(tx, app, userId) {
      await txOf(tx).lock(LOCK_USER, app, userId);
    },
    ...pgReads(pool),
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (options.fresh) await pool.query(`DROP SCHEMA IF EXISTS ${quoteSchema(schema)} CASCADE`);
      } finally {
        await pool.end();
      }
    },
  };
  return storage;
}
