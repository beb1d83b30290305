import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `pnpm start` (the repo root) serves the build with `vite preview` on PORT (5173 by default).
const port = Number(process.env.PORT ?? 5173);

export default defineConfig({
  plugins: [react()],
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { host: '127.0.0.1', port },
  preview: { host: '127.0.0.1', port, strictPort: true },
});
