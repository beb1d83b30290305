import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'jsdom',
    environmentOptions: { jsdom: { url: 'http://app.shop.test/' } },
    // A real collector (@idem/server on SQLite in memory) for the SDK under the hooks to send to.
    globalSetup: ['src/test-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
