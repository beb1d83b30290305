import { useCallback, useEffect, useState } from 'react';

/** Fake accounts: logging in needs no password, only a pick. */
export const ACCOUNTS = [
  { email: 'alice@example.com', name: 'Alice' },
  { email: 'bob@example.com', name: 'Bob' },
  { email: 'carol@example.com', name: 'Carol' },
] as const;
export type Account = (typeof ACCOUNTS)[number];

export const PLANS = ['Free', 'Pro', 'Enterprise'] as const;
export type Plan = (typeof PLANS)[number];

const SESSION = 'demo:session';
const planKey = (email: string) => `demo:plan:${email}`;

const read = (key: string) => {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
};
const write = (key: string, value: string | null) => {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // private mode: the session lasts as long as the page
  }
};

export interface Session {
  user: Account | null;
  /** The plan this account picked on this device, if any (a real app would load it from its server). */
  plan: Plan | null;
  logIn(email: string): void;
  logOut(): void;
  choosePlan(plan: Plan): void;
}

/** The app's own login state, kept in localStorage so it survives reloads, like a session cookie would. */
export function useSession(): Session {
  const [email, setEmail] = useState(() => read(SESSION));
  const user = ACCOUNTS.find((a) => a.email === email) ?? null;
  const [, setSaved] = useState(0); // re-renders after a plan is saved
  const saved = user ? read(planKey(user.email)) : null;
  const plan = PLANS.find((p) => p === saved) ?? null;
  return {
    user,
    plan,
    logIn: useCallback((next: string) => {
      write(SESSION, next);
      setEmail(next);
    }, []),
    logOut: useCallback(() => {
      write(SESSION, null);
      setEmail(null);
    }, []),
    choosePlan: useCallback(
      (next: Plan) => {
        if (!user) return;
        write(planKey(user.email), next);
        setSaved((n) => n + 1);
      },
      [user],
    ),
  };
}

/** Hash routing (`#/pricing`): works on any static server, and the SDK counts each route as a page. */
const currentRoute = () => location.hash.replace(/^#/, '') || '/';
export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export const go = (route: string) => {
  location.hash = route;
};
