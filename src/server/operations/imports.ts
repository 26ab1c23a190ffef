import type { Handlers, OperationContext, Output } from '../context.ts';
import { unwrapKeyMaterial } from '../crypto/key-wrap.ts';
import {
  expire,
  expiredMaterials,
  type ImportTarget,
  importedIntoEveryReplica,
  importedMaterialId,
  planDeletion,
  planImport,
} from '../imports/material.ts';
import {
  checkExternalOrigin,
  checkWrappingChoice,
  importParameters,
  openImportToken,
} from '../imports/parameters.ts';
import type { KeyState, LoadedKey } from '../keys/key.ts';
import { multiRegionKeyType } from '../keys/multi-region.ts';
import { checkState } from '../keys/states.ts';
import { ImportErrors } from '../messages.ts';
import type { Store } from '../store/store.ts';
import { relatedKeys } from './multi-region.ts';
import { resolveKey } from './resolve.ts';

/** The secrets of the root key that imports use (crypto/tokens.ts's deriveSecret). */
export interface ImportSecrets {
  importToken: Uint8Array;
  materialId: Uint8Array;
}

/** A key of origin EXTERNAL as an import sees it: its materials and its part in a multi-Region key. */
export function importTarget(store: Store, key: LoadedKey): ImportTarget {
  const set = key.record.multiRegion
    ? store.multiRegionSet(key.record.accountId, key.record.keyId)
    : undefined;
  const isPrimary = set?.primaryRegion === key.record.region;
  const primary =
    set && !isPrimary
      ? store.findKey({ accountId: key.record.accountId, region: set.primaryRegion }, key.record.keyId)
      : undefined;
  return {
    key,
    materials: key.imported ?? [],
    ...(set && {
      multiRegionKeyType: multiRegionKeyType(set, key.record.region),
      hasReplicas: isPrimary && set.replicaRegions.length > 0,
    }),
    ...(primary && { primaryMaterials: primary.imported ?? [] }),
  };
}

/** A key pending deletion keeps its state whatever happens to its material; any other takes the planned one. */
function stateAfter(
  key: LoadedKey,
  planned: 'Enabled' | 'PendingImport' | undefined,
): { keyState?: KeyState } {
  if (planned === undefined || key.record.keyState === 'PendingDeletion') return {};
  // An import into a key that was usable (Enabled or Disabled) keeps that state.
  if (planned === 'Enabled' && key.record.keyState !== 'PendingImport') return {};
  return { keyState: planned };
}

/**
 * Removes the bytes of imported material whose ValidTo has come (the key waits for an import again), `limit` keys
 * at most, the earliest first.
 */
export function expireImportedMaterial(store: Store, now: Date, limit: number): void {
  for (const key of store.keysWithExpiredMaterial(now.getTime(), limit)) {
    const imported = key.imported ?? [];
    const expired = expiredMaterials(imported, now);
    const after = expire(imported, expired);
    store.updateImportedMaterials(key, {
      imported: after.materials,
      remove: expired.map((m) => m.materialId),
      changes: stateAfter(key, after.keyState),
    });
  }
}

/**
 * After a replica imported its primary's new material: once every replica has it, the primary and the replicas
 * may rotate to it (RotateKeyOnDemand on the primary).
 */
function releaseForRotation(store: Store, key: LoadedKey, materialId: string): void {
  const related = relatedKeys(store, key);
  const released = importedIntoEveryReplica(
    related.map((k) => k.imported ?? []),
    materialId,
  );
  if (!released) return;
  store.transaction(() => {
    related.forEach((k, i) => {
      store.updateImportedMaterials(k, { imported: released[i] ?? [] });
    });
  });
}

export function importHandlers(store: Store, secrets: ImportSecrets): Partial<Handlers> {
  /** The key an import operation names (key IDs and ARNs only), in a state that allows it, of origin EXTERNAL. */
  function externalKey(
    context: OperationContext,
    keyId: string,
    operation: 'GetParametersForImport' | 'ImportKeyMaterial' | 'DeleteImportedKeyMaterial',
  ): LoadedKey {
    const key = resolveKey(store, context, keyId, 'key-only');
    checkState(key, operation);
    checkExternalOrigin(key);
    return key;
  }

  return {
    GetParametersForImport(input, context): Output<'GetParametersForImport'> {
      const key = externalKey(context, input.KeyId, 'GetParametersForImport');
      const choice = checkWrappingChoice(key, input.WrappingAlgorithm, input.WrappingKeySpec);
      return importParameters(secrets.importToken, key, choice, context.now);
    },

    ImportKeyMaterial(input, context): Output<'ImportKeyMaterial'> {
      const { now } = context;
      const key = externalKey(context, input.KeyId, 'ImportKeyMaterial');
      const token = openImportToken(secrets.importToken, input.ImportToken, key, now);
      const unwrapped = unwrapKeyMaterial(
        token.algorithm,
        token.privateKey,
        Buffer.from(input.EncryptedKeyMaterial, 'base64'),
      );
      if (!unwrapped) throw ImportErrors.cannotUnwrap();
      const bytes = key.kind.crypto?.importMaterial(unwrapped);
      if (!bytes) throw ImportErrors.materialInvalid(key.kind.keySpec);
      const materialId = importedMaterialId(secrets.materialId, key.record.keyId, bytes);
      const target = importTarget(store, key);
      const plan = planImport(target, materialId, input, now);
      store.transaction(() => {
        store.updateImportedMaterials(key, {
          imported: plan.materials,
          ...(!key.byMaterialId.has(materialId) && { add: { materialId, bytes, createdAt: now.getTime() } }),
          changes: stateAfter(key, plan.keyState),
        });
        if (target.multiRegionKeyType === 'REPLICA') releaseForRotation(store, key, materialId);
      });
      return { KeyId: key.arn, KeyMaterialId: materialId };
    },

    DeleteImportedKeyMaterial(input, context): Output<'DeleteImportedKeyMaterial'> {
      const key = externalKey(context, input.KeyId, 'DeleteImportedKeyMaterial');
      const target = importTarget(store, key);
      const plan = planDeletion(target, input.KeyMaterialId);
      const { materialId, keyMaterialState } = plan.material;
      // "When you delete the key material of a primary Region key that is in PENDING_ROTATION or
      // PENDING_MULTI_REGION_IMPORT_AND_ROTATION state, you'll also be deleting the key materials for the replica
      // Region keys"; any other deletion changes only the key named.
      const replicas =
        target.multiRegionKeyType === 'PRIMARY' && keyMaterialState.startsWith('PENDING')
          ? relatedKeys(store, key).filter(
              (k) =>
                k.record.region !== key.record.region && k.imported?.some((m) => m.materialId === materialId),
            )
          : [];
      store.transaction(() => {
        for (const [deleting, deletion] of [
          [key, plan] as const,
          ...replicas.map(
            (replica) => [replica, planDeletion(importTarget(store, replica), materialId)] as const,
          ),
        ])
          store.updateImportedMaterials(deleting, {
            imported: deletion.materials,
            remove: [materialId],
            changes: stateAfter(deleting, deletion.keyState),
          });
      });
      return { KeyId: key.arn, KeyMaterialId: materialId };
    },
  };
}
