import type { Handlers, KmsService, ValidatedHandler } from './context.ts';
import { deriveSecret } from './crypto/tokens.ts';
import { grantsOfTokens } from './grants/token.ts';
import { agreementHandlers } from './operations/agreement.ts';
import { aliasHandlers } from './operations/aliases.ts';
import { type Authorization, createAuthorization } from './operations/authorization.ts';
import { cryptoHandlers } from './operations/crypto.ts';
import { customKeyStoreHandlers } from './operations/custom-key-stores.ts';
import { grantHandlers } from './operations/grants.ts';
import { expireImportedMaterial, importHandlers } from './operations/imports.ts';
import { keyHandlers } from './operations/keys.ts';
import { macHandlers } from './operations/mac.ts';
import { deleteDueKey, multiRegionHandlers, settleReplicas } from './operations/multi-region.ts';
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
 * Every request is authorized before its handler runs (operations/authorization.ts). Every operation that takes
 * GrantTokens accepts a token the moment CreateGrant has answered it, and refuses one that is not a token
 * (InvalidGrantTokenException), before its own work: a token carries its grant sealed (grants/token.ts), so no
 * lookup can miss it.
 */
function authorized(
  operation: string,
  handler: ValidatedHandler,
  authorization: Authorization,
  secret: Uint8Array,
): ValidatedHandler {
  return (input, context) => {
    const tokenGrants = input?.GrantTokens === undefined ? [] : grantsOfTokens(secret, input.GrantTokens);
    authorization.check(operation, input, context, tokenGrants);
    return handler(input, context);
  };
}

export interface KmsServiceOptions {
  /** The accounts the server knows (its own and those of its access keys): where shared keys can be. */
  accounts: readonly string[];
  /** Why a request was denied, for `--log-level debug`. */
  debug: (message: string) => void;
}

/**
 * The KMS service: the operation handlers over one store, and the work that time makes due (deletions whose
 * waiting period has passed, automatic rotations), which runDueWork carries out as of the time it is given.
 * The secrets that sign what kmslab hands out (grant tokens) are derived from `rootKey`.
 */
export function createKmsService(
  store: Store,
  rootKey: Uint8Array,
  options: KmsServiceOptions = { accounts: [], debug: () => {} },
): KmsService {
  const authorization = createAuthorization(store, options.accounts, options.debug);
  const grantTokenSecret = deriveSecret(rootKey, 'grant token');
  const secrets = {
    importToken: deriveSecret(rootKey, 'import token'),
    materialId: deriveSecret(rootKey, 'imported key material id'),
  };
  const handlers: Partial<Handlers> = {
    ...keyHandlers(store),
    ...aliasHandlers(store),
    ...tagHandlers(store),
    ...policyHandlers(store),
    ...cryptoHandlers(store, options.accounts),
    ...signingHandlers(store),
    ...macHandlers(store),
    ...agreementHandlers(store),
    ...rotationHandlers(store),
    ...usageHandlers(store),
    ...importHandlers(store, secrets),
    ...multiRegionHandlers(store),
    ...grantHandlers(store, grantTokenSecret),
    ...customKeyStoreHandlers(store),
  };
  const runTimelyWork = (now: Date) => {
    expireImportedMaterial(store, now, DUE_WORK_BATCH);
    settleReplicas(store, now, DUE_WORK_BATCH);
  };
  return {
    handlers: Object.fromEntries(
      Object.entries(handlers).map(([operation, handler]) => [
        operation,
        authorized(operation, handler as ValidatedHandler, authorization, grantTokenSecret),
      ]),
    ),
    async runDueWork(now: Date) {
      for (const key of store.keysDueForDeletion(now.getTime(), DUE_WORK_BATCH))
        deleteDueKey(store, key, now);
      await rotateDueKeys(store, now, DUE_WORK_BATCH);
      runTimelyWork(now);
    },
    runTimelyWork,
  };
}
