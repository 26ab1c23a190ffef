import type { Handler } from '../context.ts';
import { checkAliasName, checkNewAliasName } from '../domain/alias.ts';
import { aliasArn } from '../domain/arn.ts';
import { assertNotPendingDeletion, epochSeconds } from '../domain/key.ts';
import { Errors } from '../domain/messages.ts';
import { type PageRequest, paginateQuery } from '../domain/pagination.ts';
import type { KeyStore } from '../store/key-store.ts';
import { resolveKey } from './resolve.ts';

interface AliasInput {
  AliasName: string;
  TargetKeyId: string;
}

export function aliasHandlers(store: KeyStore): Record<string, Handler> {
  return {
    CreateAlias(input: AliasInput, { caller, now }) {
      checkNewAliasName(input.AliasName);
      const key = resolveKey(store, caller, input.TargetKeyId, 'key-only');
      assertNotPendingDeletion(key);
      if (store.findAlias(caller.accountId, caller.region, input.AliasName)) {
        throw Errors.aliasExists(aliasArn(caller.accountId, caller.region, input.AliasName));
      }
      store.createAlias(input.AliasName, key, now.getTime());
      return {};
    },

    UpdateAlias(input: AliasInput, { caller, now }) {
      checkAliasName(input.AliasName);
      if (!store.findAlias(caller.accountId, caller.region, input.AliasName)) {
        throw Errors.aliasNotFound(aliasArn(caller.accountId, caller.region, input.AliasName));
      }
      const key = resolveKey(store, caller, input.TargetKeyId, 'key-only');
      assertNotPendingDeletion(key);
      store.retargetAlias(input.AliasName, key, now.getTime());
      return {};
    },

    DeleteAlias(input: { AliasName: string }, { caller }) {
      checkAliasName(input.AliasName);
      if (!store.findAlias(caller.accountId, caller.region, input.AliasName)) {
        throw Errors.aliasNotFound(aliasArn(caller.accountId, caller.region, input.AliasName));
      }
      store.deleteAlias(caller.accountId, caller.region, input.AliasName);
      return {};
    },

    ListAliases(input: PageRequest & { KeyId?: string }, { caller }) {
      const { accountId, region } = caller;
      const key = input.KeyId === undefined ? undefined : resolveKey(store, caller, input.KeyId, 'key-only');
      const page = paginateQuery(
        input,
        { list: 'aliases', defaultLimit: 50, maxLimit: 100 },
        (after, count) => store.listAliases(accountId, region, after, count, key),
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
