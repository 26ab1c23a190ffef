import { types } from 'node:util';
import vm from 'node:vm';

/**
 * The intrinsics of one VU's vm context. Everything the emulated k6 APIs hand to a script is built from these,
 * so that `instanceof Error`, `instanceof ArrayBuffer`, `Array.isArray` and prototypes behave as they would for
 * values made by the script itself (a host-realm object would fail those checks).
 */
export interface Realm {
  context: vm.Context;
  global: Record<string, unknown>;
  Object: ObjectConstructor;
  Array: ArrayConstructor;
  Promise: PromiseConstructor;
  ArrayBuffer: ArrayBufferConstructor;
  Error: ErrorConstructor;
  TypeError: TypeErrorConstructor;
  SyntaxError: SyntaxErrorConstructor;
  JSON: JSON;
}

export function createRealm(name: string): Realm {
  const context = vm.createContext({}, { name, codeGeneration: { strings: true, wasm: false } });
  const intrinsics = vm.runInContext(
    '({ global: globalThis, Object, Array, Promise, ArrayBuffer, Error, TypeError, SyntaxError, JSON })',
    context,
  ) as Omit<Realm, 'context'>;
  return { context, ...intrinsics };
}

/** A plain object of the realm. */
export function newObject(realm: Realm, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.assign(realm.Object.create(realm.Object.prototype) as Record<string, unknown>, fields);
}

/** Deep copy of JSON-compatible host data into the realm. */
export function toRealm(realm: Realm, value: unknown): unknown {
  return value === undefined ? undefined : realm.JSON.parse(JSON.stringify(value));
}

export function arrayBuffer(realm: Realm, bytes: Uint8Array): ArrayBuffer {
  const buffer = new realm.ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

/** What k6 calls a GoError: an ordinary Error whose name is "GoError". */
export function goError(realm: Realm, message: string): Error {
  const error = new realm.Error(message);
  Object.defineProperty(error, 'name', { value: 'GoError', writable: true, configurable: true });
  return error;
}

/**
 * k6's `common.ToBytes`: a string is its UTF-8 bytes, an ArrayBuffer is itself and a Uint8Array (or
 * Uint8ClampedArray) is the bytes of the view. Anything else is rejected with k6's message. Returns a copy.
 */
export function toBytes(realm: Realm, value: unknown): Uint8Array {
  if (typeof value === 'string') return new Uint8Array(Buffer.from(value, 'utf8'));
  if (types.isArrayBuffer(value)) return new Uint8Array(value.slice(0));
  if (types.isUint8Array(value) || types.isUint8ClampedArray(value))
    return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  throw goError(realm, `invalid type ${goTypeName(value)}, expected string, []byte or ArrayBuffer`);
}

/** The Go type a Sobek value exports to, as k6's error messages name it. */
export function goTypeName(value: unknown): string {
  if (value === undefined || value === null) return '<nil>';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return '*big.Int';
  if (Array.isArray(value) || types.isProxy(value)) return '[]interface {}';
  if (types.isInt8Array(value)) return '[]int8';
  if (types.isUint16Array(value)) return '[]uint16';
  if (types.isInt16Array(value)) return '[]int16';
  if (types.isUint32Array(value)) return '[]uint32';
  if (types.isInt32Array(value)) return '[]int32';
  if (types.isFloat32Array(value)) return '[]float32';
  if (types.isFloat64Array(value)) return '[]float64';
  if (types.isBigInt64Array(value)) return '[]int64';
  if (types.isBigUint64Array(value)) return '[]uint64';
  if (typeof value === 'function') return 'func(sobek.FunctionCall) sobek.Value';
  return 'map[string]interface {}';
}
