// Byte budgets, checked in CI: every workspace package may list `"idemSize": [{ path, limit, external? }]`
// in its package.json. A shipped bundle (*.min.js) is measured as is; a library entry is bundled
// with esbuild (minified, its externals left out). Each is gzipped and brotli-compressed; the gzip
// size must stay within `limit` bytes. Bytes are the same
// on every machine, so this is a gate, unlike speed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
// `node scripts/check-size.mjs [DIR]`: every package, or the one in DIR (a package's own `size` script).
const only = process.argv[2];
const dirs = only
  ? [resolve(only)]
  : ['packages', 'apps'].flatMap((d) => (existsSync(join(root, d)) ? readdirSync(join(root, d)).map((n) => join(root, d, n)) : []));
let failed = false;
const rows = [];
for (const dir of dirs) {
  const pkgFile = join(dir, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  for (const budget of pkg.idemSize ?? []) {
    const entry = join(dir, budget.path);
    if (!existsSync(entry)) {
      console.error(`${pkg.name}: ${budget.path} does not exist (build first)`);
      failed = true;
      continue;
    }
    // A shipped bundle (*.min.js) is measured as it is; a library entry is bundled the way an app
    // would bundle it, with its peers left out.
    const shipped = budget.path.endsWith('.min.js');
    const out = shipped
      ? null
      : await build({
          entryPoints: [entry],
          bundle: true,
          minify: true,
          write: false,
          format: 'esm',
          external: budget.external ?? [],
          platform: 'browser',
          logLevel: 'silent',
        });
    const code = shipped ? readFileSync(entry) : out.outputFiles[0].contents;
    const gzip = gzipSync(code, { level: 9 }).length;
    const brotli = brotliCompressSync(code).length;
    const ok = gzip <= budget.limit;
    if (!ok) failed = true;
    rows.push({ package: pkg.name, file: budget.path, min: code.length, gzip, brotli, limit: budget.limit, ok: ok ? 'ok' : 'OVER' });
  }
}
console.table(rows);
if (rows.length === 0) {
  console.error('no size budgets found');
  process.exit(1);
}
process.exit(failed ? 1 : 0);
