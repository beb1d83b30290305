import { INITIAL_KEYS, type PropertyValue } from '@idem/core';
import type { Filter, IdemEvent, TimeseriesRow } from './api.js';

/** Pure helpers the views share; tested in model.test.ts. */

const DAY = 24 * 3600 * 1000;

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
}

export function formatClock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

const rtf =
  typeof Intl !== 'undefined' && 'RelativeTimeFormat' in Intl ? new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }) : null;

/** "3 minutes ago", "yesterday"; falls back to the date past a month. */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((t - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return 'just now';
  if (!rtf) return formatTime(iso);
  if (abs < 45 * 60) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 22 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 26 * 86400) return rtf.format(Math.round(s / 86400), 'day');
  return formatTime(iso);
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatValue(v: PropertyValue | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  return String(v);
}

export const isInitialKey = (key: string) => INITIAL_KEYS.has(key) || key.startsWith('Initial ');

/** Splits a user's properties into custom ones (sorted by key) and the Initial ones (in R17's order). */
export function splitProperties(props: Record<string, PropertyValue>): {
  custom: [string, PropertyValue][];
  initial: [string, PropertyValue][];
} {
  const custom: [string, PropertyValue][] = [];
  const initial: [string, PropertyValue][] = [];
  for (const entry of Object.entries(props)) (isInitialKey(entry[0]) ? initial : custom).push(entry);
  const order = [...INITIAL_KEYS];
  const rank = (k: string) => {
    const i = order.indexOf(k);
    return i === -1 ? order.length : i;
  };
  custom.sort((a, b) => a[0].localeCompare(b[0]));
  initial.sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
  return { custom, initial };
}

export interface SessionGroup {
  /** null for events without a session (server-side track). */
  sessionId: string | null;
  start: string;
  end: string;
  events: IdemEvent[];
  /** The user ids (devices) that sent this session's events. */
  userIds: string[];
}

/** Events grouped by session, newest session first, events in time order inside each session. */
export function groupSessions(events: IdemEvent[]): SessionGroup[] {
  const groups = new Map<string, SessionGroup>();
  const sorted = [...events].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  for (const e of sorted) {
    const key = e.session_id ?? '\u0000server';
    let g = groups.get(key);
    if (!g) {
      g = { sessionId: e.session_id, start: e.time, end: e.time, events: [], userIds: [] };
      groups.set(key, g);
    }
    g.events.push(e);
    g.end = e.time;
    if (!g.userIds.includes(e.user_id)) g.userIds.push(e.user_id);
  }
  return [...groups.values()].sort((a, b) => Date.parse(b.end) - Date.parse(a.end));
}

/** `key=value` (split at the first "="), as the API's `filter` parameter and the URL keep it. */
export function parseFilter(text: string): Filter | null {
  const i = text.indexOf('=');
  if (i < 1) return null;
  return { key: text.slice(0, i), value: text.slice(i + 1) };
}

/** The ISO 8601 week of `t` (UTC), as the collector buckets it: Monday weeks, in the year of their Thursday. */
export function weekBucket(t: number): string {
  const d = new Date(t);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const thursday = new Date(day + (3 - ((d.getUTCDay() + 6) % 7)) * DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export const dayBucket = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Every bucket label from `from` to `to` (UTC), so a line chart shows the days with no new users too. */
export function bucketLabels(from: number, to: number, interval: 'day' | 'week'): string[] {
  const labels: string[] = [];
  const start = Date.UTC(new Date(from).getUTCFullYear(), new Date(from).getUTCMonth(), new Date(from).getUTCDate());
  for (let t = start; t < to && labels.length < 1000; t += DAY) {
    const b = interval === 'day' ? dayBucket(t) : weekBucket(t);
    if (labels[labels.length - 1] !== b) labels.push(b);
  }
  return labels;
}

export interface Series {
  value: string;
  data: number[];
  total: number;
}

/**
 * Pivots the timeseries rows into one series per property value over `labels`; the `top` values by
 * total keep their own line and the rest are summed into "Other".
 */
export function pivotSeries(rows: TimeseriesRow[], labels: string[], top = 6): Series[] {
  const index = new Map(labels.map((l, i) => [l, i]));
  const byValue = new Map<string, Series>();
  for (const r of rows) {
    const i = index.get(r.bucket);
    if (i === undefined) continue;
    let s = byValue.get(r.value);
    if (!s) {
      s = { value: r.value, data: labels.map(() => 0), total: 0 };
      byValue.set(r.value, s);
    }
    s.data[i] = (s.data[i] ?? 0) + r.users;
    s.total += r.users;
  }
  const all = [...byValue.values()].sort((a, b) => b.total - a.total || a.value.localeCompare(b.value));
  if (all.length <= top) return all;
  const kept = all.slice(0, top - 1);
  const other: Series = { value: 'Other', data: labels.map(() => 0), total: 0 };
  for (const s of all.slice(top - 1)) {
    s.data.forEach((n, i) => {
      other.data[i] = (other.data[i] ?? 0) + n;
    });
    other.total += s.total;
  }
  return [...kept, other];
}

/** Only http(s) links are ever rendered as links: a demo-links.json or an event URL cannot inject javascript:. */
export function safeHttpUrl(url: unknown, base?: string): string | null {
  if (typeof url !== 'string' || url.length > 2048) return null;
  try {
    const u = new URL(url, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/**
 * The page a pageview is named by: its path, and for a hash-routed app (`/#/settings`) the route in
 * the hash too, which is where such an app keeps its page.
 */
export function pageName(url: string): string {
  const u = new URL(url);
  return u.hash.startsWith('#/') ? `${u.pathname}${u.hash}` : u.pathname;
}

export interface DemoLink {
  name: string;
  url: string;
}

/** Validates demo-links.json: an array of {name, url}; anything else is dropped. */
export function parseDemoLinks(json: unknown, base?: string): DemoLink[] {
  if (!Array.isArray(json)) return [];
  const out: DemoLink[] = [];
  for (const item of json.slice(0, 20)) {
    if (!item || typeof item !== 'object') continue;
    const { name, url } = item as { name?: unknown; url?: unknown };
    const safe = safeHttpUrl(url, base);
    if (typeof name !== 'string' || !name.trim() || !safe) continue;
    out.push({ name: name.trim().slice(0, 80), url: safe });
  }
  return out;
}
