/**
 * The contract between the HTTP layer and the operation handlers. A handler never sees HTTP: it gets the
 * validated input of one KMS operation and the authenticated caller, and returns the operation's output or
 * throws a KMSError.
 */

/** Who is calling: the account that the access key maps to and the region of the credential scope. */
export interface Caller {
  accountId: string;
  region: string;
  accessKeyId: string;
}

export interface OperationContext {
  caller: Caller;
  /** The request's time; handlers use this, never Date.now(), so that tests can move the clock. */
  now: Date;
}

/**
 * Input has passed model-driven validation (types, lengths, ranges, enums, required members) before a
 * handler runs. Handlers should be synchronous where they can: the data plane runs on the hot path.
 */
// biome-ignore lint/suspicious/noExplicitAny: each handler narrows its input to its operation's shape
export type Handler = (input: any, context: OperationContext) => unknown;

export interface KmsService {
  /** Handlers by operation name (`CreateKey`, `GenerateDataKey`, ...). */
  readonly handlers: Readonly<Record<string, Handler | undefined>>;
  /** Runs due background work (scheduled deletions, automatic rotations) as of `now`. */
  runDueWork(now: Date): void;
  close(): void;
}
