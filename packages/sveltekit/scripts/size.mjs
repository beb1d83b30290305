// Bundles each path in package.json's "idemSize" with esbuild (minified, with its externals), gzips it
// and checks it against its budget in bytes, as the root's scripts/check-size.mjs does. Run after the build.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { idemSize = [] } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
let failed = false;
for (const { path, limit, external = [] } of idemSize) {
  const out = await build({
    entryPoints: [join(root, path)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external,
    write: false,
  });
  const bytes = gzipSync(out.outputFiles[0].contents, { level: 9 }).length;
  const ok = bytes <= limit;
  failed ||= !ok;
  console.log(`${ok ? 'ok  ' : 'OVER'} ${path}: ${bytes} B min+gzip without ${external.join(', ')} (limit ${limit} B)`);
}
process.exit(failed ? 1 : 0);
