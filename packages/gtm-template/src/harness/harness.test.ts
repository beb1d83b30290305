/** The harness itself: the sandbox realm, the API emulation and its permission checks, the test runner. */
import { JSDOM } from 'jsdom';
import { describe, expect, it, vi } from 'vitest';
import { runScenario } from './gtm-tests.js';
import { compileTemplate, createSandboxContext, loadTemplate } from './node.js';
import { PermissionError, type Permissions, urlMatches } from './permissions.js';
import { fireTag } from './run.js';
import { createApis, createPage } from './sandbox.js';
import type { Template } from './tpl.js';
import { hostRealm, toNative, toSandbox } from './values.js';

const ALL: Permissions = {
  access_globals: {
    keys: [
      { key: 'app.run', read: false, write: false, execute: true },
      { key: 'app.value', read: true, write: false, execute: false },
      { key: 'app.out', read: false, write: true, execute: false },
      { key: 'q', read: true, write: true, execute: false },
      { key: 'ro', read: true, write: false, execute: false },
    ],
  },
  inject_script: { urls: ['https://cdn.example.com/lib/*'] },
  logging: { environments: 'debug' },
};

const apisOn = (
  window: Record<string, unknown>,
  permissions: Permissions = ALL,
  extra: { debugMode?: boolean; log?: (l: string) => void } = {},
) => {
  const loads: string[] = [];
  const page = createPage(window, (url, ok) => {
    loads.push(url);
    setTimeout(ok, 0);
  });
  return { apis: createApis({ page, permissions, ...extra }) as Record<string, any>, loads, page };
};

describe('the sandbox realm', () => {
  const sandbox = createSandboxContext();
  const run = <T>(code: string): T => sandbox.compile<() => T>(code, [], 'probe')();

  it('has no globals: APIs come from require', () => {
    const names = [
      'Object',
      'Array',
      'JSON',
      'Math',
      'Date',
      'eval',
      'Function',
      'globalThis',
      'process',
      'require',
      'setTimeout',
      'console',
      'String',
    ];
    expect(run<string[]>(`return [${names.map((n) => `typeof ${n}`).join(', ')}];`)).toEqual(names.map(() => 'undefined'));
    expect(run<unknown[]>('return [undefined, NaN, Infinity];')).toEqual([undefined, Number.NaN, Number.POSITIVE_INFINITY]);
  });

  it("keeps only GTM's standard library on strings, arrays, objects and functions", () => {
    expect(
      run<string[]>(
        "return [typeof 'a'.includes, typeof 'a'.padStart, typeof [].find, typeof [].includes, typeof {}.hasOwnProperty, typeof function () {}.call];",
      ),
    ).toEqual(Array(6).fill('undefined'));
    expect(
      run<string[]>("return [typeof 'a'.trim, typeof 'a'.toLowerCase, typeof [].map, typeof [].indexOf, typeof {}.toString];"),
    ).toEqual(Array(5).fill('function'));
    expect(run<string>("const o = {}; o['__proto__'] = { polluted: 1 }; return o.polluted === undefined ? 'map' : 'prototype';")).toBe(
      'map',
    );
  });
});

describe('values crossing the sandbox boundary', () => {
  const dom = new JSDOM('');
  const page = { Object: dom.window.Object as ObjectConstructor, Array: dom.window.Array as ArrayConstructor };

  it("copies into the target realm, so the page's plain-object checks hold", () => {
    const native = toNative({ a: [1, { b: 'c' }] }, page, hostRealm) as any;
    expect(Object.getPrototypeOf(native)).toBe(dom.window.Object.prototype);
    expect(Object.getPrototypeOf(native.a)).toBe(dom.window.Array.prototype);
    expect(native).toEqual({ a: [1, { b: 'c' }] });
  });

  it('drops what the sandbox has no type for, and cycles', () => {
    const cyclic: Record<string, unknown> = { x: 1 };
    cyclic.self = cyclic;
    expect(toSandbox({ d: new Date(), m: new Map(), s: Symbol('s'), c: cyclic }, hostRealm, page)).toEqual({
      d: undefined,
      m: undefined,
      s: undefined,
      c: { x: 1, self: undefined },
    });
  });

  it('wraps functions so their arguments and results are copied too', () => {
    const seen: unknown[] = [];
    const sandboxFn = (value: unknown) => {
      seen.push(value);
      return { echoed: value };
    };
    const native = toNative(sandboxFn, page, hostRealm) as (v: unknown) => any;
    const out = native(new dom.window.Object());
    expect(Object.getPrototypeOf(out)).toBe(dom.window.Object.prototype);
    expect(Object.getPrototypeOf(seen[0])).toBe(Object.prototype);
  });

  it('keeps a __proto__ key as a key', () => {
    const native = toNative(JSON.parse('{"__proto__": {"polluted": true}}'), page, hostRealm) as any;
    expect(Object.keys(native)).toEqual(['__proto__']);
    expect(native.polluted).toBeUndefined();
  });
});

describe('APIs and their permissions', () => {
  it('callInWindow needs execute on the exact path, calls with the owner as this, copies both ways', () => {
    const app = {
      n: 2,
      run(this: { n: number }, x: { k: number }) {
        return { sum: this.n + x.k, when: new Date() };
      },
      other() {},
    };
    const { apis } = apisOn({ app });
    expect(apis.callInWindow('app.run', { k: 3 })).toEqual({ sum: 5, when: undefined });
    expect(() => apis.callInWindow('app.other')).toThrow(PermissionError);
    expect(() => apis.callInWindow('app')).toThrow(PermissionError);
    expect(() => apis.callInWindow('app.value')).toThrow(/execute/);
  });

  it('callInWindow answers undefined for a missing path or a non-function', () => {
    expect(apisOn({}).apis.callInWindow('app.run')).toBeUndefined();
    expect(apisOn({ app: { run: 'no' } }).apis.callInWindow('app.run')).toBeUndefined();
  });

  it('copyFromWindow needs read; setInWindow needs write and respects overrideExisting', () => {
    const window: Record<string, any> = { app: { value: { a: 1 }, out: 'old' }, ro: 1 };
    const { apis } = apisOn(window);
    const copy = apis.copyFromWindow('app.value');
    expect(copy).toEqual({ a: 1 });
    copy.a = 2;
    expect(window.app.value.a).toBe(1);
    expect(() => apis.copyFromWindow('app.out')).toThrow(PermissionError);
    expect(apis.setInWindow('app.out', 'new')).toBe(false);
    expect(apis.setInWindow('app.out', 'new', true)).toBe(true);
    expect(window.app.out).toBe('new');
    expect(() => apis.setInWindow('ro', 2, true)).toThrow(PermissionError);
  });

  it('createQueue needs read and write, and pushes copies', () => {
    const window: Record<string, any> = {};
    const { apis } = apisOn(window);
    const push = apis.createQueue('q');
    const item = { a: 1 };
    push(item);
    item.a = 2;
    expect(window.q).toEqual([{ a: 1 }]);
    expect(() => apis.createQueue('ro')).toThrow(PermissionError);
  });

  it('injectScript needs a matching URL, loads a cache token once and calls every waiting tag back', async () => {
    const { apis, loads } = apisOn({});
    const calls: string[] = [];
    const url = 'https://cdn.example.com/lib/x.js';
    apis.injectScript(
      url,
      () => calls.push('a'),
      () => calls.push('a failed'),
      url,
    );
    apis.injectScript(
      url,
      () => calls.push('b'),
      () => calls.push('b failed'),
      url,
    );
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    apis.injectScript(
      url,
      () => calls.push('c'),
      () => calls.push('c failed'),
      url,
    );
    apis.injectScript(
      url,
      () => calls.push('d'),
      () => calls.push('d failed'),
    );
    await vi.waitFor(() => expect(calls).toHaveLength(4));
    expect(loads).toEqual([url, url]);
    expect(calls).toEqual(['a', 'b', 'c', 'd']);
    expect(() =>
      apis.injectScript(
        'https://evil.example.com/lib/x.js',
        () => {},
        () => {},
      ),
    ).toThrow(PermissionError);
  });

  it('a failed load is not cached', async () => {
    let attempt = 0;
    const page = createPage({}, (_url, ok, fail) => setTimeout(attempt++ === 0 ? fail : ok, 0));
    const apis = createApis({ page, permissions: ALL }) as Record<string, any>;
    const calls: string[] = [];
    const url = 'https://cdn.example.com/lib/x.js';
    apis.injectScript(
      url,
      () => calls.push('ok 1'),
      () => calls.push('failed 1'),
      url,
    );
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    apis.injectScript(
      url,
      () => calls.push('ok 2'),
      () => calls.push('failed 2'),
      url,
    );
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    expect(calls).toEqual(['failed 1', 'ok 2']);
    expect(page.loaded).toEqual([url, url]);
  });

  it('logToConsole needs the logging permission; "debug" prints only in debug mode', () => {
    const lines: string[] = [];
    apisOn({}, ALL, { debugMode: true, log: (l) => lines.push(l) }).apis.logToConsole('a', { b: 1 });
    apisOn({}, ALL, { debugMode: false, log: (l) => lines.push(l) }).apis.logToConsole('hidden');
    apisOn({}, { ...ALL, logging: { environments: 'all' } }, { debugMode: false, log: (l) => lines.push(l) }).apis.logToConsole('shown');
    expect(lines).toEqual(['a {"b":1}', 'shown']);
    const { logging: _, ...noLogging } = ALL;
    expect(() => apisOn({}, noLogging, { debugMode: false }).apis.logToConsole('x')).toThrow(PermissionError);
  });

  it('queryPermission answers without throwing', () => {
    const { apis } = apisOn({});
    expect(apis.queryPermission('access_globals', 'execute', 'app.run')).toBe(true);
    expect(apis.queryPermission('access_globals', 'read', 'app.run')).toBe(false);
    expect(apis.queryPermission('access_globals', 'readwrite', 'q')).toBe(true);
    expect(apis.queryPermission('access_globals', 'readwrite', 'ro')).toBe(false);
    expect(apis.queryPermission('inject_script', 'https://cdn.example.com/lib/a.js')).toBe(true);
    expect(apis.queryPermission('inject_script', 42)).toBe(false);
    expect(apis.queryPermission('send_pixel', 'https://x')).toBe(false);
    expect(apis.queryPermission('logging')).toBe(true);
  });

  it('makeTableMap maps rows, skips malformed ones and answers null for nothing', () => {
    const { apis } = apisOn({});
    expect(
      apis.makeTableMap(
        [{ key: 'a', value: 1 }, null, 'x', { value: 2 }, { key: 'a', value: 3 }, { key: 'b', value: 'v' }],
        'key',
        'value',
      ),
    ).toEqual({
      a: 3,
      b: 'v',
    });
    expect(apis.makeTableMap([], 'key', 'value')).toBeNull();
    expect(apis.makeTableMap('rows', 'key', 'value')).toBeNull();
  });

  it('getType, makeString, makeNumber, JSON and Object behave as in GTM', () => {
    const { apis } = apisOn({});
    expect([null, undefined, [], {}, 'a', 1, true, () => {}].map(apis.getType)).toEqual([
      'null',
      'undefined',
      'array',
      'object',
      'string',
      'number',
      'boolean',
      'function',
    ]);
    expect(apis.makeString(12)).toBe('12');
    expect(apis.makeNumber('1.5')).toBe(1.5);
    expect(apis.JSON.parse('{bad')).toBeUndefined();
    expect(apis.JSON.parse('{"a":[1]}')).toEqual({ a: [1] });
    expect(apis.Object.keys({ a: 1, b: 2 })).toEqual(['a', 'b']);
    expect(apis.Object.keys('str')).toEqual([]);
  });
});

describe('URL match patterns', () => {
  const cases: Array<[string, string, boolean]> = [
    ['https://cdn.example.com/lib/*', 'https://cdn.example.com/lib/a.js', true],
    ['https://cdn.example.com/lib/*', 'https://cdn.example.com/lib/a/b.js?v=1', true],
    ['https://cdn.example.com/lib/*', 'https://cdn.example.com/other/a.js', false],
    ['https://cdn.example.com/lib/*', 'https://cdn.example.com/lib/../other/a.js', false],
    ['https://cdn.example.com/lib/*', 'http://cdn.example.com/lib/a.js', false],
    ['https://cdn.example.com/lib/*', 'https://cdn.example.com.evil.com/lib/a.js', false],
    ['https://cdn.example.com/lib/*', 'https://cdn.example.com@evil.com/lib/a.js', false],
    ['https://cdn.example.com/lib/*', 'https://u:p@cdn.example.com/lib/a.js', false],
    ['https://cdn.example.com/lib/*', 'HTTPS://CDN.EXAMPLE.COM/lib/a.js', true],
    ['https://cdn.example.com/lib/*', '//cdn.example.com/lib/a.js', false],
    ['https://cdn.example.com/lib/*', 'not a url', false],
    ['https://cdn.example.com/lib/', 'https://cdn.example.com/lib/deep/a.js', true],
    ['https://cdn.example.com/a.js', 'https://cdn.example.com/a.js', true],
    ['https://cdn.example.com/a.js', 'https://cdn.example.com/a.js?x', false],
    ['https://cdn.example.com/a.js', 'https://cdn.example.com/a.jsx', false],
    ['https://*.example.com/a.js', 'https://static.example.com/a.js', true],
    ['https://*.example.com/a.js', 'https://example.com/a.js', false],
    ['https://*.example.com/a.js', 'https://evilexample.com/a.js', false],
    [
      'https://cdn.jsdelivr.net/npm/@idem/browser@*/dist/idem.min.js',
      'https://cdn.jsdelivr.net/npm/@idem/browser@0.1.2/dist/idem.min.js',
      true,
    ],
    [
      'https://cdn.jsdelivr.net/npm/@idem/browser@*/dist/idem.min.js',
      'https://cdn.jsdelivr.net/npm/@idem/browser@0/dist/idem.min.js.map',
      false,
    ],
    ['http://127.0.0.1:8080/idem.min.js', 'http://127.0.0.1:8080/idem.min.js', true],
    ['http://127.0.0.1:8080/idem.min.js', 'http://127.0.0.1:8081/idem.min.js', false],
    ['not a pattern', 'https://cdn.example.com/', false],
  ];
  it.each(cases)('%s ~ %s: %s', (pattern, url, expected) => {
    expect(urlMatches(pattern, url)).toBe(expected);
  });
});

describe('fireTag', () => {
  const fire = (code: string, timeoutMs = 200) =>
    fireTag(compileTemplate(code), { page: createPage({}, () => {}), permissions: ALL, data: {}, timeoutMs });

  it('reports success, failure, an exception and a tag that never finishes', async () => {
    expect((await fire('data.gtmOnSuccess();')).status).toBe('success');
    expect((await fire('data.gtmOnFailure();')).status).toBe('failure');
    expect(await fire("const callInWindow = require('callInWindow'); callInWindow('nope');")).toMatchObject({
      status: 'threw',
      error: 'PermissionError: Prohibited execute access to global variable "nope" (access_globals)',
    });
    expect((await fire("const x = 'a'.includes('a'); data.gtmOnSuccess();")).status).toBe('threw');
    expect((await fire('', 50)).status).toBe('timeout');
  });

  it('reports an exception thrown in an asynchronous callback', async () => {
    const result = await fire("const callLater = require('callLater'); callLater(function () { const n = null; n.x = 1; });");
    expect(result.status).toBe('threw');
  });

  it('notes a tag that signals twice', async () => {
    const result = await fire('data.gtmOnSuccess(); data.gtmOnFailure();');
    expect(result.status).toBe('success');
    expect(result.logs).toContain('harness: failure signalled after the tag was already done');
  });

  it('refuses an API the harness does not emulate', async () => {
    expect((await fire("const s = require('sendPixel');")).error).toContain('unknown API "sendPixel"');
  });
});

describe("GTM's test API", () => {
  const base = loadTemplate();
  const scenario = (code: string, permissions?: Permissions) =>
    runScenario({ ...base, setup: '' } as Template, { name: 'probe', code }, permissions ? { permissions } : {});

  it('a failing assertion fails the scenario with its message', () => {
    const r = scenario('assertThat(1).isEqualTo(2);');
    expect(r).toMatchObject({ passed: false, error: 'AssertionError: expected 1 to equal 2' });
    expect(scenario('fail("stop");').error).toBe('AssertionError: stop');
  });

  it('assertApi sees the calls, gtmOnSuccess and gtmOnFailure included', () => {
    const code = [
      "mock('callInWindow', function (path) { return path === 'idem.getUserId' ? '1' : { ok: true }; });",
      "mock('injectScript', function (u, ok) { ok(); });",
      "runCode({ tagType: 'reset', appId: 'demo', scriptUrl: 'https://cdn.jsdelivr.net/npm/@idem/browser@0/dist/idem.min.js' });",
      "assertApi('callInWindow').wasCalledWith('idem.resetIdentity');",
      "assertApi('callInWindow').wasNotCalledWith('idem.identify', 'x');",
      "assertApi('gtmOnSuccess').wasCalled();",
      "assertApi('gtmOnFailure').wasNotCalled();",
    ].join('\n');
    expect(scenario(code)).toMatchObject({ passed: true });
    expect(scenario(code.replace("wasCalledWith('idem.resetIdentity')", "wasCalledWith('idem.track')")).error).toMatch(
      /expected callInWindow to have been called with \["idem.track"\]/,
    );
  });

  it('a mocked API skips its permission check; an unmocked one is checked', () => {
    const code =
      "mock('callInWindow', function () { return '1'; }); mock('injectScript', function () {}); runCode({ appId: 'demo', scriptUrl: 'x' });";
    expect(scenario(code, {}).passed).toBe(true);
    const unmocked = "mock('injectScript', function () {}); runCode({ appId: 'demo', scriptUrl: 'x' });";
    expect(scenario(unmocked, {}).error).toMatch(/PermissionError: Prohibited execute access to global variable "idem.getUserId"/);
  });

  it('runCode refuses data keys that are not parameters', () => {
    expect(scenario('runCode({ apId: "demo" });').error).toBe('Error: runCode: data.apId is not a parameter of the template');
  });

  it('mockObject replaces an object API', () => {
    const template = { ...base, setup: '', code: "const JSON = require('JSON'); return JSON.stringify(1);" } as Template;
    const r = runScenario(template, {
      name: 'o',
      code: "mockObject('JSON', { stringify: function () { return 'mocked'; } }); assertThat(runCode({})).isEqualTo('mocked');",
    });
    expect(r.passed).toBe(true);
  });

  it('mock and require refuse unknown APIs', () => {
    expect(scenario("mock('sendHttpRequest', 1);").error).toContain('unknown API');
  });
});
