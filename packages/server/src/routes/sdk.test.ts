import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../server.js';

describe('GET /idem.min.js', () => {
  it('serves the SDK file to any site, and 404s without one', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'idem-sdk-')), 'idem.min.js');
    writeFileSync(file, 'window.idem=1;');
    const server = await startServer({ port: 0, sdkFile: file });
    const bare = await startServer({ port: 0 });
    try {
      const res = await fetch(`${server.url}/idem.min.js`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('javascript');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.text()).toBe('window.idem=1;'); // fetch asks for gzip and decodes it
      expect(res.headers.get('content-encoding')).toBe('gzip');
      expect((await fetch(`${bare.url}/idem.min.js`)).status).toBe(404);
    } finally {
      await server.close();
      await bare.close();
    }
  });
});
