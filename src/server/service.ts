import type { Handlers, KmsServiceAdmin, ServiceOptions } from './context.ts';
import { aliasHandlers } from './operations/aliases.ts';
import { cryptoHandlers } from './operations/crypto.ts';
import { keyHandlers } from './operations/keys.ts';
import { policyHandlers } from './operations/policies.ts';
import { rotateDueKeys, rotationHandlers } from './operations/rotation.ts';
import { tagHandlers } from './operations/tags.ts';
import { usageHandlers } from './operations/usage.ts';
import { applySeed } from './seed/apply.ts';
import { openSqliteStore } from './store/sqlite/store.ts';

/**
 * How often recorded key usage (GetKeyLastUsage) is written to disk: what a crash of the process (kill -9) can
 * lose. Writing it with every request would put a SQLite transaction on the data plane.
 */
export const USAGE_FLUSH_INTERVAL_MS = 1000;

/**
 * Due deletions and rotations carried out per run, each kind: a backlog (a data dir started after a long stop)
 * is worked off over several runs instead of stalling the requests of one.
 */
const DUE_WORK_BATCH = 1000;

/**
 * The KMS service: the operation handlers over one store. runDueWork carries out what time makes due:
 * deletions whose waiting period has passed and automatic rotations. Recorded key usage is written to disk every
 * USAGE_FLUSH_INTERVAL_MS and when the service closes.
 */
export function createKmsService(options: ServiceOptions): KmsServiceAdmin {
  const { store } = openSqliteStore(
    options.database,
    options.rootKey,
    options.keyCacheSize === undefined ? {} : { keyCacheSize: options.keyCacheSize },
  );
  const handlers: Partial<Handlers> = {
    ...keyHandlers(store),
    ...aliasHandlers(store),
    ...tagHandlers(store),
    ...policyHandlers(store),
    ...cryptoHandlers(store),
    ...rotationHandlers(store),
    ...usageHandlers(store),
  };
  const onError = options.onBackgroundError ?? ((error: unknown) => console.error(error));
  const usageFlush = setInterval(() => {
    try {
      store.flushUsage();
    } catch (error) {
      onError(error);
    }
  }, USAGE_FLUSH_INTERVAL_MS);
  usageFlush.unref();
  return {
    handlers,
    runDueWork(now: Date) {
      for (const key of store.keysDueForDeletion(now.getTime(), DUE_WORK_BATCH)) store.deleteKey(key);
      rotateDueKeys(store, now, DUE_WORK_BATCH);
    },
    applySeed(spec, defaults) {
      applySeed(store, spec, defaults, new Date());
    },
    close() {
      clearInterval(usageFlush);
      store.close();
    },
  };
}
