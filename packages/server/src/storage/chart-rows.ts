/**
 * Chart rows as the API answers them: values by their text, the way filters compare them. The string
 * "1" and the number 1 are stored apart (JSON text) but are one bar, as they are one line and one filter.
 */
type StoredRow = Record<string, unknown>;

/** Sums rows whose value reads the same, most users first (ties by value), at most `limit` of them. */
export function rowsByLabel<T extends { value: string; users: number }>(rows: StoredRow[], limit = Number.POSITIVE_INFINITY): T[] {
  const merged = new Map<string, T>();
  for (const r of rows) {
    const value = String(JSON.parse(r.value as string));
    const bucket = r.bucket === undefined ? undefined : String(r.bucket);
    const key = `${bucket ?? ''}\u0000${value}`;
    const row = merged.get(key);
    if (row) row.users += Number(r.users);
    else merged.set(key, { ...(bucket === undefined ? {} : { bucket }), value, users: Number(r.users) } as unknown as T);
  }
  const byUsers = (a: T, b: T) => b.users - a.users || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
  const out = [...merged.values()];
  if (out[0] && 'bucket' in out[0]) {
    const bucketOf = (r: T) => (r as T & { bucket: string }).bucket;
    out.sort((a, b) => (bucketOf(a) < bucketOf(b) ? -1 : bucketOf(a) > bucketOf(b) ? 1 : byUsers(a, b)));
  } else out.sort(byUsers);
  return out.slice(0, limit);
}

/** Rows to ask the database for when `limit` merged rows are wanted: room for values that merge. */
export const fetchFor = (limit: number) => limit * 2 + 20;
