import { INITIAL_KEYS } from './initial.js';
import type { Reason } from './outcome.js';
import type { PropertyValue } from './properties.js';

/** R9: at most 10 user ids attached to one identity in any rolling 30 days of message time. */
export const MERGE_CAP = 10;
export const MERGE_WINDOW_MS = 2_592_000_000; // 30 days; a literal, so that bundlers can drop it unused (see time.ts)

/** What the collector knows when an identify (client or server) arrives for a user. */
export interface IdentifyFacts {
  /** The identity of the user this user id belongs to now (after following merges), or null. */
  currentIdentity: string | null;
  /** The user (root user id) that holds the identity, or null when no user has it. */
  owner: string | null;
  /** The root user id this user id belongs to now. */
  root: string;
  /** Client user ids attached to the identity with a time in (time - 30 days, time]. */
  attachedInWindow: number;
}

export type IdentifyDecision =
  | { action: 'noop' }
  | { action: 'claim' }
  | { action: 'merge'; into: string }
  | { action: 'refuse'; reason: Reason };

/** R5, R6, R9, R14: what an identify of `identity` does to a user. */
export function decideIdentify(identity: string, facts: IdentifyFacts): IdentifyDecision {
  if (facts.currentIdentity === identity) return { action: 'noop' };
  // Two identified users are never merged, and an identity never changes (R6, R14).
  if (facts.currentIdentity !== null) return { action: 'refuse', reason: 'identity_conflict' };
  if (facts.attachedInWindow >= MERGE_CAP) return { action: 'refuse', reason: 'merge_cap' };
  if (facts.owner === null || facts.owner === facts.root) return { action: 'claim' };
  return { action: 'merge', into: facts.owner };
}

/** One stored write of a property: `seq` orders writes that share a message time (arrival order). */
export interface PropertyWrite {
  value: PropertyValue;
  time: number;
  seq: number;
}

/**
 * R11: which of two writes of the same key is the user's value. Last write wins by message time; the
 * Initial properties (R17) are the other way round: the earliest session's value wins.
 */
export function winningWrite<W extends PropertyWrite>(key: string, a: W, b: W): W {
  const later = b.time > a.time || (b.time === a.time && b.seq > a.seq) ? b : a;
  const earlier = later === a ? b : a;
  return INITIAL_KEYS.has(key) ? earlier : later;
}
