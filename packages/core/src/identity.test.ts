import { describe, expect, it } from 'vitest';
import { IDENTITY_BLOCKLIST, MAX_IDENTITY_LENGTH, normalizeIdentity } from './identity.js';

/** R4, exactly as DESIGN.md lists them. */
const DESIGN_BLOCKLIST = [
  'anonymous',
  'guest',
  'undefined',
  'null',
  'true',
  'false',
  'not_authenticated',
  'NaN',
  '0',
  '[object Object]',
  'None',
  'none',
  'Email',
  'email',
];

function variants(word: string): string[] {
  const alternating = [...word].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
  return [word, word.toLowerCase(), word.toUpperCase(), alternating, ` ${word}`, `${word} `, `\t${word}\n`, `  ${word.toUpperCase()}  `];
}

describe('normalizeIdentity (R4)', () => {
  it('accepts a string and answers it', () => {
    expect(normalizeIdentity('alice@example.com')).toEqual({ ok: true, identity: 'alice@example.com' });
  });

  it('keeps the case of an accepted identity', () => {
    expect(normalizeIdentity('Alice@Example.COM')).toEqual({ ok: true, identity: 'Alice@Example.COM' });
  });

  it('trims surrounding whitespace but keeps inner whitespace', () => {
    expect(normalizeIdentity('  alice  ')).toEqual({ ok: true, identity: 'alice' });
    expect(normalizeIdentity('\t\n alice smith \r\n')).toEqual({ ok: true, identity: 'alice smith' });
    expect(normalizeIdentity('\u00a0alice\u3000')).toEqual({ ok: true, identity: 'alice' });
  });

  it('makes finite numbers strings', () => {
    expect(normalizeIdentity(42)).toEqual({ ok: true, identity: '42' });
    expect(normalizeIdentity(-7)).toEqual({ ok: true, identity: '-7' });
    expect(normalizeIdentity(3.5)).toEqual({ ok: true, identity: '3.5' });
    expect(normalizeIdentity(12345678901234)).toEqual({ ok: true, identity: '12345678901234' });
    expect(normalizeIdentity(1e21)).toEqual({ ok: true, identity: '1e+21' });
    expect(normalizeIdentity(Number.MAX_SAFE_INTEGER)).toEqual({ ok: true, identity: '9007199254740991' });
  });

  it('refuses the number 0 (and -0) as the blocklisted "0"', () => {
    expect(normalizeIdentity(0)).toEqual({ ok: false, reason: 'blocklisted' });
    expect(normalizeIdentity(-0)).toEqual({ ok: false, reason: 'blocklisted' });
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['null', null],
    ['undefined', undefined],
    ['true', true],
    ['false', false],
    ['an object', { id: 'alice' }],
    ['an empty object', {}],
    ['an object with toString', { toString: () => 'alice' }],
    ['an array', ['alice']],
    ['an empty array', []],
    ['a function', () => 'alice'],
    ['a symbol', Symbol('alice')],
    ['a bigint', 42n],
    ['a String object', new String('alice')],
    ['a Number object', new Number(42)],
    ['a Date', new Date(0)],
  ])('refuses %s as invalid_type', (_label, value) => {
    expect(normalizeIdentity(value)).toEqual({ ok: false, reason: 'invalid_type' });
  });

  it.each([
    ['the empty string', ''],
    ['a space', ' '],
    ['spaces', '     '],
    ['tabs and newlines', '\t\n\r'],
    ['a no-break space', '\u00a0'],
    ['an ideographic space', '\u3000'],
    ['a BOM', '\ufeff'],
  ])('refuses %s as empty', (_label, value) => {
    expect(normalizeIdentity(value)).toEqual({ ok: false, reason: 'empty' });
  });

  it('accepts 255 characters and refuses 256 as too_long', () => {
    expect(MAX_IDENTITY_LENGTH).toBe(255);
    const a255 = 'a'.repeat(255);
    expect(normalizeIdentity(a255)).toEqual({ ok: true, identity: a255 });
    expect(normalizeIdentity('a'.repeat(256))).toEqual({ ok: false, reason: 'too_long' });
    expect(normalizeIdentity('a'.repeat(100_000))).toEqual({ ok: false, reason: 'too_long' });
  });

  it('measures the length after trimming', () => {
    const a255 = 'a'.repeat(255);
    expect(normalizeIdentity(`   ${a255}   `)).toEqual({ ok: true, identity: a255 });
    expect(normalizeIdentity(`   ${'a'.repeat(256)}   `)).toEqual({ ok: false, reason: 'too_long' });
  });

  it('measures length in UTF-16 units', () => {
    const emoji127 = '\u{1F600}'.repeat(127); // 254 units
    expect(normalizeIdentity(emoji127)).toEqual({ ok: true, identity: emoji127 });
    expect(normalizeIdentity('\u{1F600}'.repeat(128))).toEqual({ ok: false, reason: 'too_long' });
  });

  it('has exactly the blocklist of DESIGN.md (compared without case)', () => {
    const expected = [...new Set(DESIGN_BLOCKLIST.map((w) => w.toLowerCase()))].sort();
    expect([...IDENTITY_BLOCKLIST].sort()).toEqual(expected);
  });

  describe.each(DESIGN_BLOCKLIST)('blocklisted %s', (word) => {
    it.each(variants(word))('refuses %j', (value) => {
      expect(normalizeIdentity(value)).toEqual({ ok: false, reason: 'blocklisted' });
    });
  });

  it.each([
    'anonymous1',
    'guest user',
    'guests',
    'nulll',
    '00',
    '0.0',
    '-0',
    '1',
    'e-mail',
    'email@example.com',
    '[object Array]',
    'not authenticated',
    'nan1',
    'nonexistent',
  ])('accepts the near miss %j', (value) => {
    expect(normalizeIdentity(value)).toEqual({ ok: true, identity: value });
  });

  it('refuses an identity that is too long before looking at the blocklist', () => {
    expect(normalizeIdentity(`guest${' '.repeat(300)}x`)).toEqual({ ok: false, reason: 'too_long' });
  });

  it('keeps unicode identities intact', () => {
    expect(normalizeIdentity('  ñandú@ejemplo.es ')).toEqual({ ok: true, identity: 'ñandú@ejemplo.es' });
    expect(normalizeIdentity('用户-42')).toEqual({ ok: true, identity: '用户-42' });
  });
});
