import { randomUUID } from 'node:crypto';
import type { Handler } from '../context.ts';
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
import { checkTags, type Tag } from '../keys/tags.ts';
import { Errors } from '../messages.ts';
import { type PageRequest, paginate } from '../pagination.ts';
import type { KeyStore } from '../store/key-store.ts';
import { resolveKey } from './resolve.ts';

interface CreateKeyInput {
  Policy?: string;
  Description?: string;
  KeyUsage?: string;
  CustomerMasterKeySpec?: string;
  KeySpec?: string;
  Origin?: string;
  CustomKeyStoreId?: string;
  Tags?: Tag[];
  MultiRegion?: boolean;
  XksKeyId?: string;
}

interface KeyIdInput {
  KeyId: string;
}

const SYMMETRIC = 'SYMMETRIC_DEFAULT';

/** kmslab creates symmetric encryption keys only; anything else is refused the way KMS refuses it. */
function checkKeyType(input: CreateKeyInput): void {
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

export function keyHandlers(store: KeyStore): Record<string, Handler> {
  return {
    CreateKey(input: CreateKeyInput, { caller, now }) {
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

    DescribeKey(input: KeyIdInput, { caller }) {
      return { KeyMetadata: keyMetadata(resolveKey(store, caller, input.KeyId, 'key-or-alias')) };
    },

    ListKeys(input: PageRequest, { caller }) {
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

    EnableKey(input: KeyIdInput, { caller }) {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      assertNotPendingDeletion(key);
      if (key.record.keyState !== 'Enabled') store.updateKey(key, { keyState: 'Enabled' });
      return {};
    },

    DisableKey(input: KeyIdInput, { caller }) {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      assertNotPendingDeletion(key);
      if (key.record.keyState !== 'Disabled') store.updateKey(key, { keyState: 'Disabled' });
      return {};
    },

    ScheduleKeyDeletion(input: KeyIdInput & { PendingWindowInDays?: number }, { caller, now }) {
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

    CancelKeyDeletion(input: KeyIdInput, { caller }) {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      if (key.record.keyState !== 'PendingDeletion') throw Errors.notPendingDeletion(key.arn);
      store.updateKey(key, { keyState: 'Disabled', deletionDate: undefined, pendingWindowInDays: undefined });
      return { KeyId: key.arn };
    },

    UpdateKeyDescription(input: KeyIdInput & { Description: string }, { caller }) {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      assertNotPendingDeletion(key);
      store.updateKey(key, { description: input.Description });
      return {};
    },
  };
}
