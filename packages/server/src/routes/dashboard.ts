import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * The dashboard is a static single-page app; it reads through the same API with the server key,
 * which the user types on its sign-in page (kept in sessionStorage, sent as a bearer header).
 */
export async function registerDashboard(fastify: FastifyInstance, dir: string): Promise<void> {
  await fastify.register(fastifyStatic, { root: dir, prefix: '/', index: ['index.html'], wildcard: false });
  // The demo links are optional (`pnpm start` writes them); without them the list is empty, not a 404
  // in every visitor's console. Static routes are made at start, so a file written later is not served.
  if (!existsSync(join(dir, 'demo-links.json'))) fastify.get('/demo-links.json', async () => []);
  fastify.addHook('onSend', async (req, reply) => {
    if (!req.url.startsWith('/api/')) {
      reply.header(
        'Content-Security-Policy',
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
      );
    }
  });
}
