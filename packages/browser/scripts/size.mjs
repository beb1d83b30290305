// Checks each file listed in package.json's "idemSize" against its min+gzip budget (bytes).
// Run after the build: `pnpm --filter @idem/browser size`. Exits 1 when a file is over budget.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { idemSize = [] } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
let failed = false;
for (const { path, limit } of idemSize) {
  const bytes = gzipSync(readFileSync(join(root, path)), { level: 9 }).length;
  const ok = bytes <= limit;
  failed ||= !ok;
  console.log(`${ok ? 'ok  ' : 'OVER'} ${path}: ${bytes} B min+gzip (limit ${limit} B)`);
}
process.exit(failed ? 1 : 0);
