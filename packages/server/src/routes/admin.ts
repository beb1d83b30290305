import { normalizeIdentity } from '@idem/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireKey } from '../auth.js';
import { Admin } from '../engine/admin.js';
import { ApiError } from '../errors.js';

/**
 * Unmerge, split, delete and export (server key). Each records who asked: the `X-Idem-Actor` header
 * (the dashboard sends "dashboard"; scripts should send a person or a ticket), else "server-key".
 */
export function registerAdmin(fastify: FastifyInstance): void {
  const admin = () => new Admin(fastify.idem.engine.storage, fastify.idem.engine.clock);
  const context = (req: FastifyRequest) => {
    const q = req.query as Record<string, unknown>;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const app = fastify.idem.app(q.app_id ?? body.app_id);
    requireKey(req.headers.authorization, fastify.idem.serverKey, app, false);
    const header = req.headers['x-idem-actor'];
    const actor = typeof header === 'string' && header.trim() ? header.trim().slice(0, 200) : 'server-key';
    return { app: app.id, actor, body };
  };
  const userId = (req: FastifyRequest) => {
    const id = (req.params as { userId: string }).userId;
    if (!/^\d{1,16}$/.test(id)) throw new ApiError(400, 'invalid_request', 'user_id must be a decimal user id');
    return id;
  };

  fastify.post('/api/v1/users/:userId/unmerge', async (req) => {
    const { app, actor } = context(req);
    const r = await admin().unmerge(app, userId(req), actor);
    return { user_id: r.userId, unmerged_from: r.from };
  });

  fastify.post('/api/v1/split', async (req) => {
    const { app, actor, body } = context(req);
    const identity = normalizeIdentity(body.identity);
    if (!identity.ok) throw new ApiError(400, identity.reason, `identity refused (${identity.reason})`);
    const r = await admin().splitIdentity(app, identity.identity, actor);
    return { user_id: r.userId, split_user_ids: r.split };
  });

  fastify.delete('/api/v1/users/:userId', async (req) => {
    const { app, actor } = context(req);
    const r = await admin().deletePerson(app, userId(req), actor);
    return { deleted_user_ids: r.userIds, deleted_events: r.events };
  });

  fastify.get('/api/v1/users/:userId/export', async (req) => {
    const { app, actor } = context(req);
    return admin().exportPerson(app, userId(req), actor);
  });

  fastify.get('/api/v1/audit', async (req) => {
    const { app } = context(req);
    return { audit: await admin().auditLog(app, 500) };
  });
}
