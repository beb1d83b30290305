import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from './runner.js';
import { parseScenario } from './scenario.js';

// The project's copy of the shared acceptance stories, plus the shared folder itself when it is
// beside the clone, so that stories added there later are picked up.
const root = resolve(import.meta.dirname, '../../../..');
const dirs = [join(root, 'scenarios'), resolve(root, '../shared/scenarios')].filter((d) => existsSync(d));
const files = dirs.flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(d, f)),
);

describe('scenarios through real client cores and a real collector (SQLite)', () => {
  it('finds the scenario files', () => {
    expect(files.length).toBeGreaterThanOrEqual(14);
  });
  for (const file of files) {
    const scenario = parseScenario(readFileSync(file, 'utf8'), file);
    it(`${file.replace(root, '').replace(/^\//, '')}: ${scenario.name}`, async () => {
      const result = await runScenario(scenario);
      expect(result.differences).toEqual([]);
      expect(result.pass).toBe(true);
    });
    it(`${file.replace(root, '').replace(/^\//, '')} with --raw-client ends the same (R16)`, async () => {
      const result = await runScenario(scenario, { rawClient: true });
      expect(result.differences).toEqual([]);
    });
  }
});
