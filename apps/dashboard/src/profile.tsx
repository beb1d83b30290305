import { isUserId } from '@idem/core';
import { useEffect, useState } from 'preact/hooks';
import type { Api, EventsPage, IdemEvent, User, Warning } from './api.js';
import {
  formatClock,
  formatDuration,
  formatTime,
  formatValue,
  groupSessions,
  pageName,
  relativeTime,
  type SessionGroup,
  safeHttpUrl,
  splitProperties,
} from './model.js';
import { userHref } from './router.js';
import { Avatar, Badge, Card, Empty, ErrorBox, PropertyTable, Spinner } from './ui.js';
import { useAsync } from './use-async.js';

/** Events per page: the newest first, then older ones on demand. */
const EVENTS_PAGE = 500;

interface ProfileData {
  user: User;
  events: EventsPage;
  warnings: Warning[] | { error: unknown };
}

/** Older events loaded with "Load older events", and where the next page starts. */
interface OlderEvents {
  events: IdemEvent[];
  cursor: string | null;
  busy: boolean;
  error: unknown;
}

/** One user (any of its user ids leads here, following merges): identity, devices, properties, sessions, warnings. */
export function UserProfile({ api, userId, appId }: { api: Api; userId: string; appId: string }) {
  // Bumped after a merge is taken back, so the profile loads again even when the address stays.
  const [version, setVersion] = useState(0);
  const state = useAsync<ProfileData>(
    async (signal) => {
      // Not a user id at all (R1): no request, the same answer as an unknown one.
      if (!isUserId(userId)) throw Object.assign(new Error('not a user id'), { status: 404 });
      const [user, events, warnings] = await Promise.all([
        api.user(userId, signal),
        api.events(userId, { limit: EVENTS_PAGE }, signal),
        api.warnings(userId, signal).then(
          (w) => w.warnings,
          (error: unknown) => ({ error }),
        ),
      ]);
      return { user, events, warnings };
    },
    [api, userId, version],
  );
  const [older, setOlder] = useState<OlderEvents | null>(null);
  // A new user or a reload starts again from the newest page.
  useEffect(() => setOlder(null), [userId, version]);

  const back = (
    <a class="back" href="#/users">
      ← All users
    </a>
  );
  if (state.status === 'loading')
    return (
      <div class="page">
        {back}
        <Spinner label="Loading user…" />
      </div>
    );
  if (state.status === 'error') {
    const notFound = (state.error as { status?: number }).status === 404 || (state.error as { status?: number }).status === 400;
    return (
      <div class="page">
        {back}
        {notFound ? (
          <Card title="User not found">
            <Empty>
              App <b>{appId}</b> has no user <code>{userId}</code>.
            </Empty>
          </Card>
        ) : (
          <ErrorBox error={state.error} title="Could not load this user" />
        )}
      </div>
    );
  }

  const { user, warnings } = state.data;
  const events = older ? [...state.data.events.events, ...older.events] : state.data.events.events;
  const cursor = older ? older.cursor : state.data.events.next_cursor;
  const loadOlder = async () => {
    if (!cursor) return;
    const before = older ?? { events: [], cursor, busy: false, error: null };
    setOlder({ ...before, busy: true, error: null });
    try {
      const page = await api.events(user.user_id, { limit: EVENTS_PAGE, cursor });
      setOlder({ events: [...before.events, ...page.events], cursor: page.next_cursor, busy: false, error: null });
    } catch (error) {
      setOlder({ ...before, busy: false, error });
    }
  };
  const anonymous = user.identity === null;
  const { custom, initial } = splitProperties(user.properties);
  const sessions = groupSessions(events);
  const viaMerged = userId !== user.user_id;

  return (
    <div class="page profile">
      {back}
      <div class="profile-head card">
        <Avatar name={user.display_name} anonymous={anonymous} />
        <div class="profile-title">
          <h1>{user.display_name}</h1>
          <div class="profile-sub">
            {anonymous ? <Badge kind="muted">Anonymous</Badge> : <Badge kind="ok">Identified</Badge>}
            <span>
              User id <span class="mono">{user.user_id}</span>
            </span>
          </div>
        </div>
        <dl class="stats">
          <div>
            <dt>First seen</dt>
            <dd title={formatTime(user.first_seen)}>{formatTime(user.first_seen)}</dd>
          </div>
          <div>
            <dt>Last seen</dt>
            <dd title={formatTime(user.last_seen)}>{relativeTime(user.last_seen)}</dd>
          </div>
          <div>
            <dt>Sessions</dt>
            <dd data-testid="session-count">{user.sessions}</dd>
          </div>
          <div>
            <dt>Devices</dt>
            <dd>{user.merged_user_ids.length + 1}</dd>
          </div>
        </dl>
      </div>
      {viaMerged && (
        <div class="alert alert-info" role="status">
          User id <span class="mono">{userId}</span> was merged into this user.
        </div>
      )}
      <div class="profile-grid">
        <div class="col">
          <Card title="Identity">
            <dl class="props">
              <div class="prop">
                <dt>Identity</dt>
                <dd>{user.identity ?? <span class="muted">none (anonymous)</span>}</dd>
              </div>
              <div class="prop">
                <dt>User id</dt>
                <dd class="mono">{user.user_id}</dd>
              </div>
            </dl>
          </Card>
          <Card title="User ids (devices)" count={user.merged_user_ids.length + 1} class="user-ids">
            <ul class="id-list">
              <li>
                <span class="mono">{user.user_id}</span>
                <Badge kind="info">primary</Badge>
              </li>
              {user.merged_user_ids.map((id) => (
                <li key={id}>
                  <a class="mono" href={userHref(id)}>
                    {id}
                  </a>
                  <Badge kind="muted">merged</Badge>
                  <UnmergeButton api={api} userId={id} onDone={() => setVersion((v) => v + 1)} />
                </li>
              ))}
            </ul>
          </Card>
          <Card title="Properties" count={custom.length} class="custom-props">
            <PropertyTable entries={custom} empty="No custom properties. Set some with addUserProperties." />
          </Card>
          <Card title="Initial properties" count={initial.length} class="initial-props">
            <PropertyTable entries={initial} empty="No initial properties: this user has no pageview yet." />
          </Card>
          <Warnings warnings={warnings} />
        </div>
        <div class="col col-wide">
          <Card title="Sessions" count={sessions.filter((s) => s.sessionId !== null).length} class="sessions">
            {cursor && <p class="muted small">Showing this user's latest {events.length} events.</p>}
            {sessions.length === 0 ? (
              <Empty>No events yet.</Empty>
            ) : (
              sessions.map((s, i) => <SessionCard key={s.sessionId ?? 'server'} session={s} defaultOpen={i < 5} />)
            )}
            {Boolean(older?.error) && <ErrorBox error={older?.error} title="Could not load older events" />}
            {cursor && (
              <button type="button" class="link-button load-older" disabled={older?.busy} onClick={loadOlder}>
                {older?.busy ? 'Loading…' : 'Load older events'}
              </button>
            )}
          </Card>
        </div>
      </div>
    </div>
  );
}

function Warnings({ warnings }: { warnings: ProfileData['warnings'] }) {
  if (!Array.isArray(warnings)) {
    return (
      <Card title="Ingestion warnings" class="warnings">
        <ErrorBox error={warnings.error} title="Could not load warnings" />
      </Card>
    );
  }
  return (
    <Card title="Ingestion warnings" count={warnings.length} class="warnings">
      {warnings.length === 0 ? (
        <Empty>No refused calls for this user.</Empty>
      ) : (
        <ul class="warning-list">
          {warnings.map((w, i) => (
            <li key={`${w.message_id ?? ''}-${i}`} class="warning">
              <div class="warning-top">
                <Badge kind="warn">{w.reason}</Badge>
                <time dateTime={w.time} title={formatTime(w.time)}>
                  {relativeTime(w.time)}
                </time>
              </div>
              <p>{w.detail}</p>
              <p class="muted small">
                {w.identity && (
                  <>
                    identity <b>{w.identity}</b>
                    {' · '}
                  </>
                )}
                {w.user_id && (
                  <>
                    user id <span class="mono">{w.user_id}</span>
                  </>
                )}
                {w.message_id && (
                  <>
                    {' · '}message <span class="mono">{w.message_id}</span>
                  </>
                )}
              </p>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function SessionCard({ session, defaultOpen }: { session: SessionGroup; defaultOpen: boolean }) {
  const [open, setOpen] = useState(defaultOpen);
  const duration = Date.parse(session.end) - Date.parse(session.start);
  const pageviews = session.events.filter((e) => e.type === 'pageview').length;
  return (
    <article class="session" data-session={session.sessionId ?? 'server'}>
      <button type="button" class="session-head" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span class="session-title">
          {session.sessionId === null ? 'Server-side events' : formatTime(session.start)}
          {session.sessionId !== null && duration > 0 && <span class="muted"> · {formatDuration(duration)}</span>}
        </span>
        <span class="session-meta">
          {session.events.length} {session.events.length === 1 ? 'event' : 'events'}
          {pageviews > 0 && ` · ${pageviews} ${pageviews === 1 ? 'pageview' : 'pageviews'}`}
          {session.sessionId !== null && (
            <>
              {' · '}device <span class="mono">{session.userIds.join(', ')}</span>
            </>
          )}
        </span>
        <span class="chev" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
      </button>
      {open && (
        <ol class="timeline">
          {session.events.map((e) => (
            <EventItem key={e.id} event={e} />
          ))}
        </ol>
      )}
    </article>
  );
}

function EventItem({ event }: { event: IdemEvent }) {
  const props = Object.entries(event.properties);
  const link = event.url ? safeHttpUrl(event.url) : null;
  // A pageview is named by its page; the full URL is shown under it.
  const title = event.type === 'pageview' && link ? pageName(link) : event.event;
  return (
    <li class={`event event-${event.type}`}>
      <span class="event-dot" aria-hidden="true" />
      <time dateTime={event.time} title={formatTime(event.time)}>
        {formatClock(event.time)}
      </time>
      <div class="event-body">
        <div class="event-name">
          <span class={`type type-${event.type}`}>{event.type === 'pageview' ? 'Pageview' : 'Event'}</span>
          <b>{title}</b>
        </div>
        {event.url &&
          (link ? (
            <a class="event-url" href={link} target="_blank" rel="noopener noreferrer">
              {event.url}
            </a>
          ) : (
            <span class="event-url">{event.url}</span>
          ))}
        {props.length > 0 && (
          <span class="kv-list">
            {props.map(([k, v]) => (
              <span class="kv" key={k} title={`${k}: ${formatValue(v)}`}>
                <span class="kv-k">{k}</span>
                <span class="kv-v">{formatValue(v)}</span>
              </span>
            ))}
          </span>
        )}
      </div>
    </li>
  );
}

/**
 * Takes a wrong merge back (issue "Beyond Heap"): the user id becomes its own anonymous user again,
 * with its own events and properties, and this user's properties are recomputed. Then shows it.
 */
function UnmergeButton({ api, userId, onDone }: { api: Api; userId: string; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const split = async () => {
    if (!window.confirm(`Split user id ${userId} out of this user? Its events and properties go with it.`)) return;
    setBusy(true);
    setError(null);
    try {
      await api.unmerge(userId);
      if (window.location.hash === userHref(userId)) onDone();
      else window.location.hash = userHref(userId);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  return (
    <span class="unmerge">
      <button type="button" class="link-button" disabled={busy} onClick={split} title="Undo this merge">
        {busy ? 'Splitting…' : 'Split out'}
      </button>
      {error && <span class="error-text">{error}</span>}
    </span>
  );
}
