import { createIdem, type Idem, type IdemOptions } from '@idem/browser';
import { act, cleanup, render } from '@testing-library/react';
import type { JSDOM } from 'jsdom';
import { type ReactNode, StrictMode, useState } from 'react';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { IdemProvider, useIdem, useIdentify, useIdentity, useUserProperties } from './index.js';

const { url: endpoint, serverKey } = inject('collector');
/** vitest's jsdom instance: the page URL and cookie jar are reset before each test. */
const dom = (globalThis as unknown as { jsdom: JSDOM }).jsdom;
const options: IdemOptions = { endpoint, flushIntervalMs: 5 };

/** A message as the SDK puts it on the wire (docs/contracts.md). */
type Message = { type: 'pageview' | 'track' | 'identify' | 'user_properties'; id: string; user_id: string; [key: string]: unknown };

/** Every message the SDK sent to the collector in this test (fetch is observed, not replaced). */
let sent: Message[] = [];
let warnings: string[] = [];
const realFetch = globalThis.fetch;
const ofType = (type: Message['type']) => sent.filter((m) => m.type === type);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  dom.reconfigure({ url: 'http://app.shop.test/' });
  dom.cookieJar.removeAllCookiesSync();
  localStorage.clear();
  sent = [];
  warnings = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    if (typeof init?.body === 'string') sent.push(...(JSON.parse(init.body) as { messages: Message[] }).messages);
    return realFetch(input, init);
  });
  vi.spyOn(console, 'warn').mockImplementation((text: unknown) => void warnings.push(String(text)));
});
afterEach(async () => {
  cleanup();
  await sleep(5); // the provider shuts its SDK down on the next tick after a lasting unmount
  vi.restoreAllMocks();
});

/** Test components: hooks at module level, what they see handed out through props. */
function Grab({ seen }: { seen: { idem?: Idem } }) {
  seen.idem = useIdem();
  return null;
}
function Probe({ clients }: { clients: Set<Idem> }) {
  clients.add(useIdem());
  return null;
}
function Orphan() {
  useIdentify('alice');
  return null;
}
function Num({ id }: { id: string | number }) {
  useIdentify(id);
  return null;
}
function Bad({ id }: { id: unknown }) {
  useIdentify(id as string);
  return <output data-testid="identity">{useIdentity().identity ?? 'anonymous'}</output>;
}
function Plan({ props }: { props: Record<string, unknown> | null | undefined }) {
  useUserProperties(props);
  return null;
}
function Account({ email, plan }: { email: string | null; plan: string }) {
  useIdentify(email);
  useUserProperties({ plan });
  return null;
}
function Child({ plan }: { plan: string }) {
  useUserProperties({ plan });
  return null;
}
function Parent({ email, plan }: { email: string; plan: string }) {
  useIdentify(email);
  return <Child plan={plan} />;
}
function Who({ renders }: { renders: { count: number } }) {
  renders.count++;
  const id = useIdentity();
  return <output data-testid="who">{`${id.identity}|${id.userId}|${id.sessionId}`}</output>;
}

/** Renders `ui` under a provider (StrictMode unless told otherwise); `update` renders new children in the same tree. */
function mount(ui: ReactNode, { strict = true, client }: { strict?: boolean; client?: Idem } = {}) {
  const seen: { idem?: Idem } = {};
  const tree = (children: ReactNode) => {
    const inner = client ? (
      <IdemProvider client={client}>
        <Grab seen={seen} />
        {children}
      </IdemProvider>
    ) : (
      <IdemProvider appId="demo" options={options}>
        <Grab seen={seen} />
        {children}
      </IdemProvider>
    );
    return strict ? <StrictMode>{inner}</StrictMode> : inner;
  };
  const view = render(tree(ui));
  return {
    ...view,
    idem: seen.idem!,
    update: (next: ReactNode) => view.rerender(tree(next)),
    flush: () => act(() => seen.idem!.flush()),
  };
}

const api = async (path: string) => {
  const res = await realFetch(`${endpoint}${path}`, { headers: { authorization: `Bearer ${serverKey}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** A login form in miniature: the identity is state the test changes. */
function Auth({ initial = null as string | number | null | undefined, resetOnLogout = true }) {
  const [user, setUser] = useState(initial);
  useIdentify(user, { resetOnLogout });
  const id = useIdentity();
  return (
    <div>
      <output data-testid="identity">{id.identity ?? 'anonymous'}</output>
      <output data-testid="user">{id.userId ?? 'none'}</output>
      <output data-testid="session">{id.sessionId ?? 'none'}</output>
      <button type="button" onClick={() => setUser('alice@example.com')}>
        alice
      </button>
      <button type="button" onClick={() => setUser('bob@example.com')}>
        bob
      </button>
      <button type="button" onClick={() => setUser(null)}>
        logout
      </button>
    </div>
  );
}
const click = (view: ReturnType<typeof render>, name: string) => act(() => view.getByText(name).click());
const text = (view: ReturnType<typeof render>, id: string) => view.getByTestId(id).textContent;

describe('IdemProvider', () => {
  it('creates one SDK instance under StrictMode: one pageview, and the same client on every render', async () => {
    const clients = new Set<Idem>();
    const view = mount(<Probe clients={clients} />);
    view.update(<Probe clients={clients} />);
    await view.flush();
    expect(clients.size).toBe(1);
    expect(ofType('pageview')).toHaveLength(1);
    expect(ofType('pageview')[0]!.url).toBe('http://app.shop.test/');
    expect(warnings.filter((w) => w.includes('init called twice'))).toEqual([]);
  });

  it('follows single-page navigations while mounted and lets go of history once unmounted for good', async () => {
    const original = history.pushState;
    const view = mount(null);
    await act(() => history.pushState(null, '', '/pricing'));
    await view.flush();
    expect(ofType('pageview').map((m) => m.url)).toEqual(['http://app.shop.test/', 'http://app.shop.test/pricing']);
    expect(history.pushState).not.toBe(original);
    view.unmount();
    await sleep(5);
    expect(history.pushState).toBe(original);
    history.pushState(null, '', '/after');
    await sleep(30);
    expect(ofType('pageview')).toHaveLength(2);
  });

  it('uses a ready client as given and leaves it running on unmount', async () => {
    const client = createIdem('demo', { ...options, autoPageviews: false });
    const view = mount(<Auth initial="carol@example.com" />, { client });
    expect(view.idem).toBe(client);
    await view.flush();
    expect(ofType('identify').map((m) => m.identity)).toEqual(['carol@example.com']);
    view.unmount();
    await sleep(5);
    expect(client.track('After Unmount').ok).toBe(true);
    client.shutdown();
  });

  it('answers a clear error when a hook is used without a provider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => render(<Orphan />)).toThrow(/IdemProvider/);
  });
});

describe('useIdentify', () => {
  it('identifies on the first mount under StrictMode with one identify message, then never again for the same id', async () => {
    const view = mount(<Auth initial="alice@example.com" />);
    await view.flush();
    expect(text(view, 'identity')).toBe('alice@example.com');
    await click(view, 'alice'); // same id: a re-render, no message
    view.update(<Auth initial="alice@example.com" />);
    await view.flush();
    expect(ofType('identify').map((m) => m.identity)).toEqual(['alice@example.com']);
    // The visitor's pageview came first and has the same user id as the identify (R5 keeps it).
    expect(sent.map((m) => m.type)).toEqual(['pageview', 'identify']);
    expect(ofType('identify')[0]!.user_id).toBe(ofType('pageview')[0]!.user_id);
    const user = await api('/api/v1/users?app_id=demo&identity=alice%40example.com');
    expect(user.status).toBe(200);
    expect(user.body.user_id).toBe(ofType('pageview')[0]!.user_id);
  });

  it('does nothing while the id is null or undefined, and identifies once it is set (after login)', async () => {
    for (const initial of [null, undefined]) {
      dom.cookieJar.removeAllCookiesSync();
      sent = [];
      const view = mount(<Auth initial={initial} />);
      await view.flush();
      expect(sent.map((m) => m.type)).toEqual(['pageview']);
      expect(text(view, 'identity')).toBe('anonymous');
      const anonymous = text(view, 'user');
      expect(anonymous).toMatch(/^\d+$/);
      await click(view, 'alice');
      await view.flush();
      expect(text(view, 'identity')).toBe('alice@example.com');
      expect(text(view, 'user')).toBe(anonymous);
      expect(ofType('identify')).toHaveLength(1);
      cleanup();
      await sleep(5);
    }
  });

  it('treats a change from an id to none as a logout: a new anonymous user id and session', async () => {
    const view = mount(<Auth initial="alice@example.com" />);
    await view.flush();
    const alice = { user: text(view, 'user'), session: text(view, 'session') };
    await click(view, 'logout');
    expect(text(view, 'identity')).toBe('anonymous');
    expect(text(view, 'user')).not.toBe(alice.user);
    expect(text(view, 'session')).not.toBe(alice.session);
    await click(view, 'logout'); // still nobody: nothing more happens
    const loggedOut = text(view, 'user');
    expect(text(view, 'user')).toBe(loggedOut);
    await click(view, 'bob');
    await view.flush();
    expect(text(view, 'identity')).toBe('bob@example.com');
    expect(text(view, 'user')).toBe(loggedOut);
    expect(ofType('identify').map((m) => [m.identity, m.user_id])).toEqual([
      ['alice@example.com', alice.user],
      ['bob@example.com', loggedOut],
    ]);
  });

  it('keeps the identity on a change to none when resetOnLogout is false', async () => {
    const view = mount(<Auth initial="alice@example.com" resetOnLogout={false} />);
    await view.flush();
    const user = text(view, 'user');
    await click(view, 'logout');
    expect(text(view, 'identity')).toBe('alice@example.com');
    expect(text(view, 'user')).toBe(user);
  });

  it('switching from one id to another gives a new user id (R6), with no reset in between', async () => {
    const view = mount(<Auth initial="alice@example.com" />);
    await view.flush();
    const alice = text(view, 'user');
    await click(view, 'bob');
    await view.flush();
    expect(text(view, 'identity')).toBe('bob@example.com');
    expect(text(view, 'user')).not.toBe(alice);
    expect(ofType('identify').map((m) => m.identity)).toEqual(['alice@example.com', 'bob@example.com']);
  });

  it('does not reset on a first render without an id, even when the device is identified (auth still loading)', async () => {
    const first = mount(<Auth initial="alice@example.com" />);
    await first.flush();
    const alice = text(first, 'user');
    cleanup();
    await sleep(5);
    const second = mount(<Auth initial={null} />);
    await second.flush();
    expect(text(second, 'identity')).toBe('alice@example.com');
    expect(text(second, 'user')).toBe(alice);
  });

  it('accepts a number id, and a number then the same string sends one identify', async () => {
    const view = mount(<Num id={42} />);
    view.update(<Num id="42" />);
    await view.flush();
    expect(ofType('identify').map((m) => m.identity)).toEqual(['42']);
  });

  it('refuses hostile and wrong-typed ids with a warning, sends nothing and stays anonymous', async () => {
    const bad: unknown[] = [
      '',
      '   ',
      'null',
      'Anonymous',
      '0',
      'x'.repeat(256),
      Number.NaN,
      Number.POSITIVE_INFINITY,
      true,
      {},
      ['alice'],
      Symbol('s'),
      10n,
    ];
    const view = mount(<Bad id={bad[0]} />, { strict: false });
    for (const id of bad) view.update(<Bad id={id} />);
    await view.flush();
    expect(ofType('identify')).toEqual([]);
    expect(view.getByTestId('identity').textContent).toBe('anonymous');
    expect(warnings.length).toBeGreaterThanOrEqual(bad.length - 1);
  });
});

describe('useUserProperties', () => {
  const rerender = (view: ReturnType<typeof mount>, props: Record<string, unknown> | null | undefined) =>
    view.update(<Plan props={props} />);

  it('adds properties on mount and again only when their values change (not their object or key order)', async () => {
    const view = mount(<Plan props={{ plan: 'free', seats: 1 }} />);
    rerender(view, { plan: 'free', seats: 1 });
    rerender(view, { seats: 1, plan: 'free' });
    rerender(view, { plan: 'pro', seats: 1 });
    rerender(view, { plan: 'pro', seats: 1 });
    rerender(view, { plan: 'pro', seats: 1, company: { size: 10 } });
    rerender(view, { company: { size: 10 }, seats: 1, plan: 'pro' });
    rerender(view, { plan: 'pro', seats: 1, company: { size: 11 } });
    await view.flush();
    expect(ofType('user_properties').map((m) => m.properties)).toEqual([
      { plan: 'free', seats: 1 },
      { plan: 'pro', seats: 1 },
      { plan: 'pro', seats: 1, 'company.size': 10 },
      { plan: 'pro', seats: 1, 'company.size': 11 },
    ]);
    // Written on the user the collector knows (anonymous here): last write wins.
    const userId = ofType('pageview')[0]!.user_id;
    const user = await api(`/api/v1/users/${userId}?app_id=demo`);
    expect(user.body.properties).toMatchObject({ plan: 'pro', seats: 1, 'company.size': 11 });
  });

  it('tells apart values that look alike when serialized (1 and "1", true and "true")', async () => {
    const view = mount(<Plan props={{ a: 1 }} />, { strict: false });
    for (const props of [{ a: '1' }, { a: true }, { a: 'true' }, { a: undefined }, {}, { a: null }]) view.update(<Plan props={props} />);
    await view.flush();
    expect(ofType('user_properties').map((m) => m.properties)).toEqual([{ a: 1 }, { a: '1' }, { a: true }, { a: 'true' }]);
  });

  it('adds them again for a new user id (another login, a logout), once under StrictMode', async () => {
    const view = mount(<Account email="alice@example.com" plan="pro" />);
    view.update(<Account email="bob@example.com" plan="pro" />);
    await view.flush();
    view.update(<Account email={null} plan="pro" />);
    await view.flush();
    const [alice, bob, visitor] = ofType('identify').map((m) => m.user_id);
    const writes = ofType('user_properties').map((m) => [m.user_id, m.properties]);
    expect(writes).toEqual([
      [alice, { plan: 'pro' }],
      [bob, { plan: 'pro' }],
      [expect.not.stringMatching(new RegExp(`^(${alice}|${bob})$`)), { plan: 'pro' }],
    ]);
    expect(visitor).toBeUndefined();
  });

  it('ends on the new user when a child adds properties before its parent identifies (effects run children first)', async () => {
    const view = mount(<Parent email="erin@example.com" plan="free" />);
    await view.flush();
    view.update(<Parent email="frank@example.com" plan="free" />);
    await view.flush();
    const frank = ofType('identify').find((m) => m.identity === 'frank@example.com')!.user_id;
    expect(ofType('user_properties').at(-1)).toMatchObject({ user_id: frank, properties: { plan: 'free' } });
    const user = await api('/api/v1/users?app_id=demo&identity=frank%40example.com');
    expect((user.body.properties as Record<string, unknown>).plan).toBe('free');
  });

  it('does nothing for null or undefined, and follows the properties after them', async () => {
    const view = mount(<Plan props={null} />);
    rerender(view, undefined);
    rerender(view, { plan: 'team' });
    rerender(view, null);
    rerender(view, { plan: 'team' });
    await view.flush();
    expect(ofType('user_properties').map((m) => m.properties)).toEqual([{ plan: 'team' }]);
  });

  it('survives hostile and wrong-typed input: cycles, bigint, symbols, functions, huge objects, non-objects', async () => {
    const cyclic: Record<string, unknown> = { plan: 'x' };
    cyclic.self = cyclic;
    const shared = { n: 1 };
    const huge = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    const inputs: unknown[] = [
      cyclic,
      { big: 10n },
      { s: Symbol('s'), ok: 'yes' },
      { f: () => 1 },
      { a: shared, b: shared },
      huge,
      { ['x'.repeat(600)]: 1, user_id: 'u', ID: 2, '': 3 },
      'plan=pro',
      42,
      ['pro'],
      Object.create(null),
    ];
    const view = mount(<Plan props={null} />, { strict: false });
    for (const props of inputs) view.update(<Plan props={props as Record<string, unknown>} />);
    await view.flush();
    const props = ofType('user_properties').map((m) => m.properties as Record<string, unknown>);
    expect(props).toContainEqual({ ok: 'yes' });
    expect(props).toContainEqual({ 'a.n': 1, 'b.n': 1 });
    expect(props.some((p) => 'user_id' in p || 'ID' in p)).toBe(false);
    expect(warnings.length).toBeGreaterThan(0);
  });
});

describe('useIdentity', () => {
  it('re-renders when the user id, identity or session changes, and not otherwise', async () => {
    const renders = { count: 0 };
    const view = mount(<Who renders={renders} />, { strict: false });
    const [identity, userId, sessionId] = view.getByTestId('who').textContent!.split('|');
    expect(identity).toBe('null');
    expect(userId).toMatch(/^\d+$/);
    expect(sessionId).toMatch(/^\d+$/);
    const before = renders.count;
    await act(() => view.idem.track('Clicked'));
    await view.flush();
    expect(renders.count).toBe(before);
    await act(() => view.idem.identify('dana@example.com'));
    expect(view.getByTestId('who').textContent).toBe(`dana@example.com|${userId}|${sessionId}`);
    await act(() => view.idem.resetIdentity());
    const [, newUser, newSession] = view.getByTestId('who').textContent!.split('|');
    expect(newUser).not.toBe(userId);
    expect(newSession).not.toBe(sessionId);
  });
});
