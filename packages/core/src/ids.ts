/** Fills the given array with cryptographically strong random values (crypto.getRandomValues). */
export type RandomSource = (buffer: Uint32Array) => Uint32Array;

const TWO_POW_32 = 2 ** 32;
export const MAX_USER_ID = 2 ** 53 - 1;

/**
 * R1: a random integer in [0, 2^53-1], as a decimal string. 21 high bits and 32 low bits from the
 * cryptographic source; the sum stays exact because it never exceeds 2^53-1.
 */
export function randomId(random: RandomSource): string {
  const words = random(new Uint32Array(2));
  const high = (words[0] ?? 0) & 0x1fffff;
  const low = words[1] ?? 0;
  return String(high * TWO_POW_32 + low);
}

/** A user id on the wire: a decimal string of an integer in [0, 2^53-1], no leading zeros. */
export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && /^(0|[1-9][0-9]{0,15})$/.test(value) && Number(value) <= MAX_USER_ID;
}
