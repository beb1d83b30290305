// A local web server on 127.0.0.1 for the Chromium benchmarks: it serves an empty page and the SDK
// bundles, and answers every SDK's delivery request with a success, so that nothing leaves the machine
// and no SDK retries. Each SDK's endpoint is this same origin (no CORS preflight for anyone).
import { createServer } from 'node:http';

const PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head><body><p>bench</p></body></html>';

function answer(path, body) {
  if (path.startsWith('/api/v1/batch')) {
    // Idem: one result per message, as the collector answers.
    let ids = [];
    try {
      ids = JSON.parse(body).messages.map((m) => m.id);
    } catch {}
    return JSON.stringify({ results: ids.map((id) => ({ id, status: 'accepted' })) });
  }
  if (path.startsWith('/2/httpapi')) return '{"code":200,"events_ingested":1,"payload_size_bytes":1,"server_upload_time":1}';
  if (path.startsWith('/v1/')) return '{"success":true}';
  return '{"status":1}';
}

export async function startSink(bundles) {
  const counts = new Map();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(PAGE);
    }
    const sdk = /^\/sdk\/([\w-]+)\.js$/.exec(path);
    if (req.method === 'GET' && sdk && bundles[sdk[1]]) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(bundles[sdk[1]].code);
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      counts.set(path, (counts.get(path) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answer(path, Buffer.concat(chunks).toString('utf8')));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    takeCounts() {
      const out = Object.fromEntries(counts);
      counts.clear();
      return out;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(resolve);
      }),
  };
}
