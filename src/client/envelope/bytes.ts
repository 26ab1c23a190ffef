// Big-endian reading and writing of the message format's fields, with every read bounds-checked.
import { EnvelopeError } from './errors.ts';

export function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Compares without stopping at the first difference, so that timing reveals nothing of the expected value. */
export function equalInConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

export class ByteWriter {
  readonly #parts: Uint8Array[] = [];

  uint8(value: number): this {
    this.#parts.push(Uint8Array.of(value));
    return this;
  }

  uint16(value: number): this {
    this.#parts.push(Uint8Array.of(value >>> 8, value & 0xff));
    return this;
  }

  uint32(value: number): this {
    this.#parts.push(Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff));
    return this;
  }

  /** Values up to 2^53 - 1, which is more than any message holds. */
  uint64(value: number): this {
    return this.uint32(Math.floor(value / 2 ** 32)).uint32(value >>> 0);
  }

  bytes(value: Uint8Array): this {
    this.#parts.push(value);
    return this;
  }

  /** A UInt16 length, then the bytes. */
  shortBytes(value: Uint8Array): this {
    return this.uint16(value.length).bytes(value);
  }

  finish(): Uint8Array {
    return concat(this.#parts);
  }
}

export class ByteReader {
  readonly #bytes: Uint8Array;
  offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get remaining(): number {
    return this.#bytes.length - this.offset;
  }

  /** Throws when fewer than `length` bytes remain: the message was cut short, or a length in it is wrong. */
  bytes(length: number): Uint8Array {
    if (length > this.remaining) {
      throw new EnvelopeError(`malformed message: it ends at byte ${this.#bytes.length}, inside a field`);
    }
    const out = this.#bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  uint8(): number {
    return this.bytes(1)[0] ?? 0;
  }

  uint16(): number {
    const [a = 0, b = 0] = this.bytes(2);
    return (a << 8) | b;
  }

  uint32(): number {
    const [a = 0, b = 0, c = 0, d = 0] = this.bytes(4);
    return a * 2 ** 24 + ((b << 16) | (c << 8) | d);
  }

  /** Up to 2^53 - 1; a larger value can only be a wrong length, reported as such by the read it sizes. */
  uint64(): number {
    return this.uint32() * 2 ** 32 + this.uint32();
  }

  /** A UInt16 length, then that many bytes. */
  shortBytes(): Uint8Array {
    return this.bytes(this.uint16());
  }
}
