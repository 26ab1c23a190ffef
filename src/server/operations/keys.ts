import { randomUUID } from 'node:crypto';
import type { CreateKeyRequest } from '../../protocol/index.ts';
import type { Handlers, Output } from '../context.ts';
import { keyArn } from '../keys/arn.ts';
import {
  assertNotPendingDeletion,
  DAY_MS,
  DEFAULT_PENDING_WINDOW_DAYS,
  epochSeconds,
  generateMaterial,
  type KeyRecord,
  keyMetadata,
} from '../keys/key.ts';
import { checkPolicy, defaultKeyPolicy } from '../keys/policy.ts';
import { checkTags } from '../keys/tags.ts';
import { Errors } from '../messages.ts';
import { paginate } from '../pagination.ts';
import type { KeyStore } from '../store/key-store.ts';
import { resolveKey } from './resolve.ts';

const SYMMETRIC = 'SYMMETRIC_DEFAULT';

/** kmslab creates symmetric encryption keys only; anything else is refused the way KMS refuses it. */
function checkKeyType(input: CreateKeyRequest): void {
  if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) throw Errors.bothKeySpecs();
  const keySpec = input.KeySpec ?? input.CustomerMasterKeySpec ?? SYMMETRIC;
  if (keySpec !== SYMMETRIC) {
    if (input.KeyUsage === undefined) throw Errors.keyUsageRequired();
    throw Errors.unsupportedKeySpec(keySpec);
  }
  if (input.KeyUsage !== undefined && input.KeyUsage !== 'ENCRYPT_DECRYPT') {
    throw Errors.keyUsageIncompatible(input.KeyUsage, keySpec);
  }
  if (input.Origin !== undefined && input.Origin !== 'AWS_KMS') throw Errors.unsupportedOrigin(input.Origin);
  if (input.CustomKeyStoreId !== undefined || input.XksKeyId !== undefined)
    throw Errors.unsupportedCustomKeyStore();
  if (input.MultiRegion === true) throw Errors.unsupportedMultiRegion();
}

export function keyHandlers(store: KeyStore): Partial<Handlers> {
  return {
    CreateKey(input, { caller, now }): Output<'CreateKey'> {
      checkKeyType(input);
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
      };
      const key = store.createKey(record, [generateMaterial(now.getTime())], tags);
      return { KeyMetadata: keyMetadata(key) };
    },

    DescribeKey(input, { caller }): Output<'DescribeKey'> {
      return { KeyMetadata: keyMetadata(resolveKey(store, caller, input.KeyId, 'key-or-alias')) };
    },

    ListKeys(input, { caller }): Output<'ListKeys'> {
      const keys = store.listKeyIds(caller.accountId, caller.region);
      const page = paginate(keys, (k) => String(k.pk).padStart(16, '0'), input, {
        list: 'keys',
        defaultLimit: 100,
        maxLimit: 1000,
      });
      return {
        Keys: page.items.map(({ keyId }) => ({
          KeyId: keyId,
          KeyArn: keyArn(caller.accountId, caller.region, keyId),
        })),
        NextMarker: page.NextMarker,
        Truncated: page.Truncated,
      };
    },

    EnableKey(input, { caller }): Output<'EnableKey'> {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      assertNotPendingDeletion(key);
      if (key.record.keyState !== 'Enabled') store.updateKey(key, { keyState: 'Enabled' });
      return {};
    },

    DisableKey(input, { caller }): Output<'DisableKey'> {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      assertNotPendingDeletion(key);
      if (key.record.keyState !== 'Disabled') store.updateKey(key, { keyState: 'Disabled' });
      return {};
    },

    ScheduleKeyDeletion(input, { caller, now }): Output<'ScheduleKeyDeletion'> {
      const days = input.PendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS;
      if (days < 7 || days > 30) throw Errors.pendingWindowOutOfRange(days);
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      assertNotPendingDeletion(key);
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
      if (key.record.keyState !== 'PendingDeletion') throw Errors.notPendingDeletion(key.arn);
      store.updateKey(key, { keyState: 'Disabled', deletionDate: undefined, pendingWindowInDays: undefined });
      return { KeyId: key.arn };
    },

    UpdateKeyDescription(input, { caller }): Output<'UpdateKeyDescription'> {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      assertNotPendingDeletion(key);
      store.updateKey(key, { description: input.Description });
      return {};
    },
  };
}
