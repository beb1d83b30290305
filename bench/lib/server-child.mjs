// The collector in a process of its own (so the load generator does not share its CPU), on a SQLite
// file, answering the parent over IPC. Started by lib/ingest.mjs, with --cpu-prof when profiling.
import { startServer } from '@idem/server';

const [db, app] = process.argv.slice(2);
const server = await startServer({
  port: 0,
  db,
  apps: [app],
  serverKey: 'bench-server-key-0123456789',
  rateLimits: false,
  logger: false,
  dashboardDir: null,
});
process.send({ url: server.url });
process.on('message', async (m) => {
  if (m === 'close') {
    await server.close();
    process.disconnect();
    process.exitCode = 0;
  }
});
