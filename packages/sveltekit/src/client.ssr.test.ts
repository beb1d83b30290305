import { describe, expect, it } from 'vitest';
import { idem, identifyFromPage, initIdem } from './client.js';

describe('the client entry during SSR (no window)', () => {
  it('starts nothing, touches no DOM global, and answers ok', () => {
    expect(typeof window).toBe('undefined');
    expect(initIdem({ appId: 'demo', endpoint: 'http://127.0.0.1:1' })).toBe(idem);
    expect(idem.getUserId()).toBeNull();
    expect(identifyFromPage({ data: { user: { id: 'alice@example.com' } } })).toEqual({ ok: true });
    expect(identifyFromPage({ data: {} })).toEqual({ ok: true });
    expect(idem.getIdentity()).toBeNull();
  });
});
