/** The scenario file format of scenarios/README.md. */
export interface Scenario {
  name: string;
  rule?: string;
  steps: Step[];
  expect: Expect;
}

export type Step = Record<string, unknown> & { call: string; device?: string; server?: boolean };

export interface ExpectedUser {
  identity: string | null;
  events?: string[];
  properties?: Record<string, unknown>;
  sessions?: number;
}

export interface Expect {
  users?: ExpectedUser[];
  rejected?: { step: number; reason: string }[];
  lookups?: ({ step: number } & ({ value: unknown } | { sameAs: number } | { differsFrom: number } | { matches: string }))[];
}

export interface ActualUser {
  userId: string;
  identity: string | null;
  properties: Record<string, unknown>;
  events: string[];
  sessions: number;
}

export interface ReplayResult {
  name: string;
  pass: boolean;
  users: ActualUser[];
  rejected: { step: number; reason: string }[];
  lookups: { step: number; value: unknown }[];
  /** Readable differences between expected and actual; empty when it passes. */
  differences: string[];
}

export function parseScenario(text: string, file: string): Scenario {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const s = data as Scenario;
  if (
    !s ||
    typeof s !== 'object' ||
    typeof s.name !== 'string' ||
    !Array.isArray(s.steps) ||
    typeof s.expect !== 'object' ||
    s.expect === null
  )
    throw new Error(`${file}: expected {name, steps: [...], expect: {...}}`);
  s.steps.forEach((step, i) => {
    if (!step || typeof step !== 'object' || typeof step.call !== 'string') throw new Error(`${file}: step ${i} has no "call"`);
  });
  return s;
}
