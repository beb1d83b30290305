/** The demo's fake accounts: sign in with one of these emails and the password "demo". */
export interface Account {
  id: string;
  email: string;
  name: string;
}

const ACCOUNTS: Account[] = [
  { id: 'alice@example.com', email: 'alice@example.com', name: 'Alice' },
  { id: 'bob@example.com', email: 'bob@example.com', name: 'Bob' },
];

export const SESSION_COOKIE = 'demo_session';
export const PLANS = ['Free', 'Pro', 'Enterprise'] as const;

export function findAccount(email: unknown): Account | null {
  if (typeof email !== 'string') return null;
  const wanted = email.trim().toLowerCase();
  return ACCOUNTS.find((a) => a.email === wanted) ?? null;
}
