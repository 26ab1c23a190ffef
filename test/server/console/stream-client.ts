import { Agent, type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { DEFAULT_CREDENTIALS } from '../../../src/server/defaults.ts';
import type { Credentials } from '../../../src/sigv4/index.ts';
import { createNodeSigV4 } from '../../../src/sigv4/node.ts';

/**
 * A reader of the console's request stream, as the page is one: a GET of /_kmslab/api/requests signed with SigV4
 * (src/sigv4's sign(), node crypto), its NDJSON lines parsed as they come.
 */

export const STREAM_PATH = '/_kmslab/api/requests';

export type StreamLine = Record<string, unknown> & { type: string };

/** The signed headers of a stream request for `endpoint` (host and x-amz-date, and the token when there is one). */
export function streamHeaders(
  endpoint: string,
  credentials: Credentials,
  region = 'us-east-1',
  date = new Date(),
): Record<string, string> {
  const { host } = new URL(endpoint);
  return createNodeSigV4().sign(
    { method: 'GET', path: STREAM_PATH, headers: { host } },
    { credentials, region, service: 'kms', date },
  ).headers;
}

export interface ErrorAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface OpenStream {
  response: IncomingMessage;
  lines: StreamLine[];
  /** Resolves with the lines so far once `done` holds for them (fails after `timeoutMs`). */
  until(done: (lines: StreamLine[]) => boolean, timeoutMs?: number): Promise<StreamLine[]>;
  /** Stops reading without closing: the socket's buffers fill up, as with a stuck reader. */
  pause(): void;
  close(): void;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
}

/** GETs `path` with `headers`; resolves with the response as soon as its head is in. */
export function get(
  endpoint: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ response: IncomingMessage; request: ClientRequest }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${endpoint}${path}`, { headers, agent: false });
    request.on('response', (response) => resolve({ response, request }));
    request.on('error', reject);
    request.end();
  });
}

export function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

/** Opens the stream; an answer other than 200 comes back whole as an ErrorAnswer. */
export async function openStream(
  endpoint: string,
  headers: Record<string, string>,
): Promise<OpenStream | ErrorAnswer> {
  const { response, request } = await get(endpoint, STREAM_PATH, headers);
  if (response.statusCode !== 200)
    return { status: response.statusCode ?? 0, headers: response.headers, body: await readAll(response) };
  const lines: StreamLine[] = [];
  const waiters = new Set<() => void>();
  let rest = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) lines.push(JSON.parse(part) as StreamLine);
    for (const waiter of waiters) waiter();
  });
  const ended = new Promise<void>((resolve) => {
    response.on('close', resolve);
    response.on('error', () => resolve());
  });
  return {
    response,
    lines,
    until(done, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(lines)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(lines);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`stream: condition not met in ${timeoutMs} ms; lines: ${JSON.stringify(lines)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    pause: () => response.pause(),
    close: () => request.destroy(),
    ended,
  };
}

export function isOpen(answer: OpenStream | ErrorAnswer): answer is OpenStream {
  return 'lines' in answer;
}

const sigv4 = createNodeSigV4();
const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * One KMS call, signed by hand over a keep-alive connection: the cheapest caller, for tests that need thousands
 * of requests in a few seconds.
 */
export function call(
  endpoint: string,
  operation: string,
  input: object,
  credentials: Credentials = DEFAULT_CREDENTIALS,
): Promise<{ status: number; requestId: string; body: string }> {
  const body = JSON.stringify(input);
  const url = new URL(endpoint);
  const { headers } = sigv4.sign(
    {
      method: 'POST',
      path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `TrentService.${operation}`,
      },
      body,
    },
    { credentials, region: 'us-east-1', service: 'kms' },
  );
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${endpoint}/`, { method: 'POST', headers, agent: keepAlive });
    request.on('response', (response) => {
      readAll(response).then(
        (text) =>
          resolve({
            status: response.statusCode ?? 0,
            requestId: String(response.headers['x-amzn-requestid']),
            body: text,
          }),
        reject,
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** `count` calls made by `concurrency` callers at once; resolves with their answers in order. */
export async function calls(
  count: number,
  concurrency: number,
  make: (index: number) => ReturnType<typeof call>,
): Promise<Awaited<ReturnType<typeof call>>[]> {
  const answers: Awaited<ReturnType<typeof call>>[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      answers[index] = await make(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return answers;
}
