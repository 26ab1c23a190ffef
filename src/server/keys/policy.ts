import { Errors } from '../messages.ts';

export const DEFAULT_POLICY_NAME = 'default';

/**
 * JSON as AWS KMS writes the key policies it makes (Jackson's default pretty printer): objects one member a line,
 * indented by two spaces, with ` : ` between name and value; arrays on one line, `[ a, b ]`.
 */
export function awsPolicyJson(value: unknown, indent = ''): string {
  if (Array.isArray(value))
    return value.length === 0 ? '[ ]' : `[ ${value.map((item) => awsPolicyJson(item, indent)).join(', ')} ]`;
  if (typeof value === 'object' && value !== null) {
    const inner = `${indent}  `;
    const members = Object.entries(value).map(
      ([name, item]) => `${inner}${JSON.stringify(name)} : ${awsPolicyJson(item, inner)}`,
    );
    return `{\n${members.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** The key policy KMS gives a key created without one, in AWS's own formatting. */
export function defaultKeyPolicy(accountId: string): string {
  return awsPolicyJson({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
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
