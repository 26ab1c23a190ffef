import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * The one AES-256-GCM primitive: key material at rest (store/sqlite/sealing.ts) and ciphertext blobs (ciphertext.ts)
 * are both sealed with it. The caller picks the IV (it usually stores it in a header that the additional data
 * covers) and gets back the ciphertext followed by the 16-byte tag.
 */

export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/** The ciphertext of `plaintext` followed by its tag. */
export function seal(
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  additionalData: Uint8Array,
): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additionalData);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return Buffer.concat([body, final, cipher.getAuthTag()]);
}

/**
 * The plaintext of `sealed` (ciphertext then tag), or undefined when the key, the IV, the additional data or any
 * byte of `sealed` is not what `seal` used and produced.
 */
export function open(
  key: Uint8Array,
  iv: Uint8Array,
  sealed: Uint8Array,
  additionalData: Uint8Array,
): Buffer | undefined {
  if (sealed.length < TAG_BYTES) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(additionalData);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
