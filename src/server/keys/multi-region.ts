import { randomBytes } from 'node:crypto';
import type {
  CreateKeyRequest,
  KeyMetadata,
  MultiRegionConfiguration,
  MultiRegionKeyType,
  ReplicateKeyRequest,
} from '../../protocol/index.ts';
import { partitionOf } from '../../protocol/regions.ts';
import { MultiRegionErrors } from '../messages.ts';
import { keyArn } from './arn.ts';
import {
  DAY_MS,
  DEFAULT_PENDING_WINDOW_DAYS,
  type KeyAttributes,
  type KeyRecord,
  type LoadedKey,
} from './key.ts';
import { defaultKeyPolicy } from './policy.ts';

/**
 * Multi-Region keys ("Multi-Region keys in AWS KMS" of the developer guide, and the CreateKey, ReplicateKey,
 * UpdatePrimaryRegion and ScheduleKeyDeletion references). Related multi-Region keys share their key ID (`mrk-`
 * and 32 hex digits), key material, key spec, usage, origin and automatic rotation; each has its own
 * description, policy, tags, aliases, grants and key state. One is the primary, in one Region; each replica is
 * in another Region of the same partition and account, one per Region. Their ciphertexts are interchangeable
 * (crypto/ciphertext.ts, version 2, binds a multi-Region key's blobs to the account and key ID only).
 */

/** Where the related keys of one multi-Region key are, as each of them knows it. */
export interface MultiRegionSet {
  primaryRegion: string;
  /** In the order they were made. */
  replicaRegions: string[];
}

const KEY_ID = /^mrk-[0-9a-f]{32}$/;

export function newMultiRegionKeyId(): string {
  return `mrk-${randomBytes(16).toString('hex')}`;
}

export function isMultiRegionKeyId(keyId: string): boolean {
  return KEY_ID.test(keyId);
}

/** Multi-Region keys cannot be in a custom key store. */
export function checkMultiRegionCreate(
  input: Pick<CreateKeyRequest, 'MultiRegion' | 'CustomKeyStoreId'>,
): void {
  if (input.MultiRegion && input.CustomKeyStoreId !== undefined) throw MultiRegionErrors.customKeyStore();
}

export function multiRegionKeyType(set: MultiRegionSet, region: string): MultiRegionKeyType {
  return set.primaryRegion === region ? 'PRIMARY' : 'REPLICA';
}

/**
 * DescribeKey's MultiRegionConfiguration of the key in `region`: primary and replicas look alike but for
 * MultiRegionKeyType, as AWS answers them (recorded in test_replicate_key).
 */
export function multiRegionConfiguration(
  accountId: string,
  keyId: string,
  region: string,
  set: MultiRegionSet,
): MultiRegionConfiguration {
  const entry = (r: string) => ({ Arn: keyArn(accountId, r, keyId), Region: r });
  return {
    MultiRegionKeyType: multiRegionKeyType(set, region),
    PrimaryKey: entry(set.primaryRegion),
    ReplicaKeys: set.replicaRegions.map(entry),
  };
}

/**
 * What DescribeKey shows of a multi-Region key beyond keys/key.ts's metadata: its configuration, and for a primary
 * pending replica deletion the waiting period that starts when its last replica is gone (its DeletionDate is
 * not known yet).
 */
export function multiRegionMetadata(
  record: KeyRecord,
  set: MultiRegionSet,
): Pick<KeyMetadata, 'MultiRegionConfiguration' | 'PendingDeletionWindowInDays'> {
  return {
    MultiRegionConfiguration: multiRegionConfiguration(record.accountId, record.keyId, record.region, set),
    PendingDeletionWindowInDays:
      record.keyState === 'PendingReplicaDeletion' ? record.pendingWindowInDays : undefined,
  };
}

/**
 * Operations only a primary can do (ReplicateKey, UpdatePrimaryRegion, and the shared automatic rotation):
 * anything else is refused in AWS's recorded words.
 */
export function requirePrimary(
  key: Pick<LoadedKey, 'arn' | 'record'>,
  set: MultiRegionSet | undefined,
): MultiRegionSet {
  if (!key.record.multiRegion || !set || set.primaryRegion !== key.record.region)
    throw MultiRegionErrors.notPrimary(key.arn);
  return set;
}

/**
 * ReplicateKey's rules on the Region ("Replica Regions"): one KMS knows, in the primary's partition, without a
 * related key yet (neither the primary nor a replica). The key state is states.ts's business.
 */
export function checkReplicaRegion(
  key: Pick<LoadedKey, 'arn' | 'record'>,
  set: MultiRegionSet | undefined,
  replicaRegion: string,
): MultiRegionSet {
  const related = requirePrimary(key, set);
  const partition = partitionOf(replicaRegion);
  if (!partition) throw MultiRegionErrors.unknownRegion(replicaRegion);
  const primaryPartition = partitionOf(related.primaryRegion) ?? 'aws';
  if (partition !== primaryPartition) throw MultiRegionErrors.otherPartition(replicaRegion, primaryPartition);
  if (replicaRegion === related.primaryRegion || related.replicaRegions.includes(replicaRegion))
    throw MultiRegionErrors.regionTaken(key.arn, replicaRegion);
  return { ...related, replicaRegions: [...related.replicaRegions, replicaRegion] };
}

/**
 * How long a new replica stays Creating: ReplicateKey answers a replica that is Creating (recorded), and AWS says
 * it becomes usable "after a few seconds". kmslab keeps it Creating this long, so that clients written for AWS
 * (retrying on KMSInvalidStateException, or waiting on DescribeKey) take the path they take there.
 */
export const REPLICA_CREATING_MS = 2000;

/**
 * The replica's own record: the primary's shared properties (key ID, spec, usage, origin, rotation), its own
 * description, policy and tags, or AWS's defaults for them (an empty description, the default key policy, no
 * tags), never the primary's. It starts Creating; settledState says what it becomes.
 */
export function replicaRecord(
  primary: KeyRecord & KeyAttributes,
  replicaRegion: string,
  input: Pick<ReplicateKeyRequest, 'Description' | 'Policy'>,
  now: Date,
): KeyRecord & KeyAttributes {
  return {
    accountId: primary.accountId,
    region: replicaRegion,
    keyId: primary.keyId,
    keySpec: primary.keySpec,
    keyUsage: primary.keyUsage,
    origin: primary.origin,
    multiRegion: true,
    keyManager: primary.keyManager,
    description: input.Description ?? '',
    keyState: 'Creating',
    creationDate: now.getTime(),
    policy: input.Policy ?? defaultKeyPolicy(primary.accountId),
    rotationPeriodInDays: primary.rotationPeriodInDays,
    nextRotationDate: primary.nextRotationDate,
    onDemandRotations: primary.onDemandRotations,
  };
}

/** A replica's state once created: Enabled, or PendingImport for imported material ("created with no key material"). */
export function settledState(replica: Pick<KeyAttributes, 'origin'>): 'Enabled' | 'PendingImport' {
  return replica.origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled';
}

/**
 * UpdatePrimaryRegion: the key must be the primary and the new primary Region must hold one of its replicas; the
 * old primary takes the new one's place among the replicas.
 */
export function updatePrimaryRegion(
  key: Pick<LoadedKey, 'arn' | 'record'>,
  set: MultiRegionSet | undefined,
  primaryRegion: string,
): MultiRegionSet {
  const related = requirePrimary(key, set);
  if (!related.replicaRegions.includes(primaryRegion))
    throw MultiRegionErrors.noReplicaInRegion(key.arn, primaryRegion);
  return {
    primaryRegion,
    replicaRegions: related.replicaRegions.map((r) => (r === primaryRegion ? related.primaryRegion : r)),
  };
}

export interface ScheduledDeletion {
  keyState: 'PendingDeletion' | 'PendingReplicaDeletion';
  pendingWindowInDays: number;
  /** Epoch milliseconds; unknown while a primary waits for its replicas to go. */
  deletionDate?: number;
}

/**
 * ScheduleKeyDeletion of a multi-Region key ("Deleting multi-Region keys"): a primary with replicas becomes
 * PendingReplicaDeletion and its waiting period starts only when its last replica is deleted; a replica, or a
 * primary without replicas, is scheduled as any key.
 */
export function scheduleDeletion(
  record: Pick<KeyRecord, 'region'>,
  set: MultiRegionSet | undefined,
  pendingWindowInDays = DEFAULT_PENDING_WINDOW_DAYS,
  now: Date,
): ScheduledDeletion {
  if (set && set.primaryRegion === record.region && set.replicaRegions.length > 0)
    return { keyState: 'PendingReplicaDeletion', pendingWindowInDays };
  return {
    keyState: 'PendingDeletion',
    pendingWindowInDays,
    deletionDate: now.getTime() + pendingWindowInDays * DAY_MS,
  };
}

/**
 * After a replica in `region` is deleted: the related keys that remain, and, when that was the last replica of
 * a primary pending replica deletion, the primary's deletion, which starts now.
 */
export function replicaDeleted(
  primary: Pick<KeyRecord, 'keyState' | 'pendingWindowInDays'>,
  set: MultiRegionSet,
  region: string,
  now: Date,
): { set: MultiRegionSet; primaryDeletion?: ScheduledDeletion } {
  const remaining = { ...set, replicaRegions: set.replicaRegions.filter((r) => r !== region) };
  if (primary.keyState !== 'PendingReplicaDeletion' || remaining.replicaRegions.length > 0)
    return { set: remaining };
  const pendingWindowInDays = primary.pendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS;
  return {
    set: remaining,
    primaryDeletion: {
      keyState: 'PendingDeletion',
      pendingWindowInDays,
      deletionDate: now.getTime() + pendingWindowInDays * DAY_MS,
    },
  };
}
