import type { Handlers, Output } from '../context.ts';
import { unwrapKeyMaterial } from '../crypto/key-wrap.ts';
import {
  expire,
  expiredMaterials,
  type ImportTarget,
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
  return {
    key,
    materials: key.imported ?? [],
    ...(set && {
      multiRegionKeyType: multiRegionKeyType(set, key.record.region),
      hasReplicas: set.primaryRegion === key.record.region && set.replicaRegions.length > 0,
    }),
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

/** A replica takes only material its primary was given ("the same key material ... into each replica"). */
function checkPrimaryHas(store: Store, replica: LoadedKey, materialId: string): void {
  const { accountId, keyId } = replica.record;
  const set = store.multiRegionSet(accountId, keyId);
  const primary = set && store.findKey({ accountId, region: set.primaryRegion }, keyId);
  if (!primary?.imported?.some((m) => m.materialId === materialId)) throw ImportErrors.materialNotPrevious();
}

export function importHandlers(store: Store, secrets: ImportSecrets): Partial<Handlers> {
  /** The key an import operation names (key IDs and ARNs only), in a state that allows it, of origin EXTERNAL. */
  function externalKey(
    caller: Parameters<typeof resolveKey>[1],
    keyId: string,
    operation: 'GetParametersForImport' | 'ImportKeyMaterial' | 'DeleteImportedKeyMaterial',
  ): LoadedKey {
    const key = resolveKey(store, caller, keyId, 'key-only');
    checkState(key, operation);
    checkExternalOrigin(key);
    return key;
  }

  return {
    GetParametersForImport(input, { caller, now }): Output<'GetParametersForImport'> {
      const key = externalKey(caller, input.KeyId, 'GetParametersForImport');
      const choice = checkWrappingChoice(key, input.WrappingAlgorithm, input.WrappingKeySpec);
      return importParameters(secrets.importToken, key, choice, now);
    },

    ImportKeyMaterial(input, { caller, now }): Output<'ImportKeyMaterial'> {
      const key = externalKey(caller, input.KeyId, 'ImportKeyMaterial');
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
      if (target.multiRegionKeyType === 'REPLICA') checkPrimaryHas(store, key, materialId);
      const plan = planImport(target, materialId, input, now);
      store.updateImportedMaterials(key, {
        imported: plan.materials,
        ...(!key.byMaterialId.has(materialId) && { add: { materialId, bytes, createdAt: now.getTime() } }),
        changes: stateAfter(key, plan.keyState),
      });
      return { KeyId: key.arn, KeyMaterialId: materialId };
    },

    DeleteImportedKeyMaterial(input, { caller }): Output<'DeleteImportedKeyMaterial'> {
      const key = externalKey(caller, input.KeyId, 'DeleteImportedKeyMaterial');
      const plan = planDeletion(importTarget(store, key), input.KeyMaterialId);
      store.updateImportedMaterials(key, {
        imported: plan.materials,
        remove: [plan.material.materialId],
        changes: stateAfter(key, plan.keyState),
      });
      return { KeyId: key.arn, KeyMaterialId: plan.material.materialId };
    },
  };
}
