import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import type { EnvelopeCrypto } from './envelope-crypto.ts';
import { compressPoint } from './p384.ts';

const TAG_BYTES = 16;
/** SubjectPublicKeyInfo DER up to the point: id-ecPublicKey, secp384r1, a 49-byte BIT STRING (RFC 5480). */
const P384_COMPRESSED_SPKI_PREFIX = Buffer.from('3046301006072a8648ce3d020106052b81040022033200', 'hex');

/** node:crypto (synchronous, OpenSSL) behind the same promise-shaped interface as k6's WebCrypto. */
export const nodeEnvelopeCrypto: EnvelopeCrypto = {
  randomBytes: (size) => randomBytes(size),
  hmacSha512: (key, data) => createHmac('sha512', key).update(data).digest(),
  async aesGcmKey(key) {
    return {
      async encrypt(iv, plaintext, aad) {
        const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
        return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      },
      async decrypt(iv, ciphertextAndTag, aad) {
        const end = ciphertextAndTag.length - TAG_BYTES;
        if (end < 0) throw new Error('ciphertext shorter than its tag');
        const decipher = createDecipheriv('aes-256-gcm', key, iv)
          .setAAD(aad)
          .setAuthTag(ciphertextAndTag.subarray(end));
        return Buffer.concat([decipher.update(ciphertextAndTag.subarray(0, end)), decipher.final()]);
      },
    };
  },
  async generateSigningKey() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    // The uncompressed point (0x04 || x || y) ends the SubjectPublicKeyInfo.
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    return {
      publicKey: compressPoint(spki.subarray(spki.length - 97)),
      sign: async (data) => sign('sha384', data, privateKey),
    };
  },
  async verificationKey(compressedPoint) {
    // OpenSSL reads compressed points: no decompression here.
    const key = createPublicKey({
      key: Buffer.concat([P384_COMPRESSED_SPKI_PREFIX, compressedPoint]),
      format: 'der',
      type: 'spki',
    });
    return {
      async verify(data, derSignature) {
        try {
          return verify('sha384', data, key, derSignature);
        } catch {
          return false;
        }
      },
    };
  },
  base64: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  fromBase64(text) {
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
      throw new Error('not standard base64');
    }
    return Buffer.from(text, 'base64');
  },
  utf8: (text) => Buffer.from(text, 'utf8'),
  fromUtf8: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
};
