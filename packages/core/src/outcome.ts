/**
 * Every rule in Idem answers with an Outcome instead of throwing, so the SDK, the collector and
 * `idem replay` can all report *why* a call was refused with the same reason codes.
 */
export type Reason =
  | 'blocklisted'
  | 'empty'
  | 'too_long'
  | 'invalid_type'
  | 'reserved_key'
  | 'missing_identity'
  | 'merge_cap'
  | 'identity_conflict'
  | 'unverified'
  | 'invalid_timestamp'
  | 'invalid_message';

export const REASONS: readonly Reason[] = [
  'blocklisted',
  'empty',
  'too_long',
  'invalid_type',
  'reserved_key',
  'missing_identity',
  'merge_cap',
  'identity_conflict',
  'unverified',
  'invalid_timestamp',
  'invalid_message',
];

export type Outcome = { ok: true } | { ok: false; reason: Reason };

export const OK: Outcome = /* @__PURE__ */ Object.freeze({ ok: true }) as Outcome;

export function refused(reason: Reason): Outcome {
  return { ok: false, reason };
}
