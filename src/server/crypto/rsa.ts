import {
  constants,
  createHash,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import type { EncryptionAlgorithmSpec, KeySpec, SigningAlgorithmSpec } from '../../protocol/index.ts';
import { Errors } from '../messages.ts';
import { derNull, objectIdentifier, octetString, sequence } from './der.ts';
import { digestToSign, type Hash, SHA_1, SHA_256, SHA_384, SHA_512 } from './digests.ts';
import type { KeyCrypto, PublicKeyEncryption, SignatureScheme } from './key-crypto.ts';
import { generatePkcs8, importPkcs8, nodeKeyPair } from './node-keys.ts';

/**
 * RSA keys: RSASSA-PSS and RSASSA-PKCS1-v1_5 signatures and RSAES-OAEP encryption (RFC 8017), as AWS KMS does
 * them. node:crypto's sign() always hashes its input, and KMS signs DIGEST messages as given, so every
 * signature is made from a digest here: RSASSA-PKCS1-v1_5 with OpenSSL's own block-type-1 padding over the
 * DigestInfo, RSASSA-PSS with the EMSA-PSS encoding below and the raw RSA operation (blinded by OpenSSL). RAW
 * messages are hashed first, so both message types take one path; `openssl pkeyutl` verifies both (test/).
 */

type RsaKeySpec = Extract<KeySpec, `RSA_${number}`>;

function digestInfo(hash: Hash, digest: Buffer): Buffer {
  return sequence(sequence(objectIdentifier(hash.oid), derNull()), octetString(digest));
}

/** MGF1 (RFC 8017 B.2.1) with the hash that the signature uses, as KMS does. */
function mgf1(hash: Hash, seed: Buffer, length: number): Buffer {
  const mask = Buffer.alloc(length);
  const counter = Buffer.alloc(4);
  for (let offset = 0, i = 0; offset < length; offset += hash.bytes, i++) {
    counter.writeUInt32BE(i, 0);
    createHash(hash.name).update(seed).update(counter).digest().copy(mask, offset);
  }
  return mask;
}

/** H = Hash(8 zero bytes || mHash || salt): what EMSA-PSS binds the digest and salt into. */
function pssHash(hash: Hash, digest: Buffer, salt: Buffer): Buffer {
  return createHash(hash.name).update(Buffer.alloc(8)).update(digest).update(salt).digest();
}

/** The bits above emBits in the first byte, which EMSA-PSS keeps zero so that the encoding is below the modulus. */
function topByteMask(emLength: number, emBits: number): number {
  return 0xff >> (8 * emLength - emBits);
}

/** EMSA-PSS-ENCODE (RFC 8017 9.1.1) with a salt as long as the digest, as KMS's RSASSA_PSS algorithms use. */
function pssEncode(hash: Hash, digest: Buffer, emBits: number): Buffer {
  const emLength = Math.ceil(emBits / 8);
  const salt = randomBytes(hash.bytes);
  const h = pssHash(hash, digest, salt);
  const db = Buffer.alloc(emLength - hash.bytes - 1);
  db[db.length - salt.length - 1] = 0x01;
  salt.copy(db, db.length - salt.length);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] ?? 0) ^ (mask[i] ?? 0);
  db[0] = (db[0] ?? 0) & topByteMask(emLength, emBits);
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

/** EMSA-PSS-VERIFY (RFC 8017 9.1.2), requiring the digest-length salt that KMS signs with. */
function pssVerify(hash: Hash, digest: Buffer, em: Buffer, emBits: number): boolean {
  const emLength = em.length;
  if (emLength < 2 * hash.bytes + 2 || em[emLength - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLength - hash.bytes - 1);
  const h = em.subarray(emLength - hash.bytes - 1, emLength - 1);
  const keep = topByteMask(emLength, emBits);
  if (((maskedDb[0] ?? 0) & ~keep & 0xff) !== 0) return false;
  const db = mgf1(hash, h, maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] ?? 0) ^ (maskedDb[i] ?? 0);
  db[0] = (db[0] ?? 0) & keep;
  const separator = db.length - hash.bytes - 1;
  for (let i = 0; i < separator; i++) if (db[i] !== 0) return false;
  if (db[separator] !== 0x01) return false;
  return pssHash(hash, digest, db.subarray(separator + 1)).equals(h);
}

/** The raw RSA operations, on inputs exactly as long as the modulus. */
function rsaPrivate(material: Buffer, input: Buffer, padding: number): Buffer {
  return privateEncrypt({ key: nodeKeyPair(material).privateKey, padding }, input);
}

/** The signature opened with the public key, or undefined when it is not a number below the modulus. */
function rsaPublic(material: Buffer, signature: Buffer, padding: number): Buffer | undefined {
  try {
    return publicDecrypt({ key: nodeKeyPair(material).publicKey, padding }, signature);
  } catch {
    return undefined;
  }
}

function pss(
  algorithm: SigningAlgorithmSpec,
  keySpec: RsaKeySpec,
  hash: Hash,
  modulusBits: number,
): SignatureScheme {
  const emBits = modulusBits - 1;
  const modulusBytes = modulusBits / 8;
  return {
    sign(material, message, messageType) {
      const em = pssEncode(hash, digestToSign(algorithm, keySpec, hash, message, messageType), emBits);
      const padded = Buffer.concat([Buffer.alloc(modulusBytes - em.length), em]);
      return rsaPrivate(material, padded, constants.RSA_NO_PADDING);
    },
    verify(material, message, messageType, signature) {
      const digest = digestToSign(algorithm, keySpec, hash, message, messageType);
      if (signature.length !== modulusBytes) return false;
      const opened = rsaPublic(material, signature, constants.RSA_NO_PADDING);
      const emLength = Math.ceil(emBits / 8);
      if (!opened || opened.subarray(0, opened.length - emLength).some((byte) => byte !== 0)) return false;
      return pssVerify(hash, digest, opened.subarray(opened.length - emLength), emBits);
    },
  };
}

function pkcs1(algorithm: SigningAlgorithmSpec, keySpec: RsaKeySpec, hash: Hash): SignatureScheme {
  const encode = (message: Buffer, messageType: Parameters<SignatureScheme['sign']>[2]) =>
    digestInfo(hash, digestToSign(algorithm, keySpec, hash, message, messageType));
  return {
    sign: (material, message, messageType) =>
      rsaPrivate(material, encode(message, messageType), constants.RSA_PKCS1_PADDING),
    verify(material, message, messageType, signature) {
      const expected = encode(message, messageType);
      return rsaPublic(material, signature, constants.RSA_PKCS1_PADDING)?.equals(expected) ?? false;
    },
  };
}

/**
 * RSAES-OAEP with MGF1 over the same hash and an empty label. The largest plaintext is k - 2·hLen - 2 bytes
 * (RFC 8017 7.1.1): 214 and 190 bytes for RSA_2048 with SHA-1 and SHA-256, as AWS documents and answers.
 */
function oaep(
  algorithm: EncryptionAlgorithmSpec,
  keySpec: RsaKeySpec,
  hash: Hash,
  modulusBits: number,
): PublicKeyEncryption {
  const maxPlaintextBytes = modulusBits / 8 - 2 * hash.bytes - 2;
  const padding = constants.RSA_PKCS1_OAEP_PADDING;
  return {
    encrypt(material, plaintext) {
      if (plaintext.length > maxPlaintextBytes)
        throw Errors.rsaPlaintextTooLong(algorithm, keySpec, maxPlaintextBytes);
      return publicEncrypt({ key: nodeKeyPair(material).publicKey, padding, oaepHash: hash.name }, plaintext);
    },
    decrypt(material, ciphertext) {
      try {
        return privateDecrypt(
          { key: nodeKeyPair(material).privateKey, padding, oaepHash: hash.name },
          ciphertext,
        );
      } catch {
        return undefined;
      }
    },
  };
}

function rsaCrypto(keySpec: RsaKeySpec, modulusBits: 2048 | 3072 | 4096): KeyCrypto {
  return {
    generate: () => generatePkcs8('rsa', { modulusLength: modulusBits }),
    importMaterial: (bytes) =>
      importPkcs8(
        bytes,
        (key) => key.asymmetricKeyType === 'rsa' && key.asymmetricKeyDetails?.modulusLength === modulusBits,
      ),
    publicKey: (material) => nodeKeyPair(material).spki,
    signing: {
      RSASSA_PSS_SHA_256: pss('RSASSA_PSS_SHA_256', keySpec, SHA_256, modulusBits),
      RSASSA_PSS_SHA_384: pss('RSASSA_PSS_SHA_384', keySpec, SHA_384, modulusBits),
      RSASSA_PSS_SHA_512: pss('RSASSA_PSS_SHA_512', keySpec, SHA_512, modulusBits),
      RSASSA_PKCS1_V1_5_SHA_256: pkcs1('RSASSA_PKCS1_V1_5_SHA_256', keySpec, SHA_256),
      RSASSA_PKCS1_V1_5_SHA_384: pkcs1('RSASSA_PKCS1_V1_5_SHA_384', keySpec, SHA_384),
      RSASSA_PKCS1_V1_5_SHA_512: pkcs1('RSASSA_PKCS1_V1_5_SHA_512', keySpec, SHA_512),
    },
    encryption: {
      RSAES_OAEP_SHA_1: oaep('RSAES_OAEP_SHA_1', keySpec, SHA_1, modulusBits),
      RSAES_OAEP_SHA_256: oaep('RSAES_OAEP_SHA_256', keySpec, SHA_256, modulusBits),
    },
  };
}

export const RSA_CRYPTO: { readonly [S in RsaKeySpec]: KeyCrypto } = {
  RSA_2048: rsaCrypto('RSA_2048', 2048),
  RSA_3072: rsaCrypto('RSA_3072', 3072),
  RSA_4096: rsaCrypto('RSA_4096', 4096),
};
