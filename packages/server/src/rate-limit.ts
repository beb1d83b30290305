import { ApiError } from './errors.js';

/**
 * Fixed-window counters per key (app, or app + identity), in memory per instance. Heap allows 30
 * requests per 30 s per identity; apps set their own limits in the config file. Off in replay.
 */
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly enabled: boolean) {}

  check(key: string, max: number, windowMs: number, now = Date.now()): void {
    if (!this.enabled) return;
    const w = this.windows.get(key);
    if (!w || now - w.start >= windowMs) {
      if (this.windows.size > 100_000) this.windows.clear();
      this.windows.set(key, { start: now, count: 1 });
      return;
    }
    w.count += 1;
    if (w.count > max)
      throw new ApiError(
        429,
        'rate_limited',
        `more than ${max} requests in ${windowMs / 1000} s`,
        Math.max(1, Math.ceil((w.start + windowMs - now) / 1000)),
      );
  }
}
