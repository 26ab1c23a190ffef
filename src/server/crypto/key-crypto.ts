import type {
  EncryptionAlgorithmSpec,
  KeyAgreementAlgorithmSpec,
  MacAlgorithmSpec,
  MessageType,
  SigningAlgorithmSpec,
} from '../../protocol/index.ts';

/**
 * What a key's material is and what it can do, one value per key spec (crypto/key-specs.ts). Every function
 * takes the key's material as the store holds it: random bytes for symmetric and HMAC keys, a DER PKCS#8
 * private key for asymmetric ones. Algorithms are AWS's; which of them a key offers under its usage is the key
 * kind's business (keys/kinds.ts), and the implementation of each is here.
 *
 * Bad input (a message type or length the algorithm does not take, too much plaintext, an unusable public key)
 * throws a KMSError in AWS's words (messages.ts). A signature or MAC that does not verify, or a ciphertext that
 * does not decrypt, is a result (false, undefined), not an error: the operation chooses AWS's answer.
 */
export interface KeyCrypto {
  /**
   * New key material. Asynchronous: OpenSSL makes key pairs on libuv's thread pool, so that an RSA_4096 key
   * (up to 1.5 s of prime search) does not stall every other request.
   */
  generate(): Promise<Buffer>;
  /**
   * The material as kmslab keeps it, from the key material a customer imports (ImportKeyMaterial): the same
   * bytes for symmetric and HMAC keys, the private key re-encoded as kmslab's DER PKCS#8 for asymmetric ones, so
   * that one key imported twice in different encodings is the same material. Undefined when the bytes are not
   * key material of this spec.
   */
  importMaterial(bytes: Buffer): Buffer | undefined;
  /** The DER SubjectPublicKeyInfo of an asymmetric key (what GetPublicKey answers). */
  readonly publicKey?: (material: Buffer) => Buffer;
  readonly signing?: { readonly [A in SigningAlgorithmSpec]?: SignatureScheme };
  readonly encryption?: { readonly [A in EncryptionAlgorithmSpec]?: PublicKeyEncryption };
  readonly mac?: { readonly [A in MacAlgorithmSpec]?: MacScheme };
  readonly keyAgreement?: { readonly [A in KeyAgreementAlgorithmSpec]?: KeyAgreement };
}

/** Sign and Verify: `message` is read as `messageType` says (a message, its digest, or ML-DSA's μ). */
export interface SignatureScheme {
  sign(material: Buffer, message: Buffer, messageType: MessageType): Buffer;
  verify(material: Buffer, message: Buffer, messageType: MessageType, signature: Buffer): boolean;
}

/** Encrypt and Decrypt with an asymmetric key: the ciphertext is the raw RSAES-OAEP output, as AWS returns it. */
export interface PublicKeyEncryption {
  encrypt(material: Buffer, plaintext: Buffer): Buffer;
  /** Undefined when the ciphertext was not made with this key and algorithm. */
  decrypt(material: Buffer, ciphertext: Buffer): Buffer | undefined;
}

export interface MacScheme {
  generate(material: Buffer, message: Buffer): Buffer;
  /** Compares in constant time. */
  verify(material: Buffer, message: Buffer, mac: Buffer): boolean;
}

/** DeriveSharedSecret: the raw shared secret with a peer's DER SubjectPublicKeyInfo. */
export interface KeyAgreement {
  derive(material: Buffer, peerPublicKey: Buffer): Buffer;
}

/**
 * `parse` run once per material buffer. The store keeps a key's material in memory, so a key is parsed (or an
 * ML-DSA key expanded from its seed) on first use, not per request; the cache is weak, so material the store
 * lets go of is forgotten here too.
 */
export function parsedOnce<T>(parse: (material: Buffer) => T): (material: Buffer) => T {
  const cache = new WeakMap<Buffer, T>();
  return (material) => {
    let parsed = cache.get(material);
    if (parsed === undefined) {
      parsed = parse(material);
      cache.set(material, parsed);
    }
    return parsed;
  };
}
