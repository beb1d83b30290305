/**
 * The harness in a real page (bundled by the end-to-end tests): GTM's sandbox APIs over the real
 * window, injectScript appending a real <script>, the declared permissions enforced. The template
 * runs as a function of (require, data); the offline tests run the same code in a stripped node:vm
 * realm and lint it, so here it is only the bridge to the real page that is under test.
 */
import { domLoadScript } from './dom.js';
import type { Permissions } from './permissions.js';
import { fireTag, type TagResult, type TemplateFunction } from './run.js';
import { createPage } from './sandbox.js';

declare global {
  interface Window {
    __gtmHarness: { fire(code: string, data: Record<string, unknown>, permissions: Permissions): Promise<TagResult> };
  }
}

// One page for every tag fired in this document: they share injected scripts and templateStorage.
const page = createPage(window as unknown as Record<string, unknown>, domLoadScript(document));

window.__gtmHarness = {
  fire(code, data, permissions) {
    const template = new Function('require', 'data', code) as TemplateFunction;
    return fireTag(template, { page, permissions, data, timeoutMs: 10_000 });
  },
};
