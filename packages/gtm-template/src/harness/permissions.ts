/**
 * GTM's web permissions as the harness enforces them. A sandbox API that needs a permission the
 * template does not declare throws, as it does in GTM; queryPermission answers the same checks
 * without throwing.
 *
 * URL match patterns (inject_script): `scheme://host/path`, where the scheme must be the URL's,
 * the host is exact (port included) or `*.domain` for any subdomain of it, and in the path `*`
 * matches any run of characters and a trailing `/` matches everything below it. The pattern is
 * matched against the URL's path and query, after the URL is parsed and normalised (`..`
 * resolved), as the browser would request it. URLs with credentials and relative URLs match no
 * pattern.
 */

export interface GlobalKey {
  key: string;
  read: boolean;
  write: boolean;
  execute: boolean;
}

export interface Permissions {
  inject_script?: { urls: string[] };
  access_globals?: { keys: GlobalKey[] };
  logging?: { environments: string };
  [publicId: string]: unknown;
}

export type GlobalAccess = 'read' | 'write' | 'readwrite' | 'execute';

export class PermissionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermissionError';
  }
}

interface Typed {
  type?: number;
  string?: string;
  boolean?: boolean;
  listItem?: Typed[];
  mapKey?: Typed[];
  mapValue?: Typed[];
}

/** One of GTM's typed permission values (1 string, 2 list, 3 map, 8 boolean) as plain data. */
export function decodeValue(value: Typed): unknown {
  switch (value.type) {
    case 1:
      return value.string ?? '';
    case 8:
      return value.boolean === true;
    case 2:
      return (value.listItem ?? []).map(decodeValue);
    case 3: {
      const keys = (value.mapKey ?? []).map(decodeValue);
      const values = (value.mapValue ?? []).map(decodeValue);
      if (keys.length !== values.length) throw new Error('permission map with unequal keys and values');
      return Object.fromEntries(keys.map((k, i) => [String(k), values[i]]));
    }
    default:
      throw new Error(`unknown permission value type ${String(value.type)}`);
  }
}

/** ___WEB_PERMISSIONS___ (a JSON list of instances) as `{publicId: {param: value}}`. */
export function decodePermissions(json: unknown): Permissions {
  if (!Array.isArray(json)) throw new Error('___WEB_PERMISSIONS___ must be a list');
  const out: Permissions = {};
  for (const entry of json as Array<{ instance?: { key?: { publicId?: string }; param?: Array<{ key: string; value: Typed }> } }>) {
    const id = entry.instance?.key?.publicId;
    if (!id) throw new Error('a permission without a publicId');
    if (id in out) throw new Error(`permission ${id} is declared twice`);
    out[id] = Object.fromEntries((entry.instance?.param ?? []).map((p) => [p.key, decodeValue(p.value)]));
  }
  return out;
}

const escapeRegex = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

export function urlMatches(pattern: string, url: string): boolean {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]+)(\/.*)?$/i.exec(pattern);
  if (!m) return false;
  const [, scheme, host, path = '/'] = m as unknown as [string, string, string, string | undefined];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password) return false;
  if (parsed.protocol !== `${scheme.toLowerCase()}:`) return false;
  const wantHost = host.toLowerCase();
  if (wantHost.startsWith('*.')) {
    if (!parsed.host.endsWith(wantHost.slice(1))) return false;
  } else if (parsed.host !== wantHost) return false;
  let source = `^${path.split('*').map(escapeRegex).join('.*')}`;
  source += path.endsWith('/') ? '' : '$';
  return new RegExp(source).test(parsed.pathname + parsed.search);
}

export interface Checker {
  /** Throws a PermissionError unless allowed. */
  globals(access: GlobalAccess, key: string): void;
  injectScript(url: string): void;
  logging(): { print: boolean };
  /** queryPermission: the same checks, answered as a boolean. */
  query(id: string, ...args: unknown[]): boolean;
}

export function createChecker(permissions: Permissions, debugMode: boolean): Checker {
  const grants = (access: GlobalAccess, key: string) => {
    const entry = permissions.access_globals?.keys.find((k) => k.key === key);
    if (!entry) return false;
    if (access === 'readwrite') return entry.read && entry.write;
    return entry[access] === true;
  };
  const scriptAllowed = (url: string) => (permissions.inject_script?.urls ?? []).some((p) => urlMatches(p, url));
  return {
    globals(access, key) {
      if (!grants(access, key)) throw new PermissionError(`Prohibited ${access} access to global variable "${key}" (access_globals)`);
    },
    injectScript(url) {
      if (!scriptAllowed(url)) throw new PermissionError(`Prohibited script injection of "${url}" (inject_script)`);
    },
    logging() {
      const env = permissions.logging?.environments;
      if (env === undefined) throw new PermissionError('Prohibited console logging (logging)');
      return { print: env === 'all' || (env === 'debug' && debugMode) };
    },
    query(id, ...args) {
      if (id === 'access_globals') {
        const [access, key] = args;
        return ['read', 'write', 'readwrite', 'execute'].includes(String(access)) && grants(access as GlobalAccess, String(key));
      }
      if (id === 'inject_script') return typeof args[0] === 'string' && scriptAllowed(args[0]);
      if (id === 'logging') return permissions.logging !== undefined;
      return false;
    },
  };
}
