import type { KeyState } from '../protocol/index.ts';
import type { SignatureProblem } from '../sigv4/verify.ts';
import { KMSError } from './errors.ts';

/**
 * Every error kmslab answers with, in one place: AWS's error type, HTTP status and message, for the operations, the
 * validation of their input (validate.ts), the authentication of a request (auth.ts) and the HTTP layer (http.ts).
 * Where the AWS-validated snapshots (models/localstack-aws-validated-snapshots.json) or another record of AWS's
 * answers has a message, it is copied here verbatim (the source is named); elsewhere the message follows AWS's
 * style and says what to fix. Real KMS answers every client error with HTTP 400 (the snapshots show it even for
 * NotFound, Disabled and KMSInvalidState), so no status is given but for 413 and 500.
 */

const ALIAS_DOCS = 'https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html';

/**
 * A key state in AWS's words: `<arn> is pending deletion.` AWS's answers record disabled, pending deletion and
 * pending import; the other states are worded the same way.
 */
const STATE_WORDS: Readonly<Record<KeyState, string>> = {
  Creating: 'creating',
  Enabled: 'enabled',
  Disabled: 'disabled',
  PendingDeletion: 'pending deletion',
  PendingImport: 'pending import',
  PendingReplicaDeletion: 'pending replica deletion',
  Unavailable: 'unavailable',
  Updating: 'updating',
};

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

/** The constraints of AWS's model, as its validation messages name them. */
export const Constraint = {
  /** `length` for strings, blobs and lists, `value` for numbers. */
  atMost: (noun: 'length' | 'value', max: number) => `Member must have ${noun} less than or equal to ${max}`,
  atLeast: (noun: 'length' | 'value', min: number) =>
    `Member must have ${noun} greater than or equal to ${min}`,
  pattern: (source: string) => `Member must satisfy regular expression pattern: ${source}`,
  enumValues: (values: readonly string[]) => `Member must satisfy enum value set: [${values.join(', ')}]`,
  /** A list of scalars, one of which fails: every constraint of the member shape. */
  listMembers: (constraints: readonly string[]) =>
    `Member must satisfy constraint: [${constraints.join(', ')}]`,
  notNull: () => 'Member must not be null',
} as const;

/**
 * One failure of a validation message: `Value 'x' at 'keyId' failed to satisfy constraint: ...`. `shown` is how
 * AWS shows the value: `Value 'x'`, `Value null`, or just `Value` for a sensitive member, whose value it never
 * echoes.
 */
export function constraintFailure(shown: string, path: string, constraint: string): string {
  return `${shown} at '${path}' failed to satisfy constraint: ${constraint}`;
}

/** A ValidationException listing every failure: `2 validation errors detected: ...; ...`. */
export function validationFailures(failures: readonly string[]): KMSError {
  const count = failures.length === 1 ? '1 validation error' : `${failures.length} validation errors`;
  return validation(`${count} detected: ${failures.join('; ')}`);
}

/** AWS's message for a value outside a constraint, e.g. a range that the model leaves wider than KMS allows. */
export function constraintViolation(value: unknown, member: string, constraint: string): KMSError {
  return validationFailures([constraintFailure(`Value '${String(value)}'`, member, constraint)]);
}

/** A number outside [min, max], in the words of the bound it crosses. */
function outOfRange(value: number, member: string, min: number, max: number): KMSError {
  return constraintViolation(
    value,
    member,
    value < min ? Constraint.atLeast('value', min) : Constraint.atMost('value', max),
  );
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function incompleteSignature(message: string): KMSError {
  return new KMSError('IncompleteSignatureException', message);
}

function invalidSignature(message: string): KMSError {
  return new KMSError('InvalidSignatureException', message);
}

/** What is wrong with the form of a received signature (sigv4/verify.ts reads it), in AWS's words. */
function signatureProblem(problem: SignatureProblem): string {
  switch (problem.kind) {
    case 'algorithm':
      return `Authorization header requires the ${problem.algorithm} algorithm.`;
    case 'missingFields':
      return `Authorization header requires '${problem.fields.join("', '")}' parameter.`;
    case 'credentialElements':
      return `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${problem.credential}'`;
    case 'missingQueryParameters': {
      // Recorded from AWS in mhart/dynalite's index.js, one sentence per parameter.
      const each = problem.parameters.map((name) => `AWS query-string parameters must include '${name}'.`);
      return `${each.join(' ')} Re-examine the query-string parameters.`;
    }
  }
}

/**
 * What is wrong with a credential scope, in AWS's words; AWS lists every one (dynalite records them: "Credential
 * should be scoped to a valid region, not 'c'.").
 */
export const ScopeProblem = {
  region: (region: string) => `Credential should be scoped to a valid region, not '${region}'.`,
  service: (service: string) => `Credential should be scoped to correct service: '${service}'.`,
  terminator: (terminator: string, given: string) =>
    `Credential should be scoped with a valid terminator: '${terminator}', not '${given}'.`,
  date: (dateStamp: string, day: string, requestDate: string) =>
    `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${dateStamp}' != '${day}', from '${requestDate}'.`,
} as const;

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
  /** A key ID that kmslab would not give a key (seeds choose theirs): requests could not name it. */
  keyIdReadAsOther: (keyId: string, prefix: string) =>
    validation(
      `A key ID cannot begin with '${prefix}': a request naming '${keyId}' would read it as ${prefix === 'arn:' ? 'an ARN' : 'an alias name'}.`,
    ),
  aliasesNotSupported: () =>
    new KMSError('InvalidArnException', 'Key Aliases are not supported for this operation'),

  disabled: (keyArn: string) => new KMSError('DisabledException', `${keyArn} is disabled.`),
  invalidState: (keyArn: string, state: KeyState) =>
    new KMSError('KMSInvalidStateException', `${keyArn} is ${STATE_WORDS[state]}.`),
  notPendingDeletion: (keyArn: string) =>
    new KMSError('KMSInvalidStateException', `${keyArn} is not pending deletion.`),
  pendingWindowOutOfRange: (days: number) => outOfRange(days, 'pendingWindowInDays', 7, 30),

  unsupportedRecipient: () =>
    new KMSError(
      'UnsupportedOperationException',
      'Recipient (Nitro Enclaves attestation) is not supported by kmslab.',
    ),
  keyUsageRequired: () =>
    validation('You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.'),
  keyUsageIncompatible: (keyUsage: string, keySpec: string) =>
    validation(`KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`),
  bothKeySpecs: () =>
    validation(
      'You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated; use KeySpec.',
    ),
  invalidKeyUsage: (keyArn: string, keyUsage: string, operation: string) =>
    new KMSError(
      'InvalidKeyUsageException',
      `${keyArn} key usage is ${keyUsage} which is not valid for ${operation}.`,
    ),
  algorithmIncompatible: (algorithm: string, keySpec: string) =>
    new KMSError(
      'InvalidKeyUsageException',
      `Algorithm ${algorithm} is incompatible with key spec ${keySpec}.`,
    ),
  /**
   * AWS offers SM2 in its China Regions only and answers this elsewhere (as reported from us-east-1; kmslab, which
   * has no SM2, answers it in every region). `member` is the request member that named it.
   */
  notInRegion: (member: 'KeySpec' | 'KeyPairSpec', spec: string) =>
    new KMSError('UnsupportedOperationException', `${member} ${spec} is not supported in this Region`),

  /** Recorded for RSASSA and ECDSA; the same words for ED25519_PH_SHA_512. */
  digestLength: (algorithm: string) => validation(`Digest is invalid length for algorithm ${algorithm}.`),
  /**
   * A MessageType the algorithm does not take. AWS names the algorithm where the key spec offers several with
   * different message types (Ed25519: `with algorithm ED25519_SHA_512`) and the key spec elsewhere
   * (`with key spec ML_DSA_44`), as measured against real KMS by other emulators; the snapshots do not record it.
   */
  messageTypeIncompatible: (messageType: string, subject: `algorithm ${string}` | `key spec ${string}`) =>
    validation(`Message type ${messageType} is incompatible with ${subject}.`),
  /** An EXTERNAL_MU message that is not 64 bytes, worded like the recorded digest-length answer. */
  externalMuLength: (algorithm: string) =>
    validation(`External Mu is invalid length for algorithm ${algorithm}.`),
  rsaPlaintextTooLong: (algorithm: string, keySpec: string, maxBytes: number) =>
    validation(
      `Algorithm ${algorithm} and key spec ${keySpec} cannot encrypt data larger than ${maxBytes} bytes.`,
    ),
  /** DeriveSharedSecret with bytes that are not a DER SubjectPublicKeyInfo: AWS's answer has no message. */
  invalidPublicKey: () => validation(''),
  publicKeyCurveMismatch: (keySpec: string) =>
    validation(
      `The public key must be a DER-encoded SubjectPublicKeyInfo on the curve of the KMS key (${keySpec}).`,
    ),

  /**
   * An asymmetric key's ciphertext (raw RSAES-OAEP) has no room for one, so KMS takes none. AWS's words for this
   * are recorded nowhere we could find: these are kmslab's.
   */
  asymmetricEncryptionContext: () =>
    validation(
      'EncryptionContext is not supported with asymmetric KMS keys: it applies to symmetric ones only.',
    ),
  /** Verify and VerifyMac answer a signature or MAC that does not verify with no message (the snapshots). */
  invalidSignature: () => new KMSError('KMSInvalidSignatureException', ''),
  invalidMac: () => new KMSError('KMSInvalidMacException', ''),

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
  plaintextTooLong: (maxBytes: number) =>
    validationFailures([constraintFailure('Value', 'plaintext', Constraint.atMost('length', maxBytes))]),
  plaintextEmpty: () =>
    validationFailures([constraintFailure('Value', 'plaintext', Constraint.atLeast('length', 1))]),

  aliasPrefix: () => validation(`Alias must start with the prefix "alias/". Please see ${ALIAS_DOCS}`),
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
  rotationPeriodOutOfRange: (days: number) => outOfRange(days, 'rotationPeriodInDays', 90, 2560),
  /** Rotating an asymmetric or HMAC key: AWS's answer has no message (the snapshots). */
  rotationUnsupported: () => new KMSError('UnsupportedOperationException', ''),

  invalidMarker: () =>
    new KMSError(
      'InvalidMarkerException',
      'The marker is not valid: pass the NextMarker of a previous response.',
    ),
} as const;

/** The HTTP layer's and validation's errors (http.ts, validate.ts): a request that is no KMS request. */
export const WireErrors = {
  unknownOperation: (target: string | undefined) =>
    new KMSError('UnknownOperationException', `Unknown operation: ${target ?? '(no X-Amz-Target)'}`),
  /**
   * A body larger than any request the model allows, in AWS's words for a request too large for its front end (413,
   * "HTTP content length exceeded 1662976 bytes." from SQS in aws/aws-sdk-js#479).
   */
  requestTooLarge: (maxBytes: number) =>
    new KMSError('SerializationException', `HTTP content length exceeded ${maxBytes} bytes.`, 413),
  notJson: () => new KMSError('SerializationException', 'The request body is not valid JSON.'),
  /** `found`: what the body is instead (`a list (JSON array)`, `null`...). */
  bodyNotObject: (found: string) =>
    new KMSError('SerializationException', `The request body must be a JSON object, not ${found}.`),
  /**
   * A value of the wrong JSON type: AWS fails to read such a request before it validates anything. Names the member
   * and the types, never the value: it may be secret (a plaintext, a password).
   */
  wrongType: (path: string, expected: string, found: string) =>
    new KMSError(
      'SerializationException',
      `Cannot read ${path === '' ? 'the request' : `'${path}'`}: expected ${expected}, found ${found}.`,
    ),
  unsupportedOperation: (operation: string) =>
    new KMSError('UnsupportedOperationException', `kmslab does not support ${operation} yet.`),
  internal: () => new KMSError('KMSInternalException', 'An internal error occurred.', 500),
} as const;

/** Authentication's errors (auth.ts): AWS's type and message for each; the order AWS checks them in is auth.ts's. */
export const AuthErrors = {
  missingAuthentication: () =>
    new KMSError('MissingAuthenticationTokenException', 'Missing Authentication Token'),
  malformedSignature: (problem: SignatureProblem) => incompleteSignature(signatureProblem(problem)),
  signatureWithoutDate: () =>
    incompleteSignature(
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    ),
  signedTwice: () =>
    invalidSignature(
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    ),
  /**
   * A header that the signature must cover and does not. AWS's type and message (SignatureDoesNotMatch, which JSON
   * services such as KMS answer as InvalidSignatureException) follow dacut/scratchstack-aws-signature, which
   * reproduces AWS's "Auth Error Ordering" (src/signature.rs).
   */
  unsignedHeader: (name: string) =>
    invalidSignature(
      name === 'host'
        ? "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        : `'${name}' must be a 'SignedHeader' in the AWS Authorization.`,
    ),
  unknownAccessKey: () =>
    new KMSError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
  signatureMismatch: () => invalidSignature(SIGNATURE_MISMATCH),
  /** Each of `problems` is a ScopeProblem's. */
  credentialScope: (problems: readonly string[]) => invalidSignature(problems.join(' ')),
  amzDateFormat: (requestDate: string) =>
    incompleteSignature(
      `Date must be in ISO-8601 'basic format'. Got '${requestDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    ),
  /** `limit` and `now` as X-Amz-Date writes them. */
  signatureNotYetCurrent: (requestDate: string, limit: string, now: string) =>
    invalidSignature(
      `Signature not yet current: ${requestDate} is still later than ${limit} (${now} + 15 min.)`,
    ),
  signatureExpired: (requestDate: string, limit: string, now: string) =>
    invalidSignature(`Signature expired: ${requestDate} is now earlier than ${limit} (${now} - 15 min.)`),
  // A presigned URL's lifetime, in the words of S3, the service that documents presigned URLs.
  expiresNotANumber: () => incompleteSignature('X-Amz-Expires should be a number'),
  expiresNegative: () => incompleteSignature('X-Amz-Expires must be non-negative'),
  expiresTooLong: (maxSeconds: number) =>
    incompleteSignature(
      `X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than ${maxSeconds} seconds`,
    ),
  presignedExpired: () => invalidSignature('Request has expired'),
} as const;

/*
 * ---------------------------------------------------------------------------------------------------------------
 * Grants, imported key material, multi-Region keys, custom key stores and AWS managed keys (issue 9).
 *
 * Each message says where its words come from: "recorded" (models/localstack-aws-validated-snapshots.json),
 * "reported" (a real AWS answer quoted in a public issue or in AWS's documentation), or "ours" (the type is AWS's,
 * from the model and the developer guide; the words follow AWS's style because no real answer was found).
 * ---------------------------------------------------------------------------------------------------------------
 */

/**
 * An AWS authorization refusal, in the form AWS reports it (e.g. terraform-aws-eks-blueprints#485): the key policy
 * of an AWS managed key allows none of the actions that would change the key.
 */
export function accessDenied(callerArn: string, action: string, resourceArn: string): KMSError {
  return Errors.accessDenied(callerArn, `kms:${action}`, resourceArn, 'resource-based', false);
}

export const GrantErrors = {
  /** Reported (ansible/ansible#31960). */
  onlyCreateGrant: () => validation('Grants must not contain only the CreateGrant operation.'),
  /** Ours. */
  noOperations: () => validation('Grants must contain at least one operation.'),
  /** Ours: the developer guide says the request fails with a validation error, not in which words. */
  operationsNotSupported: (operations: readonly string[], keySpec: string, keyUsage: string) =>
    validation(
      `Grant operations ${operations.join(', ')} are not supported by a KMS key with KeySpec ${keySpec} and KeyUsage ${keyUsage}.`,
    ),
  /** Reported (terraform-provider-aws, internal/service/kms/grant.go). */
  moreThanOneConstraint: () => validation('More than one constraint supplied'),
  /** Ours: constraints apply to operations that take an encryption context, on symmetric encryption keys. */
  constraintsNotSupported: (operations: readonly string[]) =>
    validation(
      `Encryption context grant constraints are not supported for grant operations ${operations.join(', ')}: only for operations that take an encryption context, on symmetric encryption KMS keys.`,
    ),
  /** Ours; the limits are documented ("up to 8 encryption context pairs", "cannot exceed 384 characters"). */
  constraintTooManyPairs: (constraint: string, pairs: number) =>
    validation(`${constraint} has ${pairs} encryption context pairs: a grant constraint can have at most 8.`),
  constraintTooLong: (constraint: string, characters: number) =>
    validation(
      `${constraint} has ${characters} characters: the encryption context in a grant constraint cannot exceed 384 characters.`,
    ),
  /** Ours: AWS answers InvalidArnException for a principal it cannot resolve. */
  invalidPrincipal: (member: 'GranteePrincipal' | 'RetiringPrincipal', principal: string) =>
    new KMSError(
      'InvalidArnException',
      `${member} ${principal} is not the ARN of an AWS principal (account, IAM user or role, assumed role, federated user) or an AWS service principal.`,
    ),
  /** Ours. */
  invalidGrantToken: () =>
    new KMSError(
      'InvalidGrantTokenException',
      'The grant token is not valid: pass a GrantToken from CreateGrant.',
    ),
  /** Ours. */
  invalidGrantId: (grantId: string) =>
    new KMSError('InvalidGrantIdException', `Grant ID ${grantId} is not valid for this KMS key.`),
  /** Ours: a well-formed grant ID that names no grant of the key (terraform treats NotFound as already gone). */
  grantNotFound: (grantId: string, keyArn: string) =>
    new KMSError('NotFoundException', `Grant ${grantId} does not exist for ${keyArn}.`),
  /** Ours. */
  retireTarget: () =>
    validation('RetireGrant needs a GrantToken, or a KeyId and a GrantId, to identify the grant.'),
  /** Ours; the quota is documented (grants per KMS key: 50,000). */
  tooManyGrants: (keyArn: string, limit: number) =>
    new KMSError(
      'LimitExceededException',
      `${keyArn} already has ${limit} grants, the most a KMS key can have.`,
    ),
  /** The child grant of a grant that allows CreateGrant: ours. */
  childGrantWider: () =>
    new KMSError(
      'AccessDeniedException',
      'A grant created with the permission of another grant must allow a subset of its operations, with grant constraints at least as strict.',
    ),
} as const;

export const ImportErrors = {
  /** Recorded (test_get_parameters_for_import, test_rotate_key_on_demand_raises_error_given_key_with_imported_key_material). */
  originNotValid: (keyArn: string, origin: string) =>
    new KMSError(
      'UnsupportedOperationException',
      `${keyArn} origin is ${origin} which is not valid for this operation.`,
    ),
  /** Ours: documented "As of October 10, 2023, KMS does not support the RSAES_PKCS1_V1_5 wrapping algorithm". */
  pkcs1Unsupported: () =>
    validation(
      'The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported: use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.',
    ),
  /** Ours, in the words AWS uses for SM2 key specs outside China. */
  notInRegion: (member: 'WrappingKeySpec' | 'WrappingAlgorithm', value: string) =>
    new KMSError('UnsupportedOperationException', `${member} ${value} is not supported in this Region`),
  /**
   * Ours: documented "To import an RSA private key, you must use an RSA_AES wrapping algorithm" and "You cannot use
   * the RSAES_OAEP_SHA_256 wrapping algorithm with the RSA_2048 wrapping key spec to wrap ECC_NIST_P521 key material".
   */
  wrappingCannotCarry: (algorithm: string, wrappingKeySpec: string, keySpec: string) =>
    validation(
      `The wrapping algorithm ${algorithm} with wrapping key spec ${wrappingKeySpec} cannot wrap ${keySpec} key material: use RSA_AES_KEY_WRAP_SHA_256 or RSA_AES_KEY_WRAP_SHA_1.`,
    ),
  /** Ours. */
  invalidImportToken: () =>
    new KMSError(
      'InvalidImportTokenException',
      'The import token is not valid or belongs to another KMS key: use the ImportToken of a GetParametersForImport response for this key.',
    ),
  /** Ours. */
  expiredImportToken: () =>
    new KMSError(
      'ExpiredImportTokenException',
      'The import token has expired: call GetParametersForImport for a new public key and import token.',
    ),
  /** Ours. */
  cannotUnwrap: () =>
    new KMSError(
      'InvalidCiphertextException',
      'KMS cannot decrypt the EncryptedKeyMaterial with the wrapping key and wrapping algorithm of the import token.',
    ),
  /** Ours. */
  materialInvalid: (keySpec: string) =>
    new KMSError(
      'IncorrectKeyMaterialException',
      `The imported key material is not valid for a ${keySpec} KMS key.`,
    ),
  /** Ours, after the model's words for IncorrectKeyMaterialException. */
  materialNotPrevious: () =>
    new KMSError(
      'IncorrectKeyMaterialException',
      'The key material in the request is not the same key material that was previously imported into this KMS key.',
    ),
  /** Ours, after the model's words for IncorrectKeyMaterialException. */
  materialAlreadyAssociated: (materialId: string) =>
    new KMSError(
      'IncorrectKeyMaterialException',
      `KMS expected new key material, but the key material being imported (id: ${materialId}) is already associated with the KMS key.`,
    ),
  /** Ours. */
  materialIdMismatch: (given: string) =>
    new KMSError(
      'IncorrectKeyMaterialException',
      `The key material in the request does not have the KeyMaterialId ${given}.`,
    ),
  /** Recorded (test_import_key_material_raises_if_there_is_already_key_material_pending). */
  materialPendingRotation: (newId: string, keyArn: string, pendingId: string) =>
    new KMSError(
      'KMSInvalidStateException',
      `New key material (id: ${newId}) cannot be imported into KMS key ${keyArn}, because another key material (id: ${pendingId}) is pending rotation.`,
    ),
  /** Ours: the model documents these members as "only usable with symmetric encryption keys". */
  symmetricOnly: (member: 'ImportType' | 'KeyMaterialId' | 'KeyMaterialDescription', keySpec: string) =>
    validation(`${member} is only usable with symmetric encryption keys, not with a ${keySpec} KMS key.`),
  /** Ours: documented "You cannot specify a key material ID with ImportType set to NEW_KEY_MATERIAL". */
  newMaterialWithId: () => validation('You cannot specify a KeyMaterialId with ImportType NEW_KEY_MATERIAL.'),
  /** Ours: documented "You cannot directly import new key material into the replica Region keys". */
  newMaterialIntoReplica: (keyArn: string) =>
    new KMSError(
      'UnsupportedOperationException',
      `${keyArn} is a multi-Region replica key: import new key material into its primary key.`,
    ),
  /** Ours: asymmetric and HMAC keys take one key material for life. */
  newMaterialNotRotatable: (keySpec: string) =>
    new KMSError(
      'UnsupportedOperationException',
      `A ${keySpec} KMS key cannot take new key material after its first import.`,
    ),
  /** Recorded (test_import_key_symmetric). */
  validToRequired: () =>
    validation('A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES'),
  /** Ours, worded like the recorded message above. */
  validToForbidden: () =>
    validation('A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE'),
  /** Ours: documented "The value of this parameter must be a future date and time" and at most 365 days away. */
  validToOutOfRange: () =>
    validation('The validTo date must be in the future and no more than 365 days from the request date.'),
  /** Recorded (test_rotate_key_on_demand_raises_for_no_pending_key_material). */
  noPendingRotation: (keyArn: string) =>
    new KMSError(
      'KMSInvalidStateException',
      `No available key material pending rotation for the key: ${keyArn}.`,
    ),
  /** Ours. */
  materialNotFound: (keyArn: string, materialId: string) =>
    new KMSError('NotFoundException', `Key material ${materialId} is not associated with ${keyArn}.`),
} as const;

export const MultiRegionErrors = {
  /** Recorded (test_replicate_replica_key_should_fail). */
  notPrimary: (keyArn: string) =>
    new KMSError('UnsupportedOperationException', `${keyArn} is not a multi-region primary key.`),
  /** Ours: the type is documented for a Region that already has a related multi-Region key. */
  regionTaken: (keyArn: string, region: string) =>
    new KMSError('AlreadyExistsException', `${keyArn} already has a related multi-Region key in ${region}.`),
  /** Ours. */
  otherPartition: (region: string, partition: string) =>
    validation(`Region ${region} is not in the ${partition} partition of the primary key.`),
  /** Ours. */
  unknownRegion: (region: string) => validation(`KMS is not available in Region ${region}.`),
  /** Ours: documented "There must be an existing replica key in this Region". */
  noReplicaInRegion: (keyArn: string, region: string) =>
    new KMSError('NotFoundException', `${keyArn} has no replica key in ${region}.`),
  /** Ours: documented "you cannot create a multi-Region key in a custom key store". */
  customKeyStore: () =>
    new KMSError(
      'UnsupportedOperationException',
      'Multi-Region keys cannot be created in a custom key store.',
    ),
} as const;

export const CustomKeyStoreErrors = {
  /** Ours. */
  notFound: (what: string) =>
    new KMSError('CustomKeyStoreNotFoundException', `Custom key store ${what} does not exist.`),
  /** Ours. */
  nameInUse: (name: string) =>
    new KMSError(
      'CustomKeyStoreNameInUseException',
      `A custom key store with the name ${name} already exists in this account and Region.`,
    ),
  /** Ours. */
  invalidState: (id: string, state: string, operation: string) =>
    new KMSError(
      'CustomKeyStoreInvalidStateException',
      `Custom key store ${id} is ${state}, which is not valid for ${operation}.`,
    ),
  /** Ours. */
  hasKeys: (id: string) =>
    new KMSError(
      'CustomKeyStoreHasCMKsException',
      `Custom key store ${id} contains KMS keys: delete them (ScheduleKeyDeletion) before deleting the custom key store.`,
    ),
  /** Ours: a member that the custom key store type requires (or forbids). */
  parameterRequired: (member: string, type: string) =>
    validation(`${member} is required for a custom key store of type ${type}.`),
  parameterNotValid: (member: string, type: string) =>
    validation(`${member} is not valid for a custom key store of type ${type}.`),
  /** Ours. */
  clusterInUse: (clusterId: string) =>
    new KMSError(
      'CloudHsmClusterInUseException',
      `CloudHSM cluster ${clusterId} is already associated with a custom key store in this account.`,
    ),
  /** Ours. */
  incorrectTrustAnchor: () =>
    new KMSError(
      'IncorrectTrustAnchorException',
      'The TrustAnchorCertificate is not a PEM-encoded X.509 certificate.',
    ),
  /** Ours. */
  uriInUse: (uri: string) =>
    new KMSError(
      'XksProxyUriInUseException',
      `The external key store proxy address ${uri} is already used by another external key store in this Region.`,
    ),
  /** Ours. */
  uriEndpointInUse: (endpoint: string) =>
    new KMSError(
      'XksProxyUriEndpointInUseException',
      `The XksProxyUriEndpoint ${endpoint} is already associated with another external key store in this Region.`,
    ),
  /** Ours. */
  vpcEndpointServiceInUse: (name: string) =>
    new KMSError(
      'XksProxyVpcEndpointServiceInUseException',
      `The VPC endpoint service ${name} is already associated with another external key store in this Region.`,
    ),
  /** Ours. */
  vpcEndpointServiceNameForPublic: () =>
    new KMSError(
      'XksProxyInvalidConfigurationException',
      'XksProxyVpcEndpointServiceName and XksProxyVpcEndpointServiceOwner are valid only with XksProxyConnectivity VPC_ENDPOINT_SERVICE.',
    ),
  /** Ours: documented "If you change the XksProxyConnectivity to VPC_ENDPOINT_SERVICE, you must also change the XksProxyUriEndpoint and add an XksProxyVpcEndpointServiceName value". */
  connectivityChange: (connectivity: string) =>
    validation(
      `Changing XksProxyConnectivity to ${connectivity} also needs a new XksProxyUriEndpoint${connectivity === 'VPC_ENDPOINT_SERVICE' ? ' and an XksProxyVpcEndpointServiceName' : ''}.`,
    ),
  /** Ours; the quota is documented (custom key stores per account and Region: 10). */
  tooMany: (limit: number) =>
    new KMSError(
      'LimitExceededException',
      `This account already has ${limit} custom key stores in this Region.`,
    ),
  /** Ours: documented for GenerateRandom with an external key store. */
  externalGenerateRandom: () =>
    new KMSError(
      'UnsupportedOperationException',
      'GenerateRandom cannot use an external key store: give the ID of an AWS CloudHSM key store.',
    ),
  /** Ours: the documented requirements for keys in a custom key store. */
  keySpecNotSupported: (keySpec: string) =>
    new KMSError(
      'UnsupportedOperationException',
      `KeySpec ${keySpec} is not supported in a custom key store: only SYMMETRIC_DEFAULT keys can be created there.`,
    ),
  originMismatch: (origin: string, type: string) =>
    new KMSError(
      'UnsupportedOperationException',
      `Origin ${origin} does not match the custom key store type ${type}.`,
    ),
  /** Ours. */
  xksKeyIdRequired: () =>
    validation(
      'XksKeyId is required for a KMS key with Origin EXTERNAL_KEY_STORE, and valid for no other origin.',
    ),
  /** Ours. */
  xksKeyInUse: (xksKeyId: string) =>
    new KMSError(
      'XksKeyAlreadyInUseException',
      `The external key ${xksKeyId} is already associated with another KMS key in this external key store.`,
    ),
  /** Ours. */
  bothFilters: () => validation('Specify either CustomKeyStoreId or CustomKeyStoreName, not both.'),
} as const;
