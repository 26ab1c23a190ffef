import { useState } from 'preact/hooks';
import type { KeyMetadata } from '../../protocol/index.ts';
import { ConfirmButton, ErrorMessage, useSession } from '../ui.tsx';

/**
 * What can be done to a key from its page, by its state: disable (asks first) or enable, schedule deletion (asks
 * first, with the waiting period) or cancel it, and rotate a symmetric key's material now (asks first). `changed`
 * reloads the page's view of the key.
 */
export function Actions({
  keyId,
  metadata,
  changed,
}: {
  keyId: string;
  metadata: KeyMetadata;
  changed(): void;
}) {
  const { client } = useSession();
  const [days, setDays] = useState(30);
  const [error, setError] = useState<unknown>();
  const act = async (call: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await call();
    } catch (failure) {
      setError(failure);
    }
    changed();
  };
  const state = metadata.KeyState;
  return (
    <div class="toolbar actions-bar">
      {state === 'Enabled' && (
        <ConfirmButton
          label="Disable"
          title="Disable this key?"
          confirm="Disable key"
          run={async () => {
            await client.send('DisableKey', { KeyId: keyId });
            changed();
          }}
        >
          <p>Every cryptographic operation with the key fails until it is enabled again.</p>
        </ConfirmButton>
      )}
      {state === 'Disabled' && (
        <button type="button" onClick={() => act(() => client.send('EnableKey', { KeyId: keyId }))}>
          Enable
        </button>
      )}
      {state === 'PendingDeletion' ? (
        <button type="button" onClick={() => act(() => client.send('CancelKeyDeletion', { KeyId: keyId }))}>
          Cancel deletion
        </button>
      ) : (
        <ConfirmButton
          label="Schedule deletion"
          title="Schedule this key's deletion?"
          confirm="Schedule deletion"
          run={async () => {
            await client.send('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: days });
            changed();
          }}
        >
          <p>
            After the waiting period the key and its material are gone, and nothing encrypted under it can be
            decrypted again. Until then the key is unusable, and the deletion can be cancelled.
          </p>
          <label>
            Waiting period (days, 7–30)
            <input
              type="number"
              min={7}
              max={30}
              required
              value={days}
              onInput={(event) => setDays(Number(event.currentTarget.value))}
            />
          </label>
        </ConfirmButton>
      )}
      {metadata.KeySpec === 'SYMMETRIC_DEFAULT' && (
        <ConfirmButton
          label="Rotate now"
          title="Rotate this key's material now?"
          confirm="Rotate now"
          run={async () => {
            await client.send('RotateKeyOnDemand', { KeyId: keyId });
            changed();
          }}
        >
          <p>
            New material encrypts from now on; the old stays for decryption. AWS allows 25 on-demand rotations
            per key.
          </p>
        </ConfirmButton>
      )}
      {error !== undefined && <ErrorMessage error={error} />}
    </div>
  );
}
