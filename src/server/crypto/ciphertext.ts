import { IV_BYTES, open as openAead, seal as sealAead, TAG_BYTES } from './aead.ts';
import { type EncryptionContext, encodeEncryptionContext } from './encryption-context.ts';
import { randomBytesFromPool } from './random.ts';

/**
 * kmslab's ciphertext blob, format version 1:
 *
 *   u8 version (1) | u16 key-id length | key id (UTF-8) | 32-byte key material id | 12-byte IV | AES-256-GCM
 *   ciphertext | 16-byte tag
 *
 * Everything before the ciphertext (the header) is authenticated, together with the key's account and region
 * (so that a blob never opens under another account's key of the same ID) and the encoded encryption context.
 */

const FORMAT_VERSION = 1;
const MATERIAL_ID_BYTES = 32;
const MAX_KEY_ID_BYTES = 0xffff;

export interface CiphertextHeader {
  keyId: string;
  /** 64 lowercase hex characters, as KMS shows KeyMaterialId. */
  materialId: string;
}

/** The key's identity outside the blob that is still bound to it. */
export interface KeyScope {
  accountId: string;
  region: string;
}

interface ParsedBlob extends CiphertextHeader {
  header: Buffer;
  iv: Buffer;
  sealed: Buffer;
}

/**
 * The additional authenticated data: the header, the key's account and region (each length-prefixed) and the
 * encoded encryption context, written into one buffer.
 */
function additionalData(header: Buffer, scope: KeyScope, context: EncryptionContext | undefined): Buffer {
  const encodedContext = encodeEncryptionContext(context);
  const accountBytes = Buffer.byteLength(scope.accountId, 'utf8');
  const regionBytes = Buffer.byteLength(scope.region, 'utf8');
  const out = Buffer.allocUnsafe(header.length + 4 + accountBytes + 4 + regionBytes + encodedContext.length);
  let offset = header.copy(out, 0);
  offset = out.writeUInt32BE(accountBytes, offset);
  offset += out.write(scope.accountId, offset, 'utf8');
  offset = out.writeUInt32BE(regionBytes, offset);
  offset += out.write(scope.region, offset, 'utf8');
  encodedContext.copy(out, offset);
  return out;
}

function encodeHeader(keyId: string, materialId: string, iv: Buffer): Buffer {
  const keyIdBytes = Buffer.byteLength(keyId, 'utf8');
  if (keyIdBytes > MAX_KEY_ID_BYTES) throw new RangeError('key id too long for the ciphertext format');
  const header = Buffer.allocUnsafe(1 + 2 + keyIdBytes + MATERIAL_ID_BYTES + IV_BYTES);
  let offset = header.writeUInt8(FORMAT_VERSION, 0);
  offset = header.writeUInt16BE(keyIdBytes, offset);
  offset += header.write(keyId, offset, 'utf8');
  offset += header.write(materialId, offset, 'hex');
  iv.copy(header, offset);
  return header;
}

export function seal(
  plaintext: Uint8Array,
  material: Uint8Array,
  header: CiphertextHeader,
  scope: KeyScope,
  context: EncryptionContext | undefined,
): Buffer {
  const iv = randomBytesFromPool(IV_BYTES);
  const headerBytes = encodeHeader(header.keyId, header.materialId, iv);
  return Buffer.concat([
    headerBytes,
    sealAead(material, iv, plaintext, additionalData(headerBytes, scope, context)),
  ]);
}

/** Reads the header of a blob; undefined if it is not a kmslab blob of a known version. */
export function parseCiphertext(blob: Buffer): ParsedBlob | undefined {
  if (blob.length < 3 || blob.readUInt8(0) !== FORMAT_VERSION) return undefined;
  const keyIdLength = blob.readUInt16BE(1);
  const headerLength = 3 + keyIdLength + MATERIAL_ID_BYTES + IV_BYTES;
  if (blob.length < headerLength + TAG_BYTES) return undefined;
  const keyId = blob.toString('utf8', 3, 3 + keyIdLength);
  const materialStart = 3 + keyIdLength;
  return {
    keyId,
    materialId: blob.toString('hex', materialStart, materialStart + MATERIAL_ID_BYTES),
    header: blob.subarray(0, headerLength),
    iv: blob.subarray(materialStart + MATERIAL_ID_BYTES, headerLength),
    sealed: blob.subarray(headerLength),
  };
}

/** The plaintext, or undefined when the blob, the scope or the encryption context does not match. */
export function open(
  parsed: ParsedBlob,
  material: Uint8Array,
  scope: KeyScope,
  context: EncryptionContext | undefined,
): Buffer | undefined {
  return openAead(material, parsed.iv, parsed.sealed, additionalData(parsed.header, scope, context));
}
