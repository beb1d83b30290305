/**
 * The sandbox in Node: a node:vm context stripped down to what GTM's sandboxed JavaScript has.
 * Its global object is emptied (no Object, JSON, Math, Date, eval, Function...: code must
 * `require` them), and the prototypes of its strings, arrays, objects, numbers, booleans and
 * functions keep only the methods GTM's standard library lists, so `'a'.includes('a')` or
 * `[].find(f)` fail here as they do in GTM. Values entering the sandbox are copied into this
 * realm (see values.ts), so they carry the stripped prototypes too.
 */
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import type { TemplateFunction } from './run.js';
import { parseTemplate, type Template } from './tpl.js';
import type { Realm } from './values.js';

/** GTM's standard library: https://developers.google.com/tag-platform/tag-manager/templates/standard-library */
export const STANDARD_LIBRARY = {
  Array: [
    'concat',
    'every',
    'filter',
    'forEach',
    'indexOf',
    'join',
    'lastIndexOf',
    'map',
    'pop',
    'push',
    'reduce',
    'reduceRight',
    'reverse',
    'shift',
    'slice',
    'some',
    'sort',
    'splice',
    'toString',
    'unshift',
  ],
  String: [
    'charAt',
    'concat',
    'indexOf',
    'lastIndexOf',
    'match',
    'replace',
    'search',
    'slice',
    'split',
    'substring',
    'toLowerCase',
    'toLocaleLowerCase',
    'toString',
    'toUpperCase',
    'toLocaleUpperCase',
    'trim',
  ],
  Object: ['toString'],
  Boolean: ['toString'],
  Number: ['toString'],
} as const;

// Runs inside the new context: keeps the constructors for the harness, strips the prototypes to
// the standard library, then deletes every global but undefined, NaN and Infinity.
const PREPARE = `(function (allowed) {
  var realm = { Object: Object, Array: Array };
  var strip = function (proto, keep) {
    var names = Object.getOwnPropertyNames(proto);
    for (var i = 0; i < names.length; i++) {
      if (names[i] !== 'length' && keep.indexOf(names[i]) < 0) delete proto[names[i]];
    }
  };
  var fnProto = Function.prototype;
  strip(Array.prototype, allowed.Array);
  strip(String.prototype, allowed.String);
  strip(Number.prototype, allowed.Number);
  strip(Boolean.prototype, allowed.Boolean);
  strip(Object.prototype, allowed.Object);
  strip(fnProto, []);
  var g = globalThis;
  var globals = Object.getOwnPropertyNames(g);
  for (var j = 0; j < globals.length; j++) {
    var name = globals[j];
    if (name !== 'undefined' && name !== 'NaN' && name !== 'Infinity') delete g[name];
  }
  return realm;
})`;

export interface SandboxContext {
  context: vm.Context;
  /** The context's Object and Array, for copying values into it. */
  realm: Realm;
  /** Compiles code as the body of `function (...params)` in this context. */
  compile<F>(code: string, params: string[], filename: string): F;
}

export function createSandboxContext(): SandboxContext {
  const context = vm.createContext({});
  const prepare = vm.runInContext(PREPARE, context) as (allowed: unknown) => Realm;
  const realm = prepare(JSON.parse(JSON.stringify(STANDARD_LIBRARY)));
  return {
    context,
    realm,
    compile<F>(code: string, params: string[], filename: string): F {
      return vm.runInContext(`(function (${params.join(', ')}) {\n${code}\n})`, context, { filename, lineOffset: -1 }) as F;
    },
  };
}

export function compileTemplate(code: string, sandbox: SandboxContext = createSandboxContext()): TemplateFunction {
  return sandbox.compile<TemplateFunction>(code, ['require', 'data'], 'template.js');
}

export const TEMPLATE_PATH = new URL('../../template.tpl', import.meta.url);

export function loadTemplate(path: URL | string = TEMPLATE_PATH): Template {
  return parseTemplate(readFileSync(path, 'utf8'));
}
