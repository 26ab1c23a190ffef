import type { OperationStats, RequestEvent, StreamEvent } from './stream.ts';

/** Request events kept for the log table: the newest, so that memory stays flat under any load. */
export const MAX_REQUESTS = 1000;
/** The charts' window, in seconds: what the server's backlog holds. */
export const WINDOW_SECONDS = 300;

/**
 * What the stream has said: the newest requests, every second's stats of the last five minutes, and how many
 * request events the server left out. Each (re)connection replays a backlog, which is merged, not repeated.
 */
export class LiveLog {
  requests: RequestEvent[] = [];
  readonly #requestIds = new Set<string>();
  readonly stats = new Map<number, Record<string, OperationStats>>();
  latestSecond = 0;
  dropped = 0;
  version = 0;

  add(events: StreamEvent[]): void {
    for (const event of events) {
      if (event.type === 'request') {
        if (this.#requestIds.has(event.requestId)) continue;
        this.#requestIds.add(event.requestId);
        this.requests.push(event);
      } else if (event.type === 'stats') {
        this.stats.set(event.second, event.operations);
        this.latestSecond = Math.max(this.latestSecond, event.second);
      } else if (event.type === 'dropped') {
        this.dropped += event.count;
      }
    }
    if (this.requests.length > MAX_REQUESTS) {
      for (const old of this.requests.splice(0, this.requests.length - MAX_REQUESTS)) {
        this.#requestIds.delete(old.requestId);
      }
    }
    for (const second of this.stats.keys()) {
      if (second <= this.latestSecond - WINDOW_SECONDS) this.stats.delete(second);
    }
    this.version++;
  }

  /** The operations of the window, busiest first. */
  operations(): { operation: string; count: number }[] {
    const counts = new Map<string, number>();
    for (const operations of this.stats.values()) {
      for (const [operation, { count }] of Object.entries(operations)) {
        counts.set(operation, (counts.get(operation) ?? 0) + count);
      }
    }
    return [...counts].map(([operation, count]) => ({ operation, count })).sort((a, b) => b.count - a.count);
  }
}
