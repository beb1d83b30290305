// What the figures were measured on: they mean little without it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BENCH_DIR, ROOT } from './common.mjs';

const require = createRequire(join(BENCH_DIR, 'package.json'));
const version = (name) => {
  try {
    const file = name.startsWith('@idem/')
      ? join(ROOT, 'packages', name.slice(6), 'package.json')
      : require.resolve(`${name}/package.json`);
    return JSON.parse(readFileSync(file, 'utf8')).version;
  } catch {
    return null;
  }
};
const run = (cmd, argv) => {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};

export async function machine() {
  const db = new Database(':memory:');
  const sqlite = db.prepare('SELECT sqlite_version() AS v').get().v;
  db.close();
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    loadavgStart: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    chromium: run(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version']),
    sqlite,
    commit: run('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
    dirty: !!run('git', ['-C', ROOT, 'status', '--porcelain', '--', 'packages']),
    versions: Object.fromEntries(
      [
        'posthog-js',
        '@segment/analytics-next',
        '@amplitude/analytics-browser',
        'mixpanel-browser',
        'esbuild',
        'playwright-core',
        'autocannon',
        'better-sqlite3',
        '@idem/browser',
        '@idem/server',
      ].map((n) => [n, version(n)]),
    ),
  };
}
