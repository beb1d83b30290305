// @vitest-environment node
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { beforeAll, describe, expect, inject, it } from 'vitest';

// The package says React 18.2+ or 19: the same built entry, run under React 18.3 in its own process.
const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = `${root}node_modules/.cache/idem-react18/check.mjs`;
const run = async (...args: string[]) => {
  const { stdout } = await promisify(execFile)(process.execPath, [outfile, ...args], { cwd: root, timeout: 90_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
};

beforeAll(async () => {
  mkdirSync(`${root}node_modules/.cache/idem-react18`, { recursive: true });
  await build({
    entryPoints: [`${root}src/react18.fixture.tsx`],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    jsx: 'automatic',
    absWorkingDir: root,
    // Every `react` and `react-dom` import, React DOM's own included, goes to React 18.
    alias: { react: 'react-18', 'react-dom': 'react-dom-18' },
    external: ['jsdom'],
    define: { 'process.env.NODE_ENV': '"development"' },
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
});

describe('under React 18', { timeout: 120_000 }, () => {
  it('renders on a server with no DOM: identity all null, no warning (no useLayoutEffect there)', async () => {
    const out = await run('ssr');
    expect(out.react).toMatch(/^18\./);
    expect(out.html).toBe('<p>null|null</p>');
    expect(out.errors).toEqual([]);
  });

  it('mounts under StrictMode with one SDK and one identify, adds properties once, and resets on logout', async () => {
    const out = await run('client', inject('collector').url);
    expect(out.react).toMatch(/^18\./);
    expect(out.mounted).toBe(`grace@example.com|${out.userId}`);
    expect(out.sent).toEqual(['pageview', 'identify', 'user_properties']);
    expect(out.newUserId).not.toBe(out.userId);
    expect(out.loggedOut).toBe(`null|${out.newUserId}`);
    expect(out.errors).toEqual([]);
  });
});
