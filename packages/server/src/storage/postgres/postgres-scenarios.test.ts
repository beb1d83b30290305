import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../replay/runner.js';
import { parseScenario } from '../../replay/scenario.js';
import { PG_TEST_URL, pgTestsEnabled } from './test-env.js';

/** Every scenario file of the repository (and of ../shared when it is there), replayed on PostgreSQL. */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const dirs = [join(repo, 'scenarios'), resolve(repo, '../shared/scenarios')].filter((d) => existsSync(d));
const files = dirs.flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(d, f)),
);
const enabled = await pgTestsEnabled();

describe.skipIf(!enabled)('scenarios on PostgreSQL', () => {
  it('finds the scenario files', () => {
    expect(files.length).toBeGreaterThanOrEqual(14);
  });

  describe.each([false, true])('rawClient %s', (rawClient) => {
    it.each(files.map((f) => [relative(dirname(repo), f), f]))('%s', async (_name, file) => {
      const scenario = parseScenario(readFileSync(file as string, 'utf8'), file as string);
      const result = await runScenario(scenario, { db: PG_TEST_URL, rawClient });
      expect(result.differences).toEqual([]);
      expect(result.pass).toBe(true);
    });
  });
});
