import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';

/**
 * Serves the browser SDK's script-tag build at /idem.min.js, so the snippet's default source (the
 * collector's own origin) works with no CDN. Read once at start; any site may load it.
 */
export function registerSdk(fastify: FastifyInstance, file: string): void {
  const code = readFileSync(file);
  // Compressed once at start: the script is the budgeted 5 KB only when sent gzipped.
  const gzipped = gzipSync(code, { level: 9 });
  fastify.get('/idem.min.js', async (req, reply) => {
    reply.header('Content-Type', 'text/javascript; charset=utf-8');
    reply.header('Cache-Control', 'public, max-age=300');
    reply.header('Access-Control-Allow-Origin', '*');
    reply.header('Cross-Origin-Resource-Policy', 'cross-origin');
    reply.header('Vary', 'Accept-Encoding');
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      reply.header('Content-Encoding', 'gzip');
      return reply.send(gzipped);
    }
    return reply.send(code);
  });
}
