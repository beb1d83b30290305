// Debian's Chromium through playwright-core (browsers are never downloaded). Every host name but
// 127.0.0.1 fails to resolve, so an SDK that tries to reach its vendor's servers cannot.
import { chromium } from 'playwright-core';

export async function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      '--enable-precise-memory-info',
    ],
  });
}

/** A fresh context (no cookies, no storage) with one page on the sink's empty page. */
export async function openPage(browser, url) {
  // A desktop Chrome user agent: with "HeadlessChrome" some SDKs drop every event as a bot's.
  const userAgent = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version()} Safari/537.36`;
  const context = await browser.newContext({ userAgent });
  const page = await context.newPage();
  const blocked = [];
  page.on('requestfailed', (r) => {
    if (!r.url().startsWith(url)) blocked.push(r.url());
  });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${url}/`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  return { context, page, cdp, blocked, errors };
}

/** Main-thread busy time so far (ms): all tasks, and the part spent running script. */
export async function mainThread(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  return { task: m.TaskDuration * 1000, script: m.ScriptDuration * 1000 };
}
