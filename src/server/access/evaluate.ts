import type { Lookup } from './context.ts';
import type { StringTest } from './patterns.ts';
import type { CompiledPolicy, CompiledStatement, PrincipalSet } from './policy.ts';
import type { Principal } from './principal.ts';

/** One request as the statements see it. */
export interface EvaluationInput {
  readonly principal: Principal;
  /** As the caller named it (`kms:Encrypt`), and lower-cased for matching. */
  readonly action: string;
  readonly lowerAction: string;
  readonly resource: string;
  readonly lookup: Lookup;
}

type Coverage = 'direct' | 'account';

/**
 * How a key policy statement's principals cover the caller: `direct` when they name it (or everyone),
 * `account` when they name only its account, which for anyone but the root user means "the account may
 * delegate this with IAM policies". With NotPrincipal the statement covers the caller unless every name of the
 * caller is listed (account, role and session alike), as AWS checks them one by one.
 */
function principalCoverage(set: PrincipalSet, negated: boolean, principal: Principal): Coverage | undefined {
  const names = principal.names;
  if (negated) {
    if (set.everyone) return undefined;
    for (const name of names) if (!set.names.has(name)) return 'direct';
    return undefined;
  }
  if (set.everyone) return 'direct';
  for (let i = names.length - 1; i >= 0; i--) {
    if (set.names.has(names[i] as string))
      return i === 0 && principal.type !== 'Account' ? 'account' : 'direct';
  }
  return undefined;
}

function actionMatches(statement: CompiledStatement, input: EvaluationInput): boolean {
  const set = statement.actions;
  if (set === undefined) return false;
  let found = set.everything || set.exact.has(input.lowerAction);
  for (let i = 0; !found && i < set.patterns.length; i++) {
    found = (set.patterns[i] as StringTest)(input.lowerAction, input.lookup) === true;
  }
  return found !== statement.notAction;
}

function resourceMatches(statement: CompiledStatement, input: EvaluationInput): boolean {
  const tests = statement.resources;
  if (tests === undefined) return false;
  let found = false;
  for (let i = 0; !found && i < tests.length; i++) {
    found = (tests[i] as StringTest)(input.resource, input.lookup) === true;
  }
  return found !== statement.notResource;
}

/** The index of the first condition the request fails, or -1 when all hold. */
function failedCondition(statement: CompiledStatement, input: EvaluationInput): number {
  const conditions = statement.conditions;
  for (let i = 0; i < conditions.length; i++) {
    if (!conditions[i]?.matches(input.lookup)) return i;
  }
  return -1;
}

/** How far a statement got before it stopped applying, in the order it is checked. */
export type Mismatch =
  | { readonly element: 'Action' | 'Principal' | 'Resource' }
  | { readonly element: 'Condition'; readonly condition: number };

/**
 * Whether a statement applies to the request: undefined when it does, else the first element that didn't
 * match. Elements are checked cheapest and most selective first: Action, Principal, Resource, Condition.
 */
function mismatch(statement: CompiledStatement, input: EvaluationInput): Mismatch | undefined {
  if (!actionMatches(statement, input)) return { element: 'Action' };
  if (
    statement.principals &&
    !principalCoverage(statement.principals, statement.notPrincipal, input.principal)
  ) {
    return { element: 'Principal' };
  }
  if (!resourceMatches(statement, input)) return { element: 'Resource' };
  const condition = failedCondition(statement, input);
  return condition < 0 ? undefined : { element: 'Condition', condition };
}

/** What one policy says about a request. */
export interface PolicyOutcome {
  /** The first Deny statement that applies: an explicit deny. */
  deny?: CompiledStatement;
  /** The first Allow statement that applies and names the caller (identity policies: any that applies). */
  allow?: CompiledStatement;
  /** The first Allow statement that applies through the caller's account only (key policies). */
  delegate?: CompiledStatement;
}

/** Evaluates every statement of the policies (an explicit deny anywhere ends it). */
export function evaluate(policies: readonly CompiledPolicy[], input: EvaluationInput): PolicyOutcome {
  const outcome: PolicyOutcome = {};
  for (const policy of policies) {
    for (const statement of policy.statements) {
      if (!actionMatches(statement, input)) continue;
      let coverage: Coverage | undefined = 'direct';
      if (statement.principals) {
        coverage = principalCoverage(statement.principals, statement.notPrincipal, input.principal);
        if (coverage === undefined) continue;
      }
      if (!resourceMatches(statement, input) || failedCondition(statement, input) >= 0) continue;
      if (statement.effect === 'Deny') return { deny: statement };
      if (coverage === 'direct') outcome.allow ??= statement;
      else outcome.delegate ??= statement;
    }
  }
  return outcome;
}

/**
 * The Allow statement that came closest to allowing the request: the one that matched the most elements in
 * checking order, and among those the first. Only denials pay for this.
 */
export function closestAllow(
  policies: readonly CompiledPolicy[],
  input: EvaluationInput,
): { readonly statement: CompiledStatement; readonly mismatch: Mismatch } | undefined {
  let best: { statement: CompiledStatement; mismatch: Mismatch } | undefined;
  let bestScore = -1;
  for (const policy of policies) {
    for (const statement of policy.statements) {
      if (statement.effect !== 'Allow') continue;
      const miss = mismatch(statement, input);
      if (miss === undefined) continue;
      const score =
        { Action: 0, Principal: 1, Resource: 2, Condition: 3 }[miss.element] +
        (miss.element === 'Condition' ? miss.condition : 0);
      if (score > bestScore) {
        best = { statement, mismatch: miss };
        bestScore = score;
      }
    }
  }
  return best;
}
