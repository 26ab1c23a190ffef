/**
 * The AWS Encryption SDK message format, version 2 (aws-encryption-sdk-specification: data-format/message-header,
 * message-body, message-body-aad, message-footer; framework/structures for the encryption context). Pure: bytes
 * in, bytes out; UTF-8 comes from the runtime.
 */
import { envelopeCrypto } from '../runtime/envelope-crypto.ts';
import { ByteReader, ByteWriter } from './bytes.ts';
import { EnvelopeError } from './errors.ts';
import {
  type AlgorithmSuiteId,
  COMMITMENT_BYTES,
  IV_BYTES,
  isSuiteId,
  MESSAGE_ID_BYTES,
  TAG_BYTES,
} from './suites.ts';

export type EncryptionContext = Record<string, string>;

/** One copy of the data key, wrapped by one key provider; for KMS, `providerInfo` is the KMS key ARN. */
export interface EncryptedDataKey {
  providerId: string;
  providerInfo: string;
  encryptedDataKey: Uint8Array;
}

export const CONTENT_TYPE = { nonFramed: 1, framed: 2 } as const;

export interface MessageHeader {
  version: 2;
  suiteId: AlgorithmSuiteId;
  messageId: Uint8Array;
  encryptionContext: EncryptionContext;
  encryptedDataKeys: EncryptedDataKey[];
  /** 1 non-framed (read only), 2 framed. */
  contentType: 1 | 2;
  /** Bytes of plaintext per regular frame; 0 when non-framed. */
  frameLength: number;
}

/** A header as read: its fields, the commit key it carries, and the exact bytes its tag authenticates. */
export interface ParsedHeader {
  header: MessageHeader;
  commitment: Uint8Array;
  headerBody: Uint8Array;
  authTag: Uint8Array;
}

const UINT16_MAX = 0xffff;
const VERSION_2 = 2;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  }
  return a.length - b.length;
}

function checkLength(bytes: Uint8Array, what: string): Uint8Array {
  if (bytes.length > UINT16_MAX) {
    throw new EnvelopeError(
      `${what} is ${bytes.length} bytes of UTF-8; the message format allows ${UINT16_MAX}`,
    );
  }
  return bytes;
}

/** Count, then (key, value) pairs sorted by the keys' UTF-8 bytes; an empty context is no bytes at all. */
export function serializeEncryptionContext(context: EncryptionContext): Uint8Array {
  const { utf8 } = envelopeCrypto();
  const pairs = Object.entries(context).map(([key, value]) => [
    checkLength(utf8(key), `encryption context key '${key}'`),
    checkLength(utf8(value), `the value of encryption context key '${key}'`),
  ]);
  if (pairs.length === 0) return new Uint8Array(0);
  if (pairs.length > UINT16_MAX)
    throw new EnvelopeError(`the encryption context has over ${UINT16_MAX} pairs`);
  pairs.sort(([a], [b]) => compareBytes(a as Uint8Array, b as Uint8Array));
  const writer = new ByteWriter().uint16(pairs.length);
  for (const [key, value] of pairs) writer.shortBytes(key as Uint8Array).shortBytes(value as Uint8Array);
  return writer.finish();
}

function parseEncryptionContext(aad: Uint8Array): EncryptionContext {
  if (aad.length === 0) return {};
  const { fromUtf8 } = envelopeCrypto();
  const reader = new ByteReader(aad);
  const count = reader.uint16();
  if (count === 0) throw new EnvelopeError('malformed message: a non-empty encryption context with no pairs');
  const pairs: [string, string][] = [];
  const keys = new Set<string>();
  for (let i = 0; i < count; i++) {
    const key = fromUtf8(reader.shortBytes());
    const value = fromUtf8(reader.shortBytes());
    if (keys.has(key))
      throw new EnvelopeError(`malformed message: encryption context key '${key}' appears twice`);
    keys.add(key);
    pairs.push([key, value]);
  }
  if (reader.remaining !== 0)
    throw new EnvelopeError('malformed message: bytes after the encryption context');
  // fromEntries defines own properties, so that a key such as `__proto__` stays a plain key.
  return Object.fromEntries(pairs);
}

/** The header body of a framed version 2 message; the commit key goes in the algorithm suite data. */
export function serializeHeaderBody(header: MessageHeader, commitment: Uint8Array): Uint8Array {
  const { utf8 } = envelopeCrypto();
  const context = serializeEncryptionContext(header.encryptionContext);
  checkLength(context, 'the serialized encryption context');
  const writer = new ByteWriter()
    .uint8(VERSION_2)
    .uint16(header.suiteId)
    .bytes(header.messageId)
    .shortBytes(context)
    .uint16(header.encryptedDataKeys.length);
  for (const key of header.encryptedDataKeys) {
    writer
      .shortBytes(checkLength(utf8(key.providerId), 'a key provider ID'))
      .shortBytes(checkLength(utf8(key.providerInfo), 'a key provider info'))
      .shortBytes(checkLength(key.encryptedDataKey, 'an encrypted data key'));
  }
  return writer.uint8(header.contentType).uint32(header.frameLength).bytes(commitment).finish();
}

/** Reads the header at the start of `message`; `reader` is left at the start of the body. */
export function parseHeader(reader: ByteReader, message: Uint8Array): ParsedHeader {
  const { fromUtf8 } = envelopeCrypto();
  const version = reader.uint8();
  if (version !== VERSION_2) {
    throw new EnvelopeError(
      version === 1
        ? 'message format version 1 (the non-committing algorithm suites) is not supported; only version 2'
        : `not an AWS Encryption SDK message: it starts with byte 0x${version.toString(16).padStart(2, '0')}`,
    );
  }
  const suiteId = reader.uint16();
  if (!isSuiteId(suiteId)) throw new EnvelopeError(`unsupported algorithm suite 0x${suiteId.toString(16)}`);
  const messageId = reader.bytes(MESSAGE_ID_BYTES);
  const encryptionContext = parseEncryptionContext(reader.shortBytes());
  const keyCount = reader.uint16();
  if (keyCount === 0) throw new EnvelopeError('malformed message: no encrypted data keys');
  const encryptedDataKeys: EncryptedDataKey[] = [];
  for (let i = 0; i < keyCount; i++) {
    encryptedDataKeys.push({
      providerId: fromUtf8(reader.shortBytes()),
      providerInfo: fromUtf8(reader.shortBytes()),
      encryptedDataKey: reader.shortBytes(),
    });
  }
  const contentType = reader.uint8();
  const frameLength = reader.uint32();
  if (contentType === CONTENT_TYPE.framed ? frameLength === 0 : contentType !== CONTENT_TYPE.nonFramed) {
    throw new EnvelopeError(
      `malformed message: content type ${contentType} with frame length ${frameLength}`,
    );
  }
  const commitment = reader.bytes(COMMITMENT_BYTES);
  const headerBody = message.subarray(0, reader.offset);
  const authTag = reader.bytes(TAG_BYTES);
  return {
    header: {
      version: VERSION_2,
      suiteId,
      messageId,
      encryptionContext,
      encryptedDataKeys,
      contentType: contentType as 1 | 2,
      frameLength,
    },
    commitment,
    headerBody,
    authTag,
  };
}

export const ascii = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));

/** The Body AAD Content strings of data-format/message-body-aad. */
export const BODY_AAD_CONTENT = {
  frame: ascii('AWSKMSEncryptionClient Frame'),
  finalFrame: ascii('AWSKMSEncryptionClient Final Frame'),
  singleBlock: ascii('AWSKMSEncryptionClient Single Block'),
};

export function bodyAad(
  messageId: Uint8Array,
  content: Uint8Array,
  sequenceNumber: number,
  length: number,
): Uint8Array {
  return new ByteWriter().bytes(messageId).bytes(content).uint32(sequenceNumber).uint64(length).finish();
}

/** The IV of a frame (or of the single non-framed block): its sequence number, right-aligned in 12 bytes. */
export function sequenceIv(sequenceNumber: number): Uint8Array {
  const iv = new Uint8Array(IV_BYTES);
  iv[8] = sequenceNumber >>> 24;
  iv[9] = (sequenceNumber >>> 16) & 0xff;
  iv[10] = (sequenceNumber >>> 8) & 0xff;
  iv[11] = sequenceNumber & 0xff;
  return iv;
}
