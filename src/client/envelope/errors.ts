/**
 * Envelope encryption or decryption failed: a bad argument, a message that is malformed, tampered with or not
 * for this keyring, or a context that does not match. Errors of the KMS calls themselves stay the client's
 * `KMSServiceError`/`NetworkError`. Messages never carry key material or plaintext.
 */
export class EnvelopeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // Set by hand: minified bundles rename classes, and users match on `name`.
    this.name = 'EnvelopeError';
  }
}
