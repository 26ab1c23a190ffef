import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  EncryptCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  RetireGrantCommand,
} from '@aws-sdk/client-kms';
import { startKmslab } from '../helpers/kmslab.ts';
import { bytes, createKey, TRUST_ANCHOR } from './support.ts';

const directory = mkdtempSync(join(tmpdir(), 'kmslab-grants-stores-'));
after(() => rmSync(directory, { recursive: true, force: true }));

test('grants, their tokens, custom key stores, keys in them and AWS managed keys survive a restart', async () => {
  const database = join(directory, 'restart.db');
  const rootKey = randomBytes(32);
  const password = 'a-secret-password';
  const first = await startKmslab({ database, rootKey });
  const kms = first.sdk();
  const KeyId = await createKey(kms);
  const { GrantId, GrantToken } = await kms.send(
    new CreateGrantCommand({
      KeyId,
      GranteePrincipal: 'arn:aws:iam::111122223333:role/app',
      Operations: ['Encrypt', 'Decrypt'],
      Constraints: { EncryptionContextEquals: { app: 'orders' } },
      Name: 'persisted',
    }),
  );
  const { CustomKeyStoreId } = await kms.send(
    new CreateCustomKeyStoreCommand({
      CustomKeyStoreName: 'persisted-store',
      CloudHsmClusterId: 'cluster-234abcdefgh',
      TrustAnchorCertificate: TRUST_ANCHOR,
      KeyStorePassword: password,
    }),
  );
  await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }));
  const s3 = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }));
  const listedBefore = await kms.send(new ListGrantsCommand({ KeyId }));
  await first.stop();

  for (const suffix of ['', '-wal']) {
    let file: Buffer;
    try {
      file = readFileSync(database + suffix);
    } catch {
      continue;
    }
    assert.equal(file.indexOf(password), -1, 'the key store password is sealed at rest');
  }

  // Later than the emulated CONNECTING lasts.
  const again = await startKmslab({ database, rootKey, clock: () => new Date(Date.now() + 5_000) });
  try {
    const restarted = again.sdk();
    assert.deepEqual((await restarted.send(new ListGrantsCommand({ KeyId }))).Grants, listedBefore.Grants);
    // The token made before the restart still works: its secret comes from the root key.
    await restarted.send(
      new EncryptCommand({ KeyId, Plaintext: bytes('x'), GrantTokens: [GrantToken ?? ''] }),
    );
    const store = (await restarted.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId })))
      .CustomKeyStores;
    assert.deepEqual(
      store?.map((s) => [s.CustomKeyStoreName, s.ConnectionState, s.CloudHsmClusterId]),
      [['persisted-store', 'CONNECTED', 'cluster-234abcdefgh']],
    );
    const inStore = await restarted.send(new CreateKeyCommand({ CustomKeyStoreId, Origin: 'AWS_CLOUDHSM' }));
    const described = await restarted.send(new DescribeKeyCommand({ KeyId: inStore.KeyMetadata?.KeyId }));
    assert.equal(described.KeyMetadata?.CustomKeyStoreId, CustomKeyStoreId);
    const { Aliases } = await restarted.send(new ListAliasesCommand({}));
    assert.equal(Aliases?.find((a) => a.AliasName === 'alias/aws/s3')?.TargetKeyId, s3.KeyMetadata?.KeyId);
    assert.equal(
      (await restarted.send(new DescribeKeyCommand({ KeyId: 'alias/aws/s3' }))).KeyMetadata?.KeyManager,
      'AWS',
    );
    await restarted.send(new RetireGrantCommand({ GrantToken }));
    assert.deepEqual((await restarted.send(new ListGrantsCommand({ KeyId }))).Grants, []);
    assert.ok(GrantId);
  } finally {
    await again.stop();
  }
});
