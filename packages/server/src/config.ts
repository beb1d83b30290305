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

/** Reads a YAML or JSON config file (`idem serve --config idem.yaml`); see docs/configuration.md. */
export function loadConfigFile(path: string): CollectorConfig {
  const text = readFileSync(path, 'utf8');
  const data = parseYaml(text) as { apps?: unknown };
  if (!data || typeof data !== 'object' || !Array.isArray(data.apps)) throw new Error(`${path}: expected a top-level "apps" list`);
  const apps = data.apps.map((raw, i): AppConfig => {
    const a = raw as Record<string, unknown>;
    if (typeof a.id !== 'string' || !APP_ID.test(a.id)) throw new Error(`${path}: apps[${i}].id must match ${APP_ID}`);
    const origins = a.allowed_origins ?? a.allowedOrigins;
    if (origins !== undefined && (!Array.isArray(origins) || origins.some((o) => typeof o !== 'string')))
      throw new Error(`${path}: apps[${i}].allowed_origins must be a list of origins`);
    const key = a.server_key ?? a.serverKey;
    if (key !== undefined && (typeof key !== 'string' || key.length < 16))
      throw new Error(`${path}: apps[${i}].server_key must be at least 16 characters`);
    const secret = a.identify_secret ?? a.identifySecret;
    if (secret !== undefined && (typeof secret !== 'string' || secret.length < 16))
      throw new Error(`${path}: apps[${i}].identify_secret must be at least 16 characters`);
    const rl = (a.rate_limit ?? a.rateLimit) as { max?: unknown; window_seconds?: unknown } | undefined;
    return {
      id: a.id,
      ...(typeof key === 'string' ? { serverKey: key } : {}),
      ...(origins ? { allowedOrigins: origins as string[] } : {}),
      heapCompat: a.heap_compat === true || a.heapCompat === true,
      ...(typeof secret === 'string' ? { identifySecret: secret } : {}),
      ...(rl && typeof rl.max === 'number' ? { rateLimit: { max: rl.max, windowMs: (Number(rl.window_seconds) || 30) * 1000 } } : {}),
    };
  });
  return { apps };
}
