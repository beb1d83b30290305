import { describe, expect, it } from 'vitest';
import {
  MAX_CLIENT_EVENT_NAME,
  MAX_DEPTH,
  MAX_KEY_LENGTH,
  MAX_KEYS,
  MAX_SERVER_EVENT_NAME,
  MAX_VALUE_LENGTH,
  propertiesReason,
  truncate,
  validateEventName,
  validateProperties,
} from './properties.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Builds {k0: {k1: ... {k<n-1>: leaf}}} without recursion. */
function chain(n: number, leaf: unknown): Record<string, unknown> {
  let value: unknown = leaf;
  for (let i = n - 1; i >= 0; i--) value = { [`k${i}`]: value };
  return value as Record<string, unknown>;
}
const chainKey = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`).join('.');

describe('limits', () => {
  it('are the ones of R10', () => {
    expect(MAX_KEY_LENGTH).toBe(512);
    expect(MAX_VALUE_LENGTH).toBe(1024);
    expect(MAX_CLIENT_EVENT_NAME).toBe(255);
    expect(MAX_SERVER_EVENT_NAME).toBe(1024);
    expect(MAX_DEPTH).toBe(8);
    expect(MAX_KEYS).toBe(1000);
  });
});

describe('truncate', () => {
  it('leaves short strings alone', () => {
    expect(truncate('')).toBe('');
    expect(truncate('abc')).toBe('abc');
    const s = 'x'.repeat(1024);
    expect(truncate(s)).toBe(s);
  });

  it('cuts to 1024 UTF-16 units by default', () => {
    expect(truncate('x'.repeat(1025))).toBe('x'.repeat(1024));
    expect(truncate('x'.repeat(100_000))).toHaveLength(1024);
  });

  it('cuts to a given maximum', () => {
    expect(truncate('abcdef', 3)).toBe('abc');
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abc', 0)).toBe('');
  });

  it('never leaves half of a surrogate pair at the end', () => {
    expect(truncate('a\u{1F600}', 2)).toBe('a');
    expect(truncate('\u{1F600}', 1)).toBe('');
    expect(truncate('ab\u{1F600}', 3)).toBe('ab');
    expect(truncate('\u{1F600}\u{1F600}', 3)).toBe('\u{1F600}');
    expect(truncate('\u{1F600}\u{1F600}', 2)).toBe('\u{1F600}');
    expect(truncate(`${'x'.repeat(1023)}\u{1F600}`)).toBe('x'.repeat(1023));
    expect(truncate(`${'x'.repeat(1022)}\u{1F600}y`)).toBe(`${'x'.repeat(1022)}\u{1F600}`);
  });

  it('cuts long emoji strings at pair boundaries whatever the offset', () => {
    for (const prefix of ['', 'x']) {
      const out = truncate(prefix + '\u{1F600}'.repeat(600));
      expect(out.length).toBe(prefix ? 1023 : 1024);
      expect(LONE_SURROGATE.test(out)).toBe(false);
    }
  });

  it('keeps characters outside the surrogate range whole', () => {
    expect(truncate('é'.repeat(1030))).toBe('é'.repeat(1024));
    expect(truncate('\uffff'.repeat(1030))).toBe('\uffff'.repeat(1024));
  });
});

describe('validateProperties (R10)', () => {
  it('keeps strings, finite numbers and booleans', () => {
    const r = validateProperties({
      plan: 'Startup',
      seats: 5,
      ratio: 0.75,
      beta: true,
      off: false,
      zero: 0,
      neg: -1.5,
      big: 1e308,
      empty: '',
    });
    expect(r.properties).toEqual({
      plan: 'Startup',
      seats: 5,
      ratio: 0.75,
      beta: true,
      off: false,
      zero: 0,
      neg: -1.5,
      big: 1e308,
      empty: '',
    });
    expect(r.refused).toEqual([]);
    expect('reason' in r).toBe(false);
    expect(propertiesReason(r)).toBeNull();
  });

  it('answers a null-prototype object', () => {
    const r = validateProperties({ a: 1 });
    expect(Object.getPrototypeOf(r.properties)).toBeNull();
    expect(Object.getPrototypeOf(validateProperties(undefined).properties)).toBeNull();
    expect(Object.getPrototypeOf(validateProperties('x').properties)).toBeNull();
  });

  it('keeps keys that are names of Object.prototype members as plain keys', () => {
    const r = validateProperties({ toString: 'a', valueOf: 1, hasOwnProperty: true, __defineGetter__: 'b' });
    expect(r.refused).toEqual([]);
    expect(Object.keys(r.properties)).toEqual(['toString', 'valueOf', 'hasOwnProperty', '__defineGetter__']);
    expect(r.properties.toString).toBe('a');
  });

  it('treats null and undefined as no properties, not as a refusal', () => {
    for (const input of [null, undefined]) {
      const r = validateProperties(input);
      expect(r.properties).toEqual({});
      expect(r.refused).toEqual([]);
      expect(r.reason).toBeUndefined();
      expect(propertiesReason(r)).toBeNull();
    }
  });

  it('accepts an empty object and a null-prototype object', () => {
    expect(validateProperties({})).toEqual({ properties: {}, refused: [] });
    const bare = Object.create(null) as Record<string, unknown>;
    bare.plan = 'Pro';
    expect(validateProperties(bare).properties).toEqual({ plan: 'Pro' });
  });

  class Profile {
    plan = 'Pro';
  }

  it.each([
    ['a string', 'plan=Pro'],
    ['a number', 5],
    ['NaN', Number.NaN],
    ['a boolean', true],
    ['an array', [{ plan: 'Pro' }]],
    ['an empty array', []],
    ['a Date', new Date(0)],
    ['a Map', new Map([['plan', 'Pro']])],
    ['a class instance', new Profile()],
    ['a function', () => ({ plan: 'Pro' })],
    ['a symbol', Symbol('x')],
    ['a bigint', 5n],
  ])('refuses %s as a whole (invalid_type)', (_label, input) => {
    const r = validateProperties(input);
    expect(r).toEqual({ properties: {}, refused: [], reason: 'invalid_type' });
    expect(propertiesReason(r)).toBe('invalid_type');
  });

  describe('keys', () => {
    it('refuses the empty key', () => {
      const r = validateProperties({ '': 'x', ok: 1 });
      expect(r.properties).toEqual({ ok: 1 });
      expect(r.refused).toEqual([{ key: '', reason: 'empty' }]);
      expect(propertiesReason(r)).toBe('empty');
    });

    it('accepts 512 characters and refuses 513', () => {
      const k512 = 'k'.repeat(512);
      const k513 = 'k'.repeat(513);
      const r = validateProperties({ [k512]: 1, [k513]: 2 });
      expect(r.properties).toEqual({ [k512]: 1 });
      expect(r.refused).toEqual([{ key: k513, reason: 'too_long' }]);
    });

    it('measures the flattened key', () => {
      const ok = { ['a'.repeat(255)]: { ['b'.repeat(256)]: 1 } }; // 255 + 1 + 256 = 512
      expect(validateProperties(ok).properties).toEqual({ [`${'a'.repeat(255)}.${'b'.repeat(256)}`]: 1 });
      const long = { ['a'.repeat(256)]: { ['b'.repeat(256)]: 1 } }; // 513
      expect(validateProperties(long)).toEqual({
        properties: {},
        refused: [{ key: `${'a'.repeat(256)}.${'b'.repeat(256)}`, reason: 'too_long' }],
      });
    });

    it.each(['user_id', 'USER_ID', 'User_Id', 'uSeR_iD', 'id', 'ID', 'Id', 'iD'])('refuses the reserved key %s', (key) => {
      const r = validateProperties({ [key]: 'x', plan: 'Pro' });
      expect(r.properties).toEqual({ plan: 'Pro' });
      expect(r.refused).toEqual([{ key, reason: 'reserved_key' }]);
      expect(propertiesReason(r)).toBe('reserved_key');
    });

    it.each(['constructor', 'prototype', 'Constructor', 'PROTOTYPE'])('refuses the prototype key %s', (key) => {
      const r = validateProperties({ [key]: 'x', plan: 'Pro' });
      expect(r.properties).toEqual({ plan: 'Pro' });
      expect(r.refused).toEqual([{ key, reason: 'reserved_key' }]);
    });

    it('refuses an own __proto__ key from JSON.parse without polluting anything', () => {
      const input = JSON.parse('{"__proto__": {"polluted": "yes", "isAdmin": true}, "plan": "Pro"}');
      const r = validateProperties(input);
      expect(r.refused).toEqual([{ key: '__proto__', reason: 'reserved_key' }]);
      expect(Object.keys(r.properties)).toEqual(['plan']);
      expect(Object.getPrototypeOf(r.properties)).toBeNull();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      expect((r.properties as Record<string, unknown>).isAdmin).toBeUndefined();
    });

    it('refuses nested prototype keys from JSON.parse', () => {
      const input = JSON.parse('{"a": {"__proto__": {"x": 1}, "constructor": {"prototype": {"y": 2}}, "ok": 3}}');
      const r = validateProperties(input);
      expect(r.properties).toEqual({ 'a.ok': 3 });
      expect(r.refused).toEqual([
        { key: 'a.__proto__', reason: 'reserved_key' },
        { key: 'a.constructor', reason: 'reserved_key' },
      ]);
      expect(({} as Record<string, unknown>).x).toBeUndefined();
      expect(({} as Record<string, unknown>).y).toBeUndefined();
    });

    it('refuses prototype keys spelt as dotted paths, which are the same keys once flattened', () => {
      const r = validateProperties({ '__proto__.polluted': 1, 'a.__proto__': 2, 'x.Constructor.y': 3, 'proto.type': 4 });
      expect(r.properties).toEqual({ 'proto.type': 4 });
      expect(r.refused.map((k) => k.key)).toEqual(['__proto__.polluted', 'a.__proto__', 'x.Constructor.y']);
      expect(r.refused.every((k) => k.reason === 'reserved_key')).toBe(true);
    });

    it("reserves id and user_id as whole keys only: company.id is the company's (R10)", () => {
      const r = validateProperties({ company: { id: 42, name: 'Acme' } });
      expect(r.properties).toEqual({ 'company.id': 42, 'company.name': 'Acme' });
      expect(r.refused).toEqual([]);
    });

    it.each(['userid', 'user-id', 'user_ids', 'ids', 'uid', '_id', 'identity', 'idx', 'proto', '__proto'])(
      'accepts the near miss %s',
      (key) => {
        expect(validateProperties({ [key]: 1 })).toEqual({ properties: { [key]: 1 }, refused: [] });
      },
    );

    it('keeps keys with spaces, dots, unicode and emoji as given', () => {
      const input = { 'Plan Name': 'Pro', 'a.b': 1, ñ: true, '\u{1F600}': 'x' };
      expect(validateProperties(input)).toEqual({ properties: input, refused: [] });
    });
  });

  describe('values', () => {
    it('cuts strings to 1024 UTF-16 units', () => {
      const r = validateProperties({ bio: 'x'.repeat(5000), exact: 'y'.repeat(1024) });
      expect(r.properties.bio).toBe('x'.repeat(1024));
      expect(r.properties.exact).toBe('y'.repeat(1024));
      expect(r.refused).toEqual([]);
    });

    it('does not split a surrogate pair when cutting', () => {
      const r = validateProperties({ a: `${'x'.repeat(1023)}\u{1F600}tail`, b: '\u{1F600}'.repeat(1000) });
      expect(r.properties.a).toBe('x'.repeat(1023));
      expect(r.properties.b).toBe('\u{1F600}'.repeat(512));
      expect(LONE_SURROGATE.test(String(r.properties.a))).toBe(false);
    });

    it.each([
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['-Infinity', Number.NEGATIVE_INFINITY],
      ['null', null],
      ['undefined', undefined],
      ['an array', [1, 2]],
      ['an empty array', []],
      ['a function', () => 1],
      ['a symbol', Symbol('s')],
      ['a bigint', 10n],
      ['a Date', new Date(0)],
      ['a Map', new Map()],
      ['a RegExp', /x/],
      ['a String object', new String('x')],
    ])('refuses %s as invalid_type and keeps the rest', (_label, value) => {
      const r = validateProperties({ before: 1, bad: value, after: 'ok' });
      expect(r.properties).toEqual({ before: 1, after: 'ok' });
      expect(r.refused).toEqual([{ key: 'bad', reason: 'invalid_type' }]);
      expect(r.reason).toBeUndefined();
      expect(propertiesReason(r)).toBe('invalid_type');
    });

    it('reports every refused key in input order, the first as the reason', () => {
      const r = validateProperties({ a: null, id: 1, '': 2, ok: 3, ['k'.repeat(600)]: 4, b: [] });
      expect(r.properties).toEqual({ ok: 3 });
      expect(r.refused).toEqual([
        { key: 'a', reason: 'invalid_type' },
        { key: 'id', reason: 'reserved_key' },
        { key: '', reason: 'empty' },
        { key: 'k'.repeat(600), reason: 'too_long' },
        { key: 'b', reason: 'invalid_type' },
      ]);
      expect(propertiesReason(r)).toBe('invalid_type');
    });

    it('checks the key before the value', () => {
      expect(validateProperties({ ID: null }).refused).toEqual([{ key: 'ID', reason: 'reserved_key' }]);
    });
  });

  describe('flattening', () => {
    it('flattens nested objects with dots', () => {
      const r = validateProperties({ company: { name: 'Acme', size: 40, address: { city: 'Lyon', eu: true } }, plan: 'Pro' });
      expect(r.properties).toEqual({
        'company.name': 'Acme',
        'company.size': 40,
        'company.address.city': 'Lyon',
        'company.address.eu': true,
        plan: 'Pro',
      });
      expect(r.refused).toEqual([]);
    });

    it('drops an empty nested object without a refusal', () => {
      expect(validateProperties({ a: {}, b: 1 })).toEqual({ properties: { b: 1 }, refused: [] });
    });

    it('reports nested refusals with the flattened key', () => {
      const r = validateProperties({ a: { b: null, c: [1], d: Number.NaN, e: 'ok' } });
      expect(r.properties).toEqual({ 'a.e': 'ok' });
      expect(r.refused).toEqual([
        { key: 'a.b', reason: 'invalid_type' },
        { key: 'a.c', reason: 'invalid_type' },
        { key: 'a.d', reason: 'invalid_type' },
      ]);
    });

    it('refuses an empty nested key', () => {
      expect(validateProperties({ a: { '': 1 } }).refused).toEqual([{ key: 'a.', reason: 'empty' }]);
    });

    it('flattens null-prototype nested objects but refuses class instances', () => {
      const inner = Object.assign(Object.create(null), { x: 1 });
      class Box {
        x = 1;
      }
      const r = validateProperties({ a: inner, b: new Box() });
      expect(r.properties).toEqual({ 'a.x': 1 });
      expect(r.refused).toEqual([{ key: 'b', reason: 'invalid_type' }]);
    });

    it('lets the later of two equal flattened keys win', () => {
      expect(validateProperties({ 'a.b': 1, a: { b: 2 } }).properties).toEqual({ 'a.b': 2 });
    });

    it('walks 9 levels of keys and refuses deeper objects as invalid_type', () => {
      expect(validateProperties(chain(9, 'leaf'))).toEqual({ properties: { [chainKey(9)]: 'leaf' }, refused: [] });
      expect(validateProperties(chain(10, 'leaf'))).toEqual({
        properties: {},
        refused: [{ key: chainKey(9), reason: 'invalid_type' }],
      });
    });

    it('survives hostile nesting 100,000 levels deep', () => {
      const started = Date.now();
      const r = validateProperties(chain(100_000, 1));
      expect(r.properties).toEqual({});
      expect(r.refused).toEqual([{ key: chainKey(9), reason: 'invalid_type' }]);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('survives deep nesting from JSON.parse', () => {
      const text = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
      const r = validateProperties(JSON.parse(text));
      expect(r.properties).toEqual({});
      expect(r.refused).toEqual([{ key: Array(9).fill('a').join('.'), reason: 'invalid_type' }]);
    });
  });

  describe('key count', () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

    it('accepts 1000 keys', () => {
      const r = validateProperties(many(1000));
      expect(Object.keys(r.properties)).toHaveLength(1000);
      expect(r.properties.k999).toBe(999);
      expect(r.refused).toEqual([]);
      expect(r.reason).toBeUndefined();
    });

    it('refuses 1001 keys as a whole (too_long)', () => {
      expect(validateProperties(many(1001))).toEqual({ properties: {}, refused: [], reason: 'too_long' });
    });

    it('counts nested keys and the objects holding them', () => {
      expect(validateProperties({ a: many(999) }).reason).toBeUndefined();
      expect(validateProperties({ a: many(1000) })).toEqual({ properties: {}, refused: [], reason: 'too_long' });
    });

    it('counts refused keys too', () => {
      const bad = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, null]));
      expect(validateProperties(bad)).toEqual({ properties: {}, refused: [], reason: 'too_long' });
    });

    it('refuses 100,000 keys quickly, with nothing kept', () => {
      const input = many(100_000);
      const started = Date.now();
      const r = validateProperties(input);
      expect(r).toEqual({ properties: {}, refused: [], reason: 'too_long' });
      expect(propertiesReason(r)).toBe('too_long');
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('refuses a wide and deep hostile tree as a whole', () => {
      const wide = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`w${i}`, many(50)]));
      expect(validateProperties(wide).reason).toBe('too_long');
    });
  });

  describe('email (fillEmail)', () => {
    it('fills Email from lowercase email', () => {
      expect(validateProperties({ email: 'a@example.com' }, { fillEmail: true }).properties).toEqual({
        email: 'a@example.com',
        Email: 'a@example.com',
      });
    });

    it('does not fill Email without the option (event properties)', () => {
      expect(validateProperties({ email: 'a@example.com' }).properties).toEqual({ email: 'a@example.com' });
    });

    it('lets lowercase email win over a given Email', () => {
      expect(validateProperties({ Email: 'old@example.com', email: 'new@example.com' }, { fillEmail: true }).properties).toEqual({
        email: 'new@example.com',
        Email: 'new@example.com',
      });
    });

    it('keeps a given Email alone', () => {
      expect(validateProperties({ Email: 'a@example.com' }, { fillEmail: true }).properties).toEqual({ Email: 'a@example.com' });
    });

    it('fills only from exactly lowercase email', () => {
      expect(validateProperties({ EMAIL: 'a@example.com' }, { fillEmail: true }).properties).toEqual({ EMAIL: 'a@example.com' });
      expect(validateProperties({ eMail: 'a@example.com' }, { fillEmail: true }).properties).toEqual({ eMail: 'a@example.com' });
    });

    it('fills only from a string', () => {
      expect(validateProperties({ email: 5 }, { fillEmail: true }).properties).toEqual({ email: 5 });
      expect(validateProperties({ email: true }, { fillEmail: true }).properties).toEqual({ email: true });
    });

    it('fills from the truncated value', () => {
      const r = validateProperties({ email: 'e'.repeat(2000) }, { fillEmail: true });
      expect(r.properties.Email).toBe('e'.repeat(1024));
    });

    it('does not fill from a nested email', () => {
      expect(validateProperties({ contact: { email: 'a@example.com' } }, { fillEmail: true }).properties).toEqual({
        'contact.email': 'a@example.com',
      });
    });
  });
});

describe('propertiesReason', () => {
  it('answers the whole-call reason first, then the first refused key, else null', () => {
    expect(propertiesReason({ properties: {}, refused: [], reason: 'too_long' })).toBe('too_long');
    expect(propertiesReason({ properties: {}, refused: [{ key: 'a', reason: 'empty' }], reason: 'invalid_type' })).toBe('invalid_type');
    expect(
      propertiesReason({
        properties: {},
        refused: [
          { key: 'id', reason: 'reserved_key' },
          { key: 'a', reason: 'invalid_type' },
        ],
      }),
    ).toBe('reserved_key');
    expect(propertiesReason({ properties: { a: 1 }, refused: [] })).toBeNull();
  });
});

describe('validateEventName (R10)', () => {
  it('accepts a name', () => {
    expect(validateEventName('Signed Up')).toBeNull();
    expect(validateEventName('x')).toBeNull();
    expect(validateEventName(' padded ')).toBeNull();
    expect(validateEventName('\u{1F600} emoji')).toBeNull();
  });

  it.each(['', ' ', '   ', '\t\n', '\u00a0'])('refuses %j as empty', (name) => {
    expect(validateEventName(name)).toBe('empty');
  });

  it.each([
    ['a number', 5],
    ['null', null],
    ['undefined', undefined],
    ['an object', { name: 'x' }],
    ['an array', ['x']],
    ['a boolean', true],
    ['a String object', new String('x')],
  ])('refuses %s as invalid_type', (_label, name) => {
    expect(validateEventName(name)).toBe('invalid_type');
  });

  it('allows 255 characters from a client and refuses 256', () => {
    expect(validateEventName('e'.repeat(255))).toBeNull();
    expect(validateEventName('e'.repeat(256))).toBe('too_long');
    expect(validateEventName('e'.repeat(255), MAX_CLIENT_EVENT_NAME)).toBeNull();
    expect(validateEventName('e'.repeat(256), MAX_CLIENT_EVENT_NAME)).toBe('too_long');
  });

  it('allows 1024 characters from a server and refuses 1025', () => {
    expect(validateEventName('e'.repeat(256), MAX_SERVER_EVENT_NAME)).toBeNull();
    expect(validateEventName('e'.repeat(1024), MAX_SERVER_EVENT_NAME)).toBeNull();
    expect(validateEventName('e'.repeat(1025), MAX_SERVER_EVENT_NAME)).toBe('too_long');
  });

  it('counts surrounding whitespace in the length', () => {
    expect(validateEventName(` ${'e'.repeat(255)}`)).toBe('too_long');
  });
});

describe('whitespace-only keys', () => {
  it('refuses a key of spaces as empty, like ""', () => {
    expect(validateProperties({ '  ': 1, ok: 2 })).toEqual({ properties: { ok: 2 }, refused: [{ key: '  ', reason: 'empty' }] });
  });
});
