import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PG_TEST_URL, pgTestsEnabled } from '../storage/postgres/test-env.js';
import { message, testCollector } from '../test-support.js';

// The same cases on both storages: SQLite in memory, and PostgreSQL in a fresh schema.
const storages = [['sqlite', ':memory:']];
if (await pgTestsEnabled()) storages.push(['postgres', PG_TEST_URL]);

type C = Awaited<ReturnType<typeof testCollector>>;
let c: C;
const T = (m: number) => new Date(Date.parse('2026-06-01T10:00:00Z') + m * 60_000).toISOString();

describe.each(storages)('admin operations on %s', (_kind, db) => {
  beforeEach(async () => {
    c = await testCollector({ db: db as string });
    // laptop (user 1) logs in as alice; phone (user 2) logs in as alice later and sets plan=Phone.
    await c.post('/api/v1/batch', {
      app_id: 'demo',
      messages: [
        message('pageview', { user_id: '1', session_id: '11', url: 'https://a.example/laptop', time: T(0) }),
        message('track', { user_id: '1', session_id: '11', event: 'Laptop', time: T(1) }),
        message('user_properties', { user_id: '1', properties: { plan: 'Laptop' }, time: T(2) }),
        message('identify', { user_id: '1', session_id: '11', identity: 'alice', time: T(3) }),
        message('pageview', { user_id: '2', session_id: '22', url: 'https://a.example/phone', time: T(10) }),
        message('track', { user_id: '2', session_id: '22', event: 'Phone', time: T(11) }),
        message('user_properties', { user_id: '2', properties: { plan: 'Phone', device: 'ios' }, time: T(12) }),
        message('identify', { user_id: '2', session_id: '22', identity: 'alice', time: T(13) }),
      ],
    });
  });
  afterEach(() => c.close());

  const user = async (id: string) => (await c.get(`/api/v1/users/${id}?app_id=demo`)).body;
  const events = async (id: string) =>
    (await c.get(`/api/v1/users/${id}/events?app_id=demo`)).body.events.filter((e: any) => e.type === 'track').map((e: any) => e.event);

  describe('reversible merges', () => {
    it('unmerge splits a user id back out with its own events and properties, and recomputes the rest', async () => {
      expect((await user('1')).properties.plan).toBe('Phone');
      const r = await c.post('/api/v1/users/2/unmerge?app_id=demo', {}, { 'x-idem-actor': 'ops@example.com' });
      expect(r.body).toEqual({ user_id: '2', unmerged_from: '1' });
      const alice = await user('1');
      expect(alice).toMatchObject({ identity: 'alice', merged_user_ids: [], sessions: 1 });
      expect(alice.properties.plan).toBe('Laptop');
      expect(alice.properties.device).toBeUndefined();
      expect(alice.properties['Initial Landing Page']).toBe('a.example/laptop');
      expect(alice.last_seen).toBe(T(3)); // the identify; nothing of the phone's
      const phone = await user('2');
      expect(phone).toMatchObject({ user_id: '2', identity: null, merged_user_ids: [], sessions: 1 });
      expect(phone.properties).toMatchObject({ plan: 'Phone', device: 'ios', 'Initial Landing Page': 'a.example/phone' });
      expect(await events('1')).toEqual(['Laptop']);
      expect(await events('2')).toEqual(['Phone']);
      const audit = (await c.get('/api/v1/audit?app_id=demo')).body.audit;
      expect(audit[0]).toMatchObject({ action: 'unmerge', target: '2', actor: 'ops@example.com' });
    });

    it('takes a POST or DELETE with a JSON content type and no body, as HTTP clients send by default', async () => {
      const res = await fetch(`${c.url}/api/v1/users/2/unmerge?app_id=demo`, {
        method: 'POST',
        headers: { authorization: `Bearer ${c.serverKey}`, 'content-type': 'application/json' },
      });
      expect([res.status, await res.json()]).toEqual([200, { user_id: '2', unmerged_from: '1' }]);
      const del = await fetch(`${c.url}/api/v1/users/2?app_id=demo`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${c.serverKey}`, 'content-type': 'application/json' },
      });
      expect(del.status).toBe(200);
    });

    it('an unmerged user id no longer counts for the merge cap and can log in again', async () => {
      await c.post('/api/v1/users/2/unmerge?app_id=demo', {});
      const again = await c.post('/api/v1/batch', {
        app_id: 'demo',
        messages: [message('identify', { user_id: '2', session_id: '22', identity: 'alice', time: T(20) })],
      });
      expect(again.body.results[0].status).toBe('accepted');
      expect((await user('1')).merged_user_ids).toEqual(['2']);
    });

    it('split undoes every merge into one identity', async () => {
      await c.post('/api/v1/batch', {
        app_id: 'demo',
        messages: [message('identify', { user_id: '3', session_id: '33', identity: 'alice', time: T(30) })],
      });
      const r = await c.post('/api/v1/split', { app_id: 'demo', identity: 'alice' });
      expect(r.body).toEqual({ user_id: '1', split_user_ids: ['2', '3'] });
      expect((await user('1')).merged_user_ids).toEqual([]);
      expect((await user('3')).identity).toBeNull();
    });

    it('refuses what cannot be unmerged, clearly', async () => {
      expect((await c.post('/api/v1/users/1/unmerge?app_id=demo', {})).body.error.code).toBe('not_merged');
      expect((await c.post('/api/v1/users/999/unmerge?app_id=demo', {})).status).toBe(404);
      expect((await c.post('/api/v1/users/abc/unmerge?app_id=demo', {})).status).toBe(400);
      expect((await c.post('/api/v1/split', { app_id: 'demo', identity: 'guest' })).body.error.code).toBe('blocklisted');
      expect((await c.post('/api/v1/split', { app_id: 'demo', identity: 'nobody' })).status).toBe(404);
      const noKey = await fetch(`${c.url}/api/v1/users/2/unmerge?app_id=demo`, { method: 'POST' });
      expect(noKey.status).toBe(401);
      expect((await user('1')).merged_user_ids).toEqual(['2']);
    });
  });

  describe('deletion and export', () => {
    it('exports everything stored about a person, and audits it', async () => {
      const r = await c.get('/api/v1/users/2/export?app_id=demo');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ app_id: 'demo', user_id: '1', identity: 'alice' });
      expect(r.body.user_ids.map((u: any) => u.user_id)).toEqual(['1', '2']);
      expect(r.body.events.filter((e: any) => e.type === 'track').map((e: any) => e.event)).toEqual(['Laptop', 'Phone']);
      expect(r.body.property_writes.some((p: any) => p.key === 'plan' && p.value === 'Phone')).toBe(true);
      expect(r.body.merges).toHaveLength(1);
      expect((await c.get('/api/v1/audit?app_id=demo')).body.audit[0]).toMatchObject({
        action: 'export',
        target: '1',
        actor: 'server-key',
      });
    });

    it('deletes a person by any user id: every merged user id, events and properties', async () => {
      await c.post('/api/v1/batch', {
        app_id: 'demo',
        messages: [message('track', { user_id: '9', session_id: '99', event: 'Other', time: T(40) })],
      });
      const r = await fetch(`${c.url}/api/v1/users/2?app_id=demo`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${c.serverKey}`, 'x-idem-actor': 'dpo' },
      });
      expect(await r.json()).toEqual({ deleted_user_ids: ['1', '2'], deleted_events: 4 });
      expect((await c.get('/api/v1/users/1?app_id=demo')).status).toBe(404);
      expect((await c.get('/api/v1/users?app_id=demo&identity=alice')).status).toBe(404);
      expect((await c.get('/api/v1/users?app_id=demo')).body.users.map((u: any) => u.user_id)).toEqual(['9']);
      expect((await c.get('/api/v1/charts/breakdown?app_id=demo&property=plan')).body.rows).toEqual([]);
      const audit = (await c.get('/api/v1/audit?app_id=demo')).body.audit[0];
      expect(audit).toMatchObject({ action: 'delete', target: '1', actor: 'dpo' });
      expect(JSON.stringify(audit)).not.toContain('alice');
      // The identity is free again: a new login creates a new person.
      const fresh = await c.post('/api/v1/batch', {
        app_id: 'demo',
        messages: [message('identify', { user_id: '5', session_id: '55', identity: 'alice', time: T(50) })],
      });
      expect(fresh.body.results[0].status).toBe('accepted');
    });
  });
});
