import { normalizeIdentity } from './identity.js';
import { type RandomSource, randomId } from './ids.js';
import { OK, type Outcome, type Reason, refused } from './outcome.js';
import { type Properties, propertiesReason, validateEventName, validateProperties } from './properties.js';
import { sessionExpired } from './session.js';
import { type DeviceState, decodeState, encodeState } from './state-format.js';
import { formatTime } from './time.js';
import type { Message } from './wire.js';

/** A message without the fields the client fills in for every one (id, user id, time). */
type MessageFields<M = Message> = M extends Message ? Omit<M, 'id' | 'user_id' | 'time'> : never;

/** Where the device state lives: a cookie in the browser, a request's cookies on a server, a Map in tests. */
export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

export const STATE_KEY = 'state';
export const EVENT_PROPS_KEY = 'event_props';

export interface ClientOptions {
  storage: KeyValueStore;
  now: () => number;
  random: RandomSource;
  /** Receives every message to deliver, in call order. */
  send: (message: Message) => void;
  /** Called with a human-readable line for each refused call. */
  warn?: (text: string) => void;
  /**
   * `idem replay --raw-client`: a refused call is still sent as it was made, so that the collector's
   * own checks (R16) are exercised. The client's state stays as the refusal left it.
   */
  sendRefused?: boolean;
}

export interface IdentitySnapshot {
  userId: string | null;
  identity: string | null;
  sessionId: string | null;
}

export interface IdemClient {
  pageview(url: string, referrer?: string | null): Outcome;
  track(event: unknown, properties?: unknown): Outcome;
  identify(identity: unknown, options?: { signature?: string }): Outcome;
  resetIdentity(): Outcome;
  addUserProperties(properties: unknown): Outcome;
  addEventProperties(properties: unknown): Outcome;
  removeEventProperty(key: string): Outcome;
  clearEventProperties(): Outcome;
  getIdentity(): string | null;
  getUserId(): string | null;
  getSessionId(): string | null;
  /** The current identity as one object, for subscribe-able state (useSyncExternalStore and the like). */
  getSnapshot(): IdentitySnapshot;
  subscribe(listener: () => void): () => void;
}

function messageId(random: RandomSource): string {
  const w = random(new Uint32Array(4));
  let out = '';
  for (const x of w) out += x.toString(16).padStart(8, '0');
  return out;
}

/**
 * The client identity state machine (R2-R8, R10, R15). It owns no I/O: storage, clock, randomness
 * and delivery are passed in, so the same code runs in the browser, in the SvelteKit handle over a
 * request's cookies, and in `idem replay`.
 */
export function createClient(options: ClientOptions): IdemClient {
  const { storage, now, random, send } = options;
  const warn = options.warn ?? (() => {});
  const listeners = new Set<() => void>();
  let snapshot: IdentitySnapshot = { userId: null, identity: null, sessionId: null };

  const load = (): DeviceState | null => decodeState(storage.get(STATE_KEY));

  /** Keeps one snapshot object per distinct state, so subscribers can compare by reference. */
  const refresh = (state: DeviceState | null): boolean => {
    const next = { userId: state?.userId ?? null, identity: state?.identity ?? null, sessionId: state?.sessionId ?? null };
    if (next.userId === snapshot.userId && next.identity === snapshot.identity && next.sessionId === snapshot.sessionId) return false;
    snapshot = next;
    return true;
  };

  const save = (state: DeviceState) => {
    storage.set(STATE_KEY, encodeState(state));
    if (refresh(state)) for (const l of listeners) l();
  };

  const fresh = (identity: string | null, t: number): DeviceState => ({
    userId: randomId(random),
    sessionId: randomId(random),
    lastActivity: t,
    identity,
  });

  /** The state for a call; `activity` marks a pageview, track or identify (R3). */
  const current = (activity: boolean): DeviceState => {
    const t = now();
    const state = load() ?? fresh(null, t);
    if (activity) {
      if (sessionExpired(state.lastActivity, t)) state.sessionId = randomId(random);
      state.lastActivity = t;
    }
    return state;
  };

  /**
   * Saves the state, then sends one message of it: the fields every message has, then the call's own,
   * made after the save (whose listeners may, say, add event properties).
   */
  const emit = (state: DeviceState, fields: () => MessageFields) => {
    save(state);
    send({ id: messageId(random), user_id: state.userId, time: formatTime(now()), ...fields() });
  };

  const refuse = (call: string, reason: Reason, raw?: () => void): Outcome => {
    warn(`idem: ${call} refused (${reason})`);
    if (options.sendRefused && raw) raw();
    return refused(reason);
  };

  const loadEventProps = (): Properties => {
    try {
      // None stored parses as null, which validates to no properties.
      return validateProperties(JSON.parse(storage.get(EVENT_PROPS_KEY) || 'null')).properties;
    } catch {
      return Object.create(null);
    }
  };

  return {
    pageview(url, referrer) {
      const state = current(true);
      emit(state, () => ({
        type: 'pageview',
        session_id: state.sessionId,
        url: String(url).slice(0, 2048),
        ...(referrer ? { referrer: String(referrer).slice(0, 2048) } : {}),
      }));
      return OK;
    },

    track(event, properties) {
      const nameError = validateEventName(event);
      const props = validateProperties(properties);
      if (nameError || props.reason) {
        return refuse('track', (nameError ?? props.reason) as Reason, () => {
          // A refused call is no activity (R3): the raw client's session must end as the normal one's.
          const state = current(false);
          emit(state, () => ({
            type: 'track',
            session_id: state.sessionId,
            event: event as string,
            properties: properties as Properties,
          }));
        });
      }
      const state = current(true);
      const reason = propertiesReason(props);
      // Event properties set with addEventProperties go on every event; the call's own win.
      const own = options.sendRefused && reason ? (properties as Properties) : props.properties;
      emit(state, () => ({
        type: 'track',
        session_id: state.sessionId,
        event: event as string,
        properties: { ...loadEventProps(), ...own },
      }));
      return reason ? refuse('track', reason) : OK;
    },

    identify(value, opts) {
      const result = normalizeIdentity(value);
      if (!result.ok) {
        return refuse('identify', result.reason, () => {
          const state = current(false);
          emit(state, () => ({ type: 'identify', session_id: state.sessionId, identity: value }));
        });
      }
      let state = current(true);
      // R7: the identity the device already has: no message, but still activity for R3.
      if (state.identity === result.identity) {
        save(state);
        return OK;
      }
      // R6: identified as X, identify(Y) starts a new user with a new session; R5 keeps the user id.
      if (state.identity !== null) state = fresh(result.identity, now());
      else state.identity = result.identity;
      emit(state, () => ({
        type: 'identify',
        session_id: state.sessionId,
        identity: result.identity,
        ...(opts?.signature ? { signature: opts.signature } : {}),
      }));
      return OK;
    },

    resetIdentity() {
      const state = load();
      // R8: when anonymous, nothing; when identified, a new anonymous user and session.
      if (!state || state.identity === null) return OK;
      save(fresh(null, now()));
      storage.remove(EVENT_PROPS_KEY);
      return OK;
    },

    addUserProperties(properties) {
      const props = validateProperties(properties, { fillEmail: true });
      const reason = propertiesReason(props);
      const state = current(false);
      const hasGood = Object.keys(props.properties).length > 0;
      if (hasGood || (options.sendRefused && reason)) {
        emit(state, () => ({ type: 'user_properties', properties: options.sendRefused && reason ? properties : props.properties }));
      }
      return reason ? refuse('addUserProperties', reason) : OK;
    },

    addEventProperties(properties) {
      const props = validateProperties(properties);
      const stored = { ...loadEventProps(), ...props.properties };
      storage.set(EVENT_PROPS_KEY, JSON.stringify(stored));
      const reason = propertiesReason(props);
      return reason ? refuse('addEventProperties', reason) : OK;
    },

    removeEventProperty(key) {
      const stored = loadEventProps();
      delete stored[String(key)];
      storage.set(EVENT_PROPS_KEY, JSON.stringify(stored));
      return OK;
    },

    clearEventProperties() {
      storage.remove(EVENT_PROPS_KEY);
      return OK;
    },

    getIdentity: () => load()?.identity ?? null,
    getUserId() {
      // R15: a visitor always has a user id; asking for it creates the anonymous user's state.
      const state = load();
      if (state) return state.userId;
      const created = current(false);
      save(created);
      return created.userId;
    },
    getSessionId: () => load()?.sessionId ?? null,

    getSnapshot() {
      refresh(load());
      return snapshot;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
