import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage, useAsync, useSession, useSubmit } from '../ui.tsx';

function pretty(policy: string): string {
  try {
    return JSON.stringify(JSON.parse(policy), null, 2);
  } catch {
    return policy;
  }
}

/**
 * The key policy as indented JSON, editable. What is not JSON is refused here, before any request; the rest is
 * PutKeyPolicy's to judge (MalformedPolicyDocumentException, the lockout safety check), and its message shown.
 */
export function PolicyEditor({ keyId }: { keyId: string }) {
  const { client } = useSession();
  const policy = useAsync(
    async () =>
      pretty((await client.send('GetKeyPolicy', { KeyId: keyId, PolicyName: 'default' })).Policy ?? ''),
    [keyId],
  );
  const [text, setText] = useState('');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (policy.value !== undefined) setText(policy.value);
  }, [policy.value]);

  const {
    submit: save,
    busy,
    error,
  } = useSubmit(async () => {
    setSaved(false);
    try {
      JSON.parse(text);
    } catch (failure) {
      throw new Error(`Not saved: the policy is not valid JSON (${(failure as Error).message}).`);
    }
    await client.send('PutKeyPolicy', { KeyId: keyId, PolicyName: 'default', Policy: text });
    setSaved(true);
    policy.reload();
  });

  return (
    <section class="card wide" aria-labelledby="policy-title">
      <h2 id="policy-title">Key policy</h2>
      {policy.error !== undefined ? (
        <ErrorMessage error={policy.error} />
      ) : policy.value === undefined ? (
        <p class="status">Loading…</p>
      ) : (
        <form onSubmit={save}>
          <textarea
            class="mono policy"
            aria-label="Key policy (JSON)"
            aria-describedby="policy-hint"
            spellcheck={false}
            rows={Math.min(30, Math.max(8, text.split('\n').length + 1))}
            value={text}
            onInput={(event) => {
              setText(event.currentTarget.value);
              setSaved(false);
            }}
          />
          <p id="policy-hint" class="hint">
            Saved with PutKeyPolicy: kmslab refuses a malformed policy, and one that would lock you out of the
            key (the policy lockout safety check), with AWS's error.
          </p>
          {error !== undefined && <ErrorMessage error={error} />}
          {saved && (
            <p class="ok" role="status">
              Policy saved.
            </p>
          )}
          <div class="actions">
            <button
              type="button"
              disabled={busy || text === policy.value}
              onClick={() => setText(policy.value ?? '')}
            >
              Revert
            </button>
            <button type="submit" class="primary" disabled={busy}>
              Save policy
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
