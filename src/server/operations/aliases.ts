import type { AliasListEntry } from '../../protocol/index.ts';
import type { Handlers, Output } from '../context.ts';
import { checkAliasName, checkNewAliasName } from '../keys/alias.ts';
import { aliasArn } from '../keys/arn.ts';
import { checkAwsAliasChange, checkAwsManagedKey, predefinedAliases } from '../keys/aws-managed.ts';
import { epochSeconds } from '../keys/key.ts';
import { checkState } from '../keys/states.ts';
import { Errors } from '../messages.ts';
import { paginateQuery } from '../pagination.ts';
import type { AliasRecord, Scope, Store } from '../store/store.ts';
import { callerPrincipal, resolveKey } from './resolve.ts';

function aliasListEntry(alias: AliasRecord): AliasListEntry {
  return {
    AliasName: alias.aliasName,
    AliasArn: aliasArn(alias.accountId, alias.region, alias.aliasName),
    TargetKeyId: alias.targetKeyId,
    CreationDate: epochSeconds(alias.creationDate),
    LastUpdatedDate: epochSeconds(alias.lastUpdatedDate),
  };
}

const byName = (a: AliasListEntry, b: AliasListEntry) => ((a.AliasName ?? '') < (b.AliasName ?? '') ? -1 : 1);

export function aliasHandlers(store: Store): Partial<Handlers> {
  /**
   * A page of the scope's aliases by name, `count` at most after `after`, with the AWS managed keys' aliases that
   * have no key yet among them, as a fresh AWS account lists them.
   */
  function withPredefined(
    stored: AliasListEntry[],
    after: string | undefined,
    count: number,
    scope: Scope,
  ): AliasListEntry[] {
    const associated = new Set(stored.map((a) => a.AliasName ?? ''));
    const predefined = predefinedAliases(scope.accountId, scope.region, associated).filter(
      (a) =>
        (after === undefined || (a.AliasName ?? '') > after) && !store.findAlias(scope, a.AliasName ?? ''),
    );
    return [...stored, ...predefined].sort(byName).slice(0, count);
  }

  return {
    CreateAlias(input, context): Output<'CreateAlias'> {
      const { caller, now } = context;
      checkNewAliasName(input.AliasName);
      const key = resolveKey(store, context, input.TargetKeyId, 'key-only');
      checkAwsManagedKey(key, 'CreateAlias', callerPrincipal(caller).arn);
      checkState(key, 'CreateAlias');
      if (store.findAlias(caller, input.AliasName)) {
        throw Errors.aliasExists(aliasArn(caller.accountId, caller.region, input.AliasName));
      }
      store.createAlias(input.AliasName, key, now.getTime());
      return {};
    },

    UpdateAlias(input, context): Output<'UpdateAlias'> {
      const { caller, now } = context;
      checkAliasName(input.AliasName);
      checkAwsAliasChange(
        input.AliasName,
        'UpdateAlias',
        callerPrincipal(caller).arn,
        caller.accountId,
        caller.region,
      );
      if (!store.findAlias(caller, input.AliasName)) {
        throw Errors.aliasNotFound(aliasArn(caller.accountId, caller.region, input.AliasName));
      }
      const key = resolveKey(store, context, input.TargetKeyId, 'key-only');
      checkAwsManagedKey(key, 'UpdateAlias', callerPrincipal(caller).arn);
      checkState(key, 'UpdateAlias');
      store.retargetAlias(input.AliasName, key, now.getTime());
      return {};
    },

    DeleteAlias(input, { caller }): Output<'DeleteAlias'> {
      checkAliasName(input.AliasName);
      checkAwsAliasChange(
        input.AliasName,
        'DeleteAlias',
        callerPrincipal(caller).arn,
        caller.accountId,
        caller.region,
      );
      if (!store.findAlias(caller, input.AliasName)) {
        throw Errors.aliasNotFound(aliasArn(caller.accountId, caller.region, input.AliasName));
      }
      store.deleteAlias(caller, input.AliasName);
      return {};
    },

    ListAliases(input, context): Output<'ListAliases'> {
      const { caller } = context;
      const key = input.KeyId === undefined ? undefined : resolveKey(store, context, input.KeyId, 'key-only');
      if (key) checkState(key, 'ListAliases');
      const page = paginateQuery(
        input,
        { list: 'aliases', defaultLimit: 50, maxLimit: 100 },
        (after, count) => {
          const stored = store.listAliases(caller, after, count, key).map(aliasListEntry);
          // Listing a key's aliases names a key: the predefined ones have none yet.
          return key ? stored : withPredefined(stored, after, count, caller);
        },
        (a) => a.AliasName ?? '',
      );
      return { Aliases: page.items, NextMarker: page.NextMarker, Truncated: page.Truncated };
    },
  };
}
