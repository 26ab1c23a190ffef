import type { Handlers, Output } from '../context.ts';
import { checkAliasName, checkNewAliasName } from '../keys/alias.ts';
import { aliasArn } from '../keys/arn.ts';
import { epochSeconds } from '../keys/key.ts';
import { checkState } from '../keys/states.ts';
import { Errors } from '../messages.ts';
import { paginateQuery } from '../pagination.ts';
import type { Store } from '../store/store.ts';
import { resolveKey } from './resolve.ts';

export function aliasHandlers(store: Store): Partial<Handlers> {
  return {
    CreateAlias(input, { caller, now }): Output<'CreateAlias'> {
      checkNewAliasName(input.AliasName);
      const key = resolveKey(store, caller, input.TargetKeyId, 'key-only');
      checkState(key, 'CreateAlias');
      if (store.findAlias(caller, input.AliasName)) {
        throw Errors.aliasExists(aliasArn(caller.accountId, caller.region, input.AliasName));
      }
      store.createAlias(input.AliasName, key, now.getTime());
      return {};
    },

    UpdateAlias(input, { caller, now }): Output<'UpdateAlias'> {
      checkAliasName(input.AliasName);
      if (!store.findAlias(caller, input.AliasName)) {
        throw Errors.aliasNotFound(aliasArn(caller.accountId, caller.region, input.AliasName));
      }
      const key = resolveKey(store, caller, input.TargetKeyId, 'key-only');
      checkState(key, 'UpdateAlias');
      store.retargetAlias(input.AliasName, key, now.getTime());
      return {};
    },

    DeleteAlias(input, { caller }): Output<'DeleteAlias'> {
      checkAliasName(input.AliasName);
      if (!store.findAlias(caller, input.AliasName)) {
        throw Errors.aliasNotFound(aliasArn(caller.accountId, caller.region, input.AliasName));
      }
      store.deleteAlias(caller, input.AliasName);
      return {};
    },

    ListAliases(input, { caller }): Output<'ListAliases'> {
      const key = input.KeyId === undefined ? undefined : resolveKey(store, caller, input.KeyId, 'key-only');
      if (key) checkState(key, 'ListAliases');
      const page = paginateQuery(
        input,
        { list: 'aliases', defaultLimit: 50, maxLimit: 100 },
        (after, count) => store.listAliases(caller, after, count, key),
        (a) => a.cursor,
      );
      return {
        Aliases: page.items.map((a) => ({
          AliasName: a.aliasName,
          AliasArn: aliasArn(a.accountId, a.region, a.aliasName),
          TargetKeyId: a.targetKeyId,
          CreationDate: epochSeconds(a.creationDate),
          LastUpdatedDate: epochSeconds(a.lastUpdatedDate),
        })),
        NextMarker: page.NextMarker,
        Truncated: page.Truncated,
      };
    },
  };
}
