import { existsSync } from 'node:fs';
import { APP_ID } from '@idem/core';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Clock } from './clock.js';
import type { AppConfig } from './config.js';
import { Engine } from './engine/engine.js';
import { ApiError, errorBody } from './errors.js';
import { RateLimiter } from './rate-limit.js';
import { registerAdmin } from './routes/admin.js';
import { registerDashboard } from './routes/dashboard.js';
import { registerIngest } from './routes/ingest.js';
import { registerReads } from './routes/reads.js';
import { registerSdk } from './routes/sdk.js';
import { registerServerApi } from './routes/server-api.js';
import type { Storage } from './storage/types.js';

export interface AppOptions {
  storage: Storage;
  clock: Clock;
  apps: AppConfig[];
  serverKey: string;
  /** Built dashboard (apps/dashboard/dist); served at / when present. */
  dashboardDir?: string | null;
  /** The browser SDK's idem.min.js; served at /idem.min.js when present. */
  sdkFile?: string | null;
  /** Rate limits are off in replay and the scenario tests. */
  rateLimits?: boolean;
  logger?: boolean;
}

export interface Collector {
  engine: Engine;
  app(id: unknown): AppConfig;
  serverKey: string;
  limiter: RateLimiter;
}

declare module 'fastify' {
  interface FastifyInstance {
    idem: Collector;
  }
}

/** Largest accepted body: a bulk call of 1000 items with their properties. */
export const BODY_LIMIT = 5 * 1024 * 1024;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const fastify = Fastify({
    logger: options.logger ? { level: 'info', redact: ['req.headers.authorization', 'req.headers.cookie'] } : false,
    bodyLimit: BODY_LIMIT,
    // Refuse prototype keys in JSON bodies outright instead of silently dropping them.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: false,
    // Errors met before routing (a malformed percent-encoding in the path) in the API's one error shape.
    frameworkErrors: (error, _req, reply) => {
      (reply as unknown as { status(n: number): { send(body: unknown): void } })
        .status(400)
        .send(errorBody('invalid_request', error.message));
    },
  });
  const apps = new Map(options.apps.map((a) => [a.id, a]));
  const collector: Collector = {
    engine: new Engine(options.storage, options.clock),
    serverKey: options.serverKey,
    limiter: new RateLimiter(options.rateLimits ?? false),
    app(id) {
      if (typeof id !== 'string' || !APP_ID.test(id))
        throw new ApiError(400, 'invalid_app_id', 'app_id must be 1-64 letters, digits, _ or -');
      const app = apps.get(id);
      if (!app) throw new ApiError(404, 'unknown_app', `no app "${id}" on this collector`);
      return app;
    },
  };
  fastify.decorate('idem', collector);

  // JSON bodies refuse __proto__ and constructor keys. An empty body is no body: HTTP clients send a JSON
  // content type by default on a POST or DELETE that needs none (unmerge, delete).
  const json = fastify.getDefaultJsonParser('error', 'error');
  const jsonOrNothing = (req: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) =>
    body.trim() === '' ? done(null, undefined) : json(req, body, done);
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => jsonOrNothing(req, body as string, done));
  // sendBeacon posts text/plain; its body is the same JSON.
  fastify.addContentTypeParser('text/plain', { parseAs: 'string' }, (req, body, done) => jsonOrNothing(req, body as string, done));

  // No NUL (%00) in a URL: PostgreSQL cannot compare text with it, and no id, key or name holds one.
  fastify.addHook('onRequest', async (req) => {
    if (req.url.includes('%00') || req.url.includes('\u0000'))
      throw new ApiError(400, 'invalid_request', 'the URL contains a NUL character (%00)');
  });

  fastify.addHook('onSend', async (_req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
  });

  fastify.setErrorHandler((error: FastifyError | ApiError, req: FastifyRequest, reply) => {
    if (error instanceof ApiError) {
      if (error.retryAfter) reply.header('Retry-After', String(error.retryAfter));
      return reply.status(error.status).send(errorBody(error.code, error.message));
    }
    const { status, code } = classify(error as FastifyError);
    if (status >= 500) req.log.error(error);
    const message =
      code === 'invalid_json'
        ? 'the body is not valid JSON, or it has "__proto__" or "constructor" keys, which are refused'
        : status >= 500
          ? 'internal error'
          : error.message;
    return reply.status(status).send(errorBody(code, message));
  });
  fastify.setNotFoundHandler((req, reply) =>
    reply.status(404).send(errorBody('not_found', `no route ${req.method} ${req.url.split('?')[0]}`)),
  );

  fastify.get('/health', async () => ({ ok: true, storage: options.storage.kind }));
  registerIngest(fastify);
  registerServerApi(fastify);
  registerReads(fastify);
  registerAdmin(fastify);
  if (options.sdkFile && existsSync(options.sdkFile)) registerSdk(fastify, options.sdkFile);
  if (options.dashboardDir && existsSync(options.dashboardDir)) await registerDashboard(fastify, options.dashboardDir);
  return fastify;
}

function classify(error: FastifyError): { status: number; code: string } {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'body_too_large' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'unsupported_media_type' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'invalid_json' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'invalid_request' };
  }
  if (error.statusCode === 400 && (error instanceof SyntaxError || /JSON|prototype|constructor/i.test(error.message)))
    return { status: 400, code: 'invalid_json' };
  if (error.validation) return { status: 400, code: 'invalid_request' };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return { status: error.statusCode, code: 'invalid_request' };
  return { status: 500, code: 'internal' };
}
