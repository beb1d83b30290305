/**
 * The triggers that keep breakdown_totals exact (decision 0008). Each one handles a single-row change
 * of user_event_counts or user_props against the current state of the other table, so any sequence of
 * changes (ingest, merges folding summaries, rebuilds after an unmerge, deletions) keeps
 * totals(N, key, value) = the number of roots that did N and hold key = value now.
 */
const ADD_TO_TOTALS = 'INSERT INTO breakdown_totals (app_id, name, key, value, users)';
const ON_TOTAL = 'ON CONFLICT (app_id, name, key, value) DO UPDATE SET users = users + excluded.users;';

/**
 * A row of user_event_counts (root R did event N) appears or goes: every registered pair (key, N)
 * gains or loses R under R's current value of key.
 */
export function countsTrigger(what: string, when: string, rows: [string, number][], only?: string): string {
  const body = rows
    .map(
      ([r, delta]) => `${ADD_TO_TOTALS}
      SELECT ${r}.app_id, ${r}.name, p.key, p.value, ${delta}
      FROM breakdown_pairs t JOIN user_props p ON p.app_id = ${r}.app_id AND p.root_id = ${r}.root_id AND p.key = t.key
      WHERE t.app_id = ${r}.app_id AND t.name = ${r}.name AND t.state = 'on'
      ${ON_TOTAL}`,
    )
    .join('\n');
  return `CREATE TRIGGER breakdown_counts_${what} ${when} ON user_event_counts ${only ? `WHEN ${only}` : ''} BEGIN ${body} END;`;
}

/**
 * A current property (R, key, value) appears, changes or goes: every registered pair (key, N) where
 * R did N (or N is '', all users) moves R between values.
 */
export function propsTrigger(what: string, when: string, rows: [string, number][], only?: string): string {
  const body = rows
    .map(
      ([r, delta]) => `${ADD_TO_TOTALS}
      SELECT ${r}.app_id, t.name, ${r}.key, ${r}.value, ${delta}
      FROM breakdown_pairs t
      WHERE t.app_id = ${r}.app_id AND t.key = ${r}.key AND t.state = 'on' AND (t.name = '' OR EXISTS
        (SELECT 1 FROM user_event_counts c WHERE c.app_id = ${r}.app_id AND c.root_id = ${r}.root_id AND c.name = t.name))
      ${ON_TOTAL}`,
    )
    .join('\n');
  return `CREATE TRIGGER breakdown_props_${what} ${when} ON user_props ${only ? `WHEN ${only}` : ''} BEGIN ${body} END;`;
}
