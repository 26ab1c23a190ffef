import { hmac, randomBytes } from 'k6/crypto';
import { b64decode, b64encode } from 'k6/encoding';
import type { EnvelopeCrypto } from './envelope-crypto.ts';
import { compressPoint, decompressPoint, derToP1363, p1363ToDer } from './p384.ts';

const ECDSA_P384 = { name: 'ECDSA', namedCurve: 'P-384' };
const ECDSA_SHA384 = { name: 'ECDSA', hash: 'SHA-384' };
const AES_GCM = { name: 'AES-GCM' };

/** k6's WebCrypto reads a view's whole backing buffer (grafana/k6#4259): hand it buffers that are all view. */
function whole(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** WebCrypto for AES-GCM and ECDSA, k6/crypto's HMAC (k6 has no HKDF), k6/encoding for base64 and UTF-8. */
export const k6EnvelopeCrypto: EnvelopeCrypto = {
  randomBytes: (size) => new Uint8Array(randomBytes(size)),
  hmacSha512: (key, data) => new Uint8Array(hmac('sha512', key, data, 'binary')),
  async aesGcmKey(raw) {
    const key = await crypto.subtle.importKey('raw', whole(raw), AES_GCM, false, ['encrypt', 'decrypt']);
    const params = (iv: Uint8Array, aad: Uint8Array) => ({
      name: 'AES-GCM',
      iv: whole(iv),
      additionalData: whole(aad),
    });
    return {
      encrypt: async (iv, plaintext, aad) =>
        new Uint8Array(await crypto.subtle.encrypt(params(iv, aad), key, whole(plaintext))),
      decrypt: async (iv, ciphertext, aad) =>
        new Uint8Array(await crypto.subtle.decrypt(params(iv, aad), key, whole(ciphertext))),
    };
  },
  async generateSigningKey() {
    const pair = await crypto.subtle.generateKey(ECDSA_P384, true, ['sign', 'verify']);
    const point = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    return {
      publicKey: compressPoint(point),
      sign: async (data) =>
        p1363ToDer(new Uint8Array(await crypto.subtle.sign(ECDSA_SHA384, pair.privateKey, whole(data)))),
    };
  },
  async verificationKey(compressedPoint) {
    const key = await crypto.subtle.importKey('raw', decompressPoint(compressedPoint), ECDSA_P384, false, [
      'verify',
    ]);
    return {
      async verify(data, derSignature) {
        const signature = derToP1363(derSignature);
        return signature !== undefined && crypto.subtle.verify(ECDSA_SHA384, key, signature, whole(data));
      },
    };
  },
  base64: (bytes) => b64encode(bytes, 'std'),
  fromBase64: (text) => new Uint8Array(b64decode(text, 'std')),
  // k6 v1 has no TextEncoder/TextDecoder; k6/encoding converts through base64 (k6-runtime.md §4).
  utf8: (text) => new Uint8Array(b64decode(b64encode(text, 'std'), 'std')),
  fromUtf8: (bytes) => b64decode(b64encode(bytes, 'std'), 'std', 's'),
};
