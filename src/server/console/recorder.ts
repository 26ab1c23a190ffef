import type { RequestLogEntry } from '../context.ts';

/**
 * What the console's live view shows: every API request of an account (the request log's entries, kept as they
 * are: names, IDs, statuses and times, never an input value besides the key reference) and per-second traffic
 * statistics per operation. It is on the data plane, so recording is a few stores into preallocated memory:
 * no serializing, sorting or timer while no stream is connected, and stats are counted in a fixed latency
 * histogram rather than kept and sorted.
 */

/** How many recent requests an account keeps for a stream's backlog. */
export const RECENT_REQUESTS = 500;
/** How many seconds of statistics an account keeps for a stream's backlog. */
export const STATS_SECONDS = 300;

/** Latency in a histogram of 8 buckets per doubling from 1 µs: a percentile within ±5% of the real one. */
const BUCKETS_PER_DOUBLING = 8;
/** Up to 2^26 µs (67 s); slower requests count in the last bucket. */
const BUCKETS = 26 * BUCKETS_PER_DOUBLING;

export interface OperationStats {
  count: number;
  errors: number;
  /** Latency percentiles in ms. */
  p50: number;
  p99: number;
}

/** One elapsed second of an account's traffic (`second`: epoch seconds); no traffic gives `{}`. */
export interface SecondStats {
  second: number;
  operations: Record<string, OperationStats>;
}

/** A recorded request: a request log entry whose caller is known. */
export type RecordedRequest = RequestLogEntry & { caller: NonNullable<RequestLogEntry['caller']> };

/** A connected stream: the recorder hands it what its account records, as it happens. */
export interface Subscriber {
  request(entry: RecordedRequest): void;
  stats(second: SecondStats): void;
}

/** What a stream gets first: the account's kept seconds and recent requests, oldest first. */
export interface Backlog {
  seconds: SecondStats[];
  requests: RecordedRequest[];
}

function bucketOf(ms: number): number {
  const micros = ms * 1000;
  if (!(micros > 1)) return 0;
  const bucket = Math.ceil(Math.log2(micros) * BUCKETS_PER_DOUBLING);
  return bucket < BUCKETS ? bucket : BUCKETS - 1;
}

/** A bucket's latency in ms: the geometric middle of its bounds, to 3 significant digits. */
function bucketMs(bucket: number): number {
  return Number((2 ** ((bucket - 0.5) / BUCKETS_PER_DOUBLING) / 1000).toPrecision(3));
}

class OperationCounter {
  count = 0;
  errors = 0;
  readonly histogram = new Uint32Array(BUCKETS);

  add(entry: RequestLogEntry): void {
    this.count++;
    if (entry.errorType !== undefined) this.errors++;
    (this.histogram[bucketOf(entry.ms)] as number)++;
  }

  /** The latency below which `fraction` of the requests fall. */
  percentile(fraction: number): number {
    const rank = Math.ceil(this.count * fraction);
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.histogram[bucket] as number;
      if (seen >= rank) return bucketMs(bucket);
    }
    return bucketMs(BUCKETS - 1);
  }

  summary(): OperationStats {
    return { count: this.count, errors: this.errors, p50: this.percentile(0.5), p99: this.percentile(0.99) };
  }
}

/** One account's traffic: a ring of recent requests, the kept seconds, and the counters of the current one. */
class AccountTraffic {
  readonly recent: RecordedRequest[] = [];
  /** Where the next request goes in `recent` once it is full. */
  next = 0;
  readonly seconds: SecondStats[] = [];
  /** The second being counted (epoch seconds). */
  current: number;
  counters = new Map<string, OperationCounter>();
  readonly subscribers = new Set<Subscriber>();

  constructor(second: number) {
    this.current = second;
  }

  add(entry: RecordedRequest, second: number): void {
    if (second !== this.current) this.advance(second);
    if (this.recent.length < RECENT_REQUESTS) this.recent.push(entry);
    else {
      this.recent[this.next] = entry;
      this.next = (this.next + 1) % RECENT_REQUESTS;
    }
    let counter = this.counters.get(entry.operation);
    if (!counter) {
      counter = new OperationCounter();
      this.counters.set(entry.operation, counter);
    }
    counter.add(entry);
    for (const subscriber of this.subscribers) subscriber.request(entry);
  }

  /** Closes every second before `second`, empty ones included (at most the kept ones), and tells subscribers. */
  advance(second: number): void {
    if (second <= this.current) return;
    // The current second's counts are out of the window when more than STATS_SECONDS have passed since.
    const first = Math.max(this.current, second - STATS_SECONDS);
    for (let closing = first; closing < second; closing++) {
      const operations: Record<string, OperationStats> = {};
      if (closing === this.current)
        for (const [operation, counter] of this.counters) operations[operation] = counter.summary();
      const closed = { second: closing, operations };
      this.seconds.push(closed);
      for (const subscriber of this.subscribers) subscriber.stats(closed);
    }
    if (this.seconds.length > STATS_SECONDS) this.seconds.splice(0, this.seconds.length - STATS_SECONDS);
    this.counters = new Map();
    this.current = second;
  }

  backlog(): Backlog {
    return {
      seconds: [...this.seconds],
      requests: [...this.recent.slice(this.next), ...this.recent.slice(0, this.next)],
    };
  }
}

/**
 * Records the API requests of every account and hands them to the streams connected for that account. While a
 * stream is connected, a timer closes each second on time even when no request comes.
 */
export class RequestRecorder {
  readonly #accounts = new Map<string, AccountTraffic>();
  readonly #now: () => number;
  #ticking: NodeJS.Timeout | undefined;
  #subscribers = 0;

  /** `now`: the time in epoch ms (the tests' server clock may be moved; this one is the real clock). */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Takes a request log entry; a request refused before its caller was known belongs to no account. */
  record(entry: RequestLogEntry): void {
    const caller = entry.caller;
    if (caller === undefined) return;
    const second = Math.floor(entry.time / 1000);
    this.#account(caller.accountId, second).add(entry as RecordedRequest, second);
  }

  /** Connects a stream to an account's traffic: returns the backlog and a function that disconnects it. */
  subscribe(accountId: string, subscriber: Subscriber): { backlog: Backlog; unsubscribe: () => void } {
    const second = Math.floor(this.#now() / 1000);
    const account = this.#account(accountId, second);
    account.advance(second);
    const backlog = account.backlog();
    account.subscribers.add(subscriber);
    if (this.#subscribers++ === 0) this.#tick();
    let subscribed = true;
    return {
      backlog,
      unsubscribe: () => {
        if (!subscribed) return;
        subscribed = false;
        account.subscribers.delete(subscriber);
        if (--this.#subscribers === 0) this.#stopTicking();
      },
    };
  }

  /** Stops the timer; streams still connected end with their connections. */
  close(): void {
    this.#stopTicking();
  }

  #account(accountId: string, second: number): AccountTraffic {
    let account = this.#accounts.get(accountId);
    if (!account) {
      account = new AccountTraffic(second);
      this.#accounts.set(accountId, account);
    }
    return account;
  }

  /** Just after each second ends, closes it in every account that has a stream. */
  #tick(): void {
    const now = this.#now();
    this.#ticking = setTimeout(
      () => {
        const second = Math.floor(this.#now() / 1000);
        for (const account of this.#accounts.values())
          if (account.subscribers.size > 0) account.advance(second);
        this.#tick();
      },
      1000 - (now % 1000) + 5,
    );
    this.#ticking.unref();
  }

  #stopTicking(): void {
    clearTimeout(this.#ticking);
    this.#ticking = undefined;
  }
}
