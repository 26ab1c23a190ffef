import { canonicalKey, type Lookup } from './context.ts';

/**
 * Policy strings: `*` and `?` wildcards, and policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`,
 * `${*}`, `${?}`, `${$}`, defaults as in `${aws:userid, 'anonymous'}`). A string is parsed once, when its policy
 * is compiled; a request resolves only the variables in it.
 */

/** Tests one string against a compiled pattern; undefined when a variable in the pattern can't be resolved. */
export type StringTest = (value: string, lookup: Lookup) => boolean | undefined;

/** A piece of a policy string: pattern text (wildcards active), or literal text, which a variable becomes. */
interface Piece {
  readonly value: string;
  readonly literal: boolean;
}

type Part = Piece | { readonly variable: string; readonly fallback: string | undefined };

/** The characters that `${*}`, `${?}` and `${$}` stand for. */
const SPECIAL_VARIABLES: Readonly<Record<string, string>> = { '*': '*', '?': '?', $: '$' };
const VARIABLE = /\$\{([^}]*)\}/g;
const VARIABLE_BODY = /^\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?$/;

/** Splits a policy string at its variables. `${...}` that doesn't parse as a variable stays text. */
function parseParts(value: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of value.matchAll(VARIABLE)) {
    const body = VARIABLE_BODY.exec(match[1] ?? '');
    if (!body) continue;
    if (match.index > last) parts.push({ value: value.slice(last, match.index), literal: false });
    const name = body[1] ?? '';
    const special = SPECIAL_VARIABLES[name];
    if (special !== undefined) parts.push({ value: special, literal: true });
    else parts.push({ variable: canonicalKey(name), fallback: body[2] });
    last = match.index + match[0].length;
  }
  if (last < value.length) parts.push({ value: value.slice(last), literal: false });
  return parts;
}

/**
 * Resolves the variables of `parts`. Undefined when a variable has no single value in the request and no
 * default: AWS then treats the condition (or resource) as not matching. Multivalued keys are never variables.
 */
function resolveParts(parts: readonly Part[], lookup: Lookup): Piece[] | undefined {
  const pieces: Piece[] = [];
  for (const part of parts) {
    if ('value' in part) {
      pieces.push(part);
      continue;
    }
    const found = lookup(part.variable);
    const value = typeof found === 'string' ? found : part.fallback;
    if (value === undefined) return undefined;
    pieces.push({ value, literal: true });
  }
  return pieces;
}

const REGEX_SPECIALS = /[.*+?^${}()|[\]\\/-]/g;

function escapeRegex(text: string): string {
  return text.replace(REGEX_SPECIALS, '\\$&');
}

/** `*` matches any run of characters (colons and slashes too), `?` any one character. */
function globSource(text: string): string {
  let source = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '*' && ch !== '?') continue;
    source += `${escapeRegex(text.slice(start, i))}${ch === '*' ? '.*' : '.'}`;
    start = i + 1;
  }
  return source + escapeRegex(text.slice(start));
}

function piecesSource(pieces: readonly Piece[]): string {
  return pieces.map((p) => (p.literal ? escapeRegex(p.value) : globSource(p.value))).join('');
}

function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

function hasVariables(text: string, variables: boolean): boolean {
  return variables && text.includes('${');
}

/**
 * A string pattern: with `wildcards`, `*` matches any run of characters and `?` any one character (StringLike,
 * Action); without, the pattern must equal the value (StringEquals). `variables` is true in policies of
 * Version 2012-10-17; in older ones `${...}` is plain text.
 */
export function compileStringTest(
  pattern: string,
  options: { wildcards: boolean; ignoreCase: boolean; variables: boolean },
): StringTest {
  const flags = options.ignoreCase ? 'is' : 's';
  if (!hasVariables(pattern, options.variables)) {
    if (options.wildcards && hasWildcard(pattern)) {
      if (pattern === '*') return () => true;
      const prefix = pattern.slice(0, -1);
      if (pattern.endsWith('*') && !hasWildcard(prefix) && !options.ignoreCase) {
        return (value) => value.startsWith(prefix);
      }
      const regex = new RegExp(`^${globSource(pattern)}$`, flags);
      return (value) => regex.test(value);
    }
    if (options.ignoreCase) {
      const lower = pattern.toLowerCase();
      return (value) => value.toLowerCase() === lower;
    }
    return (value) => value === pattern;
  }
  const parts = parseParts(pattern);
  return (value, lookup) => {
    const pieces = resolveParts(parts, lookup);
    if (pieces === undefined) return undefined;
    if (!options.wildcards) {
      const expected = pieces.map((p) => p.value).join('');
      return options.ignoreCase ? value.toLowerCase() === expected.toLowerCase() : value === expected;
    }
    return new RegExp(`^${piecesSource(pieces)}$`, flags).test(value);
  };
}

/** The account part of an ARN (`arn:aws:kms:us-east-1:111122223333:key/...`), or undefined. */
export function arnAccount(value: string): string | undefined {
  let start = 0;
  for (let i = 0; i < 4; i++) {
    start = value.indexOf(':', start) + 1;
    if (start === 0) return undefined;
  }
  const end = value.indexOf(':', start);
  return end < 0 ? undefined : value.slice(start, end);
}

type PartTest = (part: string) => boolean;

function compileArnPart(pieces: readonly Piece[]): PartTest {
  const only = pieces.length === 1 ? pieces[0] : undefined;
  if (only !== undefined && !only.literal) {
    if (only.value === '*') return () => true;
    if (!hasWildcard(only.value)) return (value) => value === only.value;
  }
  const regex = new RegExp(`^${piecesSource(pieces)}$`, 's');
  return (value) => regex.test(value);
}

/**
 * Splits pieces at the first five colons into the tests of the six ARN parts. A pattern with fewer parts
 * (`arn:aws:kms:*`) matches any value in the parts it leaves out.
 */
function compileArnParts(pieces: readonly Piece[]): PartTest[] {
  const parts: Piece[][] = [[]];
  for (const piece of pieces) {
    let rest = piece.value;
    let colon = rest.indexOf(':');
    while (colon >= 0 && parts.length < 6) {
      parts[parts.length - 1]?.push({ value: rest.slice(0, colon), literal: piece.literal });
      parts.push([]);
      rest = rest.slice(colon + 1);
      colon = rest.indexOf(':');
    }
    parts[parts.length - 1]?.push({ value: rest, literal: piece.literal });
  }
  while (parts.length < 6) parts.push([{ value: '*', literal: false }]);
  return parts.map(compileArnPart);
}

/** Matches the six parts of `value` one by one, without splitting it. */
function matchArnParts(tests: readonly PartTest[], value: string): boolean {
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const colon = value.indexOf(':', start);
    if (colon < 0 || !(tests[i] as PartTest)(value.slice(start, colon))) return false;
    start = colon + 1;
  }
  return (tests[5] as PartTest)(value.slice(start));
}

/**
 * An ARN pattern (Resource, ArnLike, ArnEquals): each of the six colon-delimited parts is matched on its own,
 * with wildcards, case-sensitively, so a `*` never spans a colon before the resource part. The pattern `*`
 * matches everything, even a value that is not an ARN (the `*` resource of CreateKey or ListKeys); a pattern
 * that is not an ARN matches nothing.
 */
export function compileArnTest(pattern: string, variables: boolean): StringTest {
  if (pattern === '*') return () => true;
  if (!pattern.startsWith('arn:')) return () => false;
  if (!hasVariables(pattern, variables)) {
    const tests = compileArnParts([{ value: pattern, literal: false }]);
    return (value) => matchArnParts(tests, value);
  }
  const parts = parseParts(pattern);
  return (value, lookup) => {
    const pieces = resolveParts(parts, lookup);
    return pieces === undefined ? undefined : matchArnParts(compileArnParts(pieces), value);
  };
}
