import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

/**
 * Serves the browser SDK's script-tag build at /idem.min.js, so the snippet's default source (the
 * collector's own origin) works with no CDN. Read once at start; any site may load it.
 */
export function registerSdk(fastify: FastifyInstance, file: string): void {
  const code = readFileSync(file);
  fastify.get('/idem.min.js', async (_req, reply) => {
    reply.header('Content-Type', 'text/javascript; charset=utf-8');
    reply.header('Cache-Control', 'public, max-age=300');
    reply.header('Access-Control-Allow-Origin', '*');
    reply.header('Cross-Origin-Resource-Policy', 'cross-origin');
    return reply.send(code);
  });
}
