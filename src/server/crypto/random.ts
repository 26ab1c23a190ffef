import { randomFillSync } from 'node:crypto';

/**
 * Random bytes from the system CSPRNG, drawn in 8 KiB batches: one call into OpenSSL per batch instead of one
 * per IV and data key keeps GenerateDataKey's cost down. Every byte is handed out once and copied out.
 */
const POOL_BYTES = 8192;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let offset = POOL_BYTES;

export function randomBytesFromPool(size: number): Buffer {
  if (size > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(size));
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size);
  offset += size;
  return out;
}
