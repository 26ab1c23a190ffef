// biome-ignore-all lint/suspicious/noTemplateCurlyInString: policy variables are written as policies write them
/**
 * Random policies and requests from a seeded PRNG (set ACCESS_FUZZ_SEED to replay one): compiling never fails
 * with anything but KMS's errors, deciding never throws, an explicit Deny that covers a request always wins
 * (whatever else the key policy, the IAM policies and the grants say), and more statements never turn a
 * decision the wrong way.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AuthorizationRequest,
  authorize,
  type CompiledPolicy,
  type ConditionContext,
  compileIdentityPolicy,
  compileKeyPolicy,
  createPrincipal,
  type Decision,
  type Principal,
} from '../../../src/server/access/index.ts';
import { KMSError } from '../../../src/server/errors.ts';
import { ACCOUNT, KEY_ARN, OTHER_ACCOUNT, type Statement } from './support.ts';

const SEED = Number(process.env.ACCESS_FUZZ_SEED ?? 20_251_201);
const RUNS = 1500;

/** mulberry32: small, fast and good enough to pick test cases. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const chance = (p: number) => next() < p;
  const some = <T>(make: () => T, max: number): T[] => Array.from({ length: 1 + int(max) }, make);
  return { int, pick, chance, some };
}
type Random = ReturnType<typeof prng>;

const ACCOUNTS = [ACCOUNT, OTHER_ACCOUNT];
const ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'kms:PutKeyPolicy',
  'kms:CreateGrant',
  'kms:DescribeKey',
];
const KEYLESS_ACTIONS = ['kms:CreateKey', 'kms:ListKeys', 'kms:GenerateRandom'];
const ACTION_PATTERNS = [
  'kms:*',
  '*',
  'kms:Gen*',
  'kms:?ncrypt',
  'kms:Describe*',
  'KMS:DECRYPT',
  's3:GetObject',
  ...ACTIONS,
];
const RESOURCE_PATTERNS = [
  '*',
  KEY_ARN,
  `arn:aws:kms:*:${ACCOUNT}:key/*`,
  `arn:aws:kms:us-west-2:${OTHER_ACCOUNT}:key/*`,
  'arn:aws:kms:*',
];
const CONDITION_KEYS = [
  'kms:EncryptionContext:stage',
  'kms:EncryptionContextKeys',
  'kms:CallerAccount',
  'aws:SourceIp',
  'aws:CurrentTime',
  'aws:PrincipalTag/team',
  'aws:ResourceTag/Purpose',
  'kms:GrantOperations',
  'test:n',
  'aws:SecureTransport',
];
const OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
];
const VALUES = [
  'test',
  'prod',
  'Te*',
  '?rod',
  '10',
  '3.5',
  'true',
  'false',
  '10.0.0.0/8',
  '2001:db8::/32',
  '2024-06-01T00:00:00Z',
  ACCOUNT,
  'Blue',
  'Encrypt',
  '${aws:PrincipalTag/team}',
  "${aws:username, 'x'}",
  '${*}',
  'arn:aws:iam::*:user/*',
];

function principalNames(r: Random): string {
  const account = r.pick(ACCOUNTS);
  return r.pick([
    account,
    `arn:aws:iam::${account}:root`,
    `arn:aws:iam::${account}:user/u${r.int(3)}`,
    `arn:aws:iam::${account}:role/R${r.int(2)}`,
    `arn:aws:sts::${account}:assumed-role/R${r.int(2)}/s${r.int(2)}`,
  ]);
}

function condition(r: Random): Record<string, unknown> {
  const block: Record<string, Record<string, unknown>> = {};
  for (let i = r.int(3); i > 0; i--) {
    let operator = r.pick(OPERATORS);
    if (operator !== 'Null' && r.chance(0.25))
      operator = `${r.pick(['ForAnyValue:', 'ForAllValues:'])}${operator}`;
    if (operator !== 'Null' && r.chance(0.2)) operator += 'IfExists';
    const values = r.some(() => r.pick(VALUES), 3);
    block[operator] = {
      ...block[operator],
      [r.pick(CONDITION_KEYS)]: values.length === 1 ? values[0] : values,
    };
  }
  return block;
}

function statement(r: Random, kind: 'key' | 'identity', effect?: 'Allow' | 'Deny'): Statement {
  const s: Statement = { Effect: effect ?? r.pick(['Allow', 'Deny']) };
  if (r.chance(0.3)) s.Sid = `S${r.int(1000)}`;
  if (kind === 'key') {
    const principal = r.chance(0.2)
      ? '*'
      : { AWS: r.chance(0.15) ? '*' : r.some(() => principalNames(r), 2) };
    s[r.chance(0.1) ? 'NotPrincipal' : 'Principal'] = principal;
  }
  s[r.chance(0.15) ? 'NotAction' : 'Action'] = r.some(() => r.pick(ACTION_PATTERNS), 2);
  s[r.chance(0.1) ? 'NotResource' : 'Resource'] = r.some(() => r.pick(RESOURCE_PATTERNS), 2);
  if (r.chance(0.5)) s.Condition = condition(r);
  return s;
}

/** A compiled policy, or undefined when the generator made one that KMS or IAM refuses (with KMSError only). */
function compile(
  kind: 'key' | 'identity',
  statements: Statement[],
  version = '2012-10-17',
): CompiledPolicy | undefined {
  const text = JSON.stringify({ Version: version, Statement: statements });
  try {
    return kind === 'key' ? compileKeyPolicy(text) : compileIdentityPolicy(text, 'fuzz');
  } catch (error) {
    assert.ok(error instanceof KMSError, `compiling ${text} threw ${String(error)}`);
    return undefined;
  }
}

function principal(r: Random, identity: CompiledPolicy[]): Principal {
  const account = r.pick(ACCOUNTS);
  const arn = r.pick([
    `arn:aws:iam::${account}:root`,
    `arn:aws:iam::${account}:user/u${r.int(3)}`,
    `arn:aws:sts::${account}:assumed-role/R${r.int(2)}/s${r.int(2)}`,
  ]);
  return createPrincipal({
    arn,
    policies: identity,
    tags: r.chance(0.5) ? { team: r.pick(['Blue', 'Red']) } : {},
  });
}

function context(r: Random): ConditionContext {
  const values: Record<string, string | string[] | boolean | number> = {};
  if (r.chance(0.6)) values['kms:EncryptionContext:stage'] = r.pick(['test', 'prod', 'Blue']);
  if (r.chance(0.6))
    values['kms:EncryptionContextKeys'] = r.some(() => r.pick(['stage', 'app', 'Encrypt']), 2);
  if (r.chance(0.7))
    values['aws:SourceIp'] = r.pick(['10.1.2.3', '203.0.113.9', '2001:db8::1', '::ffff:10.0.0.1']);
  if (r.chance(0.7)) values['aws:CurrentTime'] = r.pick(['2024-06-01T00:00:00Z', '2025-01-01T12:00:00Z']);
  if (r.chance(0.5)) values['aws:ResourceTag/Purpose'] = r.pick(['test', 'prod']);
  if (r.chance(0.3)) values['kms:GrantOperations'] = r.some(() => r.pick(['Encrypt', 'Decrypt']), 2);
  if (r.chance(0.5)) values['test:n'] = r.pick([3, 10, 11, 3.5]);
  if (r.chance(0.5)) values['aws:SecureTransport'] = r.chance(0.5);
  return values;
}

interface Scenario {
  request: AuthorizationRequest;
  keyStatements: Statement[];
  identityStatements: Statement[][];
}

function scenario(r: Random): Scenario | undefined {
  const keyless = r.chance(0.15);
  const identityStatements = Array.from({ length: r.int(3) }, () =>
    r.some(() => statement(r, 'identity'), 3),
  );
  const identity = identityStatements.map((s) => compile('identity', s));
  const keyStatements = r.some(() => statement(r, 'key'), 5);
  const keyPolicy = compile('key', keyStatements);
  if (identity.includes(undefined) || (!keyless && keyPolicy === undefined)) return undefined;
  const action = keyless ? r.pick(KEYLESS_ACTIONS) : r.pick(ACTIONS);
  return {
    keyStatements,
    identityStatements,
    request: {
      principal: principal(r, identity as CompiledPolicy[]),
      action,
      resource: keyless ? '*' : KEY_ARN,
      keyPolicy: keyless ? undefined : keyPolicy,
      grants: r.chance(0.3)
        ? [{ grantId: 'g', operations: r.some(() => r.pick(['Encrypt', 'Decrypt', 'DescribeKey']), 2) }]
        : [],
      context: context(r),
    },
  };
}

function decideSafely(request: AuthorizationRequest): Decision {
  const decision = authorize(request);
  if (!decision.allowed) {
    assert.equal(decision.error.type, 'AccessDeniedException');
    assert.match(
      decision.error.message,
      /^User: arn:aws:(iam|sts)::\d{12}:\S+ is not authorized to perform: /,
    );
    assert.match(decision.explanation, /^[\x20-\x7e]+$/);
  }
  return decision;
}

/** The request with `deny` added to the key policy (at a random place) or to a new identity-based policy. */
function withDeny(
  r: Random,
  s: Scenario,
  deny: Statement,
  where: 'key' | 'identity',
): AuthorizationRequest | undefined {
  const { request } = s;
  if (where === 'key') {
    const statements = [...s.keyStatements];
    statements.splice(r.int(statements.length + 1), 0, deny);
    const keyPolicy = compile('key', statements);
    return keyPolicy && { ...request, keyPolicy };
  }
  const policy = compile('identity', [deny]);
  if (!policy) return undefined;
  const policies = [...request.principal.policies];
  policies.splice(r.int(policies.length + 1), 0, policy);
  return {
    ...request,
    principal: createPrincipal({ arn: request.principal.arn, policies, tags: tagsOf(request.principal) }),
  };
}

/**
 * Whether a Deny statement, with nothing else around it, covers the request: in a key policy of its own, or
 * as the caller's only identity-based policy with the key policy left out. Undefined when it doesn't compile.
 */
function coversAlone(
  request: AuthorizationRequest,
  deny: Statement,
  where: 'key' | 'identity',
): boolean | undefined {
  const policy = compile(where, [deny]);
  if (!policy) return undefined;
  const arn = request.principal.arn;
  const tags = tagsOf(request.principal);
  const decision = decideSafely(
    where === 'key'
      ? { ...request, principal: createPrincipal({ arn, tags }), keyPolicy: policy, grants: [] }
      : {
          ...request,
          principal: createPrincipal({ arn, tags, policies: [policy] }),
          keyPolicy: undefined,
          grants: [],
        },
  );
  return !decision.allowed && decision.explicit;
}

function tagsOf(p: Principal): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [key, value] of p.contextValues)
    if (key.startsWith('aws:principaltag/')) tags[key.slice(17)] = value;
  return tags;
}

describe(`random policies and requests (seed ${SEED})`, () => {
  test("random documents compile or fail with KMS's errors, never anything else", () => {
    const r = prng(SEED);
    const shapes = [
      null,
      1,
      'x',
      [],
      {},
      true,
      { AWS: 1 },
      [{}],
      { StringEquals: 1 },
      { a: { b: { c: 1 } } },
    ];
    for (let i = 0; i < RUNS; i++) {
      const s = statement(r, r.chance(0.5) ? 'key' : 'identity');
      // Replace one element with a value of a random shape.
      const element = r.pick([
        'Effect',
        'Principal',
        'Action',
        'Resource',
        'Condition',
        'Sid',
        'NotAction',
        'Bogus',
      ]);
      if (r.chance(0.7)) s[element] = r.pick(shapes);
      compile(r.chance(0.5) ? 'key' : 'identity', [s], r.pick(['2012-10-17', '2008-10-17', 'x']));
    }
  });

  test('an explicit Deny that covers a request wins, wherever it is and whatever else applies', () => {
    const r = prng(SEED + 1);
    let covered = 0;
    for (let i = 0; i < RUNS; i++) {
      const s = scenario(r);
      if (!s) continue;
      decideSafely(s.request);
      const where = s.request.keyPolicy && r.chance(0.5) ? 'key' : 'identity';
      const deny = statement(r, where, 'Deny');
      const alone = coversAlone(s.request, deny, where);
      if (alone === undefined) continue;
      const full = withDeny(r, s, deny, where);
      if (!full) continue;
      const decision = decideSafely(full);
      if (alone) {
        covered++;
        assert.equal(decision.allowed, false, `allowed despite ${JSON.stringify(deny)}`);
        assert.equal(decision.allowed === false && decision.explicit, true);
      }
    }
    assert.ok(covered > RUNS / 20, `only ${covered} random Deny statements covered their request`);
  });

  test('a Deny of everything for everyone always wins', () => {
    const r = prng(SEED + 2);
    const denyAll: Statement = { Effect: 'Deny', Principal: '*', Action: '*', Resource: '*' };
    const denyAllIam: Statement = { Effect: 'Deny', Action: 'kms:*', Resource: '*' };
    for (let i = 0; i < RUNS; i++) {
      const s = scenario(r);
      if (!s) continue;
      const where = s.request.keyPolicy && r.chance(0.5) ? 'key' : 'identity';
      // The root user has no identity-based policies to deny it anything.
      if (where === 'identity' && s.request.principal.type === 'Account') continue;
      const request = withDeny(r, s, where === 'key' ? denyAll : denyAllIam, where);
      if (!request) continue;
      const decision = decideSafely(request);
      assert.equal(decision.allowed, false);
      assert.equal(decision.allowed === false && decision.explicit, true);
      // The key policy is read first: its Deny is the one AWS's message names.
      if (where === 'key') assert.equal(decision.allowed === false && decision.policyType, 'resource-based');
    }
  });

  test('adding an Allow never denies what was allowed; adding a Deny never allows what was denied', () => {
    const r = prng(SEED + 3);
    for (let i = 0; i < RUNS; i++) {
      const s = scenario(r);
      if (!s?.request.keyPolicy) continue;
      const before = decideSafely(s.request).allowed;
      const effect = r.pick(['Allow', 'Deny'] as const);
      const statements = [...s.keyStatements];
      statements.splice(r.int(statements.length + 1), 0, statement(r, 'key', effect));
      const keyPolicy = compile('key', statements);
      if (!keyPolicy) continue;
      const after = decideSafely({ ...s.request, keyPolicy }).allowed;
      if (effect === 'Allow' && before) assert.equal(after, true);
      if (effect === 'Deny' && !before) assert.equal(after, false);
    }
  });
});
