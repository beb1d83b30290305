import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

// The suites drive the Chromium that Debian packages (apt-get install chromium) through playwright-core,
// which downloads no browser: the tests run offline, in CI and in the dev container alike.

/** Where Chromium is: CHROMIUM_PATH if set (turbo passes it through to `test`), else Debian's. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  // playwright-core's own message for a missing binary suggests `npx playwright install`, which is not how
  // this repository gets its browser: say what to do instead.
  if (!existsSync(path)) {
    throw new Error(`Chromium not found at ${path}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary`);
  }
  return path;
}

/** The flags every suite launches Chromium with. */
export const CHROMIUM_ARGS: readonly string[] = [
  // Containers and CI run as root without user namespaces, where Chromium's sandbox cannot start.
  '--no-sandbox',
  // There is no GPU there; software rendering is enough for screenshots and canvas pixel counts.
  '--disable-gpu',
  // No traffic of Chromium's own (safe browsing, updates, sync): the tests see only the requests the
  // pages make, and nothing leaves the machine.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Launches Chromium headless with CHROMIUM_ARGS plus `extraArgs` (the browser SDK's suite adds
 * --host-resolver-rules). launch() gives every run a fresh temporary user-data-dir and deletes it on close,
 * so no cookie or storage survives from one run to the next; each newContext() is a separate profile.
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}
