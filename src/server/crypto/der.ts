/**
 * The few DER encodings kmslab writes itself (X.690): the DigestInfo of RSASSA-PKCS1-v1_5 and the PKCS#8 and
 * SubjectPublicKeyInfo wrappings of ML-DSA keys, which Node's OpenSSL 3.0 cannot produce. Everything else DER
 * (RSA, EC and Ed25519 keys, ECDSA signatures) is read and written by OpenSSL.
 */

function length(bytes: number): Buffer {
  if (bytes < 0x80) return Buffer.from([bytes]);
  const octets: number[] = [];
  for (let rest = bytes; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/** A tag, the length of the contents, then the contents. */
export function tlv(tag: number, ...contents: readonly Uint8Array[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

export const sequence = (...contents: readonly Uint8Array[]): Buffer => tlv(0x30, ...contents);
export const octetString = (contents: Uint8Array): Buffer => tlv(0x04, contents);
/** A BIT STRING of whole bytes (no unused bits). */
export const bitString = (contents: Uint8Array): Buffer => tlv(0x03, Buffer.from([0]), contents);
export const derNull = (): Buffer => tlv(0x05);
/** An INTEGER from 0 to 127 (a version number). */
export const smallInteger = (value: number): Buffer => tlv(0x02, Buffer.from([value]));

/** An OBJECT IDENTIFIER from its dotted form: the first two arcs in one byte, then each arc in base 128. */
export function objectIdentifier(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const octets = [40 * first + second];
  for (const arc of rest) {
    const digits = [arc % 128];
    for (let high = Math.floor(arc / 128); high > 0; high = Math.floor(high / 128))
      digits.unshift(0x80 | (high % 128));
    octets.push(...digits);
  }
  return tlv(0x06, Buffer.from(octets));
}
