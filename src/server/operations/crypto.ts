import type {
  EncryptionAlgorithmSpec,
  GenerateDataKeyPairRequest,
  GenerateDataKeyRequest,
} from '../../protocol/index.ts';
import type { Handlers, OperationContext, Output } from '../context.ts';
import { open, parseCiphertext, seal } from '../crypto/ciphertext.ts';
import type { EncryptionContext } from '../crypto/encryption-context.ts';
import type { PublicKeyEncryption } from '../crypto/key-crypto.ts';
import { generateDataKeyPair as generateKeyPair } from '../crypto/key-specs.ts';
import { randomBytesFromPool } from '../crypto/random.ts';
import { checkGenerateRandom } from '../custom-key-stores/custom-key-store.ts';
import { checkAlgorithm, currentMaterial, type LoadedKey } from '../keys/key.ts';
import type { CryptographicOperation } from '../keys/kinds.ts';
import { Errors } from '../messages.ts';
import type { Store } from '../store/store.ts';
import { findCiphertextKey, findCustomKeyStore, resolveKey } from './resolve.ts';
import { checkUsable, recordUse, usableKey } from './use.ts';

/** The algorithm a request that names none gets (the model's default). */
const DEFAULT_ALGORITHM: EncryptionAlgorithmSpec = 'SYMMETRIC_DEFAULT';
const MAX_PLAINTEXT_BYTES = 4096;

/** The encryption algorithm a request names, or the default, once the key is found to offer it. */
function encryptionAlgorithm(key: LoadedKey, requested: EncryptionAlgorithmSpec | undefined) {
  const algorithm = requested ?? DEFAULT_ALGORITHM;
  checkAlgorithm(key, 'EncryptionAlgorithms', algorithm);
  return algorithm;
}

/**
 * The public-key encryption (RSAES-OAEP) of an asymmetric key, or undefined for a symmetric one, whose ciphertexts
 * are kmslab's blobs. An asymmetric ciphertext is the bare RSA output: it has no room for an encryption context.
 */
function publicKeyEncryption(
  key: LoadedKey,
  algorithm: EncryptionAlgorithmSpec,
  context: EncryptionContext | undefined,
): PublicKeyEncryption | undefined {
  const scheme = key.kind.crypto?.encryption?.[algorithm];
  if (scheme && context !== undefined && Object.keys(context).length > 0)
    throw Errors.asymmetricEncryptionContext();
  return scheme;
}

function plaintextOf(base64: string): Buffer {
  const plaintext = Buffer.from(base64, 'base64');
  if (plaintext.length === 0) throw Errors.plaintextEmpty();
  if (plaintext.length > MAX_PLAINTEXT_BYTES) throw Errors.plaintextTooLong(MAX_PLAINTEXT_BYTES);
  return plaintext;
}

function dataKeyLength(input: GenerateDataKeyRequest): number {
  if (input.NumberOfBytes !== undefined && input.KeySpec !== undefined) throw Errors.dataKeyLengthTwice();
  if (input.KeySpec !== undefined) return input.KeySpec === 'AES_128' ? 16 : 32;
  if (input.NumberOfBytes !== undefined) return input.NumberOfBytes;
  throw Errors.dataKeyLengthMissing();
}

export function cryptoHandlers(store: Store, accounts: readonly string[]): Partial<Handlers> {
  /** Encrypts under the key's current material, with the algorithm that the key was found to offer. */
  function encrypt(
    key: LoadedKey,
    algorithm: EncryptionAlgorithmSpec,
    plaintext: Uint8Array,
    context: EncryptionContext | undefined,
  ) {
    const material = currentMaterial(key);
    const scheme = publicKeyEncryption(key, algorithm, context);
    const blob = scheme
      ? scheme.encrypt(material.bytes, Buffer.from(plaintext))
      : seal(
          plaintext,
          material.bytes,
          { keyId: key.record.keyId, materialId: material.materialId },
          key.binding,
          context,
        );
    return { blob, materialId: material.materialId };
  }

  /**
   * The key a ciphertext was made under, its plaintext and algorithm; every way it fails to open is
   * InvalidCiphertext. A symmetric blob names its key; an asymmetric ciphertext names nothing, so the request must
   * name its key (and the algorithm, which is SYMMETRIC_DEFAULT otherwise, and so refused for an RSA key). The
   * model leaves the blob optional; validation requires it as AWS does.
   */
  function decrypt(
    context: OperationContext,
    ciphertext: string | undefined,
    encryptionContext: EncryptionContext | undefined,
    requestedKeyId: string | undefined,
    requestedAlgorithm: EncryptionAlgorithmSpec | undefined,
    operation: CryptographicOperation,
  ) {
    const { caller, now } = context;
    const requested =
      requestedKeyId === undefined ? undefined : resolveKey(store, context, requestedKeyId, 'key-or-alias');
    const blob = Buffer.from(ciphertext ?? '', 'base64');
    if (requested?.kind.crypto?.encryption) {
      checkUsable(store, requested, operation, now);
      const algorithm = encryptionAlgorithm(requested, requestedAlgorithm);
      const scheme = publicKeyEncryption(requested, algorithm, encryptionContext);
      const material = currentMaterial(requested);
      const plaintext = scheme?.decrypt(material.bytes, blob);
      if (!plaintext) throw Errors.invalidCiphertext();
      return { key: requested, plaintext, materialId: material.materialId, algorithm };
    }
    const parsed = parseCiphertext(blob);
    if (!parsed) throw Errors.invalidCiphertext();
    const key = requested
      ? store.findKey(requested.record, parsed.keyId)
      : findCiphertextKey(store, caller, parsed.keyId, accounts);
    if (requested && requested.arn !== key?.arn) throw Errors.incorrectKey();
    // A blob naming no key of the accounts kmslab knows, in this region (deleted or forged), can't be opened.
    if (!key) throw Errors.invalidCiphertext();
    checkUsable(store, key, operation, now);
    const material = key.byMaterialId.get(parsed.materialId);
    const plaintext = material && open(parsed, material.bytes, key.binding, encryptionContext);
    if (!material || !plaintext) throw Errors.invalidCiphertext();
    const algorithm = encryptionAlgorithm(key, requestedAlgorithm);
    return { key, plaintext, materialId: material.materialId, algorithm };
  }

  function generateDataKey(
    input: GenerateDataKeyRequest,
    context: OperationContext,
    operation: 'GenerateDataKey' | 'GenerateDataKeyWithoutPlaintext',
  ) {
    const key = usableKey(store, context, input.KeyId, operation);
    if (input.Recipient !== undefined) throw Errors.unsupportedRecipient();
    const dataKey = randomBytesFromPool(dataKeyLength(input));
    if (input.DryRun) throw Errors.dryRun();
    const { blob, materialId } = encrypt(key, DEFAULT_ALGORITHM, dataKey, input.EncryptionContext);
    recordUse(store, key, operation, context);
    return { key, dataKey, blob, materialId };
  }

  /** A data key pair of the spec asked for, its private key sealed under a symmetric KMS key. */
  async function generateDataKeyPair(
    input: GenerateDataKeyPairRequest,
    context: OperationContext,
    operation: 'GenerateDataKeyPair' | 'GenerateDataKeyPairWithoutPlaintext',
  ) {
    const key = usableKey(store, context, input.KeyId, operation);
    if (input.Recipient !== undefined) throw Errors.unsupportedRecipient();
    const pair = await generateKeyPair(input.KeyPairSpec);
    if (input.DryRun) throw Errors.dryRun();
    const { blob, materialId } = encrypt(key, DEFAULT_ALGORITHM, pair.privateKey, input.EncryptionContext);
    recordUse(store, key, operation, context);
    return {
      pair,
      output: {
        PrivateKeyCiphertextBlob: blob.toString('base64'),
        PublicKey: pair.publicKey.toString('base64'),
        KeyId: key.arn,
        KeyPairSpec: input.KeyPairSpec,
        KeyMaterialId: materialId,
      },
    };
  }

  return {
    Encrypt(input, context): Output<'Encrypt'> {
      const key = usableKey(store, context, input.KeyId, 'Encrypt');
      const algorithm = encryptionAlgorithm(key, input.EncryptionAlgorithm);
      const plaintext = plaintextOf(input.Plaintext);
      const { blob } = encrypt(key, algorithm, plaintext, input.EncryptionContext);
      if (input.DryRun) throw Errors.dryRun();
      recordUse(store, key, 'Encrypt', context);
      return { CiphertextBlob: blob.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: algorithm };
    },

    Decrypt(input, context): Output<'Decrypt'> {
      if (input.Recipient !== undefined) throw Errors.unsupportedRecipient();
      const { key, plaintext, materialId, algorithm } = decrypt(
        context,
        input.CiphertextBlob,
        input.EncryptionContext,
        input.KeyId,
        input.EncryptionAlgorithm,
        'Decrypt',
      );
      if (input.DryRun) throw Errors.dryRun();
      recordUse(store, key, 'Decrypt', context);
      return {
        KeyId: key.arn,
        Plaintext: plaintext.toString('base64'),
        EncryptionAlgorithm: algorithm,
        KeyMaterialId: materialId,
      };
    },

    ReEncrypt(input, context): Output<'ReEncrypt'> {
      const source = decrypt(
        context,
        input.CiphertextBlob,
        input.SourceEncryptionContext,
        input.SourceKeyId,
        input.SourceEncryptionAlgorithm,
        'ReEncrypt',
      );
      const destination = usableKey(store, context, input.DestinationKeyId, 'ReEncrypt');
      const destinationAlgorithm = encryptionAlgorithm(destination, input.DestinationEncryptionAlgorithm);
      const { blob, materialId } = encrypt(
        destination,
        destinationAlgorithm,
        source.plaintext,
        input.DestinationEncryptionContext,
      );
      if (input.DryRun) throw Errors.dryRun();
      recordUse(store, source.key, 'ReEncrypt', context);
      recordUse(store, destination, 'ReEncrypt', context);
      return {
        CiphertextBlob: blob.toString('base64'),
        SourceKeyId: source.key.arn,
        KeyId: destination.arn,
        SourceEncryptionAlgorithm: source.algorithm,
        DestinationEncryptionAlgorithm: destinationAlgorithm,
        SourceKeyMaterialId: source.materialId,
        DestinationKeyMaterialId: materialId,
      };
    },

    GenerateDataKey(input, context): Output<'GenerateDataKey'> {
      const { key, dataKey, blob, materialId } = generateDataKey(input, context, 'GenerateDataKey');
      return {
        CiphertextBlob: blob.toString('base64'),
        Plaintext: dataKey.toString('base64'),
        KeyId: key.arn,
        KeyMaterialId: materialId,
      };
    },

    GenerateDataKeyWithoutPlaintext(input, context): Output<'GenerateDataKeyWithoutPlaintext'> {
      const { key, blob, materialId } = generateDataKey(input, context, 'GenerateDataKeyWithoutPlaintext');
      return { CiphertextBlob: blob.toString('base64'), KeyId: key.arn, KeyMaterialId: materialId };
    },

    async GenerateDataKeyPair(input, context): Promise<Output<'GenerateDataKeyPair'>> {
      const { pair, output } = await generateDataKeyPair(input, context, 'GenerateDataKeyPair');
      return { ...output, PrivateKeyPlaintext: pair.privateKey.toString('base64') };
    },

    async GenerateDataKeyPairWithoutPlaintext(
      input,
      context,
    ): Promise<Output<'GenerateDataKeyPairWithoutPlaintext'>> {
      return (await generateDataKeyPair(input, context, 'GenerateDataKeyPairWithoutPlaintext')).output;
    },

    GenerateRandom(input, { caller, now }): Output<'GenerateRandom'> {
      if (input.NumberOfBytes === undefined) throw Errors.numberOfBytesRequired();
      // The emulated CloudHSM cluster's random bytes are kmslab's own.
      if (input.CustomKeyStoreId !== undefined)
        checkGenerateRandom(findCustomKeyStore(store, caller, input.CustomKeyStoreId, now));
      if (input.Recipient !== undefined) throw Errors.unsupportedRecipient();
      return { Plaintext: randomBytesFromPool(input.NumberOfBytes).toString('base64') };
    },
  };
}
