import { ref, watch } from 'vue';

/** The fake accounts: no passwords, this is a demo of what happens around a login. */
export const ACCOUNTS = [
  { email: 'alice@example.com', name: 'Alice' },
  { email: 'bob@example.com', name: 'Bob' },
  { email: 'carol@example.com', name: 'Carol' },
] as const;

export const PLANS = ['Free', 'Pro', 'Enterprise'] as const;
export type Plan = (typeof PLANS)[number];

// The app's own state, kept in localStorage so that a reload stays logged in (as a session cookie would).
const KEY = 'demo-vue:session';
const saved = (): { email: string | null; plan: Plan | null } => {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return {
      email: ACCOUNTS.some((a) => a.email === s.email) ? s.email : null,
      plan: PLANS.includes(s.plan) ? s.plan : null,
    };
  } catch {
    return { email: null, plan: null };
  }
};

const initial = saved();
/** The logged-in account's email, or null for a visitor. */
export const email = ref<string | null>(initial.email);
/** The plan picked on the Pricing page, by a visitor or an account. */
export const plan = ref<Plan | null>(initial.plan);

watch([email, plan], () => localStorage.setItem(KEY, JSON.stringify({ email: email.value, plan: plan.value })));

export const logIn = (account: string) => {
  email.value = account;
};

/** Logging out forgets the plan too: the next person on this device starts as a new visitor. */
export const logOut = () => {
  email.value = null;
  plan.value = null;
};
