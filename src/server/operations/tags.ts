import type { Handler } from '../context.ts';
import { assertNotPendingDeletion } from '../keys/key.ts';
import { checkTags, mergeTags, type Tag } from '../keys/tags.ts';
import { Errors } from '../messages.ts';
import { type PageRequest, paginate } from '../pagination.ts';
import type { KeyStore } from '../store/key-store.ts';
import { resolveKey } from './resolve.ts';

export function tagHandlers(store: KeyStore): Record<string, Handler> {
  return {
    TagResource(input: { KeyId: string; Tags: Tag[] }, { caller }) {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      assertNotPendingDeletion(key);
      checkTags(input.Tags);
      store.replaceTags(key, mergeTags(store.tags(key), input.Tags));
      return {};
    },

    UntagResource(input: { KeyId: string; TagKeys: string[] }, { caller }) {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      assertNotPendingDeletion(key);
      if (input.TagKeys.some((k) => k.toLowerCase().startsWith('aws:'))) throw Errors.reservedTagKey();
      const removed = new Set(input.TagKeys);
      store.replaceTags(
        key,
        store.tags(key).filter((t) => !removed.has(t.TagKey)),
      );
      return {};
    },

    ListResourceTags(input: PageRequest & { KeyId: string }, { caller }) {
      const key = resolveKey(store, caller, input.KeyId, 'key-only');
      const page = paginate(store.tags(key), (t) => t.TagKey, input, {
        list: 'tags',
        defaultLimit: 50,
        maxLimit: 50,
      });
      return { Tags: page.items, NextMarker: page.NextMarker, Truncated: page.Truncated };
    },
  };
}
