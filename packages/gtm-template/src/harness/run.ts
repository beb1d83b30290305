/**
 * Fires the template as GTM fires a tag: its code runs as a function of `require` and `data`, and
 * the tag is done when it calls data.gtmOnSuccess or data.gtmOnFailure. Shared by the Node runner
 * (code compiled in a node:vm context) and the in-browser runner (end-to-end tests).
 */
import type { Permissions } from './permissions.js';
import { API_NAMES, createApis, type Page } from './sandbox.js';
import { describeError, hostRealm, type Realm, toSandbox } from './values.js';

export type TemplateFunction = (require: (name: string) => unknown, data: Record<string, unknown>) => unknown;

export type TagStatus = 'success' | 'failure' | 'threw' | 'timeout';

export interface TagResult {
  status: TagStatus;
  /** The exception, for 'threw' (thrown by the code, an API or a callback). */
  error?: string;
  /** logToConsole lines printed (debug mode). */
  logs: string[];
  /** The sandbox APIs the template asked for, in order. */
  required: string[];
}

export interface FireOptions {
  page: Page;
  permissions: Permissions;
  data: Record<string, unknown>;
  sandboxRealm?: Realm;
  debugMode?: boolean;
  /** How long to wait for gtmOnSuccess/gtmOnFailure. Default 10 s. */
  timeoutMs?: number;
}

export function fireTag(template: TemplateFunction, options: FireOptions): Promise<TagResult> {
  const logs: string[] = [];
  const required: string[] = [];
  return new Promise<TagResult>((resolve) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (status: TagStatus, error?: unknown) => {
      if (settled) {
        // A second completion is a template bug GTM would not report; the harness does.
        if (status !== 'threw') logs.push(`harness: ${status} signalled after the tag was already done`);
        return;
      }
      settled = true;
      if (timer) clearTimeout(timer);
      resolve({ status, ...(error === undefined ? {} : { error: describeError(error) }), logs, required });
    };
    const apis = createApis({
      page: options.page,
      permissions: options.permissions,
      ...(options.sandboxRealm ? { sandboxRealm: options.sandboxRealm } : {}),
      debugMode: options.debugMode ?? true,
      log: (line) => logs.push(line),
      onAsyncError: (e) => finish('threw', e),
    });
    const require = (name: string) => {
      if (!(API_NAMES as readonly string[]).includes(name) || !(name in apis)) throw new Error(`require: unknown API "${name}"`);
      required.push(name);
      return apis[name];
    };
    const data = toSandbox(options.data, options.sandboxRealm ?? hostRealm, options.page.realm ?? hostRealm) as Record<string, unknown>;
    data.gtmOnSuccess = () => finish('success');
    data.gtmOnFailure = () => finish('failure');
    timer = setTimeout(() => finish('timeout'), options.timeoutMs ?? 10_000);
    try {
      template(require, data);
    } catch (e) {
      finish('threw', e);
    }
  });
}
