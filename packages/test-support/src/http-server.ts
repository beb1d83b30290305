import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  /** http://127.0.0.1:port */
  readonly origin: string;
  readonly port: number;
  readonly server: Server;
  /** Stops the server, cutting any connection Chromium kept alive (close() alone would wait for them). */
  close(): Promise<void>;
}

/**
 * Serves `handler` on 127.0.0.1 on a port the system picks (port 0), so suites and parallel runs never
 * collide; each suite's handler is its own (test pages, a built app, a GTM harness).
 */
export async function serveHttp(handler: RequestListener): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
