import type { Reason } from './outcome.js';

/** R4: values that real apps send for "nobody"; one of them as an identity would merge everyone. */
export const IDENTITY_BLOCKLIST: readonly string[] = [
  'anonymous',
  'guest',
  'undefined',
  'null',
  'true',
  'false',
  'not_authenticated',
  'nan',
  '0',
  '[object object]',
  'none',
  'email',
];

export const MAX_IDENTITY_LENGTH = 255;

const BLOCKED = /* @__PURE__ */ new Set(IDENTITY_BLOCKLIST);

export type IdentityResult = { ok: true; identity: string } | { ok: false; reason: Reason };

/**
 * R4: an identity is a string or a finite number (made a string), trimmed; refused when of another
 * type, empty, longer than 255 characters, or blocklisted (compared without regard to case).
 */
export function normalizeIdentity(value: unknown): IdentityResult {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return { ok: false, reason: 'invalid_type' };
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'empty' };
  if (trimmed.length > MAX_IDENTITY_LENGTH) return { ok: false, reason: 'too_long' };
  if (BLOCKED.has(trimmed.toLowerCase())) return { ok: false, reason: 'blocklisted' };
  return { ok: true, identity: trimmed };
}
