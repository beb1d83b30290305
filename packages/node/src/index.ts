import { createHmac, randomUUID } from 'node:crypto';
import {
  identitySignaturePayload,
  type KeyRefusal,
  MAX_SERVER_EVENT_NAME,
  normalizeIdentity,
  type Outcome,
  propertiesReason,
  type Reason,
  validateEventName,
  validateProperties,
} from '@idem/core';

export interface IdemServerOptions {
  /** The collector's base URL, e.g. http://127.0.0.1:8787. */
  endpoint: string;
  appId: string;
  /** The server key (IDEM_SERVER_KEY). */
  serverKey: string;
  /** Attempts for 5xx, 429 and network errors, with exponential backoff and jitter. Default 4. */
  retries?: number;
  /** First backoff delay in ms. Default 200. */
  backoffMs?: number;
  /** Per-request timeout in ms. Default 10000. */
  timeoutMs?: number;
  /**
   * Send calls that fail the client-side checks anyway, so the collector refuses them itself
   * (used by `idem replay --raw-client`). Off by default.
   */
  sendRefused?: boolean;
  fetch?: typeof fetch;
}

export type Identity = string | number;

export interface TrackInput {
  identity?: Identity;
  userId?: string;
  event: string;
  properties?: Record<string, unknown>;
  timestamp?: Date | string;
  /** Made for you when left out, so a retried call is stored once (R13). */
  idempotencyKey?: string;
}

export interface UserPropertiesInput {
  identity: Identity;
  properties: Record<string, unknown>;
  timestamp?: Date | string;
}

/** The outcome of a call: core's Outcome, plus what the collector said. */
export type Result = Outcome & { status?: string; userId?: string; refusedKeys?: KeyRefusal[] };
export type BulkResult = { results: Result[] };

interface LocalCheck {
  properties: Record<string, unknown>;
  reason: Reason | null;
  fatal?: Result;
}

export class IdemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'IdemError';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (t: Date | string | undefined) => (t === undefined ? undefined : t instanceof Date ? t.toISOString() : t);

/** The server-side client. Checks each call with core's rules first; the collector checks again (R16). */
export class IdemServer {
  private readonly opts: Required<Omit<IdemServerOptions, 'fetch'>> & { fetch: typeof fetch };

  constructor(options: IdemServerOptions) {
    if (!options.endpoint) throw new TypeError('IdemServer: endpoint is required');
    if (!options.appId) throw new TypeError('IdemServer: appId is required');
    if (!options.serverKey) throw new TypeError('IdemServer: serverKey is required');
    this.opts = {
      retries: 4,
      backoffMs: 200,
      timeoutMs: 10_000,
      sendRefused: false,
      ...options,
      endpoint: options.endpoint.replace(/\/+$/, ''),
      fetch: options.fetch ?? globalThis.fetch,
    };
  }

  /** Server-side track by identity or user id (R13). Bad property keys are dropped and reported (R10). */
  async track(input: TrackInput): Promise<Result> {
    const check = this.checkTrack(input);
    if (check.fatal && !this.opts.sendRefused) return check.fatal;
    const item = this.trackItem(input);
    if (!this.opts.sendRefused) item.properties = check.properties;
    const answer = await this.post('/api/track', { app_id: this.opts.appId, ...item });
    return check.fatal ?? (check.reason ? { ...answer, ok: false, reason: check.reason } : answer);
  }

  async trackBulk(events: TrackInput[]): Promise<BulkResult> {
    const answer = await this.post('/api/track', { app_id: this.opts.appId, events: events.map((e) => this.trackItem(e)) }, true);
    return answer as unknown as BulkResult;
  }

  /** Server-side add_user_properties: needs an identity (R12). Bad keys are dropped and reported (R10). */
  async addUserProperties(input: UserPropertiesInput): Promise<Result> {
    const check = this.checkProps(input);
    if (check.fatal && !this.opts.sendRefused) return check.fatal;
    const item = this.propsItem(input);
    if (!this.opts.sendRefused) item.properties = check.properties;
    const answer = await this.post('/api/add_user_properties', { app_id: this.opts.appId, ...item });
    return check.fatal ?? (check.reason ? { ...answer, ok: false, reason: check.reason } : answer);
  }

  async addUserPropertiesBulk(users: UserPropertiesInput[]): Promise<BulkResult> {
    const answer = await this.post(
      '/api/add_user_properties',
      { app_id: this.opts.appId, users: users.map((u) => this.propsItem(u)) },
      true,
    );
    return answer as unknown as BulkResult;
  }

  /** Ties a device's user id to an identity (R14). */
  async identify(userId: string, identity: Identity, timestamp?: Date | string): Promise<Result> {
    const checked = normalizeIdentity(identity);
    if (!checked.ok && !this.opts.sendRefused) return { ok: false, reason: checked.reason };
    const answer = await this.post('/api/v1/identify', {
      app_id: this.opts.appId,
      user_id: userId,
      identity: checked.ok ? checked.identity : identity,
      ...(timestamp ? { timestamp: iso(timestamp) } : {}),
    });
    return checked.ok ? answer : { ok: false, reason: checked.reason };
  }

  /** Core's checks: `fatal` refuses the whole call; `reason` alone means some keys were dropped. */
  private checkTrack(input: TrackInput): LocalCheck {
    const props = validateProperties(input.properties);
    const base = { properties: props.properties, reason: propertiesReason(props) };
    if (input.identity === undefined && input.userId === undefined) return { ...base, fatal: { ok: false, reason: 'missing_identity' } };
    if (input.identity !== undefined) {
      const id = normalizeIdentity(input.identity);
      if (!id.ok) return { ...base, fatal: { ok: false, reason: id.reason } };
    }
    const nameError = validateEventName(input.event, MAX_SERVER_EVENT_NAME);
    if (nameError) return { ...base, fatal: { ok: false, reason: nameError } };
    if (props.reason) return { ...base, fatal: { ok: false, reason: props.reason } };
    return base;
  }

  private checkProps(input: UserPropertiesInput): LocalCheck {
    const props = validateProperties(input.properties, { fillEmail: true });
    const base = { properties: props.properties, reason: propertiesReason(props) };
    if (input.identity === undefined || input.identity === null) return { ...base, fatal: { ok: false, reason: 'missing_identity' } };
    const id = normalizeIdentity(input.identity);
    if (!id.ok) return { ...base, fatal: { ok: false, reason: id.reason } };
    // A call whose every key is refused changes nothing, so it is not sent.
    if (base.reason && Object.keys(props.properties).length === 0) return { ...base, fatal: { ok: false, reason: base.reason } };
    return base;
  }

  private trackItem(e: TrackInput): Record<string, unknown> {
    return {
      ...(e.identity !== undefined ? { identity: e.identity } : {}),
      ...(e.userId !== undefined ? { user_id: e.userId } : {}),
      event: e.event,
      ...(e.properties ? { properties: e.properties } : {}),
      ...(e.timestamp ? { timestamp: iso(e.timestamp) } : {}),
      idempotency_key: e.idempotencyKey ?? randomUUID(),
    };
  }

  private propsItem(u: UserPropertiesInput): Record<string, unknown> {
    return { identity: u.identity, properties: u.properties, ...(u.timestamp ? { timestamp: iso(u.timestamp) } : {}) };
  }

  /** POSTs with retries on network errors, 429 and 5xx; 4xx answers are final. */
  private async post(path: string, body: unknown, bulk = false): Promise<Result> {
    const payload = JSON.stringify(body);
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.opts.retries; attempt++) {
      if (attempt > 0) await sleep(this.opts.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      let res: Response;
      try {
        res = await this.opts.fetch(`${this.opts.endpoint}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.serverKey}` },
          body: payload,
          signal: AbortSignal.timeout(this.opts.timeoutMs),
        });
      } catch (error) {
        lastError = error;
        continue;
      }
      const json = (await res.json().catch(() => null)) as Record<string, unknown> | null;
      if (res.ok) {
        if (bulk) return { ok: true, results: ((json?.results as Record<string, unknown>[]) ?? []).map(toResult) } as unknown as Result;
        return toResult(json ?? {});
      }
      const err = (json?.error ?? {}) as { code?: string; message?: string };
      if (res.status === 429 || res.status >= 500) {
        lastError = new IdemError(res.status, err.code ?? 'http_error', err.message ?? res.statusText);
        continue;
      }
      if (res.status === 400 || res.status === 409)
        return { ok: false, reason: (err.code ?? 'invalid_message') as Reason, status: 'refused' };
      throw new IdemError(res.status, err.code ?? 'http_error', err.message ?? res.statusText);
    }
    if (lastError instanceof IdemError) throw lastError;
    // The collector could not be reached at all: one error type for callers to catch.
    throw new IdemError(0, 'network', `the collector could not be reached: ${(lastError as Error)?.message ?? String(lastError)}`);
  }
}

function toResult(r: Record<string, unknown>): Result {
  const status = r.status as string | undefined;
  const reason = r.reason as Reason | undefined;
  const base = {
    status: status ?? 'accepted',
    ...(r.user_id ? { userId: r.user_id as string } : {}),
    ...(r.refused_keys ? { refusedKeys: r.refused_keys as KeyRefusal[] } : {}),
  };
  if (status === 'refused' || status === 'partial') return { ok: false, reason: reason ?? 'invalid_message', ...base };
  return { ok: true, ...base };
}

/**
 * Signs an identity for an app that requires verified identify: render the result into the page
 * and pass it to the SDK, `idem.identify(id, { signature })`. The secret never leaves your backend.
 * Throws for an identity core refuses (R4), since signing it would be a bug.
 */
export function signIdentity(identity: Identity, secret: string, appId: string): string {
  const checked = normalizeIdentity(identity);
  if (!checked.ok) throw new TypeError(`signIdentity: identity refused (${checked.reason})`);
  if (!secret || secret.length < 16) throw new TypeError('signIdentity: the secret must be at least 16 characters');
  return createHmac('sha256', secret).update(identitySignaturePayload(appId, checked.identity)).digest('hex');
}
