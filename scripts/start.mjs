// `pnpm start`: the main job. Runs the collector on SQLite with its dashboard, and every demo app
// that declares `"idemDemo": { "name", "port", "script" }` in its package.json, then prints where
// everything is. The dashboard links to the demos through demo-links.json.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const port = Number(process.env.PORT ?? 8787);
const children = [];

function run(name, cmd, args, env = {}) {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}] `;
  const pipe = (stream, out) => stream.on('data', (d) => out.write(String(d).replace(/^(?=.)/gm, prefix)));
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) console.error(`${prefix}exited with ${code}`);
  });
  children.push(child);
  return child;
}

const demos = [];
const appsDir = join(root, 'apps');
for (const dir of existsSync(appsDir) ? readdirSync(appsDir) : []) {
  const file = join(appsDir, dir, 'package.json');
  if (!existsSync(file)) continue;
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  if (pkg.idemDemo) demos.push({ pkg: pkg.name, dir, ...pkg.idemDemo });
}

const dashboardDist = join(appsDir, 'dashboard', 'dist');
if (existsSync(dashboardDist)) {
  const links = demos.map((d) => ({ name: d.name, url: `http://127.0.0.1:${d.port}/` }));
  writeFileSync(join(dashboardDist, 'demo-links.json'), `${JSON.stringify(links, null, 2)}\n`);
}

run('collector', process.execPath, [join(root, 'packages/server/dist/cli.js'), 'serve', '--port', String(port), '--app', 'demo']);
for (const d of demos) run(d.dir, 'pnpm', ['--filter', d.pkg, 'run', d.script ?? 'preview'], { PORT: String(d.port) });

setTimeout(() => {
  console.log('\n  Idem is running:');
  console.log(`    dashboard   http://127.0.0.1:${port}/   (sign in with the server key printed above by [collector])`);
  for (const d of demos) console.log(`    ${d.name.padEnd(11)} http://127.0.0.1:${d.port}/`);
  console.log('  Open a demo, browse, log in, then find yourself in the dashboard. Ctrl-C stops everything.\n');
}, 2500);

const stop = () => {
  for (const c of children) c.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
