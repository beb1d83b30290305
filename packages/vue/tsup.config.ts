import { defineConfig } from 'tsup';

// Vue, vue-router and @idem/browser stay imports: the app bundles them once.
export default defineConfig({ entry: ['src/index.ts'], format: 'esm', dts: true, clean: true, target: 'es2020', treeshake: true });
