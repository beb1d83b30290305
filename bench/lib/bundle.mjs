// 1. Browser bundles: every SDK doing the same job (bench/bundle/*.js), built by esbuild with the same
// settings, measured minified, gzipped (level 9) and brotli-compressed (quality 11).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { BENCH_DIR, ROOT, round, SDKS } from './common.mjs';

const SETTINGS = {
  bundle: true,
  minify: true,
  write: false,
  platform: 'browser',
  target: 'es2020',
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'silent',
};

export const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;
export const brotli = (bytes) =>
  brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }).length;

/** One IIFE per SDK (what a page loads); also an ESM build with code splitting, for the part loaded up front. */
export async function buildBundles() {
  const out = {};
  for (const sdk of SDKS) {
    const entry = join(BENCH_DIR, 'bundle', `${sdk.id}.js`);
    const iife = await build({ ...SETTINGS, entryPoints: [entry], format: 'iife' });
    const code = iife.outputFiles[0].contents;
    const split = await build({ ...SETTINGS, entryPoints: [entry], format: 'esm', splitting: true, outdir: '/virtual' });
    const entryChunk = split.outputFiles.find((f) => f.path.endsWith(`${sdk.id}.js`));
    out[sdk.id] = {
      code: Buffer.from(code).toString('utf8'),
      min: code.length,
      gzip: gzip(code),
      brotli: brotli(code),
      chunks: split.outputFiles.length,
      entryGzip: entryChunk ? gzip(entryChunk.contents) : null,
    };
  }
  return out;
}

export async function benchBundles(log) {
  const bundles = await buildBundles();
  const rows = SDKS.map((sdk) => ({ sdk: sdk.label, ...pick(bundles[sdk.id], ['min', 'gzip', 'brotli', 'chunks', 'entryGzip']) }));
  const idem = bundles.idem;
  const peers = SDKS.filter((s) => s.id !== 'idem');
  const smallest = peers.reduce((a, b) => (bundles[b.id].gzip < bundles[a.id].gzip ? b : a));
  for (const r of rows) r.ratioGzip = round(bundles[SDKS.find((s) => s.label === r.sdk).id].gzip / idem.gzip, 1);
  // The script-tag build (IIFE with the pre-load queue), as published.
  const tag = readFileSync(join(ROOT, 'packages/browser/dist/idem.min.js'));
  const scriptTag = { min: tag.length, gzip: gzip(tag), brotli: brotli(tag) };
  const result = {
    rows,
    scriptTag,
    smallestPeer: smallest.label,
    idemGzip: idem.gzip,
    fractionOfSmallestPeer: round(idem.gzip / bundles[smallest.id].gzip, 3),
    targets: {
      'idem <= 5 KB gzip': idem.gzip <= 5120,
      'idem <= 1/5 of smallest peer': idem.gzip * 5 <= bundles[smallest.id].gzip,
    },
  };
  log?.(result);
  return { result, bundles };
}

function pick(o, keys) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}
