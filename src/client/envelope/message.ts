/**
 * Encrypt and Decrypt of whole messages (aws-encryption-sdk-specification client-apis/encrypt and decrypt), in
 * memory: the header with its commit key and tag, framed content, and for signed suites the footer's signature
 * over everything before it. Nothing of the plaintext is returned before every tag and the signature verified.
 */
import { type AesGcmKey, envelopeCrypto } from '../runtime/envelope-crypto.ts';
import { ByteReader, ByteWriter, concat, equalInConstantTime } from './bytes.ts';
import { EnvelopeError } from './errors.ts';
import {
  ascii,
  BODY_AAD_CONTENT,
  bodyAad,
  CONTENT_TYPE,
  type EncryptionContext,
  type MessageHeader,
  parseHeader,
  sequenceIv,
  serializeHeaderBody,
} from './format.ts';
import { KmsKeyring } from './keyring.ts';
import { DefaultMaterialsManager, type MaterialsManager } from './materials.ts';
import {
  type AlgorithmSuiteId,
  DATA_KEY_BYTES,
  DEFAULT_SUITE,
  IV_BYTES,
  isSigned,
  isSuiteId,
  MESSAGE_ID_BYTES,
  TAG_BYTES,
} from './suites.ts';

export interface EncryptOptions {
  /** Non-secret pairs bound to the message (and to its data key in KMS); stored in the header. */
  encryptionContext?: EncryptionContext;
  /** Default: the signed suite, 0x0578, as in the AWS Encryption SDK. */
  suiteId?: AlgorithmSuiteId;
  /** Plaintext bytes per frame, 1 to 2^32 - 1. Default 4096. */
  frameLength?: number;
}

export interface EncryptResult {
  ciphertext: Uint8Array;
  messageHeader: MessageHeader;
}

export interface DecryptOptions {
  /** Pairs the message's encryption context must contain, with these values; decryption fails otherwise. */
  encryptionContext?: EncryptionContext;
}

export interface DecryptResult {
  plaintext: Uint8Array;
  messageHeader: MessageHeader;
}

/** A keyring (a new data key per message) or a materials manager such as a CachingMaterialsManager. */
export type Materials = KmsKeyring | MaterialsManager;

const DEFAULT_FRAME_LENGTH = 4096;
const UINT32_MAX = 0xffffffff;
const RESERVED_CONTEXT_PREFIX = 'aws-crypto-';
const ZERO_IV = new Uint8Array(IV_BYTES);
const EMPTY = new Uint8Array(0);
// HKDF-Expand info (RFC 5869 §2.3) with its block counter 0x01 appended: both keys are 32 bytes, within
// SHA-512's 64, so one block is the whole output.
const DERIVE_KEY_INFO = ascii('DERIVEKEY\x01');
const COMMIT_KEY_INFO = ascii('COMMITKEY\x01');

function manager(materials: Materials): MaterialsManager {
  if (materials instanceof KmsKeyring) return new DefaultMaterialsManager(materials);
  if (
    typeof materials?.getEncryptionMaterials !== 'function' ||
    typeof materials.decryptMaterials !== 'function'
  ) {
    throw new EnvelopeError('expected a KmsKeyring or a materials manager such as CachingMaterialsManager');
  }
  return materials;
}

function bytesOf(input: unknown, what: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (typeof input === 'string' && what === 'plaintext') return envelopeCrypto().utf8(input);
  throw new EnvelopeError(
    `invalid ${what}: expected ${what === 'plaintext' ? 'a string, ' : ''}a Uint8Array or an ArrayBuffer`,
  );
}

function checkContext(context: unknown, forEncrypt: boolean): EncryptionContext {
  if (context === undefined) return {};
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new EnvelopeError('invalid encryptionContext: expected an object of string values');
  }
  for (const [key, value] of Object.entries(context)) {
    if (typeof value !== 'string') {
      throw new EnvelopeError(`invalid encryptionContext: the value of '${key}' is not a string`);
    }
    if (forEncrypt && key.startsWith(RESERVED_CONTEXT_PREFIX)) {
      throw new EnvelopeError(
        `invalid encryptionContext: keys starting with '${RESERVED_CONTEXT_PREFIX}' are reserved`,
      );
    }
  }
  return context as EncryptionContext;
}

/** HKDF-SHA512 with the message ID as salt: the message's AES key and the commit key stored in its header. */
function deriveKeys(suiteId: AlgorithmSuiteId, dataKey: Uint8Array, messageId: Uint8Array) {
  const { hmacSha512 } = envelopeCrypto();
  const prk = hmacSha512(messageId, dataKey);
  const suite = Uint8Array.of(suiteId >>> 8, suiteId & 0xff);
  return {
    key: hmacSha512(prk, concat([suite, DERIVE_KEY_INFO])).subarray(0, DATA_KEY_BYTES),
    commitment: hmacSha512(prk, COMMIT_KEY_INFO).subarray(0, DATA_KEY_BYTES),
  };
}

/** Encrypts `plaintext` (a string is taken as UTF-8) into an AWS Encryption SDK message. */
export async function encrypt(
  materials: Materials,
  plaintext: string | Uint8Array | ArrayBuffer,
  options: EncryptOptions = {},
): Promise<EncryptResult> {
  const source = manager(materials);
  const data = bytesOf(plaintext, 'plaintext');
  const { suiteId = DEFAULT_SUITE, frameLength = DEFAULT_FRAME_LENGTH } = options ?? {};
  const encryptionContext = checkContext(options?.encryptionContext, true);
  if (!isSuiteId(suiteId)) {
    throw new EnvelopeError(`invalid suiteId ${suiteId}: expected one of AlgorithmSuiteIdentifier's`);
  }
  if (!Number.isInteger(frameLength) || frameLength < 1 || frameLength > UINT32_MAX) {
    throw new EnvelopeError(
      `invalid frameLength ${frameLength}: expected an integer from 1 to ${UINT32_MAX}`,
    );
  }
  const crypto = envelopeCrypto();
  const used = await source.getEncryptionMaterials({
    suiteId,
    encryptionContext,
    plaintextLength: data.length,
  });
  const messageId = crypto.randomBytes(MESSAGE_ID_BYTES);
  const { key, commitment } = deriveKeys(suiteId, used.dataKey, messageId);
  const messageHeader: MessageHeader = {
    version: 2,
    suiteId,
    messageId,
    // Copies: cached materials serve many messages, and the caller may change what it is given.
    encryptionContext: { ...used.encryptionContext },
    encryptedDataKeys: [...used.encryptedDataKeys],
    contentType: CONTENT_TYPE.framed,
    frameLength,
  };
  const headerBody = serializeHeaderBody(messageHeader, commitment);
  const aes = await crypto.aesGcmKey(key);
  const writer = new ByteWriter().bytes(headerBody).bytes(await aes.encrypt(ZERO_IV, EMPTY, headerBody));

  // Every frame is full but the final one, which holds the rest (a whole frame when the length divides evenly).
  const frames = Math.max(1, Math.ceil(data.length / frameLength));
  if (frames > UINT32_MAX)
    throw new EnvelopeError(`invalid frameLength ${frameLength}: over 2^32 - 1 frames`);
  for (let sequence = 1; sequence <= frames; sequence++) {
    const final = sequence === frames;
    const chunk = data.subarray((sequence - 1) * frameLength, sequence * frameLength);
    const iv = sequenceIv(sequence);
    const aad = bodyAad(
      messageId,
      final ? BODY_AAD_CONTENT.finalFrame : BODY_AAD_CONTENT.frame,
      sequence,
      chunk.length,
    );
    const sealed = await aes.encrypt(iv, chunk, aad);
    if (final) writer.uint32(UINT32_MAX).uint32(sequence).bytes(iv).uint32(chunk.length);
    else writer.uint32(sequence).bytes(iv);
    writer.bytes(sealed);
  }
  let ciphertext = writer.finish();
  if (used.signingKey) {
    const signature = await used.signingKey.sign(ciphertext);
    ciphertext = new ByteWriter().bytes(ciphertext).shortBytes(signature).finish();
  }
  return { ciphertext, messageHeader };
}

async function open(
  aes: AesGcmKey,
  iv: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
  what: string,
): Promise<Uint8Array> {
  try {
    return await aes.decrypt(iv, sealed, aad);
  } catch {
    throw new EnvelopeError(`the ${what} does not authenticate: the message was altered`);
  }
}

/** Decrypts an AWS Encryption SDK message (version 2, framed or not) with the keys of `materials`. */
export async function decrypt(
  materials: Materials,
  ciphertext: Uint8Array | ArrayBuffer,
  options: DecryptOptions = {},
): Promise<DecryptResult> {
  const source = manager(materials);
  const message = bytesOf(ciphertext, 'ciphertext');
  const required = checkContext(options?.encryptionContext, false);
  const reader = new ByteReader(message);
  const { header, commitment, headerBody, authTag } = parseHeader(reader, message);
  for (const [key, value] of Object.entries(required)) {
    if (!Object.hasOwn(header.encryptionContext, key) || header.encryptionContext[key] !== value) {
      throw new EnvelopeError(
        `the message's encryption context does not match: '${key}' is missing or differs`,
      );
    }
  }
  const used = await source.decryptMaterials({
    suiteId: header.suiteId,
    encryptionContext: header.encryptionContext,
    encryptedDataKeys: header.encryptedDataKeys,
  });
  const { key, commitment: expected } = deriveKeys(header.suiteId, used.dataKey, header.messageId);
  if (!equalInConstantTime(commitment, expected)) {
    throw new EnvelopeError(
      'the key commitment does not match: the data key does not belong to this message',
    );
  }
  const aes = await envelopeCrypto().aesGcmKey(key);
  await open(aes, ZERO_IV, authTag, headerBody, 'header');

  const parts: Uint8Array[] = [];
  if (header.contentType === CONTENT_TYPE.nonFramed) {
    const iv = reader.bytes(IV_BYTES);
    const length = reader.uint64();
    const sealed = reader.bytes(length + TAG_BYTES);
    parts.push(
      await open(aes, iv, sealed, bodyAad(header.messageId, BODY_AAD_CONTENT.singleBlock, 1, length), 'body'),
    );
  } else {
    for (let sequence = 1; ; sequence++) {
      let number = reader.uint32();
      const final = number === UINT32_MAX;
      if (final) number = reader.uint32();
      if (number !== sequence) {
        throw new EnvelopeError(`malformed message: frame ${number} where frame ${sequence} belongs`);
      }
      const iv = reader.bytes(IV_BYTES);
      const length = final ? reader.uint32() : header.frameLength;
      if (length > header.frameLength)
        throw new EnvelopeError('malformed message: a final frame over the frame length');
      const sealed = reader.bytes(length + TAG_BYTES);
      const content = final ? BODY_AAD_CONTENT.finalFrame : BODY_AAD_CONTENT.frame;
      parts.push(
        await open(
          aes,
          iv,
          sealed,
          bodyAad(header.messageId, content, sequence, length),
          `frame ${sequence}`,
        ),
      );
      if (final) break;
    }
  }
  if (used.verificationKey) {
    const signed = message.subarray(0, reader.offset);
    const signature = reader.shortBytes();
    if (!(await used.verificationKey.verify(signed, signature))) {
      throw new EnvelopeError('the signature does not verify: the message was altered');
    }
  } else if (isSigned(header.suiteId)) {
    throw new EnvelopeError('the materials manager gave no verification key for a signed message');
  }
  if (reader.remaining !== 0) {
    throw new EnvelopeError(`malformed message: ${reader.remaining} bytes after its end`);
  }
  return { plaintext: concat(parts), messageHeader: header };
}
