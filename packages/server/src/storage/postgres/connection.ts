import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { quoteSchema } from './migrations.js';

const INT8 = 20;
const NUMERIC = 1700;

/**
 * BIGINT columns hold millisecond times, counts and sequence numbers, all far below 2^53, so they are
 * read as numbers; the parser is given to our pools only, never set on the global `pg.types`.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 || oid === NUMERIC) return (text: string) => Number(text);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** A fresh schema's name: `idem_test_` and 16 random hex digits. */
export function randomSchemaName(): string {
  return `idem_test_${randomBytes(8).toString('hex')}`;
}

export interface PoolOptions {
  url: string;
  /** Sets search_path to this schema on every pooled connection; null keeps the server's default. */
  schema: string | null;
  max?: number;
}

export function createPool(options: PoolOptions): pg.Pool {
  const search = options.schema === null ? null : `SET search_path TO ${quoteSchema(options.schema)}`;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    types,
    application_name: 'idem',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    // A transaction that holds advisory locks must not stall the others forever.
    idle_in_transaction_session_timeout: 60_000,
    ...(search ? { onConnect: async (client: pg.ClientBase) => void (await client.query(search)) } : {}),
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that
  // would crash the process. The next checkout gets a new connection.
  pool.on('error', () => {});
  return pool;
}

/** The schema the server's default search_path resolves to (usually public). */
export async function currentSchema(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  return rows[0]?.schema ?? 'public';
}

/** Unique violations worth a retry: the identity index and the user id key (two first sightings racing). */
const RETRY_CONSTRAINTS = new Set(['users_identity', 'users_pkey']);

/**
 * Errors after which running the whole transaction again can succeed: serialization failures,
 * deadlocks (two batches locking identities in opposite orders) and a lost race to insert a user.
 */
export function isRetryable(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  if (!e || typeof e.code !== 'string') return false;
  if (e.code === '40001' || e.code === '40P01') return true;
  return e.code === '23505' && RETRY_CONSTRAINTS.has(e.constraint ?? '');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Jittered backoff before attempt `n` (1-based) of a retried transaction. */
export function backoff(attempt: number): number {
  return Math.round((5 + Math.random() * 20) * 2 ** Math.min(attempt - 1, 4));
}
