import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { env } from '$env/dynamic/private';

/** The collector's base URL, as both this server and the visitor's browser reach it. */
export const endpoint = env.IDEM_ENDPOINT || 'http://127.0.0.1:8787';
export const appId = env.IDEM_APP_ID || 'demo';

/**
 * IDEM_SERVER_KEY, else the key `idem serve` keeps in .idem/server-key at the repository root (found by
 * walking up from the working directory), read when first needed: with `pnpm start` the collector may
 * write it just after this server starts.
 */
export function serverKey(): string {
  if (env.IDEM_SERVER_KEY) return env.IDEM_SERVER_KEY;
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    const file = join(dir, '.idem', 'server-key');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    if (dirname(dir) === dir) break;
  }
  throw new Error('demo-sveltekit: set IDEM_SERVER_KEY, or run the collector (`pnpm idem serve`) so that .idem/server-key exists');
}
