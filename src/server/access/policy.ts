import { Errors } from '../messages.ts';
import { type CompiledCondition, compileConditions } from './conditions.ts';
import { awsPrincipalName } from './names.ts';
import { compileArnTest, compileStringTest, type StringTest } from './patterns.ts';

/**
 * A policy document compiled once (when it is put or loaded), so that evaluating a request never parses: key
 * policies with KMS's rules, identity-based policies with IAM's.
 */
export interface CompiledPolicy {
  readonly kind: 'key' | 'identity';
  /** How explanations name it: `key policy`, or the identity-based policy's name. */
  readonly name: string;
  readonly statements: readonly CompiledStatement[];
}

/** A statement as decisions and explanations name it. */
export interface StatementRef {
  readonly kind: CompiledPolicy['kind'];
  /** `key policy`, or the identity-based policy's name. */
  readonly policy: string;
  readonly sid: string | undefined;
  /** Position in the Statement list, from 0. */
  readonly index: number;
}

export interface CompiledStatement {
  readonly ref: StatementRef;
  /** Position in the Statement list, from 0. */
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  /** Key policies only: Principal or NotPrincipal. */
  readonly principals: PrincipalSet | undefined;
  readonly notPrincipal: boolean;
  /** Undefined when a key policy statement has no Action: KMS accepts it, and it never applies. */
  readonly actions: ActionSet | undefined;
  readonly notAction: boolean;
  /** Undefined when a key policy statement has no Resource: it never applies either. */
  readonly resources: readonly StringTest[] | undefined;
  readonly notResource: boolean;
  readonly conditions: readonly CompiledCondition[];
}

/** Action names matched case-insensitively: exact names in a set, wildcard patterns one by one. */
export interface ActionSet {
  readonly everything: boolean;
  readonly exact: ReadonlySet<string>;
  readonly patterns: readonly StringTest[];
}

/**
 * The principals a key policy statement names. AWS principals are kept by the names a caller can match
 * (`account:<id>`, user, role and session ARNs); service and federated principals are valid, but no local
 * caller is one.
 */
export interface PrincipalSet {
  /** `"*"` or `{"AWS": "*"}`. */
  readonly everyone: boolean;
  readonly names: ReadonlySet<string>;
}

export interface KeyPolicyOptions {
  /**
   * Whether a user, role or session the policy names exists: KMS refuses a key policy that names one that
   * doesn't. Account roots and IDs always exist. Unset, every well-formed principal is accepted (for
   * evaluating a policy that was checked when it was put).
   */
  principalExists?: (arn: string) => boolean;
}

/** KMS's quota for a key policy document. */
export const KEY_POLICY_MAX_LENGTH = 32768;

const TOP_ELEMENTS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const VENDOR = /^[a-zA-Z0-9.-]+$/;

/** How messages and explanations name a statement. */
export function statementName(statement: { sid: string | undefined; index: number }): string {
  return statement.sid ? `statement "${statement.sid}"` : `statement ${statement.index + 1}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseDocument(text: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw Errors.policyNotJson();
  }
  if (!isObject(document)) throw Errors.policyNotJson();
  for (const element of Object.keys(document)) {
    if (!TOP_ELEMENTS.has(element)) throw Errors.policyUnknownElement(element, 'the policy');
  }
  if (document.Id !== undefined && typeof document.Id !== 'string') {
    throw Errors.policyElementType('Id', 'the policy', 'a string');
  }
  return document;
}

function statementsOf(document: Record<string, unknown>): Record<string, unknown>[] {
  const element = document.Statement;
  const list = Array.isArray(element) ? element : element === undefined ? [] : [element];
  if (list.length === 0) throw Errors.policyNoStatement();
  if (!list.every(isObject)) {
    throw Errors.policyElementType('Statement', 'the policy', 'an object or a list of objects');
  }
  return list;
}

/** A string or a list of strings; undefined when the element is absent. */
function stringList(
  statement: Record<string, unknown>,
  element: string,
  where: string,
): string[] | undefined {
  const value = statement[element];
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item) => typeof item === 'string')) {
    throw Errors.policyElementType(element, where, 'a string or a list of strings');
  }
  return list as string[];
}

/** Exactly one of an element and its Not form, or neither. */
function oneOf(
  statement: Record<string, unknown>,
  element: string,
  where: string,
): { values: string[] | undefined; negated: boolean } {
  const negatedElement = `Not${element}`;
  if (statement[element] !== undefined && statement[negatedElement] !== undefined) {
    throw Errors.policyBothElements(where, element, negatedElement);
  }
  const negated = statement[negatedElement] !== undefined;
  return { values: stringList(statement, negated ? negatedElement : element, where), negated };
}

function compileActions(actions: readonly string[]): ActionSet {
  const exact = new Set<string>();
  const patterns: StringTest[] = [];
  let everything = false;
  for (const action of actions) {
    if (action !== '*') {
      const parts = action.split(':');
      if (parts.length === 1) throw Errors.policyActionVendor();
      if (parts.length > 2) throw Errors.policyActionColons();
      const vendor = parts[0] as string;
      if (vendor !== '*' && !VENDOR.test(vendor)) throw Errors.policyActionVendorInvalid(vendor);
    }
    if (action === '*') everything = true;
    else if (action.includes('*') || action.includes('?')) {
      // Matched against the lower-cased action name.
      patterns.push(
        compileStringTest(action.toLowerCase(), { wildcards: true, ignoreCase: false, variables: false }),
      );
    } else exact.add(action.toLowerCase());
  }
  return { everything, exact, patterns };
}

function compileResources(resources: readonly string[], variables: boolean): StringTest[] {
  return resources.map((resource) => {
    if (resource !== '*' && !resource.startsWith('arn:')) throw Errors.policyResourceFormat(resource);
    return compileArnTest(resource, variables);
  });
}

function compilePrincipals(element: unknown, options: KeyPolicyOptions): PrincipalSet {
  if (element === '*') return { everyone: true, names: new Set() };
  if (!isObject(element)) throw Errors.policyInvalidPrincipals();
  const names = new Set<string>();
  let everyone = false;
  let count = 0;
  for (const [type, value] of Object.entries(element)) {
    for (const entry of Array.isArray(value) ? value : [value]) {
      if (typeof entry !== 'string' || entry === '') throw Errors.policyInvalidPrincipals();
      count++;
      if (type === 'AWS') {
        if (entry === '*') {
          everyone = true;
          continue;
        }
        const name = awsPrincipalName(entry);
        if (name === undefined) throw Errors.policyInvalidPrincipals();
        if (name === entry && options.principalExists && !options.principalExists(entry)) {
          throw Errors.policyInvalidPrincipals();
        }
        names.add(name);
      } else if (type === 'Service' && /^[a-z0-9.-]+$/.test(entry)) {
        names.add(`service:${entry}`);
      } else if (type === 'Federated' && !entry.includes('*')) {
        names.add(`federated:${entry}`);
      } else {
        throw Errors.policyInvalidPrincipals();
      }
    }
  }
  if (count === 0) throw Errors.policyNoPrincipal();
  return { everyone, names };
}

function compileStatement(
  statement: Record<string, unknown>,
  index: number,
  policy: { kind: CompiledPolicy['kind']; name: string },
  variables: boolean,
  options: KeyPolicyOptions,
): CompiledStatement {
  const kind = policy.kind;
  const sid = statement.Sid;
  if (sid !== undefined && typeof sid !== 'string') {
    throw Errors.policyElementType('Sid', statementName({ sid: undefined, index }), 'a string');
  }
  const where = statementName({ sid, index });
  for (const element of Object.keys(statement)) {
    if (!STATEMENT_ELEMENTS.has(element)) {
      throw Errors.policyUnknownElement(element, where);
    }
  }
  const effect = statement.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') throw Errors.policyEffect(where, effect);

  let principals: PrincipalSet | undefined;
  const notPrincipal = statement.NotPrincipal !== undefined;
  if (kind === 'identity') {
    if (statement.Principal !== undefined || notPrincipal) throw Errors.policyPrincipalInIdentityPolicy();
  } else {
    if (statement.Principal !== undefined && notPrincipal) {
      throw Errors.policyBothElements(where, 'Principal', 'NotPrincipal');
    }
    if (statement.Principal === undefined && !notPrincipal) throw Errors.policyNoPrincipal();
    principals = compilePrincipals(notPrincipal ? statement.NotPrincipal : statement.Principal, options);
  }

  const actions = oneOf(statement, 'Action', where);
  const resources = oneOf(statement, 'Resource', where);
  if (kind === 'identity') {
    if (!actions.values?.length) throw Errors.policyNoActions();
    if (!resources.values?.length) throw Errors.policyNoResources();
  }
  return {
    ref: { kind, policy: policy.name, sid, index },
    index,
    sid,
    effect,
    principals,
    notPrincipal,
    actions: actions.values && compileActions(actions.values),
    notAction: actions.negated,
    resources: resources.values && compileResources(resources.values, variables),
    notResource: resources.negated,
    conditions:
      statement.Condition === undefined
        ? []
        : compileConditions(statement.Condition, where, { variables, keyPolicy: kind === 'key' }),
  };
}

/**
 * Compiles a key policy as KMS checks one: the size quota (LimitExceededException), then the document
 * (MalformedPolicyDocumentException): every statement needs a principal that exists; one without Action or
 * Resource is accepted and never applies.
 */
export function compileKeyPolicy(text: string, options: KeyPolicyOptions = {}): CompiledPolicy {
  if (text.length > KEY_POLICY_MAX_LENGTH) throw Errors.policyTooLarge(text.length);
  const document = parseDocument(text);
  const version = document.Version;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw Errors.policyVersion(version);
  }
  const variables = version === '2012-10-17';
  const policy = { kind: 'key', name: 'key policy' } as const;
  return {
    ...policy,
    statements: statementsOf(document).map((s, i) => compileStatement(s, i, policy, variables, options)),
  };
}

/**
 * Compiles an identity-based policy (attached to a user or role) as IAM checks one: Version 2012-10-17, no
 * principal, Action and Resource in every statement, unique Sids. Throws MalformedPolicyDocumentException.
 */
export function compileIdentityPolicy(text: string, name: string): CompiledPolicy {
  const document = parseDocument(text);
  const version = document.Version;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw Errors.policyVersion(version);
  }
  if (version !== '2012-10-17') throw Errors.policyVersionTooOld();
  const policy = { kind: 'identity', name } as const;
  const statements = statementsOf(document).map((s, i) => compileStatement(s, i, policy, true, {}));
  const sids = statements.map((s) => s.sid).filter((sid) => sid);
  if (new Set(sids).size !== sids.length) throw Errors.policyDuplicateSid();
  return { ...policy, statements };
}
