import { isIPv4, isIPv6 } from 'node:net';

/**
 * IPv4 and IPv6 addresses and CIDR ranges for IpAddress/NotIpAddress, as 16-bit groups (2 for IPv4, 8 for
 * IPv6). node:net's BlockList does the same job at several microseconds per check; this is a few compares.
 */
interface Address {
  readonly groups: readonly number[];
}

export interface Range extends Address {
  readonly bits: number;
}

function ipv4Groups(text: string): number[] {
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return [(a << 8) | b, (c << 8) | d];
}

function ipv6Groups(text: string): number[] {
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => {
    if (part === '') return [];
    const pieces = part.split(':');
    const last = pieces[pieces.length - 1] as string;
    const groups = pieces.slice(0, -1).map((p) => Number.parseInt(p, 16));
    return last.includes('.') ? [...groups, ...ipv4Groups(last)] : [...groups, Number.parseInt(last, 16)];
  };
  const before = parse(head);
  const after = tail === undefined ? [] : parse(tail);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}

/**
 * Parses an address as IAM compares it: an IPv4 address in IPv6 form (`::ffff:203.0.113.7`, as a dual-stack
 * socket reports an IPv4 client) is the IPv4 address. Undefined for anything that is not an address.
 */
export function parseAddress(text: string): Address | undefined {
  const plain = text.toLowerCase().startsWith('::ffff:') && isIPv4(text.slice(7)) ? text.slice(7) : text;
  if (isIPv4(plain)) return { groups: ipv4Groups(plain) };
  const withoutZone = plain.split('%')[0] as string;
  return isIPv6(withoutZone) ? { groups: ipv6Groups(withoutZone) } : undefined;
}

/** `203.0.113.0/24`, `2001:DB8::/32`, or one address (a /32 or /128). Undefined when it is neither. */
export function parseRange(text: string): Range | undefined {
  const [address = '', prefix, extra] = text.split('/');
  const parsed = parseAddress(address);
  if (parsed === undefined || extra !== undefined) return undefined;
  const size = parsed.groups.length * 16;
  const bits = prefix === undefined ? size : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  return bits >= 0 && bits <= size ? { groups: parsed.groups, bits } : undefined;
}

export function inRange(address: Address, range: Range): boolean {
  if (address.groups.length !== range.groups.length) return false;
  let bits = range.bits;
  for (let i = 0; bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if (((address.groups[i] as number) & mask) !== ((range.groups[i] as number) & mask)) return false;
  }
  return true;
}
