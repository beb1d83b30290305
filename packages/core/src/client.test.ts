import { describe, expect, it, vi } from 'vitest';
import { type ClientOptions, createClient, EVENT_PROPS_KEY, type KeyValueStore, STATE_KEY } from './client.js';
import { isUserId, type RandomSource } from './ids.js';
import type { Reason } from './outcome.js';
import { decodeState, encodeState } from './state-format.js';
import { checkMessage, MESSAGE_ID, type Message } from './wire.js';

const T = Date.UTC(2026, 0, 1);
const MIN = 60_000;

/** A Map-backed store that records every write. */
function mapStore() {
  const map = new Map<string, string>();
  const writes: string[] = [];
  const store: KeyValueStore = {
    get: (key) => map.get(key) ?? null,
    set: (key, value) => {
      writes.push(key);
      map.set(key, value);
    },
    remove: (key) => {
      writes.push(`-${key}`);
      map.delete(key);
    },
  };
  return { map, writes, store };
}

/** Every word is the next integer from 1: ids are predictable. */
function counterRandom(): RandomSource {
  let n = 0;
  return (buffer) => {
    for (let i = 0; i < buffer.length; i++) buffer[i] = ++n;
    return buffer;
  };
}

function setup(options: Partial<ClientOptions> = {}) {
  const { map, writes, store } = mapStore();
  let time = T;
  const sent: Message[] = [];
  const warnings: string[] = [];
  const random = counterRandom();
  const make = () =>
    createClient({
      storage: store,
      now: () => time,
      random,
      send: (m) => sent.push(m),
      warn: (w) => warnings.push(w),
      ...options,
    });
  const client = make();
  return {
    client,
    /** A fresh client over the same storage: a page load. */
    reload: make,
    map,
    writes,
    sent,
    warnings,
    advance: (ms: number) => {
      time += ms;
    },
    setTime: (ms: number) => {
      time = ms;
    },
    state: () => decodeState(map.get(STATE_KEY)),
    last: () => sent[sent.length - 1] as Message & Record<string, unknown>,
  };
}

const refused = (reason: Reason) => ({ ok: false, reason });
const OK = { ok: true };

describe('createClient', () => {
  describe('a new device', () => {
    it('has no state and answers null until something happens', () => {
      const { client, map, sent } = setup();
      expect(client.getIdentity()).toBeNull();
      expect(client.getSessionId()).toBeNull();
      expect(client.getSnapshot()).toEqual({ userId: null, identity: null, sessionId: null });
      expect(map.size).toBe(0);
      expect(sent).toEqual([]);
    });

    it('creates the anonymous user on the first pageview and sends it (R1, R3)', () => {
      const { client, sent, map } = setup();
      expect(client.pageview('https://example.com/pricing', 'https://www.google.com/')).toEqual(OK);
      expect(sent).toEqual([
        {
          id: '00000005000000060000000700000008',
          user_id: '4294967298',
          time: '2026-01-01T00:00:00.000Z',
          type: 'pageview',
          session_id: '12884901892',
          url: 'https://example.com/pricing',
          referrer: 'https://www.google.com/',
        },
      ]);
      expect(map.get(STATE_KEY)).toBe(encodeState({ userId: '4294967298', sessionId: '12884901892', lastActivity: T, identity: null }));
      expect(client.getUserId()).toBe('4294967298');
      expect(client.getSessionId()).toBe('12884901892');
      expect(client.getIdentity()).toBeNull();
    });

    it('creates the anonymous user when asked for its user id, without a message (R15)', () => {
      const { client, sent, state } = setup();
      expect(client.getUserId()).toBe('4294967298');
      expect(sent).toEqual([]);
      expect(state()).toEqual({ userId: '4294967298', sessionId: '12884901892', lastActivity: T, identity: null });
      expect(client.getUserId()).toBe('4294967298');
      expect(client.getSessionId()).toBe('12884901892');
    });

    it('uses a crypto source for ids that are valid user ids', () => {
      const { store } = mapStore();
      const sent: Message[] = [];
      const client = createClient({
        storage: store,
        now: () => T,
        random: (b) => crypto.getRandomValues(b as Uint32Array<ArrayBuffer>),
        send: (m) => sent.push(m),
      });
      client.pageview('https://example.com/');
      const userId = client.getUserId();
      expect(isUserId(userId)).toBe(true);
      expect(isUserId(client.getSessionId())).toBe(true);
      expect(client.getSessionId()).not.toBe(userId);
      expect(sent[0]?.id).toMatch(/^[0-9a-f]{32}$/);
    });
  });

  describe('pageview', () => {
    it('leaves the referrer out when there is none', () => {
      const { client, sent } = setup();
      client.pageview('https://example.com/');
      client.pageview('https://example.com/a', null);
      client.pageview('https://example.com/b', '');
      for (const m of sent) expect('referrer' in m).toBe(false);
    });

    it('cuts the URL and referrer to 2048 characters', () => {
      const { client, last } = setup();
      client.pageview(`https://example.com/${'p'.repeat(5000)}`, `https://ref.example.com/${'r'.repeat(5000)}`);
      expect(last().type).toBe('pageview');
      expect(String(last().url)).toHaveLength(2048);
      expect(String(last().referrer)).toHaveLength(2048);
    });

    it('gives every message its own id that the collector accepts', () => {
      const { client, sent } = setup();
      for (let i = 0; i < 20; i++) client.pageview(`https://example.com/${i}`);
      const ids = sent.map((m) => m.id);
      expect(new Set(ids).size).toBe(20);
      for (const id of ids) expect(MESSAGE_ID.test(id)).toBe(true);
    });

    it('stamps messages with the injected clock', () => {
      const { client, advance, last } = setup();
      advance(90_500);
      client.pageview('https://example.com/');
      expect(last().time).toBe('2026-01-01T00:01:30.500Z');
    });
  });

  describe('persistence', () => {
    it('keeps user, identity and session across page loads', () => {
      const { client, reload, advance } = setup();
      client.pageview('https://example.com/');
      client.identify('alice');
      const userId = client.getUserId();
      const sessionId = client.getSessionId();
      advance(MIN);
      const next = reload();
      expect(next.getUserId()).toBe(userId);
      expect(next.getIdentity()).toBe('alice');
      expect(next.getSessionId()).toBe(sessionId);
      expect(next.getSnapshot()).toEqual({ userId, identity: 'alice', sessionId });
    });

    it('starts a new anonymous user when the stored state is damaged', () => {
      for (const damaged of ['garbage', 'v1.01.2.abc.', 'v1.1.2.abc.guest', '']) {
        const { client, map, sent } = setup();
        map.set(STATE_KEY, damaged);
        expect(client.getIdentity()).toBeNull();
        client.pageview('https://example.com/');
        expect(sent[0]?.user_id).toBe('4294967298');
        expect(decodeState(map.get(STATE_KEY))).toEqual({
          userId: '4294967298',
          sessionId: '12884901892',
          lastActivity: T,
          identity: null,
        });
      }
    });

    it('starts a new anonymous user and session when storage is cleared (R2, R3)', () => {
      const { client, map, advance } = setup();
      client.pageview('https://example.com/');
      client.identify('alice');
      const userId = client.getUserId();
      const sessionId = client.getSessionId();
      map.clear();
      advance(1000);
      client.pageview('https://example.com/');
      expect(client.getUserId()).not.toBe(userId);
      expect(client.getSessionId()).not.toBe(sessionId);
      expect(client.getIdentity()).toBeNull();
    });

    it('reads a state written by another client (the SvelteKit handle shares the cookie)', () => {
      const { client, map } = setup();
      map.set(STATE_KEY, encodeState({ userId: '77', sessionId: '88', lastActivity: T, identity: 'carol' }));
      expect(client.getUserId()).toBe('77');
      expect(client.getSessionId()).toBe('88');
      expect(client.getIdentity()).toBe('carol');
      client.identify('carol');
      expect(client.getUserId()).toBe('77');
    });
  });

  describe('sessions (R3)', () => {
    it('keeps the session while activity comes within 30 minutes', () => {
      const { client, advance } = setup();
      client.pageview('https://example.com/');
      const s = client.getSessionId();
      for (let i = 0; i < 5; i++) {
        advance(29 * MIN);
        client.pageview('https://example.com/');
        expect(client.getSessionId()).toBe(s);
      }
    });

    it('starts a new session after 30 minutes without activity, same user', () => {
      const { client, advance, sent } = setup();
      client.pageview('https://example.com/');
      const s1 = client.getSessionId();
      const u = client.getUserId();
      advance(30 * MIN);
      client.pageview('https://example.com/');
      const s2 = client.getSessionId();
      expect(s2).not.toBe(s1);
      expect(isUserId(s2)).toBe(true);
      expect(client.getUserId()).toBe(u);
      expect(sent.map((m) => (m as { session_id?: string }).session_id)).toEqual([s1, s2]);
    });

    it('keeps the session at 30 minutes minus 1 ms', () => {
      const { client, advance } = setup();
      client.pageview('https://example.com/');
      const s1 = client.getSessionId();
      advance(30 * MIN - 1);
      client.pageview('https://example.com/');
      expect(client.getSessionId()).toBe(s1);
    });

    it('counts track as activity', () => {
      const { client, advance, last } = setup();
      client.pageview('https://example.com/');
      const s1 = client.getSessionId();
      advance(20 * MIN);
      client.track('Clicked');
      expect(last().session_id).toBe(s1);
      advance(20 * MIN);
      client.pageview('https://example.com/');
      expect(client.getSessionId()).toBe(s1);
    });

    it('starts a new session with a track after 30 minutes', () => {
      const { client, advance, last } = setup();
      client.pageview('https://example.com/');
      const s1 = client.getSessionId();
      advance(45 * MIN);
      client.track('Clicked');
      expect(last().session_id).not.toBe(s1);
      expect(last().session_id).toBe(client.getSessionId());
    });

    it('counts identify as activity, the repeated one too (R7)', () => {
      const { client, advance, sent } = setup();
      client.pageview('https://example.com/');
      const s1 = client.getSessionId();
      advance(20 * MIN);
      client.identify('alice');
      advance(20 * MIN);
      client.identify('alice');
      expect(sent).toHaveLength(2);
      advance(20 * MIN);
      client.pageview('https://example.com/');
      expect(client.getSessionId()).toBe(s1);
      expect(sent.map((m) => (m as { session_id?: string }).session_id)).toEqual([s1, s1, s1]);
    });

    it('does not count addUserProperties as activity', () => {
      const { client, advance, last } = setup();
      client.pageview('https://example.com/');
      const s1 = client.getSessionId();
      advance(20 * MIN);
      expect(client.addUserProperties({ plan: 'Pro' })).toEqual(OK);
      expect(last().type).toBe('user_properties');
      expect('session_id' in last()).toBe(false);
      advance(20 * MIN);
      client.pageview('https://example.com/');
      expect(client.getSessionId()).not.toBe(s1);
    });

    it('does not count getters, event properties or refused calls as activity', () => {
      const { client, advance } = setup();
      client.pageview('https://example.com/');
      const s1 = client.getSessionId();
      advance(10 * MIN);
      client.getUserId();
      client.getSessionId();
      client.getIdentity();
      client.getSnapshot();
      client.addEventProperties({ a: 1 });
      client.removeEventProperty('a');
      client.clearEventProperties();
      advance(10 * MIN);
      client.identify('guest');
      client.track('');
      client.track('x', [1]);
      client.addUserProperties({ id: 1 });
      advance(10 * MIN);
      client.pageview('https://example.com/');
      expect(client.getSessionId()).not.toBe(s1);
    });

    it('starts a new session when the clock moves back by more than 30 minutes', () => {
      const { client, advance } = setup();
      client.pageview('https://example.com/');
      const s1 = client.getSessionId();
      advance(-10 * MIN);
      client.pageview('https://example.com/');
      expect(client.getSessionId()).toBe(s1);
      advance(-31 * MIN);
      client.pageview('https://example.com/');
      expect(client.getSessionId()).not.toBe(s1);
    });

    it('keeps the session across page loads', () => {
      const { client, reload, advance } = setup();
      client.pageview('https://example.com/');
      const s1 = client.getSessionId();
      advance(29 * MIN);
      const next = reload();
      next.pageview('https://example.com/');
      expect(next.getSessionId()).toBe(s1);
      advance(31 * MIN);
      const third = reload();
      third.pageview('https://example.com/');
      expect(third.getSessionId()).not.toBe(s1);
    });
  });

  describe('identify', () => {
    it('keeps the anonymous user id and sends identify (R5)', () => {
      const { client, sent, last } = setup();
      client.pageview('https://example.com/');
      const userId = client.getUserId();
      const sessionId = client.getSessionId();
      expect(client.identify('alice@example.com')).toEqual(OK);
      expect(client.getUserId()).toBe(userId);
      expect(client.getSessionId()).toBe(sessionId);
      expect(client.getIdentity()).toBe('alice@example.com');
      expect(sent).toHaveLength(2);
      expect(last()).toEqual({
        id: '000000090000000a0000000b0000000c',
        user_id: userId,
        time: '2026-01-01T00:00:00.000Z',
        type: 'identify',
        session_id: sessionId,
        identity: 'alice@example.com',
      });
    });

    it('creates the user when identify is the first call', () => {
      const { client, sent, state } = setup();
      expect(client.identify('alice')).toEqual(OK);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ type: 'identify', user_id: '4294967298', session_id: '12884901892', identity: 'alice' });
      expect(state()).toEqual({ userId: '4294967298', sessionId: '12884901892', lastActivity: T, identity: 'alice' });
    });

    it('sends the trimmed identity and makes numbers strings (R4)', () => {
      const { client, last } = setup();
      client.identify('  alice  ');
      expect(last().identity).toBe('alice');
      expect(client.getIdentity()).toBe('alice');
      const other = setup();
      other.client.identify(12345);
      expect(other.last().identity).toBe('12345');
      expect(other.client.getIdentity()).toBe('12345');
    });

    it('passes a signature along', () => {
      const { client, last } = setup();
      client.identify('alice', { signature: 'sig-abc' });
      expect(last().signature).toBe('sig-abc');
      const other = setup();
      other.client.identify('alice', { signature: '' });
      expect('signature' in other.last()).toBe(false);
    });

    it.each([
      ['anonymous', 'blocklisted'],
      ['GUEST', 'blocklisted'],
      [' null ', 'blocklisted'],
      ['[object Object]', 'blocklisted'],
      [0, 'blocklisted'],
      ['', 'empty'],
      ['   ', 'empty'],
      ['x'.repeat(256), 'too_long'],
      [null, 'invalid_type'],
      [undefined, 'invalid_type'],
      [true, 'invalid_type'],
      [Number.NaN, 'invalid_type'],
      [Number.POSITIVE_INFINITY, 'invalid_type'],
      [{ email: 'a@example.com' }, 'invalid_type'],
      [['alice'], 'invalid_type'],
    ])('refuses %j as %s, warns, and changes nothing (R4)', (value, reason) => {
      const { client, sent, warnings, map, advance } = setup();
      client.pageview('https://example.com/');
      const before = map.get(STATE_KEY);
      advance(MIN);
      expect(client.identify(value)).toEqual(refused(reason as Reason));
      expect(warnings).toEqual([`idem: identify refused (${reason})`]);
      expect(sent).toHaveLength(1);
      expect(map.get(STATE_KEY)).toBe(before);
      expect(client.getIdentity()).toBeNull();
    });

    it('does not create a user for a refused identify on a new device', () => {
      const { client, map, sent } = setup();
      expect(client.identify('guest')).toEqual(refused('blocklisted'));
      expect(map.size).toBe(0);
      expect(sent).toEqual([]);
    });

    it('keeps the identity when a later identify is refused', () => {
      const { client, sent } = setup();
      client.identify('alice');
      const userId = client.getUserId();
      expect(client.identify('undefined')).toEqual(refused('blocklisted'));
      expect(client.getIdentity()).toBe('alice');
      expect(client.getUserId()).toBe(userId);
      expect(sent).toHaveLength(1);
    });

    it('sends nothing for the identity the device already has (R7)', () => {
      const { client, sent, reload, advance } = setup();
      client.pageview('https://example.com/');
      client.identify('alice');
      expect(sent).toHaveLength(2);
      expect(client.identify('alice')).toEqual(OK);
      expect(client.identify('  alice ')).toEqual(OK);
      advance(MIN);
      const next = reload();
      next.pageview('https://example.com/');
      expect(next.identify('alice')).toEqual(OK);
      expect(sent.map((m) => m.type)).toEqual(['pageview', 'identify', 'pageview']);
    });

    it('treats identities as case-sensitive', () => {
      const { client, sent } = setup();
      client.identify('alice');
      const u1 = client.getUserId();
      client.identify('Alice');
      expect(client.getIdentity()).toBe('Alice');
      expect(client.getUserId()).not.toBe(u1);
      expect(sent).toHaveLength(2);
    });

    it('gives a new user id and session for another identity (R6)', () => {
      const { client, sent, last, advance } = setup();
      client.pageview('https://example.com/');
      client.identify('alice');
      const aliceUser = client.getUserId();
      const aliceSession = client.getSessionId();
      advance(MIN);
      expect(client.identify('bob')).toEqual(OK);
      const bobUser = client.getUserId();
      const bobSession = client.getSessionId();
      expect(bobUser).not.toBe(aliceUser);
      expect(bobSession).not.toBe(aliceSession);
      expect(isUserId(bobUser)).toBe(true);
      expect(isUserId(bobSession)).toBe(true);
      expect(client.getIdentity()).toBe('bob');
      expect(sent).toHaveLength(3);
      expect(last()).toMatchObject({
        type: 'identify',
        user_id: bobUser,
        session_id: bobSession,
        identity: 'bob',
        time: '2026-01-01T00:01:00.000Z',
      });
      // Later calls belong to bob's user.
      client.track('After');
      expect(last()).toMatchObject({ type: 'track', user_id: bobUser, session_id: bobSession });
    });

    it('keeps the same user id while anonymous whatever the time (R5 after a long pause)', () => {
      const { client, advance } = setup();
      client.pageview('https://example.com/');
      const u = client.getUserId();
      const s = client.getSessionId();
      advance(3 * 24 * 60 * MIN);
      client.identify('alice');
      expect(client.getUserId()).toBe(u);
      expect(client.getSessionId()).not.toBe(s);
    });
  });

  describe('resetIdentity (R8)', () => {
    it('does nothing when anonymous', () => {
      const { client, map, sent, writes } = setup();
      expect(client.resetIdentity()).toEqual(OK);
      expect(map.size).toBe(0);
      client.pageview('https://example.com/');
      const before = map.get(STATE_KEY);
      const writesBefore = writes.length;
      expect(client.resetIdentity()).toEqual(OK);
      expect(map.get(STATE_KEY)).toBe(before);
      expect(writes.length).toBe(writesBefore);
      expect(sent).toHaveLength(1);
    });

    it('gives a new anonymous user id and session when identified, sending nothing', () => {
      const { client, sent, advance, state } = setup();
      client.pageview('https://example.com/');
      client.identify('alice');
      const u1 = client.getUserId();
      const s1 = client.getSessionId();
      advance(MIN);
      expect(client.resetIdentity()).toEqual(OK);
      expect(client.getIdentity()).toBeNull();
      expect(client.getUserId()).not.toBe(u1);
      expect(client.getSessionId()).not.toBe(s1);
      expect(state()?.lastActivity).toBe(T + MIN);
      expect(sent).toHaveLength(2);
      client.addUserProperties({ plan: 'Free' });
      expect(sent[2]).toMatchObject({ type: 'user_properties', user_id: client.getUserId(), properties: { plan: 'Free' } });
    });

    it('lets the device identify again after a reset', () => {
      const { client, sent } = setup();
      client.identify('alice');
      client.resetIdentity();
      const anon = client.getUserId();
      client.identify('alice');
      expect(client.getUserId()).toBe(anon);
      expect(sent.map((m) => [m.type, m.user_id])).toEqual([
        ['identify', '4294967298'],
        ['identify', anon],
      ]);
    });

    it('clears event properties', () => {
      const { client, map } = setup();
      client.identify('alice');
      client.addEventProperties({ team: 'red' });
      expect(map.has(EVENT_PROPS_KEY)).toBe(true);
      client.resetIdentity();
      expect(map.has(EVENT_PROPS_KEY)).toBe(false);
    });
  });

  describe('addUserProperties (R10)', () => {
    it('sends user properties for an anonymous user, creating it', () => {
      const { client, sent } = setup();
      expect(client.addUserProperties({ plan: 'Startup', seats: 5, beta: true, company: { name: 'Acme' } })).toEqual(OK);
      expect(sent).toEqual([
        {
          id: '00000005000000060000000700000008',
          user_id: '4294967298',
          time: '2026-01-01T00:00:00.000Z',
          type: 'user_properties',
          properties: { plan: 'Startup', seats: 5, beta: true, 'company.name': 'Acme' },
        },
      ]);
      expect(client.getUserId()).toBe('4294967298');
    });

    it('sends user properties for an identified user', () => {
      const { client, last } = setup();
      client.identify('alice');
      client.addUserProperties({ plan: 'Pro' });
      expect(last()).toMatchObject({ type: 'user_properties', user_id: client.getUserId(), properties: { plan: 'Pro' } });
    });

    it('fills Email from email', () => {
      const { client, last } = setup();
      client.addUserProperties({ email: 'a@example.com' });
      expect(last().properties).toEqual({ email: 'a@example.com', Email: 'a@example.com' });
    });

    it('sends the good keys of a partly bad call and answers the first refusal', () => {
      const { client, last, warnings } = setup();
      expect(client.addUserProperties({ plan: 'Pro', user_id: 'x', bad: null })).toEqual(refused('reserved_key'));
      expect(last().properties).toEqual({ plan: 'Pro' });
      expect(warnings).toEqual(['idem: addUserProperties refused (reserved_key)']);
    });

    it('sends nothing when every key is bad', () => {
      const { client, sent, map } = setup();
      expect(client.addUserProperties({ ID: 'x' })).toEqual(refused('reserved_key'));
      expect(client.addUserProperties({ a: [1], b: Number.NaN })).toEqual(refused('invalid_type'));
      expect(sent).toEqual([]);
      expect(map.size).toBe(0);
    });

    it.each([
      ['an array', [{ plan: 'Pro' }], 'invalid_type'],
      ['a string', 'plan', 'invalid_type'],
      ['a number', 5, 'invalid_type'],
      ['too many keys', Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])), 'too_long'],
    ])('refuses %s as a whole', (_label, input, reason) => {
      const { client, sent } = setup();
      expect(client.addUserProperties(input)).toEqual(refused(reason as Reason));
      expect(sent).toEqual([]);
    });

    it('accepts an empty call and sends nothing', () => {
      const { client, sent } = setup();
      expect(client.addUserProperties({})).toEqual(OK);
      expect(client.addUserProperties(undefined)).toEqual(OK);
      expect(client.addUserProperties(null)).toEqual(OK);
      expect(sent).toEqual([]);
    });

    it('refuses hostile input without pollution', () => {
      const { client, last } = setup();
      const input = JSON.parse('{"__proto__": {"admin": true}, "plan": "Pro"}');
      expect(client.addUserProperties(input)).toEqual(refused('reserved_key'));
      expect(last().properties).toEqual({ plan: 'Pro' });
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
      const many = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
      expect(client.addUserProperties(many)).toEqual(refused('too_long'));
    });
  });

  describe('track (R10)', () => {
    it('sends an event with the session and properties', () => {
      const { client, last } = setup();
      client.pageview('https://example.com/');
      expect(client.track('Signed Up', { plan: 'Pro', meta: { step: 2 } })).toEqual(OK);
      expect(last()).toEqual({
        id: '000000090000000a0000000b0000000c',
        user_id: client.getUserId(),
        time: '2026-01-01T00:00:00.000Z',
        type: 'track',
        session_id: client.getSessionId(),
        event: 'Signed Up',
        properties: { plan: 'Pro', 'meta.step': 2 },
      });
    });

    it('sends empty properties when none are given', () => {
      const { client, last } = setup();
      client.track('Clicked');
      expect(last().properties).toEqual({});
    });

    it.each([
      ['', 'empty'],
      ['  ', 'empty'],
      ['e'.repeat(256), 'too_long'],
      [42, 'invalid_type'],
      [null, 'invalid_type'],
    ])('refuses the event name %j as %s and sends nothing', (event, reason) => {
      const { client, sent, warnings } = setup();
      expect(client.track(event, { a: 1 })).toEqual(refused(reason as Reason));
      expect(sent).toEqual([]);
      expect(warnings).toEqual([`idem: track refused (${reason})`]);
    });

    it('takes an event name of 255 characters', () => {
      const { client, last } = setup();
      expect(client.track('e'.repeat(255))).toEqual(OK);
      expect(last().event).toBe('e'.repeat(255));
    });

    it('refuses properties that are unusable as a whole and sends nothing', () => {
      const { client, sent } = setup();
      expect(client.track('x', [1])).toEqual(refused('invalid_type'));
      expect(client.track('x', 'props')).toEqual(refused('invalid_type'));
      expect(sent).toEqual([]);
    });

    it('sends the event with its good properties when some keys are bad', () => {
      const { client, last } = setup();
      expect(client.track('x', { ok: 1, id: 2, n: Number.POSITIVE_INFINITY })).toEqual(refused('reserved_key'));
      expect(last()).toMatchObject({ type: 'track', event: 'x', properties: { ok: 1 } });
    });

    it('does not fill Email on events', () => {
      const { client, last } = setup();
      client.track('x', { email: 'a@example.com' });
      expect(last().properties).toEqual({ email: 'a@example.com' });
    });
  });

  describe('event properties', () => {
    it('adds them to every event, the call’s own winning', () => {
      const { client, last, reload } = setup();
      expect(client.addEventProperties({ team: 'red', plan: 'Free' })).toEqual(OK);
      client.track('A', { plan: 'Pro' });
      expect(last().properties).toEqual({ team: 'red', plan: 'Pro' });
      const next = reload();
      next.track('B');
      expect(last().properties).toEqual({ team: 'red', plan: 'Free' });
    });

    it('merges later calls and removes keys', () => {
      const { client, last } = setup();
      client.addEventProperties({ a: 1, b: 2 });
      client.addEventProperties({ b: 3, c: 4 });
      client.track('x');
      expect(last().properties).toEqual({ a: 1, b: 3, c: 4 });
      expect(client.removeEventProperty('b')).toEqual(OK);
      client.track('y');
      expect(last().properties).toEqual({ a: 1, c: 4 });
      expect(client.clearEventProperties()).toEqual(OK);
      client.track('z');
      expect(last().properties).toEqual({});
    });

    it('keeps the good keys of a partly bad call and answers the refusal', () => {
      const { client, last } = setup();
      expect(client.addEventProperties({ ok: 1, user_id: 2 })).toEqual(refused('reserved_key'));
      expect(client.addEventProperties('nope')).toEqual(refused('invalid_type'));
      client.track('x');
      expect(last().properties).toEqual({ ok: 1 });
    });

    it('ignores damaged stored event properties', () => {
      for (const damaged of ['{not json', '[1,2]', '"text"', '{"__proto__": {"admin": true}, "ok": 1}', '{"id": 5, "ok": 1}']) {
        const { client, map, last } = setup();
        map.set(EVENT_PROPS_KEY, damaged);
        expect(client.track('x')).toEqual(OK);
        const props = last().properties as Record<string, unknown>;
        expect(props.admin).toBeUndefined();
        expect(props.id).toBeUndefined();
        expect(Object.keys(props).every((k) => k === 'ok')).toBe(true);
      }
    });
  });

  describe('messages', () => {
    it('are all accepted by the collector’s checks when the calls are valid (R16)', () => {
      const { client, sent, advance } = setup();
      client.pageview('https://example.com/?utm_source=x', 'https://www.google.com/');
      client.track('Signed Up', { plan: 'Pro', nested: { a: true } });
      client.identify('alice@example.com', { signature: 'abc' });
      client.addUserProperties({ plan: 'Pro', email: 'alice@example.com' });
      advance(40 * MIN);
      client.identify('bob');
      client.track('After', { n: 1 });
      expect(sent).toHaveLength(6);
      for (const m of sent) {
        const r = checkMessage(JSON.parse(JSON.stringify(m)), T + 40 * MIN);
        expect(r).toMatchObject({ ok: true, refusedKeys: [] });
      }
    });
  });

  describe('subscribe and getSnapshot', () => {
    it('notifies when user, identity or session change, and only then', () => {
      const { client, advance } = setup();
      const listener = vi.fn();
      client.subscribe(listener);
      client.pageview('https://example.com/');
      expect(listener).toHaveBeenCalledTimes(1);
      client.pageview('https://example.com/');
      client.track('x');
      client.addUserProperties({ a: 1 });
      client.getUserId();
      expect(listener).toHaveBeenCalledTimes(1);
      client.identify('alice');
      expect(listener).toHaveBeenCalledTimes(2);
      client.identify('alice');
      expect(listener).toHaveBeenCalledTimes(2);
      client.identify('guest');
      expect(listener).toHaveBeenCalledTimes(2);
      advance(31 * MIN);
      client.pageview('https://example.com/');
      expect(listener).toHaveBeenCalledTimes(3);
      client.identify('bob');
      expect(listener).toHaveBeenCalledTimes(4);
      client.resetIdentity();
      expect(listener).toHaveBeenCalledTimes(5);
      client.resetIdentity();
      expect(listener).toHaveBeenCalledTimes(5);
    });

    it('notifies when getUserId creates the user', () => {
      const { client } = setup();
      const listener = vi.fn();
      client.subscribe(listener);
      client.getUserId();
      expect(listener).toHaveBeenCalledTimes(1);
      expect(client.getSnapshot()).toEqual({ userId: '4294967298', identity: null, sessionId: '12884901892' });
    });

    it('shows the new state to listeners', () => {
      const { client } = setup();
      const seen: unknown[] = [];
      client.subscribe(() => seen.push(client.getSnapshot()));
      client.identify('alice');
      expect(seen).toEqual([{ userId: '4294967298', identity: 'alice', sessionId: '12884901892' }]);
    });

    it('notifies before the message is made: event properties a listener adds go on that event', () => {
      const { client, sent } = setup();
      client.subscribe(() => client.addEventProperties({ plan: 'pro' }));
      // The first call creates the user and starts a session: the listener runs during that track.
      client.track('Opened');
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ type: 'track', event: 'Opened', properties: { plan: 'pro' } });
    });

    it('stops notifying after unsubscribe, and keeps other listeners', () => {
      const { client } = setup();
      const a = vi.fn();
      const b = vi.fn();
      const unsubscribeA = client.subscribe(a);
      client.subscribe(b);
      client.pageview('https://example.com/');
      unsubscribeA();
      client.identify('alice');
      expect(a).toHaveBeenCalledTimes(1);
      expect(b).toHaveBeenCalledTimes(2);
    });

    it('answers the same snapshot object until the state changes', () => {
      const { client } = setup();
      const empty = client.getSnapshot();
      expect(client.getSnapshot()).toBe(empty);
      client.pageview('https://example.com/');
      const s1 = client.getSnapshot();
      expect(s1).not.toBe(empty);
      client.pageview('https://example.com/');
      expect(client.getSnapshot()).toBe(s1);
      client.identify('alice');
      const s2 = client.getSnapshot();
      expect(s2).not.toBe(s1);
      expect(s2).toEqual({ userId: s1.userId, identity: 'alice', sessionId: s1.sessionId });
      expect(client.getSnapshot()).toBe(s2);
    });

    it('sees changes made to storage by another client', () => {
      const { client, reload } = setup();
      client.pageview('https://example.com/');
      const other = reload();
      other.identify('alice');
      expect(client.getSnapshot().identity).toBe('alice');
    });
  });

  describe('raw mode (sendRefused, R16)', () => {
    /** The reason the collector gives for a message, as `idem replay` would count it. */
    const collectorReason = (m: Message, now: number): Reason | null => {
      const r = checkMessage(JSON.parse(JSON.stringify(m)), now);
      if (!r.ok) return r.reason;
      return r.refusedKeys[0]?.reason ?? null;
    };

    it.each([
      ['guest', 'blocklisted'],
      ['NaN', 'blocklisted'],
      ['', 'empty'],
      [' ', 'empty'],
      ['x'.repeat(256), 'too_long'],
      [null, 'invalid_type'],
      [true, 'invalid_type'],
      [{ id: 1 }, 'invalid_type'],
      [0, 'blocklisted'],
    ])('sends the refused identify %j as it was made, and the collector refuses it as %s', (value, reason) => {
      const { client, sent, warnings, state } = setup({ sendRefused: true });
      client.pageview('https://example.com/');
      const before = state();
      expect(client.identify(value)).toEqual(refused(reason as Reason));
      expect(warnings).toEqual([`idem: identify refused (${reason})`]);
      expect(sent).toHaveLength(2);
      const m = sent[1] as Message & Record<string, unknown>;
      expect(m).toMatchObject({ type: 'identify', user_id: before?.userId, session_id: before?.sessionId });
      expect(m.identity).toEqual(value);
      expect(state()).toEqual(before);
      expect(client.getIdentity()).toBeNull();
      expect(collectorReason(m, T)).toBe(reason);
    });

    it('sends a refused identify from an identified device under its current user, keeping the identity', () => {
      const { client, last } = setup({ sendRefused: true });
      client.identify('alice');
      const u = client.getUserId();
      expect(client.identify('anonymous')).toEqual(refused('blocklisted'));
      expect(last()).toMatchObject({ type: 'identify', user_id: u, identity: 'anonymous' });
      expect(client.getIdentity()).toBe('alice');
      expect(client.getUserId()).toBe(u);
    });

    it('sends a refused identify from a new device under a new anonymous user', () => {
      const { client, sent } = setup({ sendRefused: true });
      expect(client.identify('guest')).toEqual(refused('blocklisted'));
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ type: 'identify', user_id: client.getUserId(), identity: 'guest' });
      expect(client.getIdentity()).toBeNull();
    });

    it.each([
      ['', { a: 1 }, 'empty'],
      ['e'.repeat(256), undefined, 'too_long'],
      [42, undefined, 'invalid_type'],
      ['x', [1, 2], 'invalid_type'],
      ['x', Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])), 'too_long'],
    ])('sends the refused track %j as it was made', (event, properties, reason) => {
      const { client, sent } = setup({ sendRefused: true });
      client.pageview('https://example.com/');
      expect(client.track(event, properties)).toEqual(refused(reason as Reason));
      expect(sent).toHaveLength(2);
      const m = sent[1] as Message & Record<string, unknown>;
      expect(m.type).toBe('track');
      expect(m.event).toEqual(event);
      expect(m.properties).toEqual(properties);
      expect(m.session_id).toBe(client.getSessionId());
      expect(collectorReason(m, T)).toBe(reason);
    });

    it('sends a partly bad track with its properties as given', () => {
      const { client, last } = setup({ sendRefused: true });
      client.addEventProperties({ team: 'red' });
      expect(client.track('x', { ok: 1, id: 2 })).toEqual(refused('reserved_key'));
      expect(last().properties).toEqual({ team: 'red', ok: 1, id: 2 });
      expect(collectorReason(last(), T)).toBe('reserved_key');
    });

    it('does not count a refused track as activity', () => {
      const { client, advance } = setup({ sendRefused: true });
      client.pageview('https://example.com/');
      const s1 = client.getSessionId();
      advance(20 * MIN);
      client.track('');
      advance(20 * MIN);
      client.pageview('https://example.com/');
      expect(client.getSessionId()).not.toBe(s1);
    });

    it.each([
      [{ user_id: 'x' }, 'reserved_key'],
      [{ ID: 'x' }, 'reserved_key'],
      [{ a: null }, 'invalid_type'],
      [{ '': 1 }, 'empty'],
      [{ ['k'.repeat(513)]: 1 }, 'too_long'],
      [[1], 'invalid_type'],
      ['plan', 'invalid_type'],
      [Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])), 'too_long'],
    ])('sends the refused user properties %j as they were given', (properties, reason) => {
      const { client, sent } = setup({ sendRefused: true });
      expect(client.addUserProperties(properties)).toEqual(refused(reason as Reason));
      expect(sent).toHaveLength(1);
      const m = sent[0] as Message & Record<string, unknown>;
      expect(m.type).toBe('user_properties');
      expect(m.properties).toEqual(properties);
      expect(collectorReason(m, T)).toBe(reason);
    });

    it('sends partly bad user properties as given; the collector keeps the good keys and refuses the call', () => {
      const { client, last } = setup({ sendRefused: true });
      expect(client.addUserProperties({ plan: 'Pro', id: 'x' })).toEqual(refused('reserved_key'));
      expect(last().properties).toEqual({ plan: 'Pro', id: 'x' });
      const r = checkMessage(JSON.parse(JSON.stringify(last())), T);
      expect(r).toMatchObject({ ok: true, refusedKeys: [{ key: 'id', reason: 'reserved_key' }], message: { properties: { plan: 'Pro' } } });
    });

    it('sends accepted calls exactly as the normal client does', () => {
      const run = (sendRefused: boolean) => {
        const h = setup({ sendRefused });
        h.client.pageview('https://example.com/');
        h.client.identify('alice');
        h.client.identify('alice');
        h.client.track('x', { a: 1 });
        h.client.addUserProperties({ plan: 'Pro', email: 'a@example.com' });
        h.client.resetIdentity();
        return h.sent;
      };
      expect(run(true)).toEqual(run(false));
    });

    it('sends nothing for a call that has nothing to set and nothing refused', () => {
      const { client, sent } = setup({ sendRefused: true });
      expect(client.addUserProperties({})).toEqual(OK);
      expect(client.addUserProperties(undefined)).toEqual(OK);
      expect(sent).toEqual([]);
    });

    it('ends in the same client state as the normal client', () => {
      const run = (sendRefused: boolean) => {
        const h = setup({ sendRefused });
        h.client.pageview('https://example.com/');
        h.advance(20 * MIN);
        h.client.identify('guest');
        h.client.track('');
        h.client.addUserProperties({ id: 1 });
        h.advance(20 * MIN);
        h.client.pageview('https://example.com/');
        h.client.identify('alice');
        h.client.identify(null);
        return {
          state: h.state(),
          sessions: new Set(h.sent.filter((m) => m.type === 'pageview').map((m) => (m as { session_id: string }).session_id)).size,
        };
      };
      const normal = run(false);
      const raw = run(true);
      expect(raw.state?.identity).toBe(normal.state?.identity);
      expect(raw.state?.lastActivity).toBe(normal.state?.lastActivity);
      expect(raw.sessions).toBe(normal.sessions);
      expect(normal.sessions).toBe(2);
    });
  });

  it('works without a warn function', () => {
    const { store } = mapStore();
    const client = createClient({ storage: store, now: () => T, random: counterRandom(), send: () => {} });
    expect(client.identify('guest')).toEqual(refused('blocklisted'));
  });
});
