import { useEffect, useMemo, useState } from 'preact/hooks';
import { CreateKey } from './keys/create-key.tsx';
import { KeyIndex } from './keys/key-index.ts';
import { KeyList } from './keys/key-list.tsx';
import { KeyPage } from './keys/key-page.tsx';
import { Login } from './login.tsx';
import {
  type Credentials,
  clientFor,
  forgetCredentials,
  storeCredentials,
  storedCredentials,
} from './session.ts';
import { ErrorMessage, Session } from './ui.tsx';

/** Routes live in the fragment: the server serves index.html at /_kmslab/ only, and a reload keeps the view. */
type Route = { view: 'keys' } | { view: 'key'; keyId: string } | { view: 'create-key' } | { view: 'live' };

function route(hash: string): Route {
  const key = /^#\/keys\/(.+)$/.exec(hash);
  if (key?.[1]) return { view: 'key', keyId: decodeURIComponent(key[1]) };
  if (hash === '#/create-key') return { view: 'create-key' };
  if (hash === '#/live') return { view: 'live' };
  return { view: 'keys' };
}

function useRoute(): Route {
  const [current, setCurrent] = useState(() => route(location.hash));
  useEffect(() => {
    const changed = () => setCurrent(route(location.hash));
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return current;
}

/** The live view with uPlot, the largest library: a chunk of its own, fetched the first time it is opened. */
function LiveView() {
  const [module, setModule] = useState<typeof import('./live/live.tsx')>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    import('./live/live.tsx').then(setModule, setError);
  }, []);
  if (error !== undefined) return <ErrorMessage error={error} />;
  return module ? <module.Live /> : <p class="status">Loading…</p>;
}

function SignedIn({ credentials, onSignOut }: { credentials: Credentials; onSignOut(): void }) {
  const session = useMemo(() => ({ client: clientFor(credentials), credentials }), [credentials]);
  const index = useMemo(() => new KeyIndex(session.client), [session]);
  useEffect(() => {
    index.load();
  }, [index]);
  const current = useRoute();
  // Focus goes to the new view's heading, so that keyboard and screen-reader users start there.
  useEffect(() => {
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [current]);
  const link = (href: string, label: string, active: boolean) => (
    <a href={href} aria-current={active ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <Session.Provider value={session}>
      <header class="top">
        <span class="brand">kmslab</span>
        <nav aria-label="Main">
          {link('#/keys', 'Keys', current.view !== 'live')}
          {link('#/live', 'Live traffic', current.view === 'live')}
        </nav>
        <span class="who" title={credentials.accessKeyId}>
          {credentials.accessKeyId} · {credentials.region}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        {current.view === 'keys' && <KeyList index={index} />}
        {current.view === 'key' && <KeyPage key={current.keyId} index={index} keyId={current.keyId} />}
        {current.view === 'create-key' && <CreateKey index={index} />}
        {current.view === 'live' && <LiveView />}
      </main>
    </Session.Provider>
  );
}

export function App() {
  const [credentials, setCredentials] = useState(storedCredentials);
  if (!credentials) {
    return (
      <Login
        onSignIn={(signedIn) => {
          storeCredentials(signedIn);
          setCredentials(signedIn);
        }}
      />
    );
  }
  return (
    <SignedIn
      credentials={credentials}
      onSignOut={() => {
        forgetCredentials();
        setCredentials(undefined);
      }}
    />
  );
}
