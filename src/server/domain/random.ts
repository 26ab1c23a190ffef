import { randomFillSync } from 'node:crypto';

/**
 * Random bytes from the system CSPRNG, drawn in 8 KiB batches: one call into OpenSSL per batch instead of one
 * per IV, data key and request ID keeps the data plane's cost down. Every byte is handed out once.
 */
const POOL_BYTES = 8192;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let offset = POOL_BYTES;

/** Where `size` fresh bytes start in the pool; the caller reads them and then zeroes them. */
function take(size: number): number {
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += size;
  return start;
}

export function randomBytesFromPool(size: number): Buffer {
  if (size > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(size));
  const start = take(size);
  const out = Buffer.from(pool.subarray(start, start + size));
  pool.fill(0, start, start + size);
  return out;
}

const HEX = '0123456789abcdef';
const uuid = Buffer.allocUnsafeSlow(36);

/**
 * A random (version 4) UUID, as node:crypto's randomUUID makes, for request IDs. Written as ASCII into one buffer
 * and read out as one string: randomUUID concatenates it from 20 pieces, and two per request showed in the
 * data plane's garbage.
 */
export function randomRequestId(): string {
  const start = take(16);
  let at = 0;
  for (let i = 0; i < 16; i++) {
    let byte = pool[start + i] as number;
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    if (i === 4 || i === 6 || i === 8 || i === 10) uuid[at++] = 0x2d;
    uuid[at++] = HEX.charCodeAt(byte >> 4);
    uuid[at++] = HEX.charCodeAt(byte & 0x0f);
  }
  pool.fill(0, start, start + 16);
  return uuid.toString('latin1', 0, 36);
}
