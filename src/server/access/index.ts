/**
 * Authorization as AWS KMS evaluates it: key policies, identity-based (IAM) policies and grants, with
 * denials explained. Pure: it knows nothing of the store, the operations or HTTP. A caller compiles each
 * policy once (compileKeyPolicy when a key policy is put, compileIdentityPolicy when identities load),
 * describes each caller once (createPrincipal), and makes one authorize() call per request.
 */
export {
  type Allowed,
  type ApplicableGrant,
  type AuthorizationRequest,
  authorize,
  checkLockoutSafety,
  type Decision,
  type Denied,
} from './authorize.ts';
export { type ConditionContext, type ContextReader, type ContextValue, canonicalKey } from './context.ts';
export {
  type CompiledPolicy,
  compileIdentityPolicy,
  compileKeyPolicy,
  KEY_POLICY_MAX_LENGTH,
  type KeyPolicyOptions,
  type StatementRef,
} from './policy.ts';
export { createPrincipal, type Principal, type PrincipalSpec } from './principal.ts';
