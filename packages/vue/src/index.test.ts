import { createIdem, type Idem } from '@idem/browser';
import { type RunningServer, startServer } from '@idem/server';
import { flushPromises, mount } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp, defineComponent, h, inject, isReadonly, nextTick, reactive, ref } from 'vue';
import { createRouter, createWebHistory, type Router } from 'vue-router';
import { IdemKey, type IdemPluginOptions, idem, useIdem, useIdentify, useIdentity, useUserProperties } from './index.js';
import { apiGet } from './test-api.js';

let server: RunningServer;
let warnings: string[] = [];
let wrappers: Array<{ unmount(): void }> = [];
let n = 0;
const fresh = (name = 'user') => `${name}-${++n}-${Date.now()}@example.com`;

beforeAll(async () => {
  server = await startServer({ port: 0, db: ':memory:', apps: ['demo'], rateLimits: false });
});
afterAll(() => server.close());

// A new visitor for each test: expire every cookie on this host and each parent domain.
const clearCookies = () => {
  const parts = location.hostname.split('.');
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0]!.trim();
    if (!name) continue;
    for (let i = 0; i <= parts.length; i++) {
      const domain = i < parts.length ? `; domain=${parts.slice(i).join('.')}` : '';
      // biome-ignore lint/suspicious/noDocumentCookie: the SDK under test keeps its state in document.cookie
      document.cookie = `${name}=; Max-Age=0; path=/${domain}`;
    }
  }
};
beforeEach(() => {
  clearCookies();
  localStorage.clear();
  history.replaceState(null, '', '/');
  warnings = [];
  vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void warnings.push(a.map(String).join(' ')));
});
afterEach(() => {
  for (const w of wrappers) w.unmount();
  wrappers = [];
  vi.restoreAllMocks();
});

const options = (extra: Partial<IdemPluginOptions> = {}): IdemPluginOptions => ({
  appId: 'demo',
  endpoint: server.url,
  flushIntervalMs: 10,
  autoPageviews: false,
  ...extra,
});

/** Mounts a component whose setup is `setup`, with the plugin (and a router when given). */
async function mountWith(setup: () => unknown, extra: Partial<IdemPluginOptions> = {}, router?: Router) {
  let result: unknown;
  const Comp = defineComponent({
    setup() {
      result = setup();
      return () => h('div', 'ok');
    },
  });
  const plugins: unknown[] = [[idem, options({ ...extra, ...(router ? { router } : {}) })]];
  if (router) plugins.push(router);
  const wrapper = mount(Comp, { global: { plugins: plugins as never } });
  wrappers.push(wrapper);
  const client = (wrapper.vm as unknown as { $idem: Idem }).$idem;
  return { wrapper, client, result };
}

const api = (path: string) => apiGet(server.url, path, server.serverKey);
const userByIdentity = (identity: string) => api(`/api/v1/users?app_id=demo&identity=${encodeURIComponent(identity)}`);

describe('plugin', () => {
  it('provides one client to useIdem, inject(IdemKey) and $idem, and it talks to the real collector', async () => {
    let fromUse: Idem | undefined;
    const { client } = await mountWith(
      () => {
        fromUse = useIdem();
      },
      { autoPageviews: true },
    );
    expect(fromUse).toBe(client);
    expect(client.getUserId()).toMatch(/^\d+$/);
    await client.flush();
    const user = await api(`/api/v1/users/${client.getUserId()}?app_id=demo`);
    expect(user.status).toBe(200);
    const events = await api(`/api/v1/users/${client.getUserId()}/events?app_id=demo`);
    expect(events.body.events.map((e: { type: string }) => e.type)).toContain('pageview');
  });

  it('provides the context under the exported InjectionKey', async () => {
    const app = createApp({ render: () => null });
    app.use(idem, options());
    const ctx = app.runWithContext(() => inject(IdemKey));
    expect(ctx).toMatchObject({ router: undefined });
    const { client, state } = ctx!;
    app.runWithContext(() => expect(useIdem()).toBe(client));
    expect(state.value).toBe(client.getSnapshot());
    client.track('first activity makes the user id');
    expect(state.value).toEqual({ userId: client.getUserId(), identity: null, sessionId: client.getSessionId() });
    expect(state.value.userId).toMatch(/^\d+$/);
    client.shutdown();
  });

  it('uses a client passed in, and leaves it running when the app unmounts', async () => {
    const mine = createIdem('demo', { endpoint: server.url, autoPageviews: false });
    const { wrapper, client } = await mountWith(() => useIdem(), { client: mine });
    expect(client).toBe(mine);
    wrapper.unmount();
    wrappers = [];
    expect(mine.track('still running')).toEqual({ ok: true });
    mine.shutdown();
  });

  it('shuts down the client it made when the app unmounts (no more listeners or sends)', async () => {
    const { wrapper, client } = await mountWith(() => useIdem());
    expect(client.track('before')).toEqual({ ok: true });
    wrapper.unmount();
    wrappers = [];
    expect(client.track('after').ok).toBe(false);
  });

  it('explains what is missing when used without the plugin or outside setup', () => {
    expect(() => useIdem()).toThrow(/app\.use\(idem/);
    const Comp = defineComponent({
      setup() {
        useIdentify('x');
        return () => null;
      },
    });
    expect(() => mount(Comp)).toThrow(/app\.use\(idem/);
  });

  it('answers a client that does nothing for a bad app id, with a warning, and the app still renders', async () => {
    for (const appId of ['', 'has spaces', 'x'.repeat(300), 42 as unknown as string, null as unknown as string]) {
      const { wrapper, client } = await mountWith(() => useIdentify('alice@example.com'), { appId });
      expect(wrapper.text()).toBe('ok');
      expect(client.getUserId()).toBeNull();
      expect(client.identify('alice@example.com')).toEqual({ ok: true });
    }
    expect(warnings.filter((w) => w.includes('invalid app id'))).toHaveLength(5);
  });
});

describe('useIdentify', () => {
  it('identifies when the ref is set, once per identity, and the collector ties the earlier events to it (R5, R7)', async () => {
    const who = ref<string | null>(null);
    const { client } = await mountWith(() => useIdentify(who));
    const spy = vi.spyOn(client, 'identify');
    const anonymous = client.getUserId();
    client.track('Viewed pricing');
    expect(client.getIdentity()).toBeNull();
    const id = fresh('alice');
    who.value = id;
    await nextTick();
    expect(client.getIdentity()).toBe(id);
    expect(client.getUserId()).toBe(anonymous);
    expect(spy).toHaveBeenCalledTimes(1);
    await client.flush();
    const user = await userByIdentity(id);
    expect(user.body).toMatchObject({ identity: id, user_id: anonymous });
    const events = await api(`/api/v1/users/${anonymous}/events?app_id=demo`);
    expect(events.body.events.map((e: { event: string }) => e.event)).toContain('Viewed pricing');
  });

  it('takes a getter and a number, identifies at once when already set, and again on remount (every page load)', async () => {
    const state = reactive({ user: { id: 4242 } as { id: number } | null });
    const first = await mountWith(() => useIdentify(() => state.user?.id));
    expect(first.client.getIdentity()).toBe('4242');
    first.wrapper.unmount();
    wrappers = [];
    const second = await mountWith(() => useIdentify(() => state.user?.id));
    expect(second.client.getIdentity()).toBe('4242');
    await second.client.flush();
    expect((await userByIdentity('4242')).body.identity).toBe('4242');
  });

  it('treats an id going to none (null, undefined, false, empty) as a logout: resetIdentity', async () => {
    for (const none of [null, undefined, false, ''] as const) {
      const who = ref<string | null | undefined | false>(fresh('bob'));
      const { client } = await mountWith(() => useIdentify(who));
      const bobUser = client.getUserId();
      expect(client.getIdentity()).toBe(who.value);
      who.value = none;
      await nextTick();
      expect(client.getIdentity()).toBeNull();
      expect(client.getUserId()).not.toBe(bobUser);
      expect(warnings).toEqual([]);
    }
  });

  it('with resetOnLogout false, a logout leaves the identity alone', async () => {
    const id = fresh('carol');
    const who = ref<string | null>(id);
    const { client } = await mountWith(() => useIdentify(who, { resetOnLogout: false }));
    const user = client.getUserId();
    who.value = null;
    await nextTick();
    expect(client.getIdentity()).toBe(id);
    expect(client.getUserId()).toBe(user);
  });

  it('never resets an anonymous visitor who never logged in', async () => {
    const who = ref<string | null>(null);
    const { client } = await mountWith(() => useIdentify(who));
    const spy = vi.spyOn(client, 'resetIdentity');
    who.value = undefined as unknown as null;
    await nextTick();
    expect(spy).not.toHaveBeenCalled();
  });

  it('a change to another id is a new user (R6), and the collector keeps two users', async () => {
    const a = fresh('dan');
    const b = fresh('erin');
    const who = ref(a);
    const { client } = await mountWith(() => useIdentify(who));
    const first = client.getUserId();
    who.value = b;
    await nextTick();
    expect(client.getIdentity()).toBe(b);
    expect(client.getUserId()).not.toBe(first);
    await client.flush();
    expect((await userByIdentity(a)).body.user_id).toBe(first);
    expect((await userByIdentity(b)).body.user_id).toBe(client.getUserId());
  });

  it('refuses hostile or malformed ids through the client (a warning, nothing changed, no throw)', async () => {
    const bad: unknown[] = [
      '   ',
      'x'.repeat(256),
      'null',
      'Anonymous',
      { id: 1 },
      ['a'],
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Symbol('s'),
      () => 'x',
    ];
    const who = ref<unknown>(null);
    const { client, wrapper } = await mountWith(() => useIdentify(who as never));
    const user = client.getUserId();
    for (const value of bad) {
      who.value = value;
      await nextTick();
      expect(client.getIdentity()).toBeNull();
      expect(client.getUserId()).toBe(user);
    }
    expect(wrapper.text()).toBe('ok');
    expect(warnings.length).toBeGreaterThanOrEqual(bad.length);
    // and a good id afterwards still works
    who.value = ' frank@example.com ';
    await nextTick();
    expect(client.getIdentity()).toBe('frank@example.com');
  });

  it('stops watching when the component unmounts', async () => {
    const who = ref<string | null>(null);
    const { client, wrapper } = await mountWith(() => useIdentify(who), {
      client: createIdem('demo', { endpoint: server.url, autoPageviews: false }),
    });
    wrapper.unmount();
    wrappers = [];
    who.value = fresh('gus');
    await nextTick();
    expect(client.getIdentity()).toBeNull();
    client.shutdown();
  });
});

describe('router integration', () => {
  const makeRouter = () =>
    createRouter({
      history: createWebHistory(),
      routes: ['/', '/pricing', '/docs', '/account'].map((path) => ({ path, component: { render: () => h('p', path) } })),
    });

  it('identifies after every navigation once the router is ready, restoring an identity reset elsewhere', async () => {
    const router = makeRouter();
    const id = fresh('hana');
    const { client } = await mountWith(() => useIdentify(() => id), {}, router);
    const spy = vi.spyOn(client, 'identify');
    await router.isReady();
    await flushPromises();
    await router.push('/pricing');
    await router.push('/docs');
    expect(spy).toHaveBeenCalledTimes(2);
    expect(spy).toHaveBeenLastCalledWith(id);
    client.resetIdentity(); // e.g. another tab logged out, or cookies were cleared
    expect(client.getIdentity()).toBeNull();
    await router.push('/account');
    expect(client.getIdentity()).toBe(id);
  });

  it('does not identify on navigation while nobody is logged in, nor after unmount', async () => {
    const router = makeRouter();
    const who = ref<string | null>(null);
    const { client, wrapper } = await mountWith(
      () => useIdentify(who),
      { client: createIdem('demo', { endpoint: server.url, autoPageviews: false }) },
      router,
    );
    const spy = vi.spyOn(client, 'identify');
    await router.isReady();
    await flushPromises();
    await router.push('/pricing');
    expect(spy).not.toHaveBeenCalled();
    wrapper.unmount();
    wrappers = [];
    who.value = fresh('ivan');
    await router.push('/docs');
    expect(spy).not.toHaveBeenCalled();
    client.shutdown();
  });

  it('a component unmounted before the router is ready never adds its hook', async () => {
    const router = makeRouter();
    const mine = createIdem('demo', { endpoint: server.url, autoPageviews: false });
    const { wrapper } = await mountWith(() => useIdentify(() => 'jo@example.com'), { client: mine }, router);
    wrapper.unmount(); // before the initial navigation settled
    wrappers = [];
    const spy = vi.spyOn(mine, 'identify');
    const other = mount({ render: () => h('main') }, { global: { plugins: [router] } });
    wrappers.push(other);
    await router.isReady();
    await flushPromises();
    await router.push('/pricing');
    expect(spy).not.toHaveBeenCalled();
    mine.shutdown();
  });

  it('navigations are pageviews of the same user (the SDK follows history), identified by the hook', async () => {
    const router = makeRouter();
    const id = fresh('kim');
    const { client } = await mountWith(() => useIdentify(() => id), { autoPageviews: true }, router);
    await router.isReady();
    await router.push('/pricing');
    await router.push('/docs');
    await client.flush();
    const user = (await userByIdentity(id)).body;
    const events = (await api(`/api/v1/users/${user.user_id}/events?app_id=demo`)).body.events as Array<{ type: string; url: string }>;
    const paths = events.filter((e) => e.type === 'pageview').map((e) => new URL(e.url).pathname);
    expect(paths).toEqual(expect.arrayContaining(['/pricing', '/docs']));
  });
});

describe('useUserProperties', () => {
  it('adds the properties now and only the changed keys when a value changes; the collector has the latest', async () => {
    const id = fresh('lee');
    const plan = ref('free');
    const seats = ref(1);
    const { client } = await mountWith(() => {
      useIdentify(() => id);
      useUserProperties(() => ({ plan: plan.value, seats: seats.value, nested: { team: 'core' } }));
    });
    const spy = vi.spyOn(client, 'addUserProperties');
    plan.value = 'pro';
    await nextTick();
    expect(spy).toHaveBeenLastCalledWith({ plan: 'pro' });
    seats.value = 1; // same value: nothing
    plan.value = 'pro';
    await nextTick();
    expect(spy).toHaveBeenCalledTimes(1);
    await client.flush();
    const user = (await userByIdentity(id)).body;
    expect(user.properties).toMatchObject({ plan: 'pro', seats: 1, 'nested.team': 'core' });
  });

  it('follows deep changes in a reactive object and a ref of an object', async () => {
    const props = reactive({ plan: 'free', org: { size: 10 } });
    const holder = ref<Record<string, unknown> | null>(null);
    const { client } = await mountWith(() => {
      useUserProperties(props);
      useUserProperties(holder);
    });
    const spy = vi.spyOn(client, 'addUserProperties');
    props.org.size = 11;
    await nextTick();
    expect(spy).toHaveBeenLastCalledWith({ org: { size: 11 } });
    holder.value = { campaign: 'spring' };
    await nextTick();
    expect(spy).toHaveBeenLastCalledWith({ campaign: 'spring' });
  });

  it('sends every key again when the user id changes (login as someone else, logout)', async () => {
    const who = ref<string | null>(fresh('mo'));
    const plan = ref('team');
    const { client } = await mountWith(() => {
      useUserProperties(() => ({ plan: plan.value }));
      useIdentify(who); // after: the properties first went to the old user
    });
    const spy = vi.spyOn(client, 'addUserProperties');
    const other = fresh('ned');
    who.value = other;
    await nextTick();
    await nextTick();
    expect(spy).toHaveBeenCalledWith({ plan: 'team' });
    await client.flush();
    expect((await userByIdentity(other)).body.properties).toMatchObject({ plan: 'team' });
    spy.mockClear();
    who.value = null;
    await nextTick();
    await nextTick();
    expect(spy).toHaveBeenCalledWith({ plan: 'team' });
  });

  it('leaves out null and undefined values, and sends a key again after it was removed and set back', async () => {
    const plan = ref<string | null | undefined>(undefined);
    // A fresh visitor with no user id yet: the first property makes one, and is not sent twice for it.
    const { client } = await mountWith(() => useUserProperties(() => ({ plan: plan.value, gone: null })));
    expect(client.getSnapshot().userId).toBeNull();
    const spy = vi.spyOn(client, 'addUserProperties');
    plan.value = 'pro';
    await nextTick();
    expect(spy).toHaveBeenLastCalledWith({ plan: 'pro' });
    plan.value = null;
    await nextTick();
    plan.value = 'pro';
    await nextTick();
    expect(spy).toHaveBeenCalledTimes(2);
    expect(spy).toHaveBeenLastCalledWith({ plan: 'pro' });
  });

  it('passes hostile values to the client, which refuses them with warnings, without throwing', async () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const source = ref<unknown>({ id: 'x', user_id: 'y', ['k'.repeat(600)]: 1, big: 10n, fn: () => 1, circular, ok: 'yes' });
    const { client, wrapper } = await mountWith(() => useUserProperties(source as never));
    expect(wrapper.text()).toBe('ok');
    const spy = vi.spyOn(client, 'addUserProperties');
    for (const value of ['a string', 42, ['a', 'b'], true]) {
      source.value = value;
      await nextTick();
      expect(spy).toHaveBeenLastCalledWith(value);
    }
    expect(warnings.some((w) => w.includes('reserved_key'))).toBe(true);
    expect(warnings.some((w) => w.includes('invalid_type'))).toBe(true);
    source.value = { huge: 'x'.repeat(100_000) };
    await nextTick();
    await client.flush();
    const user = await api(`/api/v1/users/${client.getUserId()}?app_id=demo`);
    expect((user.body.properties.huge as string).length).toBe(1024);
    expect(user.body.properties.ok).toBe('yes');
    expect(user.body.properties.id).toBeUndefined();
  });
});

describe('useIdentity', () => {
  it('is a read-only ref that follows identify and resetIdentity, and renders', async () => {
    let identity!: ReturnType<typeof useIdentity>;
    const Comp = defineComponent({
      setup() {
        identity = useIdentity();
        return () => h('span', identity.value.identity ?? 'visitor');
      },
    });
    const wrapper = mount(Comp, { global: { plugins: [[idem, options()]] } });
    wrappers.push(wrapper);
    const client = wrapper.vm.$idem;
    expect(wrapper.text()).toBe('visitor');
    expect(identity.value).toEqual(client.getSnapshot());
    expect(isReadonly(identity)).toBe(true);
    const id = fresh('olga');
    client.identify(id);
    await nextTick();
    expect(wrapper.text()).toBe(id);
    expect(identity.value).toEqual({ userId: client.getUserId(), identity: id, sessionId: client.getSessionId() });
    (identity as unknown as { value: unknown }).value = { userId: 'hacked' };
    expect(identity.value.userId).toBe(client.getUserId());
    const before = identity.value.userId;
    client.resetIdentity();
    await nextTick();
    expect(wrapper.text()).toBe('visitor');
    expect(identity.value.userId).not.toBe(before);
  });

  it('stops following the client when the app unmounts', async () => {
    const mine = createIdem('demo', { endpoint: server.url, autoPageviews: false });
    let identity!: ReturnType<typeof useIdentity>;
    const { wrapper } = await mountWith(
      () => {
        identity = useIdentity();
      },
      { client: mine },
    );
    wrapper.unmount();
    wrappers = [];
    mine.identify(fresh('pat'));
    expect(identity.value.identity).toBeNull();
    mine.shutdown();
  });
});
