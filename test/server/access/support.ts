import assert from 'node:assert/strict';
import {
  type AuthorizationRequest,
  authorize,
  type CompiledPolicy,
  compileIdentityPolicy,
  compileKeyPolicy,
  createPrincipal,
  type Decision,
  type Principal,
} from '../../../src/server/access/index.ts';

/** The accounts and key of the examples in AWS's KMS Developer Guide. */
export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const KEY_ARN = `arn:aws:kms:us-west-2:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const OTHER_KEY_ARN = `arn:aws:kms:us-west-2:${ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;

export type Statement = Record<string, unknown>;

export function keyPolicy(...statements: Statement[]): CompiledPolicy {
  return compileKeyPolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
}

export function identityPolicy(name: string, ...statements: Statement[]): CompiledPolicy {
  return compileIdentityPolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), name);
}

/** The statement of the default key policy: the account may use IAM policies for every action. */
export function rootStatement(account = ACCOUNT): Statement {
  return {
    Sid: 'Enable IAM policies',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${account}:root` },
    Action: 'kms:*',
    Resource: '*',
  };
}

/** The statements the KMS console adds for key administrators and key users (the Developer Guide's examples). */
export const consoleStatements: Record<'keyAdministrators' | 'keyUsers' | 'persistentResources', Statement> =
  {
    keyAdministrators: {
      Sid: 'Allow access for Key Administrators',
      Effect: 'Allow',
      Principal: {
        AWS: [`arn:aws:iam::${ACCOUNT}:user/KMSAdminUser`, `arn:aws:iam::${ACCOUNT}:role/KMSAdminRole`],
      },
      Action: [
        'kms:Create*',
        'kms:Describe*',
        'kms:Enable*',
        'kms:List*',
        'kms:Put*',
        'kms:Update*',
        'kms:Revoke*',
        'kms:Disable*',
        'kms:Get*',
        'kms:Delete*',
        'kms:TagResource',
        'kms:UntagResource',
        'kms:ScheduleKeyDeletion',
        'kms:CancelKeyDeletion',
      ],
      Resource: '*',
    },
    keyUsers: {
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/EncryptionApp` },
      Action: ['kms:DescribeKey', 'kms:GenerateDataKey*', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:Decrypt'],
      Resource: '*',
    },
    persistentResources: {
      Sid: 'Allow attachment of persistent resources',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/EncryptionApp` },
      Action: ['kms:ListGrants', 'kms:CreateGrant', 'kms:RevokeGrant'],
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': true } },
    },
  };

export function root(account = ACCOUNT): Principal {
  return createPrincipal({ arn: `arn:aws:iam::${account}:root` });
}

export function user(
  name: string,
  options: { account?: string; policies?: CompiledPolicy[]; tags?: Record<string, string> } = {},
): Principal {
  return createPrincipal({
    arn: `arn:aws:iam::${options.account ?? ACCOUNT}:user/${name}`,
    policies: options.policies,
    tags: options.tags,
  });
}

export function session(
  role: string,
  sessionName: string,
  options: { account?: string; policies?: CompiledPolicy[]; tags?: Record<string, string> } = {},
): Principal {
  return createPrincipal({
    arn: `arn:aws:sts::${options.account ?? ACCOUNT}:assumed-role/${role}/${sessionName}`,
    policies: options.policies,
    tags: options.tags,
  });
}

/** A request on KEY_ARN unless it says otherwise. */
export function decide(
  request: Partial<AuthorizationRequest> & Pick<AuthorizationRequest, 'principal' | 'action'>,
): Decision {
  return authorize({ resource: KEY_ARN, ...request });
}

export interface Expectation {
  allowed: boolean;
  /** For a denial: AWS's message must end with this. */
  because?: string;
  /** For a denial: the explanation must contain each of these. */
  explains?: string[];
}

export function assertDecision(decision: Decision, expected: Expectation): void {
  if (expected.allowed) {
    assert.equal(decision.allowed, true, decision.allowed ? '' : decision.explanation);
    return;
  }
  assert.equal(decision.allowed, false, 'expected a denial');
  if (decision.allowed) return;
  assert.equal(decision.error.type, 'AccessDeniedException');
  if (expected.because) assert.ok(decision.error.message.endsWith(expected.because), decision.error.message);
  for (const part of expected.explains ?? []) {
    assert.ok(
      decision.explanation.includes(part),
      `explanation ${JSON.stringify(decision.explanation)} lacks ${JSON.stringify(part)}`,
    );
  }
}

/** AWS's wording of the four denials, for an action. */
export const because = {
  noIdentityPolicy: (action: string) => `because no identity-based policy allows the ${action} action`,
  noResourcePolicy: (action: string) => `because no resource-based policy allows the ${action} action`,
  explicitDenyInKeyPolicy: 'with an explicit deny in a resource-based policy',
  explicitDenyInIdentityPolicy: 'with an explicit deny in an identity-based policy',
};
