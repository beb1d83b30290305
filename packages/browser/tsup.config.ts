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
    // Core is inlined from its dist, one file per module, as an app's bundler sees it: the modules the
    // SDK does not use (the JSON Schemas, the merge rules, pageview parsing) are dropped whole.
    noExternal: [/.*/],
    // esbuild's syntax minification first (const to let, shorter forms terser does not make), then terser.
    esbuildOptions(o) {
      o.minifySyntax = true;
    },
    outExtension: () => ({ js: '.min.js' }),
    treeshake: true,
  },
]);
