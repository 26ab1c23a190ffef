import { useState } from 'preact/hooks';
import type { KeySpec, KeyUsageType } from '../../protocol/index.ts';
import { CREATABLE_KEY_SPECS, KEY_USAGES } from '../key-specs.ts';
import { errorText } from '../session.ts';
import { ErrorMessage, useSession, useSubmit } from '../ui.tsx';
import type { KeyIndex } from './key-index.ts';

/** CreateKey with any spec and usage kmslab makes, then CreateAlias when an alias is given. */
export function CreateKey({ index }: { index: KeyIndex }) {
  const { client } = useSession();
  const [keySpec, setKeySpec] = useState<KeySpec>('SYMMETRIC_DEFAULT');
  const [keyUsage, setKeyUsage] = useState<KeyUsageType>('ENCRYPT_DECRYPT');
  const [description, setDescription] = useState('');
  const [alias, setAlias] = useState('');
  const [multiRegion, setMultiRegion] = useState(false);

  const chooseSpec = (spec: KeySpec) => {
    setKeySpec(spec);
    if (!KEY_USAGES[spec].includes(keyUsage)) setKeyUsage(KEY_USAGES[spec][0] as KeyUsageType);
  };

  const { submit, busy, error } = useSubmit(async () => {
    const created = await client.createKey({
      KeySpec: keySpec,
      KeyUsage: keyUsage,
      Description: description,
      MultiRegion: multiRegion,
    });
    index.add(created.KeyId, created.Arn ?? '');
    if (alias) {
      try {
        await client.createAlias(alias, created.KeyId);
        index.addAlias(created.KeyId, alias);
      } catch (failure) {
        // The key exists all the same: say so rather than offer to create it again.
        throw new Error(`Key ${created.KeyId} was created, but its alias was not: ${errorText(failure)}`);
      }
    }
    location.hash = `#/keys/${encodeURIComponent(created.KeyId)}`;
  });

  return (
    <section aria-labelledby="create-title">
      <h1 tabIndex={-1} id="create-title">
        Create key
      </h1>
      <form class="stacked" onSubmit={submit}>
        <label>
          Key spec
          <select value={keySpec} onChange={(event) => chooseSpec(event.currentTarget.value as KeySpec)}>
            {CREATABLE_KEY_SPECS.map((spec) => (
              <option key={spec} value={spec}>
                {spec}
              </option>
            ))}
          </select>
        </label>
        <label>
          Key usage
          <select
            value={keyUsage}
            onChange={(event) => setKeyUsage(event.currentTarget.value as KeyUsageType)}
          >
            {KEY_USAGES[keySpec].map((usage) => (
              <option key={usage} value={usage}>
                {usage}
              </option>
            ))}
          </select>
        </label>
        <p class="hint">
          Every key spec and usage pair of AWS's model, but SM2 (AWS offers it in its China Regions only, and
          kmslab does not).
        </p>
        <label>
          Description
          <input
            value={description}
            maxLength={8192}
            onInput={(event) => setDescription(event.currentTarget.value)}
          />
        </label>
        <label>
          Alias (optional)
          <input
            value={alias}
            placeholder="alias/my-key"
            onInput={(event) => setAlias(event.currentTarget.value)}
          />
        </label>
        <label class="inline">
          <input
            type="checkbox"
            checked={multiRegion}
            onChange={(event) => setMultiRegion(event.currentTarget.checked)}
          />
          Multi-Region key
        </label>
        {error !== undefined && <ErrorMessage error={error} />}
        <div class="actions">
          <a class="button" href="#/keys">
            Cancel
          </a>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
    </section>
  );
}
