// biome-ignore-all lint/suspicious/noTemplateCurlyInString: policy variables are written as policies write them
/**
 * Every condition operator IAM documents, with its `...IfExists` form and the `ForAnyValue:` and
 * `ForAllValues:` set operators, on present, absent, single and multivalued keys; policy variables; the
 * case rules of key names and values.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  authorize,
  type ConditionContext,
  type ContextValue,
  compileKeyPolicy,
  type Principal,
} from '../../../src/server/access/index.ts';
import { KEY_ARN, user } from './support.ts';

/** Whether an Allow statement with this Condition applies to a request with this context. */
function holds(
  condition: Record<string, unknown>,
  context: ConditionContext | undefined,
  options: { principal?: Principal; version?: string } = {},
): boolean {
  const policy = compileKeyPolicy(
    JSON.stringify({
      ...(options.version === 'none' ? {} : { Version: options.version ?? '2012-10-17' }),
      Statement: {
        Effect: 'Allow',
        Principal: '*',
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: condition,
      },
    }),
  );
  return authorize({
    principal: options.principal ?? user('alice'),
    action: 'kms:Decrypt',
    resource: KEY_ARN,
    keyPolicy: policy,
    context,
  }).allowed;
}

/** [operator, policy value(s), request value (undefined: the key is absent), expected] on the key `test:key`. */
type Row = [string, unknown, ContextValue | undefined, boolean];

function rows(title: string, table: Row[]): void {
  describe(title, () => {
    for (const [operator, policyValue, requestValue, expected] of table) {
      const request = requestValue === undefined ? 'absent' : JSON.stringify(requestValue);
      test(`${operator} ${JSON.stringify(policyValue)} on ${request} is ${expected}`, () => {
        const context = requestValue === undefined ? {} : { 'test:key': requestValue };
        assert.equal(holds({ [operator]: { 'test:key': policyValue } }, context), expected);
      });
    }
  });
}

rows('string operators', [
  ['StringEquals', 'abc', 'abc', true],
  ['StringEquals', 'abc', 'ABC', false],
  ['StringEquals', 'a*c', 'abc', false],
  ['StringEquals', 'abc', undefined, false],
  ['StringEquals', ['x', 'abc'], 'abc', true],
  ['StringNotEquals', 'abc', 'abd', true],
  ['StringNotEquals', 'abc', 'abc', false],
  ['StringNotEquals', ['x', 'abc'], 'abc', false],
  ['StringNotEquals', ['x', 'abc'], 'y', true],
  ['StringNotEquals', 'abc', undefined, true],
  ['StringEqualsIgnoreCase', 'abc', 'AbC', true],
  ['StringEqualsIgnoreCase', 'abc', 'abd', false],
  ['StringNotEqualsIgnoreCase', 'abc', 'ABC', false],
  ['StringNotEqualsIgnoreCase', 'abc', 'abd', true],
  ['StringNotEqualsIgnoreCase', 'abc', undefined, true],
  ['StringLike', 'a*c', 'abbbc', true],
  ['StringLike', 'a*c', 'ac', true],
  ['StringLike', 'a?c', 'abc', true],
  ['StringLike', 'a?c', 'abbc', false],
  ['StringLike', 'A*', 'abc', false],
  ['StringLike', '*', '', true],
  ['StringLike', 'a.c', 'abc', false],
  ['StringLike', 'alias/*test*', 'alias/my-test-key', true],
  ['StringLike', 'a*', undefined, false],
  ['StringNotLike', 'a*', 'bcd', true],
  ['StringNotLike', 'a*', 'abc', false],
  ['StringNotLike', 'a*', undefined, true],
]);

rows('numeric operators', [
  ['NumericEquals', '10', '10', true],
  ['NumericEquals', '10', '10.0', true],
  ['NumericEquals', 10, '10', true],
  ['NumericEquals', '10', 'ten', false],
  ['NumericEquals', '10', undefined, false],
  ['NumericNotEquals', '10', '11', true],
  ['NumericNotEquals', '10', '10', false],
  ['NumericNotEquals', '10', undefined, true],
  ['NumericLessThan', '10', '9', true],
  ['NumericLessThan', '10', '10', false],
  ['NumericLessThanEquals', '10', '10', true],
  ['NumericLessThanEquals', '10', '10.5', false],
  ['NumericGreaterThan', '10', '10.5', true],
  ['NumericGreaterThan', '10', '10', false],
  ['NumericGreaterThanEquals', '10', '10', true],
  ['NumericGreaterThanEquals', '10', '-1', false],
  ['NumericLessThanEquals', 1546257599.0, 1546257599, true],
  ['NumericLessThanEquals', '1546257599.0', '1546257600', false],
]);

rows('date operators (ISO 8601 or epoch seconds, UTC unless the date says otherwise)', [
  ['DateEquals', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', true],
  ['DateEquals', '2020-01-01T00:00:00Z', '1577836800', true],
  ['DateEquals', '1577836800', '2020-01-01T00:00:00Z', true],
  ['DateEquals', '2020-01-01T01:00:00+01:00', '2020-01-01T00:00:00Z', true],
  ['DateEquals', '2020-01-01', '2020-01-01T00:00:00Z', true],
  ['DateEquals', '2020-01-01T00:00:00', '2020-01-01T00:00:00Z', true],
  ['DateEquals', '2020-01-01T00:00:00Z', 'yesterday', false],
  ['DateEquals', '2020-01-01T00:00:00Z', '2019-13-01T00:00:00Z', false],
  ['DateNotEquals', '2020-01-01T00:00:00Z', '2020-01-02T00:00:00Z', true],
  ['DateNotEquals', '2020-01-01T00:00:00Z', undefined, true],
  ['DateLessThan', '2020-01-01T00:00:00Z', '2019-12-31T23:59:59Z', true],
  ['DateLessThan', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', false],
  ['DateLessThanEquals', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', true],
  ['DateGreaterThan', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00.001Z', true],
  ['DateGreaterThan', '2020-01-01T00:00:00Z', '2019-06-01T00:00:00Z', false],
  ['DateGreaterThanEquals', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', true],
  ['DateGreaterThanEquals', '2020-01-01T00:00:00Z', undefined, false],
]);

rows('Bool, BinaryEquals and Null', [
  ['Bool', true, true, true],
  ['Bool', 'true', 'true', true],
  ['Bool', 'True', 'true', true],
  ['Bool', false, true, false],
  ['Bool', 'false', false, true],
  ['Bool', 'true', undefined, false],
  ['BinaryEquals', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', true],
  ['BinaryEquals', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', 'QmluYXJ5', false],
  ['BinaryEquals', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', undefined, false],
  ['Null', 'true', undefined, true],
  ['Null', true, 'x', false],
  ['Null', 'false', 'x', true],
  ['Null', false, undefined, false],
  ['Null', 'true', [], true],
  ['Null', 'false', ['a'], true],
]);

rows('IP address operators (IPv4 and IPv6 CIDR)', [
  ['IpAddress', '203.0.113.0/24', '203.0.113.7', true],
  ['IpAddress', '203.0.113.0/24', '203.0.114.1', false],
  ['IpAddress', '203.0.113.7', '203.0.113.7', true],
  ['IpAddress', '203.0.113.7', '203.0.113.8', false],
  ['IpAddress', '203.0.113.0/24', '::ffff:203.0.113.7', true],
  ['IpAddress', ['203.0.113.0/24', '2001:DB8:1234:5678::/64'], '2001:db8:1234:5678::1', true],
  ['IpAddress', '2001:DB8:1234:5678::/64', '2001:db8:1234:5679::1', false],
  ['IpAddress', '0.0.0.0/0', '10.1.2.3', true],
  ['IpAddress', 'not-an-ip', '10.1.2.3', false],
  ['IpAddress', '203.0.113.0/24', 'not-an-ip', false],
  ['IpAddress', '203.0.113.0/24', undefined, false],
  ['NotIpAddress', '203.0.113.0/24', '198.51.100.1', true],
  ['NotIpAddress', '203.0.113.0/24', '203.0.113.1', false],
  ['NotIpAddress', '203.0.113.0/24', undefined, true],
]);

const roleArn = 'arn:aws:iam::111122223333:role/Admin';
rows('ARN operators (each of the six parts on its own)', [
  ['ArnEquals', roleArn, roleArn, true],
  ['ArnEquals', 'arn:aws:iam::111122223333:role/*', roleArn, true],
  ['ArnLike', 'arn:aws:iam::*:role/Admin', roleArn, true],
  ['ArnLike', 'arn:aws:iam::111122223333:role/admin', roleArn, false],
  ['ArnLike', 'arn:aws:iam::111122223333:*', 'arn:aws:iam::111122223333:role/path/to/Admin', true],
  [
    'ArnLike',
    'arn:aws:someservice:*:111122223333:finance/*',
    'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt',
    false,
  ],
  [
    'StringLike',
    'arn:aws:someservice:*:111122223333:finance/*',
    'arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt',
    true,
  ],
  ['ArnLike', 'arn:aws:iam::*', roleArn, true],
  ['ArnLike', 'arn:aws:iam::111122223333:role/Admin', 'not-an-arn', false],
  ['ArnLike', roleArn, undefined, false],
  ['ArnNotEquals', roleArn, 'arn:aws:iam::111122223333:role/Other', true],
  ['ArnNotLike', 'arn:aws:iam::*:role/Admin', roleArn, false],
  ['ArnNotLike', roleArn, 'not-an-arn', true],
  ['ArnNotLike', roleArn, undefined, true],
]);

rows('...IfExists: a missing key matches, a present one is tested', [
  ['StringEqualsIfExists', 'abc', undefined, true],
  ['StringEqualsIfExists', 'abc', 'abc', true],
  ['StringEqualsIfExists', 'abc', 'abd', false],
  ['StringNotEqualsIfExists', 'abc', undefined, true],
  ['StringNotEqualsIfExists', 'abc', 'abc', false],
  ['StringLikeIfExists', 't2.*', 't2.micro', true],
  ['NumericLessThanIfExists', '5', undefined, true],
  ['NumericLessThanIfExists', '5', '7', false],
  ['DateGreaterThanIfExists', '2020-01-01T00:00:00Z', undefined, true],
  ['BoolIfExists', 'true', 'false', false],
  ['IpAddressIfExists', '10.0.0.0/8', undefined, true],
  ['ArnLikeIfExists', roleArn, undefined, true],
]);

rows('set operators on a multivalued key', [
  ['ForAnyValue:StringEquals', ['a', 'b'], ['b', 'c'], true],
  ['ForAnyValue:StringEquals', ['a', 'b'], ['c'], false],
  ['ForAnyValue:StringEquals', ['a', 'b'], undefined, false],
  ['ForAnyValue:StringEquals', ['a', 'b'], [], false],
  ['ForAllValues:StringEquals', ['a', 'b'], ['a'], true],
  ['ForAllValues:StringEquals', ['a', 'b'], ['a', 'b'], true],
  ['ForAllValues:StringEquals', ['a', 'b'], ['a', 'c'], false],
  ['ForAllValues:StringEquals', ['a', 'b'], undefined, true],
  ['ForAllValues:StringEquals', ['a', 'b'], [], true],
  ['ForAllValues:StringLike', ['key1*'], ['key1a', 'key1b'], true],
  ['ForAllValues:StringLike', ['key1*'], ['key1a', 'key2'], false],
  ['ForAnyValue:StringEqualsIgnoreCase', 'appname', ['AppName'], true],
  ['ForAnyValue:StringEqualsIfExists', 'a', undefined, true],
  ['ForAllValues:NumericLessThan', '10', ['1', '2'], true],
  ['ForAllValues:NumericLessThan', '10', ['1', '20'], false],
  // Negated operators under a set operator negate per request value.
  ['ForAnyValue:StringNotEquals', ['DataClass', 'Owner'], undefined, false],
  ['ForAnyValue:StringNotEquals', ['DataClass', 'Owner'], ['DataClass', 'Owner'], false],
  ['ForAnyValue:StringNotEquals', ['DataClass', 'Owner'], ['Dept', 'DataClass'], true],
  ['ForAnyValue:StringNotEquals', ['DataClass', 'Owner'], ['Dept', 'SIC'], true],
  ['ForAllValues:StringNotEquals', ['DataClass', 'Owner'], undefined, true],
  ['ForAllValues:StringNotEquals', ['DataClass', 'Owner'], ['DataClass'], false],
  ['ForAllValues:StringNotEquals', ['DataClass', 'Owner'], ['Dept', 'DataClass'], false],
  ['ForAllValues:StringNotEquals', ['DataClass', 'Owner'], ['Dept', 'SIC'], true],
  ['ForAllValues:StringNotLike', ['Restricted*'], ['Public', 'Team'], true],
  ['ForAnyValue:StringNotLike', ['Restricted*'], ['RestrictedA'], false],
  // A single value is a set of one.
  ['ForAnyValue:StringEquals', 'x', 'x', true],
  ['ForAllValues:StringEquals', 'x', 'y', false],
  // A plain operator on a multivalued key: any value may match; a negated one needs that none does.
  ['StringEquals', 'b', ['a', 'b'], true],
  ['StringEquals', 'c', ['a', 'b'], false],
  ['StringNotEquals', 'b', ['a', 'b'], false],
  ['StringNotEquals', 'c', ['a', 'b'], true],
]);

describe('several keys and operators are ANDed, several values ORed', () => {
  const condition = {
    StringEquals: { 'test:a': ['1', '2'], 'test:b': '3' },
    NumericLessThan: { 'test:n': '10' },
  };
  const cases: [ConditionContext, boolean][] = [
    [{ 'test:a': '2', 'test:b': '3', 'test:n': 5 }, true],
    [{ 'test:a': '1', 'test:b': '3', 'test:n': 5 }, true],
    [{ 'test:a': '2', 'test:b': '4', 'test:n': 5 }, false],
    [{ 'test:a': '2', 'test:b': '3', 'test:n': 50 }, false],
    [{ 'test:a': '2', 'test:b': '3' }, false],
  ];
  for (const [context, expected] of cases) {
    test(`${JSON.stringify(context)} is ${expected}`, () =>
      assert.equal(holds(condition, context), expected));
  }
});

describe('case rules', () => {
  test('condition key names are case-insensitive, in the policy and in the request', () => {
    assert.equal(
      holds({ IpAddress: { 'AWS:SourceIp': '10.0.0.0/8' } }, { 'aws:sourceip': '10.1.1.1' }),
      true,
    );
    assert.equal(
      holds(
        { StringEquals: { 'kms:encryptioncontext:appname': 'X' } },
        { 'KMS:EncryptionContext:AppName': 'X' },
      ),
      true,
    );
  });
  test('values follow the operator: StringEquals is case-sensitive, StringEqualsIgnoreCase is not', () => {
    assert.equal(
      holds(
        { StringEquals: { 'kms:RequestAlias': 'alias/Finance' } },
        { 'kms:RequestAlias': 'alias/finance' },
      ),
      false,
    );
    assert.equal(
      holds(
        { StringEqualsIgnoreCase: { 'kms:RequestAlias': 'alias/Finance' } },
        { 'kms:RequestAlias': 'alias/finance' },
      ),
      true,
    );
  });
  test('action names are case-insensitive', () => {
    const policy = compileKeyPolicy(
      JSON.stringify({
        Statement: { Effect: 'Allow', Principal: '*', Action: 'KMS:decrypt', Resource: '*' },
      }),
    );
    assert.equal(
      authorize({ principal: user('a'), action: 'kms:Decrypt', resource: KEY_ARN, keyPolicy: policy })
        .allowed,
      true,
    );
  });
  test('the deprecated kms:CustomerMasterKeySpec and kms:CustomerMasterKeyUsage read kms:KeySpec and kms:KeyUsage', () => {
    assert.equal(
      holds({ StringEquals: { 'kms:CustomerMasterKeySpec': 'RSA_2048' } }, { 'kms:KeySpec': 'RSA_2048' }),
      true,
    );
    assert.equal(
      holds(
        { StringEquals: { 'kms:CustomerMasterKeyUsage': 'SIGN_VERIFY' } },
        { 'kms:KeyUsage': 'ENCRYPT_DECRYPT' },
      ),
      false,
    );
  });
});

describe("the principal's own condition keys", () => {
  const carol = user('carol', { tags: { Team: 'Blue' } });
  const cases: [string, Record<string, unknown>, boolean][] = [
    ['aws:username', { StringEquals: { 'aws:username': 'carol' } }, true],
    ['aws:PrincipalArn', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:user/*' } }, true],
    ['aws:PrincipalAccount', { StringEquals: { 'aws:PrincipalAccount': '111122223333' } }, true],
    ['aws:PrincipalType', { StringEquals: { 'aws:PrincipalType': 'User' } }, true],
    ['kms:CallerAccount', { StringEquals: { 'kms:CallerAccount': '444455556666' } }, false],
    ['aws:PrincipalTag', { StringEquals: { 'aws:PrincipalTag/team': 'Blue' } }, true],
    ['a tag the principal lacks', { Null: { 'aws:PrincipalTag/Cost': 'true' } }, true],
  ];
  for (const [name, condition, expected] of cases) {
    test(`${name} is ${expected}`, () =>
      assert.equal(holds(condition, undefined, { principal: carol }), expected));
  }
  test("a request cannot pass itself off as another principal: the principal's keys win", () => {
    assert.equal(
      holds({ StringEquals: { 'aws:username': 'admin' } }, { 'aws:username': 'admin' }, { principal: carol }),
      false,
    );
  });
});

describe('policy variables', () => {
  const carol = user('carol', { tags: { team: 'Blue' } });
  const cases: [string, Record<string, unknown>, ConditionContext, boolean, string?][] = [
    [
      '${aws:username}',
      { StringEquals: { 'test:owner': '${aws:username}' } },
      { 'test:owner': 'carol' },
      true,
    ],
    [
      '${aws:username} for another user',
      { StringEquals: { 'test:owner': '${aws:username}' } },
      { 'test:owner': 'dave' },
      false,
    ],
    [
      '${aws:PrincipalTag/team} inside a pattern',
      { StringLike: { 'test:path': 'teams/${aws:PrincipalTag/team}/*' } },
      { 'test:path': 'teams/Blue/x' },
      true,
    ],
    [
      'a variable value is literal, not a pattern',
      { StringLike: { 'test:v': '${test:pattern}' } },
      { 'test:v': 'abc', 'test:pattern': 'a*' },
      false,
    ],
    ['${*} is a literal asterisk', { StringLike: { 'test:v': 'a${*}' } }, { 'test:v': 'a*' }, true],
    ['${*} is not a wildcard', { StringLike: { 'test:v': 'a${*}' } }, { 'test:v': 'ab' }, false],
    ['${?} is a literal question mark', { StringLike: { 'test:v': 'why${?}' } }, { 'test:v': 'why?' }, true],
    [
      '${$} is a literal dollar sign',
      { StringEquals: { 'test:v': 'cost${$}' } },
      { 'test:v': 'cost$' },
      true,
    ],
    [
      'a default for a missing key',
      { StringEquals: { 'test:v': "${aws:PrincipalTag/cost, 'none'}" } },
      { 'test:v': 'none' },
      true,
    ],
    [
      'the default only when the key is missing',
      { StringEquals: { 'test:v': "${aws:PrincipalTag/team, 'none'}" } },
      { 'test:v': 'none' },
      false,
    ],
    [
      'an unresolvable variable fails the condition',
      { StringEquals: { 'test:v': '${aws:PrincipalTag/cost}' } },
      { 'test:v': '' },
      false,
    ],
    [
      'whatever the operator',
      { StringNotEquals: { 'test:v': '${aws:PrincipalTag/cost}' } },
      { 'test:v': 'x' },
      false,
    ],
    [
      'against a multivalued key too',
      { StringNotEquals: { 'test:list': '${aws:PrincipalTag/cost}' } },
      { 'test:list': ['a', 'b'] },
      false,
    ],
    [
      'another value can still match',
      { StringEquals: { 'test:v': ['${aws:PrincipalTag/cost}', 'x'] } },
      { 'test:v': 'x' },
      true,
    ],
    [
      'a multivalued key is no variable',
      { StringEquals: { 'test:v': '${test:list}' } },
      { 'test:v': 'a', 'test:list': ['a'] },
      false,
    ],
    [
      'in an ARN',
      { ArnEquals: { 'test:arn': 'arn:aws:iam::111122223333:user/${aws:username}' } },
      { 'test:arn': 'arn:aws:iam::111122223333:user/carol' },
      true,
    ],
    [
      'variable names are case-insensitive',
      { StringEquals: { 'test:owner': '${AWS:UserName}' } },
      { 'test:owner': 'carol' },
      true,
    ],
    [
      'not in Numeric operators',
      { NumericEquals: { 'test:n': '${test:m}' } },
      { 'test:n': '1', 'test:m': '1' },
      false,
    ],
    [
      'Version 2008-10-17 has no variables',
      { StringEquals: { 'test:v': '${aws:username}' } },
      { 'test:v': '${aws:username}' },
      true,
      '2008-10-17',
    ],
    [
      'nor a policy without Version',
      { StringEquals: { 'test:v': '${aws:username}' } },
      { 'test:v': 'carol' },
      false,
      'none',
    ],
  ];
  for (const [name, condition, context, expected, version] of cases) {
    test(`${name}: ${expected}`, () =>
      assert.equal(holds(condition, context, { principal: carol, version }), expected));
  }
});
