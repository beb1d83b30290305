import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from './config.js';

const file = (text: string) => {
  const p = join(mkdtempSync(join(tmpdir(), 'idem-config-')), 'idem.yaml');
  writeFileSync(p, text);
  return p;
};

describe('config file', () => {
  it('reads apps with keys, origins, Heap compatibility, identify secrets and rate limits', () => {
    const config = loadConfigFile(
      file(`apps:
  - id: shop
    server_key: shop-key-0123456789
    allowed_origins: [https://shop.example]
    heap_compat: true
    identify_secret: secret-0123456789abcdef
    rate_limit: { max: 10, window_seconds: 60 }
  - id: blog
`),
    );
    expect(config.apps).toEqual([
      {
        id: 'shop',
        serverKey: 'shop-key-0123456789',
        allowedOrigins: ['https://shop.example'],
        heapCompat: true,
        identifySecret: 'secret-0123456789abcdef',
        rateLimit: { max: 10, windowMs: 60_000 },
      },
      { id: 'blog', heapCompat: false },
    ]);
  });

  it('refuses bad files with the path and the field', () => {
    expect(() => loadConfigFile(file('apps: 5'))).toThrow(/"apps" list/);
    expect(() => loadConfigFile(file('apps:\n  - id: "bad id"'))).toThrow(/apps\[0\]\.id/);
    expect(() => loadConfigFile(file('apps:\n  - id: a\n    server_key: short'))).toThrow(/server_key/);
    expect(() => loadConfigFile(file('apps:\n  - id: a\n    allowed_origins: x'))).toThrow(/allowed_origins/);
    expect(() => loadConfigFile(file('apps:\n  - id: a\n    identify_secret: 1'))).toThrow(/identify_secret/);
    expect(() => loadConfigFile(file(': : :'))).toThrow();
    expect(() => loadConfigFile(file('apps:\n  - id: a\n    allowed_origin: [https://a.example]'))).toThrow(/unknown key "allowed_origin"/);
    expect(() => loadConfigFile(file('apps:\n  - id: a\n    allowed_origins: [https://a.example/path/]'))).toThrow(/not an origin/);
    expect(() => loadConfigFile(file('apps:\n  - id: a\n    rate_limit: 5'))).toThrow(/rate_limit/);
    expect(() => loadConfigFile(file('apps:\n  - id: a\n    rate_limit: { max: 0 }'))).toThrow(/rate_limit/);
    expect(() => loadConfigFile(file('apps:\n  - id: a\n  - id: a'))).toThrow(/listed twice/);
    expect(() => loadConfigFile(file('apps:\n  - id: a\n    heap_compat: "yes"'))).toThrow(/heap_compat/);
    expect(() => loadConfigFile(file('apps: []\nextra: 1'))).toThrow(/unknown top-level/);
  });
});
