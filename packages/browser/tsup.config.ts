import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

export default defineConfig([
  // For bundlers: ESM with types; @idem/core stays an import so an app bundles it once.
  { entry: ['src/index.ts'], format: 'esm', dts: true, clean: true, target: 'es2020', treeshake: true },
  // For a script tag: one minified IIFE with core inlined, checked against the 5 KB budget.
  {
    entry: { idem: 'src/iife.ts' },
    format: 'iife',
    minify: 'terser',
    terserOptions: { ecma: 2020, compress: { passes: 3, pure_getters: true, unsafe_arrows: true } },
    target: 'es2020',
    noExternal: [/.*/],
    // Core's sources rather than its single-file dist, so that modules the SDK does not use (the JSON
    // Schemas, the merge rules, pageview parsing) are dropped whole.
    esbuildOptions(o) {
      o.alias = { '@idem/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) };
    },
    outExtension: () => ({ js: '.min.js' }),
    treeshake: true,
  },
]);
