import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Key material at rest: AES-256-GCM under the root key, bound (as additional data) to what the row says it is,
 * so that a sealed material copied to another key's row or ID does not open.
 */

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class RootKeySealer {
  readonly #rootKey: Buffer;

  constructor(rootKey: Uint8Array) {
    if (rootKey.length !== 32) throw new Error(`the root key must be 32 bytes, got ${rootKey.length}`);
    this.#rootKey = Buffer.from(rootKey);
  }

  seal(plaintext: Uint8Array, binding: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#rootKey, iv);
    cipher.setAAD(Buffer.from(binding, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]);
  }

  /** Undefined when the root key or the binding is wrong. */
  open(sealed: Uint8Array, binding: string): Buffer | undefined {
    const data = Buffer.from(sealed);
    if (data.length < IV_BYTES + TAG_BYTES) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', this.#rootKey, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(binding, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      return undefined;
    }
  }
}
