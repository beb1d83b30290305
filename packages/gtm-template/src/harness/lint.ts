/**
 * Static checks of sandboxed JavaScript, on acorn's syntax tree:
 *
 * - lintSandboxedJs: the subset GTM runs (ECMAScript 5.1 with const/let and arrow functions) minus
 *   what GTM removes (`new`, `this`, regex literals...), kept conservative where GTM's support is
 *   unclear: no template literals, spread or rest, destructuring, default parameters, classes,
 *   getters/setters, shorthand or computed keys, for-in/for-of, try/catch/throw, labels, generators,
 *   async, optional chaining, `??`, `**`, typeof/delete/void/in/instanceof, `arguments`, trailing
 *   commas in calls and parameter lists; no free variables but the given globals; require() only
 *   with a literal API name; method calls only from GTM's standard library or on a required API.
 * - checkData: every `data.X` is a declared parameter, no parameter goes unused, values compared
 *   with a SELECT parameter are among its items, and makeTableMap columns exist in the table.
 */
import { parse } from 'acorn';
import { STANDARD_LIBRARY } from './node.js';
import { API_NAMES } from './sandbox.js';
import { dataParameters, type Parameter } from './tpl.js';

export interface LintMessage {
  line: number;
  column: number;
  message: string;
}

interface Node {
  type: string;
  start: number;
  end: number;
  loc?: { start: { line: number; column: number } };
  [key: string]: unknown;
}

/** The methods of the APIs that are objects. */
export const API_OBJECT_METHODS: Record<string, readonly string[]> = {
  JSON: ['parse', 'stringify'],
  Math: ['abs', 'ceil', 'floor', 'max', 'min', 'pow', 'round', 'sqrt'],
  Object: ['keys', 'values', 'entries', 'freeze', 'delete'],
  templateStorage: ['getItem', 'setItem', 'removeItem', 'clear'],
};

const TEST_METHODS = [
  'wasCalled',
  'wasNotCalled',
  'wasCalledWith',
  'wasNotCalledWith',
  'isEqualTo',
  'isNotEqualTo',
  'isStrictlyEqualTo',
  'isTrue',
  'isFalse',
  'isTruthy',
  'isFalsy',
  'isUndefined',
  'isDefined',
  'isNull',
  'isNotNull',
  'hasLength',
  'contains',
];

const LIBRARY_METHODS = new Set<string>([...STANDARD_LIBRARY.Array, ...STANDARD_LIBRARY.String, 'toString']);

const FORBIDDEN: Record<string, string> = {
  NewExpression: '`new` does not exist in sandboxed JavaScript',
  ThisExpression: '`this` does not exist in sandboxed JavaScript',
  TemplateLiteral: 'template literals are not allowed: concatenate strings',
  TaggedTemplateExpression: 'tagged templates are not allowed',
  SpreadElement: 'spread is not allowed',
  RestElement: 'rest parameters are not allowed',
  ObjectPattern: 'destructuring is not allowed',
  ArrayPattern: 'destructuring is not allowed',
  AssignmentPattern: 'default parameters are not allowed',
  ClassDeclaration: 'classes are not allowed',
  ClassExpression: 'classes are not allowed',
  ForInStatement: 'for-in is not allowed: use Object.keys',
  ForOfStatement: 'for-of is not allowed: use an index or forEach',
  TryStatement: 'try/catch is not allowed',
  ThrowStatement: 'throw is not allowed',
  WithStatement: 'with is not allowed',
  LabeledStatement: 'labels are not allowed',
  DebuggerStatement: 'debugger is not allowed',
  YieldExpression: 'generators are not allowed',
  AwaitExpression: 'async code is not allowed',
  ChainExpression: 'optional chaining is not allowed',
  MetaProperty: 'new.target / import.meta are not allowed',
  ImportExpression: 'import() is not allowed',
  Super: '`super` is not allowed',
};

const FORBIDDEN_OPERATORS: Record<string, string> = {
  typeof: 'typeof is not allowed: use getType',
  delete: 'delete is not allowed: use Object.delete',
  void: 'void is not allowed',
  in: '`in` is not allowed',
  instanceof: 'instanceof is not allowed: use getType',
  '**': '** is not allowed: use Math.pow',
  '**=': '**= is not allowed',
  '??': '?? is not allowed: use ||',
  '??=': '??= is not allowed',
  '||=': '||= is not allowed',
  '&&=': '&&= is not allowed',
};

const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && typeof (v as Node).type === 'string';

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const key of Object.keys(node)) {
    if (key === 'loc') continue;
    const v = node[key];
    if (Array.isArray(v)) for (const item of v) isNode(item) && out.push(item);
    else if (isNode(v)) out.push(v);
  }
  return out;
}

function parseCode(code: string): Node {
  return parse(code, { ecmaVersion: 2022, sourceType: 'script', allowReturnOutsideFunction: true, locations: true }) as unknown as Node;
}

class Scope {
  readonly names = new Set<string>();
  constructor(readonly parent?: Scope) {}
  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
}

const isFunction = (n: Node) => n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression';

/** var and function declarations of a function body (not those of nested functions). */
function hoisted(body: Node, scope: Scope): void {
  const visit = (n: Node) => {
    if (n.type === 'VariableDeclaration' && n.kind === 'var') for (const d of n.declarations as Node[]) declare(d.id as Node, scope);
    if (n.type === 'FunctionDeclaration' && n.id) scope.names.add((n.id as Node).name as string);
    if (isFunction(n) && n !== body) return;
    for (const c of children(n)) if (!isFunction(c) || c.type === 'FunctionDeclaration') visit(c);
  };
  for (const c of children(body)) visit(c);
}

function declare(id: Node, scope: Scope): void {
  if (id.type === 'Identifier') scope.names.add(id.name as string);
}

/** let/const declared directly in a block's statement list. */
function lexical(statements: Node[], scope: Scope): void {
  for (const s of statements) {
    if (s.type === 'VariableDeclaration' && s.kind !== 'var') for (const d of s.declarations as Node[]) declare(d.id as Node, scope);
    if (s.type === 'FunctionDeclaration' && s.id) scope.names.add((s.id as Node).name as string);
  }
}

export interface LintOptions {
  /** Free variables the code may use: ['require', 'data'] for a template. */
  globals: string[];
  /** Test code: also allow the assertion methods of GTM's test API. */
  tests?: boolean;
}

export function lintSandboxedJs(code: string, options: LintOptions): LintMessage[] {
  const messages: LintMessage[] = [];
  let root: Node;
  try {
    root = parseCode(code);
  } catch (e) {
    const loc = (e as { loc?: { line: number; column: number } }).loc;
    return [{ line: loc?.line ?? 0, column: loc?.column ?? 0, message: `syntax error: ${(e as Error).message}` }];
  }
  const report = (node: Node, message: string) => {
    messages.push({ line: node.loc?.start.line ?? 0, column: node.loc?.start.column ?? 0, message });
  };
  const globals = new Set(options.globals);
  const apiBindings = new Map<string, string>();
  const methods = new Set<string>([...LIBRARY_METHODS, ...(options.tests ? TEST_METHODS : [])]);

  const checkTrailingComma = (node: Node, list: Node[], until: number) => {
    const last = list[list.length - 1];
    if (last && code.slice(last.end, until).includes(',')) report(node, 'trailing commas in calls and parameter lists are not allowed');
  };

  const checkCall = (node: Node) => {
    const callee = node.callee as Node;
    const args = node.arguments as Node[];
    checkTrailingComma(node, args, node.end);
    if (callee.type === 'Identifier' && callee.name === 'require') {
      const arg = args[0];
      if (args.length !== 1 || arg?.type !== 'Literal' || typeof arg.value !== 'string')
        return report(node, 'require() takes one literal API name');
      const api = arg.value;
      if (!(API_NAMES as readonly string[]).includes(api)) return report(node, `require('${api}'): an API the harness does not know`);
      return;
    }
    if (callee.type !== 'MemberExpression') return;
    if (callee.computed) return report(node, 'computed method calls are not allowed');
    const name = (callee.property as Node).name as string;
    const object = callee.object as Node;
    if (object.type === 'Identifier') {
      const api = apiBindings.get(object.name as string);
      if (api) {
        if (!(API_OBJECT_METHODS[api] ?? []).includes(name)) report(node, `${api} has no method ${name}`);
        return;
      }
      if (object.name === 'data') {
        if (name !== 'gtmOnSuccess' && name !== 'gtmOnFailure') report(node, `data.${name} is not a function GTM provides`);
        return;
      }
    }
    if (!methods.has(name)) report(node, `.${name}() is not in GTM's standard library`);
  };

  const checkFunction = (node: Node) => {
    if (node.async) report(node, 'async functions are not allowed');
    if (node.generator) report(node, 'generators are not allowed');
    const params = node.params as Node[];
    checkTrailingComma(node, params, (node.body as Node).start);
    for (const p of params)
      if (p.type === 'Identifier' && (p.name === 'data' || p.name === 'require')) report(p, `a parameter may not shadow ${p.name}`);
  };

  const visit = (node: Node, scope: Scope, parent: Node | undefined): void => {
    const why = FORBIDDEN[node.type];
    if (why) report(node, why);
    switch (node.type) {
      case 'Program': {
        const s = new Scope(scope);
        hoisted(node, s);
        lexical(node.body as Node[], s);
        for (const c of node.body as Node[]) visit(c, s, node);
        return;
      }
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        checkFunction(node);
        const s = new Scope(scope);
        if (node.type === 'FunctionExpression' && node.id) s.names.add((node.id as Node).name as string);
        for (const p of node.params as Node[]) declare(p, s);
        const body = node.body as Node;
        if (body.type === 'BlockStatement') {
          hoisted(body, s);
          lexical(body.body as Node[], s);
          for (const c of body.body as Node[]) visit(c, s, body);
        } else visit(body, s, node);
        for (const p of node.params as Node[]) if (p.type !== 'Identifier') visit(p, s, node);
        return;
      }
      case 'BlockStatement': {
        const s = new Scope(scope);
        lexical(node.body as Node[], s);
        for (const c of node.body as Node[]) visit(c, s, node);
        return;
      }
      case 'SwitchStatement': {
        visit(node.discriminant as Node, scope, node);
        const s = new Scope(scope);
        const cases = node.cases as Node[];
        lexical(
          cases.flatMap((c) => c.consequent as Node[]),
          s,
        );
        for (const c of cases) visit(c, s, node);
        return;
      }
      case 'ForStatement': {
        const s = new Scope(scope);
        const init = node.init as Node | null;
        if (init?.type === 'VariableDeclaration' && init.kind !== 'var') lexical([init], s);
        for (const c of children(node)) visit(c, s, node);
        return;
      }
      case 'VariableDeclaration':
        for (const d of node.declarations as Node[]) {
          const id = d.id as Node;
          if (id.type !== 'Identifier') visit(id, scope, d);
          else if (id.name === 'data' || id.name === 'require') report(id, `a variable may not shadow ${id.name}`);
          const init = d.init as Node | null;
          if (init?.type === 'CallExpression' && (init.callee as Node).type === 'Identifier' && (init.callee as Node).name === 'require') {
            const arg = (init.arguments as Node[])[0];
            if (id.type === 'Identifier' && arg?.type === 'Literal' && typeof arg.value === 'string') {
              if (node.kind !== 'const' || parent?.type !== 'Program')
                report(d, 'require() results belong in top-level const declarations');
              apiBindings.set(id.name as string, arg.value);
            }
          }
          if (init) visit(init, scope, d);
        }
        return;
      case 'MemberExpression':
        visit(node.object as Node, scope, node);
        if (node.computed) visit(node.property as Node, scope, node);
        if (node.optional) report(node, 'optional chaining is not allowed');
        return;
      case 'Property':
        if (node.kind !== 'init') report(node, 'getters and setters are not allowed');
        if (node.method) report(node, 'method shorthand is not allowed: write key: function () {}');
        if (node.shorthand) report(node, 'shorthand properties are not allowed: write key: value');
        if (node.computed) report(node, 'computed keys are not allowed');
        if (node.computed) visit(node.key as Node, scope, node);
        visit(node.value as Node, scope, node);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
        if (node.label) report(node, 'labels are not allowed');
        return;
      case 'Identifier': {
        const name = node.name as string;
        if (name === 'arguments') report(node, '`arguments` is not allowed');
        else if (!scope.has(name) && !globals.has(name) && name !== 'undefined')
          report(node, `"${name}" is not defined (sandboxed code has no globals; require the API)`);
        return;
      }
      case 'Literal':
        if (node.regex) report(node, 'regular expression literals are not allowed');
        if (node.bigint !== undefined) report(node, 'bigint literals are not allowed');
        return;
      case 'UnaryExpression':
      case 'BinaryExpression':
      case 'LogicalExpression':
      case 'AssignmentExpression': {
        const op = FORBIDDEN_OPERATORS[node.operator as string];
        if (op) report(node, op);
        break;
      }
      case 'CallExpression':
        if (node.optional) report(node, 'optional calls are not allowed');
        checkCall(node);
        break;
      case 'ExpressionStatement':
        if (typeof node.directive === 'string') return;
        break;
    }
    for (const c of children(node)) visit(c, scope, node);
  };
  visit(root, new Scope(), undefined);
  return messages.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * Checks `data` against the declared parameters (see the module comment). `data` must be used only
 * as `data.name` or `data['name']`.
 */
export function checkData(code: string, parameters: Parameter[]): LintMessage[] {
  const messages: LintMessage[] = [];
  const root = parseCode(code);
  const report = (node: Node, message: string) => {
    messages.push({ line: node.loc?.start.line ?? 0, column: node.loc?.start.column ?? 0, message });
  };
  const params = new Map(dataParameters(parameters).map((p) => [p.name, p]));
  const used = new Set<string>();
  const aliases = new Map<string, string>();
  const tableMapNames = new Set<string>();

  /** The parameter a node reads: data.X, or a const initialised from data.X (optionally `|| default`). */
  const parameterOf = (n: Node | undefined | null): string | undefined => {
    if (!n) return undefined;
    if (n.type === 'MemberExpression' && (n.object as Node).type === 'Identifier' && (n.object as Node).name === 'data') {
      const p = n.property as Node;
      if (!n.computed) return p.name as string;
      return p.type === 'Literal' && typeof p.value === 'string' ? p.value : undefined;
    }
    if (n.type === 'Identifier') return aliases.get(n.name as string);
    return undefined;
  };
  const checkValue = (param: string, literal: Node) => {
    const p = params.get(param);
    if (!p?.selectItems || literal.type !== 'Literal') return;
    if (!p.selectItems.some((i) => i.value === literal.value))
      report(literal, `${show(literal.value)} is not an item of the ${param} select`);
  };

  const visit = (node: Node, parent: Node | undefined) => {
    if (node.type === 'Identifier' && node.name === 'data') {
      const isObject = parent?.type === 'MemberExpression' && parent.object === node;
      const isName =
        (parent?.type === 'MemberExpression' && parent.property === node && !parent.computed) ||
        (parent?.type === 'Property' && parent.key === node && !parent.computed);
      if (!isObject && !isName) report(node, 'data may only be read as data.name');
    }
    if (node.type === 'MemberExpression' && (node.object as Node).type === 'Identifier' && (node.object as Node).name === 'data') {
      const name = parameterOf(node);
      if (name === undefined) report(node, 'data[...] needs a literal parameter name');
      else if (name !== 'gtmOnSuccess' && name !== 'gtmOnFailure') {
        used.add(name);
        if (!params.has(name)) report(node, `data.${name} is not a parameter of the template`);
      }
      if (parent?.type === 'AssignmentExpression' && parent.left === node) report(node, 'data is read-only');
    }
    if (node.type === 'VariableDeclarator' && (node.id as Node).type === 'Identifier') {
      const init = node.init as Node | null;
      const id = (node.id as Node).name as string;
      if (
        init?.type === 'CallExpression' &&
        (init.callee as Node).name === 'require' &&
        (init.arguments as Node[])[0]?.value === 'makeTableMap'
      )
        tableMapNames.add(id);
      const base = init?.type === 'LogicalExpression' && init.operator === '||' ? (init.left as Node) : init;
      const param = parameterOf(base);
      if (param) {
        aliases.set(id, param);
        if (init?.type === 'LogicalExpression') checkValue(param, init.right as Node);
      }
    }
    if (node.type === 'BinaryExpression' && ['===', '!==', '==', '!='].includes(node.operator as string)) {
      const left = parameterOf(node.left as Node);
      const right = parameterOf(node.right as Node);
      if (left) checkValue(left, node.right as Node);
      if (right) checkValue(right, node.left as Node);
    }
    if (
      node.type === 'CallExpression' &&
      (node.callee as Node).type === 'Identifier' &&
      tableMapNames.has((node.callee as Node).name as string)
    ) {
      const [table, key, value] = node.arguments as Node[];
      const param = parameterOf(table);
      const columns = param ? params.get(param)?.simpleTableColumns?.map((c) => c.name) : undefined;
      if (param && columns) {
        for (const col of [key, value])
          if (col?.type === 'Literal' && !columns.includes(col.value as string)) report(col, `${param} has no column ${show(col.value)}`);
      }
    }
    for (const c of children(node)) visit(c, node);
  };
  visit(root, undefined);
  // Aliased parameters passed to helpers (propertiesFrom(data.x, data.y)) count as used above;
  // a parameter never read at all is dead configuration.
  for (const name of params.keys()) if (!used.has(name)) messages.push({ line: 0, column: 0, message: `parameter ${name} is never read` });
  return messages.sort((a, b) => a.line - b.line || a.column - b.column);
}

const show = (v: unknown) => JSON.stringify(v);

/** The literal paths passed to callInWindow / copyFromWindow / setInWindow / createQueue, by API. */
export function globalAccesses(code: string): Record<string, string[]> {
  const root = parseCode(code);
  const bindings = new Map<string, string>();
  const out: Record<string, string[]> = {};
  const visit = (node: Node) => {
    if (node.type === 'VariableDeclarator' && (node.id as Node).type === 'Identifier') {
      const init = node.init as Node | null;
      if (init?.type === 'CallExpression' && (init.callee as Node).name === 'require') {
        const arg = (init.arguments as Node[])[0];
        if (arg && typeof arg.value === 'string') bindings.set((node.id as Node).name as string, arg.value);
      }
    }
    if (node.type === 'CallExpression' && (node.callee as Node).type === 'Identifier') {
      const api = bindings.get((node.callee as Node).name as string);
      if (api === 'callInWindow' || api === 'copyFromWindow' || api === 'setInWindow' || api === 'createQueue') {
        const arg = (node.arguments as Node[])[0];
        const list = out[api] ?? [];
        out[api] = list;
        list.push(arg?.type === 'Literal' && typeof arg.value === 'string' ? arg.value : '<dynamic>');
      }
    }
    for (const c of children(node)) visit(c);
  };
  visit(root);
  return out;
}

/** The API names a piece of code requires. */
export function requiredApis(code: string): string[] {
  const out = new Set<string>();
  const visit = (node: Node) => {
    if (node.type === 'CallExpression' && (node.callee as Node).type === 'Identifier' && (node.callee as Node).name === 'require') {
      const arg = (node.arguments as Node[])[0];
      if (arg && typeof arg.value === 'string') out.add(arg.value);
    }
    for (const c of children(node)) visit(c);
  };
  visit(parseCode(code));
  return [...out].sort();
}
