import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  type KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { bytes, createKey, PREDEFINED_ALIASES, rejects } from './support.ts';

/**
 * AWS managed keys: a fresh account lists their aliases without keys; the first reference to one creates its
 * key (KeyManager AWS, the service's policy, yearly rotation); nobody can change, disable, delete or re-point it.
 */
describe('AWS managed keys', () => {
  let server: Kmslab;
  let kms: KMSClient;

  before(async () => {
    server = await startKmslab();
    kms = server.sdk();
  });
  after(() => server?.stop());

  test('a fresh account lists the predefined aliases, with no key behind them and no key in ListKeys', async () => {
    const { Aliases } = await kms.send(new ListAliasesCommand({}));
    assert.deepEqual(
      Aliases?.map((a) => a.AliasName),
      PREDEFINED_ALIASES,
    );
    const s3 = Aliases?.find((a) => a.AliasName === 'alias/aws/s3');
    assert.deepEqual(s3, {
      AliasName: 'alias/aws/s3',
      AliasArn: `arn:aws:kms:${server.region}:${server.accountId}:alias/aws/s3`,
    });
    assert.deepEqual((await kms.send(new ListKeysCommand({}))).Keys, []);
  });

  test('the first reference creates the key: KeyManager AWS, its service policy, yearly rotation; later ones find it', async () => {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/secretsmanager' }));
    assert.equal(KeyMetadata?.KeyManager, 'AWS');
    assert.equal(KeyMetadata?.KeyState, 'Enabled');
    assert.equal(
      KeyMetadata?.Description,
      'Default key that protects my Secrets Manager secrets when no other key is defined',
    );
    const KeyId = KeyMetadata?.KeyId ?? '';
    const again = await kms.send(
      new DescribeKeyCommand({
        KeyId: `arn:aws:kms:${server.region}:${server.accountId}:alias/aws/secretsmanager`,
      }),
    );
    assert.equal(again.KeyMetadata?.KeyId, KeyId);
    const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId }));
    assert.deepEqual([rotation.KeyRotationEnabled, rotation.RotationPeriodInDays], [true, 365]);
    const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId }));
    assert.match(Policy ?? '', /"kms:ViaService" : "secretsmanager\.us-east-1\.amazonaws\.com"/);
    const listed = (await kms.send(new ListAliasesCommand({}))).Aliases?.filter(
      (a) => a.AliasName === 'alias/aws/secretsmanager',
    );
    assert.equal(listed?.length, 1);
    assert.equal(listed?.[0]?.TargetKeyId, KeyId);
    // A data-plane call through the alias creates it too.
    const encrypted = await kms.send(new EncryptCommand({ KeyId: 'alias/aws/ebs', Plaintext: bytes('x') }));
    const ebs = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }));
    assert.equal(encrypted.KeyId, ebs.KeyMetadata?.Arn);
    // An alias/aws/ name that AWS does not predefine names nothing.
    await rejects(kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/nothing' })), 'NotFoundException');
  });

  test('it cannot be disabled, deleted, re-policied, tagged or re-pointed, nor its alias changed', async () => {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/rds' }));
    const KeyId = KeyMetadata?.KeyId ?? '';
    const arn = KeyMetadata?.Arn ?? '';
    const caller = `arn:aws:iam::${server.accountId}:root`;
    const denied = (action: string, resource = arn) =>
      `User: ${caller} is not authorized to perform: kms:${action} on resource: ${resource} because no resource-based policy allows the kms:${action} action`;
    await rejects(kms.send(new DisableKeyCommand({ KeyId })), 'AccessDeniedException', denied('DisableKey'));
    await rejects(
      kms.send(new ScheduleKeyDeletionCommand({ KeyId })),
      'AccessDeniedException',
      denied('ScheduleKeyDeletion'),
    );
    await rejects(
      kms.send(new PutKeyPolicyCommand({ KeyId, Policy: '{"Statement":[]}' })),
      'AccessDeniedException',
    );
    await rejects(
      kms.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] })),
      'AccessDeniedException',
    );
    await rejects(
      kms.send(new CreateAliasCommand({ AliasName: 'alias/mine', TargetKeyId: KeyId })),
      'AccessDeniedException',
    );
    const mine = await createKey(kms);
    const aliasArn = `arn:aws:kms:${server.region}:${server.accountId}:alias/aws/rds`;
    await rejects(
      kms.send(new UpdateAliasCommand({ AliasName: 'alias/aws/rds', TargetKeyId: mine })),
      'AccessDeniedException',
      denied('UpdateAlias', aliasArn),
    );
    await rejects(kms.send(new DeleteAliasCommand({ AliasName: 'alias/aws/rds' })), 'AccessDeniedException');
    await rejects(
      kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: mine })),
      'InvalidAliasNameException',
    );
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.KeyState, 'Enabled');
  });
});
