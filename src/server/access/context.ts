/** A condition key's value: one value, or a list for a multivalued key (kms:EncryptionContextKeys, aws:TagKeys...). */
export type ContextValue = string | number | boolean | readonly string[];

/**
 * The condition keys a caller knows about a request and its key, named as AWS names them (key names are
 * case-insensitive): `kms:EncryptionContext:AppName`, `kms:EncryptionContextKeys`, `kms:RequestAlias`,
 * `kms:ResourceAliases`, `aws:ResourceTag/Project`, `aws:SourceIp`, `aws:CurrentTime`... An undefined value or
 * an empty list is a key the request doesn't have. The principal's own keys (aws:PrincipalArn,
 * aws:PrincipalTag/..., aws:username, kms:CallerAccount...) come from the Principal.
 */
export type ConditionContext = Readonly<Record<string, ContextValue | undefined>>;

/**
 * A request's condition keys read one at a time: the value of one key, asked by its canonical name (see
 * canonicalKey), or undefined when the request doesn't have it.
 */
export type ContextReader = (key: string) => ContextValue | undefined;

/** How conditions and policy variables read the request: a value by canonical key name (see canonicalKey). */
export type Lookup = (key: string) => string | readonly string[] | undefined;

/** KMS keeps its deprecated condition keys working under their old names. */
const DEPRECATED_KEYS: ReadonlyMap<string, string> = new Map([
  ['kms:customermasterkeyspec', 'kms:keyspec'],
  ['kms:customermasterkeyusage', 'kms:keyusage'],
]);

/** A condition key as the engine looks it up: lower-cased, deprecated names replaced. */
export function canonicalKey(key: string): string {
  const lower = key.toLowerCase();
  return DEPRECATED_KEYS.get(lower) ?? lower;
}

/**
 * Requests name the same few keys over and over: remembering their canonical forms saves most of the cost of
 * reading a context. Bounded, because encryption context keys come from callers.
 */
const canonicalKeys = new Map<string, string>();
const MAX_REMEMBERED_KEYS = 10_000;

function rememberedCanonicalKey(key: string): string {
  let canonical = canonicalKeys.get(key);
  if (canonical === undefined) {
    if (canonicalKeys.size >= MAX_REMEMBERED_KEYS) canonicalKeys.clear();
    canonical = canonicalKey(key);
    canonicalKeys.set(key, canonical);
  }
  return canonical;
}

/** A value as conditions compare it: a string, or a non-empty list of strings; undefined when absent. */
function normalizeValue(value: ContextValue | undefined): string | readonly string[] | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.length > 0 ? value.map(String) : undefined;
  return String(value);
}

function normalize(context: ConditionContext): Map<string, string | readonly string[]> {
  const values = new Map<string, string | readonly string[]>();
  for (const key in context) {
    const value = normalizeValue(context[key]);
    if (value !== undefined) values.set(rememberedCanonicalKey(key), value);
  }
  return values;
}

/**
 * The values one request's conditions see: the principal's keys, then the caller's. A reader is asked for one
 * key at a time, only for the keys a condition or policy variable reads, so that a request pays for those
 * alone; a context given whole is normalized once, when a condition first asks.
 */
export function requestLookup(
  principal: ReadonlyMap<string, string>,
  context: ConditionContext | ContextReader | undefined,
): Lookup {
  if (context === undefined) return (key) => principal.get(key);
  if (typeof context === 'function') return (key) => principal.get(key) ?? normalizeValue(context(key));
  let given: Map<string, string | readonly string[]> | undefined;
  return (key) => {
    const own = principal.get(key);
    if (own !== undefined) return own;
    given ??= normalize(context);
    return given.get(key);
  };
}
