import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Real Chromium against a real collector and the built adapter-node server: one file at a time.
    include: ['e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
