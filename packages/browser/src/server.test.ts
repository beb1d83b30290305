// @vitest-environment node
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createIdem, idem } from './index.js';

// On a server (SSR, Node without a DOM) importing the SDK and calling it must be harmless.
describe('on a server (no DOM)', () => {
  it('has no window here', () => {
    expect(typeof window).toBe('undefined');
    expect(typeof document).toBe('undefined');
  });

  it('createIdem answers an instance whose calls do nothing', async () => {
    const i = createIdem('demo', { endpoint: 'http://127.0.0.1:9' });
    expect(i.identify('alice')).toEqual({ ok: true });
    expect(i.track('x', { a: 1 })).toEqual({ ok: true });
    expect(i.addUserProperties({ a: 1 })).toEqual({ ok: true });
    expect(i.resetIdentity()).toEqual({ ok: true });
    expect(i.pageview()).toEqual({ ok: true });
    expect(i.addEventProperties({ a: 1 })).toEqual({ ok: true });
    expect(i.removeEventProperty('a')).toEqual({ ok: true });
    expect(i.clearEventProperties()).toEqual({ ok: true });
    expect(i.getUserId()).toBeNull();
    expect(i.getIdentity()).toBeNull();
    expect(i.getSessionId()).toBeNull();
    expect(i.getSnapshot()).toBe(i.getSnapshot());
    expect(i.getSnapshot()).toEqual({ userId: null, identity: null, sessionId: null });
    const off = i.subscribe(() => {});
    off();
    let ready = false;
    expect(i.onReady(() => (ready = true))).toEqual({ ok: true });
    expect(ready).toBe(false);
    await expect(i.flush()).resolves.toBeUndefined();
    expect(i.shutdown()).toEqual({ ok: true });
  });

  it('the singleton inits and answers calls without throwing', async () => {
    expect(idem.track('before')).toEqual({ ok: true });
    expect(idem.init('demo')).toEqual({ ok: true });
    expect(idem.identify('bob')).toEqual({ ok: true });
    expect(idem.getUserId()).toBeNull();
    await expect(idem.flush()).resolves.toBeUndefined();
    idem.shutdown();
  });

  it('the built ESM entry and the IIFE load in plain Node without throwing', () => {
    const dist = fileURLToPath(new URL('../dist/', import.meta.url));
    if (!existsSync(`${dist}idem.min.js`)) throw new Error('build first: pnpm --filter @idem/browser build');
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(`${dist}idem.min.js`)}); const m = await import(${JSON.stringify(`${dist}index.js`)});
         const r = m.idem.init('demo'); console.log(JSON.stringify([r, m.idem.track('x'), m.createIdem('demo').getUserId(), typeof globalThis.idem]));`,
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual([{ ok: true }, { ok: true }, null, 'undefined']);
  });
});
