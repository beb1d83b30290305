import { describe, expect, it } from 'vitest';
import { type DeviceState, decodeState, encodeState, STATE_VERSION, stateCookieName } from './state-format.js';

const T = Date.UTC(2026, 0, 1); // 'mjuohs00' in base 36

const state = (over: Partial<DeviceState> = {}): DeviceState => ({
  userId: '4294967297',
  sessionId: '9007199254740991',
  lastActivity: T,
  identity: 'alice@example.com',
  ...over,
});

/** Characters a cookie value may hold unquoted (RFC 6265 cookie-octet). */
const COOKIE_SAFE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;

describe('stateCookieName', () => {
  it('is idem_<appId>', () => {
    expect(stateCookieName('demo')).toBe('idem_demo');
    expect(stateCookieName('my-app_2')).toBe('idem_my-app_2');
  });
});

describe('encodeState', () => {
  it('writes v1.<userId>.<sessionId>.<lastActivity base 36>.<identity URI-encoded>', () => {
    expect(STATE_VERSION).toBe('v1');
    expect(encodeState(state())).toBe('v1.4294967297.9007199254740991.mjuohs00.alice%40example.com');
  });

  it('leaves the identity field empty when anonymous', () => {
    expect(encodeState(state({ identity: null }))).toBe('v1.4294967297.9007199254740991.mjuohs00.');
  });

  it('floors the time and never writes a negative one', () => {
    expect(encodeState(state({ lastActivity: T + 0.9, identity: null }))).toBe('v1.4294967297.9007199254740991.mjuohs00.');
    expect(encodeState(state({ lastActivity: -5, identity: null }))).toBe('v1.4294967297.9007199254740991.0.');
    expect(encodeState(state({ lastActivity: 35, identity: null }))).toBe('v1.4294967297.9007199254740991.z.');
  });

  it('encodes every character a cookie cannot hold', () => {
    const value = encodeState(state({ identity: 'a.b c;d=e,f"g\\h%i\'j(k)l*m!n~o' }));
    expect(value).toBe("v1.4294967297.9007199254740991.mjuohs00.a.b%20c%3Bd%3De%2Cf%22g%5Ch%25i'j(k)l*m!n~o");
    expect(value).toMatch(COOKIE_SAFE);
  });

  it('makes a cookie-safe value of unicode identities', () => {
    const value = encodeState(state({ identity: 'ñandú \u{1F600} 用户' }));
    expect(value).toMatch(COOKIE_SAFE);
    expect(value).toBe('v1.4294967297.9007199254740991.mjuohs00.%C3%B1and%C3%BA%20%F0%9F%98%80%20%E7%94%A8%E6%88%B7');
  });
});

describe('decodeState', () => {
  it('reads what encodeState wrote', () => {
    expect(decodeState('v1.4294967297.9007199254740991.mjuohs00.alice%40example.com')).toEqual(state());
    expect(decodeState('v1.0.0.0.')).toEqual({ userId: '0', sessionId: '0', lastActivity: 0, identity: null });
  });

  it.each([
    'alice',
    'alice@example.com',
    'first.last@example.co.uk',
    '...',
    'a.b c;d=e,f"g\\h%i\'j(k)l*m!n~o',
    '100%',
    '%41',
    'ñandú \u{1F600} 用户',
    '42',
    'x'.repeat(255),
    '€'.repeat(255),
    '\u{1F600}'.repeat(127),
  ])('round-trips the identity %j', (identity) => {
    const s = state({ identity });
    expect(decodeState(encodeState(s))).toEqual(s);
  });

  it('round-trips anonymous states and edge times', () => {
    for (const lastActivity of [0, 1, T, Date.UTC(2100, 0, 1), Number.MAX_SAFE_INTEGER]) {
      const s = state({ identity: null, lastActivity });
      expect(decodeState(encodeState(s))).toEqual(s);
    }
  });

  it('round-trips the largest state within a cookie size', () => {
    const s = state({
      userId: '9007199254740991',
      sessionId: '9007199254740991',
      lastActivity: Date.UTC(2100, 0, 1),
      identity: '€'.repeat(255),
    });
    const value = encodeState(s);
    expect(value.length).toBeGreaterThan(2048);
    expect(value.length + stateCookieName('a'.repeat(64)).length).toBeLessThan(4096);
    expect(decodeState(value)).toEqual(s);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['the empty string', ''],
    ['another version', 'v2.1.2.abc.'],
    ['no version', '1.2.abc.x'],
    ['uppercase version', 'V1.1.2.abc.'],
    ['four fields', 'v1.1.2.abc'],
    ['three fields', 'v1.1.2'],
    ['a user id with a leading zero', 'v1.01.2.abc.'],
    ['a user id of 2^53', 'v1.9007199254740992.2.abc.'],
    ['a negative user id', 'v1.-1.2.abc.'],
    ['a non-numeric user id', 'v1.abc.2.abc.'],
    ['an empty user id', 'v1..2.abc.'],
    ['an empty session id', 'v1.1..abc.'],
    ['a session id of 2^53', 'v1.1.9007199254740992.abc.'],
    ['a session id with letters', 'v1.1.2x.abc.'],
    ['an empty time', 'v1.1.2..'],
    ['an uppercase time', 'v1.1.2.ABC.'],
    ['a time with a sign', 'v1.1.2.-1.'],
    ['a time of 13 digits', 'v1.1.2.1234567890123.'],
    ['a time with a space', 'v1.1.2.a c.'],
    ['a malformed escape', 'v1.1.2.abc.%E0%A4%A'],
    ['a lone percent', 'v1.1.2.abc.%'],
    ['an escaped lone surrogate', 'v1.1.2.abc.%ED%A0%80'],
    ['a whitespace-only identity', 'v1.1.2.abc.%20%20'],
    ['an identity with surrounding spaces', 'v1.1.2.abc.%20alice%20'],
    ['a blocklisted identity', 'v1.1.2.abc.guest'],
    ['a blocklisted identity in another case', 'v1.1.2.abc.NULL'],
    ['an identity of 256 characters', `v1.1.2.abc.${'x'.repeat(256)}`],
    ['a huge value', `v1.1.2.abc.${'x'.repeat(10_000)}`],
    ['spaces around the value', ' v1.1.2.abc. '],
    ['JSON', '{"userId":"1"}'],
  ])('refuses %s', (_label, value) => {
    expect(decodeState(value)).toBeNull();
  });

  it.each([
    ['a number', 5],
    ['an object', { toString: () => 'v1.1.2.abc.' }],
    ['an array', ['v1.1.2.abc.']],
  ])('refuses %s', (_label, value) => {
    expect(decodeState(value as unknown as string)).toBeNull();
  });

  it('keeps the dots of an identity that follows the four fields', () => {
    expect(decodeState('v1.1.2.abc.first.last@example.com')).toEqual({
      userId: '1',
      sessionId: '2',
      lastActivity: Number.parseInt('abc', 36),
      identity: 'first.last@example.com',
    });
  });

  it('never answers a state that encodes differently from its input unless only escaping differs', () => {
    // Unescaped but cookie-safe characters decode to the same identity.
    expect(decodeState('v1.1.2.abc.alice@example.com')?.identity).toBe('alice@example.com');
  });
});
