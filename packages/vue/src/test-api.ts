import { request } from 'node:http';

/**
 * For the tests: GET on the real collector's read API over node:http (a DOM environment's own fetch
 * would apply CORS to these cross-origin, key-bearing reads). Answers the status and parsed body.
 */
// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, checked by each test's expectations
export function apiGet(base: string, path: string, key: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { headers: { authorization: `Bearer ${key}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end();
  });
}
