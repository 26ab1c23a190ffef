import { Errors } from '../messages.ts';
import { canonicalKey, type Lookup } from './context.ts';
import { inRange, parseAddress, parseRange } from './ip.ts';
import { compileArnTest, compileStringTest, type StringTest } from './patterns.ts';

/**
 * The Condition element: every operator IAM documents, their `...IfExists` forms and the `ForAnyValue:` and
 * `ForAllValues:` set operators. Keys within an operator, and operators within a block, are ANDed; the values
 * of one key are ORed.
 */
export interface CompiledCondition {
  /** As written: `ForAllValues:StringEquals`. */
  readonly operator: string;
  /** As written: `kms:EncryptionContext:AppName`. */
  readonly key: string;
  /** The key as looked up: lower-cased. */
  readonly lookupKey: string;
  readonly values: readonly string[];
  matches(lookup: Lookup): boolean;
}

/**
 * Whether one request value matches any of the policy's values; undefined when a policy variable in them
 * can't be resolved.
 */
type ValueTest = (value: string, lookup: Lookup) => boolean | undefined;

function anyOf(tests: readonly StringTest[]): ValueTest {
  if (tests.length === 1) return tests[0] as StringTest;
  return (value, lookup) => {
    let unresolved = false;
    for (const test of tests) {
      const result = test(value, lookup);
      if (result) return true;
      if (result === undefined) unresolved = true;
    }
    return unresolved ? undefined : false;
  };
}

const ISO_8601 =
  /^([+-]?\d{4,9})(?:-(\d{2})(?:-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/;
const EPOCH_SECONDS = /^\d+(?:\.\d+)?$/;

/** A date as IAM reads one: W3C ISO 8601 (UTC unless it says otherwise) or epoch seconds. NaN otherwise. */
function parseDate(value: string): number {
  if (EPOCH_SECONDS.test(value)) return Number(value) * 1000;
  const m = ISO_8601.exec(value);
  if (!m) return Number.NaN;
  const [, year, month = '1', day = '1', hour = '0', minute = '0', second = '0', fraction = '0', zone] = m;
  if (
    Number(month) > 12 ||
    Number(day) > 31 ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  ) {
    return Number.NaN;
  }
  const ms = Number(`0.${fraction}`) * 1000;
  let time = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    ms,
  );
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    time -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  return time;
}

function parseNumber(value: string): number {
  return value.trim() === '' ? Number.NaN : Number(value);
}

function compareWith(
  parse: (value: string) => number,
  compare: (request: number, policy: number) => boolean,
) {
  return (values: readonly string[]): ValueTest => {
    const policy = values.map(parse).filter((n) => !Number.isNaN(n));
    return (value) => {
      const request = parse(value);
      return !Number.isNaN(request) && policy.some((p) => compare(request, p));
    };
  };
}

function ipTest(values: readonly string[]): ValueTest {
  // A value that is not an address or range never matches, as in IAM, which doesn't refuse it.
  const ranges = values.map(parseRange).filter((range) => range !== undefined);
  // Requests come from the same few addresses: parse the last one once.
  let lastValue: string | undefined;
  let lastAddress: ReturnType<typeof parseAddress>;
  return (value) => {
    if (value !== lastValue) {
      lastAddress = parseAddress(value);
      lastValue = value;
    }
    const address = lastAddress;
    return address !== undefined && ranges.some((range) => inRange(address, range));
  };
}

function binaryTest(values: readonly string[]): ValueTest {
  const policy = values.map((v) => Buffer.from(v, 'base64'));
  return (value) => {
    const request = Buffer.from(value, 'base64');
    return policy.some((p) => p.equals(request));
  };
}

function strings(wildcards: boolean, ignoreCase: boolean) {
  return (values: readonly string[], variables: boolean): ValueTest =>
    anyOf(values.map((v) => compileStringTest(v, { wildcards, ignoreCase, variables })));
}

function arns(values: readonly string[], variables: boolean): ValueTest {
  return anyOf(values.map((v) => compileArnTest(v, variables)));
}

interface Operator {
  readonly compile: (values: readonly string[], variables: boolean) => ValueTest;
  /** StringNotEquals is StringEquals negated, NotIpAddress is IpAddress negated... */
  readonly negated: boolean;
  /** Its policy values must be dates. */
  readonly dates: boolean;
}

function defineOperator(compile: Operator['compile'], dates = false): Operator {
  return { compile, negated: false, dates };
}

function not(positive: Operator): Operator {
  return { ...positive, negated: true };
}

const StringEquals = defineOperator(strings(false, false));
const StringEqualsIgnoreCase = defineOperator(strings(false, true));
const StringLike = defineOperator(strings(true, false));
const NumericEquals = defineOperator(compareWith(parseNumber, (r, p) => r === p));
const DateEquals = defineOperator(
  compareWith(parseDate, (r, p) => r === p),
  true,
);
const IpAddress = defineOperator(ipTest);
const ArnLike = defineOperator(arns);

/** Every condition operator by name (Null apart). Policy variables work in the String and Arn ones, as in IAM. */
const OPERATORS: Readonly<Record<string, Operator>> = {
  StringEquals,
  StringNotEquals: not(StringEquals),
  StringEqualsIgnoreCase,
  StringNotEqualsIgnoreCase: not(StringEqualsIgnoreCase),
  StringLike,
  StringNotLike: not(StringLike),
  NumericEquals,
  NumericNotEquals: not(NumericEquals),
  NumericLessThan: defineOperator(compareWith(parseNumber, (r, p) => r < p)),
  NumericLessThanEquals: defineOperator(compareWith(parseNumber, (r, p) => r <= p)),
  NumericGreaterThan: defineOperator(compareWith(parseNumber, (r, p) => r > p)),
  NumericGreaterThanEquals: defineOperator(compareWith(parseNumber, (r, p) => r >= p)),
  DateEquals,
  DateNotEquals: not(DateEquals),
  DateLessThan: defineOperator(
    compareWith(parseDate, (r, p) => r < p),
    true,
  ),
  DateLessThanEquals: defineOperator(
    compareWith(parseDate, (r, p) => r <= p),
    true,
  ),
  DateGreaterThan: defineOperator(
    compareWith(parseDate, (r, p) => r > p),
    true,
  ),
  DateGreaterThanEquals: defineOperator(
    compareWith(parseDate, (r, p) => r >= p),
    true,
  ),
  Bool: StringEqualsIgnoreCase,
  BinaryEquals: defineOperator(binaryTest),
  IpAddress,
  NotIpAddress: not(IpAddress),
  // IAM documents ArnEquals and ArnLike as the same test, wildcards included.
  ArnEquals: ArnLike,
  ArnLike,
  ArnNotEquals: not(ArnLike),
  ArnNotLike: not(ArnLike),
};

const SET_OPERATORS = ['ForAnyValue:', 'ForAllValues:'] as const;
const USES_VARIABLES = /^(String|Arn)/;

interface ParsedOperator {
  set: 'any' | 'all' | undefined;
  base: string;
  ifExists: boolean;
}

function parseOperator(operator: string): ParsedOperator {
  let rest = operator;
  let set: ParsedOperator['set'];
  for (const prefix of SET_OPERATORS) {
    if (rest.startsWith(prefix)) {
      set = prefix === 'ForAnyValue:' ? 'any' : 'all';
      rest = rest.slice(prefix.length);
      break;
    }
  }
  const ifExists = rest.endsWith('IfExists');
  return { set, base: ifExists ? rest.slice(0, -'IfExists'.length) : rest, ifExists };
}

function conditionValues(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const item of list) {
    if (typeof item === 'string') out.push(item);
    else if (typeof item === 'number' || typeof item === 'boolean') out.push(String(item));
    else return undefined;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Compiles a statement's Condition block. `variables` is true for policies of Version 2012-10-17. Key
 * policies refuse `ForAllValues:` with the single-valued kms:EncryptionContext:<key> and aws:RequestTag/<key>,
 * as KMS does (OverlyPermissiveCondition).
 */
export function compileConditions(
  block: unknown,
  where: string,
  options: { variables: boolean; keyPolicy: boolean },
): CompiledCondition[] {
  if (!isObject(block)) throw Errors.policyElementType('Condition', where, 'an object');
  const conditions: CompiledCondition[] = [];
  for (const [operator, keys] of Object.entries(block)) {
    const parsed = parseOperator(operator);
    const nullCheck = parsed.base === 'Null' && parsed.set === undefined && !parsed.ifExists;
    const known = OPERATORS[parsed.base];
    if (!nullCheck && known === undefined) throw Errors.policyConditionOperator(where, operator);
    if (!isObject(keys)) throw Errors.policyElementType(`Condition ${operator}`, where, 'an object');
    for (const [key, raw] of Object.entries(keys)) {
      const values = conditionValues(raw);
      if (values === undefined) {
        throw Errors.policyElementType(
          `Condition ${operator} ${key}`,
          where,
          'a string, number or boolean, or a list of them',
        );
      }
      const lookupKey = canonicalKey(key);
      if (options.keyPolicy && parsed.set === 'all') {
        if (lookupKey.startsWith('kms:encryptioncontext:'))
          throw Errors.policyOverlyPermissive('EncryptionContext');
        if (lookupKey.startsWith('aws:requesttag/')) throw Errors.policyOverlyPermissive('RequestTag');
      }
      const shape = { operator, key, lookupKey, values };
      if (nullCheck) {
        conditions.push({ ...shape, matches: nullMatcher(lookupKey, values) });
        continue;
      }
      const base = known as Operator;
      if (base.dates) {
        const bad = values.find((v) => Number.isNaN(parseDate(v)));
        if (bad !== undefined) throw Errors.policyConditionDate(where, operator, bad);
      }
      const test = base.compile(values, options.variables && USES_VARIABLES.test(parsed.base));
      conditions.push({ ...shape, matches: matcher(lookupKey, parsed, base.negated, test) });
    }
  }
  return conditions;
}

/** `Null: true` holds when the key is absent, `Null: false` when it is present. */
function nullMatcher(key: string, values: readonly string[]): (lookup: Lookup) => boolean {
  const wantsAbsent = values.some((v) => v.toLowerCase() === 'true');
  const wantsPresent = values.some((v) => v.toLowerCase() === 'false');
  return (lookup) => (lookup(key) === undefined ? wantsAbsent : wantsPresent);
}

/**
 * IAM's rules for a key the request lacks: a plain operator doesn't match, a negated one (StringNotEquals,
 * NotIpAddress...) does, `...IfExists` always does; `ForAllValues:` matches and `ForAnyValue:` doesn't. A
 * negated operator under a set operator negates per request value: `ForAllValues:StringNotEquals` holds when
 * no request value equals a policy value. A plain operator on a multivalued key holds when any value matches.
 * A policy variable that can't be resolved makes the condition fail, whatever the operator.
 */
function matcher(
  key: string,
  operator: ParsedOperator,
  negated: boolean,
  test: ValueTest,
): (lookup: Lookup) => boolean {
  return (lookup) => {
    const found = lookup(key);
    if (found === undefined)
      return operator.ifExists || (operator.set === undefined ? negated : operator.set === 'all');
    if (operator.set === undefined) {
      if (typeof found === 'string') {
        const result = test(found, lookup);
        return result === undefined ? false : result !== negated;
      }
      let unresolved = false;
      for (const value of found) {
        const result = test(value, lookup);
        if (result) return !negated;
        if (result === undefined) unresolved = true;
      }
      return unresolved ? false : negated;
    }
    const list = typeof found === 'string' ? [found] : found;
    const every = operator.set === 'all';
    for (const value of list) {
      const result = test(value, lookup);
      if (result === undefined) return false;
      if (result !== negated) {
        if (!every) return true;
      } else if (every) return false;
    }
    return every;
  };
}
