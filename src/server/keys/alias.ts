import { Errors } from '../messages.ts';

const PREFIX = 'alias/';
const RESERVED_PREFIX = 'alias/aws/';
const PATTERN = /^[a-zA-Z0-9:/_-]+$/;

/** The rules for an alias name that a customer creates (CreateAlias, seeds). */
export function checkNewAliasName(aliasName: string): void {
  if (!aliasName.startsWith(PREFIX)) throw Errors.aliasPrefix();
  if (!PATTERN.test(aliasName)) throw Errors.aliasPattern(aliasName);
  if (aliasName.length === PREFIX.length) throw Errors.aliasEmpty();
  if (aliasName.startsWith(RESERVED_PREFIX)) throw Errors.aliasReserved();
}

/** The rules for naming an existing alias (UpdateAlias, DeleteAlias). */
export function checkAliasName(aliasName: string): void {
  if (!aliasName.startsWith(PREFIX)) throw Errors.aliasPrefix();
}
