import type { KeyState, OperationName } from '../../protocol/index.ts';
import type { KMSError } from '../errors.ts';
import { Errors } from '../messages.ts';
import type { LoadedKey } from './key.ts';

/**
 * Which operations each key state allows, and AWS's error when it does not: the table of "Key states of AWS KMS
 * keys" in the AWS KMS developer guide, one row per operation on an existing key, a state absent from a row being
 * allowed. Where AWS's answer depends on more than the state (imported material, custom key stores) the origin
 * and the key store decide, not this table.
 *
 * - Cryptographic operations need an Enabled key: a Disabled one is DisabledException, any other state
 *   KMSInvalidStateException. Multi-Region keys stay usable while Updating (their primary Region moves).
 * - Management goes on in every state but PendingDeletion (and a replica's Creating, a primary's
 *   PendingReplicaDeletion); EnableKey and DisableKey need Enabled or Disabled.
 * - CancelKeyDeletion needs a key pending deletion.
 * - Reading a key's metadata, policy, tags, rotations and usage goes on in every state.
 */

type Refusal = (key: LoadedKey) => KMSError;
type Row = Readonly<Partial<Record<KeyState, Refusal>>>;

/** The operations that take no existing key (they create one, list all, or concern custom key stores). */
type KeylessOperation =
  | 'CreateKey'
  | 'ListKeys'
  | 'GenerateRandom'
  | 'ListRetirableGrants'
  | 'ConnectCustomKeyStore'
  | 'CreateCustomKeyStore'
  | 'DeleteCustomKeyStore'
  | 'DescribeCustomKeyStores'
  | 'DisconnectCustomKeyStore'
  | 'UpdateCustomKeyStore';

/** Every operation on an existing key: one the model gains fails to compile until it has a row. */
export type KeyOperation = Exclude<OperationName, KeylessOperation>;

const disabled: Refusal = (key) => Errors.disabled(key.arn);
const invalid: Refusal = (key) => Errors.invalidState(key.arn, key.record.keyState);
const notPendingDeletion: Refusal = (key) => Errors.notPendingDeletion(key.arn);

const ANY_STATE: Row = {};
const USE: Row = {
  Disabled: disabled,
  PendingDeletion: invalid,
  PendingImport: invalid,
  Unavailable: invalid,
  Creating: invalid,
  PendingReplicaDeletion: invalid,
};
/** Rotation and replication change what every related key holds: not while a multi-Region key is Updating. */
const USE_AND_CHANGE: Row = { ...USE, Updating: invalid };
const MANAGE: Row = { PendingDeletion: invalid, Creating: invalid, PendingReplicaDeletion: invalid };
const ENABLE_OR_DISABLE: Row = {
  PendingDeletion: invalid,
  PendingImport: invalid,
  Unavailable: invalid,
  Creating: invalid,
  Updating: invalid,
  PendingReplicaDeletion: invalid,
};
const CANCEL_DELETION: Row = {
  Enabled: notPendingDeletion,
  Disabled: notPendingDeletion,
  PendingImport: notPendingDeletion,
  Unavailable: notPendingDeletion,
  Creating: notPendingDeletion,
  Updating: notPendingDeletion,
};
/** Grants can be made for a key that is Unavailable, but not for a disabled one. */
const GRANT: Row = {
  Disabled: disabled,
  PendingDeletion: invalid,
  PendingImport: invalid,
  Creating: invalid,
  PendingReplicaDeletion: invalid,
};

export const KEY_STATE_RULES: Readonly<Record<KeyOperation, Row>> = {
  Encrypt: USE,
  Decrypt: USE,
  ReEncrypt: USE,
  GenerateDataKey: USE,
  GenerateDataKeyWithoutPlaintext: USE,
  GenerateDataKeyPair: USE,
  GenerateDataKeyPairWithoutPlaintext: USE,
  Sign: USE,
  Verify: USE,
  GenerateMac: USE,
  VerifyMac: USE,
  GetPublicKey: USE,
  DeriveSharedSecret: USE,

  EnableKeyRotation: USE_AND_CHANGE,
  DisableKeyRotation: USE_AND_CHANGE,
  RotateKeyOnDemand: USE_AND_CHANGE,
  ReplicateKey: USE_AND_CHANGE,
  UpdatePrimaryRegion: USE_AND_CHANGE,

  EnableKey: ENABLE_OR_DISABLE,
  DisableKey: ENABLE_OR_DISABLE,
  ScheduleKeyDeletion: MANAGE,
  CancelKeyDeletion: CANCEL_DELETION,
  UpdateKeyDescription: MANAGE,
  CreateAlias: MANAGE,
  UpdateAlias: MANAGE,
  TagResource: MANAGE,
  UntagResource: MANAGE,
  GetParametersForImport: MANAGE,
  ImportKeyMaterial: MANAGE,
  DeleteImportedKeyMaterial: MANAGE,
  CreateGrant: GRANT,

  DescribeKey: ANY_STATE,
  DeleteAlias: ANY_STATE,
  ListAliases: ANY_STATE,
  GetKeyPolicy: ANY_STATE,
  PutKeyPolicy: ANY_STATE,
  ListKeyPolicies: ANY_STATE,
  ListResourceTags: ANY_STATE,
  GetKeyRotationStatus: ANY_STATE,
  ListKeyRotations: ANY_STATE,
  GetKeyLastUsage: ANY_STATE,
  ListGrants: ANY_STATE,
  RetireGrant: ANY_STATE,
  RevokeGrant: ANY_STATE,
};

/** Throws AWS's error when the key's state does not allow the operation. */
export function checkState(key: LoadedKey, operation: KeyOperation): void {
  const refuse = KEY_STATE_RULES[operation][key.record.keyState];
  if (refuse) throw refuse(key);
}
