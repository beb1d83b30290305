import { describe, expect, it } from 'vitest';
import { MAX_FUTURE_MS, MAX_PAST_MS } from './time.js';
import { APP_ID, checkMessage, MAX_BATCH_MESSAGES, MAX_URL_LENGTH, MESSAGE_ID } from './wire.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const ISO_NOW = '2026-01-01T12:00:00.000Z';
const ID = 'msg_0000000001';

const pageview = (over: Record<string, unknown> = {}) => ({
  type: 'pageview',
  id: ID,
  user_id: '123',
  session_id: '456',
  time: ISO_NOW,
  url: 'https://example.com/',
  referrer: 'https://www.google.com/',
  ...over,
});
const track = (over: Record<string, unknown> = {}) => ({
  type: 'track',
  id: ID,
  user_id: '123',
  session_id: '456',
  time: ISO_NOW,
  event: 'Signed Up',
  properties: { plan: 'Pro' },
  ...over,
});
const identify = (over: Record<string, unknown> = {}) => ({
  type: 'identify',
  id: ID,
  user_id: '123',
  session_id: '456',
  time: ISO_NOW,
  identity: 'alice@example.com',
  ...over,
});
const userProperties = (over: Record<string, unknown> = {}) => ({
  type: 'user_properties',
  id: ID,
  user_id: '123',
  time: ISO_NOW,
  properties: { plan: 'Pro' },
  ...over,
});
const ALL = { pageview, track, identify, user_properties: userProperties };

const refusedAs = (reason: string, id: string | null = ID) => ({ ok: false, id, reason });

describe('constants', () => {
  it('are the contract values', () => {
    expect(MAX_BATCH_MESSAGES).toBe(500);
    expect(MAX_URL_LENGTH).toBe(2048);
  });

  it('MESSAGE_ID takes 8 to 64 of [A-Za-z0-9_-]', () => {
    expect(MESSAGE_ID.test('abcdefgh')).toBe(true);
    expect(MESSAGE_ID.test('a'.repeat(64))).toBe(true);
    expect(MESSAGE_ID.test('A-b_9-Z_')).toBe(true);
    expect(MESSAGE_ID.test('abcdefg')).toBe(false);
    expect(MESSAGE_ID.test('a'.repeat(65))).toBe(false);
    expect(MESSAGE_ID.test('abcd efgh')).toBe(false);
    expect(MESSAGE_ID.test('abcd.efgh')).toBe(false);
    expect(MESSAGE_ID.test('abcdefgh\n')).toBe(false);
  });

  it('APP_ID takes 1 to 64 of [A-Za-z0-9_-]', () => {
    expect(APP_ID.test('demo')).toBe(true);
    expect(APP_ID.test('a')).toBe(true);
    expect(APP_ID.test('a'.repeat(64))).toBe(true);
    expect(APP_ID.test('')).toBe(false);
    expect(APP_ID.test('a'.repeat(65))).toBe(false);
    expect(APP_ID.test('my app')).toBe(false);
    expect(APP_ID.test('a;b')).toBe(false);
    expect(APP_ID.test('a=b')).toBe(false);
  });
});

describe('checkMessage', () => {
  describe('accepted messages', () => {
    it('checks a pageview', () => {
      expect(checkMessage(pageview(), NOW)).toEqual({
        ok: true,
        refusedKeys: [],
        message: {
          type: 'pageview',
          id: ID,
          userId: '123',
          sessionId: '456',
          time: NOW,
          url: 'https://example.com/',
          referrer: 'https://www.google.com/',
        },
      });
    });

    it('answers a null referrer when there is none', () => {
      for (const referrer of [undefined, null, '']) {
        const r = checkMessage(pageview({ referrer }), NOW);
        expect(r.ok && r.message.type === 'pageview' && r.message.referrer).toBeNull();
      }
    });

    it('checks a track', () => {
      expect(checkMessage(track(), NOW)).toEqual({
        ok: true,
        refusedKeys: [],
        message: { type: 'track', id: ID, userId: '123', sessionId: '456', time: NOW, event: 'Signed Up', properties: { plan: 'Pro' } },
      });
    });

    it('checks a track without properties', () => {
      const r = checkMessage(track({ properties: undefined }), NOW);
      expect(r).toEqual({
        ok: true,
        refusedKeys: [],
        message: { type: 'track', id: ID, userId: '123', sessionId: '456', time: NOW, event: 'Signed Up', properties: {} },
      });
    });

    it('checks an identify, normalizing the identity', () => {
      expect(checkMessage(identify({ identity: '  alice@example.com ' }), NOW)).toEqual({
        ok: true,
        refusedKeys: [],
        message: { type: 'identify', id: ID, userId: '123', sessionId: '456', time: NOW, identity: 'alice@example.com', signature: null },
      });
      const n = checkMessage(identify({ identity: 42 }), NOW);
      expect(n.ok && n.message.type === 'identify' && n.message.identity).toBe('42');
    });

    it('keeps a signature up to 256 characters', () => {
      const r = checkMessage(identify({ signature: 's'.repeat(256) }), NOW);
      expect(r.ok && r.message.type === 'identify' && r.message.signature).toBe('s'.repeat(256));
      const empty = checkMessage(identify({ signature: '' }), NOW);
      expect(empty.ok && empty.message.type === 'identify' && empty.message.signature).toBeNull();
      const nul = checkMessage(identify({ signature: null }), NOW);
      expect(nul.ok && nul.message.type === 'identify' && nul.message.signature).toBeNull();
    });

    it('checks user properties, filling Email', () => {
      expect(checkMessage(userProperties({ properties: { plan: 'Pro', email: 'a@example.com', co: { size: 4 } } }), NOW)).toEqual({
        ok: true,
        refusedKeys: [],
        message: {
          type: 'user_properties',
          id: ID,
          userId: '123',
          time: NOW,
          properties: { plan: 'Pro', email: 'a@example.com', Email: 'a@example.com', 'co.size': 4 },
        },
      });
    });

    it('does not fill Email on event properties', () => {
      const r = checkMessage(track({ properties: { email: 'a@example.com' } }), NOW);
      expect(r.ok && r.message.type === 'track' && r.message.properties).toEqual({ email: 'a@example.com' });
    });

    it('does not need a session id on user properties', () => {
      expect(checkMessage(userProperties({ session_id: undefined }), NOW).ok).toBe(true);
      expect(checkMessage(userProperties({ session_id: 'garbage' }), NOW).ok).toBe(true);
    });

    it('drops unknown fields', () => {
      const r = checkMessage(pageview({ extra: 'x', properties: { a: 1 }, identity: 'bob' }), NOW);
      expect(r.ok && Object.keys(r.message).sort()).toEqual(['id', 'referrer', 'sessionId', 'time', 'type', 'url', 'userId']);
    });

    it('accepts user ids and session ids at the edges', () => {
      expect(checkMessage(pageview({ user_id: '0', session_id: '0' }), NOW).ok).toBe(true);
      expect(checkMessage(pageview({ user_id: '9007199254740991', session_id: '9007199254740991' }), NOW).ok).toBe(true);
    });

    it('accepts message ids at the edges', () => {
      expect(checkMessage(pageview({ id: 'abcdefgh' }), NOW)).toMatchObject({ ok: true, message: { id: 'abcdefgh' } });
      expect(checkMessage(pageview({ id: 'x'.repeat(64) }), NOW)).toMatchObject({ ok: true, message: { id: 'x'.repeat(64) } });
    });

    it('accepts a URL of 2048 characters', () => {
      const url = `https://example.com/${'p'.repeat(2048 - 20)}`;
      expect(url).toHaveLength(2048);
      expect(checkMessage(pageview({ url, referrer: url }), NOW).ok).toBe(true);
    });
  });

  describe('structure (invalid_message)', () => {
    it.each([
      ['null', null],
      ['undefined', undefined],
      ['a string', '{"type":"pageview"}'],
      ['a number', 1],
      ['an array', [pageview()]],
      ['a boolean', true],
    ])('refuses %s without an id', (_label, raw) => {
      expect(checkMessage(raw, NOW)).toEqual(refusedAs('invalid_message', null));
    });

    it.each([
      ['missing', undefined],
      ['a number', 12345678],
      ['too short', 'abcdefg'],
      ['too long', 'a'.repeat(65)],
      ['with a space', 'abcd efgh'],
      ['with a dot', 'abcd.efgh'],
      ['with unicode', 'abcdéfgh'],
      ['an object', { toString: () => ID }],
    ])('refuses an id that is %s, answering no id', (_label, id) => {
      expect(checkMessage(pageview({ id }), NOW)).toEqual(refusedAs('invalid_message', null));
    });

    it.each([
      ['missing', undefined],
      ['a number', 123],
      ['with a leading zero', '0123'],
      ['2^53', '9007199254740992'],
      ['negative', '-1'],
      ['empty', ''],
    ])('refuses a user id that is %s', (_label, user_id) => {
      for (const make of Object.values(ALL)) expect(checkMessage(make({ user_id }), NOW)).toEqual(refusedAs('invalid_message'));
    });

    it.each([
      ['missing', undefined],
      ['a number', 456],
      ['with a leading zero', '0456'],
      ['2^53', '9007199254740992'],
    ])('refuses a session id that is %s on pageview, track and identify', (_label, session_id) => {
      expect(checkMessage(pageview({ session_id }), NOW)).toEqual(refusedAs('invalid_message'));
      expect(checkMessage(track({ session_id }), NOW)).toEqual(refusedAs('invalid_message'));
      expect(checkMessage(identify({ session_id }), NOW)).toEqual(refusedAs('invalid_message'));
    });

    it.each([
      ['missing', undefined],
      ['unknown', 'click'],
      ['in another case', 'Pageview'],
      ['a prototype name', '__proto__'],
      ['toString', 'toString'],
      ['a number', 1],
      ['an array', ['pageview']],
    ])('refuses a type that is %s', (_label, type) => {
      expect(checkMessage(pageview({ type }), NOW)).toEqual(refusedAs('invalid_message'));
    });

    it('refuses a pageview whose url is missing, not a string or too long', () => {
      expect(checkMessage(pageview({ url: undefined }), NOW)).toEqual(refusedAs('invalid_message'));
      expect(checkMessage(pageview({ url: 5 }), NOW)).toEqual(refusedAs('invalid_message'));
      expect(checkMessage(pageview({ url: { href: 'x' } }), NOW)).toEqual(refusedAs('invalid_message'));
      expect(checkMessage(pageview({ url: 'u'.repeat(2049) }), NOW)).toEqual(refusedAs('invalid_message'));
      expect(checkMessage(pageview({ url: 'u'.repeat(1_000_000) }), NOW)).toEqual(refusedAs('invalid_message'));
    });

    it('refuses a pageview whose referrer is not a string or too long', () => {
      expect(checkMessage(pageview({ referrer: 5 }), NOW)).toEqual(refusedAs('invalid_message'));
      expect(checkMessage(pageview({ referrer: ['x'] }), NOW)).toEqual(refusedAs('invalid_message'));
      expect(checkMessage(pageview({ referrer: 'r'.repeat(2049) }), NOW)).toEqual(refusedAs('invalid_message'));
    });

    it('refuses a signature that is not a string or longer than 256', () => {
      expect(checkMessage(identify({ signature: 's'.repeat(257) }), NOW)).toEqual(refusedAs('invalid_message'));
      expect(checkMessage(identify({ signature: 123 }), NOW)).toEqual(refusedAs('invalid_message'));
      expect(checkMessage(identify({ signature: { s: 1 } }), NOW)).toEqual(refusedAs('invalid_message'));
    });

    it('checks the user id before the time and the time before the session id', () => {
      expect(checkMessage(pageview({ user_id: 'x', time: 'x', session_id: 'x' }), NOW)).toEqual(refusedAs('invalid_message'));
      expect(checkMessage(pageview({ time: 'x', session_id: 'x' }), NOW)).toEqual(refusedAs('invalid_timestamp'));
    });
  });

  describe('time (invalid_timestamp)', () => {
    it.each([
      ['missing', undefined],
      ['a number', NOW],
      ['without a zone', '2026-01-01T12:00:00'],
      ['a date only', '2026-01-01'],
      ['February 30', '2026-02-30T12:00:00Z'],
      ['garbage', 'now'],
      ['null', null],
    ])('refuses a time that is %s, for every type', (_label, time) => {
      for (const make of Object.values(ALL)) expect(checkMessage(make({ time }), NOW)).toEqual(refusedAs('invalid_timestamp'));
    });

    it('accepts up to 10 minutes ahead and refuses more', () => {
      expect(checkMessage(pageview({ time: new Date(NOW + MAX_FUTURE_MS).toISOString() }), NOW).ok).toBe(true);
      expect(checkMessage(pageview({ time: new Date(NOW + MAX_FUTURE_MS + 1).toISOString() }), NOW)).toEqual(
        refusedAs('invalid_timestamp'),
      );
    });

    it('accepts up to 5 years back and refuses more', () => {
      expect(checkMessage(pageview({ time: new Date(NOW - MAX_PAST_MS).toISOString() }), NOW).ok).toBe(true);
      expect(checkMessage(pageview({ time: new Date(NOW - MAX_PAST_MS - 1).toISOString() }), NOW)).toEqual(refusedAs('invalid_timestamp'));
      expect(checkMessage(pageview({ time: '1970-01-01T00:00:00Z' }), NOW)).toEqual(refusedAs('invalid_timestamp'));
    });

    it('reads zone offsets', () => {
      const r = checkMessage(pageview({ time: '2026-01-01T13:30:00+01:30' }), NOW);
      expect(r.ok && r.message.time).toBe(NOW);
    });

    it('corrects the time by the skew', () => {
      const ahead = new Date(NOW + 60 * 60_000).toISOString(); // a client clock one hour fast
      expect(checkMessage(pageview({ time: ahead }), NOW)).toEqual(refusedAs('invalid_timestamp'));
      const r = checkMessage(pageview({ time: ahead }), NOW, -60 * 60_000);
      expect(r.ok && r.message.time).toBe(NOW);
      const behind = checkMessage(track({ time: '2026-01-01T11:00:00.000Z' }), NOW, 30 * 60_000);
      expect(behind.ok && behind.message.time).toBe(NOW - 30 * 60_000);
    });

    it('refuses a time that the skew pushes out of range', () => {
      expect(checkMessage(pageview(), NOW, MAX_FUTURE_MS + 1)).toEqual(refusedAs('invalid_timestamp'));
      expect(checkMessage(pageview(), NOW, MAX_FUTURE_MS).ok).toBe(true);
      expect(checkMessage(pageview(), NOW, Number.NaN)).toEqual(refusedAs('invalid_timestamp'));
    });
  });

  describe('rules', () => {
    it.each([
      ['', 'empty'],
      ['   ', 'empty'],
      ['e'.repeat(256), 'too_long'],
      [5, 'invalid_type'],
      [null, 'invalid_type'],
      [undefined, 'invalid_type'],
      [{ name: 'x' }, 'invalid_type'],
    ])('refuses the event name %j as %s', (event, reason) => {
      expect(checkMessage(track({ event }), NOW)).toEqual(refusedAs(reason));
    });

    it('takes event names up to 255 characters from a client', () => {
      expect(checkMessage(track({ event: 'e'.repeat(255) }), NOW).ok).toBe(true);
    });

    it('refuses track properties that are unusable as a whole', () => {
      expect(checkMessage(track({ properties: [1, 2] }), NOW)).toEqual(refusedAs('invalid_type'));
      expect(checkMessage(track({ properties: 'plan=Pro' }), NOW)).toEqual(refusedAs('invalid_type'));
      const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i]));
      expect(checkMessage(track({ properties: many }), NOW)).toEqual(refusedAs('too_long'));
    });

    it('keeps a track with some bad keys and reports them', () => {
      expect(checkMessage(track({ properties: { plan: 'Pro', id: 1, bad: null } }), NOW)).toEqual({
        ok: true,
        refusedKeys: [
          { key: 'id', reason: 'reserved_key' },
          { key: 'bad', reason: 'invalid_type' },
        ],
        message: { type: 'track', id: ID, userId: '123', sessionId: '456', time: NOW, event: 'Signed Up', properties: { plan: 'Pro' } },
      });
    });

    it('keeps a track whose keys are all bad, with no properties', () => {
      const r = checkMessage(track({ properties: { user_id: 'x' } }), NOW);
      expect(r).toEqual({
        ok: true,
        refusedKeys: [{ key: 'user_id', reason: 'reserved_key' }],
        message: { type: 'track', id: ID, userId: '123', sessionId: '456', time: NOW, event: 'Signed Up', properties: {} },
      });
    });

    it.each([
      ['guest', 'blocklisted'],
      ['NULL', 'blocklisted'],
      [' Email ', 'blocklisted'],
      [0, 'blocklisted'],
      ['', 'empty'],
      ['  ', 'empty'],
      ['x'.repeat(256), 'too_long'],
      [null, 'invalid_type'],
      [true, 'invalid_type'],
      [{ id: 1 }, 'invalid_type'],
      [['alice'], 'invalid_type'],
      [Number.NaN, 'invalid_type'],
    ])('refuses the identity %j as %s', (identity, reason) => {
      expect(checkMessage(identify({ identity }), NOW)).toEqual(refusedAs(reason));
    });

    it('refuses an identify with no identity as invalid_type', () => {
      const raw = identify();
      delete (raw as Record<string, unknown>).identity;
      expect(checkMessage(raw, NOW)).toEqual(refusedAs('invalid_type'));
    });

    it('keeps user properties with some bad keys and reports them', () => {
      expect(checkMessage(userProperties({ properties: { plan: 'Pro', ID: 'x' } }), NOW)).toEqual({
        ok: true,
        refusedKeys: [{ key: 'ID', reason: 'reserved_key' }],
        message: { type: 'user_properties', id: ID, userId: '123', time: NOW, properties: { plan: 'Pro' } },
      });
    });

    it('refuses user properties whose keys are all bad, with the first reason and every key', () => {
      expect(checkMessage(userProperties({ properties: { user_id: 'x', bad: [1], '': 2 } }), NOW)).toEqual({
        ok: false,
        id: ID,
        reason: 'reserved_key',
        refusedKeys: [
          { key: 'user_id', reason: 'reserved_key' },
          { key: 'bad', reason: 'invalid_type' },
          { key: '', reason: 'empty' },
        ],
      });
    });

    it('refuses user properties that are unusable as a whole', () => {
      expect(checkMessage(userProperties({ properties: [{ plan: 'Pro' }] }), NOW)).toEqual(refusedAs('invalid_type'));
      expect(checkMessage(userProperties({ properties: 'plan' }), NOW)).toEqual(refusedAs('invalid_type'));
      const many = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
      expect(checkMessage(userProperties({ properties: many }), NOW)).toEqual(refusedAs('too_long'));
    });

    it('accepts user properties with nothing to set', () => {
      for (const properties of [{}, undefined, null]) {
        expect(checkMessage(userProperties({ properties }), NOW)).toEqual({
          ok: true,
          refusedKeys: [],
          message: { type: 'user_properties', id: ID, userId: '123', time: NOW, properties: {} },
        });
      }
    });
  });

  describe('hostile payloads', () => {
    it('ignores an own __proto__ key on the message', () => {
      const raw = JSON.parse(
        `{"__proto__": {"type": "pageview", "url": "x"}, "id": "${ID}", "user_id": "1", "session_id": "2", "time": "${ISO_NOW}"}`,
      );
      expect(checkMessage(raw, NOW)).toEqual(refusedAs('invalid_message'));
      expect(({} as Record<string, unknown>).url).toBeUndefined();
    });

    it('refuses prototype keys in properties without pollution', () => {
      const raw = JSON.parse(
        `{"type": "user_properties", "id": "${ID}", "user_id": "1", "time": "${ISO_NOW}", "properties": {"__proto__": {"admin": true}, "constructor": {"prototype": {"admin": true}}, "plan": "Pro"}}`,
      );
      const r = checkMessage(raw, NOW);
      expect(r).toEqual({
        ok: true,
        refusedKeys: [
          { key: '__proto__', reason: 'reserved_key' },
          { key: 'constructor', reason: 'reserved_key' },
        ],
        message: { type: 'user_properties', id: ID, userId: '1', time: NOW, properties: { plan: 'Pro' } },
      });
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });

    it('handles deeply nested properties without blowing the stack', () => {
      const text = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
      const r = checkMessage(track({ properties: JSON.parse(text) }), NOW);
      expect(r.ok).toBe(true);
      expect(r.ok && r.refusedKeys).toEqual([{ key: Array(9).fill('a').join('.'), reason: 'invalid_type' }]);
    });

    it('checks a class instance field by field like an object', () => {
      class Fake {
        type = 'pageview';
        id = ID;
        user_id = '1';
        session_id = '2';
        time = ISO_NOW;
        url = 'https://example.com/';
      }
      // Objects from JSON.parse are what the collector sees; a class instance is checked the same way.
      expect(checkMessage(new Fake(), NOW).ok).toBe(true);
    });

    it('answers quickly for a huge event name', () => {
      expect(checkMessage(track({ event: 'e'.repeat(5_000_000) }), NOW)).toEqual(refusedAs('too_long'));
    });
  });
});
