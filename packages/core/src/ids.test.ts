import { describe, expect, it, vi } from 'vitest';
import { isUserId, MAX_USER_ID, type RandomSource, randomId } from './ids.js';

/** A random source that hands out the given words, in order. */
function words(...values: number[]): RandomSource {
  let i = 0;
  return (buffer) => {
    for (let j = 0; j < buffer.length; j++) buffer[j] = values[i++] ?? 0;
    return buffer;
  };
}

const cryptoRandom: RandomSource = (buffer) => crypto.getRandomValues(buffer as Uint32Array<ArrayBuffer>);

describe('MAX_USER_ID', () => {
  it('is 2^53-1', () => {
    expect(MAX_USER_ID).toBe(9007199254740991);
    expect(MAX_USER_ID).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('randomId (R1)', () => {
  it('is 0 when the source gives zeros', () => {
    expect(randomId(words(0, 0))).toBe('0');
  });

  it('is 2^53-1 when the source gives all ones', () => {
    expect(randomId(words(0xffffffff, 0xffffffff))).toBe('9007199254740991');
  });

  it('puts the first word in the high 21 bits and the second in the low 32 bits', () => {
    expect(randomId(words(0, 1))).toBe('1');
    expect(randomId(words(0, 0xffffffff))).toBe('4294967295');
    expect(randomId(words(1, 0))).toBe('4294967296');
    expect(randomId(words(1, 1))).toBe('4294967297');
    expect(randomId(words(0x1fffff, 0))).toBe(String(0x1fffff * 2 ** 32));
  });

  it('drops the bits of the high word above 21', () => {
    expect(randomId(words(0x200000, 7))).toBe('7');
    expect(randomId(words(0x200000 | 5, 7))).toBe('21474836487');
    expect(randomId(words(0xffe00000, 0))).toBe('0');
  });

  it('asks the random source for exactly two 32-bit words, once', () => {
    const source = vi.fn(words(3, 4));
    expect(randomId(source)).toBe(String(3 * 2 ** 32 + 4));
    expect(source).toHaveBeenCalledTimes(1);
    const arg = source.mock.calls[0]?.[0];
    expect(arg).toBeInstanceOf(Uint32Array);
    expect(arg?.length).toBe(2);
  });

  it('uses the array the source returns', () => {
    const other = new Uint32Array([0, 42]);
    expect(randomId(() => other)).toBe('42');
  });

  it('treats a source returning too few words as zeros', () => {
    expect(randomId(() => new Uint32Array(0))).toBe('0');
    expect(randomId(() => new Uint32Array([1]))).toBe('4294967296');
  });

  it('is always a decimal string without leading zeros, in range, from a crypto source', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = randomId(cryptoRandom);
      expect(typeof id).toBe('string');
      expect(id).toMatch(/^(0|[1-9][0-9]*)$/);
      expect(Number(id)).toBeLessThanOrEqual(MAX_USER_ID);
      expect(Number.isSafeInteger(Number(id))).toBe(true);
      expect(String(Number(id))).toBe(id);
      expect(isUserId(id)).toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
  });

  it('uses the high bits: ids from crypto are spread over the whole range', () => {
    let above2e32 = 0;
    for (let i = 0; i < 200; i++) if (Number(randomId(cryptoRandom)) > 2 ** 32) above2e32++;
    // The chance of an id below 2^32 is 2^-21; 200 draws all above is the expected outcome.
    expect(above2e32).toBeGreaterThan(190);
  });
});

describe('isUserId (R1)', () => {
  it.each(['0', '1', '9', '10', '4294967296', '1000000000000000', '9007199254740990', '9007199254740991'])('accepts %s', (value) => {
    expect(isUserId(value)).toBe(true);
  });

  it.each([
    ['2^53', '9007199254740992'],
    ['2^53+1', '9007199254740993'],
    ['2^53+2', '9007199254740994'],
    ['9999999999999999', '9999999999999999'],
    ['17 digits', '10000000000000000'],
    ['20 digits', '18446744073709551615'],
    ['leading zero', '01'],
    ['leading zeros on a large id', '0009007199254740991'],
    ['double zero', '00'],
    ['negative', '-1'],
    ['negative zero', '-0'],
    ['plus sign', '+1'],
    ['decimal point', '1.0'],
    ['exponent', '1e3'],
    ['hex', '0x10'],
    ['leading space', ' 1'],
    ['trailing space', '1 '],
    ['trailing newline', '1\n'],
    ['leading newline', '\n1'],
    ['empty', ''],
    ['letters', 'abc'],
    ['full-width digits', '\uff11\uff12'],
    ['arabic-indic digits', '\u0661'],
    ['underscore separator', '1_000'],
  ])('refuses %s', (_label, value) => {
    expect(isUserId(value)).toBe(false);
  });

  it.each([
    ['a number', 1],
    ['a bigint', 1n],
    ['null', null],
    ['undefined', undefined],
    ['an object', { toString: () => '1' }],
    ['a String object', new String('1')],
    ['an array', ['1']],
    ['a boolean', true],
  ])('refuses %s', (_label, value) => {
    expect(isUserId(value)).toBe(false);
  });
});
