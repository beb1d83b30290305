/**
 * U+0000 (NUL) in a string the collector would store. PostgreSQL's text cannot hold it, so a message
 * with one is refused on every storage alike (a 500 on one backend would block the sender's queue for
 * good, since clients retry server errors). Property values are stored as JSON text, where NUL is
 * escaped, but a message is refused as a whole: one rule is easier to state than a list of fields.
 */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 16) return false;
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v, depth + 1));
}

/** A refused input's text for a warning row: NULs made visible (U+FFFD) so the warning itself stores. */
export function storable(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}
