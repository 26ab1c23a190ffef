import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Authenticator, type AuthMode } from './auth.ts';
import type { CredentialEntry, KmsService, RequestLogEntry } from './context.ts';
import { DEFAULT_ACCOUNT_ID } from './defaults.ts';
import { KMSError } from './errors.ts';
import { joinedHeaderValue } from './raw-headers.ts';
import { isKnownOperation, validateInput } from './validate.ts';

export interface KmsServerOptions {
  service: KmsService;
  credentials: readonly CredentialEntry[];
  auth: AuthMode;
  /** The account of access keys that `--auth none` lets in without knowing them. */
  defaultAccountId?: string;
  /** Called once per request, after the response is written. Never receives plaintext. */
  log?: (entry: RequestLogEntry) => void;
  /** Called with errors no handler should throw; they reach the caller as a 500 KMSInternalException. */
  onInternalError?: (error: unknown) => void;
  /** How often scheduled deletions and automatic rotations are carried out. Default one minute. */
  dueWorkIntervalMs?: number;
  /** The server's clock; tests move it to cross deletion windows and signature expiry. */
  clock?: () => Date;
}

const TARGET_PREFIX = 'TrentService.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** Far above any valid KMS request (the largest, PutKeyPolicy, is ~128 KiB of policy). */
const MAX_BODY_BYTES = 1024 * 1024;

/** Answered without reading the rest of the body, which is then dropped with the connection. */
class BodyTooLarge extends KMSError {
  constructor() {
    super('SerializationException', 'The request body is larger than 1 MiB.', 413);
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(
  response: ServerResponse,
  requestId: string,
  status: number,
  body: string,
  errorType?: string,
): void {
  const headers: Record<string, string | number> = {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  };
  if (errorType) headers['X-Amzn-ErrorType'] = errorType;
  response.writeHead(status, headers);
  response.end(body);
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new KMSError('SerializationException', 'The request body is not valid JSON.');
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
 * body. Each request is read, authenticated, validated against the model and handed to its operation's handler;
 * the answer is the handler's output as JSON, or AWS's error shape.
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

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = log ? process.hrtime.bigint() : 0n;
    const requestId = randomUUID();
    const target = joinedHeaderValue(request.rawHeaders, 'x-amz-target');
    const operation = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    let input: unknown;
    let output: unknown;
    let status = 200;
    let errorType: string | undefined;
    try {
      const body = await readBody(request);
      if (request.method !== 'POST' || !isKnownOperation(operation)) {
        throw new KMSError(
          'UnknownOperationException',
          `Unknown operation: ${target ?? '(no X-Amz-Target)'}`,
        );
      }
      const now = clock();
      const caller = authenticator.authenticate(
        { method: request.method, url: request.url ?? '/', rawHeaders: request.rawHeaders, body },
        now,
      );
      input = parseJson(body);
      validateInput(operation, input);
      const handler = service.handlers[operation];
      if (!handler) {
        throw new KMSError('UnsupportedOperationException', `kmslab does not support ${operation} yet.`);
      }
      output = await handler(input, { caller, now, requestId });
      send(response, requestId, 200, JSON.stringify(output ?? {}));
    } catch (error) {
      let failure: KMSError;
      if (error instanceof KMSError) failure = error;
      else {
        onInternalError(error);
        failure = new KMSError('KMSInternalException', 'An internal error occurred.', 500);
      }
      status = failure.status;
      errorType = failure.type;
      const body = JSON.stringify({ __type: failure.type, message: failure.message });
      send(response, requestId, status, body, failure.type);
      if (failure instanceof BodyTooLarge) request.socket.destroySoon();
    }
    if (log) {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log({
        operation: operation || String(target ?? '-'),
        keyId: keyOf(input, output),
        status,
        errorType,
        ms,
      });
    }
  }

  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    handle(request, response).catch(onInternalError);
  });

  const runDueWork = () => {
    try {
      service.runDueWork(clock());
    } catch (error) {
      onInternalError(error);
    }
  };
  const timer = setInterval(runDueWork, options.dueWorkIntervalMs ?? 60_000);
  timer.unref();
  server.on('listening', runDueWork);
  server.on('close', () => clearInterval(timer));
  return server;
}
