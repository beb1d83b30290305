import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Node by default; client.test.ts asks for happy-dom, on a subdomain so the SDK's domain probing runs.
    environmentOptions: { happyDOM: { url: 'http://app.shop.test/' } },
    testTimeout: 30_000,
  },
});
