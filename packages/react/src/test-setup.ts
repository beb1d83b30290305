import { startServer } from '@idem/server';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    collector: { url: string; serverKey: string };
  }
}

/** Starts one real collector for the unit tests; each test uses its own identities. */
export default async function setup(project: TestProject) {
  const server = await startServer({
    port: 0,
    db: ':memory:',
    apps: ['demo'],
    serverKey: 'react-unit-tests-key-0123456789',
    rateLimits: false,
  });
  project.provide('collector', { url: server.url, serverKey: server.serverKey });
  return () => server.close();
}
