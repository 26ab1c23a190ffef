import type { RotationsListEntry } from '../../protocol/index.ts';
import type { Handlers, Output } from '../context.ts';
import { rotateToPendingMaterial } from '../imports/material.ts';
import { checkAwsManagedKey } from '../keys/aws-managed.ts';
import {
  currentMaterial,
  DAY_MS,
  DEFAULT_ROTATION_PERIOD_DAYS,
  epochSeconds,
  generateMaterial,
  type ImportedMaterial,
  type LoadedKey,
  MAX_ON_DEMAND_ROTATIONS,
} from '../keys/key.ts';
import { checkState } from '../keys/states.ts';
import { Errors, ImportErrors } from '../messages.ts';
import { paginate } from '../pagination.ts';
import type { Store } from '../store/store.ts';
import { importTarget } from './imports.ts';
import { addSharedMaterial, checkRotatable, relatedKeys, updateShared } from './multi-region.ts';
import { callerPrincipal, resolveKey } from './resolve.ts';

/**
 * Automatic rotation of the enabled keys whose rotation date has come, `limit` at most (the earliest first); the
 * next one is a period later. Only kinds that rotate have a rotation date, and their material (random bytes) is
 * ready at once: no request runs between reading a key and adding its material.
 */
export async function rotateDueKeys(store: Store, now: Date, limit: number): Promise<void> {
  for (const key of store.keysDueForRotation(now.getTime(), limit)) {
    // A multi-Region key rotates through its primary, which gives its replicas the new material too.
    if (isReplica(store, key)) continue;
    const period = key.record.rotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
    const material = await generateMaterial(now.getTime(), { kind: key.kind, rotationType: 'AUTOMATIC' });
    addSharedMaterial(store, key, material, { nextRotationDate: now.getTime() + period * DAY_MS });
  }
}

/** AWS rotates symmetric encryption keys only; for the others it answers UnsupportedOperation, with no message. */
function checkRotates(key: LoadedKey): void {
  if (!key.kind.rotates) throw Errors.rotationUnsupported();
}

function isReplica(store: Store, key: LoadedKey): boolean {
  if (!key.record.multiRegion) return false;
  const set = store.multiRegionSet(key.record.accountId, key.record.keyId);
  return set !== undefined && set.primaryRegion !== key.record.region;
}

/** ListKeyRotations' entry of an imported material: its import state and expiration too. */
function importedEntry(key: LoadedKey, material: ImportedMaterial): RotationsListEntry {
  return {
    KeyId: key.arn,
    KeyMaterialId: material.materialId,
    KeyMaterialDescription: material.description,
    ImportState: material.importState,
    KeyMaterialState: material.keyMaterialState,
    ExpirationModel: material.expirationModel,
    ValidTo: epochSeconds(material.validTo),
  };
}

/**
 * The entries ListKeyRotations can list, in order: every material with ALL_KEY_MATERIAL, else those that a
 * rotation made current (not a key's first, nor imported material still pending rotation).
 */
function rotationEntries(key: LoadedKey, all: boolean): RotationsListEntry[] {
  if (key.imported) {
    return key.imported.flatMap((m, i) =>
      all || (i > 0 && !m.keyMaterialState.startsWith('PENDING')) ? [importedEntry(key, m)] : [],
    );
  }
  return key.materials.flatMap((m, i) => (all || m.rotationType ? [rotationEntry(key, i)] : []));
}

function rotationEntry(key: LoadedKey, index: number): RotationsListEntry {
  const material = key.materials[index];
  if (!material) throw new Error(`no material ${index} for key ${key.arn}`);
  return {
    KeyId: key.arn,
    KeyMaterialId: material.materialId,
    KeyMaterialState: material === currentMaterial(key) ? 'CURRENT' : 'NON_CURRENT',
    RotationDate: material.rotationType ? epochSeconds(material.createdAt) : undefined,
    RotationType: material.rotationType,
  };
}

export function rotationHandlers(store: Store): Partial<Handlers> {
  return {
    EnableKeyRotation(input, context): Output<'EnableKeyRotation'> {
      const { caller, now } = context;
      const period = input.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
      if (period < 90 || period > 2560) throw Errors.rotationPeriodOutOfRange(period);
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkAwsManagedKey(key, 'EnableKeyRotation', callerPrincipal(caller).arn);
      checkState(key, 'EnableKeyRotation');
      checkRotates(key);
      // Imported material rotates only on demand, with new material imported first.
      if (key.imported) throw ImportErrors.originNotValid(key.arn, key.record.origin);
      checkRotatable(store, key);
      const { rotationPeriodInDays: previous, nextRotationDate } = key.record;
      // Changing the period of an enabled rotation moves the next date relative to the last one, as KMS does.
      const next =
        previous !== undefined && nextRotationDate !== undefined
          ? nextRotationDate + (period - previous) * DAY_MS
          : now.getTime() + period * DAY_MS;
      updateShared(store, key, { rotationPeriodInDays: period, nextRotationDate: next });
      return {};
    },

    DisableKeyRotation(input, context): Output<'DisableKeyRotation'> {
      const { caller } = context;
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkAwsManagedKey(key, 'DisableKeyRotation', callerPrincipal(caller).arn);
      checkState(key, 'DisableKeyRotation');
      checkRotates(key);
      checkRotatable(store, key);
      updateShared(store, key, { rotationPeriodInDays: undefined, nextRotationDate: undefined });
      return {};
    },

    GetKeyRotationStatus(input, context): Output<'GetKeyRotationStatus'> {
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkState(key, 'GetKeyRotationStatus');
      const { rotationPeriodInDays, nextRotationDate } = key.record;
      // The key ARN, as real AWS answers (the AWS-validated snapshots), whatever the documentation examples show.
      return {
        KeyId: key.arn,
        KeyRotationEnabled: rotationPeriodInDays !== undefined,
        RotationPeriodInDays: rotationPeriodInDays,
        NextRotationDate: epochSeconds(nextRotationDate),
      };
    },

    async RotateKeyOnDemand(input, context): Promise<Output<'RotateKeyOnDemand'>> {
      const { caller, now } = context;
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkAwsManagedKey(key, 'RotateKeyOnDemand', callerPrincipal(caller).arn);
      checkState(key, 'RotateKeyOnDemand');
      checkRotates(key);
      checkRotatable(store, key);
      if (key.record.onDemandRotations >= MAX_ON_DEMAND_ROTATIONS)
        throw Errors.onDemandRotationLimit(key.arn);
      const onDemandRotations = key.record.onDemandRotations + 1;
      if (key.imported) {
        // The primary of a multi-Region key rotates with its replicas, each to the same new material; every one
        // is planned before any is written, so that a key that cannot rotate changes none.
        const rotations = relatedKeys(store, key).map(
          (related) => [related, rotateToPendingMaterial(importTarget(store, related))] as const,
        );
        store.transaction(() => {
          for (const [related, imported] of rotations)
            store.updateImportedMaterials(related, { imported, changes: { onDemandRotations } });
        });
        return { KeyId: key.arn };
      }
      addSharedMaterial(
        store,
        key,
        await generateMaterial(now.getTime(), { kind: key.kind, rotationType: 'ON_DEMAND' }),
        { onDemandRotations },
      );
      // AWS answers with the key ARN whatever form the request used (localstack's AWS-validated
      // test_rotate_on_demand_returns_arn_for_key_id).
      return { KeyId: key.arn };
    },

    ListKeyRotations(input, context): Output<'ListKeyRotations'> {
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkState(key, 'ListKeyRotations');
      const entries = rotationEntries(key, input.IncludeKeyMaterial === 'ALL_KEY_MATERIAL');
      const page = paginate(
        entries.map((entry, i) => ({ entry, i })),
        ({ i }) => String(i).padStart(8, '0'),
        input,
        { list: 'rotations', defaultLimit: 100, maxLimit: 1000 },
      );
      return {
        Rotations: page.items.map(({ entry }) => entry),
        NextMarker: page.NextMarker,
        Truncated: page.Truncated,
      };
    },
  };
}
