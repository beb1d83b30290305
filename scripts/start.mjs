// `pnpm start`: the main job. Runs the collector on SQLite with its dashboard, and every demo app
// that declares `"idemDemo": { "name", "port", "script" }` in its package.json, waits until each
// answers, then prints where everything is. The dashboard links to the demos through demo-links.json.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const port = Number(process.env.PORT ?? 8787);
const children = [];
let stopping = false;

/** Each child leads its own process group, so stopping kills what it started too (vite, node build). */
function run(name, cmd, args, env = {}) {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const prefix = `[${name}] `;
  const pipe = (stream, out) => stream.on('data', (d) => out.write(String(d).replace(/^(?=.)/gm, prefix)));
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
  child.on('exit', (code) => {
    if (!stopping && code !== 0) console.error(`${prefix}exited with ${code}`);
  });
  children.push(child);
  return child;
}

function stop(code = 0) {
  stopping = true;
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(0));

const portTaken = (p) =>
  new Promise((resolve) => {
    const socket = createConnection({ port: p, host: '127.0.0.1' });
    socket.once('connect', () => socket.destroy() || resolve(true));
    socket.once('error', () => resolve(false));
  });

/** Polls a URL until it answers (any HTTP status), or gives up. */
async function answers(url, ms = 60_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      await fetch(url);
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return false;
}

const demos = [];
const appsDir = join(root, 'apps');
for (const dir of existsSync(appsDir) ? readdirSync(appsDir) : []) {
  const file = join(appsDir, dir, 'package.json');
  if (!existsSync(file)) continue;
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  if (pkg.idemDemo) demos.push({ pkg: pkg.name, dir, ...pkg.idemDemo });
}

const busy = [];
for (const p of [port, ...demos.map((d) => d.port)]) if (await portTaken(p)) busy.push(p);
if (busy.length > 0) {
  console.error(`Port ${busy.join(', ')} ${busy.length > 1 ? 'are' : 'is'} already in use: is another \`pnpm start\` still running?`);
  console.error('Stop it (Ctrl-C in its terminal), or set PORT for the collector.');
  process.exit(1);
}

// Written before the collector starts: it serves the dashboard's files as they are at start.
const dashboardDist = join(appsDir, 'dashboard', 'dist');
if (existsSync(dashboardDist)) {
  const links = demos.map((d) => ({ name: d.name, url: `http://127.0.0.1:${d.port}/` }));
  writeFileSync(join(dashboardDist, 'demo-links.json'), `${JSON.stringify(links, null, 2)}\n`);
}

const collector = run('collector', process.execPath, [
  join(root, 'packages/server/dist/cli.js'),
  'serve',
  '--port',
  String(port),
  '--app',
  'demo',
]);
collector.on('exit', (code) => {
  if (!stopping) {
    console.error('The collector stopped; stopping the demos too.');
    stop(code || 1);
  }
});
if (!(await answers(`http://127.0.0.1:${port}/health`))) {
  console.error('The collector did not start; see its output above.');
  stop(1);
}
for (const d of demos) run(d.dir, 'pnpm', ['--filter', d.pkg, 'run', d.script ?? 'preview'], { PORT: String(d.port) });
const ready = await Promise.all(demos.map((d) => answers(`http://127.0.0.1:${d.port}/`)));

const key = process.env.IDEM_SERVER_KEY ? '(IDEM_SERVER_KEY)' : readFileSync(join(root, '.idem', 'server-key'), 'utf8').trim();
const width = Math.max(9, ...demos.map((d) => d.name.length)) + 2;
console.log('\n  Idem is running:');
console.log(`    ${'dashboard'.padEnd(width)} http://127.0.0.1:${port}/`);
for (const [i, d] of demos.entries())
  console.log(`    ${d.name.padEnd(width)} http://127.0.0.1:${d.port}/${ready[i] ? '' : '   (did not answer: see its output above)'}`);
console.log(`    ${'server key'.padEnd(width)} ${key}`);
console.log('\n  Open a demo, browse as a visitor, log in, pick a plan; then sign in to the dashboard with the');
console.log('  server key and find yourself as one identified user. Ctrl-C stops everything.\n');
