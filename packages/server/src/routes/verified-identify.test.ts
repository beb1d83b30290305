import { createHmac } from 'node:crypto';
import { identitySignaturePayload } from '@idem/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { message, testCollector } from '../test-support.js';

const SECRET = 'identify-secret-0123456789';
const sign = (identity: string, app = 'secure') =>
  createHmac('sha256', SECRET).update(identitySignaturePayload(app, identity)).digest('hex');

type C = Awaited<ReturnType<typeof testCollector>>;
let c: C;
beforeEach(async () => {
  c = await testCollector({ apps: ['demo', { id: 'secure', identifySecret: SECRET }] });
});
afterEach(() => c.close());

const identify = (app: string, fields: Record<string, unknown>) =>
  c.post('/api/v1/batch', { app_id: app, messages: [message('identify', fields)] });

describe('verified identify', () => {
  it('accepts a correctly signed identify', async () => {
    const r = await identify('secure', { identity: 'alice', signature: sign('alice') });
    expect(r.body.results[0].status).toBe('accepted');
    expect((await c.get('/api/v1/users?app_id=secure&identity=alice')).status).toBe(200);
  });

  it('refuses unsigned, forged, other-app and other-identity signatures as unverified, changing nothing', async () => {
    const cases = [
      { identity: 'alice' },
      { identity: 'alice', signature: 'f'.repeat(64) },
      { identity: 'alice', signature: sign('alice', 'demo') },
      { identity: 'alice', signature: sign('bob') },
      { identity: 'alice', signature: 'not hex' },
    ];
    for (const fields of cases) {
      const r = await identify('secure', fields);
      expect([r.body.results[0].status, r.body.results[0].reason]).toEqual(['refused', 'unverified']);
    }
    expect((await c.get('/api/v1/users?app_id=secure&identity=alice')).status).toBe(404);
    expect((await c.get('/api/v1/users?app_id=secure')).body.users).toEqual([]);
    const warnings = (await c.get('/api/v1/warnings?app_id=secure')).body.warnings;
    expect(warnings).toHaveLength(cases.length);
    expect(warnings.every((w: any) => w.reason === 'unverified')).toBe(true);
  });

  it('signs the trimmed identity, and leaves apps without a secret alone', async () => {
    const r = await identify('secure', { identity: '  alice  ', signature: sign('alice') });
    expect(r.body.results[0].status).toBe('accepted');
    expect((await identify('demo', { identity: 'carol' })).body.results[0].status).toBe('accepted');
  });

  it('trusts server-side identify, which carries the server key', async () => {
    const r = await c.post('/api/v1/identify', { app_id: 'secure', user_id: '77', identity: 'dora' });
    expect(r.status).toBe(200);
  });
});
