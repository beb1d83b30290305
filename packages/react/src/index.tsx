'use client';
import { createSingleton, type Idem, type IdemOptions, type IdemSnapshot } from '@idem/browser';
import { createContext, type ReactNode, useContext, useEffect, useLayoutEffect, useRef, useSyncExternalStore } from 'react';

export type { Idem, IdemOptions, IdemSnapshot } from '@idem/browser';

export type IdemProviderProps = {
  children?: ReactNode;
} & ({ appId: string; options?: IdemOptions; client?: undefined } | { client: Idem; appId?: undefined; options?: undefined });

const IdemContext = createContext<Idem | null>(null);

// A layout effect runs before every child's useEffect, so the hooks below find the SDK created. On a
// server neither runs; choosing useEffect there only avoids React 18's warning about layout effects.
const useInitEffect = typeof document === 'undefined' ? useEffect : useLayoutEffect;

/** What `useIdentity()` answers on the server and while hydrating. */
const NONE: IdemSnapshot = Object.freeze({ userId: null, identity: null, sessionId: null }) as IdemSnapshot;

/**
 * Gives its children an Idem client: the ready `client` you pass, or one for `appId` that is created
 * (once, in an effect: never on a server) on mount and shut down on unmount. Calls made before that are
 * queued and replayed. `appId` and `options` are read once.
 */
export function IdemProvider({ appId, options, client, children }: IdemProviderProps) {
  // The singleton touches no global when made; `init` (in the effect, so never on a server) creates the SDK.
  const own = useRef<{ idem: ReturnType<typeof createSingleton>; started?: boolean; stop?: ReturnType<typeof setTimeout> }>(null);
  if (!client && !own.current) own.current = { idem: createSingleton() };
  const mine = client ? null : own.current!;
  useInitEffect(() => {
    if (!mine) return;
    clearTimeout(mine.stop);
    if (!mine.started) {
      mine.started = true;
      mine.idem.init(appId!, options);
    }
    // StrictMode and Fast Refresh unmount and mount again at once: only a lasting unmount shuts down.
    return () => {
      mine.stop = setTimeout(() => mine.idem.shutdown());
    };
    // appId and options are read once, on mount.
  }, [mine]);
  return <IdemContext.Provider value={client ?? mine!.idem}>{children}</IdemContext.Provider>;
}

/** The client given by the nearest `<IdemProvider>`. */
export function useIdem(): Idem {
  const idem = useContext(IdemContext);
  if (!idem) throw new Error('idem: useIdem and the Idem hooks need an <IdemProvider> above them');
  return idem;
}

/** `{userId, identity, sessionId}`, re-rendering when one of them changes; all null on the server. */
export function useIdentity(): IdemSnapshot {
  const idem = useIdem();
  return useSyncExternalStore(idem.subscribe, idem.getSnapshot, () => NONE);
}

/**
 * Call it on every page with the logged-in user's id (null or undefined when nobody is logged in).
 * It identifies when there is an id (a repeat sends nothing), does nothing without one, and treats a
 * change from an id to none as a logout (`resetIdentity`) unless `resetOnLogout` is false.
 */
export function useIdentify(
  identity: string | number | null | undefined,
  { resetOnLogout = true }: { resetOnLogout?: boolean } = {},
): void {
  const idem = useIdem();
  const last = useRef<typeof identity>(null);
  useEffect(() => {
    if (identity != null) idem.identify(identity);
    else if (last.current != null && resetOnLogout) idem.resetIdentity();
    last.current = identity;
  }, [idem, identity, resetOnLogout]);
}

/** A serialization that ignores key order and survives cycles and values JSON refuses (bigint). */
const stable = (v: unknown, seen: unknown[] = []): string => {
  if (v === null || typeof v !== 'object') return typeof v === 'string' ? JSON.stringify(v) : `${typeof v}:${String(v)}`;
  if (seen.includes(v)) return '~';
  seen.push(v);
  const o = v as Record<string, unknown>;
  const s = `${Array.isArray(v) ? '[' : '{'}${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stable(o[k], seen)}`)
    .join()}}`;
  seen.pop();
  return s;
};

/**
 * Adds `properties` to the current user on mount, when their values (not their object) change, and
 * when the user id changes (another login, a logout): call it after useIdentify.
 */
export function useUserProperties(properties: Record<string, unknown> | null | undefined): void {
  const idem = useIdem();
  const { userId } = useIdentity();
  const key = properties == null ? null : stable(properties);
  const done = useRef<string>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the serialized key stands for the object; the user id re-adds them for another user.
  useEffect(() => {
    // Keyed by the user id the SDK has now, so StrictMode's second run and a re-render send nothing.
    const now = `${idem.getUserId()} ${key}`;
    if (key !== null && now !== done.current) {
      done.current = now;
      idem.addUserProperties(properties!);
    }
  }, [idem, key, userId]);
}
