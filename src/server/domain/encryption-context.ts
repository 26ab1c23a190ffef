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

export function encodeEncryptionContext(context: EncryptionContext | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).map(
    ([key, value]) => [Buffer.from(key, 'utf8'), Buffer.from(value, 'utf8')] as const,
  );
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts: Buffer[] = [u32(pairs.length)];
  for (const [key, value] of pairs) parts.push(u32(key.length), key, u32(value.length), value);
  return Buffer.concat(parts);
}
