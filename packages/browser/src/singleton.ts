import { OK, type Outcome } from '@idem/core';
import { CALLS, createIdem, EMPTY_SNAPSHOT, GETTERS, type Idem, type IdemOptions } from './idem.js';

export interface IdemSingleton extends Idem {
  /** Creates the instance the other methods forward to; calls made before it are replayed in order. */
  init(appId: string, options?: IdemOptions): Outcome;
}

/**
 * A singleton whose methods forward to the instance made by `init`. Calls before `init` are kept
 * and replayed in order; getters answer null until then. Creating it touches no global.
 */
export function createSingleton(make: typeof createIdem = createIdem): IdemSingleton {
  let instance: Idem | null = null;
  let pending: Array<[string, unknown[]]> = [];
  // The singleton's own subscribers, so that they may subscribe before init and outlive a shutdown.
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of listeners) l();
  };
  const api = {
    init(appId: string, options?: IdemOptions): Outcome {
      if (instance) {
        console.warn('idem: init called twice');
        return OK;
      }
      const inst = make(appId, options);
      instance = inst;
      const replay = pending;
      pending = [];
      for (const [m, a] of replay) (inst as unknown as Record<string, (...x: unknown[]) => unknown>)[m]!(...a);
      inst.subscribe(notify);
      notify();
      return OK;
    },
    flush: () => instance?.flush() ?? Promise.resolve(),
    getSnapshot: () => instance?.getSnapshot() ?? EMPTY_SNAPSHOT,
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  } as unknown as Record<string, unknown>;
  for (const m of CALLS)
    api[m] = (...a: unknown[]) => {
      if (!instance) {
        pending.push([m, a]);
        return OK;
      }
      const out = (instance as unknown as Record<string, (...x: unknown[]) => Outcome>)[m]!(...a);
      if (m === 'shutdown') {
        instance = null;
        notify();
      }
      return out;
    };
  for (const m of GETTERS) api[m] = () => instance?.[m]() ?? null;
  return api as unknown as IdemSingleton;
}
