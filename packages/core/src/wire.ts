import { normalizeIdentity } from './identity.js';
import { isUserId } from './ids.js';
import type { Reason } from './outcome.js';
import {
  type KeyRefusal,
  MAX_CLIENT_EVENT_NAME,
  type Properties,
  propertiesReason,
  validateEventName,
  validateProperties,
} from './properties.js';
import { parseTime, timeAcceptable } from './time.js';

/**
 * The browser ingestion wire format (docs/contracts.md): a batch envelope of messages, each with a
 * client-made id so that a retried batch is stored once.
 */
export type MessageType = 'pageview' | 'track' | 'identify' | 'user_properties';

interface Base {
  id: string;
  user_id: string;
  time: string;
}
export interface PageviewMessage extends Base {
  type: 'pageview';
  session_id: string;
  url: string;
  referrer?: string;
}
export interface TrackMessage extends Base {
  type: 'track';
  session_id: string;
  event: string;
  properties?: Record<string, unknown>;
}
export interface IdentifyMessage extends Base {
  type: 'identify';
  session_id: string;
  identity: unknown;
  signature?: string;
}
export interface UserPropertiesMessage extends Base {
  type: 'user_properties';
  properties: unknown;
}
export type Message = PageviewMessage | TrackMessage | IdentifyMessage | UserPropertiesMessage;

export interface Batch {
  app_id: string;
  sent_at?: string;
  messages: Message[];
}

/** `partial`: applied without the refused keys listed in `refused_keys`; the call counts as refused (R10). */
export type ResultStatus = 'accepted' | 'duplicate' | 'partial' | 'refused';
export interface MessageResult {
  id: string | null;
  status: ResultStatus;
  reason?: Reason;
  refused_keys?: KeyRefusal[];
}

export const MAX_BATCH_MESSAGES = 500;
export const MAX_URL_LENGTH = 2048;
export const MESSAGE_ID = /^[A-Za-z0-9_-]{8,64}$/;
export const APP_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A message that passed every rule; what the collector stores. */
export type CheckedMessage =
  | { type: 'pageview'; id: string; userId: string; sessionId: string; time: number; url: string; referrer: string | null }
  | { type: 'track'; id: string; userId: string; sessionId: string; time: number; event: string; properties: Properties }
  | { type: 'identify'; id: string; userId: string; sessionId: string; time: number; identity: string; signature: string | null }
  | { type: 'user_properties'; id: string; userId: string; time: number; properties: Properties };

export type CheckResult =
  | { ok: true; message: CheckedMessage; refusedKeys: KeyRefusal[] }
  | { ok: false; id: string | null; reason: Reason; refusedKeys?: KeyRefusal[] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * R16: the collector re-checks every rule on every message. Structural problems are
 * `invalid_message`; times outside the accepted range `invalid_timestamp`; the rest are the rules'
 * own reasons. A properties message with some bad keys is accepted for its good keys and reports
 * the refused ones (the call then counts as refused, as R10 says).
 */
export function checkMessage(raw: unknown, now: number, skewMs = 0): CheckResult {
  if (!isRecord(raw)) return { ok: false, id: null, reason: 'invalid_message' };
  const id = typeof raw.id === 'string' && MESSAGE_ID.test(raw.id) ? raw.id : null;
  if (!id) return { ok: false, id: null, reason: 'invalid_message' };
  const fail = (reason: Reason): CheckResult => ({ ok: false, id, reason });
  if (!isUserId(raw.user_id)) return fail('invalid_message');
  const userId = raw.user_id;
  const parsed = parseTime(raw.time);
  if (parsed === null) return fail('invalid_timestamp');
  const time = parsed + skewMs;
  if (!timeAcceptable(time, now)) return fail('invalid_timestamp');
  const needsSession = raw.type !== 'user_properties';
  if (needsSession && !isUserId(raw.session_id)) return fail('invalid_message');
  const sessionId = raw.session_id as string;

  switch (raw.type) {
    case 'pageview': {
      if (typeof raw.url !== 'string' || raw.url.length > MAX_URL_LENGTH) return fail('invalid_message');
      const referrer = raw.referrer;
      if (referrer !== undefined && referrer !== null && (typeof referrer !== 'string' || referrer.length > MAX_URL_LENGTH))
        return fail('invalid_message');
      return {
        ok: true,
        refusedKeys: [],
        message: { type: 'pageview', id, userId, sessionId, time, url: raw.url, referrer: referrer ? String(referrer) : null },
      };
    }
    case 'track': {
      const bad = validateEventName(raw.event, MAX_CLIENT_EVENT_NAME);
      if (bad) return fail(bad);
      const props = validateProperties(raw.properties);
      if (props.reason) return fail(props.reason);
      return {
        ok: true,
        refusedKeys: props.refused,
        message: { type: 'track', id, userId, sessionId, time, event: raw.event as string, properties: props.properties },
      };
    }
    case 'identify': {
      const identity = normalizeIdentity(raw.identity);
      if (!identity.ok) return fail(identity.reason);
      const sig = raw.signature;
      if (sig !== undefined && sig !== null && (typeof sig !== 'string' || sig.length > 256)) return fail('invalid_message');
      return {
        ok: true,
        refusedKeys: [],
        message: { type: 'identify', id, userId, sessionId, time, identity: identity.identity, signature: sig ? String(sig) : null },
      };
    }
    case 'user_properties': {
      const props = validateProperties(raw.properties, { fillEmail: true });
      if (props.reason) return fail(props.reason);
      if (Object.keys(props.properties).length === 0 && props.refused.length > 0)
        return { ok: false, id, reason: propertiesReason(props) as Reason, refusedKeys: props.refused };
      return {
        ok: true,
        refusedKeys: props.refused,
        message: { type: 'user_properties', id, userId, time, properties: props.properties },
      };
    }
    default:
      return fail('invalid_message');
  }
}
