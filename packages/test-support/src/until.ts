export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Asks `check` every 100 ms until it answers a value (anything but null, undefined or false) and returns
 * it. What the tests wait for (the SDK's batches reaching the collector, a server starting) arrives a
 * little later, never at a known moment. The wait is bounded, and each caller says how long: after
 * `timeoutMs` it throws, naming `what` and the last error `check` threw (errors count as "not yet").
 */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(100);
  }
}
