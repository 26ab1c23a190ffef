import type {
  EncryptionAlgorithmSpec,
  GenerateDataKeyRequest,
  KeyLastUsageTrackingOperation,
} from '../../protocol/index.ts';
import type { Caller, Handlers, OperationContext, Output } from '../context.ts';
import { open, parseCiphertext, seal } from '../crypto/ciphertext.ts';
import type { EncryptionContext } from '../crypto/encryption-context.ts';
import { randomBytesFromPool } from '../crypto/random.ts';
import { checkAlgorithm, checkUsage, currentMaterial, type LoadedKey } from '../keys/key.ts';
import type { CryptographicOperation } from '../keys/kinds.ts';
import { checkState } from '../keys/states.ts';
import { Errors } from '../messages.ts';
import type { Store } from '../store/store.ts';
import { resolveKey } from './resolve.ts';

/** The algorithm a request that names none gets (the model's default). */
const DEFAULT_ALGORITHM: EncryptionAlgorithmSpec = 'SYMMETRIC_DEFAULT';
const MAX_PLAINTEXT_BYTES = 4096;

/** The encryption algorithm a request names, or the default, once the key is found to offer it. */
function encryptionAlgorithm(key: LoadedKey, requested: EncryptionAlgorithmSpec | undefined) {
  const algorithm = requested ?? DEFAULT_ALGORITHM;
  checkAlgorithm(key, 'EncryptionAlgorithms', algorithm);
  return algorithm;
}

/** The key's state and usage allow the operation. */
function checkUsable(key: LoadedKey, operation: CryptographicOperation): void {
  checkState(key, operation);
  checkUsage(key, operation);
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

export function cryptoHandlers(store: Store): Partial<Handlers> {
  function used(
    key: LoadedKey,
    operation: KeyLastUsageTrackingOperation,
    { now, requestId }: OperationContext,
  ): void {
    store.recordUsage(key, { operation, timestamp: now.getTime(), requestId });
  }

  /** A key that the request may encrypt under (aliases allowed, as for every data-plane operation). */
  function encryptionKey(caller: Caller, keyId: string, operation: CryptographicOperation): LoadedKey {
    const key = resolveKey(store, caller, keyId, 'key-or-alias');
    checkUsable(key, operation);
    return key;
  }

  function encrypt(key: LoadedKey, plaintext: Uint8Array, context: EncryptionContext | undefined) {
    const material = currentMaterial(key);
    const blob = seal(
      plaintext,
      material.bytes,
      { keyId: key.record.keyId, materialId: material.materialId },
      key.binding,
      context,
    );
    return { blob, materialId: material.materialId };
  }

  /**
   * The key a blob was made under and its plaintext; every way it fails to open is InvalidCiphertext. The model
   * leaves the blob optional; validation requires it as AWS does, and no blob would be no kmslab blob anyway.
   */
  function decrypt(
    caller: Caller,
    ciphertext: string | undefined,
    context: EncryptionContext | undefined,
    requestedKeyId: string | undefined,
    operation: CryptographicOperation,
  ) {
    const requested =
      requestedKeyId === undefined ? undefined : resolveKey(store, caller, requestedKeyId, 'key-or-alias');
    const parsed = parseCiphertext(Buffer.from(ciphertext ?? '', 'base64'));
    if (!parsed) throw Errors.invalidCiphertext();
    const key = store.findKey(caller, parsed.keyId);
    if (requested && requested.arn !== key?.arn) throw Errors.incorrectKey();
    // A blob naming no key of this account and region (deleted, forged, or another account's) can't be opened.
    if (!key) throw Errors.invalidCiphertext();
    checkUsable(key, operation);
    const material = key.byMaterialId.get(parsed.materialId);
    const plaintext = material && open(parsed, material.bytes, key.binding, context);
    if (!material || !plaintext) throw Errors.invalidCiphertext();
    return { key, plaintext, materialId: material.materialId };
  }

  function generateDataKey(
    input: GenerateDataKeyRequest,
    context: OperationContext,
    operation: 'GenerateDataKey' | 'GenerateDataKeyWithoutPlaintext',
  ) {
    const key = encryptionKey(context.caller, input.KeyId, operation);
    if (input.Recipient !== undefined) throw Errors.unsupportedRecipient();
    const dataKey = randomBytesFromPool(dataKeyLength(input));
    if (input.DryRun) throw Errors.dryRun();
    const { blob, materialId } = encrypt(key, dataKey, input.EncryptionContext);
    used(key, operation, context);
    return { key, dataKey, blob, materialId };
  }

  return {
    Encrypt(input, context): Output<'Encrypt'> {
      const { caller } = context;
      const key = encryptionKey(caller, input.KeyId, 'Encrypt');
      const algorithm = encryptionAlgorithm(key, input.EncryptionAlgorithm);
      const plaintext = plaintextOf(input.Plaintext);
      if (input.DryRun) throw Errors.dryRun();
      const { blob } = encrypt(key, plaintext, input.EncryptionContext);
      used(key, 'Encrypt', context);
      return { CiphertextBlob: blob.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: algorithm };
    },

    Decrypt(input, context): Output<'Decrypt'> {
      const { caller } = context;
      if (input.Recipient !== undefined) throw Errors.unsupportedRecipient();
      const { key, plaintext, materialId } = decrypt(
        caller,
        input.CiphertextBlob,
        input.EncryptionContext,
        input.KeyId,
        'Decrypt',
      );
      const algorithm = encryptionAlgorithm(key, input.EncryptionAlgorithm);
      if (input.DryRun) throw Errors.dryRun();
      used(key, 'Decrypt', context);
      return {
        KeyId: key.arn,
        Plaintext: plaintext.toString('base64'),
        EncryptionAlgorithm: algorithm,
        KeyMaterialId: materialId,
      };
    },

    ReEncrypt(input, context): Output<'ReEncrypt'> {
      const { caller } = context;
      const source = decrypt(
        caller,
        input.CiphertextBlob,
        input.SourceEncryptionContext,
        input.SourceKeyId,
        'ReEncrypt',
      );
      const sourceAlgorithm = encryptionAlgorithm(source.key, input.SourceEncryptionAlgorithm);
      const destination = encryptionKey(caller, input.DestinationKeyId, 'ReEncrypt');
      const destinationAlgorithm = encryptionAlgorithm(destination, input.DestinationEncryptionAlgorithm);
      if (input.DryRun) throw Errors.dryRun();
      const { blob, materialId } = encrypt(destination, source.plaintext, input.DestinationEncryptionContext);
      used(source.key, 'ReEncrypt', context);
      used(destination, 'ReEncrypt', context);
      return {
        CiphertextBlob: blob.toString('base64'),
        SourceKeyId: source.key.arn,
        KeyId: destination.arn,
        SourceEncryptionAlgorithm: sourceAlgorithm,
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

    GenerateRandom(input): Output<'GenerateRandom'> {
      if (input.NumberOfBytes === undefined) throw Errors.numberOfBytesRequired();
      if (input.CustomKeyStoreId !== undefined) throw Errors.unsupportedCustomKeyStore();
      if (input.Recipient !== undefined) throw Errors.unsupportedRecipient();
      return { Plaintext: randomBytesFromPool(input.NumberOfBytes).toString('base64') };
    },
  };
}
