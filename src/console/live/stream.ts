import { SigV4 } from '../../sigv4/index.ts';
import { browserCrypto } from '../runtime.ts';
import type { Credentials } from '../session.ts';

/** One API request, as the server's recorder saw it: never plaintext, blobs or any input but the key named. */
export interface RequestEvent {
  type: 'request';
  time: string;
  requestId: string;
  caller: string;
  accessKeyId: string;
  operation: string;
  keyId: string | null;
  status: number;
  errorType: string | null;
  ms: number;
}

export interface OperationStats {
  count: number;
  errors: number;
  p50: number;
  p99: number;
}

/** One elapsed second (epoch seconds) of every operation served; an idle second has no operations. */
export interface StatsEvent {
  type: 'stats';
  second: number;
  operations: Record<string, OperationStats>;
}

export type StreamEvent = RequestEvent | StatsEvent | { type: 'dropped'; count: number };

export type StreamStatus =
  | { state: 'connecting' }
  | { state: 'live' }
  | { state: 'reconnecting'; reason: string }
  | { state: 'refused'; message: string };

export const STREAM_PATH = '/_kmslab/api/requests';

const signer = new SigV4(browserCrypto);

/** The stream's request, signed like a KMS call (service kms, the credentials' region, an empty payload). */
export function signedHeaders(credentials: Credentials): Record<string, string> {
  const { headers } = signer.sign(
    { method: 'GET', path: STREAM_PATH, headers: { Host: location.host } },
    { credentials, region: credentials.region, service: 'kms' },
  );
  // The browser sends the Host it was signed with; fetch refuses to set it.
  delete headers.Host;
  return headers;
}

/** AWS's error shape, `{"__type": ..., "message": ...}`, as one line. */
async function refusal(response: Response): Promise<string> {
  const body = await response.text();
  try {
    const { __type, message } = JSON.parse(body) as { __type?: string; message?: string };
    const type = (response.headers.get('x-amzn-errortype') ?? __type ?? '').split(':')[0];
    return `${type || `HTTP ${response.status}`}: ${message ?? body}`;
  } catch {
    return `HTTP ${response.status}: ${body}`;
  }
}

const RETRY_DELAYS_MS = [500, 1000, 2000, 5000, 10000];
/** The server sends a stats line every second: this long without a line means the connection is dead. */
const SILENCE_MS = 15_000;

/**
 * Reads the live stream and hands each chunk's events to `onEvents`. When the stream ends or breaks it connects
 * again, signed afresh (a signature is good for minutes, a stream for much longer), after a growing pause; a 4xx
 * answer (wrong credentials, no permission) stops it, since asking again would be answered the same. Returns stop.
 */
export function openStream(
  credentials: Credentials,
  onEvents: (events: StreamEvent[]) => void,
  onStatus: (status: StreamStatus) => void,
): () => void {
  const abort = new AbortController();
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const connect = async (): Promise<void> => {
    if (abort.signal.aborted) return;
    onStatus({ state: 'connecting' });
    let reason = 'the stream ended';
    try {
      const response = await fetch(STREAM_PATH, {
        headers: signedHeaders(credentials),
        signal: abort.signal,
        credentials: 'omit',
        cache: 'no-store',
      });
      if (response.status >= 400 && response.status < 500) {
        onStatus({ state: 'refused', message: await refusal(response) });
        return;
      }
      if (!response.ok || !response.body) throw new Error(await refusal(response));
      onStatus({ state: 'live' });
      failures = 0;
      await read(response.body, onEvents);
    } catch (error) {
      if (abort.signal.aborted) return;
      reason = (error as Error).message;
    }
    if (abort.signal.aborted) return;
    const delay = RETRY_DELAYS_MS[Math.min(failures++, RETRY_DELAYS_MS.length - 1)];
    onStatus({ state: 'reconnecting', reason });
    timer = setTimeout(connect, delay);
  };

  connect();
  return () => {
    abort.abort();
    clearTimeout(timer);
  };
}

/** NDJSON: one object per line; a line may arrive in pieces. */
async function read(body: ReadableStream<Uint8Array>, onEvents: (events: StreamEvent[]) => void) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const silence = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reader.cancel();
        reject(new Error(`no line for ${SILENCE_MS / 1000} s`));
      }, SILENCE_MS);
    });
    const { done, value } = await Promise.race([reader.read(), silence]).finally(() => clearTimeout(timer));
    if (done) return;
    pending += decoder.decode(value, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    const events: StreamEvent[] = [];
    for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line) as StreamEvent);
    if (events.length > 0) onEvents(events);
  }
}
