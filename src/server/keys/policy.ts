import { Errors } from '../messages.ts';

export const DEFAULT_POLICY_NAME = 'default';

/** The key policy KMS gives a key created without one, in AWS's own formatting. */
export function defaultKeyPolicy(accountId: string): string {
  return [
    '{',
    '  "Version" : "2012-10-17",',
    '  "Id" : "key-default-1",',
    '  "Statement" : [ {',
    '    "Sid" : "Enable IAM User Permissions",',
    '    "Effect" : "Allow",',
    '    "Principal" : {',
    `      "AWS" : "arn:aws:iam::${accountId}:root"`,
    '    },',
    '    "Action" : "kms:*",',
    '    "Resource" : "*"',
    '  } ]',
    '}',
  ].join('\n');
}

/**
 * kmslab stores policies and doesn't evaluate them, but it refuses documents that KMS would refuse for their
 * form: not JSON, or without statements.
 */
export function checkPolicy(policy: string): void {
  let document: unknown;
  try {
    document = JSON.parse(policy);
  } catch {
    throw Errors.policyNotJson();
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw Errors.policyNotJson();
  const statement = (document as { Statement?: unknown }).Statement;
  const statements = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  if (statements.length === 0 || statements.some((s) => typeof s !== 'object' || s === null)) {
    throw Errors.policyNoStatement();
  }
}

export function checkPolicyName(policyName: string | undefined): void {
  if (policyName !== undefined && policyName !== DEFAULT_POLICY_NAME) throw Errors.policyNotFound(policyName);
}
