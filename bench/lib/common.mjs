import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH_DIR, '..');
export const CACHE_DIR = join(BENCH_DIR, '.cache');

/** The SDKs compared, each with an entry file bench/bundle/<id>.js doing the same job. */
export const SDKS = [
  { id: 'idem', label: 'Idem (@idem/browser)' },
  { id: 'posthog', label: 'posthog-js (full)' },
  { id: 'posthog-slim', label: 'posthog-js (slim)' },
  { id: 'segment', label: '@segment/analytics-next' },
  { id: 'amplitude', label: '@amplitude/analytics-browser' },
  { id: 'mixpanel', label: 'mixpanel-browser' },
  { id: 'mixpanel-core', label: 'mixpanel-browser (core)' },
];

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
export const round = (x, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
