import { describe, expect, it } from 'vitest';
import { formatTime, MAX_FUTURE_MS, MAX_PAST_MS, parseTime, timeAcceptable } from './time.js';

const T = Date.UTC(2026, 0, 1, 0, 0, 0);

describe('parseTime', () => {
  it.each([
    ['2026-01-01T00:00:00Z', T],
    ['2026-01-01T00:00:00.000Z', T],
    ['2026-01-01T00:00:00.5Z', T + 500],
    ['2026-01-01T00:00:00.123Z', T + 123],
    ['2026-01-01T00:00:00.123456789Z', T + 123],
    ['2026-01-01T00:00Z', T],
    ['2026-01-01T01:00:00+01:00', T],
    ['2025-12-31T19:00:00-05:00', T],
    ['2026-01-01T05:30:00+05:30', T],
    ['2026-01-01T00:00:00+00:00', T],
    ['2024-02-29T12:00:00Z', Date.UTC(2024, 1, 29, 12)],
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['2026-12-31T23:59:59.999Z', Date.UTC(2026, 11, 31, 23, 59, 59, 999)],
  ])('parses %s', (text, ms) => {
    expect(parseTime(text)).toBe(ms);
  });

  it.each([
    ['a date without time', '2026-01-01'],
    ['a time without zone', '2026-01-01T00:00:00'],
    ['a space for T', '2026-01-01 00:00:00Z'],
    ['lowercase t', '2026-01-01t00:00:00Z'],
    ['lowercase z', '2026-01-01T00:00:00z'],
    ['a zone without colon', '2026-01-01T00:00:00+0100'],
    ['an hour-only zone', '2026-01-01T00:00:00+01'],
    ['an extended year', '+002026-01-01T00:00:00Z'],
    ['a two-digit year', '26-01-01T00:00:00Z'],
    ['a leading space', ' 2026-01-01T00:00:00Z'],
    ['a trailing space', '2026-01-01T00:00:00Z '],
    ['a trailing newline', '2026-01-01T00:00:00Z\n'],
    ['ten fraction digits', '2026-01-01T00:00:00.1234567890Z'],
    ['an empty fraction', '2026-01-01T00:00:00.Z'],
    ['month 13', '2026-13-01T00:00:00Z'],
    ['month 00', '2026-00-01T00:00:00Z'],
    ['day 00', '2026-01-00T00:00:00Z'],
    ['day 32', '2026-01-32T00:00:00Z'],
    ['February 30', '2026-02-30T00:00:00Z'],
    ['February 29 in a common year', '2026-02-29T00:00:00Z'],
    ['February 29 in 1900', '1900-02-29T00:00:00Z'],
    ['April 31', '2026-04-31T00:00:00Z'],
    ['minute 60', '2026-01-01T23:60:00Z'],
    ['second 60', '2026-01-01T00:00:60Z'],
    ['hour 25', '2026-01-01T25:00:00Z'],
    ['a zone of +25:00', '2026-01-01T00:00:00+25:00'],
    ['an RFC 2822 date', 'Thu, 01 Jan 2026 00:00:00 GMT'],
    ['epoch milliseconds as text', '1767225600000'],
    ['the empty string', ''],
    ['garbage', 'yesterday'],
  ])('refuses %s', (_label, text) => {
    expect(parseTime(text)).toBeNull();
  });

  it.each([
    ['a number', T],
    ['a Date', new Date(T)],
    ['null', null],
    ['undefined', undefined],
    ['an object', { toString: () => '2026-01-01T00:00:00Z' }],
    ['an array', ['2026-01-01T00:00:00Z']],
  ])('refuses %s', (_label, value) => {
    expect(parseTime(value)).toBeNull();
  });
});

describe('formatTime', () => {
  it('writes ISO 8601 in UTC with milliseconds', () => {
    expect(formatTime(T)).toBe('2026-01-01T00:00:00.000Z');
    expect(formatTime(T + 1234)).toBe('2026-01-01T00:00:01.234Z');
    expect(formatTime(0)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('round-trips with parseTime', () => {
    for (const ms of [0, T, T + 1, Date.UTC(2030, 5, 15, 13, 14, 15, 999)]) expect(parseTime(formatTime(ms))).toBe(ms);
  });
});

describe('timeAcceptable', () => {
  it('allows 10 minutes into the future and 5 years into the past', () => {
    expect(MAX_FUTURE_MS).toBe(10 * 60 * 1000);
    expect(MAX_PAST_MS).toBe(5 * 365 * 24 * 60 * 60 * 1000);
  });

  it('accepts now and the edges', () => {
    expect(timeAcceptable(T, T)).toBe(true);
    expect(timeAcceptable(T + MAX_FUTURE_MS, T)).toBe(true);
    expect(timeAcceptable(T - MAX_PAST_MS, T)).toBe(true);
  });

  it('refuses just past the edges', () => {
    expect(timeAcceptable(T + MAX_FUTURE_MS + 1, T)).toBe(false);
    expect(timeAcceptable(T - MAX_PAST_MS - 1, T)).toBe(false);
    expect(timeAcceptable(0, T)).toBe(false);
    expect(timeAcceptable(T + 365 * 24 * 3600 * 1000, T)).toBe(false);
  });

  it('refuses NaN and infinities', () => {
    expect(timeAcceptable(Number.NaN, T)).toBe(false);
    expect(timeAcceptable(Number.POSITIVE_INFINITY, T)).toBe(false);
    expect(timeAcceptable(Number.NEGATIVE_INFINITY, T)).toBe(false);
  });
});
