import { useIdem, useIdentify, useIdentity, useUserProperties } from '@idem/react';
import { useEffect } from 'react';
import { flushSync } from 'react-dom';
import { ACCOUNTS, go, PLANS, type Session, useRoute, useSession } from './accounts.js';

export function App({ endpoint, appId }: { endpoint: string; appId: string }) {
  const session = useSession();
  const { user, plan } = session;
  const idem = useIdem();
  // On every page: who is logged in (null for a visitor). Logging out is the change to null.
  useIdentify(user?.email);
  // After useIdentify, so they go to the user it leaves. `email` also fills the built-in Email.
  useUserProperties(user ? { email: user.email, name: user.name, ...(plan ? { plan } : {}) } : null);
  useEffect(() => {
    window.__idem = idem; // for the end-to-end tests and devtools
  }, [idem]);
  const route = useRoute();

  return (
    <>
      <header>
        <strong>Acme Notes</strong>
        <nav>
          <a href="#/">Home</a>
          <a href="#/pricing">Pricing</a>
          <a href="#/docs">Docs</a>
          {user ? <a href="#/account">Account</a> : <a href="#/login">Log in</a>}
          {user && (
            <button
              type="button"
              onClick={() => {
                // Render the logout now, so useIdentify resets the identity before the next page is
                // counted; otherwise the home page's pageview would still go to the user logging out.
                flushSync(() => session.logOut());
                go('/');
              }}
            >
              Log out
            </button>
          )}
        </nav>
      </header>
      <main>{page(route, session)}</main>
      <IdentityBar endpoint={endpoint} appId={appId} />
    </>
  );
}

function page(route: string, session: Session) {
  switch (route) {
    case '/pricing':
      return <Pricing session={session} />;
    case '/docs':
      return (
        <section>
          <h1>Docs</h1>
          <p>Acme Notes keeps your notes. This page is here to be browsed: each page you open is a pageview.</p>
        </section>
      );
    case '/login':
      return <Login session={session} />;
    case '/account':
      return <AccountPage session={session} />;
    default:
      return (
        <section>
          <h1>Welcome{session.user ? `, ${session.user.name}` : ''}</h1>
          <p>Browse as a visitor, log in with a fake account, pick a plan, log out. Idem follows along.</p>
        </section>
      );
  }
}

function Pricing({ session }: { session: Session }) {
  const idem = useIdem();
  return (
    <section>
      <h1>Pricing</h1>
      <ul className="plans">
        {PLANS.map((p) => (
          <li key={p}>
            <h2>{p}</h2>
            {session.user ? (
              <button
                type="button"
                data-plan={p}
                disabled={session.plan === p}
                onClick={() => {
                  session.choosePlan(p);
                  idem.track('Plan Chosen', { plan: p });
                }}
              >
                {session.plan === p ? 'Your plan' : `Choose ${p}`}
              </button>
            ) : (
              <a href="#/login">Log in to choose</a>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Login({ session }: { session: Session }) {
  return (
    <section>
      <h1>Log in</h1>
      <p>No passwords here: pick an account.</p>
      {ACCOUNTS.map((a) => (
        <button
          key={a.email}
          type="button"
          data-login={a.email}
          onClick={() => {
            session.logIn(a.email);
            go('/account');
          }}
        >
          {a.name} ({a.email})
        </button>
      ))}
    </section>
  );
}

function AccountPage({ session }: { session: Session }) {
  if (!session.user)
    return (
      <section>
        <h1>Account</h1>
        <p>
          You are not logged in. <a href="#/login">Log in</a>
        </p>
      </section>
    );
  return (
    <section>
      <h1>{session.user.name}</h1>
      <p>
        {session.user.email}, plan: <span data-testid="plan">{session.plan ?? 'none yet'}</span>. <a href="#/pricing">Change plan</a>
      </p>
    </section>
  );
}

/** What the SDK believes: the user id, identity and session, live (useIdentity). */
function IdentityBar({ endpoint, appId }: { endpoint: string; appId: string }) {
  const { userId, identity, sessionId } = useIdentity();
  return (
    <footer>
      Idem ({appId} at {endpoint}): user <code data-testid="user-id">{userId ?? '-'}</code>, identity{' '}
      <code data-testid="identity">{identity ?? 'anonymous'}</code>, session <code data-testid="session-id">{sessionId ?? '-'}</code>
    </footer>
  );
}
