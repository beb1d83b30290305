import { randomBytes, webcrypto } from 'node:crypto';
import { createClient, type IdemClient, type KeyValueStore, type Message, type Outcome, type Reason } from '@idem/core';
import { ManualClock } from '../clock.js';
import { startServer } from '../server.js';
import { compare } from './compare.js';
import type { ActualUser, ReplayResult, Scenario, Step } from './scenario.js';

export const SCENARIO_START = Date.parse('2026-01-01T00:00:00Z');
const APP = 'replay';

export interface ReplayOptions {
  /** Database URL or SQLite path; a fresh in-memory SQLite database when left out. */
  db?: string;
  /** Send calls the client refuses anyway, so that the collector's own checks are exercised (R16). */
  rawClient?: boolean;
}

interface Device {
  store: Map<string, string>;
  client: IdemClient;
  outbox: Message[];
}

const random = (b: Uint32Array) => webcrypto.getRandomValues(b);

/**
 * Runs one scenario through real client cores (one per device) and a real collector on a fresh
 * database, over HTTP, with the collector's clock on scenario time (scenarios/README.md).
 */
export async function runScenario(scenario: Scenario, options: ReplayOptions = {}): Promise<ReplayResult> {
  const clock = new ManualClock(SCENARIO_START);
  const serverKey = randomBytes(24).toString('hex');
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    db: options.db ?? ':memory:',
    freshDatabase: true,
    apps: [{ id: APP }],
    serverKey,
    clock,
    rateLimits: false,
  });
  try {
    const backend = serverApi(server.url, serverKey);
    const devices = new Map<string, Device>();
    const messageStep = new Map<string, number>();
    const rejected = new Map<number, string>();
    const lookups: { step: number; value: unknown }[] = [];
    let currentStep = 0;

    const newClient = (store: Map<string, string>, outbox: Message[]) => {
      const kv: KeyValueStore = { get: (k) => store.get(k) ?? null, set: (k, v) => store.set(k, v), remove: (k) => store.delete(k) };
      return createClient({
        storage: kv,
        now: () => clock.now(),
        random,
        send: (m) => {
          messageStep.set(m.id, currentStep);
          outbox.push(m);
        },
        sendRefused: options.rawClient ?? false,
      });
    };
    const device = (name: string): Device => {
      let d = devices.get(name);
      if (!d) {
        const store = new Map<string, string>();
        const outbox: Message[] = [];
        d = { store, outbox, client: newClient(store, outbox) };
        devices.set(name, d);
      }
      return d;
    };
    const refuse = (step: number, outcome: Outcome) => {
      if (!outcome.ok && !rejected.has(step)) rejected.set(step, outcome.reason);
    };

    const flush = async () => {
      for (const d of devices.values()) {
        if (d.outbox.length === 0) continue;
        const messages = d.outbox.splice(0);
        const res = await fetch(`${server.url}/api/v1/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ app_id: APP, sent_at: new Date(clock.now()).toISOString(), messages }),
        });
        const body = (await res.json()) as { results?: { id: string | null; status: string; reason?: string }[]; error?: { code: string } };
        if (!res.ok || !body.results) throw new Error(`collector answered ${res.status}: ${JSON.stringify(body)}`);
        body.results.forEach((r, i) => {
          const step = messageStep.get(r.id ?? messages[i]?.id ?? '');
          if (step !== undefined && (r.status === 'refused' || r.status === 'partial') && !rejected.has(step))
            rejected.set(step, r.reason ?? 'invalid_message');
        });
      }
    };

    let time = SCENARIO_START;
    for (const [index, step] of scenario.steps.entries()) {
      currentStep = index;
      clock.set(time);
      await runStep(step as Step);
      await flush();
      time += step.call === 'advanceTime' ? advance(step) : 1000;
    }

    async function runStep(step: Step) {
      const i = currentStep;
      if (step.call === 'advanceTime') return;
      if (step.server) {
        const identity = step.identity;
        if (step.call === 'addUserProperties') refuse(i, await backend.addUserProperties({ identity, properties: step.properties }));
        else if (step.call === 'track') refuse(i, await backend.track({ identity, event: step.event, properties: step.properties }));
        else if (step.call === 'identify')
          refuse(i, await backend.identify(device(String(step.device)).client.getUserId() as string, identity));
        else throw new Error(`step ${i}: unknown server call ${step.call}`);
        return;
      }
      if (typeof step.device !== 'string') throw new Error(`step ${i}: a client step needs "device"`);
      const d = device(step.device);
      switch (step.call) {
        case 'pageview':
          // A page load: the client is built afresh from the device's storage (R2).
          d.client = newClient(d.store, d.outbox);
          return refuse(i, d.client.pageview(String(step.url ?? ''), (step.referrer as string | undefined) ?? null));
        case 'track':
          return refuse(i, d.client.track(step.event, step.properties));
        case 'identify':
          return refuse(i, d.client.identify(step.identity));
        case 'addUserProperties':
          return refuse(i, d.client.addUserProperties(step.properties));
        case 'resetIdentity':
          return refuse(i, d.client.resetIdentity());
        case 'getIdentity':
          lookups.push({ step: i, value: d.client.getIdentity() });
          return;
        case 'getUserId':
          lookups.push({ step: i, value: d.client.getUserId() });
          return;
        case 'getSessionId':
          lookups.push({ step: i, value: d.client.getSessionId() });
          return;
        case 'clearCookies':
          d.store.clear();
          return;
        default:
          throw new Error(`step ${i}: unknown call ${step.call}`);
      }
    }

    const users = await readUsers(server.url, serverKey);
    const partial = {
      name: scenario.name,
      users,
      rejected: [...rejected.entries()].sort((a, b) => a[0] - b[0]).map(([step, reason]) => ({ step, reason })),
      lookups,
    };
    const differences = compare(scenario.expect, partial);
    return { ...partial, pass: differences.length === 0, differences };
  } finally {
    await server.close();
  }
}

/**
 * Server-side steps call the collector's server-side endpoints directly: the collector's own checks
 * decide (R16), so the verdict is the same with or without --raw-client. (@idem/node is tested
 * against the collector in its own package; the collector does not depend on it.)
 */
function serverApi(base: string, key: string) {
  const post = async (path: string, body: Record<string, unknown>): Promise<Outcome> => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ app_id: APP, ...body }),
    });
    const json = (await res.json()) as { status?: string; reason?: Reason; error?: { code: string } };
    if (res.ok) return json.status === 'partial' ? { ok: false, reason: json.reason as Reason } : { ok: true };
    if (res.status === 400 || res.status === 409) return { ok: false, reason: json.error?.code as Reason };
    throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
  };
  const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return {
    addUserProperties: (i: { identity: unknown; properties: unknown }) => post('/api/add_user_properties', defined(i)),
    track: (i: { identity: unknown; event: unknown; properties?: unknown }) => post('/api/track', defined(i)),
    identify: (userId: string, identity: unknown) => post('/api/v1/identify', defined({ user_id: userId, identity })),
  };
}

function advance(step: Step): number {
  const minutes = Number(step.minutes ?? 0);
  const days = Number(step.days ?? 0);
  return (minutes * 60 + days * 86400) * 1000;
}

/** Reads the end state through the collector's own read API. */
async function readUsers(base: string, key: string): Promise<ActualUser[]> {
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const users: ActualUser[] = [];
  let cursor: string | null = null;
  do {
    const page = await get(`/api/v1/users?app_id=${APP}&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    for (const u of page.users as Record<string, unknown>[]) {
      const events = (await get(`/api/v1/users/${u.user_id}/events?app_id=${APP}&limit=10000`)).events as { type: string; event: string }[];
      users.push({
        userId: u.user_id as string,
        identity: (u.identity as string | null) ?? null,
        properties: u.properties as Record<string, unknown>,
        events: events.filter((e) => e.type === 'track').map((e) => e.event),
        sessions: u.sessions as number,
      });
    }
    cursor = page.next_cursor as string | null;
  } while (cursor);
  return users;
}
