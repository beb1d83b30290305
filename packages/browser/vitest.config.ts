import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'jsdom',
          environmentOptions: { jsdom: { url: 'http://app.shop.test/' } },
          testTimeout: 20_000,
        },
      },
      {
        // Real Chromium against the real collector: one file at a time, generous timeouts.
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
