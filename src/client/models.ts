import type {
  AliasListEntry,
  CreateGrantRequest,
  CreateGrantResponse,
  DataKeySpec,
  DeriveSharedSecretRequest,
  DeriveSharedSecretResponse,
  EncryptionAlgorithmSpec,
  GenerateDataKeyPairRequest,
  GenerateDataKeyPairResponse,
  GenerateDataKeyPairWithoutPlaintextResponse,
  GenerateMacRequest,
  GenerateMacResponse,
  GenerateRandomRequest,
  GetPublicKeyRequest,
  GetPublicKeyResponse,
  GrantConstraints,
  ReEncryptRequest,
  ReEncryptResponse,
  ScheduleKeyDeletionResponse,
  SignRequest,
  SignResponse,
  VerifyRequest,
} from '../protocol/index.ts';

/** A KMS key as ListKeys returns it. */
export class KMSKey {
  /** The key ID, e.g. `1234abcd-12ab-34cd-56ef-1234567890ab`. */
  keyId: string;
  /** The key ARN, e.g. `arn:aws:kms:us-east-1:111122223333:key/1234abcd-...`. */
  keyArn: string;

  constructor(keyId: string, keyArn: string) {
    this.keyId = keyId;
    this.keyArn = keyArn;
  }
}

/** A data key from GenerateDataKey. */
export class KMSDataKey {
  /** The ARN of the KMS key that encrypted the data key. */
  id: string;
  /** The encrypted copy of the data key, base64. */
  ciphertextBlob: string;
  /** The plaintext data key, base64: use it outside KMS, then drop it. */
  plaintext: string;

  constructor(id: string, ciphertextBlob: string, plaintext: string) {
    this.id = id;
    this.ciphertextBlob = ciphertextBlob;
    this.plaintext = plaintext;
  }
}

/** A data key from GenerateDataKeyWithoutPlaintext: only the encrypted copy. */
export interface KMSEncryptedDataKey {
  /** The ARN of the KMS key that encrypted the data key. */
  id: string;
  /** base64 */
  ciphertextBlob: string;
}

export interface DataKeyOptions {
  /** 1 to 1024; defaults to 32 when neither this nor `keySpec` is given. */
  numberOfBytes?: number;
  keySpec?: DataKeySpec;
  encryptionContext?: Record<string, string>;
  grantTokens?: string[];
}

export interface EncryptOptions {
  encryptionContext?: Record<string, string>;
  grantTokens?: string[];
  encryptionAlgorithm?: EncryptionAlgorithmSpec;
}

export interface DecryptOptions extends EncryptOptions {
  /** Required for asymmetric keys; for symmetric keys it makes KMS check the ciphertext is this key's. */
  keyId?: string;
}

export interface KMSEncryptResult {
  /** The ARN of the KMS key that encrypted the plaintext. */
  keyId: string;
  /** base64 */
  ciphertextBlob: string;
  encryptionAlgorithm: string;
}

export interface KMSDecryptResult {
  /** The ARN of the KMS key that decrypted the ciphertext. */
  keyId: string;
  /** The decrypted bytes, base64. */
  plaintext: string;
  encryptionAlgorithm: string;
}

// The methods beyond these take and return AWS's wire members with their first letter lowercased (`KeyId` →
// `keyId`): the types below derive them from the model, so that they follow it. Blobs are base64 strings and
// timestamps epoch seconds, as on the wire. The Nitro Enclaves `Recipient` is left to `send()`.

/** `{ KeyId: string }` → `{ keyId: string }`. */
export type CamelCase<T> = { [K in keyof T as Uncapitalize<K & string>]: T[K] };
/** An operation's answer in camelCase, with the members KMS always returns required. */
export type Result<T, Always extends keyof T> = CamelCase<Omit<T, Always | 'CiphertextForRecipient'>> &
  Required<CamelCase<Pick<T, Always>>>;
/** An operation's members other than the method's arguments, all optional, in camelCase. */
export type Options<T, Arguments extends keyof T> = Partial<CamelCase<Omit<T, Arguments | 'Recipient'>>>;

export type SignOptions = Options<SignRequest, 'KeyId' | 'Message' | 'SigningAlgorithm'>;
export type KMSSignResult = Result<SignResponse, 'KeyId' | 'Signature' | 'SigningAlgorithm'>;
export type VerifyOptions = Options<VerifyRequest, 'KeyId' | 'Message' | 'Signature' | 'SigningAlgorithm'>;
export type GetPublicKeyOptions = Options<GetPublicKeyRequest, 'KeyId'>;
export type KMSPublicKey = Result<GetPublicKeyResponse, 'KeyId' | 'PublicKey' | 'KeySpec' | 'KeyUsage'>;
export type MacOptions = Options<GenerateMacRequest, 'KeyId' | 'Message' | 'MacAlgorithm'>;
export type KMSMacResult = Result<GenerateMacResponse, 'KeyId' | 'Mac' | 'MacAlgorithm'>;
export type DataKeyPairOptions = Options<GenerateDataKeyPairRequest, 'KeyId' | 'KeyPairSpec'>;
export type KMSDataKeyPair = Result<
  GenerateDataKeyPairResponse,
  'KeyId' | 'KeyPairSpec' | 'PublicKey' | 'PrivateKeyPlaintext' | 'PrivateKeyCiphertextBlob'
>;
export type KMSDataKeyPairWithoutPlaintext = Result<
  GenerateDataKeyPairWithoutPlaintextResponse,
  'KeyId' | 'KeyPairSpec' | 'PublicKey' | 'PrivateKeyCiphertextBlob'
>;
/** `keyAgreementAlgorithm` defaults to `ECDH`, the only one KMS has. */
export type DeriveSharedSecretOptions = Options<DeriveSharedSecretRequest, 'KeyId' | 'PublicKey'>;
export type KMSSharedSecret = Result<
  DeriveSharedSecretResponse,
  'KeyId' | 'SharedSecret' | 'KeyAgreementAlgorithm' | 'KeyOrigin'
>;
export type ReEncryptOptions = Options<ReEncryptRequest, 'CiphertextBlob' | 'DestinationKeyId'>;
export type KMSReEncryptResult = Result<
  ReEncryptResponse,
  'CiphertextBlob' | 'KeyId' | 'SourceKeyId' | 'SourceEncryptionAlgorithm' | 'DestinationEncryptionAlgorithm'
>;
export type GenerateRandomOptions = Options<GenerateRandomRequest, 'NumberOfBytes'>;
export type KMSAlias = Result<AliasListEntry, 'AliasName' | 'AliasArn'>;
export type KMSKeyDeletion = Result<
  ScheduleKeyDeletionResponse,
  'KeyId' | 'DeletionDate' | 'KeyState' | 'PendingWindowInDays'
>;
export type CreateGrantOptions = Options<
  CreateGrantRequest,
  'KeyId' | 'GranteePrincipal' | 'Operations' | 'Constraints'
> & { constraints?: CamelCase<GrantConstraints> };
export type KMSGrant = Result<CreateGrantResponse, 'GrantId' | 'GrantToken'>;
