// @vitest-environment node
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/** Browser globals a server has not got: any read of them by Idem's code is recorded with its stack. */
const GLOBALS = ['window', 'document', 'localStorage', 'sessionStorage', 'location', 'history', 'navigator', 'addEventListener'] as const;
const touched: Array<{ name: string; stack: string }> = [];
const saved = new Map<string, PropertyDescriptor | undefined>();

let lib: typeof import('./index.js');
let react: typeof import('react');
let server: typeof import('react-dom/server');
let browser: typeof import('@idem/browser');

beforeAll(async () => {
  for (const name of GLOBALS) {
    saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.push({ name, stack: new Error().stack ?? '' });
        return undefined;
      },
    });
  }
  // Imported under the trap: evaluating the modules must not read a browser global either.
  lib = await import('./index.js');
  react = await import('react');
  server = await import('react-dom/server');
  browser = await import('@idem/browser');
});
afterAll(() => {
  for (const [name, d] of saved) {
    if (d) Object.defineProperty(globalThis, name, d);
    else delete (globalThis as Record<string, unknown>)[name];
  }
});

/**
 * Reads made from Idem's own code (this package, @idem/browser, @idem/core), not React's, other than a
 * `typeof window`-style check that only asks whether it is there: each is found by its stack frame.
 */
const ours = () =>
  touched.filter(({ name, stack }) => {
    const frame = stack
      .split('\n')
      .slice(2)
      .map((l) => /\(?([^ ()]+\/packages\/(?:react|browser|core)\/(?:src|dist)\/[^:]+):(\d+):(\d+)\)?$/.exec(l))
      .find(Boolean);
    if (!frame) return false;
    const line = readFileSync(frame[1]!, 'utf8').split('\n')[Number(frame[2]) - 1] ?? '';
    return !new RegExp(`typeof ${name}\\b`).test(line);
  });

/** Components for the tests, written with createElement over the modules imported under the trap. */
const calls: string[] = [];
function Page() {
  const idem = lib.useIdem();
  calls.push(typeof idem.identify);
  lib.useIdentify('alice@example.com');
  lib.useUserProperties({ plan: 'pro' });
  const { userId, identity, sessionId } = lib.useIdentity();
  return react.createElement('p', null, `${identity ?? 'anonymous'} ${userId ?? '-'} ${sessionId ?? '-'}`);
}
function UserId() {
  return react.createElement('span', null, String(lib.useIdentity().userId));
}
function LoggedOut() {
  lib.useIdentify(null);
  return react.createElement('b', null, lib.useIdentity().identity ?? 'anonymous');
}

describe('server rendering', () => {
  it('imports, renders the provider and every hook with renderToString, and touches no browser global', () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const h = react.createElement;
    const html = server.renderToString(
      h(react.StrictMode, null, h(lib.IdemProvider, { appId: 'demo', options: { endpoint: 'http://127.0.0.1:1' } }, h(Page))),
    );
    expect(html).toBe('<p>anonymous - -</p>');
    expect(calls).toContain('function');
    expect(ours()).toEqual([]);
    expect(timers).not.toHaveBeenCalled(); // no effect ran: no SDK, no shutdown timer
    timers.mockRestore();
  });

  it('renders with a ready client made on the server by createIdem (a client that does nothing there)', () => {
    const client = browser.createIdem('demo');
    const h = react.createElement;
    expect(server.renderToString(h(lib.IdemProvider, { client }, h(UserId)))).toBe('<span>null</span>');
    // createIdem checks `typeof window` to know it is on a server, and answers a client that does nothing.
    expect(client.identify('alice@example.com')).toEqual({ ok: true });
    expect(client.getSnapshot()).toEqual({ userId: null, identity: null, sessionId: null });
    expect(ours()).toEqual([]);
  });

  it('streams with renderToPipeableStream as well', async () => {
    const { Writable } = await import('node:stream');
    const h = react.createElement;
    const html = await new Promise<string>((resolve, reject) => {
      let out = '';
      const sink = new Writable({
        write(chunk, _enc, done) {
          out += chunk;
          done();
        },
        final(done) {
          resolve(out);
          done();
        },
      });
      const stream = server.renderToPipeableStream(h(lib.IdemProvider, { appId: 'demo' }, h(LoggedOut)), {
        onAllReady: () => stream.pipe(sink),
        onError: reject,
      });
    });
    expect(html).toContain('<b>anonymous</b>');
    expect(ours()).toEqual([]);
  });
});
