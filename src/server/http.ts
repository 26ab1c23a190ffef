import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MAX_REQUEST_BYTES } from '../protocol/limits.ts';
import { Authenticator, type AuthMode } from './auth.ts';
import { type ConsoleOptions, isConsolePath, serveConsole } from './console/index.ts';
import type { Caller, CredentialEntry, KmsService, RequestLogEntry } from './context.ts';
import { DEFAULT_ACCOUNT_ID } from './defaults.ts';
import { KMSError } from './errors.ts';
import { WireErrors } from './messages.ts';
import { firstHeaderValue, joinedHeaderValue } from './raw-headers.ts';
import { isKnownOperation, validateInput } from './validate.ts';

export interface KmsServerOptions {
  service: KmsService;
  credentials: readonly CredentialEntry[];
  auth: AuthMode;
  /** The account of access keys that `--auth none` lets in without knowing them. */
  defaultAccountId?: string;
  /** Called once per API request, after the response is written. Never receives plaintext. */
  log?: (entry: RequestLogEntry) => void;
  /** The web console under `/_kmslab/`; without it those paths are answered like any request that isn't KMS's. */
  console?: ConsoleOptions;
  /** Called with errors no handler should throw; they reach the caller as a 500 KMSInternalException. */
  onInternalError?: (error: unknown) => void;
  /** Called with what is worth a line at `debug` only: a client that left before its request was complete. */
  debug?: (message: string) => void;
  /** How long a client has to send a whole request, headers and body. Default REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
  /** The server's clock: the time of each request (signature expiry, creation dates...). */
  clock?: () => Date;
}

const TARGET_PREFIX = 'TrentService.';
/** The longest x-kmslab-denial header answered. */
const MAX_DENIAL_HEADER = 4096;
const CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * A client has this long to send a whole request, headers and body, before its connection is dropped (checked
 * every second): a stalled upload holds a socket no longer than that.
 */
export const REQUEST_TIMEOUT_MS = 10_000;
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** The client closed the connection before its request was complete: nobody is left to answer. */
class ClientGone extends Error {}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // A chunked body has no Content-Length to refuse in advance.
      if (size > MAX_REQUEST_BYTES) reject(WireErrors.requestTooLarge(MAX_REQUEST_BYTES));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    // 'close' follows every request; only one that never completed means the client left.
    const gone = () => {
      if (!request.complete) reject(new ClientGone());
    };
    request.on('error', gone);
    request.on('close', gone);
  });
}

/** `close`: the body was not read, so the connection cannot carry another request and is closed. */
function send(
  response: ServerResponse,
  requestId: string,
  status: number,
  body: string,
  errorType?: string,
  close?: boolean,
  denial?: string,
): void {
  const headers: Record<string, string | number> = {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  };
  if (errorType) headers['X-Amzn-ErrorType'] = errorType;
  if (close) headers.Connection = 'close';
  // Why kmslab denied the request (access/authorize.ts): AWS clients ignore headers they don't know. Clients
  // refuse responses whose headers pass 16 KiB (node:http's default), so a long one is cut.
  if (denial)
    headers['x-kmslab-denial'] =
      denial.length > MAX_DENIAL_HEADER ? `${denial.slice(0, MAX_DENIAL_HEADER)}...` : denial;
  response.writeHead(status, headers);
  response.end(body);
}

/** Answers a failure in AWS's error shape; an error that is not a KMSError is a bug, answered as a 500. */
function sendFailure(
  response: ServerResponse,
  requestId: string,
  error: unknown,
  close: boolean,
  onInternalError: (error: unknown) => void,
): KMSError {
  let failure: KMSError;
  if (error instanceof KMSError) failure = error;
  else {
    onInternalError(error);
    failure = WireErrors.internal();
  }
  const body = JSON.stringify({ __type: failure.type, message: failure.message });
  send(response, requestId, failure.status, body, failure.type, close, failure.denial);
  return failure;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw WireErrors.notJson();
  }
}

/** The key a request is about, for the request log: the input's reference or the key the answer names. */
function keyOf(input: unknown, output: unknown): string | undefined {
  const fromInput = input as
    | { KeyId?: unknown; TargetKeyId?: unknown; DestinationKeyId?: unknown }
    | undefined;
  const candidate =
    fromInput?.KeyId ??
    fromInput?.TargetKeyId ??
    fromInput?.DestinationKeyId ??
    (output as { KeyId?: unknown })?.KeyId;
  return typeof candidate === 'string' ? candidate : undefined;
}

/**
 * The KMS wire protocol over node:http: `POST /` with `X-Amz-Target: TrentService.<Operation>` and an AWS JSON 1.1
 * body. Each request is authenticated from its headers before its body is read (an unauthenticated request
 * costs no buffer: it is answered and its connection closed), then read up to the largest request the model
 * allows, its signature checked over the body, validated against the model and handed to its operation's
 * handler; the answer is the handler's output as JSON, or AWS's error shape.
 */
export function createKmsServer(options: KmsServerOptions): Server {
  const { service, log } = options;
  const clock = options.clock ?? (() => new Date());
  const onInternalError = options.onInternalError ?? ((error: unknown) => console.error(error));
  const authenticator = new Authenticator(
    options.credentials,
    options.auth,
    options.defaultAccountId ?? DEFAULT_ACCOUNT_ID,
  );

  /** A console path: its files, or its request stream, authenticated here like an API call. */
  async function handleConsole(
    consoleOptions: ConsoleOptions,
    path: string,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const requestId = randomUUID();
    try {
      await serveConsole(consoleOptions, authenticator, clock(), path, request, response, requestId);
    } catch (error) {
      if (response.headersSent) {
        onInternalError(error);
        response.destroy();
      } else sendFailure(response, requestId, error, false, onInternalError);
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (options.console) {
      const url = request.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      if (isConsolePath(path)) return handleConsole(options.console, path, request, response);
    }
    const time = log ? Date.now() : 0;
    const started = log ? process.hrtime.bigint() : 0n;
    const requestId = randomUUID();
    const target = joinedHeaderValue(request.rawHeaders, 'x-amz-target');
    const operation = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    let input: unknown;
    let output: unknown;
    let status = 200;
    let errorType: string | undefined;
    let caller: Caller | undefined;
    let bodyRead = false;
    try {
      if (request.method !== 'POST' || !isKnownOperation(operation))
        throw WireErrors.unknownOperation(target);
      const now = clock();
      const authentication = authenticator.authenticate(
        { method: request.method, url: request.url ?? '/', rawHeaders: request.rawHeaders },
        now,
      );
      // Refused as soon as Content-Length says so, without reading the body.
      if (Number(firstHeaderValue(request.rawHeaders, 'content-length')) > MAX_REQUEST_BYTES) {
        throw WireErrors.requestTooLarge(MAX_REQUEST_BYTES);
      }
      const body = await readBody(request);
      bodyRead = true;
      authenticator.verifySignature(authentication, body);
      caller = authentication.caller;
      input = parseJson(body);
      // Whatever the input: an operation kmslab lacks is answered as such, not as a request to correct.
      const handler = service.handlers[operation];
      if (!handler) throw WireErrors.unsupportedOperation(operation);
      validateInput(operation, input);
      const sourceIp = request.socket.remoteAddress?.replace(/^::ffff:/, '');
      output = await handler(input, { caller, now, requestId, ...(sourceIp ? { sourceIp } : {}) });
      send(response, requestId, 200, JSON.stringify(output ?? {}));
    } catch (error) {
      if (error instanceof ClientGone) {
        options.debug?.(
          `${operation || '-'}: the client closed the connection before its request was complete`,
        );
        return;
      }
      const failure = sendFailure(response, requestId, error, !bodyRead, onInternalError);
      status = failure.status;
      errorType = failure.type;
    }
    if (log) {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log({
        operation: operation || String(target ?? '-'),
        keyId: keyOf(input, output),
        status,
        errorType,
        ms,
        requestId,
        time,
        caller,
      });
    }
  }

  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const serverOptions = {
    keepAliveTimeout: 65_000,
    requestTimeout,
    headersTimeout: requestTimeout,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  };
  return createServer(serverOptions, (request, response) => {
    handle(request, response).catch(onInternalError);
  });
}
