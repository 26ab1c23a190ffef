import { guard } from '../interrupt.ts';
import { arrayBuffer, goError, type Realm, toBytes } from '../realm.ts';
import type { VuState } from '../state.ts';

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

interface Variant {
  alphabet: string;
  padded: boolean;
}

/** std, rawstd, url, rawurl; anything else is std, as in k6. */
function variant(encoding: unknown): Variant {
  switch (encoding) {
    case 'rawstd':
      return { alphabet: STD, padded: false };
    case 'url':
      return { alphabet: URL_SAFE, padded: true };
    case 'rawurl':
      return { alphabet: URL_SAFE, padded: false };
    default:
      return { alphabet: STD, padded: true };
  }
}

export function encodeBase64(bytes: Uint8Array, { alphabet, padded }: Variant): string {
  let text = Buffer.from(bytes).toString('base64');
  if (alphabet === URL_SAFE) text = text.replaceAll('+', '-').replaceAll('/', '_');
  return padded ? text : text.replace(/=+$/, '');
}

/**
 * Go's base64.Encoding.DecodeString: \r and \n are skipped, the alphabet is exact and padding is required
 * (padded variants) or forbidden (raw ones). Unused trailing bits are ignored, as Go's non-strict mode does.
 */
export function decodeBase64(realm: Realm, input: string, { alphabet, padded }: Variant): Uint8Array {
  const illegal = (at: number) => goError(realm, `illegal base64 data at input byte ${at}`);
  const chars: { c: string; at: number }[] = [];
  for (let i = 0; i < input.length; i++)
    if (input[i] !== '\r' && input[i] !== '\n') chars.push({ c: input[i] as string, at: i });
  let end = chars.length;
  if (padded) {
    if (end % 4 !== 0) throw illegal(chars[end - (end % 4)]?.at ?? input.length);
    let pads = 0;
    while (pads < 2 && end > 0 && chars[end - 1]?.c === '=') {
      end--;
      pads++;
    }
    if (pads > 0 && (end % 4) + pads !== 4) throw illegal(chars[end]?.at ?? input.length);
  }
  const bits: number[] = [];
  for (let i = 0; i < end; i++) {
    const entry = chars[i] as { c: string; at: number };
    const value = alphabet.indexOf(entry.c);
    if (value < 0) throw illegal(entry.at);
    bits.push(value);
  }
  if (end % 4 === 1) throw illegal(chars[end - 1]?.at ?? input.length);
  const out: number[] = [];
  for (let i = 0; i < bits.length; i += 4) {
    const [a = 0, b = 0, c = 0, d = 0] = bits.slice(i, i + 4);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    const count = Math.min(4, bits.length - i) - 1;
    out.push((n >> 16) & 0xff);
    if (count > 1) out.push((n >> 8) & 0xff);
    if (count > 2) out.push(n & 0xff);
  }
  return new Uint8Array(out);
}

/** `k6/encoding` (k6-runtime.md §4). */
export function createEncodingModule(vu: VuState): Record<string, unknown> {
  const { realm } = vu;
  const b64encode = (input: unknown, encoding?: unknown): string => {
    guard(vu, 'b64encode()');
    return encodeBase64(toBytes(realm, input), variant(encoding));
  };
  const b64decode = (input: unknown, encoding?: unknown, format?: unknown): string | ArrayBuffer => {
    guard(vu, 'b64decode()');
    const bytes = decodeBase64(realm, String(input), variant(encoding));
    return format === 's' ? Buffer.from(bytes).toString('utf8') : arrayBuffer(realm, bytes);
  };
  const exports = { b64encode, b64decode };
  return { ...exports, default: Object.assign(realm.Object.create(realm.Object.prototype), exports) };
}
