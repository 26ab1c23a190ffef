import type {
  DataKeyPairSpec,
  GrantOperation,
  KeyMetadata,
  KMSOperations,
  MacAlgorithmSpec,
  SigningAlgorithmSpec,
} from '../protocol/index.ts';
import { KMSServiceError } from './errors.ts';
import { dataKeyInput, eachPage, KMSClientLite } from './kms-client-lite.ts';
import type {
  CreateGrantOptions,
  DataKeyOptions,
  DataKeyPairOptions,
  DecryptOptions,
  DeriveSharedSecretOptions,
  EncryptOptions,
  GenerateRandomOptions,
  GetPublicKeyOptions,
  KMSAlias,
  KMSDataKeyPair,
  KMSDataKeyPairWithoutPlaintext,
  KMSDecryptResult,
  KMSEncryptedDataKey,
  KMSEncryptResult,
  KMSGrant,
  KMSKeyDeletion,
  KMSMacResult,
  KMSPublicKey,
  KMSReEncryptResult,
  KMSSharedSecret,
  KMSSignResult,
  MacOptions,
  ReEncryptOptions,
  SignOptions,
  VerifyOptions,
} from './models.ts';
import { runtime } from './runtime/runtime.ts';
import { fromWire, toWire } from './wire.ts';

/** KMS answers a signature or MAC that does not match with an error; the methods answer `false`. */
async function validity(check: Promise<boolean>, mismatchCode: string): Promise<boolean> {
  try {
    return await check;
  } catch (error) {
    if (error instanceof KMSServiceError && error.code === mismatchCode) return false;
    throw error;
  }
}

/**
 * The whole client: the jslib's surface (KMSClientLite, the lite k6 bundle's KMSClient) plus a method for each
 * operation that scripts use most, each one `send()`. From `sign` on, the methods take AWS's required members
 * as arguments and the others as camelCase options, and answer in camelCase (models.ts derives both from the
 * model). A message is a string (its UTF-8 bytes) or bytes, up to 4096; other blobs are base64 strings, as KMS
 * gives them.
 */
export class KMSClient extends KMSClientLite {
  async generateDataKeyWithoutPlaintext(
    id: string,
    size: number | DataKeyOptions = 32,
  ): Promise<KMSEncryptedDataKey> {
    const operation = 'GenerateDataKeyWithoutPlaintext';
    const out = await this.send(operation, dataKeyInput(operation, id, size));
    return { id: out.KeyId ?? '', ciphertextBlob: out.CiphertextBlob ?? '' };
  }

  /** Encrypts bytes, or a string's UTF-8 bytes (up to 4096 bytes). */
  async encrypt(
    keyId: string,
    plaintext: string | Uint8Array,
    options: EncryptOptions = {},
  ): Promise<KMSEncryptResult> {
    const out = await this.send('Encrypt', {
      ...toWire(options),
      KeyId: keyId,
      Plaintext: runtime().base64(plaintext),
    });
    return {
      keyId: out.KeyId ?? '',
      ciphertextBlob: out.CiphertextBlob ?? '',
      encryptionAlgorithm: out.EncryptionAlgorithm ?? '',
    };
  }

  /** Decrypts a base64 ciphertext blob; the plaintext comes back base64, like a data key's. */
  async decrypt(ciphertextBlob: string, options: DecryptOptions = {}): Promise<KMSDecryptResult> {
    const out = await this.send('Decrypt', { ...toWire(options), CiphertextBlob: ciphertextBlob });
    return {
      keyId: out.KeyId ?? '',
      plaintext: out.Plaintext ?? '',
      encryptionAlgorithm: out.EncryptionAlgorithm ?? '',
    };
  }

  /** The key's metadata, as AWS returns it. */
  async describeKey(keyId: string): Promise<KeyMetadata> {
    return (await this.send('DescribeKey', { KeyId: keyId })).KeyMetadata as KeyMetadata;
  }

  /** Creates a key from CreateKey's wire input (e.g. `{ Description, KeySpec, KeyUsage }`); returns its metadata. */
  async createKey(input: KMSOperations['CreateKey']['input'] = {}): Promise<KeyMetadata> {
    return (await this.send('CreateKey', input)).KeyMetadata as KeyMetadata;
  }

  /** `aliasName` starts with `alias/`. */
  async createAlias(aliasName: string, targetKeyId: string): Promise<void> {
    await this.send('CreateAlias', { AliasName: aliasName, TargetKeyId: targetKeyId });
  }

  /** Signs with an asymmetric SIGN_VERIFY key (or, with `messageType: 'DIGEST'`, signs a digest). */
  async sign(
    keyId: string,
    message: string | Uint8Array,
    signingAlgorithm: SigningAlgorithmSpec,
    options: SignOptions = {},
  ): Promise<KMSSignResult> {
    const input = { ...toWire(options), KeyId: keyId, Message: runtime().base64(message) };
    return fromWire(await this.send('Sign', { ...input, SigningAlgorithm: signingAlgorithm }));
  }

  /** `true` if `signature` (base64) is the key's signature of the message; `false` when KMS says it is not. */
  verify(
    keyId: string,
    message: string | Uint8Array,
    signature: string,
    signingAlgorithm: SigningAlgorithmSpec,
    options: VerifyOptions = {},
  ): Promise<boolean> {
    const input = { ...toWire(options), KeyId: keyId, Message: runtime().base64(message) };
    const answer = this.send('Verify', {
      ...input,
      Signature: signature,
      SigningAlgorithm: signingAlgorithm,
    });
    return validity(
      answer.then((out) => out.SignatureValid === true),
      'KMSInvalidSignatureException',
    );
  }

  /** The public key of an asymmetric key (DER SubjectPublicKeyInfo, base64) and what it may be used for. */
  async getPublicKey(keyId: string, options: GetPublicKeyOptions = {}): Promise<KMSPublicKey> {
    return fromWire(await this.send('GetPublicKey', { ...toWire(options), KeyId: keyId }));
  }

  /** An HMAC of the message under an HMAC key. */
  async generateMac(
    keyId: string,
    message: string | Uint8Array,
    macAlgorithm: MacAlgorithmSpec,
    options: MacOptions = {},
  ): Promise<KMSMacResult> {
    const input = { ...toWire(options), KeyId: keyId, Message: runtime().base64(message) };
    return fromWire(await this.send('GenerateMac', { ...input, MacAlgorithm: macAlgorithm }));
  }

  /** `true` if `mac` (base64) is the key's HMAC of the message; `false` when KMS says it is not. */
  verifyMac(
    keyId: string,
    message: string | Uint8Array,
    mac: string,
    macAlgorithm: MacAlgorithmSpec,
    options: MacOptions = {},
  ): Promise<boolean> {
    const input = { ...toWire(options), KeyId: keyId, Message: runtime().base64(message) };
    const answer = this.send('VerifyMac', { ...input, Mac: mac, MacAlgorithm: macAlgorithm });
    return validity(
      answer.then((out) => out.MacValid === true),
      'KMSInvalidMacException',
    );
  }

  /** A new asymmetric key pair: the public key, the private key in plaintext and encrypted under `keyId`. */
  async generateDataKeyPair(
    keyId: string,
    keyPairSpec: DataKeyPairSpec,
    options: DataKeyPairOptions = {},
  ): Promise<KMSDataKeyPair> {
    const input = { ...toWire(options), KeyId: keyId, KeyPairSpec: keyPairSpec };
    return fromWire(await this.send('GenerateDataKeyPair', input));
  }

  async generateDataKeyPairWithoutPlaintext(
    keyId: string,
    keyPairSpec: DataKeyPairSpec,
    options: DataKeyPairOptions = {},
  ): Promise<KMSDataKeyPairWithoutPlaintext> {
    const input = { ...toWire(options), KeyId: keyId, KeyPairSpec: keyPairSpec };
    return fromWire(await this.send('GenerateDataKeyPairWithoutPlaintext', input));
  }

  /** ECDH between a KEY_AGREEMENT key's private key and `publicKey` (DER SubjectPublicKeyInfo, base64). */
  async deriveSharedSecret(
    keyId: string,
    publicKey: string,
    options: DeriveSharedSecretOptions = {},
  ): Promise<KMSSharedSecret> {
    const input = { KeyAgreementAlgorithm: 'ECDH' as const, ...toWire(options), KeyId: keyId };
    return fromWire(await this.send('DeriveSharedSecret', { ...input, PublicKey: publicKey }));
  }

  /** Decrypts a ciphertext blob and encrypts it again under `destinationKeyId`, inside KMS. */
  async reEncrypt(
    ciphertextBlob: string,
    destinationKeyId: string,
    options: ReEncryptOptions = {},
  ): Promise<KMSReEncryptResult> {
    const input = { ...toWire(options), CiphertextBlob: ciphertextBlob, DestinationKeyId: destinationKeyId };
    return fromWire(await this.send('ReEncrypt', input));
  }

  /** `numberOfBytes` (1-1024) random bytes, base64. */
  async generateRandom(numberOfBytes: number, options: GenerateRandomOptions = {}): Promise<string> {
    const out = await this.send('GenerateRandom', { ...toWire(options), NumberOfBytes: numberOfBytes });
    return out.Plaintext ?? '';
  }

  /** Every alias, or `keyId`'s, following all pages. `limit` is the page size (1-100). */
  async listAliases(options: { keyId?: string; limit?: number } = {}): Promise<KMSAlias[]> {
    const aliases: KMSAlias[] = [];
    await eachPage(this.paginate('ListAliases', toWire(options)), (page) => {
      for (const alias of page.Aliases ?? []) aliases.push(fromWire(alias));
    });
    return aliases;
  }

  /** Schedules the key's deletion after `pendingWindowInDays` (7-30, KMS's default 30). */
  async scheduleKeyDeletion(keyId: string, pendingWindowInDays?: number): Promise<KMSKeyDeletion> {
    const input = { KeyId: keyId, PendingWindowInDays: pendingWindowInDays };
    return fromWire(await this.send('ScheduleKeyDeletion', input));
  }

  /** Turns on automatic rotation every `rotationPeriodInDays` (90-2560, KMS's default 365). */
  async enableKeyRotation(keyId: string, rotationPeriodInDays?: number): Promise<void> {
    await this.send('EnableKeyRotation', { KeyId: keyId, RotationPeriodInDays: rotationPeriodInDays });
  }

  /** Lets `granteePrincipal` (an ARN) run `operations` with the key; `constraints` bind an encryption context. */
  async createGrant(
    keyId: string,
    granteePrincipal: string,
    operations: GrantOperation[],
    options: CreateGrantOptions = {},
  ): Promise<KMSGrant> {
    const { constraints, ...rest } = options;
    const input = {
      ...toWire(rest),
      KeyId: keyId,
      GranteePrincipal: granteePrincipal,
      Operations: operations,
    };
    const out = await this.send('CreateGrant', {
      ...input,
      Constraints: constraints && toWire(constraints),
    });
    return fromWire(out);
  }
}
