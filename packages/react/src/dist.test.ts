// @vitest-environment node
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { measure } from '../scripts/size.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const read = (path: string) => {
  try {
    return readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
  } catch {
    throw new Error(`${path} is missing: run \`pnpm --filter @idem/react build\` first`);
  }
};

describe('the built package', () => {
  it("starts its entry with the 'use client' directive, so React Server Components treat it as client code", () => {
    expect(read('dist/index.js').trimStart()).toMatch(/^["']use client["'];/);
  });

  it('stays within its min+gzip budget without React and @idem/browser', async () => {
    expect(pkg.idemSize).toEqual([{ path: 'dist/index.js', limit: 1024, external: ['react', '@idem/browser', 'react/jsx-runtime'] }]);
    const bytes = await measure('dist/index.js', pkg.idemSize[0].external);
    expect(bytes).toBeGreaterThan(200); // it did bundle our code
    expect(bytes).toBeLessThanOrEqual(1024);
  });

  it('imports nothing but react, react/jsx-runtime and @idem/browser, and types every export', () => {
    const js = read('dist/index.js');
    const imports = [...js.matchAll(/from\s+["']([^"']+)["']/g)].map((m) => m[1]);
    expect(new Set(imports)).toEqual(new Set(['react', 'react/jsx-runtime', '@idem/browser']));
    const dts = read('dist/index.d.ts');
    for (const name of ['IdemProvider', 'useIdem', 'useIdentify', 'useIdentity', 'useUserProperties']) {
      expect(js).toMatch(new RegExp(`\\b${name}\\b`));
      expect(dts).toMatch(new RegExp(`declare function ${name}\\b`));
    }
    expect(pkg.peerDependencies.react).toBe('^18.2.0 || ^19.0.0');
    expect(pkg.dependencies['@idem/browser']).toBe('workspace:*');
  });
});
