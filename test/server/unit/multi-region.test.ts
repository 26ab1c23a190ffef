import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { MultiRegionConfiguration } from '../../../src/protocol/index.ts';
import { isGeneratedKeyIdFormat, keyArn } from '../../../src/server/keys/arn.ts';
import { DAY_MS, keyMetadata, loadedKey } from '../../../src/server/keys/key.ts';
import {
  checkMultiRegionCreate,
  checkReplicaRegion,
  isMultiRegionKeyId,
  multiRegionConfiguration,
  multiRegionMetadata,
  newMultiRegionKeyId,
  replicaDeleted,
  replicaRecord,
  requirePrimary,
  scheduleDeletion,
  settledState,
  updatePrimaryRegion,
} from '../../../src/server/keys/multi-region.ts';
import { defaultKeyPolicy } from '../../../src/server/keys/policy.ts';
import { awsError } from '../support.ts';
import { keyOf, thrown } from './keys.ts';

const NOW = new Date(1.7e12);
const primary = keyOf({ multiRegion: true });
const replica = keyOf({ multiRegion: true, region: 'eu-west-1' });
const set = { primaryRegion: 'us-east-1', replicaRegions: ['eu-west-1'] };

/** A recorded snapshot entry with its placeholders filled in. */
function recorded(testName: string, keyId: string): Record<string, unknown> {
  const snapshots = JSON.parse(
    readFileSync(new URL('../../../models/localstack-aws-validated-snapshots.json', import.meta.url), 'utf8'),
  ) as Record<string, { 'recorded-content': unknown }>;
  const entry = Object.entries(snapshots).find(([name]) => name.endsWith(`::${testName}`))?.[1];
  const text = JSON.stringify(entry?.['recorded-content'])
    .replaceAll('<partition>', 'aws')
    .replaceAll('<region>', 'us-east-1')
    .replaceAll('<key-id:1>', keyId)
    .replaceAll('111111111111', '111122223333');
  return JSON.parse(text) as Record<string, unknown>;
}

describe('multi-Region key IDs', () => {
  test('mrk- and 32 hex digits, a format key lookups know, different every time', () => {
    const id = newMultiRegionKeyId();
    assert.match(id, /^mrk-[0-9a-f]{32}$/);
    assert.ok(isMultiRegionKeyId(id) && isGeneratedKeyIdFormat(id));
    assert.notEqual(newMultiRegionKeyId(), id);
    assert.equal(isMultiRegionKeyId('1234abcd-12ab-34cd-56ef-1234567890ab'), false);
    assert.equal(isMultiRegionKeyId('mrk-fake-key-id'), false);
  });

  test('no multi-Region key in a custom key store', () => {
    assert.equal(
      thrown(() => checkMultiRegionCreate({ MultiRegion: true, CustomKeyStoreId: 'cks-1' }))?.type,
      'UnsupportedOperationException',
    );
    assert.equal(
      thrown(() => checkMultiRegionCreate({ MultiRegion: true })),
      undefined,
    );
    assert.equal(
      thrown(() => checkMultiRegionCreate({ CustomKeyStoreId: 'cks-1' })),
      undefined,
    );
  });
});

describe('MultiRegionConfiguration', () => {
  const keyId = primary.record.keyId;
  const withReplica = { primaryRegion: 'us-east-1', replicaRegions: ['ap-southeast-1'] };

  test('as AWS answered it for the primary and for the replica (test_replicate_key)', () => {
    const snapshot = recorded('test_replicate_key', keyId) as Record<
      string,
      { KeyMetadata: { MultiRegionConfiguration: MultiRegionConfiguration } }
    >;
    assert.deepEqual(
      multiRegionConfiguration('111122223333', keyId, 'us-east-1', withReplica),
      snapshot['describe-key-from-region']?.KeyMetadata.MultiRegionConfiguration,
    );
    assert.deepEqual(
      multiRegionConfiguration('111122223333', keyId, 'ap-southeast-1', withReplica),
      snapshot['describe-replicated-key']?.KeyMetadata.MultiRegionConfiguration,
    );
  });

  test('a new primary lists no replicas (test_create_multi_region_key)', () => {
    const snapshot = recorded('test_create_multi_region_key', keyId) as Record<
      string,
      { MultiRegionConfiguration: MultiRegionConfiguration }
    >;
    assert.deepEqual(
      multiRegionConfiguration('111122223333', keyId, 'us-east-1', {
        primaryRegion: 'us-east-1',
        replicaRegions: [],
      }),
      snapshot.create_multi_region_key?.MultiRegionConfiguration,
    );
  });

  test('PendingDeletionWindowInDays only while a primary waits for its replicas to be deleted', () => {
    const waiting = {
      ...primary.record,
      keyState: 'PendingReplicaDeletion' as const,
      pendingWindowInDays: 9,
    };
    assert.equal(multiRegionMetadata(waiting, set).PendingDeletionWindowInDays, 9);
    assert.equal(
      multiRegionMetadata({ ...waiting, keyState: 'PendingDeletion' }, set).PendingDeletionWindowInDays,
      undefined,
    );
  });
});

describe('ReplicateKey', () => {
  test("only a multi-Region primary key is replicated: anything else in AWS's recorded words", () => {
    for (const key of [replica, keyOf()]) {
      const error = thrown(() =>
        checkReplicaRegion(key, key === replica ? set : undefined, 'ap-southeast-2'),
      );
      assert.deepEqual(
        { type: error?.type, message: error?.message },
        awsError('test_replicate_replica_key_should_fail', 'fail-replicate-non-primary-key', {
          '<mrk-key-arn>': key.arn,
        }),
      );
    }
  });

  test("one related key per Region: not the primary's, not an existing replica's", () => {
    assert.equal(thrown(() => checkReplicaRegion(primary, set, 'us-east-1'))?.type, 'AlreadyExistsException');
    assert.equal(thrown(() => checkReplicaRegion(primary, set, 'eu-west-1'))?.type, 'AlreadyExistsException');
    assert.deepEqual(checkReplicaRegion(primary, set, 'ap-southeast-2'), {
      primaryRegion: 'us-east-1',
      replicaRegions: ['eu-west-1', 'ap-southeast-2'],
    });
  });

  test('a Region of the same partition that KMS knows', () => {
    assert.equal(thrown(() => checkReplicaRegion(primary, set, 'cn-north-1'))?.type, 'ValidationException');
    assert.equal(
      thrown(() => checkReplicaRegion(primary, set, 'us-gov-west-1'))?.type,
      'ValidationException',
    );
    assert.equal(thrown(() => checkReplicaRegion(primary, set, 'xx-nowhere-9'))?.type, 'ValidationException');
  });

  test("the replica shares the primary's key and material properties, not its description or policy", () => {
    const source = {
      ...primary.record,
      description: 'primary',
      policy: '{"primary":true}',
      rotationPeriodInDays: 90,
    };
    const created = replicaRecord(source, 'ap-southeast-2', {}, NOW);
    assert.deepEqual(
      {
        keyId: created.keyId,
        region: created.region,
        keySpec: created.keySpec,
        keyUsage: created.keyUsage,
        origin: created.origin,
        multiRegion: created.multiRegion,
        rotationPeriodInDays: created.rotationPeriodInDays,
        description: created.description,
        policy: created.policy,
        keyState: created.keyState,
        creationDate: created.creationDate,
      },
      {
        keyId: source.keyId,
        region: 'ap-southeast-2',
        keySpec: source.keySpec,
        keyUsage: source.keyUsage,
        origin: source.origin,
        multiRegion: true,
        rotationPeriodInDays: 90,
        description: '',
        policy: defaultKeyPolicy(source.accountId),
        keyState: 'Creating',
        creationDate: NOW.getTime(),
      },
    );
    const own = replicaRecord(
      source,
      'ap-southeast-2',
      { Description: 'replica', Policy: '{"replica":true}' },
      NOW,
    );
    assert.deepEqual([own.description, own.policy], ['replica', '{"replica":true}']);
    assert.equal(settledState(created), 'Enabled');
    assert.equal(settledState({ origin: 'EXTERNAL' }), 'PendingImport');
  });

  test("the new replica's metadata, as AWS answered ReplicateKey (test_replicate_key)", () => {
    const keyId = primary.record.keyId;
    const created = replicaRecord({ ...primary.record }, 'ap-southeast-1', {}, NOW);
    const metadata = {
      ...keyMetadata(
        loadedKey(created, [{ materialId: 'ab'.repeat(32), bytes: Buffer.alloc(32), createdAt: 0 }]),
      ),
      ...multiRegionMetadata(created, { primaryRegion: 'us-east-1', replicaRegions: ['ap-southeast-1'] }),
    };
    const expected = (
      recorded('test_replicate_key', keyId)['replicate-key'] as {
        ReplicaKeyMetadata: Record<string, unknown>;
      }
    ).ReplicaKeyMetadata;
    for (const member of [
      'Arn',
      'Description',
      'Enabled',
      'KeyId',
      'KeyState',
      'MultiRegion',
      'MultiRegionConfiguration',
      'Origin',
      'KeyManager',
    ])
      assert.deepEqual(metadata[member as keyof typeof metadata], expected[member], member);
    assert.equal(metadata.Arn, keyArn('111122223333', 'ap-southeast-1', keyId));
  });
});

describe('UpdatePrimaryRegion', () => {
  test('the replica in the new Region becomes primary and the old primary takes its place', () => {
    const three = { primaryRegion: 'us-east-1', replicaRegions: ['eu-west-1', 'ap-southeast-2'] };
    assert.deepEqual(updatePrimaryRegion(primary, three, 'eu-west-1'), {
      primaryRegion: 'eu-west-1',
      replicaRegions: ['us-east-1', 'ap-southeast-2'],
    });
    assert.equal(thrown(() => updatePrimaryRegion(primary, three, 'us-west-2'))?.type, 'NotFoundException');
    assert.equal(thrown(() => updatePrimaryRegion(primary, three, 'us-east-1'))?.type, 'NotFoundException');
    assert.equal(
      thrown(() => updatePrimaryRegion(replica, set, 'us-east-1'))?.type,
      'UnsupportedOperationException',
    );
    assert.equal(requirePrimary(primary, set), set);
  });
});

describe('deleting multi-Region keys', () => {
  test('a primary with replicas waits for them (PendingReplicaDeletion, no date); a replica is scheduled at once', () => {
    assert.deepEqual(scheduleDeletion(primary.record, set, 7, NOW), {
      keyState: 'PendingReplicaDeletion',
      pendingWindowInDays: 7,
    });
    assert.deepEqual(scheduleDeletion(replica.record, set, 7, NOW), {
      keyState: 'PendingDeletion',
      pendingWindowInDays: 7,
      deletionDate: NOW.getTime() + 7 * DAY_MS,
    });
    assert.equal(
      scheduleDeletion(primary.record, { primaryRegion: 'us-east-1', replicaRegions: [] }, undefined, NOW)
        .deletionDate,
      NOW.getTime() + 30 * DAY_MS,
    );
    assert.equal(scheduleDeletion(keyOf().record, undefined, 30, NOW).keyState, 'PendingDeletion');
  });

  test("the primary's waiting period starts when its last replica is deleted: 14 days at the least", () => {
    const waiting = { keyState: 'PendingReplicaDeletion' as const, pendingWindowInDays: 7 };
    const two = { primaryRegion: 'us-east-1', replicaRegions: ['eu-west-1', 'ap-southeast-2'] };
    const afterFirst = replicaDeleted(waiting, two, 'eu-west-1', NOW);
    assert.deepEqual(afterFirst, { set: { primaryRegion: 'us-east-1', replicaRegions: ['ap-southeast-2'] } });
    const day7 = new Date(NOW.getTime() + 7 * DAY_MS);
    const afterLast = replicaDeleted(waiting, afterFirst.set, 'ap-southeast-2', day7);
    assert.deepEqual(afterLast.primaryDeletion, {
      keyState: 'PendingDeletion',
      pendingWindowInDays: 7,
      deletionDate: NOW.getTime() + 14 * DAY_MS,
    });
    assert.equal(replicaDeleted({ keyState: 'Enabled' }, set, 'eu-west-1', NOW).primaryDeletion, undefined);
  });
});
