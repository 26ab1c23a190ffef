import { useState } from 'preact/hooks';
import { type Credentials, clientFor, DEFAULT_REGION } from './session.ts';
import { ErrorMessage, useSubmit } from './ui.tsx';

/**
 * Signs in with an access key: ListKeys (one key) checks the credentials against the server, so a wrong secret
 * or an unknown key is refused here with AWS's error, and nothing is stored until it passes.
 */
export function Login({ onSignIn }: { onSignIn(credentials: Credentials): void }) {
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  const [sessionToken, setSessionToken] = useState('');
  const [region, setRegion] = useState(DEFAULT_REGION);
  const { submit, busy, error } = useSubmit(async () => {
    const credentials: Credentials = {
      accessKeyId: accessKeyId.trim(),
      secretAccessKey,
      sessionToken: sessionToken.trim() || undefined,
      region: region.trim(),
    };
    await clientFor(credentials).send('ListKeys', { Limit: 1 });
    onSignIn(credentials);
  });

  return (
    <main class="login">
      <h1>kmslab console</h1>
      <p>
        Sign in with an access key of this kmslab (the banner of <code>kmslab serve</code> prints the default
        one). The console signs every call with it, like any KMS client, and sees what those credentials may
        see. They are kept in this tab's session storage only.
      </p>
      <form class="stacked" onSubmit={submit}>
        <label>
          Access key ID
          <input
            name="accessKeyId"
            required
            autocomplete="username"
            spellcheck={false}
            value={accessKeyId}
            onInput={(event) => setAccessKeyId(event.currentTarget.value)}
          />
        </label>
        <label>
          Secret access key
          <input
            name="secretAccessKey"
            type="password"
            required
            autocomplete="current-password"
            value={secretAccessKey}
            onInput={(event) => setSecretAccessKey(event.currentTarget.value)}
          />
        </label>
        <label>
          Session token (optional)
          <input
            name="sessionToken"
            type="password"
            autocomplete="off"
            value={sessionToken}
            onInput={(event) => setSessionToken(event.currentTarget.value)}
          />
        </label>
        <label>
          Region
          <input
            name="region"
            required
            spellcheck={false}
            value={region}
            onInput={(event) => setRegion(event.currentTarget.value)}
          />
        </label>
        {error !== undefined && <ErrorMessage error={error} />}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
