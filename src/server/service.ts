import type { Handlers, KmsServiceAdmin, ServiceOptions } from './context.ts';
import { aliasHandlers } from './operations/aliases.ts';
import { cryptoHandlers } from './operations/crypto.ts';
import { keyHandlers } from './operations/keys.ts';
import { policyHandlers } from './operations/policies.ts';
import { rotateDueKeys, rotationHandlers } from './operations/rotation.ts';
import { applySeed } from './operations/seed.ts';
import { tagHandlers } from './operations/tags.ts';
import { usageHandlers } from './operations/usage.ts';
import { KeyStore } from './store/key-store.ts';

/**
 * The KMS service: the operation handlers over one store. runDueWork carries out what time makes due:
 * deletions whose waiting period has passed, automatic rotations, and writing recorded key usage to disk.
 */
export function createKmsService(options: ServiceOptions): KmsServiceAdmin {
  const store = new KeyStore(options.database, options.rootKey);
  const handlers: Partial<Handlers> = {
    ...keyHandlers(store),
    ...aliasHandlers(store),
    ...tagHandlers(store),
    ...policyHandlers(store),
    ...cryptoHandlers(store),
    ...rotationHandlers(store),
    ...usageHandlers(store),
  };
  return {
    handlers,
    runDueWork(now: Date) {
      for (const key of store.keysDueForDeletion(now.getTime())) store.deleteKey(key);
      rotateDueKeys(store, now);
      store.flushUsage();
    },
    applySeed(spec, defaults) {
      applySeed(store, spec, defaults, new Date());
    },
    close() {
      store.close();
    },
  };
}
