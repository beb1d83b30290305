import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type AppConfig, loadConfigFile } from '../config.js';
import { startServer } from '../server.js';
import { isPostgresUrl } from '../storage/open.js';

export const SERVE_HELP = `idem serve [options]

  --port N         port (default 8787, env PORT)
  --host H         address to listen on (default 127.0.0.1: never open to the network by default)
  --db URL         SQLite file (default ./.idem/idem.sqlite) or postgres://... (env IDEM_DATABASE_URL)
  --app ID         an app this collector accepts (repeatable; "demo" when none is given)
  --config FILE    YAML/JSON file with per-app keys, allowed origins, Heap compatibility, rate limits
  --dashboard DIR  built dashboard to serve at / (default: the one in this repository, if built)

The server key comes from IDEM_SERVER_KEY; when it is not set, one is generated for local use,
kept in ./.idem/server-key and printed.`;

/** The dashboard built in this repository (apps/dashboard/dist), found relative to this package. */
function defaultDashboard(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidate = resolve(here, '../../../apps/dashboard/dist');
  return existsSync(join(candidate, 'index.html')) ? candidate : null;
}

/** The browser SDK's script-tag build in this repository (packages/browser/dist/idem.min.js), if built. */
function defaultSdk(): string | null {
  const file = resolve(dirname(fileURLToPath(import.meta.url)), '../../browser/dist/idem.min.js');
  return existsSync(file) ? file : null;
}

function localKey(dir: string): { key: string; generated: boolean } {
  const file = join(dir, 'server-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), generated: false };
  mkdirSync(dir, { recursive: true });
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, generated: true };
}

export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      app: { type: 'string', multiple: true },
      config: { type: 'string' },
      dashboard: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(SERVE_HELP);
    return;
  }
  const port = Number(values.port ?? process.env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${values.port}`);
  const stateDir = resolve('.idem');
  const db = values.db ?? process.env.IDEM_DATABASE_URL ?? join(stateDir, 'idem.sqlite');
  if (!isPostgresUrl(db) && db !== ':memory:') mkdirSync(dirname(resolve(db)), { recursive: true });

  let apps: AppConfig[] = (values.app ?? []).map((id) => ({ id }));
  if (values.config) apps = [...loadConfigFile(values.config).apps, ...apps];
  if (apps.length === 0) apps = [{ id: 'demo' }];

  let serverKey = process.env.IDEM_SERVER_KEY;
  let generated = false;
  if (!serverKey) ({ key: serverKey, generated } = localKey(stateDir));
  if (serverKey.length < 16) throw new Error('IDEM_SERVER_KEY must be at least 16 characters');

  const dashboardDir = values.dashboard ? resolve(values.dashboard) : defaultDashboard();
  const sdkFile = defaultSdk();
  const server = await startServer({ port, host: values.host ?? '127.0.0.1', db, apps, serverKey, dashboardDir, sdkFile, logger: false });
  console.log(`idem collector on ${server.url} (${server.storage.kind}${isPostgresUrl(db) ? '' : `: ${db}`})`);
  console.log(`apps: ${apps.map((a) => a.id).join(', ')}`);
  if (dashboardDir) console.log(`dashboard: ${server.url}/`);
  if (sdkFile) console.log(`browser SDK: ${server.url}/idem.min.js`);
  if (generated) console.log(`server key (generated, kept in .idem/server-key): ${serverKey}`);
  else if (!process.env.IDEM_SERVER_KEY) console.log(`server key (from .idem/server-key): ${serverKey}`);

  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
