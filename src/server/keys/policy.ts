import { checkLockoutSafety, compileKeyPolicy, type Principal } from '../access/index.ts';
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
 * A key policy as KMS accepts it (MalformedPolicyDocumentException otherwise: the engine's compile errors) and,
 * unless the request bypasses it, KMS's lockout safety check: the caller must still be able to call
 * PutKeyPolicy on the key under the new policy.
 */
export function checkPolicy(
  policy: string,
  request: { principal: Principal; keyArn: string; bypassLockoutSafetyCheck: boolean | undefined },
): void {
  const keyPolicy = compileKeyPolicy(policy);
  if (request.bypassLockoutSafetyCheck !== true)
    checkLockoutSafety({ principal: request.principal, keyArn: request.keyArn, keyPolicy });
}

export function checkPolicyName(policyName: string | undefined): void {
  if (policyName !== undefined && policyName !== DEFAULT_POLICY_NAME) throw Errors.policyNotFound(policyName);
}
