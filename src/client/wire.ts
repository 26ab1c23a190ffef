// The jslib-style names of KMS members: AWS's names with the first letter lowercased. Shallow on purpose: the
// values (encryption contexts, tags) are the caller's own keys and stay as they are.

/** `{ keyId: string }` → `{ KeyId: string }` */
export type Wire<T> = { [K in keyof T as Capitalize<K & string>]: T[K] };

/** `{ keyId: 'k' }` → `{ KeyId: 'k' }` */
export function toWire<T extends object>(members: T): Wire<T> {
  const wire: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(members))
    wire[name.charAt(0).toUpperCase() + name.slice(1)] = value;
  return wire as Wire<T>;
}

/** `{ KeyId: 'k' }` → `{ keyId: 'k' }`, typed as the caller declares the result. */
export function fromWire<T>(members: object): T {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(members))
    result[name.charAt(0).toLowerCase() + name.slice(1)] = value;
  return result as T;
}
