/**
 * The built template, unmocked, against the real SDK bundle loaded by a jsdom page and a real
 * collector: the sandbox APIs are emulated with the declared permissions enforced, so these runs
 * fail where GTM would (a missing grant, a URL the permission does not allow).
 */
import { type RunningServer, startServer } from '@idem/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadTemplate } from './harness/node.js';
import type { Permissions } from './harness/permissions.js';
import { BUNDLE, CDN_URL, events, type JsdomPage, jsdomPage, lookup, SELF_HOSTED_URL, SERVER_KEY, uniqueId } from './test-support.js';

const template = loadTemplate();
let collector: RunningServer;
const pages: JsdomPage[] = [];

beforeAll(async () => {
  collector = await startServer({ port: 0, apps: ['demo'], serverKey: SERVER_KEY });
});
afterAll(async () => {
  await collector.close();
});
afterEach(() => {
  for (const p of pages.splice(0)) p.close();
});

const open = () => {
  const p = jsdomPage(template);
  pages.push(p);
  return p;
};
const base = () => ({ appId: 'demo', endpoint: collector.url, scriptUrl: CDN_URL });
const identifyData = (identity: unknown, extra: Record<string, unknown> = {}) => ({ tagType: 'identify', ...base(), identity, ...extra });

describe('with the real SDK', () => {
  it('identify loads the SDK, starts it and identifies; the collector shows the user and its properties', async () => {
    const p = open();
    const id = uniqueId('ada');
    const result = await p.fire(
      identifyData(id, {
        userPropertiesObject: { plan: 'free', company: { name: 'Acme' } },
        userProperties: [
          { key: 'plan', value: 'pro' },
          { key: 'seats', value: 5 },
        ],
      }),
    );
    expect(result).toMatchObject({ status: 'success', logs: [`Idem: identified as "${id}"`] });
    expect(p.requests).toEqual([CDN_URL]);
    expect(p.window.idem.getIdentity()).toBe(id);
    await p.window.idem.flush();
    const user = await lookup(collector.url, id);
    expect(user.status).toBe(200);
    expect(user.body.properties).toMatchObject({ plan: 'pro', seats: 5, 'company.name': 'Acme' });
  });

  it('identify, track and reset on one page: one script load, one start, each call reaches the collector', async () => {
    const p = open();
    const id = uniqueId('grace');
    expect((await p.fire(identifyData(id))).status).toBe('success');
    const userId = p.window.idem.getUserId();
    const track = await p.fire({ tagType: 'track', ...base(), eventName: 'Signed up', eventProperties: [{ key: 'plan', value: 'pro' }] });
    expect(track.status).toBe('success');
    expect((await p.fire({ tagType: 'reset', ...base() })).status).toBe('success');
    expect(p.window.idem.getIdentity()).toBeNull();
    expect(p.window.idem.getUserId()).not.toBe(userId);
    expect(p.requests).toEqual([CDN_URL]);
    await p.window.idem.flush();
    const found = await lookup(collector.url, id);
    expect(found.body.user_id).toBe(userId);
    const tracked = (await events(collector.url, userId)).filter((e) => e.type === 'track');
    expect(tracked).toMatchObject([{ event: 'Signed up', properties: { plan: 'pro' } }]);
  });

  it('identifying again with the same id on the next tag changes nothing (R7)', async () => {
    const p = open();
    const id = uniqueId('same');
    expect((await p.fire(identifyData(id))).status).toBe('success');
    const userId = p.window.idem.getUserId();
    expect((await p.fire(identifyData(` ${id} `))).status).toBe('success');
    expect(p.window.idem.getUserId()).toBe(userId);
  });

  it('an SDK the page already started is used as is: no script, no second init', async () => {
    const p = open();
    const script = p.window.document.createElement('script');
    script.textContent = BUNDLE;
    p.window.document.head.appendChild(script);
    p.window.idem.init('demo', { endpoint: collector.url });
    const userId = p.window.idem.getUserId();
    const result = await p.fire(identifyData(uniqueId('page')));
    expect(result.status).toBe('success');
    expect(p.requests).toEqual([]);
    expect(p.window.idem.getUserId()).toBe(userId);
  });
});

describe('permissions', () => {
  const fullRun = async (permissions: Permissions) => {
    const p = open();
    const results = [
      await p.fire(identifyData(uniqueId('perm'), { userProperties: [{ key: 'plan', value: 'pro' }] }), permissions),
      await p.fire({ tagType: 'track', ...base(), eventName: 'Viewed pricing' }, permissions),
      await p.fire({ tagType: 'reset', ...base() }, permissions),
    ];
    return results.map((r) => r.status);
  };

  it('with every declared grant, identify, track and reset succeed', async () => {
    expect(await fullRun(template.permissions)).toEqual(['success', 'success', 'success']);
  });

  const grants: Array<[string, (p: Permissions) => Permissions]> = [
    ['inject_script', ({ inject_script: _, ...rest }) => rest],
    ['logging', ({ logging: _, ...rest }) => rest],
    ...(template.permissions.access_globals?.keys ?? []).map(
      (k) =>
        [
          `access_globals ${k.key}`,
          (p: Permissions) => ({ ...p, access_globals: { keys: p.access_globals!.keys.filter((x) => x.key !== k.key) } }),
        ] as [string, (p: Permissions) => Permissions],
    ),
  ];
  it.each(grants)('without %s, a tag fails as it would in GTM', async (_name, drop) => {
    const statuses = await fullRun(drop(template.permissions));
    expect(statuses.some((s) => s !== 'success')).toBe(true);
  });

  it('execute alone is granted: reading or writing window.idem would throw', async () => {
    const p = open();
    const result = await p.fire({ tagType: 'identify', ...base(), identity: 'x' }, template.permissions);
    expect(result.status).toBe('success');
    for (const k of template.permissions.access_globals!.keys) expect([k.read, k.write, k.execute]).toEqual([false, false, true]);
  });
});

describe('the script URL', () => {
  it('a self-hosted URL fails the tag, loading nothing, until the permission lists it', async () => {
    const refused = open();
    const denied = await refused.fire({ tagType: 'identify', ...base(), scriptUrl: SELF_HOSTED_URL, identity: uniqueId('self') });
    expect(denied.status).toBe('failure');
    expect(denied.logs.join('\n')).toContain('is not allowed by this template\'s "Injects scripts" permission');
    expect(refused.requests).toEqual([]);
    expect(refused.window.idem).toBeUndefined();

    const allowed = open();
    const edited: Permissions = {
      ...template.permissions,
      inject_script: { urls: [...template.permissions.inject_script!.urls, SELF_HOSTED_URL] },
    };
    const id = uniqueId('self');
    const ok = await allowed.fire({ tagType: 'identify', ...base(), scriptUrl: SELF_HOSTED_URL, identity: id }, edited);
    expect(ok.status).toBe('success');
    expect(allowed.requests).toEqual([SELF_HOSTED_URL]);
    expect(allowed.window.idem.getIdentity()).toBe(id);
  });

  it('a pinned version on the CDN is allowed by the shipped permission', async () => {
    const p = open();
    const url = 'https://cdn.jsdelivr.net/npm/@idem/browser@0.1.0/dist/idem.min.js';
    expect((await p.fire({ tagType: 'identify', ...base(), scriptUrl: url, identity: uniqueId('pin') })).status).toBe('success');
    expect(p.requests).toEqual([url]);
  });

  it('a script that does not load fails the tag; a later tag tries again', async () => {
    const p = open();
    const missing = 'https://cdn.jsdelivr.net/npm/@idem/browser@9.9.9/dist/idem.min.js';
    const failed = await p.fire({ tagType: 'identify', ...base(), scriptUrl: missing, identity: 'x1' });
    expect(failed).toMatchObject({ status: 'failure', logs: [`Idem: could not load the SDK from ${missing}`] });
    expect(p.window.idem).toBeUndefined();
    expect((await p.fire({ tagType: 'identify', ...base(), identity: 'x1' })).status).toBe('success');
  });

  it.each([
    'javascript:alert(1)',
    'data:text/javascript,alert(1)',
    'http://cdn.jsdelivr.net/npm/@idem/browser@0/dist/idem.min.js',
    'https://cdn.jsdelivr.net.attacker.example/npm/@idem/browser@0/dist/idem.min.js',
    'https://cdn.jsdelivr.net@attacker.example/npm/@idem/browser@0/dist/idem.min.js',
    'https://user:pass@cdn.jsdelivr.net/npm/@idem/browser@0/dist/idem.min.js',
    'https://cdn.jsdelivr.net/npm/@idem/browser@0/dist/idem.min.js/../../../../evil/x.js',
    'https://cdn.jsdelivr.net/npm/@idem/browser@0/dist/other.js',
    'https://cdn.jsdelivr.net/npm/@idem/browserx@0/dist/idem.min.js',
    '//cdn.jsdelivr.net/npm/@idem/browser@0/dist/idem.min.js',
    '/idem.min.js',
    '',
    'x'.repeat(10_000),
  ])('the URL %s is refused before anything loads', async (scriptUrl) => {
    const p = open();
    const result = await p.fire({ tagType: 'identify', ...base(), scriptUrl, identity: 'x2' });
    expect(result.status).toBe('failure');
    expect(p.requests).toEqual([]);
    expect(p.window.idem).toBeUndefined();
  });
});

describe('hostile, malformed, wrong-typed and oversized input', () => {
  const identityCases: Array<[string, unknown, 'success' | 'failure', string | null]> = [
    ['a trimmed string', '  user-9  ', 'success', 'user-9'],
    ['a number', 12345, 'success', '12345'],
    ['255 characters', 'x'.repeat(255), 'success', 'x'.repeat(255)],
    ['markup', '<img src=x onerror=alert(1)>', 'success', '<img src=x onerror=alert(1)>'],
    ['256 characters (too_long)', 'y'.repeat(256), 'failure', null],
    ['a megabyte', 'z'.repeat(1_000_000), 'failure', null],
    ['an array (invalid_type)', ['a'], 'failure', null],
    ['Infinity (invalid_type)', Number.POSITIVE_INFINITY, 'failure', null],
    ['an object (means nobody)', { id: 1 }, 'success', null],
    ['NaN (means nobody)', Number.NaN, 'success', null],
    ['"  Guest  " (means nobody)', '  Guest  ', 'success', null],
    ['"NOT_AUTHENTICATED" (means nobody)', 'NOT_AUTHENTICATED', 'success', null],
    ['false (means nobody)', false, 'success', null],
    ['null', null, 'success', null],
    ['whitespace', ' \t\n ', 'success', null],
  ];
  it.each(identityCases)('identity: %s', async (_name, identity, status, expected) => {
    const p = open();
    const result = await p.fire(identifyData(identity));
    expect(result.status).toBe(status);
    expect(p.window.idem.getIdentity()).toBe(expected);
  });

  const propertyCases: Array<[string, Record<string, unknown>, 'success' | 'failure']> = [
    ['a reserved key (the rest is still added)', { userProperties: [{ key: 'user_id', value: '7' }] }, 'failure'],
    ['an object variable holding an array', { userPropertiesObject: ['plan', 'pro'] }, 'failure'],
    ['an object variable holding a string', { userPropertiesObject: 'plan=pro' }, 'failure'],
    ['a function value', { userPropertiesObject: { plan: () => 'pro' } }, 'failure'],
    ['a __proto__ key', { userPropertiesObject: JSON.parse('{"__proto__": {"polluted": "yes"}}') }, 'failure'],
    ['1001 properties (too many)', { userProperties: Array.from({ length: 1001 }, (_, i) => ({ key: `k${i}`, value: i })) }, 'failure'],
    ['nesting 50 levels deep', { userPropertiesObject: nested(50) }, 'failure'],
    ['1000 properties', { userProperties: Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}`, value: i })) }, 'success'],
    ['a 100 kB value (cut to 1024)', { userProperties: [{ key: 'bio', value: 'b'.repeat(100_000) }] }, 'success'],
    ['malformed table rows', { userProperties: [null, 'row', 42, { value: 'no key' }, { key: 'ok', value: true }] }, 'success'],
  ];
  it.each(propertyCases)('user properties: %s', async (_name, extra, status) => {
    const p = open();
    const result = await p.fire(identifyData(uniqueId('props'), extra));
    expect(result.status).toBe(status);
    expect(p.window.Object.prototype.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['an app id with a space', 'not valid'],
    ['a 65-character app id', 'a'.repeat(65)],
    ['a number app id', 42],
    ['no app id', undefined],
  ])('%s fails the tag', async (_name, appId) => {
    const p = open();
    const result = await p.fire({ ...identifyData('x3'), appId });
    expect(result.status).toBe('failure');
    expect(result.logs.join('\n')).toContain('the SDK did not start');
  });

  it.each([
    ['an empty event name', ''],
    ['a 256-character event name', 'e'.repeat(256)],
    ['a number event name', 42],
    ['no event name', undefined],
  ])('track with %s fails the tag', async (_name, eventName) => {
    const p = open();
    expect((await p.fire({ tagType: 'track', ...base(), eventName })).status).toBe('failure');
  });

  it.each([
    ['a javascript: collector URL', { endpoint: 'javascript:alert(1)' }],
    ['a number collector URL', { endpoint: 42 }],
    ['a 10 kB collector URL', { endpoint: 'x'.repeat(10_000) }],
    ['a collector URL with a 10 kB path', { endpoint: `http://127.0.0.1:9/${'x'.repeat(10_000)}` }],
    ['a cookie domain the page is not on', { cookieDomain: 'attacker.example' }],
    ['an array cookie domain', { cookieDomain: ['shop.example'] }],
    ['strings in the checkboxes', { autoPageviews: 'no', secureCookie: 'yes', debug: 'yes' }],
  ])('SDK options: %s start the SDK without harm', async (_name, extra) => {
    const p = open();
    const result = await p.fire({ ...identifyData('options@example.com'), ...extra });
    expect(result.status).toBe('success');
    expect(p.window.location.href).toBe('https://shop.example/pricing');
    expect(p.window.document.cookie).toMatch(/(^|; )idem_demo=v1\./);
    await expect(p.window.idem.flush()).resolves.toBeUndefined();
  });

  it('an unknown tag type fails the tag; a missing one identifies', async () => {
    const p = open();
    expect((await p.fire({ ...base(), tagType: 'drop_tables' })).status).toBe('failure');
    expect((await p.fire({ ...base(), identity: 'untyped@example.com' })).status).toBe('success');
    expect(p.window.idem.getIdentity()).toBe('untyped@example.com');
  });

  it('a page global named idem that is not the SDK: the tag fails and the page keeps its global', async () => {
    const p = open();
    p.window.idem = { identify: 'not a function', note: 'the page owns this' };
    const result = await p.fire(identifyData('x4'));
    expect(result.status).toBe('failure');
    expect(p.window.idem.note).toBe('the page owns this');
  });
});

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < depth; i++) value = { n: value };
  return value;
}
