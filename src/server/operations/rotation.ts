import type { RotationsListEntry } from '../../protocol/index.ts';
import type { Handlers, Output } from '../context.ts';
import {
  currentMaterial,
  DAY_MS,
  DEFAULT_ROTATION_PERIOD_DAYS,
  epochSeconds,
  generateMaterial,
  type LoadedKey,
  MAX_ON_DEMAND_ROTATIONS,
} from '../keys/key.ts';
import { checkState } from '../keys/states.ts';
import { Errors } from '../messages.ts';
import { paginate } from '../pagination.ts';
import type { Store } from '../store/store.ts';
import { resolveKey } from './resolve.ts';

/**
 * Automatic rotation of the enabled keys whose rotation date has come, `limit` at most (the earliest first); the
 * next one is a period later. Only kinds that rotate have a rotation date, and their material (random bytes) is
 * ready at once: no request runs between reading a key and adding its material.
 */
export async function rotateDueKeys(store: Store, now: Date, limit: number): Promise<void> {
  for (const key of store.keysDueForRotation(now.getTime(), limit)) {
    const period = key.record.rotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
    const material = await generateMaterial(now.getTime(), { kind: key.kind, rotationType: 'AUTOMATIC' });
    store.addMaterial(key, material, { nextRotationDate: now.getTime() + period * DAY_MS });
  }
}

/** AWS rotates symmetric encryption keys only; for the others it answers UnsupportedOperation, with no message. */
function checkRotates(key: LoadedKey): void {
  if (!key.kind.rotates) throw Errors.rotationUnsupported();
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
    EnableKeyRotation(input, { caller, now }): Output<'EnableKeyRotation'> {
      const period = input.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
      if (period < 90 || period > 2560) throw Errors.rotationPeriodOutOfRange(period);
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      checkState(key, 'EnableKeyRotation');
      checkRotates(key);
      const { rotationPeriodInDays: previous, nextRotationDate } = key.record;
      // Changing the period of an enabled rotation moves the next date relative to the last one, as KMS does.
      const next =
        previous !== undefined && nextRotationDate !== undefined
          ? nextRotationDate + (period - previous) * DAY_MS
          : now.getTime() + period * DAY_MS;
      store.updateKey(key, { rotationPeriodInDays: period, nextRotationDate: next });
      return {};
    },

    DisableKeyRotation(input, { caller }): Output<'DisableKeyRotation'> {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      checkState(key, 'DisableKeyRotation');
      checkRotates(key);
      store.updateKey(key, { rotationPeriodInDays: undefined, nextRotationDate: undefined });
      return {};
    },

    GetKeyRotationStatus(input, { caller }): Output<'GetKeyRotationStatus'> {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
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

    async RotateKeyOnDemand(input, { caller, now }): Promise<Output<'RotateKeyOnDemand'>> {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      checkState(key, 'RotateKeyOnDemand');
      checkRotates(key);
      if (key.record.onDemandRotations >= MAX_ON_DEMAND_ROTATIONS)
        throw Errors.onDemandRotationLimit(key.arn);
      const material = await generateMaterial(now.getTime(), { kind: key.kind, rotationType: 'ON_DEMAND' });
      store.addMaterial(key, material, { onDemandRotations: key.record.onDemandRotations + 1 });
      // AWS answers with the key ARN whatever form the request used (localstack's AWS-validated
      // test_rotate_on_demand_returns_arn_for_key_id).
      return { KeyId: key.arn };
    },

    ListKeyRotations(input, { caller }): Output<'ListKeyRotations'> {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      checkState(key, 'ListKeyRotations');
      const all = input.IncludeKeyMaterial === 'ALL_KEY_MATERIAL';
      const indexes = key.materials.flatMap((m, i) => (all || m.rotationType ? [i] : []));
      const page = paginate(indexes, (i) => String(i).padStart(8, '0'), input, {
        list: 'rotations',
        defaultLimit: 100,
        maxLimit: 1000,
      });
      return {
        Rotations: page.items.map((i) => rotationEntry(key, i)),
        NextMarker: page.NextMarker,
        Truncated: page.Truncated,
      };
    },
  };
}
