/**
 * The triggers that keep breakdown_totals exact (decision 0008). Each one handles a single-row change
 * of user_event_counts, user_props or users against the current state of the other tables, so any
 * sequence of changes (ingest, merges folding summaries, rebuilds after an unmerge, deletions) keeps
 *
 *   totals(N, key, day, value) = the roots that did N (every root when N is ''), hold key = value,
 *                                and were first seen on `day` (ALL_DAYS for a bar chart's pair).
 */

const DAY_MS = 86_400_000;
/** The day of a bar chart's totals: its pairs are not split by day. */
export const ALL_DAYS = -2;
/** The day of a root not seen yet (no first_seen) or without a users row. */
export const NO_DAY = -1;

/** The UTC day number of a root's first sighting, as the line chart buckets it. */
export const dayOf = (app: string, root: string) =>
  `coalesce((SELECT u.first_seen / ${DAY_MS} FROM users u WHERE u.app_id = ${app} AND u.user_id = ${root}), ${NO_DAY})`;
const dayFor = (app: string, root: string) => `CASE t.by_day WHEN 1 THEN ${dayOf(app, root)} ELSE ${ALL_DAYS} END`;

const ADD_TO_TOTALS = 'INSERT INTO breakdown_totals (app_id, name, key, day, value, users)';
const ON_TOTAL = 'ON CONFLICT (app_id, name, key, day, value) DO UPDATE SET users = users + excluded.users;';
const DID_EVENT = (app: string, root: string) =>
  `(t.name = '' OR EXISTS (SELECT 1 FROM user_event_counts c WHERE c.app_id = ${app} AND c.root_id = ${root} AND c.name = t.name))`;

type Change = [row: 'OLD' | 'NEW', delta: 1 | -1];

function trigger(name: string, when: string, table: string, only: string | undefined, statements: string[]): string {
  return `CREATE TRIGGER ${name} ${when} ON ${table} ${only ? `WHEN ${only}` : ''} BEGIN ${statements.join('\n')} END;`;
}

/**
 * A row of user_event_counts (root R did event N) appears or goes: every registered pair (key, N)
 * gains or loses R under R's current value of key.
 */
export function countsTrigger(what: string, when: string, changes: Change[], only?: string): string {
  const statements = changes.map(
    ([r, delta]) => `${ADD_TO_TOTALS}
      SELECT ${r}.app_id, ${r}.name, p.key, ${dayFor(`${r}.app_id`, `${r}.root_id`)}, p.value, ${delta}
      FROM breakdown_pairs t JOIN user_props p ON p.app_id = ${r}.app_id AND p.root_id = ${r}.root_id AND p.key = t.key
      WHERE t.app_id = ${r}.app_id AND t.name = ${r}.name AND t.state = 'on'
      ${ON_TOTAL}`,
  );
  return trigger(`breakdown_counts_${what}`, when, 'user_event_counts', only, statements);
}

/**
 * A current property (R, key, value) appears, changes or goes: every registered pair (key, N) where
 * R did N (or N is '', all users) moves R between values.
 */
export function propsTrigger(what: string, when: string, changes: Change[], only?: string): string {
  const statements = changes.map(
    ([r, delta]) => `${ADD_TO_TOTALS}
      SELECT ${r}.app_id, t.name, ${r}.key, ${dayFor(`${r}.app_id`, `${r}.root_id`)}, ${r}.value, ${delta}
      FROM breakdown_pairs t
      WHERE t.app_id = ${r}.app_id AND t.key = ${r}.key AND t.state = 'on' AND ${DID_EVENT(`${r}.app_id`, `${r}.root_id`)}
      ${ON_TOTAL}`,
  );
  return trigger(`breakdown_props_${what}`, when, 'user_props', only, statements);
}

/**
 * A user row appears, goes, or its first sighting moves to another day (a first event, a merge bringing
 * an earlier one): every by-day pair moves that root's properties between days. `day` is the row's
 * day before (OLD) or after (NEW) the change; a row that does not exist counts as NO_DAY.
 */
export function usersTrigger(what: string, when: string, changes: [day: string, row: 'OLD' | 'NEW', delta: 1 | -1][], only?: string) {
  const statements = changes.map(
    ([day, r, delta]) => `${ADD_TO_TOTALS}
      SELECT ${r}.app_id, t.name, p.key, ${day}, p.value, ${delta}
      FROM breakdown_pairs t JOIN user_props p ON p.app_id = ${r}.app_id AND p.root_id = ${r}.user_id AND p.key = t.key
      WHERE t.app_id = ${r}.app_id AND t.by_day = 1 AND t.state = 'on' AND ${DID_EVENT(`${r}.app_id`, `${r}.user_id`)}
      ${ON_TOTAL}`,
  );
  return trigger(`breakdown_users_${what}`, when, 'users', only, statements);
}

/** The day column of a users row (OLD or NEW) inside a users trigger. */
export const rowDay = (r: 'OLD' | 'NEW') => `coalesce(${r}.first_seen / ${DAY_MS}, ${NO_DAY})`;
