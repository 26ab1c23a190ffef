import { webcrypto } from 'node:crypto';
import { types } from 'node:util';
import { arrayBuffer, newObject, type Realm, toRealm } from '../realm.ts';

/** What k6's WebCrypto registers (k6-runtime.md §3.4); anything else is NotSupportedError. */
const KEY_ALGORITHMS = [
  'AES-CBC',
  'AES-CTR',
  'AES-GCM',
  'AES-KW',
  'HMAC',
  'ECDSA',
  'ECDH',
  'RSASSA-PKCS1-v1_5',
  'RSA-PSS',
  'RSA-OAEP',
];
const ALGORITHMS: Record<string, string[]> = {
  digest: ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'],
  generateKey: KEY_ALGORITHMS,
  importKey: [...KEY_ALGORITHMS, 'PBKDF2'],
  encrypt: ['AES-CBC', 'AES-CTR', 'AES-GCM', 'AES-KW', 'RSA-OAEP'],
  sign: ['HMAC', 'ECDSA', 'RSA-PSS', 'RSASSA-PKCS1-v1_5'],
  deriveBits: ['ECDH', 'PBKDF2'],
  deriveKey: ['PBKDF2'],
};
ALGORITHMS.exportKey = ALGORITHMS.importKey ?? [];
ALGORITHMS.decrypt = ALGORITHMS.encrypt ?? [];
ALGORITHMS.verify = ALGORITHMS.sign ?? [];

const INTEGER_ARRAYS = [
  types.isInt8Array,
  types.isUint8Array,
  types.isUint8ClampedArray,
  types.isInt16Array,
  types.isUint16Array,
  types.isInt32Array,
  types.isUint32Array,
];

/** The global `crypto` of k6 ≥ v0.58: getRandomValues, randomUUID and a subtle limited to k6's algorithms. */
export function createWebCrypto(realm: Realm): Record<string, unknown> {
  const fail = (name: string, message: string) => newObject(realm, { name, message });
  const promise = (work: () => Promise<unknown>): Promise<unknown> =>
    new realm.Promise((resolve, reject) => {
      work().then(
        (value) => resolve(toRealmValue(realm, value)),
        (error: unknown) =>
          reject(
            typeof error === 'object' && error !== null && 'name' in error && !types.isNativeError(error)
              ? error
              : fail(
                  (error as Error).name === 'Error' ? 'OperationError' : (error as Error).name,
                  String((error as Error).message),
                ),
          ),
      );
    });
  const checked = (operation: string, algorithm: unknown) => {
    const name = typeof algorithm === 'string' ? algorithm : (algorithm as { name?: unknown } | null)?.name;
    const allowed = ALGORITHMS[operation] ?? [];
    if (!allowed.some((a) => a.toLowerCase() === String(name).toLowerCase()))
      throw fail('NotSupportedError', `unsupported algorithm name: ${String(name)}`);
    return toHostAlgorithm(realm, algorithm);
  };
  const data = (value: unknown): ArrayBuffer => {
    // k6 takes typedArray.buffer, the whole backing buffer, ignoring the view (grafana/k6#4259).
    if (types.isArrayBuffer(value)) return hostCopy(value);
    if (types.isTypedArray(value)) return hostCopy(value.buffer as ArrayBuffer);
    throw fail('TypeError', 'data is neither an ArrayBuffer, nor a TypedArray nor DataView');
  };
  const subtle = newObject(realm);
  const call =
    (run: (args: unknown[]) => Promise<unknown>) =>
    (...args: unknown[]) =>
      promise(async () => run(args));
  const s = webcrypto.subtle;
  type Key = webcrypto.CryptoKey;
  type Alg = Parameters<typeof s.digest>[0];
  Object.assign(subtle, {
    digest: call(([alg, d]) => s.digest(checked('digest', alg) as Alg, data(d))),
    generateKey: call(([alg, extractable, usages]) =>
      s.generateKey(checked('generateKey', alg) as never, Boolean(extractable), hostList(usages) as never),
    ),
    importKey: call(([format, keyData, alg, extractable, usages]) =>
      s.importKey(
        String(format) as never,
        (format === 'jwk' ? JSON.parse(JSON.stringify(keyData)) : data(keyData)) as never,
        checked('importKey', alg) as never,
        Boolean(extractable),
        hostList(usages) as never,
      ),
    ),
    exportKey: call(([format, key]) => s.exportKey(String(format) as never, key as Key)),
    encrypt: call(([alg, key, d]) => s.encrypt(checked('encrypt', alg) as never, key as Key, data(d))),
    decrypt: call(([alg, key, d]) => s.decrypt(checked('decrypt', alg) as never, key as Key, data(d))),
    sign: call(([alg, key, d]) => s.sign(checked('sign', alg) as never, key as Key, data(d))),
    verify: call(([alg, key, sig, d]) =>
      s.verify(checked('verify', alg) as never, key as Key, data(sig), data(d)),
    ),
    deriveBits: call(([alg, key, length]) =>
      s.deriveBits(checked('deriveBits', alg) as never, key as Key, Number(length)),
    ),
    deriveKey: call(([alg, key, derived, extractable, usages]) =>
      s.deriveKey(
        checked('deriveKey', alg) as never,
        key as Key,
        toHostAlgorithm(realm, derived) as never,
        Boolean(extractable),
        hostList(usages) as never,
      ),
    ),
    wrapKey: () => new realm.Promise((_, reject) => reject(fail('NotSupportedError', 'not implemented'))),
    unwrapKey: () => new realm.Promise((_, reject) => reject(fail('NotSupportedError', 'not implemented'))),
  });
  return newObject(realm, {
    subtle,
    getRandomValues: (array: unknown) => {
      if (!INTEGER_ARRAYS.some((is) => is(array)))
        throw fail('TypeMismatchError', 'data must be an integer TypedArray');
      const view = array as Uint8Array;
      if (view.byteLength > 65536)
        throw fail(
          'QuotaExceededError',
          `the ArrayBufferView's byte length (${view.byteLength}) exceeds 65536`,
        );
      webcrypto.getRandomValues(view);
      return array;
    },
    randomUUID: () => webcrypto.randomUUID(),
  });
}

/** Node's WebCrypto checks `instanceof ArrayBuffer` against its own realm: copy into a host buffer. */
function hostCopy(buffer: ArrayBuffer): ArrayBuffer {
  return new Uint8Array(buffer).slice().buffer;
}

function hostList(value: unknown): unknown[] {
  return Array.isArray(value) ? [...value] : [];
}

/** Algorithm parameter objects with their BufferSource members copied into host ArrayBuffers. */
function toHostAlgorithm(realm: Realm, algorithm: unknown): unknown {
  if (typeof algorithm !== 'object' || algorithm === null) return algorithm;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(algorithm)) {
    if (types.isArrayBuffer(value)) copy[key] = hostCopy(value);
    else if (types.isTypedArray(value)) copy[key] = hostCopy(value.buffer as ArrayBuffer);
    else if (key === 'hash') copy[key] = toHostAlgorithm(realm, value);
    else copy[key] = value;
  }
  return copy;
}

function toRealmValue(realm: Realm, value: unknown): unknown {
  if (types.isArrayBuffer(value)) return arrayBuffer(realm, new Uint8Array(value));
  // util.types, not `instanceof webcrypto.CryptoKey`: Node 20 does not export the CryptoKey class.
  if (types.isCryptoKey(value) || typeof value !== 'object' || value === null) return value;
  if ('privateKey' in value && 'publicKey' in value) return newObject(realm, { ...value });
  return toRealm(realm, value);
}
