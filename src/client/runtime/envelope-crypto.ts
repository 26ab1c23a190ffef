/**
 * The cryptography of envelope encryption that differs between k6 (WebCrypto, k6/crypto, k6/encoding) and Node
 * (node:crypto, Buffer). The message format, the keyring and the caches above it are shared.
 */

/** AES-256-GCM under one key; ciphertexts carry their 16-byte tag at the end, as WebCrypto returns them. */
export interface AesGcmKey {
  encrypt(iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Rejects when the tag does not authenticate the ciphertext and AAD. */
  decrypt(iv: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

/** An ECDSA P-384 key pair made for one data key. */
export interface SigningKey {
  /** The public key as a compressed point (SEC 1 §2.3.3), 49 bytes. */
  publicKey: Uint8Array;
  /** ECDSA with SHA-384 over `data`, DER-encoded (`ECDSA-Sig-Value`). */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export interface VerificationKey {
  /** False, never a throw, for a signature that is wrong or not DER. */
  verify(data: Uint8Array, derSignature: Uint8Array): Promise<boolean>;
}

export interface EnvelopeCrypto {
  randomBytes(size: number): Uint8Array;
  hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array;
  aesGcmKey(key: Uint8Array): Promise<AesGcmKey>;
  generateSigningKey(): Promise<SigningKey>;
  /** Throws when `compressedPoint` is not a point of P-384. */
  verificationKey(compressedPoint: Uint8Array): Promise<VerificationKey>;
  /** Standard padded base64. */
  base64(bytes: Uint8Array): string;
  /** Throws on anything but standard padded base64. */
  fromBase64(text: string): Uint8Array;
  utf8(text: string): Uint8Array;
  fromUtf8(bytes: Uint8Array): string;
}

let current: EnvelopeCrypto | undefined;

/** Called once by each envelope entry point (k6 or Node) before any user code runs. */
export function useEnvelopeCrypto(crypto: EnvelopeCrypto): void {
  current = crypto;
}

export function envelopeCrypto(): EnvelopeCrypto {
  if (!current) {
    throw new Error(
      'kmslab envelope: import it from its k6 bundle (envelope.js) or from kmslab/envelope in Node',
    );
  }
  return current;
}
