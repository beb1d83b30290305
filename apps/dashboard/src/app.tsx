import { useCallback, useMemo, useState } from 'preact/hooks';
import { type Credentials, createApi } from './api.js';
import { ChartsView } from './charts.js';
import { useDemoLinks } from './demo-links.js';
import { UserProfile } from './profile.js';
import { useRoute } from './router.js';
import { clearCredentials, loadCredentials, rememberAppId, saveCredentials } from './session.js';
import { Shell } from './shell.js';
import { SignIn } from './sign-in.js';
import { Card, Empty } from './ui.js';
import { UsersView } from './users.js';

export function App() {
  const [creds, setCreds] = useState<Credentials | null>(loadCredentials);
  const [notice, setNotice] = useState<string | null>(null);
  const route = useRoute();
  const demoLinks = useDemoLinks();

  const signOut = useCallback((message: string | null) => {
    clearCredentials();
    setCreds(null);
    setNotice(message);
  }, []);

  const api = useMemo(
    () =>
      creds &&
      createApi(creds, { onUnauthorized: () => signOut('The collector refused the server key (it may have changed). Sign in again.') }),
    [creds, signOut],
  );

  if (!creds || !api) {
    return (
      <SignIn
        notice={notice}
        demoLinks={demoLinks}
        onSignedIn={(c) => {
          saveCredentials(c);
          rememberAppId(c.appId);
          setNotice(null);
          setCreds(c);
          if (!window.location.hash || window.location.hash === '#/') window.location.hash = '#/users';
        }}
      />
    );
  }

  return (
    <Shell
      route={route}
      appId={creds.appId}
      demoLinks={demoLinks}
      onSignOut={() => signOut('Signed out. The key was removed from this tab.')}
    >
      {route.page === 'users' && <UsersView api={api} params={route.params} />}
      {route.page === 'user' && <UserProfile key={route.userId} api={api} userId={route.userId} appId={creds.appId} />}
      {route.page === 'charts' && <ChartsView api={api} params={route.params} />}
      {route.page === 'not-found' && (
        <Card title="Page not found">
          <Empty>
            There is no page at <code>{route.path}</code>. <a href="#/users">Go to the Users view</a>.
          </Empty>
        </Card>
      )}
    </Shell>
  );
}
