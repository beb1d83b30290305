import { readFileSync } from 'node:fs';
import { APP_ID } from '@idem/core';
import { parse as parseYaml } from 'yaml';

/** One app the collector accepts. User ids are scoped by app. */
export interface AppConfig {
  id: string;
  /** A key for this app's server-side and read endpoints, besides the global server key. */
  serverKey?: string;
  /** Browser origins allowed to send to the ingestion endpoint; empty or missing allows any. */
  allowedOrigins?: string[];
  /** Accept `app_id` alone (no key) on the server-side endpoints, as Heap does. Off by default. */
  heapCompat?: boolean;
  /**
   * When set, browser identify calls must carry `signature` = HMAC-SHA256(secret, core's
   * identitySignaturePayload) in hex (see @idem/node's signIdentity); others are refused `unverified`.
   */
  identifySecret?: string;
  /** Requests per window per app on the server-side endpoints; off when missing. */
  rateLimit?: { max: number; windowMs: number };
}

export interface CollectorConfig {
  apps: AppConfig[];
}

const KEYS = ['id', 'server_key', 'allowed_origins', 'heap_compat', 'identify_secret', 'rate_limit'];

/**
 * Reads a YAML or JSON config file (`idem serve --config idem.yaml`); see docs/configuration.md.
 * Strict on purpose: a misspelt key (say `allowed_origin`) would otherwise silently turn a security
 * setting off, so unknown keys, wrong shapes and duplicate apps are errors naming the place.
 */
export function loadConfigFile(path: string): CollectorConfig {
  const text = readFileSync(path, 'utf8');
  const data = parseYaml(text) as { apps?: unknown };
  if (!data || typeof data !== 'object' || !Array.isArray(data.apps)) throw new Error(`${path}: expected a top-level "apps" list`);
  const extra = Object.keys(data).filter((k) => k !== 'apps');
  if (extra.length) throw new Error(`${path}: unknown top-level key ${extra.map((k) => JSON.stringify(k)).join(', ')} (only "apps")`);
  const seen = new Set<string>();
  const apps = data.apps.map((raw, i): AppConfig => {
    const where = `${path}: apps[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where} must be a mapping with at least "id"`);
    const a = raw as Record<string, unknown>;
    const unknown = Object.keys(a).filter((k) => !KEYS.includes(k));
    if (unknown.length)
      throw new Error(`${where}: unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${KEYS.join(', ')})`);
    if (typeof a.id !== 'string' || !APP_ID.test(a.id)) throw new Error(`${where}.id must match ${APP_ID}`);
    if (seen.has(a.id)) throw new Error(`${where}.id: app "${a.id}" is listed twice`);
    seen.add(a.id);
    const origins = a.allowed_origins;
    if (origins !== undefined) {
      if (!Array.isArray(origins)) throw new Error(`${where}.allowed_origins must be a list of origins`);
      for (const o of origins)
        if (!isOrigin(o))
          throw new Error(`${where}.allowed_origins: ${JSON.stringify(o)} is not an origin (scheme://host[:port], no path)`);
    }
    const key = a.server_key;
    if (key !== undefined && (typeof key !== 'string' || key.length < 16))
      throw new Error(`${where}.server_key must be at least 16 characters`);
    const secret = a.identify_secret;
    if (secret !== undefined && (typeof secret !== 'string' || secret.length < 16))
      throw new Error(`${where}.identify_secret must be at least 16 characters`);
    if (a.heap_compat !== undefined && typeof a.heap_compat !== 'boolean') throw new Error(`${where}.heap_compat must be true or false`);
    const rl = a.rate_limit as Record<string, unknown> | undefined;
    if (rl !== undefined) {
      const ok =
        rl &&
        typeof rl === 'object' &&
        Object.keys(rl).every((k) => k === 'max' || k === 'window_seconds') &&
        Number.isInteger(rl.max) &&
        (rl.max as number) > 0;
      const window = rl?.window_seconds ?? 30;
      if (!ok || typeof window !== 'number' || !(window > 0))
        throw new Error(`${where}.rate_limit must be { max: <positive integer>, window_seconds: <positive number> }`);
    }
    return {
      id: a.id,
      ...(typeof key === 'string' ? { serverKey: key } : {}),
      ...(origins ? { allowedOrigins: origins as string[] } : {}),
      heapCompat: a.heap_compat === true,
      ...(typeof secret === 'string' ? { identifySecret: secret } : {}),
      ...(rl ? { rateLimit: { max: rl.max as number, windowMs: ((rl.window_seconds as number | undefined) ?? 30) * 1000 } } : {}),
    };
  });
  return { apps };
}

/** An origin as browsers send it: scheme, host and optional port, nothing else. */
function isOrigin(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}
