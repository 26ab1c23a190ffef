import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  type KMSClient,
  ListResourceTagsCommand,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  UpdatePrimaryRegionCommand,
} from '@aws-sdk/client-kms';
import { startKmslab } from '../helpers/kmslab.ts';
import { bytes, DAY_MS, rejects, text } from './support.ts';

/**
 * Multi-Region keys through @aws-sdk/client-kms, one client per Region of the same account: a primary in
 * us-east-1, its replica in eu-west-1.
 */

const directory = mkdtempSync(join(tmpdir(), 'kmslab-multi-region-'));
after(() => rmSync(directory, { recursive: true, force: true }));

async function metadata(kms: KMSClient, keyId: string) {
  return (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata ?? assert.fail('no metadata');
}

/** A new replica is Creating for a moment, as in AWS; clients wait for it as they do there. */
async function untilEnabled(kms: KMSClient, keyId: string) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const described = await metadata(kms, keyId);
    if (described.KeyState !== 'Creating') return described;
    await delay(100);
  }
  assert.fail('the replica stayed Creating');
}

async function roundTrip(from: KMSClient, to: KMSClient, keyId: string, message: string) {
  const { CiphertextBlob } = await from.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes(message) }));
  const decrypted = await to.send(new DecryptCommand({ CiphertextBlob }));
  assert.equal(text(decrypted.Plaintext), message);
  return decrypted;
}

describe('multi-Region keys', () => {
  test('a replica in another Region: its own description, policy and tags, the same material; ciphertexts cross both ways; rotations reach it', async () => {
    const server = await startKmslab();
    try {
      const east = server.sdk();
      const west = server.sdk({ region: 'eu-west-1' });
      const created = await east.send(
        new CreateKeyCommand({
          MultiRegion: true,
          Description: 'primary',
          Tags: [{ TagKey: 'side', TagValue: 'east' }],
        }),
      );
      const keyId = created.KeyMetadata?.KeyId ?? assert.fail('no KeyId');
      assert.match(keyId, /^mrk-[0-9a-f]{32}$/);
      assert.deepEqual(created.KeyMetadata?.MultiRegionConfiguration, {
        MultiRegionKeyType: 'PRIMARY',
        PrimaryKey: { Arn: created.KeyMetadata?.Arn, Region: 'us-east-1' },
        ReplicaKeys: [],
      });

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
      const replicated = await east.send(
        new ReplicateKeyCommand({
          KeyId: keyId,
          ReplicaRegion: 'eu-west-1',
          Description: 'replica',
          Policy: policy,
          Tags: [{ TagKey: 'side', TagValue: 'west' }],
        }),
      );
      assert.equal(replicated.ReplicaKeyMetadata?.KeyState, 'Creating');
      assert.equal(replicated.ReplicaPolicy, policy);
      const replica = await untilEnabled(west, keyId);
      assert.equal(replica.KeyState, 'Enabled');
      assert.equal(replica.Description, 'replica');
      assert.equal(replica.MultiRegionConfiguration?.MultiRegionKeyType, 'REPLICA');
      assert.equal((await metadata(east, keyId)).Description, 'primary');
      assert.deepEqual((await west.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags, [
        { TagKey: 'side', TagValue: 'west' },
      ]);
      assert.deepEqual((await east.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags, [
        { TagKey: 'side', TagValue: 'east' },
      ]);
      assert.equal((await west.send(new GetKeyPolicyCommand({ KeyId: keyId }))).Policy, policy);
      assert.deepEqual(
        (await metadata(east, keyId)).MultiRegionConfiguration?.ReplicaKeys?.map((r) => r.Region),
        ['eu-west-1'],
      );

      await roundTrip(east, west, keyId, 'east to west');
      await roundTrip(west, east, keyId, 'west to east');

      await rejects(
        west.send(new RotateKeyOnDemandCommand({ KeyId: keyId })),
        'UnsupportedOperationException',
        /is not a multi-region primary key/,
      );
      await rejects(
        west.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: 'ap-southeast-1' })),
        'UnsupportedOperationException',
        /is not a multi-region primary key/,
      );
      await rejects(
        east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: 'eu-west-1' })),
        'AlreadyExistsException',
      );
      await east.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
      const rotated = (await metadata(east, keyId)).CurrentKeyMaterialId;
      assert.equal((await metadata(west, keyId)).CurrentKeyMaterialId, rotated);
      const decrypted = await roundTrip(east, west, keyId, 'after rotation');
      assert.equal(decrypted.KeyMaterialId, rotated);
    } finally {
      await server.stop();
    }
  });

  test('UpdatePrimaryRegion; a primary with replicas waits in PendingReplicaDeletion; the Regions survive a restart', async () => {
    const database = join(directory, 'regions.db');
    const rootKey = randomBytes(32);
    const first = await startKmslab({ database, rootKey });
    const east = first.sdk();
    const west = first.sdk({ region: 'eu-west-1' });
    const created = await east.send(new CreateKeyCommand({ MultiRegion: true }));
    const keyId = created.KeyMetadata?.KeyId ?? assert.fail('no KeyId');
    await east.send(new ReplicateKeyCommand({ KeyId: keyId, ReplicaRegion: 'eu-west-1' }));
    await untilEnabled(west, keyId);
    await east.send(new UpdatePrimaryRegionCommand({ KeyId: keyId, PrimaryRegion: 'eu-west-1' }));
    assert.equal((await metadata(east, keyId)).MultiRegionConfiguration?.MultiRegionKeyType, 'REPLICA');
    assert.equal((await metadata(west, keyId)).MultiRegionConfiguration?.MultiRegionKeyType, 'PRIMARY');
    await first.stop();

    const second = await startKmslab({ database, rootKey });
    try {
      const east2 = second.sdk();
      const west2 = second.sdk({ region: 'eu-west-1' });
      const primary = await metadata(west2, keyId);
      assert.deepEqual(primary.MultiRegionConfiguration, {
        MultiRegionKeyType: 'PRIMARY',
        PrimaryKey: { Arn: primary.Arn, Region: 'eu-west-1' },
        ReplicaKeys: [{ Arn: created.KeyMetadata?.Arn, Region: 'us-east-1' }],
      });
      await roundTrip(west2, east2, keyId, 'after the restart');

      const scheduled = await west2.send(
        new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }),
      );
      assert.equal(scheduled.KeyState, 'PendingReplicaDeletion');
      assert.equal(scheduled.DeletionDate, undefined);
      assert.equal((await metadata(west2, keyId)).PendingDeletionWindowInDays, 7);
      await east2.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));

      // Eight days on: the replica is gone, and the primary's own seven days start then.
      const later = new Date(Date.now() + 8 * DAY_MS);
      await second.service.runDueWork(later);
      await rejects(east2.send(new DescribeKeyCommand({ KeyId: keyId })), 'NotFoundException');
      const waiting = await metadata(west2, keyId);
      assert.equal(waiting.KeyState, 'PendingDeletion');
      assert.equal(waiting.DeletionDate?.getTime(), later.getTime() + 7 * DAY_MS);
      assert.deepEqual(waiting.MultiRegionConfiguration?.ReplicaKeys, []);
    } finally {
      await second.stop();
    }
  });
});
