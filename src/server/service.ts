import type { Handlers, KmsService } from './context.ts';
import { agreementHandlers } from './operations/agreement.ts';
import { aliasHandlers } from './operations/aliases.ts';
import { cryptoHandlers } from './operations/crypto.ts';
import { keyHandlers } from './operations/keys.ts';
import { macHandlers } from './operations/mac.ts';
import { policyHandlers } from './operations/policies.ts';
import { rotateDueKeys, rotationHandlers } from './operations/rotation.ts';
import { signingHandlers } from './operations/sign.ts';
import { tagHandlers } from './operations/tags.ts';
import { usageHandlers } from './operations/usage.ts';
import type { Store } from './store/store.ts';

/**
 * Due deletions and rotations carried out per run, each kind: a backlog (a data dir started after a long stop)
 * is worked off over several runs instead of stalling the requests of one.
 */
const DUE_WORK_BATCH = 1000;

/**
 * The KMS service: the operation handlers over one store, and the work that time makes due (deletions whose
 * waiting period has passed, automatic rotations), which runDueWork carries out as of the time it is given.
 */
export function createKmsService(store: Store): KmsService {
  const handlers: Partial<Handlers> = {
    ...keyHandlers(store),
    ...aliasHandlers(store),
    ...tagHandlers(store),
    ...policyHandlers(store),
    ...cryptoHandlers(store),
    ...signingHandlers(store),
    ...macHandlers(store),
    ...agreementHandlers(store),
    ...rotationHandlers(store),
    ...usageHandlers(store),
  };
  return {
    handlers,
    async runDueWork(now: Date) {
      for (const key of store.keysDueForDeletion(now.getTime(), DUE_WORK_BATCH)) store.deleteKey(key);
      await rotateDueKeys(store, now, DUE_WORK_BATCH);
    },
  };
}
