import type Database from 'better-sqlite3';
import { fetchFor, rowsByLabel } from '../chart-rows.js';
import type { BreakdownQuery, TimeseriesQuery } from '../types.js';
import { ALL_DAYS, NO_DAY } from './chart-totals-triggers.js';

/**
 * The dashboard's charts on SQLite (decision 0008): users grouped by a property's value (the bar
 * chart), and the same per day or week of first sighting (the line chart).
 *
 * Without filters the answer comes from breakdown_totals: the first request for a chart's pair
 * registers it and fills its totals with one join, inside a write transaction so no change slips
 * between the fill and the triggers that keep the totals exact from then on. Every later request reads
 * a few rows, whatever the number of users.
 *
 * With filters (or for a pair with too many rows) it is a join, driven from the smallest side: the
 * users who did the event, the users with the property, or the users matching one filter. SQLite has no
 * statistics here, so each side's size is counted up to a cap (an index range count, a few ms).
 */
export const MAX_TOTAL_ROWS = 50_000;
/** Pairs kept per app; asking for one more drops the one asked least recently. */
export const MAX_PAIRS = 200;
/** How stale a pair's last-asked time may get before a request writes it again (writes are serialised). */
const ASKED_EVERY_MS = 3_600_000;
const SIDE_COUNT_CAP = 100_000;
const DAY = 86_400_000;

type Serialised = <T>(fn: () => Promise<T>) => Promise<T>;
type Row = Record<string, unknown>;

export interface BreakdownRow {
  value: string;
  users: number;
}
export interface TimeseriesRow extends BreakdownRow {
  bucket: string;
}

/** A set of roots the join can start from or probe, with its estimated size. */
interface Side {
  alias: string;
  table: 'user_props' | 'user_event_counts';
  conds: string;
  params: unknown[];
  size: number;
}

/** Day, or ISO 8601 week (Monday weeks, numbered in the year that holds their Thursday: no week is cut at New Year). */
const bucketFormat = (interval: TimeseriesQuery['interval']) => (interval === 'week' ? '%G-W%V' : '%Y-%m-%d');

export function sqliteCharts(db: Database.Database, serialised: Serialised, now: () => number) {
  const q = {
    pairRow: db.prepare('SELECT state, asked_at FROM breakdown_pairs WHERE app_id = ? AND key = ? AND name = ? AND by_day = ?'),
    addPair: db.prepare("INSERT INTO breakdown_pairs (app_id, key, name, by_day, state, asked_at) VALUES (?, ?, ?, ?, 'on', ?)"),
    asked: db.prepare('UPDATE breakdown_pairs SET asked_at = ? WHERE app_id = ? AND key = ? AND name = ? AND by_day = ?'),
    pairCount: db.prepare('SELECT count(*) FROM breakdown_pairs WHERE app_id = ?').pluck(),
    leastAsked: db.prepare('SELECT key, name, by_day FROM breakdown_pairs WHERE app_id = ? ORDER BY asked_at, key, name, by_day LIMIT 1'),
    dropPair: db.prepare('DELETE FROM breakdown_pairs WHERE app_id = ? AND key = ? AND name = ? AND by_day = ?'),
    pairOff: db.prepare("UPDATE breakdown_pairs SET state = 'off' WHERE app_id = ? AND key = ? AND name = ? AND by_day = ?"),
    dropBar: db.prepare(`DELETE FROM breakdown_totals WHERE app_id = ? AND name = ? AND key = ? AND day = ${ALL_DAYS}`),
    dropLine: db.prepare(`DELETE FROM breakdown_totals WHERE app_id = ? AND name = ? AND key = ? AND day > ${ALL_DAYS}`),
    bar: db.prepare(
      `SELECT value, users FROM breakdown_totals WHERE app_id = ? AND name = ? AND key = ? AND day = ${ALL_DAYS} AND users > 0
       ORDER BY users DESC, value LIMIT ?`,
    ),
    // Days from 0: the bar chart's ALL_DAYS and NO_DAY rows are negative, and no root is first seen
    // before 1970 (messages more than 5 years old are refused).
    line: db.prepare(
      `SELECT strftime(?, day * 86400, 'unixepoch') AS bucket, value, sum(users) AS users FROM breakdown_totals
       WHERE app_id = ? AND name = ? AND key = ? AND day >= max(?, 0) AND day < ? GROUP BY bucket, value HAVING sum(users) > 0
       ORDER BY bucket, users DESC, value`,
    ),
    barRowsUpTo: db
      .prepare(
        `SELECT count(*) FROM (SELECT 1 FROM breakdown_totals WHERE app_id = ? AND name = ? AND key = ? AND day = ${ALL_DAYS} LIMIT ?)`,
      )
      .pluck(),
    lineRowsUpTo: db
      .prepare(
        `SELECT count(*) FROM (SELECT 1 FROM breakdown_totals WHERE app_id = ? AND name = ? AND key = ? AND day > ${ALL_DAYS} LIMIT ?)`,
      )
      .pluck(),
    eventUsersUpTo: db.prepare('SELECT count(*) FROM (SELECT 1 FROM user_event_counts WHERE app_id = ? AND name = ? LIMIT ?)').pluck(),
    propUsersUpTo: db.prepare('SELECT count(*) FROM (SELECT 1 FROM user_props WHERE app_id = ? AND key = ? LIMIT ?)').pluck(),
    valueUsersUpTo: db
      .prepare('SELECT count(*) FROM (SELECT 1 FROM user_props WHERE app_id = ? AND key = ? AND value IN (json_quote(?), ?) LIMIT ?)')
      .pluck(),
  };
  // Filling a pair: the join an answer would make, grouped by value (and day), straight into the totals.
  const fill = (byDay: boolean, event: boolean) => {
    const day = byDay ? `coalesce(u.first_seen / ${DAY}, ${NO_DAY})` : `${ALL_DAYS}`;
    const source = event
      ? 'user_event_counts c CROSS JOIN user_props p ON p.app_id = c.app_id AND p.root_id = c.root_id AND p.key = @key'
      : 'user_props p';
    const firstSeen = byDay ? 'LEFT JOIN users u ON u.app_id = p.app_id AND u.user_id = p.root_id' : '';
    const where = event ? 'c.app_id = @app AND c.name = @name' : 'p.app_id = @app AND p.key = @key';
    return db.prepare(
      `INSERT INTO breakdown_totals (app_id, name, key, day, value, users)
       SELECT @app, @name, @key, ${day} AS d, p.value, count(*) FROM ${source} ${firstSeen} WHERE ${where} GROUP BY d, p.value`,
    );
  };
  const fills = { bar: fill(false, false), barEvent: fill(false, true), line: fill(true, false), lineEvent: fill(true, true) };

  const exists = (app: string, key: string, name: string) =>
    (q.propUsersUpTo.get(app, key, 1) as number) > 0 && (name === '' || (q.eventUsersUpTo.get(app, name, 1) as number) > 0);
  const dropTotals = (app: string, key: string, name: string, byDay: boolean) => (byDay ? q.dropLine : q.dropBar).run(app, name, key);
  const fits = (app: string, key: string, name: string, byDay: boolean) =>
    ((byDay ? q.lineRowsUpTo : q.barRowsUpTo).get(app, name, key, MAX_TOTAL_ROWS + 1) as number) <= MAX_TOTAL_ROWS;

  /** Registers a pair and fills its totals, making room first by dropping the pair asked least recently. */
  const register = (app: string, key: string, name: string, byDay: boolean) => {
    if ((q.pairCount.get(app) as number) >= MAX_PAIRS) {
      const old = q.leastAsked.get(app) as { key: string; name: string; by_day: number };
      dropTotals(app, old.key, old.name, old.by_day === 1);
      q.dropPair.run(app, old.key, old.name, old.by_day);
    }
    q.addPair.run(app, key, name, byDay ? 1 : 0, now());
    const fill = byDay ? (name ? fills.lineEvent : fills.line) : name ? fills.barEvent : fills.bar;
    fill.run({ app, key, name });
  };

  /**
   * Whether a chart's pair answers from totals, registering and filling it on its first request. A pair
   * whose rows grew past the cap since is switched off: it is answered by joins from then on.
   */
  const pair = async (app: string, key: string, name: string, byDay: boolean): Promise<boolean> => {
    const flag = byDay ? 1 : 0;
    const row = q.pairRow.get(app, key, name, flag) as { state: string; asked_at: number } | undefined;
    const fresh = row !== undefined && now() - row.asked_at < ASKED_EVERY_MS;
    if (fresh && row.state === 'off') return false;
    if (fresh && fits(app, key, name, byDay)) return true;
    // A property no user has, or an event nobody did (a typo, a probe), is not worth a kept chart: the
    // join answers it at once, and it would push a real chart out of the app's MAX_PAIRS.
    if (!row && !exists(app, key, name)) return false;
    return serialised(async () => {
      const again = q.pairRow.get(app, key, name, flag) as { state: string } | undefined;
      if (!again) register(app, key, name, byDay);
      else q.asked.run(now(), app, key, name, flag);
      if (again?.state === 'off') return false;
      if (fits(app, key, name, byDay)) return true;
      dropTotals(app, key, name, byDay);
      q.pairOff.run(app, key, name, flag);
      return false;
    });
  };

  /** The sides of a chart's join, smallest first: it scans the first and probes the others by root. */
  const sides = (app: string, query: BreakdownQuery): [Side, ...Side[]] => {
    const all: Side[] = [
      {
        alias: 'p',
        table: 'user_props',
        conds: 'p.key = ?',
        params: [query.property],
        size: q.propUsersUpTo.get(app, query.property, SIDE_COUNT_CAP) as number,
      },
    ];
    if (query.event)
      all.push({
        alias: 'c',
        table: 'user_event_counts',
        conds: 'c.name = ?',
        params: [query.event],
        size: q.eventUsersUpTo.get(app, query.event, SIDE_COUNT_CAP) as number,
      });
    (query.filters ?? []).forEach((f, i) => {
      // Values are compared as text: "42" matches the number 42 and the string "42".
      all.push({
        alias: `f${i}`,
        table: 'user_props',
        conds: `f${i}.key = ? AND f${i}.value IN (json_quote(?), ?)`,
        params: [f.key, f.value, f.value],
        size: q.valueUsersUpTo.get(app, f.key, f.value, f.value, SIDE_COUNT_CAP) as number,
      });
    });
    return all.sort((a, b) => a.size - b.size) as [Side, ...Side[]];
  };

  /** FROM ... WHERE of a chart's join (CROSS JOIN keeps the order), with its parameters. */
  const joinFrom = (app: string, query: BreakdownQuery, firstSeen?: { from: number; to: number }) => {
    const [driver, ...probes] = sides(app, query);
    const params: unknown[] = [];
    let sql = `FROM ${driver.table} ${driver.alias}`;
    for (const s of probes) {
      sql += ` CROSS JOIN ${s.table} ${s.alias} ON ${s.alias}.app_id = ${driver.alias}.app_id AND ${s.alias}.root_id = ${driver.alias}.root_id AND ${s.conds}`;
      params.push(...s.params);
    }
    if (firstSeen) {
      sql += ` CROSS JOIN users u ON u.app_id = ${driver.alias}.app_id AND u.user_id = ${driver.alias}.root_id AND u.first_seen >= ? AND u.first_seen < ?`;
      params.push(firstSeen.from, firstSeen.to);
    }
    sql += ` WHERE ${driver.alias}.app_id = ? AND ${driver.conds}`;
    params.push(app, ...driver.params);
    return { sql, params };
  };

  return {
    async breakdown(app: string, query: BreakdownQuery): Promise<BreakdownRow[]> {
      const limit = query.limit ?? 50;
      const name = query.event ?? '';
      if (!query.filters?.length && (await pair(app, query.property, name, false)))
        return rowsByLabel(q.bar.all(app, name, query.property, fetchFor(limit)) as Row[], limit);
      const j = joinFrom(app, query);
      const sql = `SELECT p.value AS value, count(*) AS users ${j.sql} GROUP BY p.value ORDER BY users DESC, p.value LIMIT ?`;
      return rowsByLabel(db.prepare(sql).all(...j.params, fetchFor(limit)) as Row[], limit);
    },

    async timeseries(app: string, query: TimeseriesQuery): Promise<TimeseriesRow[]> {
      const fmt = bucketFormat(query.interval);
      const name = query.event ?? '';
      // Totals are per whole UTC day; a range that cuts a day is answered by the join.
      const wholeDays = query.from % DAY === 0 && query.to % DAY === 0;
      if (!query.filters?.length && wholeDays && (await pair(app, query.property, name, true)))
        return rowsByLabel(q.line.all(fmt, app, name, query.property, query.from / DAY, query.to / DAY) as Row[]);
      const j = joinFrom(app, query, { from: query.from, to: query.to });
      const sql = `SELECT strftime(?, u.first_seen / 1000, 'unixepoch') AS bucket, p.value AS value, count(*) AS users ${j.sql}
        GROUP BY bucket, p.value ORDER BY bucket, users DESC, p.value`;
      return rowsByLabel(db.prepare(sql).all(fmt, ...j.params) as Row[]);
    },
  };
}
