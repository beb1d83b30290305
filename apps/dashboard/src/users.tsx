import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Api, Filter, User } from './api.js';
import { formatTime, formatValue, isInitialKey, parseFilter, relativeTime } from './model.js';
import { href, replaceHash, userHref } from './router.js';
import { Avatar, Badge, Card, Empty, ErrorBox, FilterEditor, Spinner } from './ui.js';
import { useAsync } from './use-async.js';

const PAGE = 50;

type ListState =
  | { status: 'loading' }
  | { status: 'error'; error: unknown }
  | { status: 'ok'; users: User[]; next: string | null; more: 'idle' | 'loading' | unknown; stale?: boolean };

/** The Users view: newest activity first (the server sorts by last seen), search, property filters, "Load more". */
export function UsersView({ api, params }: { api: Api; params: URLSearchParams }) {
  const search = params.get('q') ?? '';
  const filters = useMemo(
    () =>
      params
        .getAll('f')
        .map(parseFilter)
        .filter((f): f is Filter => f !== null),
    [params],
  );
  const filterKey = filters.map((f) => `${f.key}=${f.value}`).join('\n');

  const go = (q: string, f: Filter[]) => replaceHash(href('/users', { q, f: f.map((x) => `${x.key}=${x.value}`) }));

  const [text, setText] = useState(search);
  // Follow the URL (back/forward, "clear"), but keep what is being typed, trailing space included.
  useEffect(() => setText((t) => (t.trim() === search ? t : search)), [search]);
  useEffect(() => {
    if (text.trim() === search) return;
    const t = setTimeout(() => go(text.trim(), filters), 250);
    return () => clearTimeout(t);
    // Only typing schedules a search (the hash is the source of truth for the rest).
  }, [text]);

  const names = useAsync((signal) => api.propertyNames(signal), [api]);
  const keys = names.status === 'ok' ? names.data.properties : [];

  const [list, setList] = useState<ListState>({ status: 'loading' });
  const generation = useRef(0);
  // filterKey stands for filters (a new array on each render).
  useEffect(() => {
    const ctrl = new AbortController();
    const gen = ++generation.current;
    // Keep the rows on screen while a new search runs, dimmed, rather than flashing a spinner per keystroke.
    setList((cur) => (cur.status === 'ok' ? { ...cur, stale: true } : { status: 'loading' }));
    api.users({ limit: PAGE, search, filters }, ctrl.signal).then(
      (page) => gen === generation.current && setList({ status: 'ok', users: page.users, next: page.next_cursor, more: 'idle' }),
      (error) => gen === generation.current && !ctrl.signal.aborted && setList({ status: 'error', error }),
    );
    return () => ctrl.abort();
  }, [api, search, filterKey]);

  const loadMore = () => {
    if (list.status !== 'ok' || !list.next || list.more === 'loading') return;
    const gen = generation.current;
    setList({ ...list, more: 'loading' });
    api.users({ limit: PAGE, search, filters, cursor: list.next }).then(
      (page) => {
        if (gen !== generation.current) return;
        setList((cur) => {
          if (cur.status !== 'ok') return cur;
          const seen = new Set(cur.users.map((u) => u.user_id));
          return {
            status: 'ok',
            users: [...cur.users, ...page.users.filter((u) => !seen.has(u.user_id))],
            next: page.next_cursor,
            more: 'idle',
          };
        });
      },
      (error) => gen === generation.current && setList((cur) => (cur.status === 'ok' ? { ...cur, more: error } : cur)),
    );
  };

  const narrowed = search !== '' || filters.length > 0;
  const shownKeys = filters.map((f) => f.key);

  return (
    <div class="page">
      <div class="page-head">
        <div>
          <h1>Users</h1>
          <p class="muted">Everyone who visited or was sent from your servers, most recently active first.</p>
        </div>
      </div>
      <Card>
        <div class="toolbar">
          <label class="search">
            <span class="sr-only">Search users</span>
            <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
              <circle cx="8.5" cy="8.5" r="5.5" fill="none" stroke="currentColor" stroke-width="2" />
              <path d="M13 13l4.5 4.5" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
            </svg>
            <input
              type="search"
              placeholder="Search by identity or user id"
              value={text}
              maxLength={255}
              onInput={(e) => setText((e.target as HTMLInputElement).value)}
              onKeyDown={(e) => e.key === 'Enter' && go(text.trim(), filters)}
            />
          </label>
          <FilterEditor keys={keys} filters={filters} onChange={(f) => go(search, f)} />
        </div>
        {list.status === 'loading' && <Spinner label="Loading users…" />}
        {list.status === 'error' && <ErrorBox error={list.error} title="Could not load users" />}
        {list.status === 'ok' && list.users.length === 0 && (
          <Empty>
            {narrowed ? (
              <>
                No user matches.{' '}
                <button
                  type="button"
                  class="link-btn"
                  onClick={() => {
                    setText('');
                    go('', []);
                  }}
                >
                  Clear the search and filters
                </button>
              </>
            ) : (
              'No users yet. Load a page with the browser SDK, or send a track or add_user_properties call from your server.'
            )}
          </Empty>
        )}
        {list.status === 'ok' && list.users.length > 0 && (
          <>
            <div class={`table-wrap ${list.stale ? 'stale' : ''}`} aria-busy={list.stale ? 'true' : undefined}>
              <table class="table users-table">
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col">Properties</th>
                    <th scope="col">Last seen</th>
                    <th scope="col">First seen</th>
                    <th scope="col" class="num">
                      Sessions
                    </th>
                    <th scope="col" class="num">
                      Devices
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.users.map((u) => (
                    <UserRow key={u.user_id} user={u} highlight={shownKeys} />
                  ))}
                </tbody>
              </table>
            </div>
            <footer class="list-foot">
              <span class="muted" aria-live="polite">
                {list.users.length} {list.users.length === 1 ? 'user' : 'users'} shown{list.next ? ', more available' : ''}
              </span>
              {list.more !== 'idle' && list.more !== 'loading' && <ErrorBox error={list.more} title="Could not load more" />}
              {list.next && (
                <button type="button" class="btn" onClick={loadMore} disabled={list.more === 'loading'}>
                  {list.more === 'loading' ? 'Loading…' : 'Load more'}
                </button>
              )}
            </footer>
          </>
        )}
      </Card>
    </div>
  );
}

function UserRow({ user, highlight }: { user: User; highlight: string[] }) {
  const anonymous = user.identity === null;
  const props = Object.entries(user.properties).filter(([k]) => !isInitialKey(k));
  props.sort((a, b) => Number(highlight.includes(b[0])) - Number(highlight.includes(a[0])) || a[0].localeCompare(b[0]));
  const shown = props.slice(0, 3);
  return (
    <tr>
      <td>
        <a class="user-cell" href={userHref(user.user_id)}>
          <Avatar name={user.display_name} anonymous={anonymous} />
          <span class="user-names">
            <span class="user-name">{user.display_name}</span>
            <span class="user-sub">{anonymous ? <Badge kind="muted">Anonymous</Badge> : <span class="mono">{user.user_id}</span>}</span>
          </span>
        </a>
      </td>
      <td class="props-cell">
        {shown.length === 0 ? (
          <span class="muted">—</span>
        ) : (
          <span class="kv-list">
            {shown.map(([k, v]) => (
              <span class="kv" key={k} title={`${k}: ${formatValue(v)}`}>
                <span class="kv-k">{k}</span>
                <span class="kv-v">{formatValue(v) || '—'}</span>
              </span>
            ))}
            {props.length > shown.length && <span class="muted small">+{props.length - shown.length}</span>}
          </span>
        )}
      </td>
      <td title={formatTime(user.last_seen)}>{relativeTime(user.last_seen)}</td>
      <td title={formatTime(user.first_seen)}>{formatTime(user.first_seen)}</td>
      <td class="num">{user.sessions}</td>
      <td class="num">{user.merged_user_ids.length + 1}</td>
    </tr>
  );
}
