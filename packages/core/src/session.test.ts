import { describe, expect, it } from 'vitest';
import { SESSION_TIMEOUT_MS, sessionExpired } from './session.js';

const T = Date.UTC(2026, 0, 1);
const MIN = 60_000;

describe('sessionExpired (R3)', () => {
  it('has a 30 minute timeout', () => {
    expect(SESSION_TIMEOUT_MS).toBe(30 * MIN);
  });

  it('keeps the session up to just under 30 minutes of inactivity', () => {
    expect(sessionExpired(T, T)).toBe(false);
    expect(sessionExpired(T, T + 1)).toBe(false);
    expect(sessionExpired(T, T + 29 * MIN)).toBe(false);
    expect(sessionExpired(T, T + 30 * MIN - 1)).toBe(false);
  });

  it('ends the session after 30 minutes of inactivity', () => {
    expect(sessionExpired(T, T + 30 * MIN)).toBe(true);
    expect(sessionExpired(T, T + 30 * MIN + 1)).toBe(true);
    expect(sessionExpired(T, T + 24 * 60 * MIN)).toBe(true);
  });

  it('tolerates a clock that moved back by up to 30 minutes', () => {
    expect(sessionExpired(T, T - 1)).toBe(false);
    expect(sessionExpired(T, T - 30 * MIN)).toBe(false);
  });

  it('ends the session when the clock moved back by more than 30 minutes', () => {
    expect(sessionExpired(T, T - 30 * MIN - 1)).toBe(true);
    expect(sessionExpired(T, 0)).toBe(true);
  });

  it('works from the epoch', () => {
    expect(sessionExpired(0, 30 * MIN - 1)).toBe(false);
    expect(sessionExpired(0, 30 * MIN)).toBe(true);
  });
});
