/**
 * Runs a template's ___TESTS___ scenarios as GTM's test runner does: the `setup` code, then the
 * scenario's code, as sandboxed JavaScript with GTM's test API (the subset this template's tests
 * use): runCode(data), mock(api, valueOrFunction), mockObject(api, object), assertApi(api) with
 * wasCalled / wasNotCalled / wasCalledWith / wasNotCalledWith, assertThat(value) with isEqualTo /
 * isNotEqualTo / isStrictlyEqualTo / isTrue / isFalse / isUndefined / isDefined / isNull /
 * isNotNull / isTruthy / isFalsy / contains / hasLength, and fail(message).
 *
 * As in GTM, a mocked API skips its permission check; an API left unmocked runs (against a page
 * with an empty window that never finishes loading a script) and is checked against the
 * template's declared permissions, so an undeclared access throws and fails the scenario.
 * runCode also refuses data keys that are not template parameters, catching typos in tests.
 */

import { createSandboxContext } from './node.js';
import type { Permissions } from './permissions.js';
import type { TemplateFunction } from './run.js';
import { API_NAMES, createApis, createPage } from './sandbox.js';
import { dataParameters, type Scenario, type Template } from './tpl.js';
import { deepEqual, describeError, getType, hostRealm, show, toSandbox } from './values.js';

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

export interface ScenarioResult {
  name: string;
  passed: boolean;
  error?: string;
  /** logToConsole output (debug mode). */
  logs: string[];
  /** API calls by name, with their arguments. */
  calls: Record<string, unknown[][]>;
}

const TEST_GLOBALS = ['runCode', 'assertApi', 'assertThat', 'mock', 'mockObject', 'fail', 'require'];

export function runScenario(template: Template, scenario: Scenario, options: { permissions?: Permissions } = {}): ScenarioResult {
  const sandbox = createSandboxContext();
  const page = createPage({}, () => {});
  const logs: string[] = [];
  const calls: Record<string, unknown[][]> = {};
  const mocks = new Map<string, unknown>();
  const objectMocks = new Map<string, unknown>();
  const apis = createApis({
    page,
    permissions: options.permissions ?? template.permissions,
    sandboxRealm: sandbox.realm,
    debugMode: true,
    log: (line) => logs.push(line),
    defer: () => {},
  });
  const record = (name: string, args: unknown[]) => {
    const list = calls[name] ?? [];
    list.push(args);
    calls[name] = list;
  };
  const known = (name: unknown, api: string): string => {
    if (typeof name !== 'string' || !(API_NAMES as readonly string[]).includes(name)) throw new Error(`${api}: unknown API ${show(name)}`);
    return name;
  };
  const requireApi = (name: unknown) => {
    const api = known(name, 'require');
    if (objectMocks.has(api)) return objectMocks.get(api);
    const real = apis[api];
    if (typeof real !== 'function') return real;
    return (...args: unknown[]) => {
      record(api, args);
      if (mocks.has(api)) {
        const m = mocks.get(api);
        return typeof m === 'function' ? Reflect.apply(m, undefined, args) : m;
      }
      return Reflect.apply(real, undefined, args);
    };
  };

  const parameterNames = new Set(dataParameters(template.parameters).map((p) => p.name));
  const templateFn = sandbox.compile<TemplateFunction>(template.code, ['require', 'data'], 'template.js');
  const runCode = (data: unknown) => {
    if (getType(data) !== 'object') throw new Error('runCode: data must be an object');
    for (const key of Object.keys(data as object))
      if (!parameterNames.has(key)) throw new Error(`runCode: data.${key} is not a parameter of the template`);
    const d = toSandbox(data, sandbox.realm, hostRealm) as Record<string, unknown>;
    d.gtmOnSuccess = (...args: unknown[]) => record('gtmOnSuccess', args);
    d.gtmOnFailure = (...args: unknown[]) => record('gtmOnFailure', args);
    return templateFn(requireApi, d);
  };

  const callsOf = (name: string) => calls[name] ?? [];
  const assertApi = (name: unknown) => {
    const api = typeof name === 'string' && (name === 'gtmOnSuccess' || name === 'gtmOnFailure') ? name : known(name, 'assertApi');
    return {
      wasCalled() {
        if (callsOf(api).length === 0) throw new AssertionError(`expected ${api} to have been called`);
      },
      wasNotCalled() {
        if (callsOf(api).length > 0) throw new AssertionError(`expected ${api} not to have been called, got ${show(callsOf(api))}`);
      },
      wasCalledWith(...expected: unknown[]) {
        if (!callsOf(api).some((args) => deepEqual(args, expected)))
          throw new AssertionError(`expected ${api} to have been called with ${show(expected)}; its calls: ${show(callsOf(api))}`);
      },
      wasNotCalledWith(...expected: unknown[]) {
        if (callsOf(api).some((args) => deepEqual(args, expected)))
          throw new AssertionError(`expected ${api} not to have been called with ${show(expected)}`);
      },
    };
  };
  const assertThat = (actual: unknown, opt?: unknown) => {
    const check = (ok: boolean, what: string) => {
      if (!ok) throw new AssertionError(`${typeof opt === 'string' ? `${opt}: ` : ''}expected ${show(actual)} ${what}`);
    };
    return {
      isEqualTo: (expected: unknown) => check(deepEqual(actual, expected), `to equal ${show(expected)}`),
      isNotEqualTo: (expected: unknown) => check(!deepEqual(actual, expected), `not to equal ${show(expected)}`),
      isStrictlyEqualTo: (expected: unknown) => check(actual === expected, `to be ${show(expected)}`),
      isTrue: () => check(actual === true, 'to be true'),
      isFalse: () => check(actual === false, 'to be false'),
      isTruthy: () => check(Boolean(actual), 'to be truthy'),
      isFalsy: () => check(!actual, 'to be falsy'),
      isUndefined: () => check(actual === undefined, 'to be undefined'),
      isDefined: () => check(actual !== undefined, 'to be defined'),
      isNull: () => check(actual === null, 'to be null'),
      isNotNull: () => check(actual !== null, 'not to be null'),
      hasLength: (n: unknown) =>
        check(
          getType(actual) === 'array' || typeof actual === 'string' ? (actual as { length: number }).length === n : false,
          `to have length ${show(n)}`,
        ),
      contains: (...items: unknown[]) =>
        check(
          getType(actual) === 'array'
            ? items.every((item) => (actual as unknown[]).some((v) => deepEqual(v, item)))
            : typeof actual === 'string' && items.every((item) => typeof item === 'string' && actual.indexOf(item) >= 0),
          `to contain ${show(items)}`,
        ),
    };
  };
  const mock = (name: unknown, value: unknown) => {
    mocks.set(known(name, 'mock'), value);
  };
  const mockObject = (name: unknown, value: unknown) => {
    if (getType(value) !== 'object') throw new Error('mockObject: the mock must be an object');
    objectMocks.set(known(name, 'mockObject'), value);
  };
  const fail = (text: unknown) => {
    throw new AssertionError(typeof text === 'string' ? text : 'fail() called');
  };

  try {
    const body = `${template.setup}\n${scenario.code}`;
    const run = sandbox.compile<(...a: unknown[]) => unknown>(body, TEST_GLOBALS, `scenario: ${scenario.name}`);
    run(runCode, assertApi, assertThat, mock, mockObject, fail, requireApi);
    return { name: scenario.name, passed: true, logs, calls };
  } catch (e) {
    return { name: scenario.name, passed: false, error: describeError(e), logs, calls };
  }
}

export function runScenarios(template: Template, options: { permissions?: Permissions } = {}): ScenarioResult[] {
  return template.scenarios.map((s) => runScenario(template, s, options));
}
