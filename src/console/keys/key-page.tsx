import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { KMSClient } from '../../client/kms-client.ts';
import type { KeyMetadata, PaginatedOperation } from '../../protocol/index.ts';
import { type Async, ErrorMessage, formatDate, TableHead, useAsync, useSession, useSubmit } from '../ui.tsx';
import { Actions } from './key-actions.tsx';
import type { KeyIndex } from './key-index.ts';
import { PolicyEditor } from './policy-editor.tsx';

/** Every item of every page of a per-key list (aliases, tags, grants, rotations: a few pages at most). */
async function everything<T>(pages: AsyncIterable<Record<string, unknown>>, member: string): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...((page[member] as T[] | undefined) ?? []));
  return items;
}

function list<T>(
  client: KMSClient,
  operation: PaginatedOperation,
  input: Record<string, unknown>,
  member: string,
): Promise<T[]> {
  return everything<T>(
    client.paginate(operation, input as never) as AsyncIterable<Record<string, unknown>>,
    member,
  );
}

function Section<T>({
  title,
  state,
  children,
}: {
  title: string;
  state: Async<T>;
  children: (value: T) => ComponentChildren;
}) {
  const id = `section-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {state.error !== undefined ? (
        <ErrorMessage error={state.error} />
      ) : state.value === undefined ? (
        <p class="status">Loading…</p>
      ) : (
        children(state.value)
      )}
    </section>
  );
}

function Field({ name, children }: { name: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{children}</dd>
    </>
  );
}

function Metadata({ metadata }: { metadata: KeyMetadata }) {
  const multiRegion = metadata.MultiRegionConfiguration;
  const algorithms = [
    ...(metadata.EncryptionAlgorithms ?? []),
    ...(metadata.SigningAlgorithms ?? []),
    ...(metadata.MacAlgorithms ?? []),
    ...(metadata.KeyAgreementAlgorithms ?? []),
  ];
  return (
    <dl class="fields">
      <Field name="ARN">
        <span class="mono">{metadata.Arn}</span>
      </Field>
      <Field name="Account">{metadata.AWSAccountId}</Field>
      <Field name="Description">{metadata.Description || '—'}</Field>
      <Field name="State">
        <span class={`state state-${metadata.KeyState}`}>{metadata.KeyState}</span>
      </Field>
      {metadata.DeletionDate !== undefined && (
        <Field name="Deletion date">{formatDate(metadata.DeletionDate)}</Field>
      )}
      <Field name="Key spec">{metadata.KeySpec}</Field>
      <Field name="Key usage">{metadata.KeyUsage}</Field>
      <Field name="Algorithms">{algorithms.join(', ') || '—'}</Field>
      <Field name="Origin">{metadata.Origin}</Field>
      <Field name="Key manager">{metadata.KeyManager}</Field>
      <Field name="Created">{formatDate(metadata.CreationDate)}</Field>
      <Field name="Multi-Region">
        {metadata.MultiRegion
          ? `${multiRegion?.MultiRegionKeyType ?? 'yes'}; primary ${multiRegion?.PrimaryKey?.Region ?? '?'}${
              multiRegion?.ReplicaKeys?.length
                ? `; replicas ${multiRegion.ReplicaKeys.map((replica) => replica.Region).join(', ')}`
                : ''
            }`
          : 'no'}
      </Field>
      {metadata.ExpirationModel && <Field name="Expiration model">{metadata.ExpirationModel}</Field>}
      {metadata.ValidTo !== undefined && (
        <Field name="Material valid to">{formatDate(metadata.ValidTo)}</Field>
      )}
      {metadata.CustomKeyStoreId && <Field name="Custom key store">{metadata.CustomKeyStoreId}</Field>}
      {metadata.CurrentKeyMaterialId && (
        <Field name="Current material ID">
          <span class="mono">{metadata.CurrentKeyMaterialId}</span>
        </Field>
      )}
    </dl>
  );
}

/** A one-line form whose submit calls `run`, shows its error, and clears and reloads on success. */
function AddForm({
  label,
  fields,
  run,
}: {
  label: string;
  fields: { name: string; placeholder: string; initial?: string }[];
  run(values: string[]): Promise<void>;
}) {
  const initial = fields.map((field) => field.initial ?? '');
  const [values, setValues] = useState(initial);
  const { submit, busy, error } = useSubmit(async () => {
    await run(values);
    setValues(initial);
  });
  return (
    <form class="inline-form" onSubmit={submit}>
      {fields.map((field, i) => (
        <label key={field.name}>
          {field.name}
          <input
            value={values[i]}
            placeholder={field.placeholder}
            onInput={(event) => {
              const next = [...values];
              next[i] = event.currentTarget.value;
              setValues(next);
            }}
          />
        </label>
      ))}
      <button type="submit" disabled={busy}>
        {label}
      </button>
      {error !== undefined && <ErrorMessage error={error} />}
    </form>
  );
}

interface Grant {
  GrantId?: string;
  Name?: string;
  GranteePrincipal?: string;
  RetiringPrincipal?: string;
  Operations?: string[];
  Constraints?: unknown;
  CreationDate?: number;
}

/** One key: everything the API says about it, its actions, and its policy editor. */
export function KeyPage({ index, keyId }: { index: KeyIndex; keyId: string }) {
  const { client } = useSession();
  const [round, setRound] = useState(0);
  const changed = () => {
    index.forget(keyId);
    setRound((n) => n + 1);
  };
  const metadata = useAsync(() => client.describeKey(keyId), [keyId, round]);
  const aliases = useAsync(
    () =>
      list<{ AliasName?: string; LastUpdatedDate?: number }>(
        client,
        'ListAliases',
        { KeyId: keyId },
        'Aliases',
      ),
    [keyId, round],
  );
  const tags = useAsync(
    () => list<{ TagKey: string; TagValue: string }>(client, 'ListResourceTags', { KeyId: keyId }, 'Tags'),
    [keyId, round],
  );
  const grants = useAsync(
    () => list<Grant>(client, 'ListGrants', { KeyId: keyId }, 'Grants'),
    [keyId, round],
  );
  const rotation = useAsync(
    async () => ({
      status: await client.send('GetKeyRotationStatus', { KeyId: keyId }),
      rotations: await list<{
        KeyMaterialId?: string;
        RotationDate?: number;
        RotationType?: string;
        KeyMaterialState?: string;
      }>(client, 'ListKeyRotations', { KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }, 'Rotations'),
    }),
    [keyId, round],
  );
  const usage = useAsync(() => client.send('GetKeyLastUsage', { KeyId: keyId }), [keyId, round]);

  return (
    <article aria-labelledby="key-title">
      <p>
        <a href="#/keys">← Keys</a>
      </p>
      <h1 tabIndex={-1} id="key-title">
        <span class="mono">{keyId}</span>
      </h1>
      {metadata.value?.Description && <p class="subtitle">{metadata.value.Description}</p>}
      {metadata.value && <Actions keyId={keyId} metadata={metadata.value} changed={changed} />}
      <div class="cards">
        <Section title="Metadata" state={metadata}>
          {(value) => <Metadata metadata={value} />}
        </Section>
        <Section title="Aliases" state={aliases}>
          {(value) => (
            <>
              {value.length === 0 ? (
                <p class="status">No aliases.</p>
              ) : (
                <ul class="plain">
                  {value.map((alias) => (
                    <li key={alias.AliasName} class="mono">
                      {alias.AliasName}
                    </li>
                  ))}
                </ul>
              )}
              <AddForm
                label="Add alias"
                fields={[{ name: 'Alias name', placeholder: 'alias/my-key', initial: 'alias/' }]}
                run={async ([name = '']) => {
                  await client.createAlias(name, keyId);
                  index.addAlias(keyId, name);
                  aliases.reload();
                }}
              />
            </>
          )}
        </Section>
        <Section title="Tags" state={tags}>
          {(value) => (
            <>
              {value.length === 0 ? (
                <p class="status">No tags.</p>
              ) : (
                <table>
                  <TableHead columns={['Key', 'Value']} />
                  <tbody>
                    {value.map((tag) => (
                      <tr key={tag.TagKey}>
                        <td>{tag.TagKey}</td>
                        <td>{tag.TagValue}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <AddForm
                label="Add tag"
                fields={[
                  { name: 'Tag key', placeholder: 'team' },
                  { name: 'Tag value', placeholder: 'payments' },
                ]}
                run={async ([TagKey = '', TagValue = '']) => {
                  await client.send('TagResource', { KeyId: keyId, Tags: [{ TagKey, TagValue }] });
                  tags.reload();
                }}
              />
            </>
          )}
        </Section>
        <PolicyEditor keyId={keyId} />
        <Section title="Grants" state={grants}>
          {(value) =>
            value.length === 0 ? (
              <p class="status">No grants.</p>
            ) : (
              <div class="table-wrap">
                <table>
                  <TableHead
                    columns={[
                      'Grant ID',
                      'Name',
                      'Grantee',
                      'Retiring principal',
                      'Operations',
                      'Constraints',
                      'Created',
                    ]}
                  />
                  <tbody>
                    {value.map((grant) => (
                      <tr key={grant.GrantId}>
                        <td class="mono">{grant.GrantId}</td>
                        <td>{grant.Name ?? '—'}</td>
                        <td class="mono">{grant.GranteePrincipal}</td>
                        <td class="mono">{grant.RetiringPrincipal ?? '—'}</td>
                        <td>{grant.Operations?.join(', ')}</td>
                        <td class="mono">{grant.Constraints ? JSON.stringify(grant.Constraints) : '—'}</td>
                        <td class="nowrap">{formatDate(grant.CreationDate)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Section>
        <Section title="Rotation" state={rotation}>
          {({ status, rotations }) => (
            <>
              <dl class="fields">
                <Field name="Automatic rotation">
                  {status.KeyRotationEnabled ? `every ${status.RotationPeriodInDays} days` : 'off'}
                </Field>
                {status.NextRotationDate !== undefined && (
                  <Field name="Next rotation">{formatDate(status.NextRotationDate)}</Field>
                )}
                {status.OnDemandRotationStartDate !== undefined && (
                  <Field name="On-demand rotation started">
                    {formatDate(status.OnDemandRotationStartDate)}
                  </Field>
                )}
              </dl>
              <h3>Material versions</h3>
              {rotations.length === 0 ? (
                <p class="status">No material listed.</p>
              ) : (
                <div class="table-wrap">
                  <table>
                    <TableHead columns={['Material ID', 'Rotated', 'Type', 'State']} />
                    <tbody>
                      {rotations.map((entry) => (
                        <tr key={entry.KeyMaterialId ?? entry.RotationDate}>
                          <td class="mono">{entry.KeyMaterialId ?? '—'}</td>
                          <td class="nowrap">{formatDate(entry.RotationDate)}</td>
                          <td>{entry.RotationType ?? '—'}</td>
                          <td>{entry.KeyMaterialState ?? '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          )}
        </Section>
        <Section title="Last usage" state={usage}>
          {(value) => (
            <dl class="fields">
              <Field name="Operation">
                {value.KeyLastUsage?.Operation ?? 'not used since tracking started'}
              </Field>
              {value.KeyLastUsage?.Timestamp !== undefined && (
                <Field name="When">{formatDate(value.KeyLastUsage.Timestamp)}</Field>
              )}
              {value.KeyLastUsage?.KmsRequestId && (
                <Field name="Request ID">
                  <span class="mono">{value.KeyLastUsage.KmsRequestId}</span>
                </Field>
              )}
              <Field name="Tracking since">{formatDate(value.TrackingStartDate)}</Field>
            </dl>
          )}
        </Section>
      </div>
    </article>
  );
}
