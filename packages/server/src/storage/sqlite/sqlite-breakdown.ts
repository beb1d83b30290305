import type Database from 'better-sqlite3';
import type { BreakdownQuery } from '../types.js';

/**
 * Users grouped by a property value, on SQLite (decision 0008).
 *
 * Without filters the answer comes from breakdown_totals: the first request for a (property, event)
 * pair registers it and fills its totals with one join, inside a write transaction so no change slips
 * between the fill and the triggers that keep the totals exact from then on. Every later request reads
 * a few rows, whatever the number of users.
 *
 * With filters (or for a pair with too many values) it is a join, driven from the smallest side: the
 * users who did the event, the users with the property, or the users matching one filter. SQLite has no
 * statistics here, so each side's size is counted up to a cap (an index range count, a few ms).
 */
export const MAX_TOTAL_VALUES = 10_000;
const SIDE_COUNT_CAP = 100_000;

type Serialised = <T>(fn: () => Promise<T>) => Promise<T>;
type Row = Record<string, unknown>;

export interface BreakdownRow {
  value: string;
  users: number;
}

/** A set of roots the join can start from or probe, with its estimated size. */
interface Side {
  alias: string;
  table: 'user_props' | 'user_event_counts';
  conds: string;
  params: unknown[];
  size: number;
}

export function sqliteBreakdowns(db: Database.Database, serialised: Serialised, now: () => number) {
  const q = {
    pairState: db.prepare('SELECT state FROM breakdown_pairs WHERE app_id = ? AND key = ? AND name = ?').pluck(),
    addPair: db.prepare("INSERT INTO breakdown_pairs (app_id, key, name, state, created_at) VALUES (?, ?, ?, 'on', ?)"),
    pairOff: db.prepare("UPDATE breakdown_pairs SET state = 'off' WHERE app_id = ? AND key = ? AND name = ?"),
    dropTotals: db.prepare('DELETE FROM breakdown_totals WHERE app_id = ? AND name = ? AND key = ?'),
    totals: db.prepare(
      'SELECT value, users FROM breakdown_totals WHERE app_id = ? AND name = ? AND key = ? AND users > 0 ORDER BY users DESC, value LIMIT ?',
    ),
    totalValuesUpTo: db
      .prepare('SELECT count(*) FROM (SELECT 1 FROM breakdown_totals WHERE app_id = ? AND name = ? AND key = ? LIMIT ?)')
      .pluck(),
    fillAll: db.prepare(
      "INSERT INTO breakdown_totals (app_id, name, key, value, users) SELECT app_id, '', key, value, count(*) FROM user_props WHERE app_id = ? AND key = ? GROUP BY value",
    ),
    fillEvent: db.prepare(
      `INSERT INTO breakdown_totals (app_id, name, key, value, users)
       SELECT c.app_id, c.name, p.key, p.value, count(*) FROM user_event_counts c
       CROSS JOIN user_props p ON p.app_id = c.app_id AND p.root_id = c.root_id AND p.key = ?
       WHERE c.app_id = ? AND c.name = ? GROUP BY p.value`,
    ),
    eventUsersUpTo: db.prepare('SELECT count(*) FROM (SELECT 1 FROM user_event_counts WHERE app_id = ? AND name = ? LIMIT ?)').pluck(),
    propUsersUpTo: db.prepare('SELECT count(*) FROM (SELECT 1 FROM user_props WHERE app_id = ? AND key = ? LIMIT ?)').pluck(),
    valueUsersUpTo: db
      .prepare('SELECT count(*) FROM (SELECT 1 FROM user_props WHERE app_id = ? AND key = ? AND value IN (json_quote(?), ?) LIMIT ?)')
      .pluck(),
  };

  const toRows = (rows: Row[]): BreakdownRow[] =>
    rows.map((r) => ({ value: String(JSON.parse(r.value as string)), users: r.users as number }));

  /** Registers a pair and fills its totals; returns its state ('off' when it has too many values). */
  const register = (app: string, key: string, name: string) =>
    serialised(async () => {
      const state = q.pairState.get(app, key, name) as string | undefined;
      if (state) return state;
      q.addPair.run(app, key, name, now());
      const filled = name === '' ? q.fillAll.run(app, key) : q.fillEvent.run(key, app, name);
      if (filled.changes <= MAX_TOTAL_VALUES) return 'on';
      q.dropTotals.run(app, name, key);
      q.pairOff.run(app, key, name);
      return 'off';
    });

  /** A pair whose values grew past the cap since it was registered stops being kept. */
  const switchOff = (app: string, key: string, name: string) =>
    serialised(async () => {
      q.dropTotals.run(app, name, key);
      q.pairOff.run(app, key, name);
      return 'off';
    });

  const join = (app: string, query: BreakdownQuery, limit: number): BreakdownRow[] => {
    const sides: Side[] = [
      {
        alias: 'p',
        table: 'user_props',
        conds: 'p.key = ?',
        params: [query.property],
        size: q.propUsersUpTo.get(app, query.property, SIDE_COUNT_CAP) as number,
      },
    ];
    if (query.event)
      sides.push({
        alias: 'c',
        table: 'user_event_counts',
        conds: 'c.name = ?',
        params: [query.event],
        size: q.eventUsersUpTo.get(app, query.event, SIDE_COUNT_CAP) as number,
      });
    (query.filters ?? []).forEach((f, i) => {
      // Values are compared as text: "42" matches the number 42 and the string "42".
      sides.push({
        alias: `f${i}`,
        table: 'user_props',
        conds: `f${i}.key = ? AND f${i}.value IN (json_quote(?), ?)`,
        params: [f.key, f.value, f.value],
        size: q.valueUsersUpTo.get(app, f.key, f.value, f.value, SIDE_COUNT_CAP) as number,
      });
    });
    // CROSS JOIN keeps this order: the smallest side is scanned, the others probed by root id.
    sides.sort((a, b) => a.size - b.size);
    const [driver, ...probes] = sides as [Side, ...Side[]];
    const params: unknown[] = [];
    let sql = `SELECT p.value AS value, count(*) AS users FROM ${driver.table} ${driver.alias}`;
    for (const s of probes) {
      sql += ` CROSS JOIN ${s.table} ${s.alias} ON ${s.alias}.app_id = ${driver.alias}.app_id AND ${s.alias}.root_id = ${driver.alias}.root_id AND ${s.conds}`;
      params.push(...s.params);
    }
    sql += ` WHERE ${driver.alias}.app_id = ? AND ${driver.conds} GROUP BY p.value ORDER BY users DESC, p.value LIMIT ?`;
    params.push(app, ...driver.params, limit);
    return toRows(db.prepare(sql).all(...params) as Row[]);
  };

  return {
    async breakdown(app: string, query: BreakdownQuery): Promise<BreakdownRow[]> {
      const limit = query.limit ?? 50;
      if (query.filters?.length) return join(app, query, limit);
      const name = query.event ?? '';
      let state = (q.pairState.get(app, query.property, name) as string | undefined) ?? (await register(app, query.property, name));
      if (state === 'on' && (q.totalValuesUpTo.get(app, name, query.property, MAX_TOTAL_VALUES + 1) as number) > MAX_TOTAL_VALUES)
        state = await switchOff(app, query.property, name);
      if (state === 'on') return toRows(q.totals.all(app, name, query.property, limit) as Row[]);
      return join(app, query, limit);
    },
  };
}
