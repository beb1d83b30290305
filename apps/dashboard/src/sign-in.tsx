import { APP_ID } from '@idem/core';
import { useState } from 'preact/hooks';
import { type Credentials, createApi, signInMessage } from './api.js';
import { DemoLinksList } from './demo-links.js';
import type { DemoLink } from './model.js';
import { lastAppId } from './session.js';
import { Logo } from './shell.js';

/** Checks the key with one cheap read (GET /api/v1/users?limit=1) before keeping it. */
export function SignIn({
  notice,
  demoLinks,
  onSignedIn,
}: {
  notice: string | null;
  demoLinks: DemoLink[];
  onSignedIn: (c: Credentials) => void;
}) {
  const [key, setKey] = useState('');
  const [appId, setAppId] = useState(lastAppId);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const creds = { key: key.trim(), appId: appId.trim() };
    if (!creds.key) return setError('Paste the server key first.');
    if (/\s/.test(creds.key)) return setError('A server key has no spaces or line breaks; paste it again.');
    if (!APP_ID.test(creds.appId)) return setError('An app id is 1 to 64 letters, digits, "_" or "-".');
    setBusy(true);
    setError(null);
    try {
      await createApi(creds).users({ limit: 1 });
      onSignedIn(creds);
    } catch (err) {
      setError(signInMessage(err, creds.appId));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form class="signin-card card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <div class="signin-brand">
          <Logo />
          <span>Idem</span>
        </div>
        <h1 id="signin-title">Sign in to your collector</h1>
        <p class="muted">
          Paste the server key (<code>IDEM_SERVER_KEY</code>, or the one <code>idem serve</code> printed). It stays in this tab only and is
          sent to this collector's API, never stored in a cookie.
        </p>
        {notice && !error && (
          <div class="alert alert-info" role="status">
            {notice}
          </div>
        )}
        {error && (
          <div class="alert alert-error" role="alert" id="signin-error">
            {error}
          </div>
        )}
        <label class="field">
          <span class="field-label">Server key</span>
          <input
            type="password"
            name="key"
            autocomplete="off"
            spellcheck={false}
            required
            value={key}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'signin-error' : undefined}
          />
        </label>
        <label class="field">
          <span class="field-label">App id</span>
          <input
            name="app"
            required
            maxLength={64}
            spellcheck={false}
            value={appId}
            onInput={(e) => setAppId((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {demoLinks.length > 0 && (
          <div class="signin-demos">
            <p class="muted">New here? Open a demo app, log in there, then sign in here and find yourself in the Users view.</p>
            <DemoLinksList links={demoLinks} />
          </div>
        )}
      </form>
    </main>
  );
}
