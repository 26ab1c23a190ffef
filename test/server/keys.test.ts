import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyLastUsageCommand,
  type KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { DEFAULT_CREDENTIALS } from '../../src/server/defaults.ts';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { awsError, bytes, createKey, DAY_MS, rejects } from './support.ts';

const OTHER_ACCOUNT = {
  accessKeyId: 'AKIAKMSLABOTHERACCT0',
  secretAccessKey: 'kmslabOtherAccountSecretAccessKey000000000',
  accountId: '444455556666',
};

describe('keys: creation, description, listing and the key state machine', () => {
  let server: Kmslab;
  let kms: KMSClient;
  before(async () => {
    server = await startKmslab({ credentials: [DEFAULT_CREDENTIALS, OTHER_ACCOUNT] });
    kms = server.sdk();
  });
  after(() => server.stop());

  test('CreateKey returns the KeyMetadata AWS returns for a symmetric key', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'test key 123' }));
    assert.ok(KeyMetadata);
    const { CreationDate, KeyId, CurrentKeyMaterialId, ...rest } = KeyMetadata;
    assert.match(KeyId ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(CurrentKeyMaterialId ?? '', /^[0-9a-f]{64}$/);
    assert.ok(CreationDate instanceof Date && CreationDate.getTime() / 1000 >= before - 1);
    assert.deepEqual(rest, {
      AWSAccountId: server.accountId,
      Arn: `arn:aws:kms:${server.region}:${server.accountId}:key/${KeyId}`,
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      Description: 'test key 123',
      Enabled: true,
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      KeyManager: 'CUSTOMER',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyState: 'Enabled',
      KeyUsage: 'ENCRYPT_DECRYPT',
      MultiRegion: false,
      Origin: 'AWS_KMS',
    });
  });

  test('CreateKey refuses what AWS refuses: no usage for a non-symmetric spec, SM2 outside China', async () => {
    await rejects(
      kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256' })),
      'ValidationException',
      awsError('test_hmac_create_key_invalid_operations', 'create-hmac-key-without-key-usage').message,
    );
    await rejects(
      kms.send(new CreateKeyCommand({ KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' })),
      'UnsupportedOperationException',
      'KeySpec SM2 is not supported in this Region',
    );
    await rejects(
      kms.send(new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'KEY_AGREEMENT' })),
      'ValidationException',
      'KeyUsage KEY_AGREEMENT is not compatible with KeySpec ECC_SECG_P256K1',
    );
    await rejects(
      kms.send(new CreateKeyCommand({ KeyUsage: 'SIGN_VERIFY' })),
      'ValidationException',
      'KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT',
    );
    await rejects(
      kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM' })),
      'UnsupportedOperationException',
    );
  });

  test('DescribeKey finds a key by ID and by ARN; unknown keys get AWS messages', async () => {
    const keyId = await createKey(kms);
    const arn = `arn:aws:kms:${server.region}:${server.accountId}:key/${keyId}`;
    for (const name of [keyId, arn]) {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: name }));
      assert.equal(KeyMetadata?.KeyId, keyId);
    }
    const missing = '3c2e8f5a-1b2c-4d3e-8f9a-0b1c2d3e4f5a';
    const missingArn = `arn:aws:kms:${server.region}:${server.accountId}:key/${missing}`;
    const notFound = awsError('test_get_key_does_not_exist', 'describe-nonexistent-key-with-id', {
      '<key-arn>': missingArn,
    });
    await rejects(kms.send(new DescribeKeyCommand({ KeyId: missing })), notFound.type, notFound.message);
    await rejects(kms.send(new DescribeKeyCommand({ KeyId: missingArn })), notFound.type, notFound.message);
    const invalid = awsError('test_get_key_invalid_uuid', 'describe-key-with-invalid-uuid');
    await rejects(kms.send(new DescribeKeyCommand({ KeyId: 'fake-key-id' })), invalid.type, invalid.message);
    await rejects(
      kms.send(new DescribeKeyCommand({ KeyId: 'arn:aws:kms:us-east-1:111122223333:bucket/x' })),
      'InvalidArnException',
    );
  });

  test('keys are isolated by region and by account', async () => {
    const keyId = await createKey(kms);
    const otherRegion = server.sdk({ region: 'eu-west-1' });
    const wrongRegion = awsError('test_get_key_in_different_region', 'describe-key-diff-region-with-id', {
      'arn:<partition>:kms:<region>:111111111111:key/<key-id:1>': `arn:aws:kms:eu-west-1:${server.accountId}:key/${keyId}`,
    });
    await rejects(
      otherRegion.send(new DescribeKeyCommand({ KeyId: keyId })),
      wrongRegion.type,
      wrongRegion.message,
    );
    const viaArn = awsError('test_get_key_in_different_region', 'describe-key-diff-region-with-arn', {
      '<secondary-region>': server.region,
    });
    await rejects(
      otherRegion.send(
        new DescribeKeyCommand({ KeyId: `arn:aws:kms:${server.region}:${server.accountId}:key/${keyId}` }),
      ),
      viaArn.type,
      viaArn.message,
    );

    const other = server.sdk(OTHER_ACCOUNT);
    await rejects(other.send(new DescribeKeyCommand({ KeyId: keyId })), 'NotFoundException');
    const { Keys } = await other.send(new ListKeysCommand({}));
    assert.deepEqual(Keys, []);
    const { Keys: eu } = await otherRegion.send(new ListKeysCommand({}));
    assert.deepEqual(eu, []);
  });

  test('ListKeys pages with Limit and Marker and refuses a bad marker', async () => {
    const fresh = await startKmslab();
    try {
      const client = fresh.sdk();
      const created: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { KeyMetadata } = await client.send(new CreateKeyCommand({}));
        created.push(KeyMetadata?.KeyId ?? '');
      }
      const seen: string[] = [];
      let marker: string | undefined;
      let pages = 0;
      do {
        const page = await client.send(new ListKeysCommand({ Limit: 2, Marker: marker }));
        pages++;
        assert.ok((page.Keys?.length ?? 0) <= 2);
        for (const key of page.Keys ?? []) {
          seen.push(key.KeyId ?? '');
          assert.equal(key.KeyArn, `arn:aws:kms:${fresh.region}:${fresh.accountId}:key/${key.KeyId}`);
        }
        assert.equal(page.Truncated, page.NextMarker !== undefined);
        marker = page.NextMarker;
      } while (marker);
      assert.equal(pages, 3);
      assert.deepEqual(seen, created);
      const all = await client.send(new ListKeysCommand({}));
      assert.equal(all.Keys?.length, 5);
      assert.equal(all.Truncated, false);
      await rejects(client.send(new ListKeysCommand({ Marker: 'not-a-marker' })), 'InvalidMarkerException');
      await rejects(
        client.send(new ListKeysCommand({ Limit: 1001 })),
        'ValidationException',
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000",
      );
      // A fresh account lists the predefined aliases of AWS managed keys, as AWS does.
      const aliasesPage = await client.send(new ListAliasesCommand({ Limit: 1 }));
      assert.equal(aliasesPage.Aliases?.[0]?.AliasName, 'alias/aws/acm');
      const keysMarker = (await client.send(new ListKeysCommand({ Limit: 1 }))).NextMarker;
      await rejects(client.send(new ListAliasesCommand({ Marker: keysMarker })), 'InvalidMarkerException');
    } finally {
      await fresh.stop();
    }
  });

  test('disable and enable: a disabled key refuses to encrypt with DisabledException', async () => {
    const keyId = await createKey(kms);
    const arn = `arn:aws:kms:${server.region}:${server.accountId}:key/${keyId}`;
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    const disabled = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(disabled.KeyMetadata?.KeyState, 'Disabled');
    assert.equal(disabled.KeyMetadata?.Enabled, false);
    const expected = awsError(
      'test_rotate_key_on_demand_raises_error_given_key_is_disabled',
      'error-response',
      {
        '<key-arn>': arn,
      },
    );
    await rejects(
      kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') })),
      expected.type,
      expected.message,
    );
    await rejects(
      kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' })),
      expected.type,
      expected.message,
    );
    await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') }));
    await rejects(kms.send(new DisableKeyCommand({ KeyId: 'alias/anything' })), 'InvalidArnException');
  });

  test('schedule deletion → PendingDeletion; cancel → Disabled; windows outside 7–30 days are refused', async () => {
    const keyId = await createKey(kms);
    const arn = `arn:aws:kms:${server.region}:${server.accountId}:key/${keyId}`;
    await rejects(
      kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 6 })),
      'ValidationException',
      "1 validation error detected: Value '6' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7",
    );
    await rejects(
      kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 31 })),
      'ValidationException',
      "1 validation error detected: Value '31' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 30",
    );
    await rejects(kms.send(new CancelKeyDeletionCommand({ KeyId: keyId })), 'KMSInvalidStateException');
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId }));
    assert.equal(scheduled.KeyId, arn);
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    assert.equal(scheduled.PendingWindowInDays, 30);
    const days = ((scheduled.DeletionDate?.getTime() ?? 0) - Date.now()) / DAY_MS;
    assert.ok(days > 29.9 && days <= 30, `deletion in ${days} days`);

    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(KeyMetadata?.KeyState, 'PendingDeletion');
    assert.equal(KeyMetadata?.Enabled, false);
    assert.equal(KeyMetadata?.DeletionDate?.getTime(), scheduled.DeletionDate?.getTime());
    // AWS sets PendingDeletionWindowInDays only for multi-Region primaries waiting on their replicas.
    assert.equal(KeyMetadata?.PendingDeletionWindowInDays, undefined);
    await rejects(
      kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') })),
      'KMSInvalidStateException',
      `${arn} is pending deletion.`,
    );
    await rejects(
      kms.send(new EnableKeyCommand({ KeyId: keyId })),
      'KMSInvalidStateException',
      `${arn} is pending deletion.`,
    );
    await rejects(kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId })), 'KMSInvalidStateException');

    const cancelled = await kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
    assert.equal(cancelled.KeyId, arn);
    const after = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(after.KeyMetadata?.KeyState, 'Disabled');
    assert.equal(after.KeyMetadata?.DeletionDate, undefined);
    await rejects(kms.send(new CancelKeyDeletionCommand({ KeyId: keyId })), 'KMSInvalidStateException');
  });

  test('once the window has passed, due work deletes the key for real, not before, with its aliases', async () => {
    const keyId = await createKey(kms);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/doomed', TargetKeyId: keyId }));
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('gone') }));
    const { DeletionDate } = await kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }),
    );
    const deletion = DeletionDate?.getTime() ?? assert.fail('no DeletionDate');
    await server.service.runDueWork(new Date(deletion - 1000));
    assert.equal(
      (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState,
      'PendingDeletion',
    );
    await server.service.runDueWork(new Date(deletion + 1000));
    await rejects(kms.send(new DescribeKeyCommand({ KeyId: keyId })), 'NotFoundException');
    const { Keys } = await kms.send(new ListKeysCommand({ Limit: 1000 }));
    assert.ok(!Keys?.some((k) => k.KeyId === keyId));
    const { Aliases } = await kms.send(new ListAliasesCommand({ Limit: 100 }));
    assert.ok(!Aliases?.some((a) => a.AliasName === 'alias/doomed'));
    await rejects(kms.send(new DescribeKeyCommand({ KeyId: 'alias/doomed' })), 'NotFoundException');
    await rejects(kms.send(new DecryptCommand({ CiphertextBlob })), 'InvalidCiphertextException');
  });

  test('every operation on a key that does not exist answers NotFoundException with the key ARN', async () => {
    const missing = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const expected = awsError('test_get_key_does_not_exist', 'describe-nonexistent-key-with-id', {
      '<key-arn>': `arn:aws:kms:${server.region}:${server.accountId}:key/${missing}`,
    });
    const calls = [
      () => kms.send(new UpdateKeyDescriptionCommand({ KeyId: missing, Description: 'x' })),
      () => kms.send(new RotateKeyOnDemandCommand({ KeyId: missing })),
      () => kms.send(new GetKeyLastUsageCommand({ KeyId: missing })),
      () => kms.send(new EncryptCommand({ KeyId: missing, Plaintext: bytes('x') })),
      () => kms.send(new CreateAliasCommand({ AliasName: 'alias/nowhere', TargetKeyId: missing })),
    ];
    for (const call of calls) await rejects(call(), expected.type, expected.message);
  });

  test('UpdateKeyDescription changes the description', async () => {
    const keyId = await createKey(kms, { Description: 'before' });
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: 'after' }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(KeyMetadata?.Description, 'after');
  });
});
