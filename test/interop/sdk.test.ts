import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  GetKeyLastUsageCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  type KeyMetadata,
  type KMSClient,
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
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';

/**
 * @aws-sdk/client-kms (JavaScript SDK v3) driving every operation of the local KMS, the error cases included:
 * the SDK is what most Node users point at kmslab, it deserializes by the current model and maps each
 * `__type` to an exception class, so a wrong shape or error type shows up here as a wrong `name`.
 * Where the AWS-validated snapshots record a message, the message is asserted exactly.
 */

const DAY = 86_400_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INCORRECT_KEY = 'The key ID in the request does not identify a CMK that can perform this operation.';

interface ServiceErrorLike {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number; requestId?: string };
}

/** Awaits a rejected SDK call and checks AWS's error type, message and the HTTP status (400 for all of them). */
async function rejects(
  call: Promise<unknown>,
  name: string,
  message?: string | RegExp,
  status = 400,
): Promise<ServiceErrorLike> {
  const error = (await call.then(
    () => assert.fail(`expected ${name}, the call succeeded`),
    (caught: unknown) => caught,
  )) as ServiceErrorLike;
  assert.equal(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
  if (typeof message === 'string') assert.equal(error.message, message);
  else if (message) assert.match(error.message, message);
  assert.equal(error.$metadata.httpStatusCode, status);
  assert.ok(error.$metadata.requestId, 'every answer carries a request id');
  return error;
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

  test('CreateKey returns AWS KeyMetadata; DescribeKey finds it by id, ARN, alias and alias ARN', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${server.accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
    const before = Date.now();
    const created = await kms.send(
      new CreateKeyCommand({
        Description: 'sdk key',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        Policy: policy,
        Tags: [
          { TagKey: 'team', TagValue: 'perf' },
          { TagKey: 'empty', TagValue: '' },
        ],
      }),
    );
    assert.equal(created.$metadata.httpStatusCode, 200);
    assert.ok(created.$metadata.requestId);
    const metadata = created.KeyMetadata ?? assert.fail('no KeyMetadata');
    const keyId = metadata.KeyId ?? '';
    assert.match(keyId, UUID);
    assert.deepEqual(
      { ...metadata, CreationDate: undefined, CurrentKeyMaterialId: undefined },
      {
        AWSAccountId: server.accountId,
        KeyId: keyId,
        Arn: `${arnPrefix}key/${keyId}`,
        CreationDate: undefined,
        CurrentKeyMaterialId: undefined,
        Enabled: true,
        Description: 'sdk key',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
        MultiRegion: false,
      },
    );
    assert.ok(metadata.CreationDate instanceof Date);
    assert.ok(Math.abs(metadata.CreationDate.getTime() - before) < 5_000);
    assert.match(metadata.CurrentKeyMaterialId ?? '', /^[0-9a-f]{64}$/);

    await kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk-main', TargetKeyId: keyId }));
    for (const name of [keyId, metadata.Arn, 'alias/sdk-main', `${arnPrefix}alias/sdk-main`]) {
      const described = await kms.send(new DescribeKeyCommand({ KeyId: name }));
      assert.deepEqual(described.KeyMetadata, metadata, `DescribeKey ${name}`);
    }

    const [tags, storedPolicy, policyNames] = await Promise.all([
      kms.send(new ListResourceTagsCommand({ KeyId: keyId })),
      kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' })),
      kms.send(new ListKeyPoliciesCommand({ KeyId: keyId })),
    ]);
    assert.deepEqual(
      [...(tags.Tags ?? [])].sort((a, b) => (a.TagKey ?? '').localeCompare(b.TagKey ?? '')),
      [
        { TagKey: 'empty', TagValue: '' },
        { TagKey: 'team', TagValue: 'perf' },
      ],
    );
    assert.equal(tags.Truncated, false);
    assert.deepEqual(JSON.parse(storedPolicy.Policy ?? ''), JSON.parse(policy));
    assert.equal(storedPolicy.PolicyName, 'default');
    assert.deepEqual(policyNames.PolicyNames, ['default']);
    assert.equal(policyNames.Truncated, false);
  });

  test('a key created without a policy gets a default key policy; PutKeyPolicy replaces it', async () => {
    const { KeyId } = await newKey();
    const initial = await kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'default' }));
    const parsed = JSON.parse(initial.Policy ?? '');
    assert.equal(parsed.Version, '2012-10-17');
    assert.ok(Array.isArray(parsed.Statement) && parsed.Statement.length > 0);

    const replacement = JSON.stringify({
      Version: '2012-10-17',
      Id: 'replaced',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${server.accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
    const put = await kms.send(
      new PutKeyPolicyCommand({ KeyId, PolicyName: 'default', Policy: replacement }),
    );
    assert.equal(put.$metadata.httpStatusCode, 200);
    const after = await kms.send(new GetKeyPolicyCommand({ KeyId }));
    assert.deepEqual(JSON.parse(after.Policy ?? ''), JSON.parse(replacement));

    await rejects(
      kms.send(new PutKeyPolicyCommand({ KeyId, PolicyName: 'default', Policy: 'not json' })),
      'MalformedPolicyDocumentException',
    );
    await rejects(kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'custom' })), 'NotFoundException');
  });

  test('ListKeys pages with Limit/Marker and paginateListKeys; a bad marker → InvalidMarkerException', async () => {
    const made = await Promise.all(Array.from({ length: 5 }, (_, i) => newKey(`page ${i}`)));
    const full = await kms.send(new ListKeysCommand({}));
    assert.equal(full.Truncated, false);
    assert.equal(full.NextMarker, undefined);
    for (const key of made) {
      assert.deepEqual(
        full.Keys?.find((entry) => entry.KeyId === key.KeyId),
        { KeyId: key.KeyId, KeyArn: key.Arn },
      );
    }

    const first = await kms.send(new ListKeysCommand({ Limit: 2 }));
    assert.equal(first.Keys?.length, 2);
    assert.equal(first.Truncated, true);
    assert.ok(first.NextMarker);
    const second = await kms.send(new ListKeysCommand({ Limit: 2, Marker: first.NextMarker }));
    assert.deepEqual([...(first.Keys ?? []), ...(second.Keys ?? [])], full.Keys?.slice(0, 4));

    const pages: number[] = [];
    const paged = [];
    for await (const page of paginateListKeys({ client: kms, pageSize: 2 }, {})) {
      pages.push(page.Keys?.length ?? 0);
      paged.push(...(page.Keys ?? []));
    }
    assert.deepEqual(paged, full.Keys);
    assert.ok(pages.length >= 3 && pages.every((size) => size <= 2));

    await rejects(
      kms.send(new ListKeysCommand({ Marker: 'not-a-marker-kmslab-gave' })),
      'InvalidMarkerException',
    );
    await rejects(
      kms.send(new ListKeysCommand({ Limit: 1001 })),
      'ValidationException',
      "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
  });

  test('CreateAlias, UpdateAlias, DeleteAlias, ListAliases and paginateListAliases', async () => {
    const [a, b] = await Promise.all([newKey('alias a'), newKey('alias b')]);
    for (const i of [0, 1, 2, 3]) {
      await kms.send(new CreateAliasCommand({ AliasName: `alias/sdk-page-${i}`, TargetKeyId: a.KeyId }));
    }
    await rejects(
      kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk-page-0', TargetKeyId: b.KeyId })),
      'AlreadyExistsException',
      /alias\/sdk-page-0/,
    );
    await rejects(
      kms.send(new CreateAliasCommand({ AliasName: 'sdk-no-prefix', TargetKeyId: b.KeyId })),
      'ValidationException',
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    );
    await rejects(
      kms.send(
        new CreateAliasCommand({
          AliasName: 'alias/sdk-nowhere',
          TargetKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        }),
      ),
      'NotFoundException',
      `Key '${arnPrefix}key/1234abcd-12ab-34cd-56ef-1234567890ab' does not exist`,
    );

    const ofA = await kms.send(new ListAliasesCommand({ KeyId: a.KeyId }));
    assert.deepEqual(ofA.Aliases?.map((alias) => alias.AliasName).sort(), [
      'alias/sdk-page-0',
      'alias/sdk-page-1',
      'alias/sdk-page-2',
      'alias/sdk-page-3',
    ]);
    const entry = ofA.Aliases?.find((alias) => alias.AliasName === 'alias/sdk-page-0');
    assert.equal(entry?.AliasArn, `${arnPrefix}alias/sdk-page-0`);
    assert.equal(entry?.TargetKeyId, a.KeyId);
    assert.ok(entry?.CreationDate instanceof Date);
    assert.ok(entry?.LastUpdatedDate instanceof Date);

    const paged = [];
    let pages = 0;
    for await (const page of paginateListAliases({ client: kms, pageSize: 3 }, { KeyId: a.KeyId })) {
      pages += 1;
      paged.push(...(page.Aliases ?? []));
    }
    assert.equal(pages, 2);
    assert.deepEqual(paged, ofA.Aliases);

    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/sdk-page-0', TargetKeyId: b.KeyId }));
    const moved = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/sdk-page-0' }));
    assert.equal(moved.KeyMetadata?.KeyId, b.KeyId);
    const ofB = await kms.send(new ListAliasesCommand({ KeyId: b.KeyId }));
    assert.deepEqual(
      ofB.Aliases?.map((alias) => alias.AliasName),
      ['alias/sdk-page-0'],
    );

    await kms.send(new DeleteAliasCommand({ AliasName: 'alias/sdk-page-0' }));
    await rejects(
      kms.send(new DescribeKeyCommand({ KeyId: 'alias/sdk-page-0' })),
      'NotFoundException',
      /alias\/sdk-page-0/,
    );
    await rejects(
      kms.send(new DeleteAliasCommand({ AliasName: 'alias/sdk-page-0' })),
      'NotFoundException',
      /alias\/sdk-page-0/,
    );
    await rejects(
      kms.send(new UpdateAliasCommand({ AliasName: 'alias/sdk-page-0', TargetKeyId: a.KeyId })),
      'NotFoundException',
      /alias\/sdk-page-0/,
    );
    await rejects(kms.send(new ListAliasesCommand({ Marker: 'bogus' })), 'InvalidMarkerException');
  });

  test('DisableKey/EnableKey; ScheduleKeyDeletion/CancelKeyDeletion; the key is gone once the window passes', async () => {
    const key = await newKey('lifecycle');
    const KeyId = key.KeyId;
    const arn = key.Arn;
    const encrypt = () => kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }));

    await kms.send(new DisableKeyCommand({ KeyId }));
    const disabled = await kms.send(new DescribeKeyCommand({ KeyId }));
    assert.equal(disabled.KeyMetadata?.KeyState, 'Disabled');
    assert.equal(disabled.KeyMetadata?.Enabled, false);
    await rejects(encrypt(), 'DisabledException', `${arn} is disabled.`);
    await rejects(
      kms.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256' })),
      'DisabledException',
      `${arn} is disabled.`,
    );
    await kms.send(new EnableKeyCommand({ KeyId }));
    assert.equal((await encrypt()).$metadata.httpStatusCode, 200);

    await rejects(
      kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 6 })),
      'ValidationException',
      "1 validation error detected: Value '6' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7",
    );
    await rejects(
      kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 31 })),
      'ValidationException',
      "1 validation error detected: Value '31' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 30",
    );
    await rejects(kms.send(new CancelKeyDeletionCommand({ KeyId })), 'KMSInvalidStateException');

    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId }));
    assert.equal(scheduled.KeyId, arn);
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    assert.equal(scheduled.PendingWindowInDays, 30);
    const deletionDate = scheduled.DeletionDate ?? assert.fail('no DeletionDate');
    assert.ok(Math.abs(deletionDate.getTime() - (Date.now() + 30 * DAY)) <= DAY + 60_000);
    const pending = await kms.send(new DescribeKeyCommand({ KeyId }));
    assert.equal(pending.KeyMetadata?.KeyState, 'PendingDeletion');
    assert.equal(pending.KeyMetadata?.Enabled, false);
    // AWS sets PendingDeletionWindowInDays only for multi-Region primaries waiting on their replicas.
    assert.equal(pending.KeyMetadata?.PendingDeletionWindowInDays, undefined);
    assert.deepEqual(pending.KeyMetadata?.DeletionDate, deletionDate);
    await rejects(encrypt(), 'KMSInvalidStateException', `${arn} is pending deletion.`);
    await rejects(
      kms.send(new EnableKeyCommand({ KeyId })),
      'KMSInvalidStateException',
      `${arn} is pending deletion.`,
    );

    const cancelled = await kms.send(new CancelKeyDeletionCommand({ KeyId }));
    assert.equal(cancelled.KeyId, arn);
    const afterCancel = await kms.send(new DescribeKeyCommand({ KeyId }));
    assert.equal(afterCancel.KeyMetadata?.KeyState, 'Disabled');
    assert.equal(afterCancel.KeyMetadata?.DeletionDate, undefined);

    // Once the window has passed the key is really deleted: not listed, not found, its aliases gone.
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk-doomed', TargetKeyId: KeyId }));
    const rescheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    assert.equal(rescheduled.PendingWindowInDays, 7);
    server.service.runDueWork(new Date(Date.now() + 8 * DAY));
    await rejects(
      kms.send(new DescribeKeyCommand({ KeyId })),
      'NotFoundException',
      `Key '${arn}' does not exist`,
    );
    const listed = await kms.send(new ListKeysCommand({ Limit: 1000 }));
    assert.equal(
      listed.Keys?.some((entry) => entry.KeyId === KeyId),
      false,
    );
    const aliases = await kms.send(new ListAliasesCommand({ Limit: 1000 }));
    assert.equal(
      aliases.Aliases?.some((alias) => alias.AliasName === 'alias/sdk-doomed'),
      false,
    );
  });

  test('UpdateKeyDescription, TagResource, UntagResource, ListResourceTags and their errors', async () => {
    const { KeyId } = await newKey('old');
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: 'new' }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.Description, 'new');

    await kms.send(
      new TagResourceCommand({
        KeyId,
        Tags: [
          { TagKey: 'tag1', TagValue: 'value1' },
          { TagKey: 'tag2', TagValue: 'value2' },
          { TagKey: 'tag3', TagValue: 'value3' },
        ],
      }),
    );
    await kms.send(
      new TagResourceCommand({
        KeyId,
        Tags: [
          { TagKey: 'tag2', TagValue: 'updated_value2' },
          { TagKey: 'tag4', TagValue: 'value4' },
        ],
      }),
    );
    await kms.send(new UntagResourceCommand({ KeyId, TagKeys: ['tag1', 'not-there'] }));
    const tags = await kms.send(new ListResourceTagsCommand({ KeyId }));
    assert.deepEqual(
      [...(tags.Tags ?? [])].sort((a, b) => (a.TagKey ?? '').localeCompare(b.TagKey ?? '')),
      [
        { TagKey: 'tag2', TagValue: 'updated_value2' },
        { TagKey: 'tag3', TagValue: 'value3' },
        { TagKey: 'tag4', TagValue: 'value4' },
      ],
    );
    const limited = await kms.send(new ListResourceTagsCommand({ KeyId, Limit: 2 }));
    assert.equal(limited.Tags?.length, 2);
    assert.equal(limited.Truncated, true);
    const rest = await kms.send(new ListResourceTagsCommand({ KeyId, Limit: 2, Marker: limited.NextMarker }));
    assert.equal(rest.Tags?.length, 1);
    assert.equal(rest.Truncated, false);

    await rejects(
      kms.send(
        new TagResourceCommand({
          KeyId,
          Tags: [
            { TagKey: 'dup', TagValue: 'a' },
            { TagKey: 'dup', TagValue: 'b' },
          ],
        }),
      ),
      'TagException',
      'Duplicate tag keys',
    );
    await rejects(
      kms.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'aws:key1', TagValue: 'value1' }] })),
      'TagException',
      'Tags beginning with aws: are reserved',
    );
    await rejects(
      kms.send(
        new CreateKeyCommand({
          Tags: Array.from({ length: 51 }, (_, i) => ({ TagKey: `key${i}`, TagValue: `value${i}` })),
        }),
      ),
      'TagException',
      'Too many tags',
    );
    await rejects(
      kms.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'tag1', TagValue: 'v'.repeat(257) }] })),
      'ValidationException',
      `1 validation error detected: Value '${'v'.repeat(257)}' at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256`,
    );
    await rejects(
      kms.send(
        new UpdateKeyDescriptionCommand({ KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', Description: 'x' }),
      ),
      'NotFoundException',
      `Key '${arnPrefix}key/1234abcd-12ab-34cd-56ef-1234567890ab' does not exist`,
    );
  });

  test('Encrypt/Decrypt authenticate the encryption context exactly; tampering and wrong keys are caught', async () => {
    const [key, other] = await Promise.all([newKey('crypto'), newKey('crypto other')]);
    const plaintext = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: { ab: 'c' } }),
    );
    assert.equal(encrypted.KeyId, key.Arn);
    assert.equal(encrypted.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    const blob = encrypted.CiphertextBlob ?? assert.fail('no CiphertextBlob');

    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { ab: 'c' } }),
    );
    assert.deepEqual(Buffer.from(decrypted.Plaintext ?? []), plaintext);
    assert.equal(decrypted.KeyId, key.Arn);
    assert.equal(decrypted.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.match(decrypted.KeyMaterialId ?? '', /^[0-9a-f]{64}$/);

    // {"ab":"c"} and {"a":"bc"} concatenate to the same bytes: a naive encoding would confuse them.
    await rejects(
      kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { a: 'bc' } })),
      'InvalidCiphertextException',
    );
    await rejects(kms.send(new DecryptCommand({ CiphertextBlob: blob })), 'InvalidCiphertextException');
    await rejects(
      kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { ab: 'c', extra: '1' } })),
      'InvalidCiphertextException',
    );
    // A tampered blob, wherever the flipped bit is (format version, key reference, nonce, tag), and bytes that
    // were never a ciphertext are all InvalidCiphertextException (issue #3; AWS answers so for a cut blob).
    const broken: [string, Uint8Array][] = [0, 4, 10, 20, 40, blob.length - 1].map((index) => {
      const tampered = Uint8Array.from(blob);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      return [`bit flipped at byte ${index}`, tampered];
    });
    broken.push(
      ['garbage', Buffer.from('not a kmslab ciphertext at all')],
      ['cut in half', blob.slice(0, 40)],
    );
    const answers = await Promise.all(
      broken.map(([label, CiphertextBlob]) =>
        kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { ab: 'c' } })).then(
          () => `${label}: decrypted`,
          (error: ServiceErrorLike) => `${label}: ${error.name} ${error.$metadata.httpStatusCode}`,
        ),
      ),
    );
    assert.deepEqual(
      answers,
      broken.map(([label]) => `${label}: InvalidCiphertextException 400`),
    );
    await rejects(
      kms.send(
        new DecryptCommand({ CiphertextBlob: blob, KeyId: other.KeyId, EncryptionContext: { ab: 'c' } }),
      ),
      'IncorrectKeyException',
      INCORRECT_KEY,
    );
    const withKeyId = await kms.send(
      new DecryptCommand({ CiphertextBlob: blob, KeyId: key.Arn, EncryptionContext: { ab: 'c' } }),
    );
    assert.deepEqual(Buffer.from(withKeyId.Plaintext ?? []), plaintext);

    await rejects(
      kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.alloc(4097) })),
      'ValidationException',
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    );
    await rejects(
      kms.send(
        new EncryptCommand({
          KeyId: key.KeyId,
          Plaintext: plaintext,
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        }),
      ),
      'InvalidKeyUsageException',
    );
  });

  test('ReEncrypt moves a ciphertext to another key and context', async () => {
    const [source, destination] = await Promise.all([newKey('source'), newKey('destination')]);
    const plaintext = Buffer.from('re-encrypt me');
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: source.KeyId, Plaintext: plaintext, EncryptionContext: { stage: 'one' } }),
    );
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/sdk-dest', TargetKeyId: destination.KeyId }));
    const moved = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob,
        SourceEncryptionContext: { stage: 'one' },
        DestinationKeyId: 'alias/sdk-dest',
        DestinationEncryptionContext: { stage: 'two' },
      }),
    );
    assert.equal(moved.SourceKeyId, source.Arn);
    assert.equal(moved.KeyId, destination.Arn);
    assert.equal(moved.SourceEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.equal(moved.DestinationEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    const back = await kms.send(
      new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { stage: 'two' } }),
    );
    assert.deepEqual(Buffer.from(back.Plaintext ?? []), plaintext);
    assert.equal(back.KeyId, destination.Arn);

    await rejects(
      kms.send(
        new ReEncryptCommand({
          CiphertextBlob,
          SourceKeyId: destination.KeyId,
          SourceEncryptionContext: { stage: 'one' },
          DestinationKeyId: destination.KeyId,
        }),
      ),
      'IncorrectKeyException',
      INCORRECT_KEY,
    );
    await rejects(
      kms.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: destination.KeyId })),
      'InvalidCiphertextException',
    );
    await kms.send(new DisableKeyCommand({ KeyId: destination.KeyId }));
    await rejects(
      kms.send(
        new ReEncryptCommand({
          CiphertextBlob,
          SourceEncryptionContext: { stage: 'one' },
          DestinationKeyId: destination.KeyId,
        }),
      ),
      'DisabledException',
      `${destination.Arn} is disabled.`,
    );
  });

  test('GenerateDataKey, GenerateDataKeyWithoutPlaintext and GenerateRandom', async () => {
    const { KeyId, Arn } = await newKey('data keys');
    const aes256 = await kms.send(
      new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256', EncryptionContext: { k6: 'vu' } }),
    );
    assert.equal(aes256.KeyId, Arn);
    assert.equal(aes256.Plaintext?.length, 32);
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: aes256.CiphertextBlob, EncryptionContext: { k6: 'vu' } }),
    );
    assert.deepEqual(decrypted.Plaintext, aes256.Plaintext);
    await rejects(
      kms.send(new DecryptCommand({ CiphertextBlob: aes256.CiphertextBlob })),
      'InvalidCiphertextException',
    );

    const aes128 = await kms.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_128' }));
    assert.equal(aes128.Plaintext?.length, 16);
    const sized = await kms.send(new GenerateDataKeyCommand({ KeyId, NumberOfBytes: 1024 }));
    assert.equal(sized.Plaintext?.length, 1024);

    const without = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId, NumberOfBytes: 7 }));
    assert.equal(without.KeyId, Arn);
    assert.equal((without as { Plaintext?: unknown }).Plaintext, undefined);
    const revealed = await kms.send(new DecryptCommand({ CiphertextBlob: without.CiphertextBlob }));
    assert.equal(revealed.Plaintext?.length, 7);

    await rejects(kms.send(new GenerateDataKeyCommand({ KeyId })), 'ValidationException');
    await rejects(
      kms.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256', NumberOfBytes: 32 })),
      'ValidationException',
    );
    await rejects(
      kms.send(new GenerateDataKeyCommand({ KeyId, NumberOfBytes: 1025 })),
      'ValidationException',
      "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
    );

    for (const size of [1, 12, 1024]) {
      const random = await kms.send(new GenerateRandomCommand({ NumberOfBytes: size }));
      assert.equal(random.Plaintext?.length, size);
    }
    const [r1, r2] = await Promise.all([
      kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 })),
      kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 })),
    ]);
    assert.notDeepEqual(r1.Plaintext, r2.Plaintext);
    await rejects(
      kms.send(new GenerateRandomCommand({})),
      'ValidationException',
      'NumberOfBytes is required.',
    );
    await rejects(
      kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 })),
      'ValidationException',
      "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  test('rotation: EnableKeyRotation(RotationPeriodInDays), RotateKeyOnDemand, ListKeyRotations, automatic rotation', async () => {
    const key = await newKey('rotation');
    const KeyId = key.KeyId;
    const status = () => kms.send(new GetKeyRotationStatusCommand({ KeyId }));

    const initial = await status();
    assert.equal(initial.KeyRotationEnabled, false);
    assert.ok([key.KeyId, key.Arn].includes(initial.KeyId), `GetKeyRotationStatus KeyId ${initial.KeyId}`);
    assert.equal(initial.NextRotationDate, undefined);

    await rejects(
      kms.send(new EnableKeyRotationCommand({ KeyId, RotationPeriodInDays: 89 })),
      'ValidationException',
      "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90",
    );
    await kms.send(new EnableKeyRotationCommand({ KeyId, RotationPeriodInDays: 90 }));
    const enabled = await status();
    assert.equal(enabled.KeyRotationEnabled, true);
    assert.equal(enabled.RotationPeriodInDays, 90);
    const next = enabled.NextRotationDate ?? assert.fail('no NextRotationDate');
    assert.ok(Math.abs(next.getTime() - (Date.now() + 90 * DAY)) <= DAY + 60_000);

    const plaintext = Buffer.from('before rotation');
    const before = await kms.send(new EncryptCommand({ KeyId, Plaintext: plaintext }));
    const materialBefore = (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata
      ?.CurrentKeyMaterialId;

    const rotated = await kms.send(new RotateKeyOnDemandCommand({ KeyId }));
    assert.equal(rotated.KeyId, key.Arn);
    const afterRotation = await status();
    assert.equal(afterRotation.KeyRotationEnabled, true);
    assert.deepEqual(afterRotation.NextRotationDate, next, 'on-demand rotation leaves the schedule alone');
    const materialAfter = (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata
      ?.CurrentKeyMaterialId;
    assert.notEqual(materialAfter, materialBefore);

    const old = await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }));
    assert.deepEqual(Buffer.from(old.Plaintext ?? []), plaintext);
    assert.equal(old.KeyMaterialId, materialBefore);
    const fresh = await kms.send(new EncryptCommand({ KeyId, Plaintext: plaintext }));
    const freshDecrypted = await kms.send(new DecryptCommand({ CiphertextBlob: fresh.CiphertextBlob }));
    assert.equal(freshDecrypted.KeyMaterialId, materialAfter);

    const rotations = await kms.send(new ListKeyRotationsCommand({ KeyId }));
    assert.equal(rotations.Rotations?.length, 1);
    assert.equal(
      rotations.Rotations?.[0]?.KeyId,
      key.Arn,
      'the rotation names its key by ARN, like GetKeyRotationStatus',
    );
    assert.equal(rotations.Rotations?.[0]?.RotationType, 'ON_DEMAND');
    assert.ok(rotations.Rotations?.[0]?.RotationDate instanceof Date);
    assert.equal(rotations.Truncated, false);

    // Automatic rotation happens when due.
    server.service.runDueWork(new Date(Date.now() + 91 * DAY));
    const all = [];
    for await (const page of paginateListKeyRotations({ client: kms, pageSize: 1 }, { KeyId })) {
      all.push(...(page.Rotations ?? []));
    }
    assert.deepEqual(
      all.map((rotation) => rotation.RotationType),
      ['ON_DEMAND', 'AUTOMATIC'],
    );
    const stillOld = await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }));
    assert.deepEqual(Buffer.from(stillOld.Plaintext ?? []), plaintext);

    await kms.send(new DisableKeyRotationCommand({ KeyId }));
    const disabled = await status();
    assert.equal(disabled.KeyRotationEnabled, false);
    assert.equal(disabled.NextRotationDate, undefined);

    await kms.send(new DisableKeyCommand({ KeyId }));
    await rejects(
      kms.send(new RotateKeyOnDemandCommand({ KeyId })),
      'DisabledException',
      `${key.Arn} is disabled.`,
    );
    await rejects(
      kms.send(new EnableKeyRotationCommand({ KeyId })),
      'DisabledException',
      `${key.Arn} is disabled.`,
    );
    await rejects(
      kms.send(new RotateKeyOnDemandCommand({ KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' })),
      'NotFoundException',
      `Key '${arnPrefix}key/1234abcd-12ab-34cd-56ef-1234567890ab' does not exist`,
    );
    await rejects(
      kms.send(new ListKeyRotationsCommand({ KeyId, Marker: 'bogus' })),
      'InvalidMarkerException',
    );
  });

  test('GetKeyLastUsage reports the last cryptographic operation', async () => {
    const key = await newKey('usage');
    const fresh = await kms.send(new GetKeyLastUsageCommand({ KeyId: key.KeyId }));
    assert.equal(fresh.$metadata.httpStatusCode, 200);
    assert.ok(fresh.KeyCreationDate instanceof Date);
    assert.ok(fresh.TrackingStartDate instanceof Date);
    assert.equal(fresh.KeyLastUsage?.Operation, undefined);

    await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' }));
    const used = await kms.send(new GetKeyLastUsageCommand({ KeyId: key.KeyId }));
    assert.equal(used.KeyLastUsage?.Operation, 'GenerateDataKey');
    const at = used.KeyLastUsage?.Timestamp ?? assert.fail('no Timestamp');
    assert.ok(Math.abs(at.getTime() - Date.now()) < 60_000);

    // DescribeKey is not a cryptographic operation and does not count.
    await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
    const still = await kms.send(new GetKeyLastUsageCommand({ KeyId: key.KeyId }));
    assert.equal(still.KeyLastUsage?.Operation, 'GenerateDataKey');

    await rejects(
      kms.send(new GetKeyLastUsageCommand({ KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' })),
      'NotFoundException',
      `Key '${arnPrefix}key/1234abcd-12ab-34cd-56ef-1234567890ab' does not exist`,
    );
  });

  test('names that do not resolve, other regions and bad credentials get AWS errors', async () => {
    const key = await newKey('regional');
    await rejects(
      kms.send(new DescribeKeyCommand({ KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' })),
      'NotFoundException',
      `Key '${arnPrefix}key/1234abcd-12ab-34cd-56ef-1234567890ab' does not exist`,
    );
    await rejects(
      kms.send(new DescribeKeyCommand({ KeyId: 'fake-key-id' })),
      'NotFoundException',
      "Invalid keyId 'fake-key-id'",
    );
    await rejects(
      kms.send(new DescribeKeyCommand({ KeyId: 'alias/sdk-missing' })),
      'NotFoundException',
      /alias\/sdk-missing/,
    );

    // Regions are separate: the key is not visible from another region, by id or by ARN.
    const west = server.sdk({ region: 'us-west-2' });
    await rejects(
      west.send(new DescribeKeyCommand({ KeyId: key.KeyId })),
      'NotFoundException',
      `Key 'arn:aws:kms:us-west-2:${server.accountId}:key/${key.KeyId}' does not exist`,
    );
    await rejects(
      west.send(new DescribeKeyCommand({ KeyId: key.Arn })),
      'NotFoundException',
      `Invalid arn ${server.region}`,
    );
    const westKeys = await west.send(new ListKeysCommand({}));
    assert.equal(
      westKeys.Keys?.some((entry) => entry.KeyId === key.KeyId),
      false,
    );

    await rejects(
      server.sdk({ secretAccessKey: `${server.secretAccessKey}x` }).send(new ListKeysCommand({})),
      'InvalidSignatureException',
      /^The request signature we calculated does not match the signature you provided\./,
    );
    await rejects(
      server.sdk({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00' }).send(new ListKeysCommand({})),
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  });
});
