import { defineConfig } from 'tsup';

// @idem/* and SvelteKit stay imports; the server entry is for Node (node:crypto), the client one for browsers.
export default defineConfig({
  entry: ['src/client.ts', 'src/server.ts'],
  format: 'esm',
  dts: true,
  clean: true,
  target: 'es2020',
  treeshake: true,
});
