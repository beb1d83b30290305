import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { serveHttp } from './http-server.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/**
 * A built single-page app over real HTTP, as the demos are deployed: files from `site.dir`, index.html for
 * any other path (the client-side router's routes). `dir` may be set after the server starts, since a
 * build that points at the collector needs the collector, which needs this server's origin (its allowed
 * origins). Nothing is cached, so a reload fetches the build again.
 */
export async function serveStatic(dir = ''): Promise<{ readonly origin: string; dir: string; close(): Promise<void> }> {
  const site = { origin: '', dir, close: async () => {} };
  const http = await serveHttp((req, res) => {
    if (!site.dir) return void res.writeHead(404).end('not built yet');
    const root = resolve(site.dir);
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    let file = join(root, path);
    if (!file.startsWith(root + sep) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    if (!existsSync(file)) return void res.writeHead(404).end('not built yet');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  site.origin = http.origin;
  site.close = http.close;
  return site;
}
