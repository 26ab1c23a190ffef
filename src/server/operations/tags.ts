import type { Handlers, Output } from '../context.ts';
import { checkAwsManagedKey } from '../keys/aws-managed.ts';
import { checkState } from '../keys/states.ts';
import { checkTags, mergeTags } from '../keys/tags.ts';
import { Errors } from '../messages.ts';
import { paginate } from '../pagination.ts';
import type { Store } from '../store/store.ts';
import { callerPrincipal, resolveKey } from './resolve.ts';

export function tagHandlers(store: Store): Partial<Handlers> {
  return {
    TagResource(input, context): Output<'TagResource'> {
      const { caller } = context;
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkAwsManagedKey(key, 'TagResource', callerPrincipal(caller).arn);
      checkState(key, 'TagResource');
      checkTags(input.Tags);
      store.replaceTags(key, mergeTags(store.tags(key), input.Tags));
      return {};
    },

    UntagResource(input, context): Output<'UntagResource'> {
      const { caller } = context;
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkAwsManagedKey(key, 'UntagResource', callerPrincipal(caller).arn);
      checkState(key, 'UntagResource');
      if (input.TagKeys.some((k) => k.toLowerCase().startsWith('aws:'))) throw Errors.reservedTagKey();
      const removed = new Set(input.TagKeys);
      store.replaceTags(
        key,
        store.tags(key).filter((t) => !removed.has(t.TagKey)),
      );
      return {};
    },

    ListResourceTags(input, context): Output<'ListResourceTags'> {
      const key = resolveKey(store, context, input.KeyId, 'key-only');
      checkState(key, 'ListResourceTags');
      const page = paginate(store.tags(key), (t) => t.TagKey, input, {
        list: 'tags',
        defaultLimit: 50,
        maxLimit: 50,
      });
      return { Tags: page.items, NextMarker: page.NextMarker, Truncated: page.Truncated };
    },
  };
}
