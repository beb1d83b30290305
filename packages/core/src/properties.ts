import type { Reason } from './outcome.js';

export type PropertyValue = string | number | boolean;
export type Properties = Record<string, PropertyValue>;

export const MAX_KEY_LENGTH = 512;
export const MAX_VALUE_LENGTH = 1024;
export const MAX_CLIENT_EVENT_NAME = 255;
export const MAX_SERVER_EVENT_NAME = 1024;
/** Flattening stops here: deeper input is refused rather than walked (hostile nesting). */
export const MAX_DEPTH = 8;
/** More keys than this in one call is refused as a whole (hostile input, not a real profile). */
export const MAX_KEYS = 1000;

/** R10: `user_id` and `id` in any case, as the whole (flattened) key: `company.id` is the company's. */
const RESERVED = new Set(['user_id', 'id']);
/** Refused at any depth: these names cannot round-trip safely through JavaScript objects. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface KeyRefusal {
  key: string;
  reason: Reason;
}

export interface PropertiesResult {
  /** The accepted properties, flattened; a null-prototype object. */
  properties: Properties;
  /** The keys that were dropped, in input order. */
  refused: KeyRefusal[];
  /** Set when the input as a whole was unusable (not an object, too many keys). */
  reason?: Reason;
}

/** Cuts a string to `max` UTF-16 units without leaving half of a surrogate pair at the end. */
export function truncate(value: string, max = MAX_VALUE_LENGTH): string {
  if (value.length <= max) return value;
  let end = max;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return value.slice(0, end);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Checks one segment of a key (`rawKey`) and the flattened key it makes (`key`). */
function checkKey(rawKey: string, key: string): Reason | null {
  // A key of spaces only is as empty as "" (it would show as a blank label).
  if (rawKey.trim().length === 0) return 'empty';
  if (key.length > MAX_KEY_LENGTH) return 'too_long';
  // A dotted key is a path once flattened (`a.__proto__` is `{a: {__proto__}}`), so each segment counts.
  if (rawKey.split('.').some((part) => PROTOTYPE_KEYS.has(part.toLowerCase())) || RESERVED.has(key.toLowerCase())) return 'reserved_key';
  return null;
}

/**
 * R10: validates and flattens a properties object. Bad keys are dropped with their reason and the
 * rest is kept; the caller treats a non-empty `refused` as a refused call (first reason reported).
 * Lowercase `email` also fills the built-in `Email` when `fillEmail` is set (user properties only).
 */
export function validateProperties(input: unknown, options: { fillEmail?: boolean } = {}): PropertiesResult {
  const properties: Properties = Object.create(null);
  const refused: KeyRefusal[] = [];
  if (input === undefined || input === null) return { properties, refused };
  if (!isPlainObject(input)) return { properties, refused, reason: 'invalid_type' };
  let count = 0;

  const walk = (obj: Record<string, unknown>, prefix: string, depth: number): boolean => {
    for (const rawKey of Object.keys(obj)) {
      if (++count > MAX_KEYS) return false;
      const key = prefix + rawKey;
      const bad = checkKey(rawKey, key);
      if (bad) {
        refused.push({ key, reason: bad });
        continue;
      }
      const value = obj[rawKey];
      if (typeof value === 'string') properties[key] = truncate(value);
      else if (typeof value === 'number' && Number.isFinite(value)) properties[key] = value;
      else if (typeof value === 'boolean') properties[key] = value;
      else if (isPlainObject(value) && depth < MAX_DEPTH) {
        if (!walk(value, `${key}.`, depth + 1)) return false;
      } else refused.push({ key, reason: 'invalid_type' });
    }
    return true;
  };

  if (!walk(input, '', 0)) return { properties: Object.create(null), refused: [], reason: 'too_long' };
  if (options.fillEmail && typeof properties.email === 'string') properties.Email = properties.email;
  return { properties, refused };
}

/** The reason a properties call counts as refused, if any (the first one, as the scenarios expect). */
export function propertiesReason(result: PropertiesResult): Reason | null {
  return result.reason ?? result.refused[0]?.reason ?? null;
}

/** R10: event names are non-empty strings, at most 255 characters from a client and 1024 from a server. */
export function validateEventName(name: unknown, max = MAX_CLIENT_EVENT_NAME): Reason | null {
  if (typeof name !== 'string') return 'invalid_type';
  if (name.trim() === '') return 'empty';
  if (name.length > max) return 'too_long';
  return null;
}
