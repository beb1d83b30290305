import { MAX_BATCH_MESSAGES } from '@idem/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.js';
import { identifyVerifier } from '../signature.js';

/** Browser ingestion needs no key: it takes the public app id, limited to the app's allowed origins. */
export function registerIngest(fastify: FastifyInstance): void {
  const cors = (req: FastifyRequest, reply: FastifyReply, allowed: string[] | undefined) => {
    const origin = req.headers.origin;
    if (!origin) return;
    if (allowed && allowed.length > 0 && !allowed.includes(origin))
      throw new ApiError(403, 'origin_not_allowed', `origin ${origin} may not send to this app`);
    reply.header('Access-Control-Allow-Origin', origin);
    reply.header('Vary', 'Origin');
  };

  // Preflight for application/json posts from other origins; sendBeacon's text/plain needs none.
  fastify.options('/api/v1/batch', async (req, reply) => {
    const origin = req.headers.origin;
    if (origin) {
      reply.header('Access-Control-Allow-Origin', origin);
      reply.header('Vary', 'Origin');
      reply.header('Access-Control-Allow-Methods', 'POST');
      reply.header('Access-Control-Allow-Headers', 'Content-Type');
      reply.header('Access-Control-Max-Age', '86400');
    }
    return reply.status(204).send();
  });

  fastify.post('/api/v1/batch', { bodyLimit: 1024 * 1024 }, async (req, reply) => {
    const body = req.body as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new ApiError(400, 'invalid_request', 'expected a JSON object {app_id, messages}');
    const app = fastify.idem.app(body.app_id);
    cors(req, reply, app.allowedOrigins);
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0) throw new ApiError(400, 'invalid_request', 'messages must be a non-empty array');
    if (messages.length > MAX_BATCH_MESSAGES)
      throw new ApiError(413, 'too_many_messages', `at most ${MAX_BATCH_MESSAGES} messages per batch`);
    const sentAt = typeof body.sent_at === 'string' ? body.sent_at : undefined;
    const results = await fastify.idem.engine.ingest(app.id, messages, {
      userAgent: req.headers['user-agent'],
      ...(sentAt ? { sentAt } : {}),
      ...(app.identifySecret ? { verifyIdentify: identifyVerifier(app.id, app.identifySecret) } : {}),
    });
    return { results };
  });
}
