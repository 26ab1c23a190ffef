import { KMSError } from '../errors.ts';

/**
 * Every error a KMS operation answers with, in one place: AWS's error type, HTTP status and message. Where the
 * AWS-validated snapshots (models/localstack-aws-validated-snapshots.json) record a message, it is copied here
 * verbatim; elsewhere the message follows AWS's style and says what to fix. Real KMS answers every client error
 * with HTTP 400 (the snapshots show it even for NotFound, Disabled and KMSInvalidState), so no status is given.
 */

const ALIAS_DOCS = 'https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html';

function validation(message: string): KMSError {
  return new KMSError('ValidationException', message);
}

function malformedPolicy(message: string): KMSError {
  return new KMSError('MalformedPolicyDocumentException', message);
}

/** `statement 2` at the start of a sentence. */
function capitalized(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** AWS's generic constraint message, e.g. for ranges that the model leaves wider than the service allows. */
export function constraintViolation(value: unknown, member: string, constraint: string): KMSError {
  return validation(
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

export const Errors = {
  keyNotFound: (keyArn: string) => new KMSError('NotFoundException', `Key '${keyArn}' does not exist`),
  invalidKeyId: (keyId: string) => new KMSError('NotFoundException', `Invalid keyId '${keyId}'`),
  /** A key ARN naming a region other than the one the request was signed for. */
  otherRegionArn: (region: string) => new KMSError('NotFoundException', `Invalid arn ${region}`),
  malformedArn: (arn: string) =>
    new KMSError(
      'InvalidArnException',
      `Invalid arn ${arn}: expected arn:aws:kms:<region>:<account>:key/<key-id> or arn:aws:kms:<region>:<account>:alias/<name>`,
    ),
  aliasesNotSupported: () =>
    new KMSError('InvalidArnException', 'Key Aliases are not supported for this operation'),

  disabled: (keyArn: string) => new KMSError('DisabledException', `${keyArn} is disabled.`),
  pendingDeletion: (keyArn: string) =>
    new KMSError('KMSInvalidStateException', `${keyArn} is pending deletion.`),
  notPendingDeletion: (keyArn: string) =>
    new KMSError('KMSInvalidStateException', `${keyArn} is not pending deletion.`),
  pendingWindowOutOfRange: (days: number) =>
    constraintViolation(
      days,
      'pendingWindowInDays',
      days < 7
        ? 'Member must have value greater than or equal to 7'
        : 'Member must have value less than or equal to 30',
    ),

  unsupportedKeySpec: (keySpec: string) =>
    new KMSError(
      'UnsupportedOperationException',
      `KeySpec ${keySpec} is not supported by kmslab: only SYMMETRIC_DEFAULT (ENCRYPT_DECRYPT) keys can be created.`,
    ),
  unsupportedOrigin: (origin: string) =>
    new KMSError(
      'UnsupportedOperationException',
      `Origin ${origin} is not supported by kmslab: only AWS_KMS keys can be created.`,
    ),
  unsupportedCustomKeyStore: () =>
    new KMSError('UnsupportedOperationException', 'Custom key stores are not supported by kmslab.'),
  unsupportedRecipient: () =>
    new KMSError(
      'UnsupportedOperationException',
      'Recipient (Nitro Enclaves attestation) is not supported by kmslab.',
    ),
  unsupportedMultiRegion: () =>
    new KMSError('UnsupportedOperationException', 'Multi-Region keys are not supported by kmslab.'),
  keyUsageRequired: () =>
    validation('You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.'),
  keyUsageIncompatible: (keyUsage: string, keySpec: string) =>
    validation(`KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`),
  bothKeySpecs: () =>
    validation(
      'You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated; use KeySpec.',
    ),
  algorithmIncompatible: (algorithm: string, keySpec: string) =>
    new KMSError(
      'InvalidKeyUsageException',
      `Algorithm ${algorithm} is incompatible with key spec ${keySpec}.`,
    ),

  invalidCiphertext: () => new KMSError('InvalidCiphertextException', ''),
  incorrectKey: () =>
    new KMSError(
      'IncorrectKeyException',
      'The key ID in the request does not identify a CMK that can perform this operation.',
    ),
  dryRun: () =>
    new KMSError(
      'DryRunOperationException',
      'The request would have succeeded, but the DryRun option is set.',
    ),

  dataKeyLengthMissing: () => validation('Please specify either number of bytes or key spec.'),
  dataKeyLengthTwice: () => validation('Please specify either number of bytes or key spec, not both.'),
  numberOfBytesRequired: () => validation('NumberOfBytes is required.'),
  plaintextTooLong: () =>
    validation(
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    ),
  plaintextEmpty: () =>
    validation(
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ),

  aliasPrefix: () => validation(`Alias must start with the prefix "alias/". Please see ${ALIAS_DOCS}`),
  aliasPattern: (aliasName: string) =>
    constraintViolation(
      aliasName,
      'aliasName',
      'Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$',
    ),
  aliasReserved: () =>
    new KMSError(
      'InvalidAliasNameException',
      'Alias names cannot begin with alias/aws/: that prefix is reserved for AWS managed keys.',
    ),
  aliasEmpty: () =>
    new KMSError('InvalidAliasNameException', 'Alias name must have characters after "alias/".'),
  aliasExists: (aliasArn: string) =>
    new KMSError('AlreadyExistsException', `An alias with the name ${aliasArn} already exists`),
  aliasNotFound: (aliasArn: string) => new KMSError('NotFoundException', `Alias ${aliasArn} is not found.`),

  duplicateTagKeys: () => new KMSError('TagException', 'Duplicate tag keys'),
  tooManyTags: () => new KMSError('TagException', 'Too many tags'),
  reservedTagKey: () => new KMSError('TagException', 'Tags beginning with aws: are reserved'),

  policyNotJson: () =>
    new KMSError('MalformedPolicyDocumentException', 'The key policy is not a valid JSON document.'),
  policyNoStatement: () =>
    new KMSError('MalformedPolicyDocumentException', 'The key policy must contain at least one Statement.'),
  policyNotFound: (policyName: string) =>
    new KMSError(
      'NotFoundException',
      `Policy '${policyName}' does not exist: the only key policy is 'default'.`,
    ),
  // The policy language (src/server/access). KMS's and IAM's own wording where it is known: the principal,
  // lockout and OverlyPermissiveCondition messages are KMS's; the action, resource, Sid, version and
  // identity-policy messages are IAM's. The others say where the document is wrong and how to fix it.
  policyTooLarge: (length: number) =>
    new KMSError(
      'LimitExceededException',
      `The key policy is ${length} bytes long: a key policy can be at most 32768 bytes.`,
    ),
  policyNoPrincipal: () => malformedPolicy('Policy contains a statement with no principal.'),
  policyInvalidPrincipals: () =>
    malformedPolicy('Policy contains a statement with one or more invalid principals.'),
  policyLockout: () =>
    malformedPolicy('The new key policy will not allow you to update the key policy in the future.'),
  policyOverlyPermissive: (kind: 'EncryptionContext' | 'RequestTag') => {
    const what = kind === 'EncryptionContext' ? 'encryption context' : 'tag';
    return malformedPolicy(
      `OverlyPermissiveCondition:${kind}: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified ${what} or with an unspecified ${what}. To fix, remove ForAllValues.`,
    );
  },
  policyPrincipalInIdentityPolicy: () => malformedPolicy('Policy document should not specify a principal.'),
  policyNoActions: () => malformedPolicy('Policy statement must contain actions.'),
  policyNoResources: () => malformedPolicy('Policy statement must contain resources.'),
  policyVersionTooOld: () => malformedPolicy('Policy document must be version 2012-10-17 or greater.'),
  policyDuplicateSid: () => malformedPolicy('Statement IDs (SID) in a single policy must be unique.'),
  policyActionVendor: () =>
    malformedPolicy('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.'),
  policyActionColons: () => malformedPolicy('Actions/Condition can contain only one colon.'),
  policyActionVendorInvalid: (vendor: string) => malformedPolicy(`Vendor ${vendor} is not valid`),
  policyResourceFormat: (resource: string) =>
    malformedPolicy(`Resource ${resource} must be in ARN format or "*".`),
  policyVersion: (version: unknown) =>
    malformedPolicy(
      `The policy Version ${JSON.stringify(version)} is not valid: use "2012-10-17" (or "2008-10-17").`,
    ),
  policyUnknownElement: (element: string, where: string) =>
    malformedPolicy(`${capitalized(where)} has an unknown element "${element}".`),
  policyElementType: (element: string, where: string, expected: string) =>
    malformedPolicy(`${element} in ${where} must be ${expected}.`),
  policyEffect: (where: string, effect: unknown) =>
    malformedPolicy(`Effect in ${where} must be "Allow" or "Deny", not ${JSON.stringify(effect)}.`),
  policyBothElements: (where: string, element: string, negated: string) =>
    malformedPolicy(`${capitalized(where)} has both ${element} and ${negated}: use one of them.`),
  policyConditionOperator: (where: string, operator: string) =>
    malformedPolicy(`${capitalized(where)} has an unknown condition operator "${operator}".`),
  policyConditionDate: (where: string, operator: string, value: string) =>
    malformedPolicy(
      `${operator} in ${where} has "${value}", which is not a date: use ISO 8601 (2025-01-31T12:00:00Z) or epoch seconds.`,
    ),

  accessDenied: (
    principalArn: string,
    action: string,
    resource: string,
    policyType: 'identity-based' | 'resource-based',
    explicit: boolean,
  ) =>
    new KMSError(
      'AccessDeniedException',
      explicit
        ? `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} with an explicit deny in ${policyType === 'identity-based' ? 'an' : 'a'} ${policyType} policy`
        : `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} because no ${policyType} policy allows the ${action} action`,
    ),

  onDemandRotationLimit: (keyArn: string) =>
    new KMSError(
      'LimitExceededException',
      `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${keyArn}`,
    ),
  rotationPeriodOutOfRange: (days: number) =>
    constraintViolation(
      days,
      'rotationPeriodInDays',
      days < 90
        ? 'Member must have value greater than or equal to 90'
        : 'Member must have value less than or equal to 2560',
    ),

  invalidMarker: () =>
    new KMSError(
      'InvalidMarkerException',
      'The marker is not valid: pass the NextMarker of a previous response.',
    ),
} as const;
