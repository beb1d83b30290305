import { useEffect, useState } from 'preact/hooks';

/** Hash routes: #/users(?q=&f=k=v), #/users/<user id>, #/charts(?property=&event=&interval=&days=&f=k=v). */
export type Route =
  | { page: 'users'; params: URLSearchParams }
  | { page: 'user'; userId: string; params: URLSearchParams }
  | { page: 'charts'; params: URLSearchParams }
  | { page: 'not-found'; path: string; params: URLSearchParams };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q === -1 ? raw : raw.slice(0, q)) || '/users';
  const params = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
  if (path === '/' || path === '/users') return { page: 'users', params };
  if (path === '/charts') return { page: 'charts', params };
  const m = /^\/users\/([^/]+)$/.exec(path);
  if (m) {
    let userId: string;
    try {
      userId = decodeURIComponent(m[1] as string);
    } catch {
      return { page: 'not-found', path, params };
    }
    return { page: 'user', userId, params };
  }
  return { page: 'not-found', path, params };
}

export function href(path: string, params?: Record<string, string | string[] | null | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v)) for (const item of v) sp.append(k, item);
    else sp.set(k, v);
  }
  const qs = sp.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

export const userHref = (userId: string) => `#/users/${encodeURIComponent(userId)}`;

/** Replaces the hash without a new history entry (typing in a search box should not fill the history). */
export function replaceHash(hash: string): void {
  if (window.location.hash === hash) return;
  window.history.replaceState(window.history.state, '', hash);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
