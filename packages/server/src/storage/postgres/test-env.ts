import pg from 'pg';

/** The PostgreSQL database the tests use: env IDEM_PG_URL, or the local server's `test` database. */
export const PG_TEST_URL = process.env.IDEM_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<boolean> | null = null;

/**
 * Whether the PostgreSQL tests run. Locally they are skipped, with a note, when no server answers;
 * in CI (env CI set) they always run, so a missing server fails them instead of hiding them.
 */
export function pgTestsEnabled(): Promise<boolean> {
  reachable ??= (async () => {
    if (process.env.CI) return true;
    const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch (error) {
      console.warn(`PostgreSQL tests skipped: ${PG_TEST_URL} is unreachable (${(error as Error).message}); set IDEM_PG_URL`);
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}
