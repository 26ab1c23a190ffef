import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  type KMSClient,
  ListAliasesCommand,
  type ListAliasesCommandOutput,
  ListKeysCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { bytes, createKey, DAY_MS, PREDEFINED_ALIASES, rejects, text } from './support.ts';

/** Every page of ListKeys at `limit`, from `marker` on: the key IDs in order. */
async function listAllKeys(kms: KMSClient, limit: number, marker?: string): Promise<string[]> {
  const ids: string[] = [];
  let next = marker;
  do {
    const page = await kms.send(new ListKeysCommand({ Limit: limit, Marker: next }));
    assert.ok((page.Keys?.length ?? 0) <= limit);
    ids.push(...(page.Keys ?? []).map((k) => k.KeyId ?? ''));
    next = page.Truncated ? page.NextMarker : undefined;
  } while (next);
  return ids;
}

async function listAllAliases(kms: KMSClient, limit: number, keyId?: string): Promise<string[]> {
  const names: string[] = [];
  let page: ListAliasesCommandOutput | undefined;
  do {
    page = await kms.send(new ListAliasesCommand({ Limit: limit, KeyId: keyId, Marker: page?.NextMarker }));
    assert.ok((page.Aliases?.length ?? 0) <= limit);
    names.push(...(page.Aliases ?? []).map((a) => a.AliasName ?? ''));
  } while (page.Truncated);
  return names;
}

describe('ListKeys and ListAliases pages', () => {
  let server: Kmslab;
  let kms: KMSClient;
  const created: string[] = [];
  before(async () => {
    server = await startKmslab();
    kms = server.sdk();
    for (let i = 0; i < 25; i++) created.push(await createKey(kms, { Description: `key ${i}` }));
  });
  after(() => server.stop());

  test('list every key once, in creation order, whatever the page size', async () => {
    assert.deepEqual(await listAllKeys(kms, 7), created);
    assert.deepEqual(await listAllKeys(kms, 1000), created);
  });

  test('a marker keeps its place when the key it follows is deleted, and keys created since are listed', async () => {
    const first = await kms.send(new ListKeysCommand({ Limit: 10 }));
    assert.deepEqual(
      first.Keys?.map((k) => k.KeyId),
      created.slice(0, 10),
    );
    for (const KeyId of created.slice(9, 11)) {
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    }
    await server.service.runDueWork(new Date(Date.now() + 8 * DAY_MS));
    const later = await createKey(kms);

    assert.deepEqual(await listAllKeys(kms, 4, first.NextMarker), [...created.slice(11), later]);
  });

  test('a marker kmslab did not give, or gave for another list, is refused with InvalidMarkerException', async () => {
    const forged = Buffer.from(JSON.stringify({ list: 'keys', after: 'not-a-position' })).toString(
      'base64url',
    );
    await rejects(kms.send(new ListKeysCommand({ Marker: forged })), 'InvalidMarkerException');
    const aliasMarker = Buffer.from(JSON.stringify({ list: 'aliases', after: 'alias/a' })).toString(
      'base64url',
    );
    await rejects(kms.send(new ListKeysCommand({ Marker: aliasMarker })), 'InvalidMarkerException');
  });

  test('ListAliases pages by alias name, for the account or for one key', async () => {
    const [one = '', two = ''] = created.slice(-2);
    const names = { [one]: [] as string[], [two]: [] as string[] };
    for (let i = 0; i < 30; i++) {
      const target = i % 3 === 0 ? two : one;
      const AliasName = `alias/listing-${String((i * 7) % 30).padStart(2, '0')}`;
      await kms.send(new CreateAliasCommand({ AliasName, TargetKeyId: target }));
      names[target]?.push(AliasName);
    }
    const all = [...(names[one] ?? []), ...(names[two] ?? []), ...PREDEFINED_ALIASES].sort();
    assert.deepEqual(await listAllAliases(kms, 7), all);
    assert.deepEqual(await listAllAliases(kms, 100), all);
    assert.deepEqual(await listAllAliases(kms, 3, two), names[two]?.sort());
    assert.deepEqual(await listAllAliases(kms, 100, one), names[one]?.sort());
  });
});

describe('a bounded key cache', () => {
  test('keys dropped from the cache come back as they are on disk: state, rotations, material', async () => {
    const server = await startKmslab({ keyCacheSize: 2 });
    try {
      const kms = server.sdk();
      const keys: string[] = [];
      const ciphertexts: Uint8Array[] = [];
      for (let i = 0; i < 5; i++) {
        const keyId = await createKey(kms);
        keys.push(keyId);
        const { CiphertextBlob } = await kms.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: bytes(`${i}`) }),
        );
        ciphertexts.push(CiphertextBlob ?? assert.fail('no CiphertextBlob'));
      }
      const [disabled = '', rotated = ''] = keys;
      await kms.send(new DisableKeyCommand({ KeyId: disabled }));
      await kms.send(new RotateKeyOnDemandCommand({ KeyId: rotated }));
      const current = (await kms.send(new DescribeKeyCommand({ KeyId: rotated }))).KeyMetadata
        ?.CurrentKeyMaterialId;
      // Touch the other keys so that both are dropped from the cache of two.
      for (const keyId of keys.slice(2)) await kms.send(new DescribeKeyCommand({ KeyId: keyId }));

      await rejects(
        kms.send(new EncryptCommand({ KeyId: disabled, Plaintext: bytes('x') })),
        'DisabledException',
      );
      const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: rotated, NumberOfBytes: 32 }));
      assert.equal(dataKey.KeyMaterialId, current);
      for (const [i, CiphertextBlob] of ciphertexts.entries()) {
        if (i === 0) continue;
        const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob }));
        assert.equal(text(Plaintext), `${i}`);
      }
    } finally {
      await server.stop();
    }
  });
});
