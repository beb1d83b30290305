import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { normalizeIdentity } from '@idem/core';
import { systemClock } from '../clock.js';
import { Admin } from '../engine/admin.js';
import { openStorage } from '../storage/open.js';
import type { Storage } from '../storage/types.js';

export const ADMIN_HELP = `idem unmerge USER_ID --app ID [--db URL]           split one user id back out of the user it joined
idem split --identity X --app ID [--db URL]         undo every merge into the user holding identity X
idem delete (--user-id U | --identity X) --app ID [--db URL]
idem export (--user-id U | --identity X) --app ID [--db URL] [--out FILE]

These work on the database directly (the default is ./.idem/idem.sqlite, or IDEM_DATABASE_URL), and
record an audit entry naming you (--actor, default cli:<your login>).`;

type Command = 'unmerge' | 'split' | 'delete' | 'export';

export async function adminCommand(command: Command, argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      app: { type: 'string' },
      db: { type: 'string' },
      identity: { type: 'string' },
      'user-id': { type: 'string' },
      actor: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: command === 'unmerge',
    strict: true,
  });
  if (values.help) {
    console.log(ADMIN_HELP);
    return 0;
  }
  if (!values.app) throw new Error(`--app is required\n\n${ADMIN_HELP}`);
  const actor = values.actor ?? `cli:${userInfo().username}`;
  const storage = await openStorage(values.db ?? process.env.IDEM_DATABASE_URL ?? join(resolve('.idem'), 'idem.sqlite'));
  try {
    const admin = new Admin(storage, systemClock);
    const app = values.app;
    // The database knows apps only by their data: one with no users at all is most likely a typo.
    if ((await storage.listUsers(app, { limit: 1 })).users.length === 0)
      throw new Error(`app "${app}" has no users in this database (${values.db ? 'the --db given' : 'is --app or --db wrong?'})`);
    switch (command) {
      case 'unmerge': {
        const userId = positionals[0];
        if (!userId || !/^\d{1,16}$/.test(userId)) throw new Error('idem unmerge needs a USER_ID');
        const r = await admin.unmerge(app, userId, actor);
        console.log(`split user ${r.userId} out of ${r.from}`);
        return 0;
      }
      case 'split': {
        const r = await admin.splitIdentity(app, identityArg(values.identity), actor);
        console.log(`split ${r.split.length} user ids out of ${r.userId}${r.split.length ? `: ${r.split.join(', ')}` : ''}`);
        return 0;
      }
      case 'delete': {
        const r = await admin.deletePerson(app, await target(storage, app, values), actor);
        console.log(`deleted user ids ${r.userIds.join(', ')} and ${r.events} events`);
        return 0;
      }
      case 'export': {
        const data = await admin.exportPerson(app, await target(storage, app, values), actor);
        const text = `${JSON.stringify(data, null, 2)}\n`;
        if (values.out) {
          writeFileSync(values.out, text);
          console.error(`wrote ${values.out}`);
        } else process.stdout.write(text);
        return 0;
      }
    }
  } finally {
    await storage.close();
  }
}

function identityArg(value: string | undefined): string {
  const checked = normalizeIdentity(value);
  if (!checked.ok) throw new Error(`--identity refused (${checked.reason})`);
  return checked.identity;
}

/** The user id a command names, by --user-id or --identity. */
async function target(storage: Storage, app: string, values: { identity?: string; 'user-id'?: string }): Promise<string> {
  if (values['user-id'] && values.identity) throw new Error('give --user-id or --identity, not both');
  if (values['user-id']) return values['user-id'];
  if (!values.identity) throw new Error('give --user-id U or --identity X');
  const user = await storage.getUserByIdentity(app, identityArg(values.identity));
  if (!user) throw new Error('no user has this identity');
  return user.userId;
}
