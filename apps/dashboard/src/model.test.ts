import { describe, expect, it } from 'vitest';
import type { IdemEvent } from './api.js';
import {
  bucketLabels,
  dayBucket,
  formatDuration,
  groupSessions,
  pageName,
  parseDemoLinks,
  parseFilter,
  pivotSeries,
  relativeTime,
  safeHttpUrl,
  splitProperties,
  weekBucket,
} from './model.js';

const ev = (id: string, time: string, session: string | null, user = '1'): IdemEvent => ({
  id,
  user_id: user,
  session_id: session,
  type: 'track',
  event: id,
  properties: {},
  time,
  url: null,
});

describe('groupSessions', () => {
  it('groups by session, newest session first, events in time order, server-side events apart', () => {
    const groups = groupSessions([
      ev('b2', '2026-01-02T10:05:00Z', 'b', '2'),
      ev('a1', '2026-01-01T10:00:00Z', 'a'),
      ev('s1', '2026-01-01T09:00:00Z', null),
      ev('b1', '2026-01-02T10:00:00Z', 'b', '3'),
      ev('a2', '2026-01-01T10:01:00Z', 'a'),
    ]);
    expect(groups.map((g) => g.sessionId)).toEqual(['b', 'a', null]);
    expect(groups[0]?.events.map((e) => e.id)).toEqual(['b1', 'b2']);
    expect(groups[0]?.userIds).toEqual(['3', '2']);
    expect(groups[0]?.start).toBe('2026-01-02T10:00:00Z');
    expect(groups[0]?.end).toBe('2026-01-02T10:05:00Z');
    expect(groupSessions([])).toEqual([]);
  });
});

describe('splitProperties', () => {
  it('keeps Initial properties apart, in R17 order, and sorts the rest', () => {
    const { custom, initial } = splitProperties({
      plan: 'Growth',
      'Initial Browser': 'Chrome',
      Email: 'a@b.c',
      'Initial Referrer': '',
      'Initial Something New': 'x',
      age: 3,
    });
    expect(custom.map(([k]) => k)).toEqual(['age', 'Email', 'plan']);
    expect(initial.map(([k]) => k)).toEqual(['Initial Referrer', 'Initial Browser', 'Initial Something New']);
  });
});

describe('parseFilter', () => {
  it('splits at the first "=" and refuses a missing key', () => {
    expect(parseFilter('plan=Growth')).toEqual({ key: 'plan', value: 'Growth' });
    expect(parseFilter('a=b=c&d')).toEqual({ key: 'a', value: 'b=c&d' });
    expect(parseFilter('plan=')).toEqual({ key: 'plan', value: '' });
    expect(parseFilter('=x')).toBeNull();
    expect(parseFilter('novalue')).toBeNull();
    expect(parseFilter('')).toBeNull();
  });
});

describe('buckets', () => {
  it('weekBucket is the ISO 8601 week, as SQLite\'s %G-W%V and PostgreSQL\'s IYYY-"W"IW', () => {
    expect(weekBucket(Date.parse('2025-12-29T00:00:00Z'))).toBe('2026-W01'); // a Monday: its Thursday is in 2026
    expect(weekBucket(Date.parse('2026-01-01T12:00:00Z'))).toBe('2026-W01'); // a Thursday
    expect(weekBucket(Date.parse('2026-01-04T23:59:59Z'))).toBe('2026-W01'); // Sunday, same week
    expect(weekBucket(Date.parse('2026-01-05T00:00:00Z'))).toBe('2026-W02');
    expect(weekBucket(Date.parse('2026-12-03T00:00:00Z'))).toBe('2026-W49');
    expect(weekBucket(Date.parse('2027-01-01T00:00:00Z'))).toBe('2026-W53'); // a Friday of 2026's last week
    expect(weekBucket(Date.parse('2021-01-03T00:00:00Z'))).toBe('2020-W53');
    expect(weekBucket(Date.parse('2024-12-30T00:00:00Z'))).toBe('2025-W01');
  });

  it('labels every day or week of a range once, in order', () => {
    const from = Date.parse('2026-02-26T00:00:00Z');
    const to = Date.parse('2026-03-03T00:00:00Z');
    expect(bucketLabels(from, to, 'day')).toEqual(['2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(bucketLabels(from, to, 'week')).toEqual(['2026-W09', '2026-W10']);
    expect(dayBucket(Date.parse('2026-03-01T23:59:59.999Z'))).toBe('2026-03-01');
    expect(bucketLabels(to, from, 'day')).toEqual([]);
    // A hostile range cannot make the page build an unbounded array.
    expect(bucketLabels(0, 8.64e15, 'day')).toHaveLength(1000);
  });
});

describe('pivotSeries', () => {
  it('makes one series per value over the labels, and folds the tail into "Other"', () => {
    const labels = ['d1', 'd2'];
    const rows = [
      { bucket: 'd1', value: 'A', users: 5 },
      { bucket: 'd2', value: 'A', users: 1 },
      { bucket: 'd2', value: 'B', users: 3 },
      { bucket: 'd1', value: 'C', users: 1 },
      { bucket: 'd2', value: 'D', users: 1 },
      { bucket: 'zz', value: 'E', users: 9 },
    ];
    expect(pivotSeries(rows, labels)).toEqual([
      { value: 'A', data: [5, 1], total: 6 },
      { value: 'B', data: [0, 3], total: 3 },
      { value: 'C', data: [1, 0], total: 1 },
      { value: 'D', data: [0, 1], total: 1 },
    ]);
    expect(pivotSeries(rows, labels, 3)).toEqual([
      { value: 'A', data: [5, 1], total: 6 },
      { value: 'B', data: [0, 3], total: 3 },
      { value: 'Other', data: [1, 1], total: 2 },
    ]);
  });
});

describe('links', () => {
  it('keeps http(s) URLs only', () => {
    expect(safeHttpUrl('https://example.com/a')).toBe('https://example.com/a');
    expect(safeHttpUrl('/relative', 'http://127.0.0.1:8787/')).toBe('http://127.0.0.1:8787/relative');
    for (const bad of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'data:text/html,x',
      'vbscript:x',
      'not a url',
      '',
      42,
      null,
      {},
      `https://x/${'a'.repeat(3000)}`,
    ])
      expect(safeHttpUrl(bad)).toBeNull();
  });

  it('reads demo-links.json defensively', () => {
    expect(parseDemoLinks({ name: 'x', url: 'http://a/' })).toEqual([]);
    expect(parseDemoLinks(null)).toEqual([]);
    expect(
      parseDemoLinks([
        { name: ' React demo ', url: 'http://127.0.0.1:5173' },
        { name: 'Evil', url: 'javascript:alert(1)' },
        { name: '', url: 'http://a/' },
        { name: 1, url: 'http://a/' },
        { url: 'http://a/' },
        'x',
        null,
        [],
        { name: 'n'.repeat(500), url: 'https://b/' },
      ]),
    ).toEqual([
      { name: 'React demo', url: 'http://127.0.0.1:5173/' },
      { name: 'n'.repeat(80), url: 'https://b/' },
    ]);
    expect(parseDemoLinks(Array.from({ length: 100 }, (_, i) => ({ name: `d${i}`, url: `http://h/${i}` })))).toHaveLength(20);
  });
});

describe('formatting', () => {
  it('says how long ago, and how long', () => {
    const now = Date.parse('2026-03-10T12:00:00Z');
    expect(relativeTime('2026-03-10T11:59:50Z', now)).toBe('just now');
    expect(relativeTime('2026-03-10T11:55:00Z', now)).toMatch(/5 minutes ago/);
    expect(relativeTime('2026-03-09T12:00:00Z', now)).toMatch(/yesterday|1 day ago/);
    expect(relativeTime(null, now)).toBe('—');
    expect(relativeTime('garbage', now)).toBe('garbage');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(61_000)).toBe('1m 1s');
    expect(formatDuration(3_720_000)).toBe('1h 2m');
    expect(formatDuration(-1)).toBe('—');
  });
});

describe('pageName', () => {
  it('names a page by its path, and a hash-routed page by its route too', () => {
    expect(pageName('https://shop.example/pricing?utm_source=x#top')).toBe('/pricing');
    expect(pageName('https://app.example/#/settings/billing')).toBe('/#/settings/billing');
    expect(pageName('https://app.example/app/#/users?tab=2')).toBe('/app/#/users?tab=2');
    expect(pageName('https://app.example/#')).toBe('/');
  });
});
