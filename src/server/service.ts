import type { Handlers, KmsService, ValidatedHandler } from './context.ts';
import { deriveSecret } from './crypto/tokens.ts';
import { grantsOfTokens } from './grants/token.ts';
import { aliasHandlers } from './operations/aliases.ts';
import { cryptoHandlers } from './operations/crypto.ts';
import { customKeyStoreHandlers } from './operations/custom-key-stores.ts';
import { grantHandlers } from './operations/grants.ts';
import { keyHandlers } from './operations/keys.ts';
import { policyHandlers } from './operations/policies.ts';
import { rotateDueKeys, rotationHandlers } from './operations/rotation.ts';
import { tagHandlers } from './operations/tags.ts';
import { usageHandlers } from './operations/usage.ts';
import type { Store } from './store/store.ts';

/**
 * Due deletions and rotations carried out per run, each kind: a backlog (a data dir started after a long stop)
 * is worked off over several runs instead of stalling the requests of one.
 */
const DUE_WORK_BATCH = 1000;

/**
 * Every operation that takes GrantTokens accepts a token the moment CreateGrant has answered it, and refuses one
 * that is not a token (InvalidGrantTokenException), before its own work: a token carries its grant sealed
 * (grants/token.ts), so no lookup can miss it.
 */
function acceptingGrantTokens(handler: ValidatedHandler, secret: Uint8Array): ValidatedHandler {
  return (input, context) => {
    if (input?.GrantTokens !== undefined) grantsOfTokens(secret, input.GrantTokens);
    return handler(input, context);
  };
}

/**
 * The KMS service: the operation handlers over one store, and the work that time makes due (deletions whose
 * waiting period has passed, automatic rotations), which runDueWork carries out as of the time it is given.
 * The secrets that sign what kmslab hands out (grant tokens) are derived from `rootKey`.
 */
export function createKmsService(store: Store, rootKey: Uint8Array): KmsService {
  const grantTokenSecret = deriveSecret(rootKey, 'grant token');
  const handlers: Partial<Handlers> = {
    ...keyHandlers(store),
    ...aliasHandlers(store),
    ...tagHandlers(store),
    ...policyHandlers(store),
    ...cryptoHandlers(store),
    ...rotationHandlers(store),
    ...usageHandlers(store),
    ...grantHandlers(store, grantTokenSecret),
    ...customKeyStoreHandlers(store),
  };
  return {
    handlers: Object.fromEntries(
      Object.entries(handlers).map(([operation, handler]) => [
        operation,
        acceptingGrantTokens(handler as ValidatedHandler, grantTokenSecret),
      ]),
    ),
    runDueWork(now: Date) {
      for (const key of store.keysDueForDeletion(now.getTime(), DUE_WORK_BATCH)) store.deleteKey(key);
      rotateDueKeys(store, now, DUE_WORK_BATCH);
    },
  };
}
