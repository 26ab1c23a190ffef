import type { Handlers, Output } from '../context.ts';
import { checkChildGrant } from '../grants/authorize.ts';
import {
  checkGrantId,
  checkGrantLimit,
  checkGrantRequest,
  checkRetire,
  findRetriedGrant,
  type GrantRecord,
  grantListEntry,
  newGrant,
  retireTarget,
} from '../grants/grant.ts';
import { isPrincipal, principalCovers } from '../grants/principals.ts';
import { grantOfToken, grantsOfTokens, grantToken } from '../grants/token.ts';
import type { LoadedKey } from '../keys/key.ts';
import { checkState } from '../keys/states.ts';
import { Errors, GrantErrors } from '../messages.ts';
import { type Page, paginateQuery } from '../pagination.ts';
import type { Listed, Store } from '../store/store.ts';
import { callerPrincipal, resolveKey } from './resolve.ts';

/** ListGrants and ListRetirableGrants: 50 a page unless asked, 100 at most (the model's Limit documentation). */
const GRANT_LIST_LIMITS = { defaultLimit: 50, maxLimit: 100 };

function grantList(page: Page<Listed<GrantRecord>>): Output<'ListGrants'> {
  return { Grants: page.items.map(grantListEntry), NextMarker: page.NextMarker, Truncated: page.Truncated };
}

/**
 * CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and RevokeGrant over the store's grants; grant tokens
 * are sealed under `grantTokenSecret` (grants/token.ts). Whether a grant allows a call is the authorization step's.
 */
export function grantHandlers(store: Store, grantTokenSecret: Uint8Array): Partial<Handlers> {
  function found(key: LoadedKey, grantId: string): GrantRecord {
    const grant = store.findGrant(key, grantId);
    if (!grant) throw GrantErrors.grantNotFound(grantId, key.arn);
    return grant;
  }

  return {
    CreateGrant(input, context): Output<'CreateGrant'> {
      const { caller, now } = context;
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkState(key, 'CreateGrant');
      const request = checkGrantRequest(input, key);
      // A grant token that lets the caller create grants on this key makes the new grant its child.
      const principal = callerPrincipal(caller);
      const parent = grantsOfTokens(grantTokenSecret, input.GrantTokens).find(
        (grant) =>
          grant.keyArn === key.arn &&
          grant.operations.includes('CreateGrant') &&
          principalCovers(grant.granteePrincipal, principal),
      );
      if (parent) checkChildGrant(parent, request);
      const retried =
        request.name === undefined
          ? undefined
          : findRetriedGrant(store.grantsNamed(key, request.name), request);
      if (!retried) checkGrantLimit(store.grantCount(key), key.arn);
      if (input.DryRun) throw Errors.dryRun();
      const grant = retried ?? newGrant(request, key, caller.accountId, now);
      if (!retried) store.createGrant(key, grant);
      return { GrantId: grant.grantId, GrantToken: grantToken(grantTokenSecret, grant) };
    },

    ListGrants(input, context): Output<'ListGrants'> {
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkState(key, 'ListGrants');
      if (input.GrantId !== undefined) checkGrantId(input.GrantId);
      const filters = { grantId: input.GrantId, granteePrincipal: input.GranteePrincipal };
      return grantList(
        paginateQuery(
          input,
          { list: 'grants', ...GRANT_LIST_LIMITS },
          (after, count) => store.listGrants(key, after, count, filters),
          (grant) => grant.cursor,
        ),
      );
    },

    ListRetirableGrants(input, { caller }): Output<'ListRetirableGrants'> {
      if (!isPrincipal(input.RetiringPrincipal))
        throw GrantErrors.invalidPrincipal('RetiringPrincipal', input.RetiringPrincipal);
      return grantList(
        paginateQuery(
          input,
          { list: 'retirable grants', ...GRANT_LIST_LIMITS },
          (after, count) => store.listRetirableGrants(caller, input.RetiringPrincipal, after, count),
          (grant) => grant.cursor,
        ),
      );
    },

    RetireGrant(input, context): Output<'RetireGrant'> {
      const { caller } = context;
      const target = retireTarget(input);
      const named =
        'grantToken' in target
          ? grantOfToken(grantTokenSecret, target.grantToken)
          : { keyArn: target.keyId, grantId: target.grantId };
      const key = resolveKey(store, context, named.keyArn, 'key-only');
      checkState(key, 'RetireGrant');
      const grant = found(key, named.grantId);
      checkRetire(grant, callerPrincipal(caller));
      if (input.DryRun) throw Errors.dryRun();
      store.deleteGrant(key, grant.grantId);
      return {};
    },

    RevokeGrant(input, context): Output<'RevokeGrant'> {
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkState(key, 'RevokeGrant');
      checkGrantId(input.GrantId);
      const grant = found(key, input.GrantId);
      if (input.DryRun) throw Errors.dryRun();
      store.deleteGrant(key, grant.grantId);
      return {};
    },
  };
}
