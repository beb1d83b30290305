// Run by react18.test.ts, bundled by esbuild with `react` and `react-dom` aliased to React 18.3 (the
// devDependencies react-18 and react-dom-18): the built entry under React 18, in a process of its own.
// `node check.mjs ssr` renders on a "server" (no DOM); `node check.mjs client <endpoint>` mounts in jsdom
// under StrictMode against the collector at <endpoint>. It prints one JSON line of what it saw.
export {};

const [mode, endpoint = ''] = process.argv.slice(2);
const errors: string[] = [];
console.error = (...a: unknown[]) => void errors.push(a.map(String).join(' '));
const sent: Array<{ type: string; identity?: string; properties?: unknown }> = [];

if (mode === 'client') {
  const { JSDOM } = await import('jsdom');
  const dom = new JSDOM('<!doctype html><div id="root"></div>', { url: 'http://app.shop.test/' });
  const g = globalThis as Record<string, unknown>;
  for (const k of ['window', 'document', 'navigator', 'location', 'history', 'localStorage', 'HTMLElement', 'Node', 'Event']) {
    const value = (dom.window as unknown as Record<string, unknown>)[k];
    if (value !== undefined) Object.defineProperty(g, k, { value, configurable: true, writable: true });
  }
  g.IS_REACT_ACT_ENVIRONMENT = true;
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    if (typeof init?.body === 'string') sent.push(...JSON.parse(init.body).messages);
    return realFetch(input, init);
  };
}

// Imported after the globals are in place, as an app's bundle would be.
const React = await import('react');
const { IdemProvider, useIdem, useIdentify, useIdentity, useUserProperties } = await import('../dist/index.js');
type Idem = ReturnType<typeof useIdem>;
const h = React.createElement;
const seen: { idem?: Idem; setUser?: (u: string | null) => void } = {};

function App({ initial }: { initial: string | null }) {
  const [user, setUser] = React.useState(initial);
  seen.setUser = setUser;
  seen.idem = useIdem();
  useIdentify(user);
  useUserProperties(user ? { plan: 'pro' } : null);
  const id = useIdentity();
  return h('p', null, `${id.identity}|${id.userId}`);
}
const tree = (initial: string | null) =>
  h(React.StrictMode, null, h(IdemProvider, { appId: 'demo', options: { endpoint, flushIntervalMs: 5 } }, h(App, { initial })));

if (mode === 'ssr') {
  const { renderToString } = await import('react-dom/server');
  const html = renderToString(tree('alice@example.com'));
  console.log(JSON.stringify({ react: React.version, html, errors }));
} else {
  const { createRoot } = await import('react-dom/client');
  const { act } = React as unknown as { act: (f: () => unknown) => Promise<void> };
  const container = document.getElementById('root')!;
  const root = createRoot(container);
  await act(async () => root.render(tree('grace@example.com')));
  await act(() => seen.idem!.flush());
  const mounted = container.textContent;
  const userId = seen.idem!.getUserId();
  await act(async () => seen.setUser!(null));
  await act(() => seen.idem!.flush());
  const loggedOut = container.textContent;
  const newUserId = seen.idem!.getUserId();
  await act(async () => root.unmount());
  console.log(JSON.stringify({ react: React.version, mounted, userId, loggedOut, newUserId, sent: sent.map((m) => m.type), errors }));
}
process.exit(0);
