import { randomInt } from 'node:crypto';
import {
  type CheckedMessage,
  checkMessage,
  decideIdentify,
  describePageview,
  isUserId,
  type KeyRefusal,
  MAX_SERVER_EVENT_NAME,
  MERGE_WINDOW_MS,
  MESSAGE_ID,
  type MessageResult,
  normalizeIdentity,
  type Properties,
  parseTime,
  propertiesReason,
  type Reason,
  timeAcceptable,
  validateEventName,
  validateProperties,
  winningWrite,
} from '@idem/core';
import type { Clock } from '../clock.js';
import type { Storage, Tx, UserRow } from '../storage/types.js';
import { hasUnstorableText, storable } from './unstorable-text.js';
import { describeUserAgent } from './user-agent.js';

export interface IngestContext {
  userAgent?: string;
  /** The client's clock when it sent the batch, for skew correction. */
  sentAt?: string;
  /** Set for apps that require signed identify: checks a message's signature for its identity. */
  verifyIdentify?: (identity: string, signature: string | null) => boolean;
}

/** The outcome of one server-side item. */
export interface ItemResult {
  status: 'accepted' | 'duplicate' | 'partial' | 'refused';
  reason?: Reason;
  /** The field a refusal is about, when it is about one (for the error message). */
  field?: string;
  refused_keys?: KeyRefusal[];
  user_id?: string;
}

export const PAGEVIEW_EVENT = 'Pageview';

/** Skew corrections beyond this are not trusted (a broken client clock); times are then taken as sent. */
const MAX_SKEW_MS = 24 * 60 * 60 * 1000;
/**
 * Differences below this are network transit and queueing, not a wrong clock: correcting them would
 * shift each batch by its own latency and could swap the order of events sent in separate batches.
 */
const MIN_SKEW_MS = 60 * 1000;

/** A server-created user's id: random like a client's (R1), from the server's cryptographic source. */
function newUserId(): string {
  return String(randomInt(0, 2 ** 47) * 64 + randomInt(0, 64));
}

/**
 * The identity graph's write side: every rule comes from @idem/core, this applies its decisions to
 * storage. One transaction per batch or server call; a refusal only ever records a warning.
 */
export class Engine {
  constructor(
    readonly storage: Storage,
    readonly clock: Clock,
  ) {}

  /** Browser ingestion: one result per message, in order. */
  async ingest(app: string, messages: unknown[], ctx: IngestContext = {}): Promise<MessageResult[]> {
    const now = this.clock.now();
    const sent = parseTime(ctx.sentAt);
    const gap = sent === null ? 0 : Math.abs(now - sent);
    const skew = sent !== null && gap >= MIN_SKEW_MS && gap < MAX_SKEW_MS ? now - sent : 0;
    return this.storage.transaction(async (tx) => {
      const results: MessageResult[] = [];
      for (const raw of messages) {
        const checked = hasUnstorableText(raw)
          ? { ok: false as const, id: nulFreeId(raw), reason: 'invalid_message' as const }
          : checkMessage(raw, now, skew);
        if (!checked.ok) {
          await this.warn(tx, app, {
            messageId: checked.id,
            userId: userIdOf(raw),
            identity: null,
            reason: checked.reason,
            detail: `${typeOf(raw)} refused`,
            time: now,
          });
          results.push({
            id: checked.id,
            status: 'refused',
            reason: checked.reason,
            ...(checked.refusedKeys ? { refused_keys: checked.refusedKeys } : {}),
          });
          continue;
        }
        const m = checked.message;
        const outcome = await this.apply(tx, app, m, ctx);
        if (checked.refusedKeys.length > 0 && outcome.status === 'accepted') {
          await this.warnKeys(tx, app, m.id, m.userId, checked.refusedKeys, m.time);
          results.push({ id: m.id, status: 'partial', reason: checked.refusedKeys[0]?.reason, refused_keys: checked.refusedKeys });
        } else results.push({ id: m.id, ...outcome });
      }
      return results;
    });
  }

  private async apply(tx: Tx, app: string, m: CheckedMessage, ctx: IngestContext): Promise<Omit<MessageResult, 'id'>> {
    // A repeat (a retry, or a message reusing another's id) changes nothing, not even a new user id.
    if ((await tx.messageSeen(app, m.id)) !== null) return { status: 'duplicate' };
    switch (m.type) {
      case 'pageview':
      case 'track': {
        const user = await this.ensureUser(tx, app, m.userId, m.time);
        const name = m.type === 'track' ? m.event : PAGEVIEW_EVENT;
        const props = m.type === 'track' ? m.properties : {};
        const url = m.type === 'pageview' ? m.url : null;
        const fresh = await tx.insertEvent(app, user.rootId, {
          id: m.id,
          userId: m.userId,
          sessionId: m.sessionId,
          type: m.type,
          name,
          properties: props,
          time: m.time,
          url,
        });
        if (!fresh) return { status: 'duplicate' };
        await tx.touchSeen(app, user.rootId, m.time);
        if (m.type === 'pageview') await this.captureInitial(tx, app, user, m.url, m.referrer, ctx.userAgent, m.time);
        return { status: 'accepted' };
      }
      case 'user_properties': {
        if (!(await tx.claimMessageId(app, m.id))) return { status: 'duplicate' };
        const user = await this.ensureUser(tx, app, m.userId, m.time);
        await tx.touchSeen(app, user.rootId, m.time);
        await this.applyProperties(tx, app, user, m.properties, m.time);
        return { status: 'accepted' };
      }
      case 'identify': {
        if (!(await tx.claimMessageId(app, m.id))) return { status: 'duplicate' };
        if (ctx.verifyIdentify && !ctx.verifyIdentify(m.identity, m.signature)) {
          const detail = `identify refused: ${m.signature ? 'the signature does not match' : 'this app requires a signed identify'}`;
          await this.warn(tx, app, { messageId: m.id, userId: m.userId, identity: m.identity, reason: 'unverified', detail, time: m.time });
          return { status: 'refused', reason: 'unverified' };
        }
        const reason = await this.identify(tx, app, m.userId, m.identity, m.time, m.id);
        return reason ? { status: 'refused', reason } : { status: 'accepted' };
      }
    }
  }

  /**
   * R5, R6, R9, R14: attaches an identity to a user, or merges the user into the identity's owner.
   * Returns the refusal reason, having recorded the warning, or null.
   */
  private async identify(
    tx: Tx,
    app: string,
    userId: string,
    identity: string,
    time: number,
    messageId: string | null,
  ): Promise<Reason | null> {
    // A refused identify changes nothing: a user id seen for the first time is only created once the
    // identify is known to be applied (a merge_cap refusal must not leave an empty user behind).
    await this.storage.lockUser?.(tx, app, userId);
    const existing = await tx.getUser(app, userId);
    if (existing && existing.rootId !== userId) await this.storage.lockUser?.(tx, app, existing.rootId);
    const user: UserRow = existing ?? { userId, rootId: userId, identity: null, serverCreated: false, firstSeen: null, lastSeen: null };
    await this.storage.lockIdentity(tx, app, identity);
    const root = user.rootId === user.userId ? user : ((await tx.getUser(app, user.rootId)) ?? user);
    const owner = await tx.findByIdentity(app, identity);
    // Both sides of `time`: messages arrive out of time order (queued devices, concurrent batches), and
    // an attachment later than this one shares a 30-day window with it as much as an earlier one does.
    const attachedInWindow = await tx.countAttachments(app, identity, time - MERGE_WINDOW_MS, time + MERGE_WINDOW_MS - 1);
    const decision = decideIdentify(identity, {
      currentIdentity: root.identity,
      owner: owner?.userId ?? null,
      root: root.userId,
      attachedInWindow,
    });
    if (decision.action !== 'refuse') {
      if (!existing) await tx.createUser(app, { userId, identity: null, serverCreated: false, time });
      await tx.touchSeen(app, root.userId, time);
    }
    switch (decision.action) {
      case 'noop':
        return null;
      case 'claim':
        await tx.setIdentity(app, root.userId, identity);
        await tx.addAttachment(app, identity, user.userId, time);
        return null;
      case 'merge':
        await this.storage.lockUser?.(tx, app, decision.into);
        await tx.linkMerge(app, root.userId, decision.into, time, messageId);
        await tx.foldSummaries(app, root.userId, decision.into, winningWrite);
        await tx.addAttachment(app, identity, user.userId, time);
        return null;
      case 'refuse': {
        const detail =
          decision.reason === 'merge_cap'
            ? `identify refused: identity already has ${attachedInWindow} user ids in 30 days; user ${user.userId} stays ${root.identity ?? 'anonymous'}`
            : `identify refused: user ${user.userId} already has identity ${root.identity}`;
        await this.warn(tx, app, { messageId, userId: user.userId, identity, reason: decision.reason, detail, time });
        return decision.reason;
      }
    }
  }

  private async ensureUser(tx: Tx, app: string, userId: string, time: number): Promise<UserRow> {
    // Several collectors on one database: the user id, then its root (an identified root is never
    // merged again, so it cannot change after this read), are locked before their rows are used.
    await this.storage.lockUser?.(tx, app, userId);
    const existing = await tx.getUser(app, userId);
    if (existing) {
      if (existing.rootId !== userId) await this.storage.lockUser?.(tx, app, existing.rootId);
      return existing;
    }
    await tx.createUser(app, { userId, identity: null, serverCreated: false, time });
    return { userId, rootId: userId, identity: null, serverCreated: false, firstSeen: null, lastSeen: null };
  }

  /** The user that holds an identity, created as a server-side user (R12, R13) when none does. */
  private async ownerOf(tx: Tx, app: string, identity: string, time: number): Promise<UserRow> {
    await this.storage.lockIdentity(tx, app, identity);
    const owner = await tx.findByIdentity(app, identity);
    if (owner) {
      await this.storage.lockUser?.(tx, app, owner.userId);
      // Read again under the user's lock: a deletion that held it may have removed the owner meanwhile.
      const still = await tx.findByIdentity(app, identity);
      if (still?.userId === owner.userId) return still;
      if (still) return this.ownerOf(tx, app, identity, time);
    }
    const userId = newUserId();
    await tx.createUser(app, { userId, identity, serverCreated: true, time });
    return { userId, rootId: userId, identity, serverCreated: true, firstSeen: time, lastSeen: time };
  }

  /** R11: every write is logged; the current value is the winning write across merged users. */
  private async applyProperties(tx: Tx, app: string, user: UserRow, props: Properties, time: number): Promise<void> {
    for (const [key, value] of Object.entries(props)) {
      const seq = await tx.writeProperty(app, user.userId, key, value, time);
      const incoming = { key, value, time, seq };
      const current = await tx.getCurrentProperty(app, user.rootId, key);
      const win = current ? winningWrite(key, current, incoming) : incoming;
      if (win === incoming) await tx.setCurrentProperty(app, user.rootId, incoming);
    }
  }

  /** R17: only written while no earlier pageview gave this user its Initial properties. */
  private async captureInitial(
    tx: Tx,
    app: string,
    user: UserRow,
    url: string,
    referrer: string | null,
    ua: string | undefined,
    time: number,
  ) {
    const current = await tx.getCurrentProperty(app, user.rootId, 'Initial Landing Page');
    if (current && current.time <= time) return;
    await this.applyProperties(tx, app, user, { ...describePageview(url, referrer), ...describeUserAgent(ua) }, time);
  }

  private async warn(tx: Tx, app: string, w: Parameters<Tx['addWarning']>[1]) {
    await tx.addWarning(app, w);
  }

  private async warnKeys(tx: Tx, app: string, messageId: string | null, userId: string | null, keys: KeyRefusal[], time: number) {
    for (const k of keys)
      await tx.addWarning(app, {
        messageId,
        userId,
        identity: null,
        reason: k.reason,
        detail: `property ${JSON.stringify(k.key.slice(0, 100))} dropped`,
        time,
      });
  }

  /** Message time for a server-side call: `timestamp` when given (checked), else the collector's now. */
  private serverTime(timestamp: unknown): number | Reason {
    const now = this.clock.now();
    if (timestamp === undefined || timestamp === null) return now;
    const t = parseTime(timestamp);
    return t !== null && timeAcceptable(t, now) ? t : 'invalid_timestamp';
  }

  /** POST /api/track, one item (R13). */
  async serverTrack(tx: Tx, app: string, item: Record<string, unknown>): Promise<ItemResult> {
    const time = this.serverTime(item.timestamp);
    const refuse = (reason: Reason, field?: string) => this.refuseItem(tx, app, reason, 'track', item, field);
    if (hasUnstorableText(item)) return refuse('invalid_message');
    if (typeof time === 'string') return refuse(time, 'timestamp');
    const nameError = validateEventName(item.event, MAX_SERVER_EVENT_NAME);
    if (nameError) return refuse(nameError, 'event');
    const props = validateProperties(item.properties);
    if (props.reason) return refuse(props.reason, 'properties');
    const key = item.idempotency_key;
    if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 255))
      return refuse('invalid_message', 'idempotency_key');
    // A repeated key is a retry: answered before the identity is resolved, so it creates no user.
    const seen = typeof key === 'string' ? await tx.messageSeen(app, `k:${key}`) : null;
    if (seen !== null)
      return { status: 'duplicate', ...(typeof seen === 'string' ? { user_id: (await tx.getUser(app, seen))?.rootId ?? seen } : {}) };
    let user: UserRow;
    if (item.identity !== undefined && item.identity !== null) {
      const identity = normalizeIdentity(item.identity);
      if (!identity.ok) return refuse(identity.reason, 'identity');
      user = await this.ownerOf(tx, app, identity.identity, time);
    } else if (item.user_id !== undefined && item.user_id !== null) {
      if (!isUserId(item.user_id)) return refuse('invalid_type', 'user_id');
      user = await this.ensureUser(tx, app, item.user_id, time);
    } else return refuse('missing_identity', 'identity');
    const id = typeof key === 'string' ? `k:${key}` : `s:${newUserId()}${newUserId()}`;
    const fresh = await tx.insertEvent(app, user.rootId, {
      id,
      userId: user.userId,
      sessionId: null,
      type: 'track',
      name: item.event as string,
      properties: props.properties,
      time,
      url: null,
    });
    if (!fresh) return { status: 'duplicate', user_id: user.rootId };
    await tx.touchSeen(app, user.rootId, time);
    return this.partial(tx, app, props.refused, user, time);
  }

  /** POST /api/add_user_properties, one item (R12). */
  async serverAddUserProperties(tx: Tx, app: string, item: Record<string, unknown>): Promise<ItemResult> {
    const time = this.serverTime(item.timestamp);
    const refuse = (reason: Reason, field?: string) => this.refuseItem(tx, app, reason, 'add_user_properties', item, field);
    if (hasUnstorableText(item)) return refuse('invalid_message');
    if (typeof time === 'string') return refuse(time, 'timestamp');
    if (item.identity === undefined || item.identity === null) return refuse('missing_identity', 'identity');
    const identity = normalizeIdentity(item.identity);
    if (!identity.ok) return refuse(identity.reason, 'identity');
    const props = validateProperties(item.properties, { fillEmail: true });
    if (props.reason) return refuse(props.reason, 'properties');
    if (Object.keys(props.properties).length === 0 && props.refused.length > 0)
      return refuse(propertiesReason(props) as Reason, 'properties');
    const user = await this.ownerOf(tx, app, identity.identity, time);
    await this.applyProperties(tx, app, user, props.properties, time);
    return this.partial(tx, app, props.refused, user, time);
  }

  /** POST /api/v1/identify (R14): a device's user id takes an identity, following R5 and R9. */
  async serverIdentify(tx: Tx, app: string, item: Record<string, unknown>): Promise<ItemResult> {
    const time = this.serverTime(item.timestamp);
    const refuse = (reason: Reason, field?: string) => this.refuseItem(tx, app, reason, 'identify', item, field);
    if (hasUnstorableText(item)) return refuse('invalid_message');
    if (typeof time === 'string') return refuse(time, 'timestamp');
    if (item.identity === undefined || item.identity === null) return refuse('missing_identity', 'identity');
    const identity = normalizeIdentity(item.identity);
    if (!identity.ok) return refuse(identity.reason, 'identity');
    if (!isUserId(item.user_id)) return refuse('invalid_type', 'user_id');
    const reason = await this.identify(tx, app, item.user_id, identity.identity, time, null);
    if (reason) return { status: 'refused', reason };
    return { status: 'accepted', user_id: (await tx.getUser(app, item.user_id))?.rootId ?? item.user_id };
  }

  private async partial(tx: Tx, app: string, refusedKeys: KeyRefusal[], user: UserRow, time: number): Promise<ItemResult> {
    if (refusedKeys.length === 0) return { status: 'accepted', user_id: user.rootId };
    await this.warnKeys(tx, app, null, user.userId, refusedKeys, time);
    return { status: 'partial', reason: refusedKeys[0]?.reason, refused_keys: refusedKeys, user_id: user.rootId };
  }

  private async refuseItem(
    tx: Tx,
    app: string,
    reason: Reason,
    call: string,
    item: Record<string, unknown>,
    field?: string,
  ): Promise<ItemResult> {
    const identity = typeof item.identity === 'string' ? storable(item.identity.slice(0, 255)) : null;
    const userId = typeof item.user_id === 'string' ? item.user_id.slice(0, 32) : null;
    await tx.addWarning(app, { messageId: null, userId, identity, reason, detail: `server-side ${call} refused`, time: this.clock.now() });
    return { status: 'refused', reason, ...(field ? { field } : {}) };
  }
}

/** The id of a message refused for a NUL, when the id itself is a well-formed one (else null). */
function nulFreeId(raw: unknown): string | null {
  const v = (raw as { id?: unknown } | null)?.id;
  return typeof v === 'string' && MESSAGE_ID.test(v) ? v : null;
}

function userIdOf(raw: unknown): string | null {
  const v = (raw as { user_id?: unknown } | null)?.user_id;
  return typeof v === 'string' && /^\d{1,16}$/.test(v) ? v : null;
}

function typeOf(raw: unknown): string {
  const v = (raw as { type?: unknown } | null)?.type;
  return typeof v === 'string' ? storable(v.slice(0, 40)) : 'message';
}
