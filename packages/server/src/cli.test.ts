import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = resolve(import.meta.dirname, '../dist/cli.js');
const scenarios = resolve(import.meta.dirname, '../../../scenarios');

describe('idem CLI', () => {
  it('replay --json prints one passing object per scenario and exits 0', () => {
    const r = spawnSync(process.execPath, [cli, 'replay', scenarios, '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(14);
    for (const l of lines) {
      expect(l.pass).toBe(true);
      expect(Object.keys(l).sort()).toEqual(['lookups', 'name', 'pass', 'rejected', 'users']);
    }
  });

  it('replay exits 1 with a readable difference when a scenario fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'idem-'));
    const file = join(dir, 'wrong.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'expects too much',
        steps: [{ device: 'a', call: 'track', event: 'E' }],
        expect: { users: [{ identity: 'x' }] },
      }),
    );
    const r = spawnSync(process.execPath, [cli, 'replay', file], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FAIL');
    expect(r.stderr).toContain('users differ');
  });

  it('replay refuses a broken file clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'idem-'));
    writeFileSync(join(dir, 'broken.json'), '{"name": ');
    const r = spawnSync(process.execPath, [cli, 'replay', join(dir, 'broken.json')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/broken.json: not JSON/);
  });

  it('rejects unknown commands and options', () => {
    expect(spawnSync(process.execPath, [cli, 'nope'], { encoding: 'utf8' }).status).toBe(2);
    const r = spawnSync(process.execPath, [cli, 'serve', '--bogus'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bogus/);
  });

  it('unmerge, split, export and delete work on the database, with an audit entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idem-admin-'));
    const db = join(dir, 'idem.sqlite');
    const { startServer } = await import('../dist/index.js');
    const server = await startServer({ port: 0, db, apps: ['demo'], serverKey: 'k'.repeat(20) });
    const now = new Date().toISOString();
    const msg = (type: string, user: string, extra: object) => ({
      type,
      id: `cli${type}${user}xxxxx`,
      user_id: user,
      session_id: '1',
      time: now,
      ...extra,
    });
    await fetch(`${server.url}/api/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        app_id: 'demo',
        messages: [msg('identify', '1', { identity: 'ann' }), msg('track', '2', { event: 'x' }), msg('identify', '2', { identity: 'ann' })],
      }),
    });
    await server.close();
    const idem = (...args: string[]) => spawnSync(process.execPath, [cli, ...args, '--app', 'demo', '--db', db], { encoding: 'utf8' });
    const exported = idem('export', '--identity', 'ann');
    expect(exported.status, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout).user_ids.map((u: { user_id: string }) => u.user_id)).toEqual(['1', '2']);
    expect(idem('unmerge', '2').stdout).toContain('split user 2 out of 1');
    expect(idem('unmerge', '2').stderr).toContain('was not merged');
    expect(idem('split', '--identity', 'ann').stdout).toContain('split 0 user ids');
    expect(idem('delete', '--user-id', '2', '--actor', 'dpo').stdout).toContain('deleted user ids 2 and 1 events');
    expect(idem('delete', '--identity', 'guest').stderr).toContain('blocklisted');
    expect(idem('export').stderr).toContain('--user-id');
    const typo = spawnSync(process.execPath, [cli, 'unmerge', '2', '--app', 'dmeo', '--db', db], { encoding: 'utf8' });
    expect([typo.status, typo.stderr]).toEqual([2, expect.stringContaining('app "dmeo" has no users in this database')]);
  });

  it('serve answers on its port with a generated key kept in .idem/', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idem-serve-'));
    const env = { ...process.env };
    delete env.IDEM_SERVER_KEY;
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--app', 'demo'], { cwd: dir, env });
    try {
      const out = await new Promise<string>((res, rej) => {
        let text = '';
        child.stdout.on('data', (d) => {
          text += d;
          if (text.includes('server key')) res(text);
        });
        child.on('exit', (code) => rej(new Error(`exited ${code}`)));
      });
      const url = /on (http:\/\/\S+)/.exec(out)?.[1];
      const key = /server key .*: (\S+)/.exec(out)?.[1];
      expect(url).toBeTruthy();
      const health = await fetch(`${url}/health`);
      expect(await health.json()).toEqual({ ok: true, storage: 'sqlite' });
      const users = await fetch(`${url}/api/v1/users?app_id=demo`, { headers: { authorization: `Bearer ${key}` } });
      expect(users.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
