import type { KeyLastUsageTrackingOperation } from '../../protocol/index.ts';
import type { Handlers, Output } from '../context.ts';
import { epochSeconds } from '../keys/key.ts';
import { checkState } from '../keys/states.ts';
import type { Store } from '../store/store.ts';
import { resolveKey } from './resolve.ts';

export function usageHandlers(store: Store): Partial<Handlers> {
  return {
    GetKeyLastUsage(input, context): Output<'GetKeyLastUsage'> {
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkState(key, 'GetKeyLastUsage');
      const usage = store.lastUsage(key);
      return {
        KeyId: key.record.keyId,
        // kmslab tracks every key from its creation.
        KeyCreationDate: epochSeconds(key.record.creationDate),
        TrackingStartDate: epochSeconds(key.record.creationDate),
        KeyLastUsage: usage
          ? {
              // The store gives back what crypto.ts recorded: one of the tracked operations.
              Operation: usage.operation as KeyLastUsageTrackingOperation,
              Timestamp: epochSeconds(usage.timestamp),
              KmsRequestId: usage.requestId,
            }
          : {},
      };
    },
  };
}
