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

/** How conditions and policy variables read the request: a value by canonical key name (see canonicalKey). */
export type Lookup = (key: string) => string | readonly string[] | undefined;

/** KMS keeps its deprecated condition keys working under their old names. */
const DEPRECATED_KEYS: Readonly<Record<string, string>> = {
  'kms:customermasterkeyspec': 'kms:keyspec',
  'kms:customermasterkeyusage': 'kms:keyusage',
};

/** A condition key as the engine looks it up: lower-cased, deprecated names replaced. */
export function canonicalKey(key: string): string {
  const lower = key.toLowerCase();
  return DEPRECATED_KEYS[lower] ?? lower;
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

function normalize(context: ConditionContext): Map<string, string | readonly string[]> {
  const values = new Map<string, string | readonly string[]>();
  for (const key in context) {
    const value = context[key];
    if (value === undefined) continue;
    if (typeof value === 'string') values.set(rememberedCanonicalKey(key), value);
    else if (Array.isArray(value)) {
      if (value.length > 0) values.set(rememberedCanonicalKey(key), value.map(String));
    } else values.set(rememberedCanonicalKey(key), String(value));
  }
  return values;
}

/**
 * The values one request's conditions see: the principal's keys, then the caller's. The caller's are
 * gathered (when given as a function) and normalized only when a condition first asks, so requests that no
 * condition examines pay nothing.
 */
export function requestLookup(
  principal: ReadonlyMap<string, string>,
  context: ConditionContext | (() => ConditionContext) | undefined,
): Lookup {
  let given: Map<string, string | readonly string[]> | undefined;
  return (key) => {
    const own = principal.get(key);
    if (own !== undefined || context === undefined) return own;
    given ??= normalize(typeof context === 'function' ? context() : context);
    return given.get(key);
  };
}
