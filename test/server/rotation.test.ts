import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyLastUsageCommand,
  GetKeyRotationStatusCommand,
  type KMSClient,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
} from '@aws-sdk/client-kms';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { awsError, bytes, createKey, DAY_MS, rejects, text } from './support.ts';

describe('rotation and last usage', () => {
  let server: Kmslab;
  let kms: KMSClient;
  before(async () => {
    server = await startKmslab();
    kms = server.sdk();
  });
  after(() => server.stop());

  const currentMaterial = async (keyId: string) =>
    (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.CurrentKeyMaterialId;

  test('on-demand rotation makes new material current; older ciphertexts still decrypt with theirs', async () => {
    const keyId = await createKey(kms);
    const firstMaterial = await currentMaterial(keyId);
    const before = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('before rotation') }));
    const arn = `arn:aws:kms:${server.region}:${server.accountId}:key/${keyId}`;
    const rotated = await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    assert.equal(rotated.KeyId, arn);
    const secondMaterial = await currentMaterial(keyId);
    assert.notEqual(secondMaterial, firstMaterial);

    const old = await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }));
    assert.equal(text(old.Plaintext), 'before rotation');
    assert.equal(old.KeyMaterialId, firstMaterial);
    const fresh = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
    assert.equal(fresh.KeyMaterialId, secondMaterial);

    const { Rotations, Truncated } = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    assert.equal(Truncated, false);
    assert.equal(Rotations?.length, 1);
    assert.equal(Rotations?.[0]?.KeyMaterialId, secondMaterial);
    assert.equal(Rotations?.[0]?.KeyId, arn, 'a rotation names its key by ARN, like GetKeyRotationStatus');
    assert.equal(Rotations?.[0]?.RotationType, 'ON_DEMAND');
    assert.equal(Rotations?.[0]?.KeyMaterialState, 'CURRENT');
    assert.ok(Rotations?.[0]?.RotationDate instanceof Date);
    const all = await kms.send(
      new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }),
    );
    assert.deepEqual(
      all.Rotations?.map((r) => [r.KeyMaterialId, r.KeyMaterialState]),
      [
        [firstMaterial, 'NON_CURRENT'],
        [secondMaterial, 'CURRENT'],
      ],
    );

    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.equal(status.KeyRotationEnabled, false);
    assert.equal(status.NextRotationDate, undefined);
  });

  test('at most 25 on-demand rotations, then LimitExceededException as AWS words it', async () => {
    const keyId = await createKey(kms);
    for (let i = 0; i < 25; i++) await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const arn = `arn:aws:kms:${server.region}:${server.accountId}:key/${keyId}`;
    const expected = awsError('test_key_rotations_limits', 'error-response', { '<key-arn>': arn });
    await rejects(kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId })), expected.type, expected.message);
    const pages: number[] = [];
    let Marker: string | undefined;
    do {
      const page = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId, Limit: 4, Marker }));
      pages.push(page.Rotations?.length ?? 0);
      Marker = page.NextMarker;
    } while (Marker);
    assert.deepEqual(pages, [4, 4, 4, 4, 4, 4, 1]);
    await rejects(
      kms.send(new ListKeyRotationsCommand({ KeyId: keyId, Marker: 'x' })),
      'InvalidMarkerException',
    );
  });

  test('a disabled key cannot rotate', async () => {
    const keyId = await createKey(kms);
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    const arn = `arn:aws:kms:${server.region}:${server.accountId}:key/${keyId}`;
    const expected = awsError(
      'test_rotate_key_on_demand_raises_error_given_key_is_disabled',
      'error-response',
      {
        '<key-arn>': arn,
      },
    );
    await rejects(kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId })), expected.type, expected.message);
    await rejects(kms.send(new EnableKeyRotationCommand({ KeyId: keyId })), expected.type, expected.message);
  });

  test('automatic rotation: status shows the period and date; due work rotates when the date comes', async () => {
    const keyId = await createKey(kms);
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('auto') }));
    const enabledAt = Date.now();
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 90);
    const next = status.NextRotationDate?.getTime() ?? assert.fail('no NextRotationDate');
    assert.ok(Math.abs(next - (enabledAt + 90 * DAY_MS)) < 60_000);

    const material = await currentMaterial(keyId);
    await server.service.runDueWork(new Date(next - 1000));
    assert.equal(await currentMaterial(keyId), material);
    await server.service.runDueWork(new Date(next + 1000));
    assert.notEqual(await currentMaterial(keyId), material);
    const { Rotations } = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    assert.equal(Rotations?.[0]?.RotationType, 'AUTOMATIC');
    const after = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.ok((after.NextRotationDate?.getTime() ?? 0) > next);
    const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob }));
    assert.equal(text(Plaintext), 'auto');

    await kms.send(new DisableKeyRotationCommand({ KeyId: keyId }));
    const disabled = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.equal(disabled.KeyRotationEnabled, false);
    assert.equal(disabled.RotationPeriodInDays, undefined);
  });

  test('EnableKeyRotation defaults to 365 days and refuses periods outside 90–2560', async () => {
    const keyId = await createKey(kms);
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
    assert.equal(
      (await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).RotationPeriodInDays,
      365,
    );
    await rejects(
      kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 89 })),
      'ValidationException',
      "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90",
    );
  });

  test('an on-demand rotation leaves the automatic rotation schedule alone', async () => {
    const keyId = await createKey(kms);
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
    const before = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.ok(before.NextRotationDate);
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const after = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.equal(after.KeyRotationEnabled, true);
    assert.deepEqual(after.NextRotationDate, before.NextRotationDate);
  });

  test('GetKeyLastUsage reports the last successful cryptographic operation', async () => {
    const keyId = await createKey(kms);
    const unused = await kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
    assert.equal(unused.KeyId, keyId);
    assert.deepEqual(unused.KeyLastUsage ?? {}, {});
    assert.ok(unused.KeyCreationDate instanceof Date);
    assert.equal(unused.TrackingStartDate?.getTime(), unused.KeyCreationDate?.getTime());

    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('use') }));
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob }));
    await rejects(
      kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { no: 'pe' } })),
      'InvalidCiphertextException',
    );
    // DescribeKey is not a cryptographic operation and does not count.
    await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    const used = await kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
    assert.equal(used.KeyLastUsage?.Operation, 'Decrypt');
    assert.ok(used.KeyLastUsage?.Timestamp instanceof Date);
    assert.ok(Math.abs((used.KeyLastUsage?.Timestamp?.getTime() ?? 0) - Date.now()) < 60_000);
    // The ID of the request that used the key, as its answer's x-amzn-RequestId gave it.
    assert.equal(used.KeyLastUsage?.KmsRequestId, decrypted.$metadata.requestId);
  });
});
