import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
  ListKeysCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { kmslabForSuite } from '../helpers/kmslab.ts';
import { bytes, createKey, PREDEFINED_ALIASES, rejects } from './support.ts';

/**
 * AWS managed keys: a fresh account lists their aliases without keys; the first reference to one creates its
 * key (KeyManager AWS, the service's policy, yearly rotation); nobody can change, disable, delete or re-point it.
 */
describe('AWS managed keys', () => {
  const suite = kmslabForSuite();

  test('a fresh account lists the predefined aliases, with no key behind them and no key in ListKeys', async () => {
    const { Aliases } = await suite.kms.send(new ListAliasesCommand({}));
    assert.deepEqual(
      Aliases?.map((a) => a.AliasName),
      PREDEFINED_ALIASES,
    );
    const s3 = Aliases?.find((a) => a.AliasName === 'alias/aws/s3');
    assert.deepEqual(s3, {
      AliasName: 'alias/aws/s3',
      AliasArn: `arn:aws:kms:${suite.server.region}:${suite.server.accountId}:alias/aws/s3`,
    });
    assert.deepEqual((await suite.kms.send(new ListKeysCommand({}))).Keys, []);
  });

  test('the first reference creates the key: KeyManager AWS, its service policy, yearly rotation; later ones find it', async () => {
    const { KeyMetadata } = await suite.kms.send(
      new DescribeKeyCommand({ KeyId: 'alias/aws/secretsmanager' }),
    );
    assert.equal(KeyMetadata?.KeyManager, 'AWS');
    assert.equal(KeyMetadata?.KeyState, 'Enabled');
    assert.equal(
      KeyMetadata?.Description,
      'Default key that protects my Secrets Manager secrets when no other key is defined',
    );
    const KeyId = KeyMetadata?.KeyId ?? '';
    const again = await suite.kms.send(
      new DescribeKeyCommand({
        KeyId: `arn:aws:kms:${suite.server.region}:${suite.server.accountId}:alias/aws/secretsmanager`,
      }),
    );
    assert.equal(again.KeyMetadata?.KeyId, KeyId);
    const rotation = await suite.kms.send(new GetKeyRotationStatusCommand({ KeyId }));
    assert.deepEqual([rotation.KeyRotationEnabled, rotation.RotationPeriodInDays], [true, 365]);
    const { Policy } = await suite.kms.send(new GetKeyPolicyCommand({ KeyId }));
    assert.match(Policy ?? '', /"kms:ViaService" : "secretsmanager\.us-east-1\.amazonaws\.com"/);
    const listed = (await suite.kms.send(new ListAliasesCommand({}))).Aliases?.filter(
      (a) => a.AliasName === 'alias/aws/secretsmanager',
    );
    assert.equal(listed?.length, 1);
    assert.equal(listed?.[0]?.TargetKeyId, KeyId);
    // A data-plane call through the alias creates it too, though its policy allows such calls only through
    // the service (kms:ViaService, which no local caller has).
    await rejects(
      suite.kms.send(new EncryptCommand({ KeyId: 'alias/aws/ebs', Plaintext: bytes('x') })),
      'AccessDeniedException',
    );
    const ebs = await suite.kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }));
    assert.equal(ebs.KeyMetadata?.KeyManager, 'AWS');
    // An alias/aws/ name that AWS does not predefine names nothing.
    await rejects(
      suite.kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/nothing' })),
      'NotFoundException',
    );
  });

  test('it cannot be disabled, deleted, re-policied, tagged or re-pointed, nor its alias changed', async () => {
    const { KeyMetadata } = await suite.kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/rds' }));
    const KeyId = KeyMetadata?.KeyId ?? '';
    const arn = KeyMetadata?.Arn ?? '';
    const caller = `arn:aws:iam::${suite.server.accountId}:root`;
    const denied = (action: string, resource = arn) =>
      `User: ${caller} is not authorized to perform: kms:${action} on resource: ${resource} because no resource-based policy allows the kms:${action} action`;
    await rejects(
      suite.kms.send(new DisableKeyCommand({ KeyId })),
      'AccessDeniedException',
      denied('DisableKey'),
    );
    await rejects(
      suite.kms.send(new ScheduleKeyDeletionCommand({ KeyId })),
      'AccessDeniedException',
      denied('ScheduleKeyDeletion'),
    );
    await rejects(
      suite.kms.send(new PutKeyPolicyCommand({ KeyId, Policy: '{"Statement":[]}' })),
      'AccessDeniedException',
    );
    await rejects(
      suite.kms.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] })),
      'AccessDeniedException',
    );
    await rejects(
      suite.kms.send(new CreateAliasCommand({ AliasName: 'alias/mine', TargetKeyId: KeyId })),
      'AccessDeniedException',
    );
    const mine = await createKey(suite.kms);
    // UpdateAlias needs the alias's current key to allow it too, and the AWS managed key's policy does not.
    await rejects(
      suite.kms.send(new UpdateAliasCommand({ AliasName: 'alias/aws/rds', TargetKeyId: mine })),
      'AccessDeniedException',
      denied('UpdateAlias', arn),
    );
    await rejects(
      suite.kms.send(new DeleteAliasCommand({ AliasName: 'alias/aws/rds' })),
      'AccessDeniedException',
    );
    await rejects(
      suite.kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: mine })),
      'InvalidAliasNameException',
    );
    assert.equal((await suite.kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.KeyState, 'Enabled');
  });
});
