import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DeriveSharedSecretCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetKeyLastUsageCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  type KeyMetadata,
  type KMSClient,
  KMSInvalidMacException,
  KMSInvalidSignatureException,
  ListAliasesCommand,
  ListKeyPoliciesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  paginateListAliases,
  paginateListKeyRotations,
  paginateListKeys,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';

/**
 * @aws-sdk/client-kms (JavaScript SDK v3) driving every operation kmslab implements: the SDK is what most Node
 * users point at kmslab, it serializes and deserializes by the current model (blobs as bytes, timestamps as
 * Dates) and maps each `__type` to an exception class, so a wrong shape or error type shows up here. What each
 * operation means (AWS's semantics, states and messages) is tested in test/server/.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface ServiceErrorLike {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number; requestId?: string };
}

describe('@aws-sdk/client-kms against kmslab', () => {
  let server: Kmslab;
  let kms: KMSClient;
  let arnPrefix: string;

  before(async () => {
    server = await startKmslab();
    kms = server.sdk();
    arnPrefix = `arn:aws:kms:${server.region}:${server.accountId}:`;
  });
  after(() => server?.stop());

  async function newKey(description = 'sdk interop'): Promise<KeyMetadata> {
    const created = await kms.send(new CreateKeyCommand({ Description: description }));
    return created.KeyMetadata ?? assert.fail('CreateKey returned no KeyMetadata');
  }

  test('CreateKey with every member kmslab takes; DescribeKey by key ID, key ARN, alias name and alias ARN', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }],
    });
    const created = await kms.send(
      new CreateKeyCommand({
        Description: 'sdk key',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        Origin: 'AWS_KMS',
        MultiRegion: false,
        Policy: policy,
        Tags: [{ TagKey: 'team', TagValue: 'perf' }],
      }),
    );
    assert.equal(created.$metadata.httpStatusCode, 200);
    assert.ok(created.$metadata.requestId);
    const metadata = created.KeyMetadata ?? assert.fail('no KeyMetadata');
    assert.match(metadata.KeyId ?? '', UUID);
    assert.ok(metadata.CreationDate instanceof Date);
    assert.equal(metadata.Description, 'sdk key');

    await kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk-main', TargetKeyId: metadata.KeyId }));
    for (const name of [metadata.KeyId, metadata.Arn, 'alias/sdk-main', `${arnPrefix}alias/sdk-main`]) {
      const described = await kms.send(new DescribeKeyCommand({ KeyId: name }));
      assert.deepEqual(described.KeyMetadata, metadata, `DescribeKey ${name}`);
    }
  });

  test('ListKeys through paginateListKeys (Limit and Marker)', async () => {
    await Promise.all(Array.from({ length: 3 }, (_, i) => newKey(`page ${i}`)));
    const full = await kms.send(new ListKeysCommand({}));
    assert.equal(full.Truncated, false);
    assert.ok((full.Keys?.length ?? 0) >= 3);
    const pages = [];
    for await (const page of paginateListKeys({ client: kms, pageSize: 2 }, {})) pages.push(page.Keys ?? []);
    assert.ok(pages.length >= 2 && pages.every((keys) => keys.length <= 2));
    assert.deepEqual(pages.flat(), full.Keys);
  });

  test('CreateAlias, UpdateAlias, DeleteAlias, ListAliases and paginateListAliases', async () => {
    const [a, b] = await Promise.all([newKey('alias a'), newKey('alias b')]);
    for (const i of [0, 1, 2]) {
      await kms.send(new CreateAliasCommand({ AliasName: `alias/sdk-page-${i}`, TargetKeyId: a.KeyId }));
    }
    const ofA = await kms.send(new ListAliasesCommand({ KeyId: a.KeyId }));
    assert.equal(ofA.Aliases?.length, 3);
    assert.ok(
      ofA.Aliases?.every((alias) => alias.CreationDate instanceof Date && alias.TargetKeyId === a.KeyId),
    );
    const paged = [];
    for await (const page of paginateListAliases({ client: kms, pageSize: 2 }, { KeyId: a.KeyId })) {
      paged.push(...(page.Aliases ?? []));
    }
    assert.deepEqual(paged, ofA.Aliases);

    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/sdk-page-0', TargetKeyId: b.KeyId }));
    assert.equal(
      (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/sdk-page-0' }))).KeyMetadata?.KeyId,
      b.KeyId,
    );
    await kms.send(new DeleteAliasCommand({ AliasName: 'alias/sdk-page-0' }));
    assert.deepEqual((await kms.send(new ListAliasesCommand({ KeyId: b.KeyId }))).Aliases, []);
  });

  test('DisableKey, EnableKey, ScheduleKeyDeletion, CancelKeyDeletion, UpdateKeyDescription', async () => {
    const { KeyId, Arn } = await newKey('lifecycle');
    await kms.send(new DisableKeyCommand({ KeyId }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.KeyState, 'Disabled');
    await kms.send(new EnableKeyCommand({ KeyId }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.KeyState, 'Enabled');

    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    assert.deepEqual(
      { ...scheduled, $metadata: undefined, DeletionDate: scheduled.DeletionDate instanceof Date },
      {
        $metadata: undefined,
        KeyId: Arn,
        KeyState: 'PendingDeletion',
        PendingWindowInDays: 7,
        DeletionDate: true,
      },
    );
    assert.equal((await kms.send(new CancelKeyDeletionCommand({ KeyId }))).KeyId, Arn);

    await kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: 'new' }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.Description, 'new');
  });

  test('TagResource, UntagResource, ListResourceTags, PutKeyPolicy, GetKeyPolicy, ListKeyPolicies', async () => {
    const { KeyId } = await newKey('tags and policy');
    await kms.send(
      new TagResourceCommand({
        KeyId,
        Tags: [
          { TagKey: 'tag1', TagValue: 'value1' },
          { TagKey: 'tag2', TagValue: '' },
        ],
      }),
    );
    await kms.send(new UntagResourceCommand({ KeyId, TagKeys: ['tag1'] }));
    const tags = await kms.send(new ListResourceTagsCommand({ KeyId, Limit: 10 }));
    assert.deepEqual(tags.Tags, [{ TagKey: 'tag2', TagValue: '' }]);
    assert.equal(tags.Truncated, false);

    const policy = JSON.stringify({
      Version: '2012-10-17',
      Id: 'sdk',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'kms:*', Resource: '*' }],
    });
    await kms.send(new PutKeyPolicyCommand({ KeyId, PolicyName: 'default', Policy: policy }));
    const stored = await kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'default' }));
    assert.deepEqual([stored.Policy, stored.PolicyName], [policy, 'default']);
    const names = await kms.send(new ListKeyPoliciesCommand({ KeyId }));
    assert.deepEqual([names.PolicyNames, names.Truncated], [['default'], false]);
  });

  test('Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, GenerateRandom with bytes', async () => {
    const [key, other] = await Promise.all([newKey('crypto'), newKey('crypto other')]);
    const plaintext = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: { ab: 'c' } }),
    );
    assert.deepEqual([encrypted.KeyId, encrypted.EncryptionAlgorithm], [key.Arn, 'SYMMETRIC_DEFAULT']);
    assert.ok(encrypted.CiphertextBlob instanceof Uint8Array);
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { ab: 'c' } }),
    );
    assert.deepEqual(Buffer.from(decrypted.Plaintext ?? []), plaintext);
    assert.match(decrypted.KeyMaterialId ?? '', /^[0-9a-f]{64}$/);

    const moved = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: encrypted.CiphertextBlob,
        SourceEncryptionContext: { ab: 'c' },
        DestinationKeyId: other.KeyId,
      }),
    );
    assert.deepEqual([moved.SourceKeyId, moved.KeyId], [key.Arn, other.Arn]);
    const back = await kms.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob }));
    assert.deepEqual(Buffer.from(back.Plaintext ?? []), plaintext);

    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' }));
    assert.equal(dataKey.Plaintext?.length, 32);
    const revealed = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
    assert.deepEqual(revealed.Plaintext, dataKey.Plaintext);
    const without = await kms.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key.KeyId, NumberOfBytes: 7 }),
    );
    assert.equal((without as { Plaintext?: unknown }).Plaintext, undefined);
    assert.equal(
      (await kms.send(new DecryptCommand({ CiphertextBlob: without.CiphertextBlob }))).Plaintext?.length,
      7,
    );

    assert.equal((await kms.send(new GenerateRandomCommand({ NumberOfBytes: 12 }))).Plaintext?.length, 12);
  });

  test('EnableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand, ListKeyRotations, paginateListKeyRotations, DisableKeyRotation, GetKeyLastUsage', async () => {
    const { KeyId, Arn } = await newKey('rotation');
    await kms.send(new EnableKeyRotationCommand({ KeyId, RotationPeriodInDays: 90 }));
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId }));
    assert.deepEqual([status.KeyRotationEnabled, status.RotationPeriodInDays], [true, 90]);
    assert.ok(status.NextRotationDate instanceof Date);

    assert.equal((await kms.send(new RotateKeyOnDemandCommand({ KeyId }))).KeyId, Arn);
    await kms.send(new RotateKeyOnDemandCommand({ KeyId }));
    const rotations = await kms.send(new ListKeyRotationsCommand({ KeyId }));
    assert.equal(rotations.Rotations?.length, 2);
    assert.ok(
      rotations.Rotations?.every((r) => r.RotationType === 'ON_DEMAND' && r.RotationDate instanceof Date),
    );
    const paged = [];
    for await (const page of paginateListKeyRotations({ client: kms, pageSize: 1 }, { KeyId })) {
      paged.push(...(page.Rotations ?? []));
    }
    assert.deepEqual(paged, rotations.Rotations);

    await kms.send(new DisableKeyRotationCommand({ KeyId }));
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId }))).KeyRotationEnabled, false);

    await kms.send(new GenerateDataKeyCommand({ KeyId, NumberOfBytes: 16 }));
    const usage = await kms.send(new GetKeyLastUsageCommand({ KeyId }));
    assert.equal(usage.KeyLastUsage?.Operation, 'GenerateDataKey');
    assert.ok(usage.KeyLastUsage?.Timestamp instanceof Date && usage.KeyCreationDate instanceof Date);
  });

  test('Sign, Verify, GetPublicKey, GenerateMac, VerifyMac, DeriveSharedSecret, GenerateDataKeyPair(WithoutPlaintext)', async () => {
    const message = Buffer.from('the SDK signs through kmslab');
    const created = async (KeySpec: string, KeyUsage: string) =>
      (
        await kms.send(
          new CreateKeyCommand({ KeySpec: KeySpec as 'RSA_2048', KeyUsage: KeyUsage as 'SIGN_VERIFY' }),
        )
      ).KeyMetadata?.KeyId ?? assert.fail('no KeyId');
    for (const [keySpec, SigningAlgorithm] of [
      ['ECC_NIST_EDWARDS25519', 'ED25519_SHA_512'],
      ['ML_DSA_44', 'ML_DSA_SHAKE_256'],
      ['RSA_3072', 'RSASSA_PSS_SHA_384'],
    ] as const) {
      const KeyId = await created(keySpec, 'SIGN_VERIFY');
      const signed = await kms.send(new SignCommand({ KeyId, Message: message, SigningAlgorithm }));
      assert.ok(signed.Signature instanceof Uint8Array && signed.Signature.length > 0, keySpec);
      const verified = await kms.send(
        new VerifyCommand({ KeyId, Message: message, Signature: signed.Signature, SigningAlgorithm }),
      );
      assert.deepEqual([verified.SignatureValid, verified.KeyId], [true, `${arnPrefix}key/${KeyId}`]);
      const otherMessage = kms.send(
        new VerifyCommand({
          KeyId,
          Message: Buffer.from('another'),
          Signature: signed.Signature,
          SigningAlgorithm,
        }),
      );
      await assert.rejects(otherMessage, KMSInvalidSignatureException);
      const publicKey = await kms.send(new GetPublicKeyCommand({ KeyId }));
      assert.deepEqual(
        [publicKey.KeySpec, publicKey.SigningAlgorithms?.includes(SigningAlgorithm)],
        [keySpec, true],
      );
    }

    const hmac = await created('HMAC_224', 'GENERATE_VERIFY_MAC');
    const { Mac, MacAlgorithm } = await kms.send(
      new GenerateMacCommand({ KeyId: hmac, Message: message, MacAlgorithm: 'HMAC_SHA_224' }),
    );
    assert.deepEqual([Mac?.length, MacAlgorithm], [28, 'HMAC_SHA_224']);
    const macValid = await kms.send(
      new VerifyMacCommand({ KeyId: hmac, Message: message, Mac, MacAlgorithm }),
    );
    assert.equal(macValid.MacValid, true);
    await assert.rejects(
      kms.send(new VerifyMacCommand({ KeyId: hmac, Message: Buffer.from('x'), Mac, MacAlgorithm })),
      KMSInvalidMacException,
    );

    const [mine, theirs] = [
      await created('ECC_NIST_P521', 'KEY_AGREEMENT'),
      await created('ECC_NIST_P521', 'KEY_AGREEMENT'),
    ];
    const publicOf = async (KeyId: string) => (await kms.send(new GetPublicKeyCommand({ KeyId }))).PublicKey;
    const derive = async (KeyId: string, PublicKey: Uint8Array | undefined) =>
      (await kms.send(new DeriveSharedSecretCommand({ KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey })))
        .SharedSecret;
    const secret = await derive(mine, await publicOf(theirs));
    assert.equal(secret?.length, 66);
    assert.deepEqual(await derive(theirs, await publicOf(mine)), secret);

    const { KeyId } = await newKey('data key pairs');
    const context = { EncryptionContext: { use: 'pairs' } };
    const pair = await kms.send(
      new GenerateDataKeyPairCommand({ KeyId, KeyPairSpec: 'ECC_NIST_EDWARDS25519', ...context }),
    );
    const opened = await kms.send(
      new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob, ...context }),
    );
    assert.deepEqual(opened.Plaintext, pair.PrivateKeyPlaintext);
    const without = await kms.send(
      new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId, KeyPairSpec: 'RSA_4096' }),
    );
    assert.deepEqual(
      [without.KeyPairSpec, without.KeyId, 'PrivateKeyPlaintext' in without],
      ['RSA_4096', `${arnPrefix}key/${KeyId}`, false],
    );
  });

  test('AWS errors reach the SDK as its exception classes, with HTTP 400 and a request id', async () => {
    const { KeyId } = await newKey('errors');
    const disabled = (await newKey('disabled')).KeyId;
    await kms.send(new DisableKeyCommand({ KeyId: disabled }));
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk-errors', TargetKeyId: KeyId }));
    for (let i = 0; i < 25; i++) await kms.send(new RotateKeyOnDemandCommand({ KeyId }));
    const unknownKey = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const calls: [string, () => Promise<unknown>][] = [
      ['NotFoundException', () => kms.send(new DescribeKeyCommand({ KeyId: unknownKey }))],
      ['InvalidArnException', () => kms.send(new TagResourceCommand({ KeyId: 'alias/x', Tags: [] }))],
      ['ValidationException', () => kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 }))],
      ['InvalidMarkerException', () => kms.send(new ListKeysCommand({ Marker: 'bogus' }))],
      [
        'AlreadyExistsException',
        () => kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk-errors', TargetKeyId: KeyId })),
      ],
      [
        'InvalidAliasNameException',
        () => kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/x', TargetKeyId: KeyId })),
      ],
      [
        'DisabledException',
        () => kms.send(new EncryptCommand({ KeyId: disabled, Plaintext: Buffer.from('x') })),
      ],
      ['KMSInvalidStateException', () => kms.send(new CancelKeyDeletionCommand({ KeyId }))],
      [
        'InvalidCiphertextException',
        () => kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { a: 'b' } })),
      ],
      ['IncorrectKeyException', () => kms.send(new DecryptCommand({ CiphertextBlob, KeyId: disabled }))],
      [
        'InvalidKeyUsageException',
        () =>
          kms.send(
            new EncryptCommand({
              KeyId,
              Plaintext: Buffer.from('x'),
              EncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
            }),
          ),
      ],
      [
        'DryRunOperationException',
        () => kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x'), DryRun: true })),
      ],
      [
        'TagException',
        () => kms.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'aws:x', TagValue: '' }] })),
      ],
      [
        'MalformedPolicyDocumentException',
        () => kms.send(new PutKeyPolicyCommand({ KeyId, Policy: 'not json' })),
      ],
      [
        'UnsupportedOperationException',
        () => kms.send(new CreateKeyCommand({ KeySpec: 'SM2', KeyUsage: 'SIGN_VERIFY' })),
      ],
      [
        'InvalidKeyUsageException',
        () =>
          kms.send(new SignCommand({ KeyId, Message: Buffer.from('x'), SigningAlgorithm: 'ECDSA_SHA_256' })),
      ],
      ['LimitExceededException', () => kms.send(new RotateKeyOnDemandCommand({ KeyId }))],
      [
        'InvalidSignatureException',
        () => server.sdk({ secretAccessKey: 'wrong' }).send(new ListKeysCommand({})),
      ],
      [
        'UnrecognizedClientException',
        () => server.sdk({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00' }).send(new ListKeysCommand({})),
      ],
    ];
    for (const [name, call] of calls) {
      const error = (await call().then(
        () => assert.fail(`expected ${name}, the call succeeded`),
        (caught: unknown) => caught,
      )) as ServiceErrorLike;
      assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
      assert.equal(error.$metadata.httpStatusCode, 400, name);
      assert.ok(error.$metadata.requestId, `${name} carries a request id`);
    }
  });
});
