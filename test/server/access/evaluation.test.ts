/**
 * KMS's evaluation: explicit Deny anywhere wins; the key policy is the primary control and delegates to IAM
 * only through the account; grants allow their operations; other accounts need both sides; operations without
 * a key are IAM's alone; the root user has no implicit access to a key. AWS's AccessDeniedException wording,
 * the lockout safety check, and what a denial explains.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkLockoutSafety, type Decision } from '../../../src/server/access/index.ts';
import {
  ACCOUNT,
  decide,
  identityPolicy,
  KEY_ARN,
  keyPolicy,
  OTHER_ACCOUNT,
  root,
  rootStatement,
  type Statement,
  session,
  user,
} from './support.ts';

const allowEverything = identityPolicy('AllowEverything', {
  Effect: 'Allow',
  Action: 'kms:*',
  Resource: '*',
});
const denyDecrypt = identityPolicy('DenyDecrypt', {
  Sid: 'NoDecrypt',
  Effect: 'Deny',
  Action: 'kms:Decrypt',
  Resource: '*',
});
const aliceArn = `arn:aws:iam::${ACCOUNT}:user/alice`;
const namesAlice: Statement = {
  Sid: 'Alice',
  Effect: 'Allow',
  Principal: { AWS: aliceArn },
  Action: 'kms:*',
  Resource: '*',
};

function denied(decision: Decision) {
  assert.equal(decision.allowed, false, 'expected a denial');
  return decision as Extract<Decision, { allowed: false }>;
}

describe('an explicit Deny anywhere wins', () => {
  const freeze: Statement = {
    Sid: 'Freeze',
    Effect: 'Deny',
    Principal: '*',
    Action: 'kms:Decrypt',
    Resource: '*',
  };
  const cases = [
    {
      name: 'a Deny in the key policy over a key policy Allow naming the caller',
      request: { principal: user('alice'), keyPolicy: keyPolicy(namesAlice, freeze) },
      statement: { kind: 'key', policy: 'key policy', sid: 'Freeze', index: 1 },
      message: 'with an explicit deny in a resource-based policy',
      explanation: 'Denied by statement "Freeze" of the key policy, which has Effect Deny.',
    },
    {
      name: 'a Deny in an identity-based policy over the key policy naming the caller',
      request: {
        principal: user('alice', { policies: [allowEverything, denyDecrypt] }),
        keyPolicy: keyPolicy(namesAlice),
      },
      statement: { kind: 'identity', policy: 'DenyDecrypt', sid: 'NoDecrypt', index: 0 },
      message: 'with an explicit deny in an identity-based policy',
      explanation:
        'Denied by statement "NoDecrypt" of identity-based policy "DenyDecrypt", which has Effect Deny.',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const decision = denied(decide({ ...c.request, action: 'kms:Decrypt' }));
      assert.equal(decision.explicit, true);
      assert.equal(decision.policyType, c.statement.kind === 'key' ? 'resource-based' : 'identity-based');
      assert.deepEqual(decision.statement, c.statement);
      assert.equal(
        decision.error.message,
        `User: ${aliceArn} is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} ${c.message}`,
      );
      assert.equal(decision.explanation, c.explanation);
    });
  }

  test('a Deny over a grant', () => {
    const decision = denied(
      decide({
        principal: user('alice', { policies: [denyDecrypt] }),
        action: 'kms:Decrypt',
        keyPolicy: keyPolicy(rootStatement()),
        grants: [{ grantId: 'g-1', operations: ['Decrypt'] }],
      }),
    );
    assert.equal(decision.explicit, true);
  });

  test('a Deny naming the account binds every principal of the account, the root user too', () => {
    const policy = keyPolicy(namesAlice, rootStatement(), {
      Effect: 'Deny',
      Principal: { AWS: ACCOUNT },
      Action: 'kms:Decrypt',
      Resource: '*',
    });
    assert.equal(
      decide({ principal: user('alice'), action: 'kms:Decrypt', keyPolicy: policy }).allowed,
      false,
    );
    assert.equal(decide({ principal: root(), action: 'kms:Decrypt', keyPolicy: policy }).allowed, false);
    assert.equal(
      decide({ principal: user('alice'), action: 'kms:Encrypt', keyPolicy: policy }).allowed,
      true,
    );
  });

  test('a Deny of an operation without a key, in IAM', () => {
    const decision = denied(
      decide({
        principal: session('Builder', 'ci', {
          policies: [
            allowEverything,
            identityPolicy('NoKeys', { Effect: 'Deny', Action: 'kms:CreateKey', Resource: '*' }),
          ],
        }),
        action: 'kms:CreateKey',
        resource: '*',
      }),
    );
    assert.equal(
      decision.error.message,
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/Builder/ci is not authorized to perform: kms:CreateKey on resource: * with an explicit deny in an identity-based policy`,
    );
  });
});

describe('the key policy is the primary control', () => {
  test('a statement naming the caller allows without any IAM policy', () => {
    const decision = decide({
      principal: user('alice'),
      action: 'kms:Decrypt',
      keyPolicy: keyPolicy(namesAlice),
    });
    assert.deepEqual(decision, {
      allowed: true,
      statements: [{ kind: 'key', policy: 'key policy', sid: 'Alice', index: 0 }],
    });
  });

  test('without a statement for the account, IAM policies are ineffective, "kms:*" on "*" included', () => {
    const policy = keyPolicy({ ...namesAlice, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` } });
    const decision = denied(
      decide({
        principal: user('alice', { policies: [allowEverything] }),
        action: 'kms:Decrypt',
        keyPolicy: policy,
      }),
    );
    assert.equal(
      decision.error.message,
      `User: ${aliceArn} is not authorized to perform: kms:Decrypt on resource: ${KEY_ARN} because no resource-based policy allows the kms:Decrypt action`,
    );
    assert.equal(
      decision.explanation,
      `No statement of the key policy allows ${aliceArn} to perform kms:Decrypt. The closest is statement "Alice" of the key policy: its Principal does not include ${aliceArn}.`,
    );
  });

  test('with the account statement, an identity-based policy allows: both statements are named', () => {
    const decision = decide({
      principal: user('alice', { policies: [allowEverything] }),
      action: 'kms:Decrypt',
      keyPolicy: keyPolicy(rootStatement()),
    });
    assert.deepEqual(decision, {
      allowed: true,
      statements: [
        { kind: 'key', policy: 'key policy', sid: 'Enable IAM policies', index: 0 },
        { kind: 'identity', policy: 'AllowEverything', sid: undefined, index: 0 },
      ],
    });
  });

  test('delegation covers only the actions and conditions of the account statement', () => {
    const policy = keyPolicy({
      ...rootStatement(),
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'blue' } },
    });
    const alice = user('alice', { policies: [allowEverything] });
    assert.equal(
      decide({
        principal: alice,
        action: 'kms:Decrypt',
        keyPolicy: policy,
        context: { 'kms:EncryptionContext:tenant': 'blue' },
      }).allowed,
      true,
    );
    assert.equal(
      decide({
        principal: alice,
        action: 'kms:Decrypt',
        keyPolicy: policy,
        context: { 'kms:EncryptionContext:tenant': 'red' },
      }).allowed,
      false,
    );
    assert.equal(
      denied(decide({ principal: alice, action: 'kms:DisableKey', keyPolicy: policy })).policyType,
      'resource-based',
    );
  });

  test('the root user has no access the key policy does not give its account', () => {
    const decision = denied(
      decide({ principal: root(), action: 'kms:PutKeyPolicy', keyPolicy: keyPolicy(namesAlice) }),
    );
    assert.equal(
      decision.error.message,
      `User: arn:aws:iam::${ACCOUNT}:root is not authorized to perform: kms:PutKeyPolicy on resource: ${KEY_ARN} because no resource-based policy allows the kms:PutKeyPolicy action`,
    );
  });

  test('the root user needs no IAM policy where the key policy names its account', () => {
    assert.equal(
      decide({ principal: root(), action: 'kms:Decrypt', keyPolicy: keyPolicy(rootStatement()) }).allowed,
      true,
    );
  });
});

describe('grants', () => {
  const grants = [
    { grantId: 'g-encrypt', operations: ['Encrypt'] },
    { grantId: 'g-decrypt', operations: ['Decrypt', 'ReEncryptFrom'] },
  ];
  test('a grant allows its operations with no policy allowing the caller, and says which grant', () => {
    const decision = decide({
      principal: session('Worker', 'w'),
      action: 'kms:Decrypt',
      keyPolicy: keyPolicy(rootStatement()),
      grants,
    });
    assert.deepEqual(decision, { allowed: true, statements: [], grantId: 'g-decrypt' });
  });
  test('and nothing else', () => {
    const decision = denied(
      decide({
        principal: session('Worker', 'w'),
        action: 'kms:DescribeKey',
        keyPolicy: keyPolicy(rootStatement()),
        grants,
      }),
    );
    assert.equal(decision.policyType, 'identity-based');
  });
  test('a grant for a principal of another account needs no IAM policy there', () => {
    const decision = decide({
      principal: user('partner', { account: OTHER_ACCOUNT }),
      action: 'kms:Encrypt',
      keyPolicy: keyPolicy(rootStatement()),
      grants,
    });
    assert.equal(decision.allowed, true);
  });
});

describe('other accounts need the key policy and their own IAM policies', () => {
  const external = (principal: string): Statement => ({
    Sid: 'External',
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: 'kms:*',
    Resource: '*',
  });
  const partner = (policies = [allowEverything]) => user('partner', { account: OTHER_ACCOUNT, policies });
  const partnerArn = `arn:aws:iam::${OTHER_ACCOUNT}:user/partner`;
  test('named directly, with an IAM policy', () => {
    const decision = decide({
      principal: partner(),
      action: 'kms:Encrypt',
      keyPolicy: keyPolicy(external(partnerArn)),
    });
    assert.deepEqual(decision, {
      allowed: true,
      statements: [
        { kind: 'key', policy: 'key policy', sid: 'External', index: 0 },
        { kind: 'identity', policy: 'AllowEverything', sid: undefined, index: 0 },
      ],
    });
  });
  test('named directly, without an IAM policy: "no identity-based policy allows"', () => {
    const decision = denied(
      decide({ principal: partner([]), action: 'kms:Encrypt', keyPolicy: keyPolicy(external(partnerArn)) }),
    );
    assert.equal(decision.policyType, 'identity-based');
    assert.equal(
      decision.explanation,
      `The key policy allows kms:Encrypt (statement "External"), but the key is in another account, so the caller's IAM policies must allow it too, and the caller ${partnerArn} has no identity-based policy.`,
    );
  });
  test('its account named, IAM allowing another key only', () => {
    const otherKey = identityPolicy('OtherKey', {
      Effect: 'Allow',
      Action: 'kms:Encrypt',
      Resource: `arn:aws:kms:us-west-2:${ACCOUNT}:key/other`,
    });
    const decision = denied(
      decide({
        principal: partner([otherKey]),
        action: 'kms:Encrypt',
        keyPolicy: keyPolicy(external(OTHER_ACCOUNT)),
      }),
    );
    assert.equal(
      decision.explanation,
      `The key policy lets account ${OTHER_ACCOUNT} delegate kms:Encrypt with IAM policies (statement "External"), but no identity-based policy of ${partnerArn} allows kms:Encrypt on ${KEY_ARN}. The closest is statement 1 of identity-based policy "OtherKey": its Resource does not include ${KEY_ARN}.`,
    );
  });
  test('Principal "*" still needs the other account\'s IAM policy', () => {
    const policy = keyPolicy({ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' });
    assert.equal(decide({ principal: partner([]), action: 'kms:Decrypt', keyPolicy: policy }).allowed, false);
    assert.equal(decide({ principal: partner(), action: 'kms:Decrypt', keyPolicy: policy }).allowed, true);
    assert.equal(
      decide({ principal: user('local'), action: 'kms:Decrypt', keyPolicy: policy }).allowed,
      true,
    );
  });
});

describe('the lockout safety check', () => {
  const check =
    (principal: Parameters<typeof checkLockoutSafety>[0]['principal'], ...statements: Statement[]) =>
    () =>
      checkLockoutSafety({ principal, keyArn: KEY_ARN, keyPolicy: keyPolicy(...statements) });
  const lockout = {
    name: 'KMSError',
    type: 'MalformedPolicyDocumentException',
    message: 'The new key policy will not allow you to update the key policy in the future.',
  };

  test('the default key policy keeps the root user in control', () => {
    check(root(), rootStatement())();
  });
  test('a user may put it when its IAM policy allows PutKeyPolicy', () => {
    check(user('admin', { policies: [allowEverything] }), rootStatement())();
  });
  test("but not when only the key policy delegates and IAM doesn't allow it (the usual CloudFormation surprise)", () => {
    assert.throws(check(user('deployer'), rootStatement()), lockout);
  });
  test('a policy naming the caller for kms:PutKeyPolicy passes without IAM', () => {
    check(user('alice'), namesAlice)();
  });
  test('a policy that leaves out the caller fails, even for the root user', () => {
    assert.throws(
      check(root(), { ...namesAlice, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` } }),
      lockout,
    );
  });
  test('a policy that denies the caller PutKeyPolicy fails', () => {
    assert.throws(
      check(root(), rootStatement(), { Effect: 'Deny', Principal: '*', Action: 'kms:Put*', Resource: '*' }),
      lockout,
    );
  });
});

describe('what a denial explains', () => {
  test('the condition that failed, its values, and what the request had', () => {
    const policy = keyPolicy({
      Sid: 'UseWithContext',
      Effect: 'Allow',
      Principal: { AWS: aliceArn },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:CallerAccount': ACCOUNT, 'kms:EncryptionContext:stage': ['test', 'dev'] },
      },
    });
    const decision = denied(
      decide({
        principal: user('alice'),
        action: 'kms:Decrypt',
        keyPolicy: policy,
        context: { 'kms:EncryptionContext:stage': 'prod' },
      }),
    );
    assert.equal(
      decision.explanation,
      `No statement of the key policy allows ${aliceArn} to perform kms:Decrypt. The closest is statement "UseWithContext" of the key policy: condition StringEquals {"kms:EncryptionContext:stage": ["test","dev"]} is not met: the request has "prod".`,
    );
    assert.deepEqual(decision.statement, {
      kind: 'key',
      policy: 'key policy',
      sid: 'UseWithContext',
      index: 0,
    });
  });

  test('the closest statement is the one that got furthest', () => {
    const policy = keyPolicy(
      {
        Sid: 'WrongAction',
        Effect: 'Allow',
        Principal: { AWS: aliceArn },
        Action: 'kms:Encrypt',
        Resource: '*',
      },
      {
        Sid: 'WrongPrincipal',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` },
        Action: 'kms:Decrypt',
        Resource: '*',
      },
      {
        Sid: 'NotAction',
        Effect: 'Allow',
        Principal: { AWS: aliceArn },
        NotAction: 'kms:Decrypt',
        Resource: '*',
      },
    );
    const decision = denied(decide({ principal: user('alice'), action: 'kms:Decrypt', keyPolicy: policy }));
    assert.match(
      decision.explanation,
      /The closest is statement "WrongPrincipal" of the key policy: its Principal does not include/,
    );
  });

  test('values that are not ASCII are escaped, so that the explanation fits an HTTP header', () => {
    const policy = keyPolicy({
      ...namesAlice,
      Condition: { StringEquals: { 'kms:EncryptionContext:city': 'Zürich' } },
    });
    const decision = denied(
      decide({
        principal: user('alice'),
        action: 'kms:Decrypt',
        keyPolicy: policy,
        context: { 'kms:EncryptionContext:city': 'Genève\n' },
      }),
    );
    assert.match(decision.explanation, /^[\x20-\x7e]+$/);
    assert.ok(decision.explanation.includes('"Z\\u00fcrich"'), decision.explanation);
    assert.ok(decision.explanation.includes('"Gen\\u00e8ve\\n"'), decision.explanation);
  });

  test('a caller without identity-based policies is told so', () => {
    const decision = denied(
      decide({ principal: session('Empty', 's'), action: 'kms:ListKeys', resource: '*' }),
    );
    assert.equal(
      decision.explanation,
      `The caller arn:aws:sts::${ACCOUNT}:assumed-role/Empty/s has no identity-based policy.`,
    );
  });
});
