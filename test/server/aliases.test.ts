import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  EncryptCommand,
  type KMSClient,
  ListAliasesCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { awsError, bytes, createKey, PREDEFINED_ALIASES, rejects } from './support.ts';

describe('aliases', () => {
  let server: Kmslab;
  let kms: KMSClient;
  before(async () => {
    server = await startKmslab();
    kms = server.sdk();
  });
  after(() => server.stop());

  const aliasArn = (name: string) => `arn:aws:kms:${server.region}:${server.accountId}:${name}`;

  test('CreateAlias, ListAliases, UpdateAlias, DeleteAlias with AWS shapes', async () => {
    const first = await createKey(kms);
    const second = await createKey(kms);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/lifecycle', TargetKeyId: first }));
    const listed = await kms.send(new ListAliasesCommand({ KeyId: first }));
    assert.equal(listed.Truncated, false);
    assert.equal(listed.Aliases?.length, 1);
    const [entry] = listed.Aliases ?? [];
    assert.equal(entry?.AliasName, 'alias/lifecycle');
    assert.equal(entry?.AliasArn, aliasArn('alias/lifecycle'));
    assert.equal(entry?.TargetKeyId, first);
    assert.ok(entry?.CreationDate instanceof Date);
    assert.ok(entry?.LastUpdatedDate instanceof Date);

    await kms.send(new UpdateAliasCommand({ AliasName: 'alias/lifecycle', TargetKeyId: second }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/lifecycle' }));
    assert.equal(KeyMetadata?.KeyId, second);
    assert.deepEqual((await kms.send(new ListAliasesCommand({ KeyId: first }))).Aliases, []);

    await kms.send(new DeleteAliasCommand({ AliasName: 'alias/lifecycle' }));
    await rejects(
      kms.send(new DescribeKeyCommand({ KeyId: 'alias/lifecycle' })),
      'NotFoundException',
      `Alias ${aliasArn('alias/lifecycle')} is not found.`,
    );
    await rejects(
      kms.send(new DeleteAliasCommand({ AliasName: 'alias/lifecycle' })),
      'NotFoundException',
      `Alias ${aliasArn('alias/lifecycle')} is not found.`,
    );
  });

  test('DescribeKey and Encrypt accept an alias ARN', async () => {
    const keyId = await createKey(kms);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/by-arn', TargetKeyId: keyId }));
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: aliasArn('alias/by-arn') }));
    assert.equal(KeyMetadata?.KeyId, keyId);
    const { KeyId } = await kms.send(
      new EncryptCommand({ KeyId: aliasArn('alias/by-arn'), Plaintext: bytes('x') }),
    );
    assert.equal(KeyId, KeyMetadata?.Arn);
  });

  test('operations that take only key IDs and ARNs refuse aliases', async () => {
    const keyId = await createKey(kms);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/key-only', TargetKeyId: keyId }));
    await rejects(
      kms.send(new TagResourceCommand({ KeyId: 'alias/key-only', Tags: [{ TagKey: 'a', TagValue: 'b' }] })),
      'InvalidArnException',
    );
    await rejects(
      kms.send(new ScheduleKeyDeletionCommand({ KeyId: aliasArn('alias/key-only') })),
      'InvalidArnException',
    );
    await rejects(
      kms.send(new CreateAliasCommand({ AliasName: 'alias/chained', TargetKeyId: 'alias/key-only' })),
      'InvalidArnException',
    );
  });

  test('alias name rules and conflicts get AWS errors', async () => {
    const keyId = await createKey(kms);
    const prefix = awsError('test_create_alias', 'create_alias');
    await rejects(
      kms.send(new CreateAliasCommand({ AliasName: 'no-prefix', TargetKeyId: keyId })),
      prefix.type,
      prefix.message,
    );
    await rejects(
      kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/reserved', TargetKeyId: keyId })),
      'InvalidAliasNameException',
    );
    await rejects(
      kms.send(new CreateAliasCommand({ AliasName: 'alias/has space', TargetKeyId: keyId })),
      'ValidationException',
    );
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: keyId }));
    await rejects(
      kms.send(new CreateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: keyId })),
      'AlreadyExistsException',
      `An alias with the name ${aliasArn('alias/taken')} already exists`,
    );
    await rejects(
      kms.send(new UpdateAliasCommand({ AliasName: 'alias/never-created', TargetKeyId: keyId })),
      'NotFoundException',
    );
    await rejects(
      kms.send(
        new CreateAliasCommand({
          AliasName: 'alias/nokey',
          TargetKeyId: '3c2e8f5a-1b2c-4d3e-8f9a-0b1c2d3e4f5a',
        }),
      ),
      'NotFoundException',
    );
  });

  test('aliases are per region', async () => {
    const keyId = await createKey(kms);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/regional', TargetKeyId: keyId }));
    const eu = server.sdk({ region: 'eu-west-1' });
    await rejects(eu.send(new DescribeKeyCommand({ KeyId: 'alias/regional' })), 'NotFoundException');
    assert.ok(
      !(await eu.send(new ListAliasesCommand({}))).Aliases?.some((a) => a.AliasName === 'alias/regional'),
    );
  });

  test('ListAliases pages with Limit and Marker; a bad marker is InvalidMarkerException', async () => {
    const fresh = await startKmslab();
    try {
      const client = fresh.sdk();
      const { KeyMetadata } = await client.send(new CreateKeyCommand({}));
      const names = ['alias/p-a', 'alias/p-b', 'alias/p-c', 'alias/p-d', 'alias/p-e'];
      for (const AliasName of names) {
        await client.send(new CreateAliasCommand({ AliasName, TargetKeyId: KeyMetadata?.KeyId }));
      }
      const seen: string[] = [];
      let Marker: string | undefined;
      do {
        const page = await client.send(new ListAliasesCommand({ Limit: 2, Marker }));
        assert.ok((page.Aliases?.length ?? 0) <= 2);
        seen.push(...(page.Aliases ?? []).map((a) => a.AliasName ?? ''));
        Marker = page.NextMarker;
      } while (Marker);
      // The predefined aliases of AWS managed keys (alias/aws/...) sort before the account's own.
      assert.deepEqual(seen, [...PREDEFINED_ALIASES, ...names]);
      await rejects(client.send(new ListAliasesCommand({ Marker: 'bogus' })), 'InvalidMarkerException');
    } finally {
      await fresh.stop();
    }
  });
});
