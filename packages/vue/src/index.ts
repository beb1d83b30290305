import { createIdem, type Idem, type IdemOptions, type IdemSnapshot } from '@idem/browser';
import {
  type App,
  hasInjectionContext,
  type InjectionKey,
  inject,
  type MaybeRefOrGetter,
  onScopeDispose,
  type Plugin,
  type ShallowRef,
  shallowReadonly,
  shallowRef,
  toValue,
  watch,
} from 'vue';
import type { Router } from 'vue-router';

export type { Idem, IdemOptions, IdemSnapshot } from '@idem/browser';

export interface IdemPluginOptions extends IdemOptions {
  /** The app id the collector knows this app by. */
  appId: string;
  /** With a router, `useIdentify` identifies again after every navigation (once the router is ready). */
  router?: Router;
  /** An instance to use instead of creating one (it is then yours to shut down). */
  client?: Idem;
}

export interface IdemContext {
  client: Idem;
  router: Router | undefined;
  /** `{userId, identity, sessionId}`, replaced whenever the client's snapshot changes. */
  state: ShallowRef<IdemSnapshot>;
}

/** What the plugin provides; `inject(IdemKey)` in your own composables. */
export const IdemKey: InjectionKey<IdemContext> = Symbol('idem');

/** A logged-in id: a string or a number. null, undefined, false and '' mean nobody is logged in. */
export type IdentitySource = MaybeRefOrGetter<string | number | null | undefined | false>;

/**
 * `app.use(idem, { appId, endpoint, router })`. The client is made when the plugin is installed:
 * on a server (no DOM) it is one whose calls do nothing, so SSR touches no browser global.
 */
export const idem: Plugin<[IdemPluginOptions]> = {
  install(app: App, { appId, router, client, ...options }: IdemPluginOptions) {
    const c = client ?? createIdem(appId, options);
    const state = shallowRef(c.getSnapshot());
    const off = c.subscribe(() => {
      state.value = c.getSnapshot();
    });
    // Vue >= 3.5: let go of the client with the app (a client passed in stays running).
    app.onUnmount?.(() => {
      off();
      if (!client) c.shutdown();
    });
    app.provide(IdemKey, { client: c, router, state });
    app.config.globalProperties.$idem = c;
  },
};

const context = (): IdemContext => {
  const ctx = hasInjectionContext() ? inject(IdemKey, null) : null;
  if (!ctx) throw new Error('idem: install the plugin (app.use(idem, { appId })) and call this inside setup()');
  return ctx;
};

/** The app's Idem client: `useIdem().track('Signed up', { plan })`. */
export const useIdem = (): Idem => context().client;

/** The current `{userId, identity, sessionId}`, as a read-only ref that follows the client. */
export const useIdentity = (): Readonly<ShallowRef<IdemSnapshot>> => shallowReadonly(context().state);

const none = (id: unknown) => id == null || id === false || id === '';

/**
 * Identifies the visitor whenever `source` (a ref or getter of the logged-in id) is set, and, with a
 * router, after every navigation. A change from an id to none is a logout: resetIdentity(), unless
 * `resetOnLogout` is false. Calling identify again with the same id sends nothing, so this is cheap.
 */
export function useIdentify(source: IdentitySource, { resetOnLogout = true }: { resetOnLogout?: boolean } = {}): void {
  const { client, router } = context();
  const apply = () => {
    const id = toValue(source);
    if (!none(id)) client.identify(id as string | number);
  };
  watch(
    () => toValue(source),
    (id, old) => {
      if (!none(id)) apply();
      else if (!none(old) && resetOnLogout) client.resetIdentity();
    },
    { immediate: true },
  );
  // Only in a browser: a server renders one route and never unmounts, so a hook there would leak.
  if (router && typeof document !== 'undefined') {
    let live = true;
    let stop = () => {};
    router.isReady().then(
      () => {
        if (live) stop = router.afterEach(apply);
      },
      () => {},
    );
    onScopeDispose(() => {
      live = false;
      stop();
    });
  }
}

const key = (v: unknown): string | undefined => {
  try {
    return JSON.stringify(v);
  } catch {
    return `\0${typeof v}`; // circular or BigInt: the client refuses it with its reason
  }
};

/**
 * Adds user properties from `source` (an object, or a ref or getter of one) now and whenever a value
 * changes, sending only the keys that changed; all of them again when the user id changes (login as
 * someone else, logout). Keys whose value is null or undefined are left out.
 */
export function useUserProperties(source: MaybeRefOrGetter<Record<string, unknown> | null | undefined>): void {
  const { client, state } = context();
  let sent: Record<string, string | undefined> = {};
  let user: string | null = null;
  watch(
    [() => key(toValue(source)), () => state.value.userId],
    () => {
      const props = toValue(source);
      // Not an object: the client refuses it with a warning.
      if (props != null && (typeof props !== 'object' || Array.isArray(props))) return void client.addUserProperties(props);
      const next: typeof sent = {};
      const changed: Record<string, unknown> = {};
      let any = false;
      // A new user id (not the first one, which these properties may have just created) has none of them.
      if (user && state.value.userId !== user) sent = {};
      user = state.value.userId;
      if (props)
        for (const k of Object.keys(props)) {
          const v = props[k];
          if (v == null) continue;
          next[k] = key(v);
          if (next[k] !== sent[k]) {
            changed[k] = v;
            any = true;
          }
        }
      sent = next;
      if (any) client.addUserProperties(changed);
    },
    { immediate: true },
  );
}

declare module 'vue' {
  interface ComponentCustomProperties {
    /** The app's Idem client, for the Options API and templates. */
    $idem: Idem;
  }
}
