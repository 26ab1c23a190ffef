import { randomUUID } from 'node:crypto';
import type { CreateKeyRequest, KeySpec, KeyUsageType } from '../../protocol/index.ts';
import type { Handlers, Output } from '../context.ts';
import { keyArn } from '../keys/arn.ts';
import {
  DAY_MS,
  DEFAULT_PENDING_WINDOW_DAYS,
  epochSeconds,
  generateMaterial,
  type KeyRecord,
  keyMetadata,
} from '../keys/key.ts';
import { type KeyKind, requestedKind } from '../keys/kinds.ts';
import { checkPolicy, defaultKeyPolicy } from '../keys/policy.ts';
import { checkState } from '../keys/states.ts';
import { checkTags } from '../keys/tags.ts';
import { Errors } from '../messages.ts';
import { paginateQuery } from '../pagination.ts';
import type { Store } from '../store/store.ts';
import { resolveKey } from './resolve.ts';

/** The key spec of a CreateKey request that names none (AWS's default). */
const DEFAULT_KEY_SPEC: KeySpec = 'SYMMETRIC_DEFAULT';

/**
 * The kind and usage of the key a CreateKey request asks for. What kmslab does not offer (SM2, which AWS offers
 * in its China Regions only; other origins, custom key stores, multi-Region keys) is refused the way KMS refuses
 * it.
 */
function requestedKey(input: CreateKeyRequest): { kind: KeyKind; keyUsage: KeyUsageType } {
  if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) throw Errors.bothKeySpecs();
  const requested = requestedKind(
    input.KeySpec ?? input.CustomerMasterKeySpec ?? DEFAULT_KEY_SPEC,
    input.KeyUsage,
  );
  if (input.Origin !== undefined && input.Origin !== 'AWS_KMS') throw Errors.unsupportedOrigin(input.Origin);
  if (input.CustomKeyStoreId !== undefined || input.XksKeyId !== undefined)
    throw Errors.unsupportedCustomKeyStore();
  if (input.MultiRegion === true) throw Errors.unsupportedMultiRegion();
  return requested;
}

export function keyHandlers(store: Store): Partial<Handlers> {
  return {
    async CreateKey(input, { caller, now }): Promise<Output<'CreateKey'>> {
      const { kind, keyUsage } = requestedKey(input);
      const tags = input.Tags ?? [];
      checkTags(tags);
      if (input.Policy !== undefined) checkPolicy(input.Policy);
      const record: KeyRecord = {
        accountId: caller.accountId,
        region: caller.region,
        keyId: randomUUID(),
        description: input.Description ?? '',
        keyState: 'Enabled',
        creationDate: now.getTime(),
        policy: input.Policy ?? defaultKeyPolicy(caller.accountId),
        onDemandRotations: 0,
        keySpec: kind.keySpec,
        keyUsage,
        origin: 'AWS_KMS',
        multiRegion: false,
        keyManager: 'CUSTOMER',
      };
      const material = await generateMaterial(now.getTime(), { kind });
      const key = store.createKey(record, [material], tags);
      return { KeyMetadata: keyMetadata(key) };
    },

    DescribeKey(input, { caller }): Output<'DescribeKey'> {
      const key = resolveKey(store, caller, input.KeyId, 'key-or-alias');
      checkState(key, 'DescribeKey');
      return { KeyMetadata: keyMetadata(key) };
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

    EnableKey(input, { caller }): Output<'EnableKey'> {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      checkState(key, 'EnableKey');
      if (key.record.keyState !== 'Enabled') store.updateKey(key, { keyState: 'Enabled' });
      return {};
    },

    DisableKey(input, { caller }): Output<'DisableKey'> {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      checkState(key, 'DisableKey');
      if (key.record.keyState !== 'Disabled') store.updateKey(key, { keyState: 'Disabled' });
      return {};
    },

    ScheduleKeyDeletion(input, { caller, now }): Output<'ScheduleKeyDeletion'> {
      const days = input.PendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS;
      if (days < 7 || days > 30) throw Errors.pendingWindowOutOfRange(days);
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      checkState(key, 'ScheduleKeyDeletion');
      const deletionDate = now.getTime() + days * DAY_MS;
      store.updateKey(key, { keyState: 'PendingDeletion', deletionDate, pendingWindowInDays: days });
      return {
        KeyId: key.arn,
        DeletionDate: epochSeconds(deletionDate),
        KeyState: 'PendingDeletion',
        PendingWindowInDays: days,
      };
    },

    CancelKeyDeletion(input, { caller }): Output<'CancelKeyDeletion'> {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      checkState(key, 'CancelKeyDeletion');
      store.updateKey(key, { keyState: 'Disabled', deletionDate: undefined, pendingWindowInDays: undefined });
      return { KeyId: key.arn };
    },

    UpdateKeyDescription(input, { caller }): Output<'UpdateKeyDescription'> {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      checkState(key, 'UpdateKeyDescription');
      store.updateKey(key, { description: input.Description });
      return {};
    },
  };
}
