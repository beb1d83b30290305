import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrate } from '../../commands/migrate.js';
import { PG_MIGRATIONS } from './migrations.js';
import { MAX_ATTEMPTS, openPostgresStorage } from './postgres-storage.js';
import { PG_TEST_URL, pgTestsEnabled } from './test-env.js';

const enabled = await pgTestsEnabled();
const T0 = Date.parse('2026-01-01T00:00:00Z');

describe.skipIf(!enabled)('PostgreSQL storage', () => {
  let admin: pg.Client;
  const schemaExists = async (name: string) => (await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).rowCount === 1;
  const versions = async (name: string) =>
    (await admin.query(`SELECT version FROM "${name}".schema_migrations ORDER BY version`)).rows.map((r) => r.version);

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_TEST_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
  });

  it('gives fresh: true a random schema of its own, on every pooled connection, and drops it on close', async () => {
    const s = await openPostgresStorage({ url: PG_TEST_URL, fresh: true, poolSize: 4 });
    expect(s.kind).toBe('postgres');
    expect(s.schema).toMatch(/^idem_test_[0-9a-f]{16}$/);
    expect(await schemaExists(s.schema)).toBe(true);
    expect(await versions(s.schema)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
    await s.transaction((tx) => tx.createUser('demo', { userId: '1', identity: 'alice', serverCreated: false, time: T0 }));
    // More readers than connections: each connection must have found the schema.
    const found = await Promise.all(Array.from({ length: 24 }, () => s.getUserByIdentity('demo', 'alice')));
    expect(found.every((u) => u?.userId === '1')).toBe(true);
    await s.close();
    await s.close();
    expect(await schemaExists(s.schema)).toBe(false);
  });

  it('migrates once when collectors open one schema together, and idem migrate finds nothing left', async () => {
    const schema = `idem_mig_${randomBytes(6).toString('hex')}`;
    try {
      const opened = await Promise.all([1, 2, 3].map(() => openPostgresStorage({ url: PG_TEST_URL, fresh: false, schema, poolSize: 2 })));
      expect(await versions(schema)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
      await opened[0]?.transaction((tx) => tx.createUser('demo', { userId: '7', identity: null, serverCreated: false, time: T0 }));
      expect(await opened[2]?.getUser('demo', '7')).toMatchObject({ userId: '7' });
      await Promise.all(opened.map((s) => s.close()));
      expect(await schemaExists(schema)).toBe(true);

      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      expect(await migrate(['--db', PG_TEST_URL, '--schema', schema])).toBe(0);
      expect(log).toHaveBeenLastCalledWith(`postgres schema "${schema}": nothing to apply; now at version ${PG_MIGRATIONS.length}`);
      log.mockRestore();
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });

  it('idem migrate creates and migrates a new schema', async () => {
    const schema = `idem_mig_${randomBytes(6).toString('hex')}`;
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await migrate(['--db', PG_TEST_URL, '--schema', schema])).toBe(0);
      expect(log).toHaveBeenLastCalledWith(
        `postgres schema "${schema}": applied ${PG_MIGRATIONS.map((_, i) => i + 1).join(', ')}; now at version ${PG_MIGRATIONS.length}`,
      );
      expect(await versions(schema)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
      await expect(migrate(['--db', PG_TEST_URL, '--schema', 'Bad-Name'])).rejects.toThrow('invalid schema name');
      await expect(migrate(['--db', ':memory:', '--schema', schema])).rejects.toThrow('PostgreSQL only');
    } finally {
      log.mockRestore();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });

  it('refuses unsafe schema names and fresh together with schema', async () => {
    for (const schema of ['Upper', 'a-b', 'x"; DROP TABLE users; --', '', '1abc', 'a'.repeat(64)])
      await expect(openPostgresStorage({ url: PG_TEST_URL, fresh: false, schema })).rejects.toThrow('invalid schema name');
    await expect(openPostgresStorage({ url: PG_TEST_URL, fresh: true, schema: 'abc' })).rejects.toThrow('either fresh or schema');
  });

  it('fails to open, without leaking a pool, when the server is unreachable', async () => {
    await expect(openPostgresStorage({ url: 'postgres://postgres@127.0.0.1:1/test', fresh: true })).rejects.toThrow();
  });

  describe('transactions', () => {
    let s: Awaited<ReturnType<typeof openPostgresStorage>>;
    beforeAll(async () => {
      s = await openPostgresStorage({ url: PG_TEST_URL, fresh: true });
    });
    afterAll(() => s.close());

    it('runs a deadlocked transaction again and both complete', async () => {
      let attempts = 0;
      let firstLocks = 0;
      let release: () => void = () => {};
      const bothLocked = new Promise<void>((r) => {
        release = r;
      });
      const crosswise = (first: string, second: string) =>
        s.transaction(async (tx) => {
          attempts += 1;
          await s.lockIdentity(tx, 'demo', first);
          if (++firstLocks === 2) release();
          await bothLocked;
          await s.lockIdentity(tx, 'demo', second);
          return `${first}${second}`;
        });
      expect(await Promise.all([crosswise('a', 'b'), crosswise('b', 'a')])).toEqual(['ab', 'ba']);
      expect(attempts).toBe(3);
    });

    it('runs again after losing the race for an identity, then sees the winner', async () => {
      await s.transaction(async (tx) => {
        await tx.createUser('demo', { userId: '1', identity: null, serverCreated: false, time: T0 });
        await tx.createUser('demo', { userId: '2', identity: null, serverCreated: false, time: T0 });
      });
      let attempts = 0;
      let wrote: () => void = () => {};
      let looked: () => void = () => {};
      const winnerWrote = new Promise<void>((r) => {
        wrote = r;
      });
      const loserLooked = new Promise<void>((r) => {
        looked = r;
      });
      // Neither takes the identity lock, so only the unique index stands between them: the loser looks
      // before the winner commits, finds nobody, and its write then hits the index.
      const winner = s.transaction(async (tx) => {
        await tx.setIdentity('demo', '1', 'carol');
        wrote();
        await loserLooked;
      });
      const loser = s.transaction(async (tx) => {
        attempts += 1;
        await winnerWrote;
        const owner = await tx.findByIdentity('demo', 'carol');
        looked();
        if (owner) return owner.userId;
        await tx.setIdentity('demo', '2', 'carol');
        return '2';
      });
      await winner;
      expect(await loser).toBe('1');
      expect(attempts).toBe(2);
    });

    it('does not retry other errors, and gives up on a race lost every time', async () => {
      let attempts = 0;
      await expect(
        s.transaction(async (tx) => {
          attempts += 1;
          await tx.createUser('demo', { userId: 'x', identity: null, serverCreated: false, time: Number.NaN });
        }),
      ).rejects.toThrow();
      expect(attempts).toBe(1);
      attempts = 0;
      await expect(
        s.transaction(async (tx) => {
          attempts += 1;
          await tx.createUser('demo', { userId: '1', identity: null, serverCreated: false, time: T0 });
        }),
      ).rejects.toMatchObject({ code: '23505' });
      expect(attempts).toBe(MAX_ATTEMPTS);
    });

    it('refuses a transaction object after its transaction ended, and a foreign one for locks', async () => {
      let kept: Parameters<Parameters<typeof s.transaction>[0]>[0] | null = null;
      await s.transaction(async (tx) => {
        kept = tx;
      });
      await expect((kept as unknown as { getUser: (a: string, b: string) => Promise<unknown> }).getUser('demo', '1')).rejects.toThrow(
        'ended',
      );
      await expect(s.lockIdentity({} as never, 'demo', 'x')).rejects.toThrow('not a PostgreSQL transaction');
    });
  });
});
