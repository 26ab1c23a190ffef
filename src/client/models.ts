import type { DataKeySpec, EncryptionAlgorithmSpec } from '../protocol/index.ts';

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
