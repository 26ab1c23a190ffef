/**
 * The contract between the HTTP layer and the operation handlers. A handler never sees HTTP: it gets the
 * validated input of one KMS operation and the authenticated caller, and returns the operation's output or
 * throws a KMSError.
 */
import type { KMSOperations, OperationName } from '../protocol/index.ts';
import type { Principal } from './access/index.ts';
import type { LoadedKey } from './keys/key.ts';

/**
 * Who is calling: the principal that the access key maps to (an account root unless the identities file makes
 * it a user or role session), its account, and the region of the credential scope.
 */
export interface Caller {
  accountId: string;
  region: string;
  accessKeyId: string;
  principal: Principal;
}

export interface OperationContext {
  caller: Caller;
  /** The request's time; handlers use this, never Date.now(), so that tests can move the clock. */
  now: Date;
  /** The request's ID, as answered in `x-amzn-RequestId` (GetKeyLastUsage reports it). */
  requestId: string;
  /** The caller's IP address (aws:SourceIp), when the connection has one. */
  sourceIp?: string;
  /**
   * The keys the request's references named, by reference, as resolveKey found them (operations/resolve.ts):
   * the handler reuses the keys the authorization step found.
   */
  resolvedKeys?: Map<string, LoadedKey>;
}

/** An operation's output, as AWS's model types it. */
export type Output<Op extends OperationName> = KMSOperations[Op]['output'];

/**
 * What a handler answers: its output, or a promise of it where the work leaves the event loop (making an RSA
 * key pair on the thread pool).
 */
export type Answer<Op extends OperationName> = Output<Op> | Promise<Output<Op>>;

/**
 * Every operation's handler, typed from AWS's model: a drift from the model is a compile error. Input has passed
 * model-driven validation (types, lengths, ranges, enums, required members) before a handler runs. Each file of
 * operations/ exports a `Partial<Handlers>`; operations without a handler are answered UnsupportedOperation.
 * Handlers should be synchronous where they can: the data plane runs on the hot path.
 */
export type Handlers = {
  [Op in OperationName]: (input: KMSOperations[Op]['input'], context: OperationContext) => Answer<Op>;
};

/**
 * A handler as the HTTP layer calls it: looked up by the name in `X-Amz-Target`, with a body that validate.ts
 * has checked against that operation's input shape. No static type can tie a name known only at run time to its
 * input, so this is the one place where the input is untyped.
 */
// biome-ignore lint/suspicious/noExplicitAny: the body is typed by the operation that the run-time name selects
export type ValidatedHandler = (input: any, context: OperationContext) => unknown;

export interface KmsService {
  /** Handlers by operation name (`CreateKey`, `GenerateDataKey`, ...): the service's `Partial<Handlers>`. */
  readonly handlers: Readonly<Record<string, ValidatedHandler | undefined>>;
  /** Runs due background work (scheduled deletions, automatic rotations) as of `now`. */
  runDueWork(now: Date): Promise<void>;
  /**
   * Runs the work that must happen within a second of its time (also part of runDueWork): imported key material
   * whose ValidTo has come is removed, new multi-Region replicas finish Creating.
   */
  runTimelyWork(now: Date): void;
}

/** An access key the server accepts, and the account it belongs to. */
export interface CredentialEntry {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  /** The IAM user or role session of the key (identities file); the account root without one. */
  principal?: Principal;
  /** A role session's token: a request with this key must carry it in X-Amz-Security-Token. */
  sessionToken?: string;
}

/** One line of the request log, and one event of the console's request stream: never any plaintext. */
export interface RequestLogEntry {
  operation: string;
  keyId?: string;
  status: number;
  errorType?: string;
  ms: number;
  /** As answered in `x-amzn-RequestId`. */
  requestId: string;
  /** When the request arrived (epoch ms). */
  time: number;
  /** Who made it, once its signature checked out; undefined for a request refused before that. */
  caller?: Caller;
}
