import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkData, globalAccesses, lintSandboxedJs, requiredApis } from './harness/lint.js';
import { loadTemplate } from './harness/node.js';
import type { Parameter } from './harness/tpl.js';

const template = loadTemplate();
const TEMPLATE_GLOBALS = ['require', 'data'];
const TEST_GLOBALS = ['runCode', 'assertApi', 'assertThat', 'mock', 'mockObject', 'fail', 'require'];
const messages = (code: string, globals = TEMPLATE_GLOBALS) => lintSandboxedJs(code, { globals }).map((m) => m.message);

describe('the sandboxed JavaScript subset', () => {
  it('the template code passes', () => {
    expect(lintSandboxedJs(template.code, { globals: TEMPLATE_GLOBALS })).toEqual([]);
  });

  it('the source file passes too (before the build fills in the blocklist)', () => {
    const source = readFileSync(new URL('./template.js', import.meta.url), 'utf8');
    expect(lintSandboxedJs(source, { globals: TEMPLATE_GLOBALS })).toEqual([]);
  });

  it("the tests' setup and every scenario pass", () => {
    for (const s of template.scenarios) {
      expect(lintSandboxedJs(`${template.setup}\n${s.code}`, { globals: TEST_GLOBALS, tests: true }), s.name).toEqual([]);
    }
  });

  const forbidden: Array<[string, string, string]> = [
    ['new', 'const d = new Date();', '`new`'],
    ['this', 'const f = function () { return this; };', '`this`'],
    ['regex literals', "const r = /a+/; r.test('a');", 'regular expression'],
    ['template literals', `const s = \`a$\{data.appId}\`;`, 'template literals'],
    ['spread in calls', 'const f = function (a) { return a; }; f(...[1]);', 'spread'],
    ['spread in arrays', 'const a = [...[1]];', 'spread'],
    ['object spread', 'const o = { ...{ a: 1 } };', 'spread'],
    ['rest parameters', 'const f = function (...a) { return a; };', 'rest'],
    ['destructuring', 'const { a } = { a: 1 };', 'destructuring'],
    ['array destructuring', 'const [a] = [1];', 'destructuring'],
    ['default parameters', 'const f = function (a = 1) { return a; };', 'default parameters'],
    ['classes', 'class A {}', 'classes'],
    ['for-in', 'const o = {}; for (const k in o) {}', 'for-in'],
    ['for-of', 'for (const k of [1]) {}', 'for-of'],
    ['try/catch', 'try { data.gtmOnSuccess(); } catch (e) {}', 'try/catch'],
    ['throw', "throw 'x';", 'throw'],
    ['labels', 'outer: for (;;) { break outer; }', 'labels'],
    ['generators', 'const g = function* () {};', 'generators'],
    ['async', 'const g = async function () {};', 'async'],
    ['optional chaining', 'const a = data.appId?.length;', 'optional chaining'],
    ['??', "const a = data.appId ?? 'x';", '??'],
    ['**', 'const a = 2 ** 3;', '**'],
    ['typeof', 'const a = typeof data.appId;', 'typeof'],
    ['delete', 'const o = { a: 1 }; delete o.a;', 'delete'],
    ['instanceof', 'const a = [] instanceof data.appId;', 'instanceof'],
    ['in', "const a = 'x' in {};", '`in`'],
    ['arguments', 'const f = function () { return arguments; };', '`arguments`'],
    ['getters', 'const o = { get a() { return 1; } };', 'getters'],
    ['method shorthand', 'const o = { a() { return 1; } };', 'method shorthand'],
    ['shorthand properties', 'const a = 1; const o = { a };', 'shorthand'],
    ['computed keys', "const o = { ['a']: 1 };", 'computed keys'],
    ['trailing commas in calls', "const log = require('logToConsole'); log(\n  'a',\n);", 'trailing commas'],
    ['trailing commas in parameters', 'const f = function (a,) { return a; };', 'trailing commas'],
    ['free globals', 'const d = Date.now();', '"Date" is not defined'],
    ['window', 'window.idem = 1;', '"window" is not defined'],
    ['JSON without require', "JSON.parse('1');", '"JSON" is not defined'],
    ['dynamic require', "const n = 'JSON'; const J = require(n);", 'literal API name'],
    ['an unknown API', "const x = require('sendHttpRequest');", 'harness does not know'],
    ['require outside a top-level const', "const f = function () { const J = require('JSON'); return J; };", 'top-level const'],
    ['methods outside the standard library', "const a = 'abc'.includes('a');", '.includes()'],
    ['array methods outside it', 'const a = [1].find(function (x) { return x; });', '.find()'],
    ['hasOwnProperty', "const a = {}.hasOwnProperty('a');", '.hasOwnProperty()'],
    ['unknown methods of an API', "const JSON = require('JSON'); JSON.rawJSON('1');", 'JSON has no method rawJSON'],
    ['calls of data', 'data.appId();', 'not a function GTM provides'],
    ['computed method calls', "const a = [1]['pop']();", 'computed method calls'],
    ['shadowing data', 'const data = 1;', 'shadow data'],
    ['shadowing require', 'const f = function (require) { return require; };', 'shadow require'],
  ];
  it.each(forbidden)('reports %s', (_name, code, expected) => {
    expect(messages(code).join('\n')).toContain(expected);
  });

  it('allows what GTM has: const/let, arrow functions, closures, loops, switch', () => {
    const code = [
      "const makeString = require('makeString');",
      'let n = 0;',
      'const add = (x) => { n = n + x; return n; };',
      'for (let i = 0; i < 3; i++) { add(i); }',
      "switch (data.tagType) { case 'a': n = 1; break; default: n = 2; }",
      'while (n > 10) { n = n - 1; }',
      'const o = { a: [1, 2], b: { c: makeString(n) } };',
      "o.a.push(o.b.c.split('').length);",
      'if (n === undefined) { data.gtmOnFailure(); } else { data.gtmOnSuccess(); }',
    ].join('\n');
    expect(messages(code)).toEqual([]);
  });

  it('reports a syntax error instead of throwing', () => {
    expect(messages('const = ;')[0]).toMatch(/^syntax error/);
  });
});

describe('data against the declared parameters', () => {
  it('the template reads only declared parameters and reads them all', () => {
    expect(checkData(template.code, template.parameters)).toEqual([]);
  });

  const parameters: Parameter[] = [
    { type: 'SELECT', name: 'mode', selectItems: [{ value: 'a' }, { value: 'b' }] },
    {
      type: 'SIMPLE_TABLE',
      name: 'rows',
      simpleTableColumns: [
        { name: 'key', type: 'TEXT' },
        { name: 'value', type: 'TEXT' },
      ],
    },
    { type: 'GROUP', name: 'g', subParams: [{ type: 'TEXT', name: 'inner' }] },
  ];
  const check = (code: string) => checkData(code, parameters).map((m) => m.message);
  const reads = "const m = require('makeTableMap'); m(data.rows, 'key', 'value'); data.inner;";

  it('accepts reads of every parameter, group members included', () => {
    expect(check(`${reads} data.mode === 'a';`)).toEqual([]);
  });
  it('reports an undeclared parameter', () => {
    expect(check(`${reads} data.mode; data.mdoe;`)).toContain('data.mdoe is not a parameter of the template');
  });
  it('reports a parameter never read', () => {
    expect(check("const m = require('makeTableMap'); m(data.rows, 'key', 'value');")).toEqual([
      'parameter mode is never read',
      'parameter inner is never read',
    ]);
  });
  it('reports a value that is not an item of a select, directly or through an alias with a default', () => {
    expect(check(`${reads} data.mode === 'c';`)).toContain('"c" is not an item of the mode select');
    expect(check(`${reads} const mode = data.mode || 'z'; mode !== 'b';`)).toContain('"z" is not an item of the mode select');
    expect(check(`${reads} const mode = data.mode; 'q' == mode;`)).toContain('"q" is not an item of the mode select');
  });
  it('reports a makeTableMap column the table does not have', () => {
    expect(check("const m = require('makeTableMap'); m(data.rows, 'name', 'value'); data.mode; data.inner;")).toContain(
      'rows has no column "name"',
    );
  });
  it('reports data used whole, written, or indexed by a computed name', () => {
    const out = check(`${reads} data.mode; const f = function (x) { return x; }; f(data); data.inner = 1; const k = 'mode'; data[k];`);
    expect(out).toContain('data may only be read as data.name');
    expect(out).toContain('data is read-only');
    expect(out).toContain('data[...] needs a literal parameter name');
  });
  it("accepts data['name'] and data's callbacks", () => {
    expect(check(`${reads} data['mode']; data.gtmOnSuccess(); data.gtmOnFailure();`)).toEqual([]);
  });
});

describe('permissions: exactly what the code uses', () => {
  const accesses = globalAccesses(template.code);
  const keys = template.permissions.access_globals?.keys ?? [];

  it('access_globals grants execute on exactly the SDK methods the code calls, and nothing else', () => {
    const called = [...new Set(accesses.callInWindow)].sort();
    expect(called).not.toContain('<dynamic>');
    expect(keys.map((k) => k.key).sort()).toEqual(called);
    for (const k of keys) expect(k).toEqual({ key: k.key, read: false, write: false, execute: true });
    expect(accesses.copyFromWindow ?? []).toEqual([]);
    expect(accesses.setInWindow ?? []).toEqual([]);
    expect(accesses.createQueue ?? []).toEqual([]);
  });

  it('declares only inject_script, access_globals and logging, each used by the code', () => {
    expect(Object.keys(template.permissions).sort()).toEqual(['access_globals', 'inject_script', 'logging']);
    const apis = requiredApis(template.code);
    expect(apis).toEqual(expect.arrayContaining(['injectScript', 'callInWindow', 'logToConsole']));
    expect(apis).not.toEqual(expect.arrayContaining(['copyFromWindow']));
  });

  it('logging is debug-only', () => {
    expect(template.permissions.logging).toEqual({ environments: 'debug' });
  });

  it('inject_script allows the SDK file on the CDN only', () => {
    expect(template.permissions.inject_script).toEqual({ urls: ['https://cdn.jsdelivr.net/npm/@idem/browser@*/dist/idem.min.js'] });
  });
});
