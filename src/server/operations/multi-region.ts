import type { Handlers, Output } from '../context.ts';
import { keyArn } from '../keys/arn.ts';
import type { KeyMaterial, KeyRecord, LoadedKey } from '../keys/key.ts';
import {
  checkReplicaRegion,
  REPLICA_CREATING_MS,
  replicaDeleted,
  replicaRecord,
  requirePrimary,
  settledState,
  updatePrimaryRegion,
} from '../keys/multi-region.ts';
import { checkPolicy } from '../keys/policy.ts';
import { checkState } from '../keys/states.ts';
import { checkTags } from '../keys/tags.ts';
import type { KeyChanges, Store } from '../store/store.ts';
import { describeKey } from './keys.ts';
import { resolveKey } from './resolve.ts';

/**
 * Multi-Region keys (keys/multi-region.ts has the rules): each related key is a key of its own Region in the
 * store, holding the same material versions; the store keeps where they are. What changes the material of one
 * (rotation) changes all of them in one transaction.
 */

/** The related keys of a multi-Region key (itself included), primary first; just the key for any other. */
export function relatedKeys(store: Store, key: LoadedKey): LoadedKey[] {
  const { accountId, keyId } = key.record;
  const set = key.record.multiRegion ? store.multiRegionSet(accountId, keyId) : undefined;
  if (!set) return [key];
  return [set.primaryRegion, ...set.replicaRegions].flatMap(
    (region) => store.findKey({ accountId, region }, keyId) ?? [],
  );
}

/** The key a rotation or its settings may change: any single-Region key, or the primary of a multi-Region key. */
export function checkRotatable(store: Store, key: LoadedKey): void {
  if (key.record.multiRegion)
    requirePrimary(key, store.multiRegionSet(key.record.accountId, key.record.keyId));
}

/** Adds `material` to the key and all its related keys, with `changes` to each record, in one transaction. */
export function addSharedMaterial(
  store: Store,
  key: LoadedKey,
  material: KeyMaterial,
  changes: KeyChanges,
): void {
  store.transaction(() => {
    for (const related of relatedKeys(store, key)) store.addMaterial(related, material, changes);
  });
}

/** Changes the rotation settings of the key and its related keys alike. */
export function updateShared(store: Store, key: LoadedKey, changes: KeyChanges): void {
  store.transaction(() => {
    for (const related of relatedKeys(store, key)) store.updateKey(related, changes);
  });
}

/**
 * Deletes a key whose waiting period is over. A replica leaves its multi-Region key, and when it was the last
 * replica of a primary pending replica deletion, the primary's own waiting period starts now.
 */
export function deleteDueKey(store: Store, key: LoadedKey, now: Date): void {
  const { accountId, keyId, region } = key.record;
  const set = key.record.multiRegion ? store.multiRegionSet(accountId, keyId) : undefined;
  store.transaction(() => {
    store.deleteKey(key);
    if (!set) return;
    if (set.primaryRegion === region) {
      store.saveMultiRegionSet(accountId, keyId, undefined);
      return;
    }
    const primary = store.findKey({ accountId, region: set.primaryRegion }, keyId);
    const after = replicaDeleted(primary?.record ?? { keyState: 'Enabled' }, set, region, now);
    store.saveMultiRegionSet(accountId, keyId, after.set);
    if (primary && after.primaryDeletion) store.updateKey(primary, after.primaryDeletion);
  });
}

/** Replicas whose Creating time is over become usable (or wait for their imported material). */
export function settleReplicas(store: Store, now: Date, limit: number): void {
  for (const replica of store.keysCreatingSince(now.getTime() - REPLICA_CREATING_MS, limit))
    store.updateKey(replica, { keyState: settledState(replica.record) });
}

export function multiRegionHandlers(store: Store): Partial<Handlers> {
  return {
    ReplicateKey(input, context): Output<'ReplicateKey'> {
      const { caller, now } = context;
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      const { accountId, keyId } = key.record;
      // Only a primary replicates, whatever the state of the key named (recorded for a new replica).
      const set = checkReplicaRegion(key, store.multiRegionSet(accountId, keyId), input.ReplicaRegion);
      checkState(key, 'ReplicateKey');
      const tags = input.Tags ?? [];
      checkTags(tags);
      const record: KeyRecord = replicaRecord(key.record, input.ReplicaRegion, input, now);
      if (input.Policy !== undefined)
        checkPolicy(input.Policy, {
          principal: caller.principal,
          keyArn: keyArn(record.accountId, record.region, record.keyId),
          bypassLockoutSafetyCheck: input.BypassPolicyLockoutSafetyCheck,
        });
      const replica = store.transaction(() => {
        const created = store.createKey(record, key.imported ? [] : key.materials, tags);
        store.saveMultiRegionSet(accountId, keyId, set);
        return created;
      });
      return {
        ReplicaKeyMetadata: describeKey(store, replica),
        ReplicaPolicy: record.policy,
        ReplicaTags: tags.length > 0 ? tags : undefined,
      };
    },

    UpdatePrimaryRegion(input, context): Output<'UpdatePrimaryRegion'> {
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkState(key, 'UpdatePrimaryRegion');
      const { accountId, keyId } = key.record;
      store.saveMultiRegionSet(
        accountId,
        keyId,
        updatePrimaryRegion(key, store.multiRegionSet(accountId, keyId), input.PrimaryRegion),
      );
      return {};
    },
  };
}
