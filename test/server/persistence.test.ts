import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyLastUsageCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { createKmslab } from '../../src/server/index.ts';
import type { SeedSpec } from '../../src/server/seed/spec.ts';
import { startKmslab } from '../helpers/kmslab.ts';
import { bytes, DAY_MS, rejects, text } from './support.ts';

const directory = mkdtempSync(join(tmpdir(), 'kmslab-persistence-'));
after(() => rmSync(directory, { recursive: true, force: true }));

describe('persistence on one SQLite file across restarts', () => {
  test('keys, material versions, aliases, tags, policy, rotation and state survive a restart', async () => {
    const database = join(directory, 'restart.db');
    const rootKey = randomBytes(32);
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'kms:*', Resource: '*' }],
    });

    const first = await startKmslab({ database, rootKey });
    const kms = first.sdk();
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ Description: 'persisted', Tags: [{ TagKey: 'team', TagValue: 'load' }] }),
    );
    const keyId = KeyMetadata?.KeyId ?? assert.fail('no KeyId');
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/persisted', TargetKeyId: keyId }));
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: policy }));
    const beforeRotation = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: bytes('old material'), EncryptionContext: { v: '1' } }),
    );
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const afterRotation = await kms.send(
      new GenerateDataKeyCommand({ KeyId: 'alias/persisted', NumberOfBytes: 32 }),
    );
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 180 }));
    const rotationStatus = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));

    const disabled = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    await kms.send(new DisableKeyCommand({ KeyId: disabled }));
    const doomed = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    const { DeletionDate } = await kms.send(
      new ScheduleKeyDeletionCommand({ KeyId: doomed, PendingWindowInDays: 7 }),
    );
    await first.stop();

    const second = await startKmslab({ database, rootKey });
    try {
      const again = second.sdk();
      // Usage recorded in memory was written when the first server closed.
      assert.equal(
        (await again.send(new GetKeyLastUsageCommand({ KeyId: keyId }))).KeyLastUsage?.Operation,
        'GenerateDataKey',
      );
      const old = await again.send(
        new DecryptCommand({ CiphertextBlob: beforeRotation.CiphertextBlob, EncryptionContext: { v: '1' } }),
      );
      assert.equal(text(old.Plaintext), 'old material');
      const dataKey = await again.send(new DecryptCommand({ CiphertextBlob: afterRotation.CiphertextBlob }));
      assert.deepEqual(dataKey.Plaintext, afterRotation.Plaintext);

      const described = await again.send(new DescribeKeyCommand({ KeyId: 'alias/persisted' }));
      assert.equal(described.KeyMetadata?.KeyId, keyId);
      assert.equal(described.KeyMetadata?.Description, 'persisted');
      assert.equal(described.KeyMetadata?.CurrentKeyMaterialId, afterRotation.KeyMaterialId);
      assert.deepEqual((await again.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags, [
        { TagKey: 'team', TagValue: 'load' },
      ]);
      assert.equal((await again.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy, policy);
      const status = await again.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
      assert.deepEqual(
        [status.KeyRotationEnabled, status.RotationPeriodInDays, status.NextRotationDate?.getTime()],
        [true, 180, rotationStatus.NextRotationDate?.getTime()],
      );
      assert.equal(
        (await again.send(new DescribeKeyCommand({ KeyId: disabled }))).KeyMetadata?.KeyState,
        'Disabled',
      );
      const pending = await again.send(new DescribeKeyCommand({ KeyId: doomed }));
      assert.equal(pending.KeyMetadata?.KeyState, 'PendingDeletion');
      assert.equal(pending.KeyMetadata?.DeletionDate?.getTime(), DeletionDate?.getTime());
      assert.equal((await again.send(new ListKeysCommand({}))).Keys?.length, 3);

      // Due dates were persisted: a later run of due work (as after a long shutdown) rotates and deletes.
      const later = new Date(Date.now() + 181 * DAY_MS);
      await second.service.runDueWork(later);
      assert.notEqual(
        (await again.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.CurrentKeyMaterialId,
        afterRotation.KeyMaterialId,
      );
      await rejects(again.send(new DescribeKeyCommand({ KeyId: doomed })), 'NotFoundException');
      const reread = await again.send(
        new DecryptCommand({ CiphertextBlob: beforeRotation.CiphertextBlob, EncryptionContext: { v: '1' } }),
      );
      assert.equal(text(reread.Plaintext), 'old material');
    } finally {
      await second.stop();
    }
  });

  test('a different root key cannot open the database', async () => {
    const database = join(directory, 'root-key.db');
    await (await createKmslab({ storage: { database, rootKey: randomBytes(32) } })).stop();
    await assert.rejects(
      createKmslab({ storage: { database, rootKey: randomBytes(32) } }),
      /root key does not match/,
    );
  });

  test('key material is encrypted at rest: the database file never contains it', async () => {
    const database = join(directory, 'at-rest.db');
    const material = randomBytes(32);
    const kmslab = await createKmslab({
      storage: { database, rootKey: randomBytes(32) },
      seeds: [{ spec: { keys: [{ keyId: 'at-rest', materials: [material] }] }, source: 'the test' }],
    });
    await kmslab.stop();
    const files = ['', '-wal'].flatMap((suffix) => {
      try {
        return [readFileSync(database + suffix)];
      } catch {
        return [];
      }
    });
    assert.ok(files.length > 0);
    for (const file of files) assert.equal(file.indexOf(material), -1);
  });
});

describe('seeding', () => {
  const material = randomBytes(32);
  const seed: SeedSpec = {
    keys: [
      {
        keyId: 'e67f95-4c047567-4-a0b7-62f7ce8ec8f48',
        description: 'reference script key',
        materials: [material],
        aliases: ['alias/reference'],
        tags: [{ TagKey: 'origin', TagValue: 'seed' }],
      },
      { keyId: 'seeded-disabled', enabled: false },
    ],
    aliases: [{ aliasName: 'alias/second-name', targetKeyId: 'e67f95-4c047567-4-a0b7-62f7ce8ec8f48' }],
  };

  test('seeded keys have their fixed IDs, aliases, tags and state, and applying again at a restart changes nothing', async () => {
    const database = join(directory, 'seed.db');
    const rootKey = randomBytes(32);
    const server = await startKmslab({ database, rootKey, seed });
    try {
      const kms = server.sdk();
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/reference' }));
      assert.equal(KeyMetadata?.KeyId, 'e67f95-4c047567-4-a0b7-62f7ce8ec8f48');
      assert.equal(KeyMetadata?.Description, 'reference script key');
      assert.equal(KeyMetadata?.Enabled, true);
      const second = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/second-name' }));
      assert.equal(second.KeyMetadata?.KeyId, KeyMetadata?.KeyId);
      const disabled = await kms.send(new DescribeKeyCommand({ KeyId: 'seeded-disabled' }));
      assert.equal(disabled.KeyMetadata?.KeyState, 'Disabled');
      assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: KeyMetadata?.KeyId }))).Tags, [
        { TagKey: 'origin', TagValue: 'seed' },
      ]);
      assert.equal((await kms.send(new ListKeysCommand({}))).Keys?.length, 2);
      const { Aliases } = await kms.send(new ListAliasesCommand({}));
      assert.equal(Aliases?.filter((a) => !a.AliasName?.startsWith('alias/aws/')).length, 2);
    } finally {
      await server.stop();
    }
    const restarted = await startKmslab({ database, rootKey, seed });
    try {
      assert.equal((await restarted.sdk().send(new ListKeysCommand({}))).Keys?.length, 2);
    } finally {
      await restarted.stop();
    }
  });

  test('the same seeded material decrypts on another server seeded the same way', async () => {
    const a = await startKmslab({ seed });
    const b = await startKmslab({ seed });
    try {
      const { CiphertextBlob } = await a
        .sdk()
        .send(new EncryptCommand({ KeyId: 'alias/reference', Plaintext: bytes('portable') }));
      const { Plaintext } = await b.sdk().send(new DecryptCommand({ CiphertextBlob }));
      assert.equal(text(Plaintext), 'portable');
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
