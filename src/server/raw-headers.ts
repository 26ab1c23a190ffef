/**
 * Reading node:http's `rawHeaders` (names and values as received, alternating) without building its `headers`
 * object and without lowercasing every name on every lookup: a lowercased copy per name per lookup was a large
 * share of what a request allocated.
 */

/** Whether a received header name is `lower` (already lowercase), ignoring case. Header names are ASCII tokens. */
export function isHeaderName(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** The first value of a header. */
export function firstHeaderValue(rawHeaders: readonly string[], lower: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (isHeaderName(rawHeaders[i] as string, lower)) return rawHeaders[i + 1];
  }
  return undefined;
}

/** A header's value as node:http's `headers` has it: repeats joined with ', '. */
export function joinedHeaderValue(rawHeaders: readonly string[], lower: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (!isHeaderName(rawHeaders[i] as string, lower)) continue;
    value = value === undefined ? rawHeaders[i + 1] : `${value}, ${rawHeaders[i + 1]}`;
  }
  return value;
}

/** The values of the named headers (lowercase), each in the order received; one absent is an empty list. */
export function headerValuesByName(
  rawHeaders: readonly string[],
  lowerNames: readonly string[],
): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const name of lowerNames) headers[name] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const raw = rawHeaders[i] as string;
    for (const name of lowerNames) {
      if (isHeaderName(raw, name)) {
        headers[name]?.push(rawHeaders[i + 1] as string);
        break;
      }
    }
  }
  return headers;
}
