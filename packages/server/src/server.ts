import { randomBytes } from 'node:crypto';
import { buildApp } from './app.js';
import { type Clock, systemClock } from './clock.js';
import type { AppConfig } from './config.js';
import { openStorage } from './storage/open.js';
import type { Storage } from './storage/types.js';

export interface StartOptions {
  port?: number;
  host?: string;
  /** SQLite path, ':memory:', or postgres://... */
  db?: string;
  /** PostgreSQL: a new schema for this server (tests, replay). */
  freshDatabase?: boolean;
  storage?: Storage;
  apps?: (AppConfig | string)[];
  serverKey?: string;
  clock?: Clock;
  dashboardDir?: string | null;
  sdkFile?: string | null;
  rateLimits?: boolean;
  logger?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  serverKey: string;
  storage: Storage;
  close(): Promise<void>;
}

/** Starts a collector; the storage is closed with it unless it was passed in. */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const storage = options.storage ?? (await openStorage(options.db ?? ':memory:', { fresh: options.freshDatabase ?? false }));
  const serverKey = options.serverKey ?? randomBytes(24).toString('base64url');
  const apps = (options.apps ?? ['demo']).map((a) => (typeof a === 'string' ? { id: a } : a));
  const app = await buildApp({
    storage,
    clock: options.clock ?? systemClock,
    apps,
    serverKey,
    dashboardDir: options.dashboardDir ?? null,
    sdkFile: options.sdkFile ?? null,
    rateLimits: options.rateLimits ?? true,
    logger: options.logger ?? false,
  });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 8787, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8787);
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    serverKey,
    storage,
    async close() {
      await app.close();
      if (!options.storage) await storage.close();
    },
  };
}
