import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runScenario } from '../replay/runner.js';
import { parseScenario } from '../replay/scenario.js';

export const REPLAY_HELP = `idem replay FILE|DIR... [--json] [--raw-client] [--db URL]

Runs scenario files (scenarios/README.md) through real client cores, one per device, against a
real collector on a fresh database and app per file. Exits 1 when any scenario fails.

  --json         one JSON object per scenario on standard output
  --raw-client   also send the calls the client refuses, so the collector must refuse them too
  --db URL       run on this database (postgres://... gets a fresh schema per scenario)`;

function expand(paths: string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

export async function replay(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      'raw-client': { type: 'boolean' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(REPLAY_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new Error(`no scenario files given\n\n${REPLAY_HELP}`);
  let failed = 0;
  for (const file of expand(positionals)) {
    const scenario = parseScenario(readFileSync(file, 'utf8'), file);
    const result = await runScenario(scenario, { ...(values.db ? { db: values.db } : {}), rawClient: values['raw-client'] ?? false });
    if (!result.pass) {
      failed += 1;
      process.stderr.write(`FAIL ${file}: ${scenario.name}\n${result.differences.map((d) => `  ${d}`).join('\n')}\n`);
    }
    if (values.json) {
      const { differences: _, ...out } = result;
      console.log(JSON.stringify(out));
    } else console.log(`${result.pass ? 'PASS' : 'FAIL'} ${file}: ${scenario.name}`);
  }
  return failed === 0 ? 0 : 1;
}
