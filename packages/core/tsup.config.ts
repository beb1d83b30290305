import { defineConfig } from 'tsup';

// One ESM file (and one .d.ts) per source module, not one bundle: a bundler consuming the npm package
// then keeps only the modules an app reaches (the browser SDK never loads the JSON Schemas, the merge
// rules or pageview parsing), with `"sideEffects": false` letting it drop the rest whole.
export default defineConfig({
  entry: ['src/**/*.ts', '!src/**/*.test.ts'],
  format: 'esm',
  bundle: false,
  dts: true,
  clean: true,
  target: 'es2020',
});
