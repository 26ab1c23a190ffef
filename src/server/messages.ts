import type { KeyState } from '../protocol/index.ts';
import { KMSError } from './errors.ts';

/**
 * Every error a KMS operation answers with, in one place: AWS's error type, HTTP status and message. Where the
 * AWS-validated snapshots (models/localstack-aws-validated-snapshots.json) record a message, it is copied here
 * verbatim; elsewhere the message follows AWS's style and says what to fix. Real KMS answers every client error
 * with HTTP 400 (the snapshots show it even for NotFound, Disabled and KMSInvalidState), so no status is given.
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
