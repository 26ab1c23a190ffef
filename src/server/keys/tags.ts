import { Errors } from '../messages.ts';

export interface Tag {
  TagKey: string;
  TagValue: string;
}

/** KMS allows 50 tags per key. */
export const MAX_TAGS_PER_KEY = 50;

/** Lengths are the validator's job; these are the rules KMS itself applies, with its messages. */
export function checkTags(tags: readonly Tag[]): void {
  const keys = new Set<string>();
  for (const tag of tags) {
    if (tag.TagKey.toLowerCase().startsWith('aws:')) throw Errors.reservedTagKey();
    if (keys.has(tag.TagKey)) throw Errors.duplicateTagKeys();
    keys.add(tag.TagKey);
  }
  if (keys.size > MAX_TAGS_PER_KEY) throw Errors.tooManyTags();
}

/** The tags after TagResource: new keys are added, existing keys get the new value. */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const merged = new Map(existing.map((t) => [t.TagKey, t.TagValue]));
  for (const tag of added) merged.set(tag.TagKey, tag.TagValue);
  if (merged.size > MAX_TAGS_PER_KEY) throw Errors.tooManyTags();
  return [...merged].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}
