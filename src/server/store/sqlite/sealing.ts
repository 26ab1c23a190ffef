import { randomBytes } from 'node:crypto';
import { IV_BYTES, open, seal, TAG_BYTES } from '../../crypto/aead.ts';

/**
 * Key material at rest: AES-256-GCM under the root key, bound (as additional data) to what the row says it is,
 * so that a sealed material copied to another key's row or ID does not open.
 */

export class RootKeySealer {
  readonly #rootKey: Buffer;

  constructor(rootKey: Uint8Array) {
    if (rootKey.length !== 32) throw new Error(`the root key must be 32 bytes, got ${rootKey.length}`);
    this.#rootKey = Buffer.from(rootKey);
  }

  seal(plaintext: Uint8Array, binding: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    return Buffer.concat([iv, seal(this.#rootKey, iv, plaintext, Buffer.from(binding, 'utf8'))]);
  }

  /** Undefined when the root key or the binding is wrong. */
  open(sealed: Uint8Array, binding: string): Buffer | undefined {
    if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
    return open(
      this.#rootKey,
      sealed.subarray(0, IV_BYTES),
      sealed.subarray(IV_BYTES),
      Buffer.from(binding, 'utf8'),
    );
  }
}
