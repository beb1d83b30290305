import { APP_ID } from '@idem/core';
import type { Credentials } from './api.js';

/**
 * The server key lives in sessionStorage only: it is gone when the tab closes, never written to
 * localStorage or a cookie, and never sent anywhere but this origin's API as a bearer header.
 */
const KEY = 'idem.dashboard.key';
const APP = 'idem.dashboard.app';

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // Storage blocked: the user signs in again on each load.
  }
}

let memory: Credentials | null = null;

export function loadCredentials(): Credentials | null {
  const s = storage();
  if (!s) return memory;
  const key = s.getItem(KEY);
  const appId = s.getItem(APP);
  return key && appId && APP_ID.test(appId) ? { key, appId } : null;
}

export function saveCredentials(c: Credentials): void {
  memory = c;
  const s = storage();
  try {
    s?.setItem(KEY, c.key);
    s?.setItem(APP, c.appId);
  } catch {
    // Quota or blocked storage: keep it in memory for this page.
  }
}

export function clearCredentials(): void {
  memory = null;
  const s = storage();
  s?.removeItem(KEY);
  s?.removeItem(APP);
}

/** The last app id used, remembered (it is not a secret) so the sign-in form can offer it. */
export function lastAppId(): string {
  try {
    const v = window.localStorage.getItem(APP);
    return v && APP_ID.test(v) ? v : 'demo';
  } catch {
    return 'demo';
  }
}

export function rememberAppId(appId: string): void {
  try {
    window.localStorage.setItem(APP, appId);
  } catch {
    // Not important.
  }
}
