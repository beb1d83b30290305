import type { Storage } from '../types.js';

export function openPostgresStorage(_options: { url: string; fresh: boolean }): Promise<Storage> {
  throw new Error('PostgreSQL storage is not built yet');
}
