import { randomUUID } from 'node:crypto';
import type {
  CreateKeyRequest,
  KeyMetadata,
  KeySpec,
  KeyUsageType,
  OriginType,
} from '../../protocol/index.ts';
import type { Handlers, Output } from '../context.ts';
import {
  checkCreateKeyInStore,
  checkOriginWithoutStore,
  keyStateInStore,
  keyStoreMetadata,
} from '../custom-key-stores/custom-key-store.ts';
import { keyArn } from '../keys/arn.ts';
import { checkAwsManagedKey } from '../keys/aws-managed.ts';
import {
  DEFAULT_PENDING_WINDOW_DAYS,
  epochSeconds,
  generateMaterial,
  type KeyRecord,
  keyMetadata,
  type LoadedKey,
} from '../keys/key.ts';
import { type KeyKind, requestedKind } from '../keys/kinds.ts';
import {
  checkMultiRegionCreate,
  multiRegionMetadata,
  newMultiRegionKeyId,
  scheduleDeletion,
} from '../keys/multi-region.ts';
import { checkPolicy, defaultKeyPolicy } from '../keys/policy.ts';
import { checkState } from '../keys/states.ts';
import { checkTags } from '../keys/tags.ts';
import { Errors } from '../messages.ts';
import { paginateQuery } from '../pagination.ts';
import type { Store } from '../store/store.ts';
import { callerPrincipal, findCustomKeyStore, resolveKey } from './resolve.ts';

/** The key spec of a CreateKey request that names none (AWS's default). */
const DEFAULT_KEY_SPEC: KeySpec = 'SYMMETRIC_DEFAULT';

/**
 * The kind, usage and origin of the key a CreateKey request asks for. What kmslab does not offer (SM2, which AWS
 * offers in its China Regions only) is refused the way KMS refuses it.
 */
function requestedKey(input: CreateKeyRequest): {
  kind: KeyKind;
  keyUsage: KeyUsageType;
  origin: OriginType;
} {
  if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) throw Errors.bothKeySpecs();
  const requested = requestedKind(
    input.KeySpec ?? input.CustomerMasterKeySpec ?? DEFAULT_KEY_SPEC,
    input.KeyUsage,
  );
  checkMultiRegionCreate(input);
  // A key in a custom key store is checked against its store (checkCreateKeyInStore) once the store is found.
  if (input.CustomKeyStoreId === undefined) checkOriginWithoutStore(input);
  return { ...requested, origin: input.Origin ?? 'AWS_KMS' };
}

/**
 * KeyMetadata with, for a multi-Region key, where its related keys are; a replica still Creating shows no current
 * material yet (as ReplicateKey's answer is recorded in test_replicate_key).
 */
export function describeKey(store: Store, key: LoadedKey): KeyMetadata {
  const metadata = keyMetadata(key);
  if (!key.record.multiRegion) return metadata;
  const set = store.multiRegionSet(key.record.accountId, key.record.keyId);
  return {
    ...metadata,
    ...(set && multiRegionMetadata(key.record, set)),
    ...(key.record.keyState === 'Creating' && { CurrentKeyMaterialId: undefined }),
  };
}

export function keyHandlers(store: Store): Partial<Handlers> {
  /** KeyMetadata, with the custom key store of a key created in one and the state it gives the key. */
  function describe(key: LoadedKey, now: Date): KeyMetadata {
    const { customKeyStoreId, xksKeyId } = key.record;
    if (customKeyStoreId === undefined) return describeKey(store, key);
    const customKeyStore = findCustomKeyStore(store, key.record, customKeyStoreId, now);
    const keyState = keyStateInStore(customKeyStore, key.record.keyState);
    return {
      ...describeKey(store, key),
      ...keyStoreMetadata(customKeyStore, xksKeyId),
      KeyState: keyState,
      Enabled: keyState === 'Enabled',
    };
  }

  return {
    async CreateKey(input, { caller, now }): Promise<Output<'CreateKey'>> {
      const { kind, keyUsage, origin } = requestedKey(input);
      const tags = input.Tags ?? [];
      checkTags(tags);
      const multiRegion = input.MultiRegion === true;
      const customKeyStore =
        input.CustomKeyStoreId === undefined
          ? undefined
          : findCustomKeyStore(store, caller, input.CustomKeyStoreId, now);
      if (customKeyStore) {
        const external = store.keysInCustomKeyStore(caller, customKeyStore.customKeyStoreId);
        checkCreateKeyInStore(
          customKeyStore,
          input,
          external.flatMap((k) => k.xksKeyId ?? []),
        );
      }
      const record: KeyRecord = {
        accountId: caller.accountId,
        region: caller.region,
        keyId: multiRegion ? newMultiRegionKeyId() : randomUUID(),
        description: input.Description ?? '',
        keyState: origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled',
        creationDate: now.getTime(),
        policy: input.Policy ?? defaultKeyPolicy(caller.accountId),
        onDemandRotations: 0,
        keySpec: kind.keySpec,
        keyUsage,
        origin,
        multiRegion,
        keyManager: 'CUSTOMER',
      };
      if (input.Policy !== undefined)
        checkPolicy(input.Policy, {
          principal: caller.principal,
          keyArn: keyArn(record.accountId, record.region, record.keyId),
          bypassLockoutSafetyCheck: input.BypassPolicyLockoutSafetyCheck,
        });
      if (customKeyStore) record.customKeyStoreId = customKeyStore.customKeyStoreId;
      if (input.XksKeyId !== undefined) record.xksKeyId = input.XksKeyId;
      const materials = origin === 'EXTERNAL' ? [] : [await generateMaterial(now.getTime(), { kind })];
      const key = store.transaction(() => {
        const created = store.createKey(record, materials, tags);
        if (multiRegion)
          store.saveMultiRegionSet(record.accountId, record.keyId, {
            primaryRegion: record.region,
            replicaRegions: [],
          });
        return created;
      });
      return { KeyMetadata: describe(key, now) };
    },

    DescribeKey(input, context): Output<'DescribeKey'> {
      const { now } = context;
      const key = resolveKey(store, context, input.KeyId, 'key-or-alias');
      checkState(key, 'DescribeKey');
      return { KeyMetadata: describe(key, now) };
    },

    ListKeys(input, { caller }): Output<'ListKeys'> {
      const { accountId, region } = caller;
      const page = paginateQuery(
        input,
        { list: 'keys', defaultLimit: 100, maxLimit: 1000 },
        (after, count) => store.listKeys(caller, after, count),
        (k) => k.cursor,
      );
      return {
        Keys: page.items.map(({ keyId }) => ({ KeyId: keyId, KeyArn: keyArn(accountId, region, keyId) })),
        NextMarker: page.NextMarker,
        Truncated: page.Truncated,
      };
    },

    EnableKey(input, context): Output<'EnableKey'> {
      const { caller } = context;
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkAwsManagedKey(key, 'EnableKey', callerPrincipal(caller).arn);
      checkState(key, 'EnableKey');
      if (key.record.keyState !== 'Enabled') store.updateKey(key, { keyState: 'Enabled' });
      return {};
    },

    DisableKey(input, context): Output<'DisableKey'> {
      const { caller } = context;
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkAwsManagedKey(key, 'DisableKey', callerPrincipal(caller).arn);
      checkState(key, 'DisableKey');
      if (key.record.keyState !== 'Disabled') store.updateKey(key, { keyState: 'Disabled' });
      return {};
    },

    ScheduleKeyDeletion(input, context): Output<'ScheduleKeyDeletion'> {
      const { caller, now } = context;
      const days = input.PendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS;
      if (days < 7 || days > 30) throw Errors.pendingWindowOutOfRange(days);
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkAwsManagedKey(key, 'ScheduleKeyDeletion', callerPrincipal(caller).arn);
      checkState(key, 'ScheduleKeyDeletion');
      const set = key.record.multiRegion
        ? store.multiRegionSet(key.record.accountId, key.record.keyId)
        : undefined;
      const scheduled = scheduleDeletion(key.record, set, days, now);
      store.updateKey(key, scheduled);
      return {
        KeyId: key.arn,
        DeletionDate: epochSeconds(scheduled.deletionDate),
        KeyState: scheduled.keyState,
        PendingWindowInDays: days,
      };
    },

    CancelKeyDeletion(input, context): Output<'CancelKeyDeletion'> {
      const { caller } = context;
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkAwsManagedKey(key, 'CancelKeyDeletion', callerPrincipal(caller).arn);
      checkState(key, 'CancelKeyDeletion');
      store.updateKey(key, { keyState: 'Disabled', deletionDate: undefined, pendingWindowInDays: undefined });
      return { KeyId: key.arn };
    },

    UpdateKeyDescription(input, context): Output<'UpdateKeyDescription'> {
      const { caller } = context;
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkAwsManagedKey(key, 'UpdateKeyDescription', callerPrincipal(caller).arn);
      checkState(key, 'UpdateKeyDescription');
      store.updateKey(key, { description: input.Description });
      return {};
    },
  };
}
