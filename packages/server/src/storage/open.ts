import { openSqliteStorage } from './sqlite/sqlite-storage.js';
import type { Storage } from './types.js';

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/**
 * Opens the storage a URL names: postgres://... for PostgreSQL, anything else is a SQLite path
 * (':memory:' for a throwaway database). `fresh` gives PostgreSQL a new schema of its own (replay, tests);
 * `schema` names an existing or new PostgreSQL schema to share (several collectors, benchmarks).
 */
export async function openStorage(url: string, options: { fresh?: boolean; schema?: string } = {}): Promise<Storage> {
  if (isPostgresUrl(url)) {
    const { openPostgresStorage } = await import('./postgres/postgres-storage.js');
    return openPostgresStorage({ url, fresh: options.fresh ?? false, ...(options.schema ? { schema: options.schema } : {}) });
  }
  return openSqliteStorage({ path: url });
}
