/**
 * The AWS KMS keyring (aws-encryption-sdk-specification framework/aws-kms/aws-kms-keyring): a generator key that
 * makes the data key (GenerateDataKey) and more keys that each wrap a copy of it (Encrypt), so that any one of them
 * can decrypt the message. Its KMS calls go through the client's public methods.
 */
import type { KMSClient } from '../kms-client.ts';
import { envelopeCrypto } from '../runtime/envelope-crypto.ts';
import { EnvelopeError } from './errors.ts';
import type { EncryptedDataKey, EncryptionContext } from './format.ts';
import { DATA_KEY_BYTES } from './suites.ts';

/** What the keyring needs of a KMSClient: the k6 bundle's and the Node entry's both fit. */
export type KeyringKMSClient = Pick<KMSClient, 'generateDataKey' | 'encrypt' | 'decrypt'>;

export interface KmsKeyringOptions {
  /** The key that generates data keys; required to encrypt. A key ID, key ARN, alias name or alias ARN. */
  generatorKeyId?: string;
  /** Keys that each wrap another copy of the data key. To decrypt, name keys by their key ARN. */
  keyIds?: string[];
  grantTokens?: string[];
}

/** The key provider ID of encrypted data keys wrapped by AWS KMS. */
export const KMS_PROVIDER_ID = 'aws-kms';

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === 'string' ? code : error.name}: ${error.message}`;
  }
  return String(error);
}

function checkKeyId(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new EnvelopeError(`invalid KmsKeyring ${name}: expected a non-empty key ID, key ARN or alias`);
  }
  return value;
}

export class KmsKeyring {
  readonly generatorKeyId: string | undefined;
  readonly keyIds: readonly string[];
  readonly grantTokens: readonly string[] | undefined;
  readonly #kms: KeyringKMSClient;

  constructor(kms: KeyringKMSClient, options: KmsKeyringOptions) {
    if (typeof kms?.generateDataKey !== 'function' || typeof kms.decrypt !== 'function') {
      throw new EnvelopeError('invalid KmsKeyring client: expected a KMSClient');
    }
    const { generatorKeyId, keyIds = [], grantTokens } = options ?? {};
    this.generatorKeyId =
      generatorKeyId === undefined ? undefined : checkKeyId(generatorKeyId, 'generatorKeyId');
    if (!Array.isArray(keyIds)) throw new EnvelopeError('invalid KmsKeyring keyIds: expected an array');
    this.keyIds = keyIds.map((keyId, i) => checkKeyId(keyId, `keyIds[${i}]`));
    if (this.generatorKeyId === undefined && this.keyIds.length === 0) {
      throw new EnvelopeError('invalid KmsKeyring: give a generatorKeyId, keyIds, or both');
    }
    this.grantTokens = grantTokens;
    this.#kms = kms;
  }

  /** A new data key under the generator, plus a copy wrapped by each other key, all bound to the context. */
  async onEncrypt(
    encryptionContext: EncryptionContext,
  ): Promise<{ dataKey: Uint8Array; encryptedDataKeys: EncryptedDataKey[] }> {
    if (this.generatorKeyId === undefined) {
      throw new EnvelopeError('the KmsKeyring has no generatorKeyId: it can decrypt but not encrypt');
    }
    const { fromBase64 } = envelopeCrypto();
    const options = { encryptionContext, grantTokens: this.grantTokens as string[] | undefined };
    const generated = await this.#kms.generateDataKey(this.generatorKeyId, {
      numberOfBytes: DATA_KEY_BYTES,
      ...options,
    });
    const dataKey = fromBase64(generated.plaintext);
    if (dataKey.length !== DATA_KEY_BYTES || !generated.id) {
      throw new EnvelopeError(`GenerateDataKey under ${this.generatorKeyId} answered an unusable data key`);
    }
    const wrapped = await Promise.all(this.keyIds.map((keyId) => this.#kms.encrypt(keyId, dataKey, options)));
    return {
      dataKey,
      encryptedDataKeys: [
        {
          providerId: KMS_PROVIDER_ID,
          providerInfo: generated.id,
          encryptedDataKey: fromBase64(generated.ciphertextBlob),
        },
        ...wrapped.map((out) => ({
          providerId: KMS_PROVIDER_ID,
          providerInfo: out.keyId,
          encryptedDataKey: fromBase64(out.ciphertextBlob),
        })),
      ],
    };
  }

  /**
   * The data key from the first encrypted data key that one of this keyring's keys (by ARN) decrypts under the
   * context; the others are tried in order when KMS refuses one.
   */
  async onDecrypt(
    encryptedDataKeys: EncryptedDataKey[],
    encryptionContext: EncryptionContext,
  ): Promise<Uint8Array> {
    const { base64, fromBase64 } = envelopeCrypto();
    const ours = [this.generatorKeyId, ...this.keyIds].filter((keyId) => keyId !== undefined);
    const candidates = encryptedDataKeys.filter(
      (key) => key.providerId === KMS_PROVIDER_ID && ours.includes(key.providerInfo),
    );
    if (candidates.length === 0) {
      const theirs = encryptedDataKeys.map((key) => `${key.providerId} ${key.providerInfo}`).join(', ');
      throw new EnvelopeError(
        `none of the message's encrypted data keys (${theirs}) is under a KMS key of the keyring (${ours.join(', ')})`,
      );
    }
    const failures: string[] = [];
    for (const candidate of candidates) {
      try {
        const out = await this.#kms.decrypt(base64(candidate.encryptedDataKey), {
          keyId: candidate.providerInfo,
          encryptionContext,
          grantTokens: this.grantTokens as string[] | undefined,
        });
        const dataKey = fromBase64(out.plaintext);
        if (out.keyId === candidate.providerInfo && dataKey.length === DATA_KEY_BYTES) return dataKey;
        failures.push(`${candidate.providerInfo}: KMS answered an unusable data key`);
      } catch (error) {
        failures.push(`${candidate.providerInfo}: ${describeError(error)}`);
      }
    }
    throw new EnvelopeError(`no KMS key of the keyring decrypted the data key (${failures.join('; ')})`);
  }
}
