import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // A DOM for the plugin and composables; ssr.test.ts picks the node environment itself.
    environment: 'happy-dom',
    environmentOptions: { happyDOM: { url: 'http://app.shop.test/' } },
    testTimeout: 20_000,
  },
});
