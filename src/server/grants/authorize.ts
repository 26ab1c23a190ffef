import type { GrantConstraints, GrantOperation } from '../../protocol/index.ts';
import type { EncryptionContext } from '../crypto/encryption-context.ts';
import { GrantErrors } from '../messages.ts';
import { CONTEXT_GRANT_OPERATIONS, type GrantRecord, type GrantRequest } from './grant.ts';
import { type GrantCaller, principalCovers } from './principals.ts';

/**
 * Whether a grant allows a request, for the authorization step to call with the grants of the key and those
 * named by the request's GrantTokens (token.ts): the grantee, the key, the operation and, for operations that
 * take one, the encryption context under the grant's constraint.
 *
 * AWS compares a constraint's keys without regard to case and its values exactly ("in a grant constraint, the
 * key in each key-value pair is not case sensitive, but the value is case sensitive"); the pairs' order never
 * matters.
 */

export interface GrantedRequest {
  caller: GrantCaller;
  keyArn: string;
  operation: GrantOperation;
  /** The request's encryption context, for the operations that take one. */
  encryptionContext?: EncryptionContext;
}

/** The context's pairs under case-folded keys (two keys that differ only in case fold to the same key). */
function folded(context: EncryptionContext | undefined): Map<string, string[]> {
  const pairs = new Map<string, string[]>();
  for (const [key, value] of Object.entries(context ?? {})) {
    const lower = key.toLowerCase();
    pairs.set(lower, [...(pairs.get(lower) ?? []), value]);
  }
  return pairs;
}

/** Whether every pair of `required` is in `context` (keys case-insensitive, values exact). */
function includesPairs(context: EncryptionContext | undefined, required: EncryptionContext): boolean {
  const present = folded(context);
  return Object.entries(required).every(([key, value]) => present.get(key.toLowerCase())?.includes(value));
}

/** Whether a request's encryption context satisfies a grant constraint. */
export function satisfiesConstraints(
  constraints: GrantConstraints | undefined,
  context: EncryptionContext | undefined,
): boolean {
  if (constraints?.EncryptionContextEquals) {
    const required = constraints.EncryptionContextEquals;
    return (
      Object.keys(context ?? {}).length === Object.keys(required).length && includesPairs(context, required)
    );
  }
  if (constraints?.EncryptionContextSubset)
    return includesPairs(context, constraints.EncryptionContextSubset);
  return true;
}

export function grantAllows(grant: GrantRecord, request: GrantedRequest): boolean {
  if (grant.keyArn !== request.keyArn || !grant.operations.includes(request.operation)) return false;
  if (!principalCovers(grant.granteePrincipal, request.caller)) return false;
  if (!CONTEXT_GRANT_OPERATIONS.includes(request.operation)) return true;
  return satisfiesConstraints(grant.constraints, request.encryptionContext);
}

/**
 * A grant made with the CreateGrant permission of another grant (its parent) may allow only operations of the
 * parent, under constraints at least as strict: a Subset constraint may gain pairs or become an Equals
 * constraint holding its pairs; an Equals constraint must stay the same ("Granting CreateGrant permission").
 */
export function checkChildGrant(parent: GrantRecord, child: GrantRequest): void {
  const within = child.operations.every((operation) => parent.operations.includes(operation));
  if (!within || !atLeastAsStrict(parent.constraints, child.constraints)) throw GrantErrors.childGrantWider();
}

function atLeastAsStrict(parent: GrantConstraints | undefined, child: GrantConstraints | undefined): boolean {
  if (parent?.EncryptionContextEquals) {
    const equals = child?.EncryptionContextEquals;
    return equals !== undefined && satisfiesConstraints(parent, equals);
  }
  if (parent?.EncryptionContextSubset) {
    const pairs = child?.EncryptionContextEquals ?? child?.EncryptionContextSubset;
    return pairs !== undefined && satisfiesConstraints(parent, pairs);
  }
  return true;
}
