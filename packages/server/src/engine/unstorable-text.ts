/**
 * Text the collector cannot store the same way on every storage: U+0000 (NUL), which PostgreSQL's text
 * cannot hold, and lone UTF-16 surrogates, which are not Unicode (SQLite stored them as invalid UTF-8,
 * PostgreSQL as U+FFFD, so two distinct identities could become one). A message with either is refused
 * on every storage alike; a 500 on one backend would block the sender's queue for good, since clients
 * retry server errors. Property values are checked too: one rule is easier to state than a list of fields.
 */
export function hasUnstorableText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return unstorable(value);
  if (value === null || typeof value !== 'object' || depth > 16) return false;
  if (Array.isArray(value)) return value.some((v) => hasUnstorableText(v, depth + 1));
  return Object.entries(value).some(([k, v]) => unstorable(k) || hasUnstorableText(v, depth + 1));
}

// String.prototype.isWellFormed is in Node 20 but not in TypeScript's ES2022 library.
const wellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();
const unstorable = (s: string) => s.includes('\u0000') || !wellFormed(s);

/** A refused input's text for a warning row, made storable: NULs and lone surrogates become U+FFFD. */
export function storable(text: string): string {
  return (text.replaceAll('\u0000', '\uFFFD') as string & { toWellFormed(): string }).toWellFormed();
}
