import type { RequestLogEntry } from './context.ts';

/**
 * The server's log: one line per event, with a level. Requests log at `info`, so the default level shows one line
 * per call; `warn` and `error` keep a load test's output quiet. Nothing that reaches a line may hold plaintext:
 * request lines are built from RequestLogEntry alone, which carries names, ids, statuses and times only.
 */

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export interface Logger {
  readonly level: LogLevel;
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** Logs a handled request at `info`. */
  /** One line per request; undefined when the level hides request lines. */
  request: ((entry: RequestLogEntry) => void) | undefined;
}

export interface LogSink {
  write(line: string): unknown;
}

/** A logged value is cut after this many characters: a KeyId may be 2048 long, and a bad request longer. */
export const MAX_LOGGED_CHARACTERS = 256;

/** Characters that would break or fake a line (controls, line separators) or blur where a value ends. */
const UNSAFE = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}"\\]/u;

/**
 * A value the client chose (a KeyId, an X-Amz-Target), as one unambiguous token: as it is when it is plain,
 * else quoted with every control character escaped, so that it can never start a line of its own. A long
 * value ends in `…(+N)`, N being the characters left out.
 */
export function logValue(value: string): string {
  const cut =
    value.length > MAX_LOGGED_CHARACTERS
      ? `${value.slice(0, MAX_LOGGED_CHARACTERS)}…(+${value.length - MAX_LOGGED_CHARACTERS})`
      : value;
  if (!UNSAFE.test(cut)) return cut;
  return `"${cut.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}"\\]/gu, escaped)}"`;
}

function escaped(character: string): string {
  if (character === '"' || character === '\\') return `\\${character}`;
  if (character === '\n') return '\\n';
  if (character === '\r') return '\\r';
  if (character === '\t') return '\\t';
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `GenerateDataKey key=1234abcd-... 200 0.42ms`, or with the error type: `... 400 NotFoundException 0.31ms`. */
export function formatRequestLine(entry: RequestLogEntry): string {
  const parts = [entry.operation ? logValue(entry.operation) : '-'];
  if (entry.keyId) parts.push(`key=${logValue(entry.keyId)}`);
  parts.push(String(entry.status));
  if (entry.errorType) parts.push(entry.errorType);
  parts.push(`${entry.ms.toFixed(2)}ms`);
  return parts.join(' ');
}

export function createLogger(level: LogLevel, out: LogSink, err: LogSink = out): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (at: LogLevel, sink: LogSink, message: string) => {
    if (LOG_LEVELS.indexOf(at) > threshold) return;
    sink.write(`${new Date().toISOString()} ${at.toUpperCase().padEnd(5)} ${message}\n`);
  };
  return {
    level,
    error: (message) => emit('error', err, message),
    warn: (message) => emit('warn', err, message),
    info: (message) => emit('info', out, message),
    debug: (message) => emit('debug', out, message),
    // Absent below `info`, so that the server does not even time requests for a log nobody reads.
    request:
      threshold >= LOG_LEVELS.indexOf('info')
        ? (entry) => emit('info', out, formatRequestLine(entry))
        : undefined,
  };
}
