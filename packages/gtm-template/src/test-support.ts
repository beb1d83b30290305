/**
 * For the offline tests: a jsdom page on https://shop.example/ that loads scripts for real (through
 * jsdom's resource loading), where the SDK's CDN URL (and a self-hosting URL) answer with the real
 * IIFE bundle, packages/browser/dist/idem.min.js, and every other URL answers 404: no network.
 * The SDK's fetch is Node's, so what it sends reaches a real collector.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { JSDOM, requestInterceptor } from 'jsdom';
import { domLoadScript } from './harness/dom.js';
import { compileTemplate, createSandboxContext } from './harness/node.js';
import type { Permissions } from './harness/permissions.js';
import { fireTag, type TagResult } from './harness/run.js';
import { createPage, type Page } from './harness/sandbox.js';
import type { Template } from './harness/tpl.js';

const require = createRequire(import.meta.url);
export const BUNDLE = readFileSync(require.resolve('@idem/browser/idem.min.js'), 'utf8');

export const CDN_URL = 'https://cdn.jsdelivr.net/npm/@idem/browser@0/dist/idem.min.js';
export const SELF_HOSTED_URL = 'https://static.shop.example/js/idem.min.js';
const SERVED = new Set([CDN_URL, 'https://cdn.jsdelivr.net/npm/@idem/browser@0.1.0/dist/idem.min.js', SELF_HOSTED_URL]);

export interface JsdomPage {
  dom: JSDOM;
  window: any;
  page: Page;
  /** Every URL the page requested, in order. */
  requests: string[];
  fire(data: Record<string, unknown>, permissions?: Permissions): Promise<TagResult>;
  close(): void;
}

export function jsdomPage(template: Template): JsdomPage {
  const requests: string[] = [];
  const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', {
    url: 'https://shop.example/pricing',
    runScripts: 'dangerously',
    pretendToBeVisual: true,
    resources: {
      interceptors: [
        requestInterceptor((request) => {
          requests.push(request.url);
          if (SERVED.has(request.url)) return new Response(BUNDLE, { headers: { 'content-type': 'application/javascript' } });
          return new Response('not found', { status: 404 });
        }),
      ],
    },
  });
  const window = dom.window as any;
  window.fetch = fetch;
  const page = createPage(window, domLoadScript(window.document), { Object: window.Object, Array: window.Array });
  return {
    dom,
    window,
    page,
    requests,
    fire(data, permissions = template.permissions) {
      // Each tag runs in a fresh sandbox, as in GTM.
      const sandbox = createSandboxContext();
      return fireTag(compileTemplate(template.code, sandbox), { page, permissions, data, sandboxRealm: sandbox.realm, timeoutMs: 5000 });
    },
    close() {
      window.idem?.shutdown?.();
      window.close();
    },
  };
}

export const SERVER_KEY = 'gtm-template-test-key-0123456789';

export async function lookup(collectorUrl: string, identity: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${collectorUrl}/api/v1/users?app_id=demo&identity=${encodeURIComponent(identity)}`, {
    headers: { authorization: `Bearer ${SERVER_KEY}` },
  });
  return { status: res.status, body: await res.json() };
}

export async function events(collectorUrl: string, userId: string): Promise<any[]> {
  const res = await fetch(`${collectorUrl}/api/v1/users/${encodeURIComponent(userId)}/events?app_id=demo`, {
    headers: { authorization: `Bearer ${SERVER_KEY}` },
  });
  return ((await res.json()) as { events: any[] }).events;
}

export const uniqueId = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}@example.com`;
