import { Errors } from '../messages.ts';

/** Every alias name begins with it; a key reference that does is an alias name. */
export const ALIAS_PREFIX = 'alias/';
const RESERVED_PREFIX = 'alias/aws/';

/**
 * The rules for an alias name that a customer creates (CreateAlias, seeds), beyond the model's length and pattern
 * (AliasNameType), which validation checks first.
 */
export function checkNewAliasName(aliasName: string): void {
  if (!aliasName.startsWith(ALIAS_PREFIX)) throw Errors.aliasPrefix();
  if (aliasName.length === ALIAS_PREFIX.length) throw Errors.aliasEmpty();
  if (aliasName.startsWith(RESERVED_PREFIX)) throw Errors.aliasReserved();
}

/** The rules for naming an existing alias (UpdateAlias, DeleteAlias). */
export function checkAliasName(aliasName: string): void {
  if (!aliasName.startsWith(ALIAS_PREFIX)) throw Errors.aliasPrefix();
}
