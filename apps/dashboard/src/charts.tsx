import type { ChartConfiguration } from 'chart.js';
import { useMemo } from 'preact/hooks';
import type { Api, BreakdownRow, Filter } from './api.js';
import { ChartCanvas, PALETTE } from './chart.js';
import { bucketLabels, parseFilter, pivotSeries } from './model.js';
import { href, replaceHash } from './router.js';
import { Card, Empty, ErrorBox, FilterEditor, Spinner } from './ui.js';
import { useAsync } from './use-async.js';

const RANGES = [7, 30, 90, 365] as const;
const DAY = 24 * 3600 * 1000;

interface ChartParams {
  property: string;
  event: string;
  interval: 'day' | 'week';
  days: number;
  filters: Filter[];
}

function readParams(params: URLSearchParams): Omit<ChartParams, 'property'> & { property: string | null } {
  const days = Number(params.get('days'));
  return {
    property: params.get('property'),
    event: params.get('event') ?? '',
    interval: params.get('interval') === 'week' ? 'week' : 'day',
    days: (RANGES as readonly number[]).includes(days) ? days : 30,
    filters: params
      .getAll('f')
      .map(parseFilter)
      .filter((f): f is Filter => f !== null),
  };
}

const write = (p: ChartParams) =>
  replaceHash(
    href('/charts', {
      property: p.property,
      event: p.event,
      interval: p.interval === 'day' ? null : p.interval,
      days: p.days === 30 ? null : String(p.days),
      f: p.filters.map((f) => `${f.key}=${f.value}`),
    }),
  );

/** Default property: "plan" when the app has it, else the first custom (non-Initial) key. */
export function defaultProperty(keys: string[]): string | null {
  if (keys.includes('plan')) return 'plan';
  return keys.find((k) => !k.startsWith('Initial ')) ?? keys[0] ?? null;
}

/** Users grouped by a user property: a bar chart of everyone, and new users over time (by first seen). */
export function ChartsView({ api, params }: { api: Api; params: URLSearchParams }) {
  const names = useAsync((signal) => api.propertyNames(signal), [api]);
  const raw = readParams(params);

  if (names.status === 'loading') return <Spinner label="Loading properties…" />;
  if (names.status === 'error') return <ErrorBox error={names.error} title="Could not load the app's properties" />;
  const { properties, events } = names.data;
  const property = raw.property && properties.includes(raw.property) ? raw.property : defaultProperty(properties);

  return (
    <div class="page">
      <div class="page-head">
        <div>
          <h1>Charts</h1>
          <p class="muted">Users grouped by a user property: all of them, or those who did one event.</p>
        </div>
      </div>
      {property === null ? (
        <Card>
          <Empty>No user properties yet. Call addUserProperties (for example with a plan) and come back.</Empty>
        </Card>
      ) : (
        <ChartsBody api={api} p={{ ...raw, property }} properties={properties} events={events} />
      )}
    </div>
  );
}

function ChartsBody({ api, p, properties, events }: { api: Api; p: ChartParams; properties: string[]; events: string[] }) {
  const set = (patch: Partial<ChartParams>) => write({ ...p, ...patch });
  const filterKey = p.filters.map((f) => `${f.key}=${f.value}`).join('\n');
  const event = p.event && events.includes(p.event) ? p.event : '';

  const breakdown = useAsync(
    (signal) => api.breakdown({ property: p.property, event: event || undefined, filters: p.filters }, signal),
    [api, p.property, event, filterKey],
  );
  // Whole days in UTC (the server buckets in UTC), from `days` ago to the end of today.
  const range = useMemo(() => {
    const now = new Date();
    const to = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY;
    return { from: to - p.days * DAY, to };
  }, [p.days]);
  const series = useAsync(
    (signal) =>
      api.timeseries(
        {
          property: p.property,
          interval: p.interval,
          event: event || undefined,
          filters: p.filters,
          from: new Date(range.from).toISOString(),
          to: new Date(range.to).toISOString(),
        },
        signal,
      ),
    [api, p.property, event, filterKey, p.interval, range.from, range.to],
  );

  return (
    <>
      <Card class="controls">
        <div class="control-row">
          <label class="field inline">
            <span class="field-label">Property</span>
            <select aria-label="Property" value={p.property} onChange={(e) => set({ property: (e.target as HTMLSelectElement).value })}>
              {properties.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <label class="field inline">
            <span class="field-label">Users</span>
            <select aria-label="Event" value={event} onChange={(e) => set({ event: (e.target as HTMLSelectElement).value })}>
              <option value="">All users</option>
              {events.map((name) => (
                <option key={name} value={name}>
                  Did “{name}”
                </option>
              ))}
            </select>
          </label>
        </div>
        <FilterEditor keys={properties} filters={p.filters} onChange={(filters) => set({ filters })} />
      </Card>
      <div class="charts-grid">
        <Card title={`Users by ${p.property}`} class="breakdown">
          {breakdown.status === 'loading' && <Spinner />}
          {breakdown.status === 'error' && <ErrorBox error={breakdown.error} title="Could not load the breakdown" />}
          {breakdown.status === 'ok' &&
            (breakdown.data.rows.length === 0 ? (
              <Empty>
                No user has “{p.property}”{event ? ` and did “${event}”` : ''}.
              </Empty>
            ) : (
              <Breakdown rows={breakdown.data.rows} property={p.property} />
            ))}
        </Card>
        <Card
          title={`New users by ${p.property}`}
          class="timeseries"
          actions={
            <fieldset class="segmented" aria-label="Range and interval">
              <select
                aria-label="Range"
                value={String(p.days)}
                onChange={(e) => set({ days: Number((e.target as HTMLSelectElement).value) })}
              >
                {RANGES.map((d) => (
                  <option key={d} value={String(d)}>
                    Last {d} days
                  </option>
                ))}
              </select>
              <select
                aria-label="Interval"
                value={p.interval}
                onChange={(e) => set({ interval: (e.target as HTMLSelectElement).value as 'day' | 'week' })}
              >
                <option value="day">Daily</option>
                <option value="week">Weekly</option>
              </select>
            </fieldset>
          }
        >
          {series.status === 'loading' && <Spinner />}
          {series.status === 'error' && <ErrorBox error={series.error} title="Could not load new users over time" />}
          {series.status === 'ok' && (
            <Timeseries rows={series.data.rows} from={range.from} to={range.to} interval={p.interval} property={p.property} />
          )}
        </Card>
      </div>
    </>
  );
}

function Breakdown({ rows, property }: { rows: BreakdownRow[]; property: string }) {
  const total = rows.reduce((n, r) => n + r.users, 0);
  const config = useMemo<ChartConfiguration<'bar'>>(
    () => ({
      type: 'bar',
      data: {
        labels: rows.map((r) => (r.value === '' ? '(empty)' : r.value)),
        datasets: [{ label: 'Users', data: rows.map((r) => r.users), backgroundColor: PALETTE[0], borderRadius: 4, maxBarThickness: 56 }],
      },
      options: {
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => ` ${c.formattedValue} users` } } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { grid: { display: false } } },
      },
    }),
    [rows],
  );
  return (
    <>
      <ChartCanvas config={config} label={`Bar chart of users by ${property}`} />
      <table class="table compact breakdown-table">
        <thead>
          <tr>
            <th scope="col">{property}</th>
            <th scope="col" class="num">
              Users
            </th>
            <th scope="col" class="num">
              Share
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.value}>
              <td>{r.value === '' ? <i class="muted">(empty)</i> : r.value}</td>
              <td class="num">{r.users.toLocaleString()}</td>
              <td class="num">{total > 0 ? `${Math.round((r.users / total) * 1000) / 10}%` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

const monthDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** "2026-11-04" -> "Nov 4"; weeks ("2026-W45") stay as they are. */
function shortBucket(bucket: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(bucket) ? monthDay.format(new Date(`${bucket}T00:00:00Z`)) : bucket;
}

function Timeseries({
  rows,
  from,
  to,
  interval,
  property,
}: {
  rows: { bucket: string; value: string; users: number }[];
  from: number;
  to: number;
  interval: 'day' | 'week';
  property: string;
}) {
  const labels = useMemo(() => bucketLabels(from, to, interval), [from, to, interval]);
  const series = useMemo(() => pivotSeries(rows, labels), [rows, labels]);
  const config = useMemo<ChartConfiguration<'line'>>(
    () => ({
      type: 'line',
      data: {
        labels,
        datasets: series.map((s, i) => {
          const color = PALETTE[i % PALETTE.length] as string;
          return {
            label: s.value === '' ? '(empty)' : s.value,
            data: s.data,
            borderColor: color,
            backgroundColor: color,
            tension: 0,
            pointRadius: labels.length > 60 ? 0 : 2.5,
            borderWidth: 2,
          };
        }),
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10, usePointStyle: true } } },
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 } },
          x: { grid: { display: false }, ticks: { maxTicksLimit: 10, maxRotation: 0, callback: (_v, i) => shortBucket(labels[i] ?? '') } },
        },
      },
    }),
    [labels, series],
  );
  if (series.length === 0) return <Empty>No new user with “{property}” in this range.</Empty>;
  return <ChartCanvas config={config} label={`Line chart of new users by ${property} per ${interval}`} />;
}
