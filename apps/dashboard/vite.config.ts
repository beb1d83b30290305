import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// Served by `idem serve` at / under a strict CSP (script-src 'self'): everything is an external file,
// nothing inline, nothing from a CDN. Relative asset URLs, so the same build also works behind a path prefix.
export default defineConfig({
  base: './',
  plugins: [preact({ prerender: { enabled: false } })],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // Vite's modulepreload polyfill is not needed by the browsers we target; keep the HTML free of it.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
  },
  server: {
    // `pnpm dev`: the API of a collector started with `pnpm idem serve` on its default port.
    proxy: { '/api': 'http://127.0.0.1:8787', '/demo-links.json': 'http://127.0.0.1:8787' },
  },
});
