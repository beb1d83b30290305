import type { ActualUser, Expect, ExpectedUser, ReplayResult } from './scenario.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function userMatches(e: ExpectedUser, a: ActualUser): boolean {
  if (e.identity !== a.identity) return false;
  if (e.events && !same(e.events, a.events)) return false;
  if (e.sessions !== undefined && e.sessions !== a.sessions) return false;
  if (e.properties) for (const [k, v] of Object.entries(e.properties)) if (!same(a.properties[k], v)) return false;
  return true;
}

/** Each expected user must match exactly one actual user (a perfect matching), and the counts agree. */
function matchUsers(expected: ExpectedUser[], actual: ActualUser[]): boolean {
  if (expected.length !== actual.length) return false;
  const used = new Set<number>();
  const assign = (i: number): boolean => {
    if (i === expected.length) return true;
    for (let j = 0; j < actual.length; j++) {
      if (used.has(j) || !userMatches(expected[i] as ExpectedUser, actual[j] as ActualUser)) continue;
      used.add(j);
      if (assign(i + 1)) return true;
      used.delete(j);
    }
    return false;
  };
  return assign(0);
}

const brief = (u: ActualUser) => ({ identity: u.identity, events: u.events, sessions: u.sessions, properties: u.properties });

export function compare(expect: Expect, result: Omit<ReplayResult, 'pass' | 'differences'>): string[] {
  const diffs: string[] = [];
  if (expect.users && !matchUsers(expect.users, result.users)) {
    diffs.push(`users differ:\n  expected ${JSON.stringify(expect.users)}\n  actual   ${JSON.stringify(result.users.map(brief))}`);
  }
  const wanted = [...(expect.rejected ?? [])].sort((a, b) => a.step - b.step);
  if (!same(wanted, result.rejected)) {
    diffs.push(`refusals differ:\n  expected ${JSON.stringify(wanted)}\n  actual   ${JSON.stringify(result.rejected)}`);
  }
  const answer = (step: number) => result.lookups.find((l) => l.step === step);
  for (const l of expect.lookups ?? []) {
    const got = answer(l.step);
    if (!got) {
      diffs.push(`lookup at step ${l.step}: no answer recorded`);
      continue;
    }
    if ('value' in l && !same(got.value, l.value))
      diffs.push(`lookup at step ${l.step}: expected ${JSON.stringify(l.value)}, got ${JSON.stringify(got.value)}`);
    if ('sameAs' in l && !same(got.value, answer(l.sameAs)?.value))
      diffs.push(
        `lookup at step ${l.step}: expected the same as step ${l.sameAs} (${JSON.stringify(answer(l.sameAs)?.value)}), got ${JSON.stringify(got.value)}`,
      );
    if ('differsFrom' in l && same(got.value, answer(l.differsFrom)?.value))
      diffs.push(
        `lookup at step ${l.step}: expected a value other than step ${l.differsFrom}'s, got the same ${JSON.stringify(got.value)}`,
      );
    if ('matches' in l) {
      const ok = typeof got.value === 'string' && new RegExp(l.matches).test(got.value) && Number(got.value) <= 2 ** 53 - 1;
      if (!ok) diffs.push(`lookup at step ${l.step}: ${JSON.stringify(got.value)} does not match /${l.matches}/ (or exceeds 2^53-1)`);
    }
  }
  return diffs;
}
