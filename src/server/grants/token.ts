import { openToken, sealToken } from '../crypto/tokens.ts';
import { GrantErrors } from '../messages.ts';
import type { GrantRecord } from './grant.ts';

/**
 * Grant tokens: the grant itself, sealed under the root key's grant-token secret (crypto/tokens.ts) and written
 * as base64. A token names its grant, key, grantee, operations and constraints, so a request that carries it is
 * authorized by it at once, as AWS promises for tokens of grants that have not reached eventual consistency.
 * Every call makes a different token for the same grant (a fresh IV), as AWS's CreateGrant does; all of them
 * open to the same grant. Whether the grant has since been retired or revoked is the store's to say.
 */

export function grantToken(secret: Uint8Array, grant: GrantRecord): string {
  return sealToken(secret, Buffer.from(JSON.stringify(grant), 'utf8')).toString('base64');
}

/** The grant a token names; InvalidGrantTokenException for anything that kmslab did not seal. */
export function grantOfToken(secret: Uint8Array, token: string): GrantRecord {
  const opened = /^[A-Za-z0-9+/]+={0,2}$/.test(token)
    ? openToken(secret, Buffer.from(token, 'base64'))
    : undefined;
  if (!opened) throw GrantErrors.invalidGrantToken();
  return JSON.parse(opened.toString('utf8')) as GrantRecord;
}

/** The grants named by a request's GrantTokens (each must be valid, as AWS checks every one). */
export function grantsOfTokens(secret: Uint8Array, tokens: readonly string[] | undefined): GrantRecord[] {
  return (tokens ?? []).map((token) => grantOfToken(secret, token));
}
