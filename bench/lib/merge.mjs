// 4. Merge cost: an anonymous user with 10 events, and one with 1,000,000, each identifying as an
// identity another user holds, so that it merges (R5). Both timed on one database, alternating, as
// Engine.ingest of that one identify message (its whole transaction) on SQLite.
import { Engine, openSqliteStorage, systemClock } from '@idem/server';
import { median, round } from './common.mjs';
import { freshDatabase, openRaw, writeStatements } from './sqlite.mjs';
import { APP, rng } from './workload.mjs';

const NAMES = [
  'Viewed Dashboard',
  'Created Project',
  'Invited Teammate',
  'Report Exported',
  'Search',
  'Added Card',
  'Opened Settings',
  'Played Video',
  'Downloaded File',
  'Logged In',
];

/** Inserts users with the collector's statements: anonymous ones with events, and identified owners. */
function populate(path, plan, now, backgroundUsers) {
  const db = openRaw(path);
  const st = writeStatements(db);
  // The events' indexes are made again after the load (the same schema, built faster).
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL").all();
  for (const i of indexes) db.exec(`DROP INDEX ${i.name}`);
  const insertEvent = db.prepare(
    'INSERT INTO events (app_id, id, user_id, session_id, type, name, properties, time, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const r = rng(7);
  // Other users of the app, so that a statement that scans the app's users shows.
  db.transaction(() => {
    for (let i = 0; i < backgroundUsers; i++) {
      const u = String(1_000_000_000_000_000 + i * 7919);
      st.createUser.run(
        APP,
        u,
        u,
        i % 3 === 0 ? `other${i}@example.com` : null,
        0,
        now - 2 * 86_400_000,
        now - 86_400_000,
        now - 2 * 86_400_000,
      );
    }
  }).immediate();
  let seq = 0;
  const id = () =>
    `m${(seq++).toString(16).padStart(15, '0')}${Math.floor(r() * 2 ** 32)
      .toString(16)
      .padStart(8, '0')}`;
  const users = [];
  const props = (userId, t) => {
    for (const [key, value] of Object.entries({
      plan: 'pro',
      company: 'Acme',
      seats: 12,
      'Initial Browser': 'Chrome',
      'Initial Marketing Channel': 'Direct',
    })) {
      const s = Number(st.writeProp.run(APP, userId, key, JSON.stringify(value), t).lastInsertRowid);
      st.setProp.run(APP, userId, key, JSON.stringify(value), t, s);
    }
  };
  for (const [n, k] of plan) {
    const anon = String(9_000_000_000_000_000 - users.length * 2 - 1 - n);
    const owner = String(8_000_000_000_000_000 - users.length * 2 - n);
    const identity = `merge-${n}-${k}@example.com`;
    const start = now - 86_400_000;
    db.transaction(() => {
      st.createUser.run(APP, owner, owner, identity, 0, start, start, start);
      st.addAttach.run(APP, identity, owner, start);
      props(owner, start);
      st.createUser.run(APP, anon, anon, null, 0, start, now - 1000, start);
      props(anon, start + 1);
      const counts = new Map();
      for (let e = 0; e < n; e++) {
        const name = NAMES[e % NAMES.length];
        insertEvent.run(APP, id(), anon, '1', 'track', name, '{"plan":"pro"}', start + Math.floor((e / n) * 86_000_000), null);
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      for (const [name, c] of counts) st.addCount.run(APP, anon, name, c);
    }).immediate();
    users.push({ events: n, anon, owner, identity, warmup: k >= 1000 });
  }
  for (const i of indexes) db.exec(i.sql);
  db.close();
  return users;
}

export async function benchMerge({ bigEvents, reps, backgroundUsers = 0, log }) {
  const db = await freshDatabase();
  const now = Date.now();
  const plan = [];
  for (let k = 0; k < reps; k++) plan.push([10, k], [bigEvents, k]);
  // A few small ones to warm the engine up, not timed.
  for (let k = 0; k < 5; k++) plan.push([10, 1000 + k]);
  const t0 = Date.now();
  const users = populate(db.path, plan, now, backgroundUsers);
  log?.(`  merge: ${users.reduce((a, u) => a + u.events, 0)} events inserted in ${round((Date.now() - t0) / 1000, 1)} s`);
  const storage = openSqliteStorage({ path: db.path });
  const engine = new Engine(storage, systemClock);
  const times = { small: [], big: [] };
  let msg = 0;
  const identify = async (u) => {
    const m = {
      type: 'identify',
      id: `mergebench${String(msg++).padStart(8, '0')}`,
      user_id: u.anon,
      session_id: '1',
      time: new Date(now).toISOString(),
      identity: u.identity,
    };
    const s = process.hrtime.bigint();
    const [result] = await engine.ingest(APP, [m], {});
    const ms = Number(process.hrtime.bigint() - s) / 1e6;
    const after = await storage.getUser(APP, u.anon);
    if (result.status !== 'accepted' || after?.rootId !== u.owner)
      throw new Error(`merge of ${u.anon} did not happen: ${JSON.stringify(result)}`);
    return ms;
  };
  try {
    for (const u of users.filter((u) => u.warmup)) await identify(u);
    for (const u of users.filter((u) => !u.warmup)) times[u.events === 10 ? 'small' : 'big'].push(await identify(u));
  } finally {
    await storage.close();
    db.remove();
  }
  const small = median(times.small);
  const big = median(times.big);
  return {
    reps,
    backgroundUsers,
    smallEvents: 10,
    bigEvents,
    smallMs: round(small, 3),
    bigMs: round(big, 3),
    allSmallMs: times.small.map((x) => round(x, 3)),
    allBigMs: times.big.map((x) => round(x, 3)),
    ratio: round(big / small, 2),
    targets: { 'merge of 1M-event user within 2x of 10-event user': big <= 2 * small },
  };
}
