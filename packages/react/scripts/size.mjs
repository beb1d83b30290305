// Checks each file listed in package.json's "idemSize": bundled with esbuild (minified, its "external"
// left out), gzipped, against its budget in bytes. Run after the build: `pnpm --filter @idem/react size`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** min+gzip bytes of one entry, bundled as a browser ESM module. */
export async function measure(path, external = []) {
  const out = await build({
    entryPoints: [join(root, path)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    external,
    write: false,
    logLevel: 'silent',
  });
  return gzipSync(out.outputFiles[0].contents, { level: 9 }).length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { idemSize = [] } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  let failed = false;
  for (const { path, limit, external } of idemSize) {
    const bytes = await measure(path, external);
    const ok = bytes <= limit;
    failed ||= !ok;
    console.log(`${ok ? 'ok  ' : 'OVER'} ${path}: ${bytes} B min+gzip (limit ${limit} B)`);
  }
  process.exit(failed ? 1 : 0);
}
