import type { KMSOperations, OperationName, PaginatedOperation } from '../protocol/index.ts';
import { PAGINATORS } from '../protocol/paginators.ts';
import { SigV4 } from '../sigv4/index.ts';
import { AWSConfig, InvalidAWSConfigError, parseEndpoint } from './aws-config.ts';
import { InvalidSignatureError, KMSServiceError, NetworkError } from './errors.ts';
import { type DataKeyOptions, KMSDataKey, KMSKey } from './models.ts';
import { type Endpoint, type HttpOutcome, runtime } from './runtime/runtime.ts';
import { toWire } from './wire.ts';

export interface KMSClientOptions {
  /** Attempts per call, the first included; 1 disables retries. Default 3. */
  maxAttempts?: number;
  /** Backoff before retry n is a random delay in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))). Default 100. */
  baseDelayMs?: number;
  /** Default 5000. */
  maxDelayMs?: number;
  /** Per attempt. Default 60000, like k6. */
  timeoutMs?: number;
}

const SIGNATURE_ERRORS = ['InvalidSignatureException', 'IncompleteSignatureException'];
const THROTTLING_ERRORS = ['ThrottlingException', 'Throttling', 'TooManyRequestsException'];

/** `com.amazonaws.kms#NotFoundException` and `NotFoundException:http://internal...` both mean `NotFoundException`. */
function errorCode(raw: string): string {
  return raw.slice(raw.lastIndexOf('#') + 1).split(':')[0] ?? '';
}

/** The code for an error answer whose body names none, such as an HTML page from a proxy. */
function codeForStatus(status: number): string {
  if (status === 429) return 'ThrottlingException';
  if (status === 503) return 'ServiceUnavailable';
  return status >= 500 ? 'InternalFailure' : 'UnknownError';
}

function serviceError(operation: string, status: number, headers: Record<string, string>, body: string) {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    parsed = JSON.parse(body) ?? {};
  } catch {
    // Not JSON: the status and the error-type header still say what happened.
  }
  const raw = headers['x-amzn-errortype'] || (typeof parsed.__type === 'string' ? parsed.__type : '');
  const code = (raw && errorCode(raw)) || codeForStatus(status);
  const detail = parsed.message ?? parsed.Message;
  const message =
    typeof detail === 'string'
      ? detail
      : status >= 300 && status < 400
        ? // Like the AWS SDKs, the client does not resend a signed request elsewhere: the endpoint is wrong.
          `${operation} was redirected (HTTP ${status}) to ${headers.location}; the client does not follow redirects`
        : `${operation} failed with HTTP ${status}`;
  const ErrorClass = SIGNATURE_ERRORS.includes(code) ? InvalidSignatureError : KMSServiceError;
  return new ErrorClass(message, code, operation, status);
}

function isRetryable(error: unknown): boolean {
  // An oversized answer comes again on every attempt; other transport failures may pass.
  if (error instanceof NetworkError) return error.code !== 'ResponseTooLarge';
  return (
    error instanceof KMSServiceError &&
    (error.statusCode === 429 || error.statusCode >= 500 || THROTTLING_ERRORS.includes(error.code))
  );
}

/** Raised before sending, with the code and message AWS itself answers for the same input. */
function validateNumberOfBytes(operation: string, value: number): void {
  const bound = !Number.isInteger(value)
    ? 'be an integer'
    : value < 1
      ? 'have value greater than or equal to 1'
      : value > 1024
        ? 'have value less than or equal to 1024'
        : '';
  if (bound) {
    throw new KMSServiceError(
      `1 validation error detected: Value '${value}' at 'numberOfBytes' failed to satisfy constraint: Member must ${bound}`,
      'ValidationException',
      operation,
      400,
    );
  }
}

function integerOption(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidAWSConfigError(
      `invalid KMSClient option ${name}; reason: should be an integer >= ${min}, got ${value}`,
    );
  }
  return value;
}

/**
 * AWS KMS over JSON 1.1, with k6-jslib-aws's methods (the lite k6 bundle's KMSClient): every method maps onto
 * `send`, which signs, posts, retries and decodes, or onto `paginate`, which follows the pages.
 */
export class KMSClientLite {
  readonly #config: AWSConfig;
  readonly #endpoint: Endpoint;
  readonly #signer: SigV4;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #timeoutMs: number;

  constructor(config: AWSConfig, options: KMSClientOptions = {}) {
    if (!(config instanceof AWSConfig)) {
      throw new InvalidAWSConfigError('invalid KMSClient config; reason: expected an AWSConfig instance');
    }
    this.#config = config;
    this.#endpoint = parseEndpoint(config.endpoint);
    this.#signer = new SigV4(runtime().crypto);
    this.#maxAttempts = integerOption('maxAttempts', options.maxAttempts, 3, 1);
    this.#baseDelayMs = integerOption('baseDelayMs', options.baseDelayMs, 100, 0);
    this.#maxDelayMs = integerOption('maxDelayMs', options.maxDelayMs, 5000, 0);
    this.#timeoutMs = integerOption('timeoutMs', options.timeoutMs, 60_000, 1);
  }

  /** Every key in the account and region, following all pages. `limit` is the page size (1-1000). */
  async listKeys(options: { limit?: number } = {}): Promise<KMSKey[]> {
    const keys: KMSKey[] = [];
    await eachPage(this.paginate('ListKeys', { Limit: options.limit }), (page) => {
      for (const key of page.Keys ?? []) keys.push(new KMSKey(key.KeyId ?? '', key.KeyArn ?? ''));
    });
    return keys;
  }

  /** A data key of `size` bytes (1-1024) or per `options`, under the key named by ID, ARN, alias or alias ARN. */
  async generateDataKey(id: string, size: number | DataKeyOptions = 32): Promise<KMSDataKey> {
    const out = await this.send('GenerateDataKey', dataKeyInput('GenerateDataKey', id, size));
    return new KMSDataKey(out.KeyId ?? '', out.CiphertextBlob ?? '', out.Plaintext ?? '');
  }

  /**
   * Every page of a paginated operation (ListKeys, ListAliases, ListGrants...: `PAGINATORS`), from `input`'s
   * `Marker` on: each `next()` sends one request with the previous page's `NextMarker`, until a page has none (or
   * says `Truncated: false`). In Node, `for await (const page of kms.paginate(...))`; k6 has no `for await`, so
   * `for (let p = await pages.next(); !p.done; p = await pages.next())`. Calls to `next()` run one after another.
   */
  paginate<Op extends PaginatedOperation>(
    operation: Op,
    input: KMSOperations[Op]['input'],
  ): AsyncIterableIterator<KMSOperations[Op]['output']> {
    type Page = KMSOperations[Op]['output'] & { Truncated?: boolean };
    const { inputToken, outputToken } = PAGINATORS[operation];
    let marker = (input as Record<string, unknown>)[inputToken] as string | undefined;
    let done = false;
    const step = async (): Promise<IteratorResult<Page>> => {
      if (done) return { done: true, value: undefined };
      // Done until this page names another: a failed request ends the iteration, as a throw ends a generator.
      done = true;
      const page = (await this.send(operation, { ...input, [inputToken]: marker })) as Page;
      const next = (page as Record<string, unknown>)[outputToken];
      if (page.Truncated === false || typeof next !== 'string' || next === '')
        return { done: false, value: page };
      if (next === marker) {
        throw new KMSServiceError(
          `${operation} sent the same ${outputToken} twice`,
          'RepeatedPageToken',
          operation,
          200,
        );
      }
      marker = next;
      done = false;
      return { done: false, value: page };
    };
    let last: Promise<unknown> = Promise.resolve();
    const pages: AsyncIterableIterator<Page> = {
      next: () => {
        const result = last.then(step, step);
        last = result;
        return result;
      },
      // k6 has no Symbol.asyncIterator (nor for await): there this key is a harmless 'undefined'.
      [Symbol.asyncIterator]: () => pages,
    };
    return pages;
  }

  /**
   * Any KMS operation with its wire input; resolves to its wire output or rejects with an AWSError.
   * Members left `undefined` are not sent (JSON.stringify drops them), which the methods above rely on.
   */
  async send<Op extends OperationName>(
    operation: Op,
    input: KMSOperations[Op]['input'],
  ): Promise<KMSOperations[Op]['output']> {
    const body = JSON.stringify(input ?? {});
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#attempt(operation, body)) as KMSOperations[Op]['output'];
      } catch (error) {
        if (attempt >= this.#maxAttempts || !isRetryable(error)) {
          throw error;
        }
      }
      // Full jitter: a random delay up to the capped exponential bound.
      const bound = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * bound));
    }
  }

  /** One signed request; signed anew on each attempt so that the signature date stays fresh. */
  async #attempt(operation: string, body: string): Promise<unknown> {
    const { host } = this.#endpoint;
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `TrentService.${operation}`,
    };
    const signed = this.#signer.sign(
      { method: 'POST', path: '/', headers: { ...headers, Host: host }, body },
      { credentials: this.#config, region: this.#config.region, service: 'kms' },
    );
    delete signed.headers.Host;
    const outcome: HttpOutcome = await runtime().post({
      endpoint: this.#endpoint,
      headers: signed.headers,
      body,
      timeoutMs: this.#timeoutMs,
    });
    if ('networkError' in outcome) {
      throw new NetworkError(outcome.networkError.message, outcome.networkError.code, operation);
    }
    const { status, headers: responseHeaders, body: responseBody } = outcome;
    if (status < 200 || status >= 300) throw serviceError(operation, status, responseHeaders, responseBody);
    try {
      return responseBody === '' ? {} : (JSON.parse(responseBody) ?? {});
    } catch {
      throw new KMSServiceError(
        `${operation} answered HTTP ${status} with a body that is not JSON`,
        'SerializationException',
        operation,
        status,
      );
    }
  }
}

/** Runs `onPage` on every page, in order: a loop over `next()` rather than `for await`, which k6 lacks. */
export async function eachPage<Page>(
  pages: AsyncIterator<Page>,
  onPage: (page: Page) => void,
): Promise<void> {
  for (let page = await pages.next(); !page.done; page = await pages.next()) onPage(page.value);
}

export function dataKeyInput(operation: string, id: string, size: number | DataKeyOptions) {
  const options = typeof size === 'object' && size !== null ? size : { numberOfBytes: size };
  const { numberOfBytes = options.keySpec === undefined ? 32 : undefined } = options;
  if (numberOfBytes !== undefined) validateNumberOfBytes(operation, numberOfBytes);
  return { ...toWire({ ...options, numberOfBytes }), KeyId: id };
}
