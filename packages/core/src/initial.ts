/** R17: the autocaptured user properties. Their earliest value wins instead of their latest (R11). */
export const INITIAL_KEYS: ReadonlySet<string> = new Set([
  'Initial Referrer',
  'Initial Referring Domain',
  'Initial Landing Page',
  'Initial UTM Source',
  'Initial UTM Medium',
  'Initial UTM Term',
  'Initial UTM Content',
  'Initial UTM Campaign',
  'Initial Marketing Channel',
  'Initial Browser',
  'Initial Device Type',
  'Initial Platform',
]);
