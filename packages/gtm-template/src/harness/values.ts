/**
 * Values crossing between the sandbox and the page, as GTM copies them: primitives as they are,
 * arrays and plain objects deep-copied into the other realm, functions wrapped so that their
 * arguments and results are copied too, anything else (dates, DOM nodes, promises, class
 * instances, cycles) becomes undefined. Copies are made with the target realm's constructors, so
 * that code there (core's plain-object check, for one) sees its own kind of object.
 */

/** The constructors a realm builds arrays and objects with. */
/** A function of either side; called only through Reflect.apply. */
type AnyFunction = (...args: never[]) => unknown;

export interface Realm {
  Object: ObjectConstructor;
  Array: ArrayConstructor;
}

export const hostRealm: Realm = { Object, Array };

export type SandboxType = 'undefined' | 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'function';

/** GTM's getType: typeof, with 'null' and 'array' told apart. Symbols and bigints do not exist in the sandbox. */
export function getType(value: unknown): SandboxType | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  if (t === 'undefined' || t === 'boolean' || t === 'number' || t === 'string' || t === 'object' || t === 'function') return t;
  return 'other';
}

/** An object of some realm's Object (or of none): not a date, a map, a DOM node or a class instance. */
export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function copy(value: unknown, into: Realm, seen: Set<object>, wrap: (fn: AnyFunction) => AnyFunction): unknown {
  const type = getType(value);
  if (type === 'other') return undefined;
  if (type === 'function') return wrap(value as AnyFunction);
  if (type !== 'array' && type !== 'object') return value;
  const source = value as object;
  if (seen.has(source)) return undefined;
  if (type === 'object' && !isPlainObject(source)) return undefined;
  seen.add(source);
  try {
    if (type === 'array') {
      const list = source as unknown[];
      const out = new into.Array();
      for (let i = 0; i < list.length; i++) out[i] = copy(list[i], into, seen, wrap);
      return out;
    }
    const out = new into.Object();
    for (const key of Object.keys(source)) define(out, key, copy((source as Record<string, unknown>)[key], into, seen, wrap));
    return out;
  } finally {
    seen.delete(source);
  }
}

/** A sandbox value as the page receives it (arguments of callInWindow, setInWindow's value, queue entries). */
export function toNative(value: unknown, page: Realm, sandbox: Realm): unknown {
  const wrap = (fn: AnyFunction) =>
    function nativeWrapper(...args: unknown[]) {
      return toNative(
        Reflect.apply(
          fn,
          undefined,
          args.map((a) => toSandbox(a, sandbox, page)),
        ),
        page,
        sandbox,
      );
    };
  return copy(value, page, new Set(), wrap);
}

/** A page (or host) value as the sandbox receives it (copyFromWindow, callInWindow's result, data). */
export function toSandbox(value: unknown, sandbox: Realm, page: Realm): unknown {
  const wrap = (fn: AnyFunction) =>
    function sandboxWrapper(...args: unknown[]) {
      return toSandbox(
        Reflect.apply(
          fn,
          undefined,
          args.map((a) => toNative(a, page, sandbox)),
        ),
        sandbox,
        page,
      );
    };
  return copy(value, sandbox, new Set(), wrap);
}

/** Structural equality across realms, for assertThat(...).isEqualTo and assertApi(...).wasCalledWith. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  const ta = getType(a);
  if (ta !== getType(b)) return false;
  if (ta === 'array') {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  if (ta === 'object') {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    if (kx.length !== ky.length) return false;
    for (const k of kx) if (!Object.hasOwn(y, k) || !deepEqual(x[k], y[k])) return false;
    return true;
  }
  return false;
}

/** A value as a message shows it. */
export function show(value: unknown): string {
  const seen = new Set<unknown>();
  const text = JSON.stringify(value, (_k, v) => {
    if (v === undefined) return '<undefined>';
    if (typeof v === 'function') return '<function>';
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '<cycle>';
      seen.add(v);
    }
    return v;
  });
  return text === undefined ? String(value) : text;
}

/** An exception's name and message, whatever realm threw it. */
export function describeError(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) {
    const name = 'name' in e && typeof e.name === 'string' ? e.name : 'Error';
    return `${name}: ${String(e.message)}`;
  }
  return String(e);
}
