import type { KMSError } from '../errors.ts';
import { Errors } from '../messages.ts';
import { type ConditionContext, type ContextReader, requestLookup } from './context.ts';
import {
  closestAllow,
  type EvaluationInput,
  evaluate,
  type Mismatch,
  type PolicyOutcome,
} from './evaluate.ts';
import { arnAccount } from './patterns.ts';
import { type CompiledPolicy, type CompiledStatement, type StatementRef, statementName } from './policy.ts';
import type { Principal } from './principal.ts';

/** A grant that applies to the request: its grantee is the caller and its constraints hold (the caller checks both). */
export interface ApplicableGrant {
  readonly grantId: string;
  /** The grant's operations, as KMS names them (`Encrypt`, `ReEncryptFrom`, `DescribeKey`...). */
  readonly operations: readonly string[];
}

/** Everything one authorization needs; the caller builds it once per request. */
export interface AuthorizationRequest {
  readonly principal: Principal;
  /** `kms:Encrypt`, `kms:CreateKey`... */
  readonly action: string;
  /** The key ARN for an operation on a key; `*` (or an alias ARN) for an operation that has none. */
  readonly resource: string;
  /** The key's policy, for an operation on a key. Without it the IAM policies alone decide (CreateKey, ListKeys...). */
  readonly keyPolicy?: CompiledPolicy;
  readonly grants?: readonly ApplicableGrant[];
  /**
   * The condition keys of the request and the key: all of them (see ConditionContext), or a reader asked for
   * each key a condition reads, so that a request computes only those (and what costs a lookup only then).
   */
  readonly context?: ConditionContext | ContextReader;
}

export interface Allowed {
  readonly allowed: true;
  /** The statements that allowed it: a key policy statement, and the identity-based one where IAM had to agree. */
  readonly statements: readonly StatementRef[];
  /** The grant that allowed it, when no policy did. */
  readonly grantId?: string;
}

export interface Denied {
  readonly allowed: false;
  /** A Deny statement applied (rather than no statement allowing). */
  readonly explicit: boolean;
  /** Which kind of policy AWS's message blames. */
  readonly policyType: 'resource-based' | 'identity-based';
  /** The Deny statement that applied, or the Allow statement that came closest. */
  readonly statement?: StatementRef;
  /**
   * Why, in one line of ASCII (for logs and the x-kmslab-denial header): the policy and statement that
   * denied, or that none allowed and which element of the closest statement failed, with the value the
   * request had. It quotes condition values of the request, never key material.
   */
  readonly explanation: string;
  /** AccessDeniedException with AWS's message. */
  readonly error: KMSError;
}

export type Decision = Allowed | Denied;

/**
 * Decides a request as AWS KMS does:
 * - an explicit Deny in the key policy or in the caller's identity-based policies wins over everything;
 * - the key policy is the primary control: a statement naming the caller (or `*`) allows a caller of the key's
 *   account by itself; a statement naming only the caller's account lets IAM policies delegate, so an
 *   identity-based policy must allow it too. The root user needs no IAM policy, but nothing allows it
 *   implicitly: the key policy must name its account;
 * - a caller from another account needs both the key policy (naming it or its account) and its own IAM
 *   policies;
 * - a grant allows its operations;
 * - operations that have no key (CreateKey, ListKeys, ListAliases, GenerateRandom...) are decided by the IAM
 *   policies alone, and the root user may do them all.
 */
export function authorize(request: AuthorizationRequest): Decision {
  const { principal, keyPolicy } = request;
  const input: EvaluationInput = {
    principal,
    action: request.action,
    lowerAction: request.action.toLowerCase(),
    resource: request.resource,
    lookup: requestLookup(principal.contextValues, request.context),
  };
  const key = keyPolicy ? evaluate([keyPolicy], input) : {};
  if (key.deny) return explicitDeny(request, 'resource-based', key.deny);
  const identity = evaluate(principal.policies, input);
  if (identity.deny) return explicitDeny(request, 'identity-based', identity.deny);
  const iamAllows = principal.type === 'Account' || identity.allow !== undefined;
  const iam = identity.allow ? [identity.allow.ref] : [];
  if (!keyPolicy) {
    if (iamAllows) return { allowed: true, statements: iam };
    return implicitDeny(request, input, {});
  }
  const sameAccount = arnAccount(request.resource) === principal.accountId;
  if (key.allow && (sameAccount || iamAllows)) {
    return { allowed: true, statements: sameAccount ? [key.allow.ref] : [key.allow.ref, ...iam] };
  }
  if (key.delegate && iamAllows) return { allowed: true, statements: [key.delegate.ref, ...iam] };
  const operation = request.action.slice(request.action.indexOf(':') + 1);
  const grant = request.grants?.find((g) => g.operations.includes(operation));
  if (grant) return { allowed: true, statements: [], grantId: grant.grantId };
  return implicitDeny(request, input, key);
}

/**
 * KMS's lockout safety check for CreateKey and PutKeyPolicy without BypassPolicyLockoutSafetyCheck: the new
 * policy must let the caller call PutKeyPolicy on the key later (its IAM policies counting as they would),
 * or the request fails with MalformedPolicyDocumentException.
 */
export function checkLockoutSafety(request: {
  principal: Principal;
  keyArn: string;
  keyPolicy: CompiledPolicy;
  context?: ConditionContext;
}): void {
  const decision = authorize({
    principal: request.principal,
    action: 'kms:PutKeyPolicy',
    resource: request.keyArn,
    keyPolicy: request.keyPolicy,
    context: request.context,
  });
  if (!decision.allowed) throw Errors.policyLockout();
}

function explicitDeny(
  request: AuthorizationRequest,
  policyType: Denied['policyType'],
  statement: CompiledStatement,
): Denied {
  return denied(
    request,
    true,
    policyType,
    statement.ref,
    `Denied by ${describe(statement.ref)}, which has Effect Deny.`,
  );
}

/**
 * No statement allowed: AWS blames the key policy when it doesn't cover the caller at all, and the IAM
 * policies when the key policy covered the caller (cross-account) or its account (delegation) but no
 * identity-based policy agreed. Operations without a key only have IAM policies to blame.
 */
function implicitDeny(request: AuthorizationRequest, input: EvaluationInput, key: PolicyOutcome): Denied {
  const { principal, keyPolicy, action } = request;
  const covered = key.allow ?? key.delegate;
  const policyType = keyPolicy && !covered ? 'resource-based' : 'identity-based';
  const noIam =
    principal.policies.length === 0
      ? `the caller ${principal.arn} has no identity-based policy`
      : `no identity-based policy of ${principal.arn} allows ${action} on ${request.resource}`;
  let why: string;
  if (policyType === 'resource-based') {
    why = `No statement of the key policy allows ${principal.arn} to perform ${action}.`;
  } else if (key.allow) {
    why = `The key policy allows ${action} (${statementName(key.allow)}), but the key is in another account, so the caller's IAM policies must allow it too, and ${noIam}.`;
  } else if (key.delegate) {
    why = `The key policy lets account ${principal.accountId} delegate ${action} with IAM policies (${statementName(key.delegate)}), but ${noIam}.`;
  } else {
    why = `${noIam[0]?.toUpperCase()}${noIam.slice(1)}.`;
  }
  const closest = closestAllow(keyPolicy ? [keyPolicy, ...principal.policies] : principal.policies, input);
  const explanation = closest
    ? `${why} The closest is ${describe(closest.statement.ref)}: ${missed(closest, input)}.`
    : why;
  return denied(request, false, policyType, closest?.statement.ref, explanation);
}

/** The error is made on first use: an Error's stack costs more than the rest of a denial. */
function denied(
  request: AuthorizationRequest,
  explicit: boolean,
  policyType: Denied['policyType'],
  statement: StatementRef | undefined,
  explanation: string,
): Denied {
  let error: KMSError | undefined;
  return {
    allowed: false,
    explicit,
    policyType,
    statement,
    explanation: ascii(explanation),
    get error() {
      error ??= Errors.accessDenied(
        request.principal.arn,
        request.action,
        request.resource,
        policyType,
        explicit,
      );
      return error;
    },
  };
}

function describe(ref: StatementRef): string {
  return `${statementName(ref)} of ${ref.kind === 'key' ? 'the key policy' : `identity-based policy "${ref.policy}"`}`;
}

/** The element of the closest statement that failed, and what the request had there. */
function missed(
  closest: { statement: CompiledStatement; mismatch: Mismatch },
  input: EvaluationInput,
): string {
  const { statement, mismatch } = closest;
  switch (mismatch.element) {
    case 'Action':
      return statement.actions === undefined
        ? 'it has no Action'
        : `its ${statement.notAction ? 'NotAction excludes' : 'Action does not include'} ${input.action}`;
    case 'Principal':
      return `its ${statement.notPrincipal ? 'NotPrincipal excludes' : 'Principal does not include'} ${input.principal.arn}`;
    case 'Resource':
      return statement.resources === undefined
        ? 'it has no Resource'
        : `its ${statement.notResource ? 'NotResource excludes' : 'Resource does not include'} ${input.resource}`;
    case 'Condition': {
      const condition = statement.conditions[mismatch.condition];
      if (condition === undefined) return 'a condition failed';
      const values =
        condition.values.length === 1
          ? JSON.stringify(condition.values[0])
          : JSON.stringify(condition.values);
      const seen = input.lookup(condition.lookupKey);
      const had =
        seen === undefined
          ? `the request has no ${condition.key}`
          : `the request has ${JSON.stringify(seen)}`;
      return `condition ${condition.operator} {${JSON.stringify(condition.key)}: ${values}} is not met: ${had}`;
    }
  }
}

/** Non-ASCII and control characters as JSON escapes, so that the explanation fits in an HTTP header. */
function ascii(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
