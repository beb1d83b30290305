import { type Idem, type IdemOptions, idem, type Outcome } from '@idem/browser';

export type { Idem, IdemOptions, Outcome } from '@idem/browser';
export { idem } from '@idem/browser';

export interface InitIdemOptions extends IdemOptions {
  appId: string;
}

/** `page` from `$app/state` (or the `$page` store's value): only its data is read. */
export interface PageLike {
  // biome-ignore lint/suspicious/noExplicitAny: page data is the app's own shape
  data: Record<string, any> | null | undefined;
}

export interface IdentifyFromPageOptions {
  /** Where the logged-in user's identity is in the page data. Default: `data.user?.id`. */
  // biome-ignore lint/suspicious/noExplicitAny: page data is the app's own shape
  identity?: (data: Record<string, any>) => unknown;
  /** Reset the identity (R8) when the page has no user and the device is identified. Default true. */
  resetOnLogout?: boolean;
}

const OK: Outcome = { ok: true };
const inBrowser = () => typeof window !== 'undefined';
let started = false;

/**
 * Starts the browser SDK once, for hooks.client.ts or the root layout. It adopts the cookie the server
 * handle set, so both sides have one user id. During SSR it does nothing. Answers the SDK's singleton.
 */
export function initIdem({ appId, ...options }: InitIdemOptions): Idem {
  if (inBrowser() && !started) {
    started = true;
    // Already started (this module re-run by HMR, or the app's own idem.init): keep that instance.
    if (idem.getUserId() === null) idem.init(appId, options);
  }
  return idem;
}

/**
 * Identifies the device with the page data's user, or resets it when the user has logged out. Call it
 * after each navigation: `afterNavigate(() => identifyFromPage(page))`. Repeats send nothing (R7).
 */
export function identifyFromPage(page: PageLike, options: IdentifyFromPageOptions = {}): Outcome {
  if (!inBrowser()) return OK;
  const data = page?.data ?? {};
  const value = options.identity ? options.identity(data) : data.user?.id;
  if (value !== undefined && value !== null && value !== '') return idem.identify(value as string);
  return options.resetOnLogout !== false && idem.getIdentity() !== null ? idem.resetIdentity() : OK;
}
