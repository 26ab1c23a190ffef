/**
 * The part of gjson's path syntax that k6's `Response.json(selector)` users reach for: dot-separated keys,
 * array indexes, `#` (array length), `#.key` (that key of every element) and `\`-escaped dots. Returns
 * undefined for a missing path, as k6 does.
 */
export function select(document: unknown, path: string): unknown {
  const parts: string[] = [];
  let part = '';
  for (let i = 0; i < path.length; i++) {
    const char = path[i] as string;
    if (char === '\\' && i + 1 < path.length) part += path[++i];
    else if (char === '.') {
      parts.push(part);
      part = '';
    } else part += char;
  }
  parts.push(part);
  return walk(document, parts);
}

function walk(value: unknown, parts: string[]): unknown {
  if (parts.length === 0) return value;
  const [head, ...rest] = parts as [string, ...string[]];
  if (Array.isArray(value)) {
    if (head === '#') {
      if (rest.length === 0) return value.length;
      const values = value.map((item) => walk(item, rest)).filter((item) => item !== undefined);
      return values;
    }
    if (/^\d+$/.test(head)) return walk(value[Number(head)], rest);
    return undefined;
  }
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, head))
    return walk((value as Record<string, unknown>)[head], rest);
  return undefined;
}
