import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from './config.js';
import { ApiError } from './errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison: both sides are hashed first, so lengths never leak either. */
export function keyMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m ? (m[1] as string) : null;
}

/** The server key (or the app's own key) is required unless the app accepts Heap's app_id-only calls. */
export function requireKey(header: string | undefined, serverKey: string, app: AppConfig | null, allowHeapCompat: boolean): void {
  if (allowHeapCompat && app?.heapCompat) return;
  const given = bearer(header);
  if (!given) throw new ApiError(401, 'missing_key', 'Authorization: Bearer <server key> is required');
  const ok = keyMatches(given, serverKey) || (app?.serverKey !== undefined && keyMatches(given, app.serverKey));
  if (!ok) throw new ApiError(401, 'wrong_key', 'the server key is not valid for this app');
}
