import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// `pnpm start` (the repo root) serves the build with `vite preview` on PORT (5174 by default).
const port = Number(process.env.PORT ?? 5174);

export default defineConfig({
  plugins: [vue()],
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { host: '127.0.0.1', port },
  preview: { host: '127.0.0.1', port, strictPort: true },
});
