#!/usr/bin/env node
import { ADMIN_HELP, adminCommand } from './commands/admin.js';
import { MIGRATE_HELP, migrate } from './commands/migrate.js';
import { REPLAY_HELP, replay } from './commands/replay.js';
import { SERVE_HELP, serve } from './commands/serve.js';

const HELP = `idem: the Idem collector

  idem serve [--port] [--host] [--db] [--app ID]... [--config FILE]
  idem replay FILE... [--json] [--raw-client] [--db URL]
  idem migrate --db URL [--schema NAME]
  idem unmerge | split | delete | export ...

${SERVE_HELP}

${REPLAY_HELP}

${MIGRATE_HELP}

${ADMIN_HELP}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      await serve(rest);
      return -1; // keeps running
    case 'replay':
      return replay(rest);
    case 'migrate':
      return migrate(rest);
    case 'unmerge':
    case 'split':
    case 'delete':
    case 'export':
      return adminCommand(command, rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;
    default:
      console.error(`idem: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: Error) => {
    console.error(`idem: ${error.message}`);
    process.exitCode = 2;
  },
);
