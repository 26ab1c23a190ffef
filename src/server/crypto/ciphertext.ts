import { IV_BYTES, open as openAead, seal as sealAead, TAG_BYTES } from './aead.ts';
import { type EncryptionContext, encodeEncryptionContext } from './encryption-context.ts';
import { randomBytesFromPool } from './random.ts';

/**
 * kmslab's ciphertext blob. Both format versions have one layout:
 *
 *   u8 version | u16 key-id length | key id (UTF-8) | 32-byte key material id | 12-byte IV | AES-256-GCM
 *   ciphertext | 16-byte tag
 *
 * Everything before the ciphertext (the header) is authenticated, together with what binds the blob to its key
 * and the encoded encryption context:
 *
 * - version 1 (written by kmslab up to ca05dcf, read forever): the key's account and region;
 * - version 2 (written since): the key's ciphertext identity (keys/key.ts), which multi-Region related keys
 *   share, so that a replica opens what its primary sealed, as AWS allows.
 *
 * Either way a blob never opens under a key of the same ID in another account, nor, for a single-Region key, in
 * another region.
 */

const V1 = 1;
const V2 = 2;
const MATERIAL_ID_BYTES = 32;
const MAX_KEY_ID_BYTES = 0xffff;

export interface CiphertextHeader {
  keyId: string;
  /** 64 lowercase hex characters, as KMS shows KeyMaterialId. */
  materialId: string;
}

/** What a key binds its blobs to, encoded once per key. */
export interface KeyBinding {
  /** Version 1: the key's account and region. */
  readonly scope: Buffer;
  /** Version 2: the key's ciphertext identity. */
  readonly identity: Buffer;
}

export interface ParsedBlob extends CiphertextHeader {
  version: typeof V1 | typeof V2;
  header: Buffer;
  iv: Buffer;
  sealed: Buffer;
}

/** Each field as its UTF-8 byte length (u32) and its bytes. */
function lengthPrefixed(fields: readonly string[]): Buffer[] {
  return fields.flatMap((field) => {
    const bytes = Buffer.from(field, 'utf8');
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(bytes.length, 0);
    return [length, bytes];
  });
}

/**
 * The binding of a key in `accountId` and `region` whose version-2 blobs are bound to `identity` (fields that
 * keys/key.ts chooses). The identity is written after its field count, so that no two identities encode alike.
 */
export function keyBinding(accountId: string, region: string, identity: readonly string[]): KeyBinding {
  const count = Buffer.allocUnsafe(4);
  count.writeUInt32BE(identity.length, 0);
  return {
    scope: Buffer.concat(lengthPrefixed([accountId, region])),
    identity: Buffer.concat([count, ...lengthPrefixed(identity)]),
  };
}

function additionalData(
  blob: Pick<ParsedBlob, 'version' | 'header'>,
  binding: KeyBinding,
  context: EncryptionContext | undefined,
): Buffer {
  const bound = blob.version === V1 ? binding.scope : binding.identity;
  return Buffer.concat([blob.header, bound, encodeEncryptionContext(context)]);
}

function encodeHeader(keyId: string, materialId: string, iv: Buffer): Buffer {
  const keyIdBytes = Buffer.byteLength(keyId, 'utf8');
  if (keyIdBytes > MAX_KEY_ID_BYTES) throw new RangeError('key id too long for the ciphertext format');
  const header = Buffer.allocUnsafe(1 + 2 + keyIdBytes + MATERIAL_ID_BYTES + IV_BYTES);
  let offset = header.writeUInt8(V2, 0);
  offset = header.writeUInt16BE(keyIdBytes, offset);
  offset += header.write(keyId, offset, 'utf8');
  offset += header.write(materialId, offset, 'hex');
  iv.copy(header, offset);
  return header;
}

/** A version-2 blob of `plaintext` under `material`, bound to the key and the encryption context. */
export function seal(
  plaintext: Uint8Array,
  material: Uint8Array,
  header: CiphertextHeader,
  binding: KeyBinding,
  context: EncryptionContext | undefined,
): Buffer {
  const iv = randomBytesFromPool(IV_BYTES);
  const headerBytes = encodeHeader(header.keyId, header.materialId, iv);
  const aad = additionalData({ version: V2, header: headerBytes }, binding, context);
  return Buffer.concat([headerBytes, sealAead(material, iv, plaintext, aad)]);
}

/** Reads the header of a blob; undefined if it is not a kmslab blob of a known version, or is cut short. */
export function parseCiphertext(blob: Buffer): ParsedBlob | undefined {
  if (blob.length < 3) return undefined;
  const version = blob.readUInt8(0);
  if (version !== V1 && version !== V2) return undefined;
  const keyIdLength = blob.readUInt16BE(1);
  const headerLength = 3 + keyIdLength + MATERIAL_ID_BYTES + IV_BYTES;
  if (blob.length < headerLength + TAG_BYTES) return undefined;
  const materialStart = 3 + keyIdLength;
  return {
    version,
    keyId: blob.toString('utf8', 3, materialStart),
    materialId: blob.toString('hex', materialStart, materialStart + MATERIAL_ID_BYTES),
    header: blob.subarray(0, headerLength),
    iv: blob.subarray(materialStart + MATERIAL_ID_BYTES, headerLength),
    sealed: blob.subarray(headerLength),
  };
}

/** The plaintext, or undefined when the blob, the key's binding or the encryption context does not match. */
export function open(
  parsed: ParsedBlob,
  material: Uint8Array,
  binding: KeyBinding,
  context: EncryptionContext | undefined,
): Buffer | undefined {
  return openAead(material, parsed.iv, parsed.sealed, additionalData(parsed, binding, context));
}
