/** ISO 8601 with a time zone, as every message carries it; Date.parse alone accepts too much. */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseTime(value: unknown): number | null {
  if (typeof value !== 'string' || !ISO.test(value)) return null;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return null;
  // Date.parse rolls a day the month does not have (2026-02-30) over into the next month: refuse it.
  const year = Number(value.slice(0, 4));
  const day = Number(value.slice(8, 10));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Number(value.slice(5, 7)) - 1] ?? 0;
  return day <= days ? ms : null;
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Times the collector accepts, relative to its clock: up to 10 minutes ahead (clock skew) and up to
 * 5 years back (server-side backfills). Anything else is refused as `invalid_timestamp`.
 * Written as literals, not as products (10 * 60 * 1000): esbuild keeps an unused product in a bundle,
 * and the browser SDK, which reaches this module for formatTime, has no use for either.
 */
export const MAX_FUTURE_MS = 600_000; // 10 minutes
export const MAX_PAST_MS = 157_680_000_000; // 5 years of 365 days

export function timeAcceptable(ms: number, now: number): boolean {
  return ms <= now + MAX_FUTURE_MS && ms >= now - MAX_PAST_MS;
}
