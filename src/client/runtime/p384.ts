/**
 * The P-384 encodings the AWS Encryption SDK uses and WebCrypto does not: compressed public points (SEC 1
 * §2.3.3-2.3.4) and DER signatures (`ECDSA-Sig-Value`, SEC 1 §C.5), where WebCrypto has raw uncompressed points
 * and fixed-size r||s signatures (IEEE P1363). Pure ECMAScript with BigInt, so that it runs in k6 too.
 */

const FIELD_BYTES = 48;
// The curve y² = x³ - 3x + B over P = 2^384 - 2^128 - 2^96 + 2^32 - 1 (FIPS 186-4 §D.1.2.4). P ≡ 3 (mod 4), so
// a square root of a is a^((P+1)/4) (Handbook of Applied Cryptography, 3.36).
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn;
const B = 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn;

function toBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

function toBytes(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  base %= modulus;
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % modulus;
    base = (base * base) % modulus;
    exponent >>= 1n;
  }
  return result;
}

/** 0x04 || x || y (97 bytes) → 0x02 or 0x03 (the parity of y) || x (49 bytes). */
export function compressPoint(uncompressed: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + FIELD_BYTES);
  out[0] = 2 + ((uncompressed[2 * FIELD_BYTES] ?? 0) & 1);
  out.set(uncompressed.subarray(1, 1 + FIELD_BYTES), 1);
  return out;
}

/** The inverse of compressPoint; throws when the bytes name no point of the curve. */
export function decompressPoint(compressed: Uint8Array): Uint8Array {
  const prefix = compressed[0];
  if (compressed.length !== 1 + FIELD_BYTES || (prefix !== 2 && prefix !== 3)) {
    throw new Error('not a compressed P-384 point');
  }
  const x = toBigInt(compressed.subarray(1));
  if (x >= P) throw new Error('not a compressed P-384 point');
  const ySquared = (((x * x * x - 3n * x + B) % P) + P) % P;
  let y = modPow(ySquared, (P + 1n) / 4n, P);
  if ((y * y) % P !== ySquared) throw new Error('not a compressed P-384 point');
  if (Number(y & 1n) !== prefix - 2) y = P - y;
  const out = new Uint8Array(1 + 2 * FIELD_BYTES);
  out[0] = 4;
  out.set(toBytes(x, FIELD_BYTES), 1);
  out.set(toBytes(y, FIELD_BYTES), 1 + FIELD_BYTES);
  return out;
}

/** A non-negative DER INTEGER: minimal, with a leading zero when the high bit is set. */
function derInteger(unsigned: Uint8Array): Uint8Array {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const pad = (unsigned[start] ?? 0) & 0x80 ? 1 : 0;
  const body = unsigned.length - start + pad;
  const out = new Uint8Array(2 + body);
  out[0] = 0x02;
  out[1] = body;
  out.set(unsigned.subarray(start), 2 + pad);
  return out;
}

/** r || s (96 bytes) → DER SEQUENCE { r INTEGER, s INTEGER }; at most 104 bytes, so lengths fit in one byte. */
export function p1363ToDer(signature: Uint8Array): Uint8Array {
  const r = derInteger(signature.subarray(0, FIELD_BYTES));
  const s = derInteger(signature.subarray(FIELD_BYTES));
  const out = new Uint8Array(2 + r.length + s.length);
  out[0] = 0x30;
  out[1] = r.length + s.length;
  out.set(r, 2);
  out.set(s, 2 + r.length);
  return out;
}

/** DER → r || s, or undefined when the bytes are not exactly one such SEQUENCE with values that fit P-384. */
export function derToP1363(der: Uint8Array): Uint8Array | undefined {
  if (der[0] !== 0x30 || der[1] !== der.length - 2) return undefined;
  const out = new Uint8Array(2 * FIELD_BYTES);
  let offset = 2;
  for (const slot of [0, FIELD_BYTES]) {
    const length = der[offset + 1] ?? 0;
    if (der[offset] !== 0x02 || length === 0 || length > 0x7f || offset + 2 + length > der.length)
      return undefined;
    let value = der.subarray(offset + 2, offset + 2 + length);
    if (value.length > 1 && value[0] === 0) value = value.subarray(1);
    if (value.length > FIELD_BYTES) return undefined;
    out.set(value, slot + FIELD_BYTES - value.length);
    offset += 2 + length;
  }
  return offset === der.length ? out : undefined;
}
