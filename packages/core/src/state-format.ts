import { normalizeIdentity } from './identity.js';
import { isUserId } from './ids.js';

/**
 * The device state shared by the browser SDK's cookie and the SvelteKit handle (which reads and
 * writes the same cookie on the server). Format, documented in docs/contracts.md:
 *   v1.<userId>.<sessionId>.<lastActivity base 36>.<encodeURIComponent(identity) or empty>
 * Dots never occur in the first four fields; the identity comes last and is URI-encoded, so the
 * value is cookie-safe and splits unambiguously.
 */
export interface DeviceState {
  userId: string;
  sessionId: string;
  /** Milliseconds since the epoch of the last pageview, track or identify (R3). */
  lastActivity: number;
  identity: string | null;
}

export const STATE_VERSION = 'v1';

/** The cookie's Max-Age in seconds: 395 days, about 13 months (R2), the most browsers allow a first-party cookie. */
export const STATE_COOKIE_MAX_AGE = 34_128_000;

/** The cookie name for an app; app ids are [A-Za-z0-9_-] so the name is always cookie-safe. */
export function stateCookieName(appId: string): string {
  return `idem_${appId}`;
}

export function encodeState(state: DeviceState): string {
  const identity = state.identity === null ? '' : encodeURIComponent(state.identity);
  return [STATE_VERSION, state.userId, state.sessionId, Math.max(0, Math.floor(state.lastActivity)).toString(36), identity].join('.');
}

/**
 * The longest value encodeState writes for a valid state: 50 characters of fields and 255 UTF-16 units of
 * identity at 9 characters each (a 3-byte UTF-8 character, %XX%XX%XX). Well within a 4 KB cookie.
 */
const MAX_STATE_LENGTH = 2400;

/** Returns null for anything that is not a well-formed state, so a damaged cookie means a new user. */
export function decodeState(value: string | null | undefined): DeviceState | null {
  if (typeof value !== 'string' || value.length > MAX_STATE_LENGTH) return null;
  const parts = value.split('.');
  if (parts.length < 5 || parts[0] !== STATE_VERSION) return null;
  const [, userId, sessionId, last] = parts;
  if (!isUserId(userId) || !isUserId(sessionId) || !last || !/^[0-9a-z]{1,12}$/.test(last)) return null;
  let identity: string | null = null;
  const rest = parts.slice(4).join('.');
  if (rest !== '') {
    try {
      identity = decodeURIComponent(rest);
    } catch {
      return null;
    }
    // Only an identity that identify() could have stored (R4): a tampered one means a new user.
    const checked = normalizeIdentity(identity);
    if (!checked.ok || checked.identity !== identity) return null;
  }
  return { userId, sessionId, lastActivity: Number.parseInt(last, 36), identity };
}
