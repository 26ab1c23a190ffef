/**
 * The encryption context as authenticated bytes. Every key and value is length-prefixed and pairs are sorted by
 * their UTF-8 key bytes, so the encoding is unambiguous ({"ab":"c"} and {"a":"bc"} differ) and independent of
 * the order the caller sent them in.
 */
export type EncryptionContext = Readonly<Record<string, string>>;

function u32(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(value, 0);
  return out;
}

/** An absent or empty context: a zero count, built once (the common case on the data plane). */
const EMPTY = Buffer.alloc(4);

/** The encoding of a context; the one of an empty context is shared and must not be written to. */
export function encodeEncryptionContext(context: EncryptionContext | undefined): Buffer {
  const entries = context === undefined ? [] : Object.entries(context);
  if (entries.length === 0) return EMPTY;
  const pairs = entries.map(
    ([key, value]) => [Buffer.from(key, 'utf8'), Buffer.from(value, 'utf8')] as const,
  );
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts: Buffer[] = [u32(pairs.length)];
  for (const [key, value] of pairs) parts.push(u32(key.length), key, u32(value.length), value);
  return Buffer.concat(parts);
}
