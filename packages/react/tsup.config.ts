import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.tsx'],
  format: 'esm',
  dts: true,
  clean: true,
  target: 'es2020',
  external: ['react', 'react/jsx-runtime', '@idem/browser'],
});
