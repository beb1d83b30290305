import { describe, expect, it } from 'vitest';
import { runScenario } from './harness/gtm-tests.js';
import { loadTemplate } from './harness/node.js';

const template = loadTemplate();

describe("the template's own ___TESTS___ scenarios", () => {
  it('has scenarios', () => {
    expect(template.scenarios.length).toBeGreaterThan(10);
  });
  it.each(template.scenarios.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
    const result = runScenario(template, scenario);
    expect(result.error, result.logs.join('\n')).toBeUndefined();
    expect(result.passed).toBe(true);
  });
});
