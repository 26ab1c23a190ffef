import http from 'node:http';
import https from 'node:https';
import type { Realm } from './realm.ts';

/** Where a VU is in k6's lifecycle: its init code, setup(), an iteration of the default function, teardown(). */
export type Phase = 'init' | 'setup' | 'iteration' | 'teardown';

export interface CheckResult {
  group: string;
  name: string;
  passes: number;
  fails: number;
}

/** Global options the emulated modules consult (k6's consolidated `options`). */
export interface RuntimeOptions {
  throw: boolean;
  discardResponseBodies: boolean;
  maxRedirects: number;
  userAgent: string;
}

/** State shared by every VU of one test run. */
export class RunState {
  readonly startTime = performance.now();
  readonly startedAt = Date.now();
  /** The one scenario the sandbox runs: k6's default shared-iterations executor. */
  plan = { vus: 1, iterations: 1 };
  readonly checks = new Map<string, CheckResult>();
  readonly errors: string[] = [];
  /** Ways a script or library broke the k6 contract in a way Node would not notice (e.g. catching an abort). */
  readonly violations: string[] = [];
  readonly failures: string[] = [];
  abortReason: string | undefined;
  /** Set once the abort exception reached a place k6 would surface it: nobody swallowed it. */
  abortSurfaced = false;
  iterationsCompleted = 0;
  iterationsInterrupted = 0;
  vusActive = 0;
  vusInitialized = 0;
  runtime: RuntimeOptions = {
    throw: false,
    discardResponseBodies: false,
    maxRedirects: 10,
    userAgent: 'Grafana k6/1.8.1',
  };
  /** The consolidated options as plain JSON (exec.test.options). */
  options: Record<string, unknown> = {};
  /** Abort sentinels thrown by exec.test.abort(), to recognise them wherever they surface. */
  readonly sentinels = new WeakSet<object>();
  private abortWaiters: (() => void)[] = [];

  recordCheck(group: string, name: string, passed: boolean): void {
    const key = JSON.stringify([group, name]);
    let result = this.checks.get(key);
    if (!result) {
      result = { group, name, passes: 0, fails: 0 };
      this.checks.set(key, result);
    }
    if (passed) result.passes++;
    else result.fails++;
  }

  recordAbort(reason: string): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    for (const wake of this.abortWaiters.splice(0)) wake();
  }

  /** Resolves when the test is aborted. */
  whenAborted(): Promise<void> {
    if (this.abortReason !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.abortWaiters.push(resolve));
  }

  isSentinel(value: unknown): boolean {
    return typeof value === 'object' && value !== null && this.sentinels.has(value);
  }
}

/** One VU: its own realm, timers, connection pool and position in the lifecycle. */
export class VuState {
  phase: Phase = 'init';
  /** Iterations this VU has started (exec.vu.iterationInInstance of the current one). */
  iteration = -1;
  /** exec.vu.iterationInScenario / exec.scenario.iterationInTest of the current iteration. */
  iterationInTest = -1;
  /** Set when the VU's runtime was interrupted (exec.test.abort anywhere in the test). */
  interrupted = false;
  /** This VU called exec.test.abort(): code it runs afterwards means the abort was caught. */
  aborter = false;
  readonly groupPath: string[] = [];
  readonly timers = new Map<number, NodeJS.Timeout>();
  readonly httpAgent = new http.Agent({ keepAlive: true });
  readonly httpsAgent = new https.Agent({ keepAlive: true });
  private nextTimerId = 1;
  private pending = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly id: number,
    readonly realm: Realm,
    readonly run: RunState,
  ) {}

  timerId(): number {
    return this.nextTimerId++;
  }

  /** Counts asynchronous work (timers, HTTP requests) that keeps the current iteration alive. */
  begin(): void {
    this.pending++;
  }

  end(): void {
    if (this.interrupted || this.pending === 0) return;
    this.pending--;
    if (this.pending === 0) this.wakeIdle();
  }

  /**
   * Resolves once no async work is pending. A macrotask tick is allowed between the counter reaching zero and
   * the check, so that promise callbacks that start new work are seen first.
   */
  async idle(): Promise<void> {
    for (;;) {
      if (this.pending > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.pending === 0) return;
    }
  }

  /** Stops the runtime like Sobek's Interrupt: timers are dropped and pending work never completes. */
  interrupt(): void {
    this.interrupted = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.pending = 0;
    this.wakeIdle();
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private wakeIdle(): void {
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
