import type { Handler } from '../context.ts';
import { epochSeconds } from '../keys/key.ts';
import type { KeyStore } from '../store/key-store.ts';
import { resolveKey } from './resolve.ts';

export function usageHandlers(store: KeyStore): Record<string, Handler> {
  return {
    GetKeyLastUsage(input: { KeyId: string }, { caller }) {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      const usage = store.lastUsage(key);
      return {
        KeyId: key.record.keyId,
        // kmslab tracks every key from its creation.
        KeyCreationDate: epochSeconds(key.record.creationDate),
        TrackingStartDate: epochSeconds(key.record.creationDate),
        KeyLastUsage: usage
          ? {
              Operation: usage.operation,
              Timestamp: epochSeconds(usage.timestamp),
              KmsRequestId: usage.requestId,
            }
          : {},
      };
    },
  };
}
