import { countsTrigger, NO_DAY, propsTrigger, rowDay, usersTrigger } from './chart-totals-triggers.js';

/**
 * SQLite schema, applied in order and recorded in schema_migrations. Times are integer milliseconds.
 * Property values are stored as JSON text so strings, numbers and booleans keep their type.
 */
export const SQLITE_MIGRATIONS: string[] = [
  `
  CREATE TABLE users (
    app_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    root_id TEXT NOT NULL,
    identity TEXT,
    server_created INTEGER NOT NULL DEFAULT 0,
    first_seen INTEGER,
    last_seen INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, user_id)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX users_identity ON users (app_id, identity) WHERE identity IS NOT NULL;
  CREATE INDEX users_root ON users (app_id, root_id);
  CREATE INDEX users_last_seen ON users (app_id, last_seen DESC, user_id) WHERE user_id = root_id;

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    app_id TEXT NOT NULL,
    id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    session_id TEXT,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    properties TEXT NOT NULL,
    time INTEGER NOT NULL,
    url TEXT
  );
  CREATE UNIQUE INDEX events_id ON events (app_id, id);
  CREATE INDEX events_user ON events (app_id, user_id, time);

  CREATE TABLE messages (
    app_id TEXT NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (app_id, id)
  ) WITHOUT ROWID;

  CREATE TABLE property_writes (
    seq INTEGER PRIMARY KEY,
    app_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    time INTEGER NOT NULL
  );
  CREATE INDEX property_writes_user ON property_writes (app_id, user_id);

  CREATE TABLE user_props (
    app_id TEXT NOT NULL,
    root_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    time INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (app_id, root_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX user_props_value ON user_props (app_id, key, value, root_id);

  CREATE TABLE user_event_counts (
    app_id TEXT NOT NULL,
    root_id TEXT NOT NULL,
    name TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (app_id, root_id, name)
  ) WITHOUT ROWID;
  CREATE INDEX user_event_counts_name ON user_event_counts (app_id, name, root_id);

  CREATE TABLE merges (
    seq INTEGER PRIMARY KEY,
    app_id TEXT NOT NULL,
    from_id TEXT NOT NULL,
    into_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    message_id TEXT
  );
  CREATE INDEX merges_into ON merges (app_id, into_id);

  CREATE TABLE identity_attachments (
    app_id TEXT NOT NULL,
    identity TEXT NOT NULL,
    user_id TEXT NOT NULL,
    time INTEGER NOT NULL
  );
  CREATE INDEX identity_attachments_identity ON identity_attachments (app_id, identity, time);

  CREATE TABLE warnings (
    seq INTEGER PRIMARY KEY,
    app_id TEXT NOT NULL,
    message_id TEXT,
    user_id TEXT,
    identity TEXT,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    time INTEGER NOT NULL
  );
  CREATE INDEX warnings_user ON warnings (app_id, user_id);
  `,
  // Reversible merges, deletion and export (issue "Beyond Heap").
  `
  ALTER TABLE merges ADD COLUMN undone_at INTEGER;
  CREATE INDEX merges_from ON merges (app_id, from_id);
  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    app_id TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL,
    time INTEGER NOT NULL
  );
  CREATE INDEX audit_log_app ON audit_log (app_id, seq);
  `,
  // Precomputed breakdown totals (issue "The dashboard"; decision 0008). A chart's pair (property key,
  // event name, by day or not) is registered the first time the dashboard asks for it; from then on the
  // triggers keep its totals exact in the same transaction as every change to user_props,
  // user_event_counts or users, so answering reads a few rows whatever the number of users. name ''
  // stands for all users (event names are never empty, R10). A bar chart's totals have day ALL_DAYS; a
  // line chart's are split by the UTC day each root was first seen. A pair with too many rows is
  // switched 'off' and answered by a join instead; the pairs asked least recently make room for new
  // ones beyond a number per app (each kept pair costs a little on every write).
  `
  CREATE TABLE breakdown_pairs (
    app_id TEXT NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    by_day INTEGER NOT NULL CHECK (by_day IN (0, 1)),
    state TEXT NOT NULL CHECK (state IN ('on', 'off')),
    asked_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, key, name, by_day)
  ) WITHOUT ROWID;
  CREATE INDEX breakdown_pairs_name ON breakdown_pairs (app_id, name, key);
  CREATE INDEX breakdown_pairs_asked ON breakdown_pairs (app_id, asked_at);

  CREATE TABLE breakdown_totals (
    app_id TEXT NOT NULL,
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    day INTEGER NOT NULL,
    value TEXT NOT NULL,
    users INTEGER NOT NULL,
    PRIMARY KEY (app_id, name, key, day, value)
  ) WITHOUT ROWID;

  ${countsTrigger('insert', 'AFTER INSERT', [['NEW', 1]])}
  ${countsTrigger('delete', 'AFTER DELETE', [['OLD', -1]])}
  ${countsTrigger(
    'move',
    'AFTER UPDATE OF root_id, name',
    [
      ['OLD', -1],
      ['NEW', 1],
    ],
    'OLD.root_id IS NOT NEW.root_id OR OLD.name IS NOT NEW.name',
  )}
  ${propsTrigger('insert', 'AFTER INSERT', [['NEW', 1]])}
  ${propsTrigger('delete', 'AFTER DELETE', [['OLD', -1]])}
  ${propsTrigger(
    'change',
    'AFTER UPDATE OF root_id, key, value',
    [
      ['OLD', -1],
      ['NEW', 1],
    ],
    'OLD.root_id IS NOT NEW.root_id OR OLD.key IS NOT NEW.key OR OLD.value IS NOT NEW.value',
  )}
  ${usersTrigger('insert', 'AFTER INSERT', [
    [`${NO_DAY}`, 'NEW', -1],
    [rowDay('NEW'), 'NEW', 1],
  ])}
  ${usersTrigger('delete', 'AFTER DELETE', [
    [rowDay('OLD'), 'OLD', -1],
    [`${NO_DAY}`, 'OLD', 1],
  ])}
  ${usersTrigger(
    'day',
    'AFTER UPDATE OF first_seen',
    [
      [rowDay('OLD'), 'OLD', -1],
      [rowDay('NEW'), 'NEW', 1],
    ],
    `${rowDay('OLD')} IS NOT ${rowDay('NEW')}`,
  )}
  `,
];
