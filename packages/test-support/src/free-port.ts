import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for a child process that must be told its port up
 * front (Vite's dev server, the SvelteKit build, a collector restarted on the same port). A server the
 * test runs itself listens on port 0 instead (http-server.ts), which cannot race.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
