import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Cookies, Handle, RequestEvent } from '@sveltejs/kit';

/**
 * For the tests: SvelteKit's own request cookies (the module its server runtime uses, not a stand-in),
 * and a request through a `handle` the way kit's `respond` runs it: the handle, then `resolve`, then the
 * Set-Cookie headers of every `cookies.set` added to the response.
 */
interface KitCookies {
  get_cookies(
    request: Request,
    url: URL,
  ): { cookies: Cookies; new_cookies: Map<string, unknown>; set_trailing_slash(t: 'never' | 'always' | 'ignore'): void };
  add_cookies_to_headers(headers: Headers, cookies: Iterable<unknown>): void;
}

const kitDir = dirname(createRequire(import.meta.url).resolve('@sveltejs/kit/package.json'));
const kit = (await import(pathToFileURL(join(kitDir, 'src/runtime/server/cookie.js')).href)) as KitCookies;
// The request store `sequence` reads, with tracing off, as kit's runtime sets it up for each request.
const store = (await import('@sveltejs/kit/internal/server' as string)) as {
  with_request_store<T>(store: unknown, fn: () => T): T;
};
const span = { setAttributes() {}, end() {} };
const state = { tracing: { record_span: ({ fn }: { fn: (s: unknown) => unknown }) => fn(span) } };

export interface Sent {
  response: Response;
  event: RequestEvent;
  /** The Set-Cookie lines of the response. */
  setCookies: string[];
}

export async function send(
  handle: Handle,
  opts: { url?: string; cookie?: string; method?: string; inside?: (event: RequestEvent) => unknown } = {},
): Promise<Sent> {
  const url = new URL(opts.url ?? 'http://shop.test/');
  const request = new Request(url, { method: opts.method ?? 'GET', headers: opts.cookie !== undefined ? { cookie: opts.cookie } : {} });
  const { cookies, new_cookies, set_trailing_slash } = kit.get_cookies(request, url);
  set_trailing_slash('never');
  const event = {
    request,
    url,
    cookies,
    locals: {},
    params: {},
    route: { id: '/' },
    isDataRequest: false,
    isSubRequest: false,
    isRemoteRequest: false,
    fetch,
    getClientAddress: () => '127.0.0.1',
    platform: undefined,
    setHeaders: () => {},
    tracing: { enabled: false, root: span, current: span },
  } as unknown as RequestEvent;
  let seen: RequestEvent = event;
  const response = await store.with_request_store({ event, state }, () =>
    handle({
      event,
      resolve: async (e) => {
        seen = e;
        await opts.inside?.(e);
        const res = new Response('ok');
        kit.add_cookies_to_headers(res.headers, new_cookies.values());
        return res;
      },
    }),
  );
  return { response, event: seen, setCookies: response.headers.getSetCookie() };
}

/** The value of cookie `name` in Set-Cookie lines (the last one wins), or undefined. */
export function setValue(setCookies: string[], name: string): string | undefined {
  let out: string | undefined;
  for (const line of setCookies) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    if (pair!.slice(0, eq) === name) out = pair!.slice(eq + 1);
  }
  return out;
}

/** The attributes of the Set-Cookie line for `name`, lower-cased keys. */
export function attributes(setCookies: string[], name: string): Record<string, string | true> {
  const line = setCookies.filter((l) => l.startsWith(`${name}=`)).at(-1) ?? '';
  const out: Record<string, string | true> = {};
  for (const part of line.split(';').slice(1)) {
    const [k, v] = part.trim().split('=');
    out[k!.toLowerCase()] = v ?? true;
  }
  return out;
}
