/**
 * Input validation driven by AWS's Smithy model, with AWS's error types and messages.
 *
 * At module load, every operation's input shape is compiled once into a tree of small checking functions, so a
 * request only runs the checks of the members it sends: no model walking on the hot path.
 *
 * - A JSON value of the wrong type (a string where a number is expected, invalid base64, ...) is a
 *   `SerializationException`: AWS fails to read such a request before it validates anything.
 * - A value that breaks the model's constraints (required, length, range, pattern, enum) is a
 *   `ValidationException` in AWS's words, every failure listed: `2 validation errors detected: Value null at
 *   'keyId' failed to satisfy constraint: Member must not be null; Value '0' at 'numberOfBytes' ...`.
 * - Members the model does not know are ignored, as AWS does. JSON `null` counts as absent.
 *
 * The model's constraints come from src/protocol/constraints.ts, generated with the wire types.
 */
import type { Bounds, ConstraintShape } from '../protocol/constraint-types.ts';
import { OPERATION_INPUTS, SHAPES } from '../protocol/constraints.ts';
import type { OperationName } from '../protocol/index.ts';
import type { KMSError } from './errors.ts';
import { Constraint, constraintFailure, validationFailures, WireErrors } from './messages.ts';

/**
 * Members that AWS KMS requires although the model leaves them optional (it makes room for newer ways to call the
 * operation that kmslab does not offer): without them the handler would have nothing to work on.
 */
const REQUIRED_BY_AWS: Readonly<Record<string, readonly string[]>> = {
  DecryptRequest: ['CiphertextBlob'],
  ReEncryptRequest: ['CiphertextBlob'],
};

/**
 * AWS lists an enum's values in its own order, not the model's. These are the orders recorded from real AWS
 * KMS (models/localstack-aws-validated-snapshots.json: test_hmac_create_key_invalid_operations,
 * test_invalid_generate_mac); values that the model has gained since the recording follow in model order.
 * CustomerMasterKeySpec, KeySpec's deprecated twin, is listed in the same order as KeySpec.
 */
const AWS_ENUM_ORDER: Readonly<Record<string, readonly string[]>> = {
  KeySpec: [
    'RSA_2048',
    'ECC_NIST_P384',
    'ECC_NIST_P256',
    'ECC_NIST_P521',
    'HMAC_384',
    'RSA_3072',
    'ECC_SECG_P256K1',
    'RSA_4096',
    'SYMMETRIC_DEFAULT',
    'HMAC_256',
    'HMAC_224',
    'HMAC_512',
  ],
  KeyUsageType: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC'],
  MacAlgorithmSpec: ['HMAC_SHA_384', 'HMAC_SHA_256', 'HMAC_SHA_224', 'HMAC_SHA_512'],
};
const ENUM_ORDER_ALIASES: Readonly<Record<string, string>> = { CustomerMasterKeySpec: 'KeySpec' };

/** Checks one member's value, which is present (not undefined or null), at `path` (e.g. `tags.1.member.tagKey`). */
type Check = (value: unknown, path: string, errors: string[]) => void;

/** A value that is not a structure, list or map: its JSON type, its constraints and how AWS shows it. */
interface Scalar {
  /** Throws a SerializationException unless the value has the JSON type (and encoding) of the shape. */
  read(value: unknown, path: string): void;
  /** The constraints that a value of the right type breaks, in AWS's order; undefined when it keeps them all. */
  failures(value: unknown): string[] | undefined;
  /** All the shape's constraints, as AWS lists them for the members of a list. */
  constraints: readonly string[];
  /** `Value 'x'` as AWS starts a message; just `Value` for sensitive members, whose values AWS never echoes. */
  show(value: unknown): string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

const compiled = new Map<string, Check>();
const operations = Object.fromEntries(
  Object.entries(OPERATION_INPUTS).map(([operation, input]) => [operation, compile(input)]),
) as Readonly<Record<OperationName, Check>>;

/** Whether `name` (as in `X-Amz-Target: TrentService.<name>`) is an operation of the KMS API. */
export function isKnownOperation(name: string): name is OperationName {
  return Object.hasOwn(OPERATION_INPUTS, name);
}

/**
 * Validates the parsed JSON body of a request for `operation` against the model. Returns when it is valid;
 * throws a KMSError otherwise: `SerializationException` for a body that is not an object or a value of the
 * wrong JSON type, `ValidationException` for values that break the model's constraints.
 */
export function validateInput(operation: OperationName, input: unknown): void {
  const check = operations[operation];
  if (!isObject(input)) throw WireErrors.bodyNotObject(jsonType(input));
  const errors: string[] = [];
  check(input, '', errors);
  if (errors.length > 0) throw validationFailures(errors);
}

function shapeOf(name: string): ConstraintShape {
  const shape = SHAPES[name];
  if (!shape) throw new Error(`model has no shape ${name}`);
  return shape;
}

/** The checker for a member or list element that targets shape `name`, built once per distinct shape. */
function compile(name: string): Check {
  let check = compiled.get(name);
  if (!check) {
    const shape = shapeOf(name);
    if (shape.type === 'structure') check = structure(name, shape);
    else if (shape.type === 'list') check = list(shape);
    else if (shape.type === 'map') check = map(name, shape);
    else check = scalarCheck(scalar(name, shape));
    compiled.set(name, check);
  }
  return check;
}

type Of<T extends ConstraintShape['type']> = Extract<ConstraintShape, { type: T }>;
type ScalarShape = Exclude<ConstraintShape, Of<'structure' | 'list' | 'map'>>;

function structure(name: string, shape: Of<'structure'>): Check {
  const members = Object.entries(shape.members).map(([member, { target, required }]) => ({
    name: member,
    // AWS names members in lowerCamelCase in its messages: KeyId → keyId.
    path: member.charAt(0).toLowerCase() + member.slice(1),
    required: required === true || (REQUIRED_BY_AWS[name]?.includes(member) ?? false),
    check: compile(target),
  }));
  return (value, path, errors) => {
    if (!isObject(value)) throw wrongType(path, 'a structure (JSON object)', value);
    for (const member of members) {
      const memberValue = value[member.name];
      if (memberValue === undefined || memberValue === null) {
        // Handlers then see an absent member, never a null one.
        if (memberValue === null) delete value[member.name];
        if (member.required) {
          const memberPath = path === '' ? member.path : `${path}.${member.path}`;
          errors.push(constraintFailure('Value null', memberPath, Constraint.notNull()));
        }
      } else {
        member.check(memberValue, path === '' ? member.path : `${path}.${member.path}`, errors);
      }
    }
  };
}

function list(shape: Of<'list'>): Check {
  const length = bounds(shape.length, 'length');
  const memberShape = shapeOf(shape.member);
  // AWS reports a bad member of a list of structures at its own path (`tags.1.member.tagKey`), and a bad member
  // of a list of scalars once for the whole list, listing every constraint of the member shape.
  const element = isScalar(memberShape) ? scalar(shape.member, memberShape) : undefined;
  const check = element ? undefined : compile(shape.member);
  const memberConstraint = element && Constraint.listMembers(element.constraints);
  return (value, path, errors) => {
    if (!Array.isArray(value)) throw wrongType(path, 'a list (JSON array)', value);
    const shown = () => `Value '[${value.join(', ')}]'`;
    for (const constraint of length.failures(value.length))
      errors.push(constraintFailure(shown(), path, constraint));
    let memberFailed = false;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const itemPath = `${path}.${i + 1}.member`;
      if (item === null || item === undefined) throw wrongType(itemPath, 'a value', item);
      if (element) {
        element.read(item, itemPath);
        memberFailed ||= element.failures(item) !== undefined;
      } else {
        check?.(item, itemPath, errors);
      }
    }
    if (memberFailed && memberConstraint) errors.push(constraintFailure(shown(), path, memberConstraint));
  };
}

function map(name: string, shape: Of<'map'>): Check {
  const keyShape = shapeOf(shape.key);
  const valueShape = shapeOf(shape.value);
  // KMS's one map (EncryptionContextType) maps unconstrained strings to unconstrained strings; a model that
  // constrains them would need AWS's "Map keys must satisfy constraint" messages, so refuse it rather than
  // skip the constraints. JSON object keys are always strings, so only the values need reading.
  const key = isScalar(keyShape) ? scalar(shape.key, keyShape) : undefined;
  const entry = isScalar(valueShape) ? scalar(shape.value, valueShape) : undefined;
  if (keyShape.type !== 'string' || !key || !entry || key.constraints.length + entry.constraints.length > 0) {
    throw new Error(
      `map ${name} has constrained or non-string keys or values, which validation does not support`,
    );
  }
  return (value, path) => {
    if (!isObject(value)) throw wrongType(path, 'a map (JSON object)', value);
    for (const name in value) {
      const item = value[name];
      if (item === null || item === undefined) throw wrongType(`${path}.${name}`, 'a value', item);
      entry.read(item, `${path}.${name}`);
    }
  };
}

function scalarCheck(scalar: Scalar): Check {
  return (value, path, errors) => {
    scalar.read(value, path);
    const failures = scalar.failures(value);
    if (failures) {
      for (const constraint of failures) {
        errors.push(constraintFailure(scalar.show(value), path, constraint));
      }
    }
  };
}

function isScalar(shape: ConstraintShape): shape is ScalarShape {
  return shape.type !== 'structure' && shape.type !== 'list' && shape.type !== 'map';
}

function scalar(name: string, shape: ScalarShape): Scalar {
  const sensitive = 'sensitive' in shape && shape.sensitive === true;
  const quote = (shown: string) => (sensitive ? 'Value' : `Value '${shown}'`);
  switch (shape.type) {
    case 'string':
      return stringScalar(shape, quote);
    case 'enum':
      return enumScalar(name, shape);
    case 'blob':
      return blobScalar(shape, quote);
    case 'integer':
    case 'long':
      return integerScalar(shape, shape.type === 'integer');
    case 'boolean':
      return typeOnly('boolean', 'a boolean');
    case 'timestamp':
      return typeOnly('number', 'a number (epoch seconds)');
  }
}

function stringScalar(shape: Of<'string'>, quote: (shown: string) => string): Scalar {
  const length = bounds(shape.length, 'length');
  const source = shape.pattern;
  const pattern = source === undefined ? undefined : new RegExp(source);
  const patternFailure = source === undefined ? '' : Constraint.pattern(source);
  const constraints = pattern ? [...length.constraints, patternFailure] : length.constraints;
  return {
    read(value, path) {
      if (typeof value !== 'string') throw wrongType(path, 'a string', value);
    },
    failures(value) {
      const text = value as string;
      let failures = length.failures(codePoints(text, length.min, length.max));
      if (pattern && !pattern.test(text)) failures = [...failures, patternFailure];
      return failures.length > 0 ? failures : undefined;
    },
    constraints,
    show: (value) => quote(value as string),
  };
}

function enumScalar(name: string, shape: Of<'enum'>): Scalar {
  const { values } = shape;
  const allowed = new Set(values);
  const recorded = AWS_ENUM_ORDER[ENUM_ORDER_ALIASES[name] ?? name] ?? [];
  const ordered = [
    ...recorded.filter((value) => allowed.has(value)),
    ...values.filter((v) => !recorded.includes(v)),
  ];
  const failure = [Constraint.enumValues(ordered)];
  return {
    read(value, path) {
      if (typeof value !== 'string') throw wrongType(path, 'a string', value);
    },
    failures: (value) => (allowed.has(value as string) ? undefined : failure),
    constraints: failure,
    show: (value) => `Value '${value as string}'`,
  };
}

/** Blobs travel as base64; AWS's length constraint applies to the decoded bytes. */
function blobScalar(shape: Of<'blob'>, quote: (shown: string) => string): Scalar {
  const length = bounds(shape.length, 'length');
  return {
    read(value, path) {
      if (typeof value !== 'string' || !isBase64(value))
        throw wrongType(path, 'a base64-encoded string', value);
    },
    failures(value) {
      const failures = length.failures(decodedLength(value as string));
      return failures.length > 0 ? failures : undefined;
    },
    constraints: length.constraints,
    // AWS shows the Java ByteBuffer that holds the bytes, never the bytes themselves.
    show(value) {
      const bytes = decodedLength(value as string);
      return quote(`java.nio.HeapByteBuffer[pos=0 lim=${bytes} cap=${bytes}]`);
    },
  };
}

function integerScalar(shape: Of<'integer' | 'long'>, int32: boolean): Scalar {
  const range = bounds(shape.range, 'range');
  return {
    read(value, path) {
      if (typeof value !== 'number') throw wrongType(path, 'an integer', value);
      if (!Number.isInteger(value)) throw wrongType(path, 'an integer', value, 'a number with a fraction');
      if (int32 ? value < INT_MIN || value > INT_MAX : !Number.isSafeInteger(value)) {
        throw wrongType(path, 'an integer', value, 'a number out of the integer range');
      }
    },
    failures(value) {
      const failures = range.failures(value as number);
      return failures.length > 0 ? failures : undefined;
    },
    constraints: range.constraints,
    show: (value) => `Value '${value as number}'`,
  };
}

function typeOnly(type: 'boolean' | 'number', expected: string): Scalar {
  return {
    read(value, path) {
      if (typeof value !== type || (type === 'number' && !Number.isFinite(value))) {
        throw wrongType(path, expected, value);
      }
    },
    failures: () => undefined,
    constraints: [],
    show: (value) => `Value '${String(value)}'`,
  };
}

interface Limits {
  min: number | undefined;
  max: number | undefined;
  /** AWS lists the upper bound first. */
  constraints: string[];
  failures(size: number): string[];
}

/** The `length` (size of a string, blob or list) or `range` (value of a number) constraints of a shape. */
function bounds(limits: Bounds | undefined, trait: 'length' | 'range'): Limits {
  const { min, max } = limits ?? {};
  const noun = trait === 'length' ? 'length' : 'value';
  const tooLarge = max === undefined ? [] : [Constraint.atMost(noun, max)];
  const tooSmall = min === undefined ? [] : [Constraint.atLeast(noun, min)];
  const none: string[] = [];
  return {
    min,
    max,
    constraints: [...tooLarge, ...tooSmall],
    failures(size) {
      if (max !== undefined && size > max) return tooLarge;
      if (min !== undefined && size < min) return tooSmall;
      return none;
    },
  };
}

/**
 * A string's length in Unicode code points, as Smithy counts it. Only strings with surrogate pairs differ from
 * `.length`, and only near a bound does the difference matter, so most strings are never scanned.
 */
function codePoints(text: string, min: number | undefined, max: number | undefined): number {
  const units = text.length;
  const nearMin = min !== undefined && units >= min && units < 2 * min;
  const overMax = max !== undefined && units > max;
  if (!nearMin && !overMax) return units;
  let count = 0;
  for (let i = 0; i < units; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdbff || i + 1 >= units) count++;
    else {
      const next = text.charCodeAt(i + 1);
      count++;
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return count;
}

/**
 * Standard base64, padded or not (AWS SDKs pad; hand-written clients may not): padding only at the end and only
 * up to a multiple of 4 characters, and never a lone character in the last group.
 */
function isBase64(text: string): boolean {
  if (!BASE64.test(text)) return false;
  const padded = text.charCodeAt(text.length - 1) === 0x3d;
  return padded ? text.length % 4 === 0 : text.length % 4 !== 1;
}

/** The byte count of a valid base64 string, padded or not, without decoding it. */
function decodedLength(base64: string): number {
  let end = base64.length;
  while (end > 0 && base64.charCodeAt(end - 1) === 0x3d) end--;
  return Math.floor((end * 3) / 4);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonType(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list (JSON array)';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** `found` is what the value is instead, its JSON type by default (never the value: it may be secret). */
function wrongType(path: string, expected: string, value: unknown, found = jsonType(value)): KMSError {
  return WireErrors.wrongType(path, expected, found);
}
