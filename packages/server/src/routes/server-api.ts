import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireKey } from '../auth.js';
import type { Engine, ItemResult } from '../engine/engine.js';
import { ApiError } from '../errors.js';
import type { Tx } from '../storage/types.js';

export const MAX_BULK_ITEMS = 1000;
export const IDENTITY_LIMIT = { max: 30, windowMs: 30_000 };

type Handler = (engine: Engine, tx: Tx, app: string, item: Record<string, unknown>) => Promise<ItemResult>;

/** Status of a single call: a refusal is a 4xx with the rule's reason as the error code. */
function singleStatus(reason: string): number {
  return reason === 'identity_conflict' || reason === 'merge_cap' ? 409 : 400;
}

/**
 * Heap-compatible server-side endpoints. A single call answers 200 with its outcome or 4xx with the
 * reason; a bulk call answers 200 with one result per item (good items applied, bad ones refused).
 */
export function registerServerApi(fastify: FastifyInstance): void {
  const endpoint = (path: string, bulkKey: string | null, handler: Handler) => {
    fastify.post(path, async (req: FastifyRequest) => {
      const body = req.body as Record<string, unknown> | null;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'invalid_request', 'expected a JSON object');
      const app = fastify.idem.app(body.app_id);
      requireKey(req.headers.authorization, fastify.idem.serverKey, app, true);
      if (app.rateLimit) fastify.idem.limiter.check(`app:${app.id}`, app.rateLimit.max, app.rateLimit.windowMs);
      // Heap's limit: 30 requests per 30 s per identity, so one runaway backend loop cannot flood a profile.
      if (typeof body.identity === 'string')
        fastify.idem.limiter.check(`identity:${app.id}:${body.identity}`, IDENTITY_LIMIT.max, IDENTITY_LIMIT.windowMs);
      const { engine } = fastify.idem;
      if (bulkKey && body[bulkKey] !== undefined) {
        const items = body[bulkKey];
        if (!Array.isArray(items) || items.length === 0) throw new ApiError(400, 'invalid_request', `${bulkKey} must be a non-empty array`);
        if (items.length > MAX_BULK_ITEMS) throw new ApiError(413, 'too_many_items', `at most ${MAX_BULK_ITEMS} items per call`);
        const results = await engine.storage.transaction(async (tx) => {
          const out: (ItemResult & { index: number })[] = [];
          for (const [index, item] of items.entries()) {
            if (!item || typeof item !== 'object' || Array.isArray(item)) out.push({ index, status: 'refused', reason: 'invalid_message' });
            else out.push({ index, ...(await handler(engine, tx, app.id, item as Record<string, unknown>)) });
          }
          return out;
        });
        return { results };
      }
      const result = await engine.storage.transaction((tx) => handler(engine, tx, app.id, body));
      if (result.status === 'refused')
        throw new ApiError(
          singleStatus(result.reason ?? 'invalid_message'),
          result.reason ?? 'invalid_message',
          result.field ? `${result.field}: ${refusalMessage(result.reason)}` : refusalMessage(result.reason),
        );
      return result;
    });
  };
  endpoint('/api/track', 'events', (e, tx, app, item) => e.serverTrack(tx, app, item));
  endpoint('/api/add_user_properties', 'users', (e, tx, app, item) => e.serverAddUserProperties(tx, app, item));
  endpoint('/api/v1/identify', null, (e, tx, app, item) => e.serverIdentify(tx, app, item));
}

const MESSAGES: Record<string, string> = {
  missing_identity: 'an identity is required',
  blocklisted: 'this identity is blocklisted (not unique: it would merge everyone)',
  empty: 'empty after trimming',
  too_long: 'too long',
  invalid_type: 'wrong type',
  reserved_key: 'a reserved property key (user_id or id, or __proto__, constructor or prototype anywhere in a key)',
  merge_cap: 'this identity already has 10 user ids in the last 30 days',
  identity_conflict: 'this user already has another identity',
  invalid_timestamp: 'timestamp must be ISO 8601, at most 10 minutes ahead and 5 years back',
  invalid_message: 'malformed item (a wrong-typed field, or a NUL character in a string)',
  unverified: 'identify must be signed for this app',
};

function refusalMessage(reason: string | undefined): string {
  return MESSAGES[reason ?? ''] ?? 'refused';
}
