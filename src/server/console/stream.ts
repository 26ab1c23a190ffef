import type { ServerResponse } from 'node:http';
import type { RecordedRequest, RequestRecorder, SecondStats } from './recorder.ts';

/**
 * The console's live request stream (`GET /_kmslab/api/requests`) once its caller is authenticated and
 * authorized: NDJSON lines, the backlog first, then what the caller's account records, written in batches. A
 * reader that can't keep up loses request events (counted in a `dropped` line), never stats, so that charts stay
 * exact; the server's memory per stream stays bounded whatever the reader does.
 */

/** How often pending lines are written. */
export const FLUSH_INTERVAL_MS = 250;
/** The most request events a batch carries; the rest are counted as dropped. */
export const MAX_REQUESTS_PER_BATCH = 200;
/**
 * A reader that has not taken the stats of this many seconds is gone or stuck: its stream is closed rather than
 * buffered for (reconnecting gives the backlog).
 */
const MAX_PENDING_SECONDS = 300;

export const STREAM_HEADERS = {
  'Content-Type': 'application/x-ndjson; charset=utf-8',
  'Cache-Control': 'no-store',
} as const;

/** A request event as the stream sends it: the log entry's names, never more. */
function requestLine(entry: RecordedRequest): string {
  return JSON.stringify({
    type: 'request',
    time: new Date(entry.time).toISOString(),
    requestId: entry.requestId,
    caller: entry.caller.principal.arn,
    accessKeyId: entry.caller.accessKeyId,
    operation: entry.operation,
    keyId: entry.keyId ?? null,
    status: entry.status,
    errorType: entry.errorType ?? null,
    ms: Math.round(entry.ms * 1000) / 1000,
  });
}

function statsLine(second: SecondStats): string {
  return JSON.stringify({ type: 'stats', second: second.second, operations: second.operations });
}

/** Writes the stream on `response` (headers already set by the caller) until the client or the server closes it. */
export function streamRequests(
  recorder: RequestRecorder,
  accountId: string,
  response: ServerResponse,
  headers: Readonly<Record<string, string>>,
): void {
  let requests: RecordedRequest[] = [];
  let stats: SecondStats[] = [];
  let dropped = 0;
  const subscriber = {
    request(entry: RecordedRequest) {
      // While the socket is backed up, a request event would only wait in memory: it is counted instead.
      if (requests.length < MAX_REQUESTS_PER_BATCH && !response.writableNeedDrain) requests.push(entry);
      else dropped++;
    },
    stats(second: SecondStats) {
      stats.push(second);
    },
  };
  const { backlog, unsubscribe } = recorder.subscribe(accountId, subscriber);

  const flush = () => {
    if (response.writableNeedDrain) {
      if (stats.length > MAX_PENDING_SECONDS) response.destroy();
      return;
    }
    // Every second has its stats line, so a stream is never silent for long: that line is its heartbeat.
    if (stats.length === 0 && requests.length === 0 && dropped === 0) return;
    let text = lines(stats, requests);
    if (dropped > 0) text += `{"type":"dropped","count":${dropped}}\n`;
    stats = [];
    requests = [];
    dropped = 0;
    response.write(text);
  };

  const timer = setInterval(flush, FLUSH_INTERVAL_MS);
  response.on('close', () => {
    clearInterval(timer);
    unsubscribe();
  });
  response.writeHead(200, { ...headers, ...STREAM_HEADERS });
  response.flushHeaders();
  if (backlog.seconds.length > 0 || backlog.requests.length > 0)
    response.write(lines(backlog.seconds, backlog.requests));
}

function lines(seconds: readonly SecondStats[], requests: readonly RecordedRequest[]): string {
  let text = '';
  for (const second of seconds) text += `${statsLine(second)}\n`;
  for (const entry of requests) text += `${requestLine(entry)}\n`;
  return text;
}
