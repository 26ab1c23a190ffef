import { violation } from './interrupt.ts';
import { type CheckResult, type Phase, RunState } from './state.ts';
import { describeError, initVu, reportAsyncError, type Vu } from './vu.ts';

/** k6's exit codes (errext/exitcodes), plus one of the sandbox's own. */
export const EXIT = {
  ok: 0,
  /** Not k6: script or library code caught or outlived exec.test.abort(), which k6 makes impossible. */
  abortSwallowed: 90,
  thresholdsFailed: 99,
  invalidConfig: 104,
  scriptException: 107,
  aborted: 108,
  markedFailed: 110,
} as const;

export interface RunOptions {
  script: string;
  env: Record<string, string>;
  vus?: number;
  iterations?: number;
  /** Stop starting iterations after this long, like the executor's maxDuration (10 minutes by default). */
  maxDurationMs?: number;
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
}

export interface Summary {
  exitCode: number;
  vus: number;
  iterations: { planned: number; completed: number; interrupted: number };
  checks: CheckResult[];
  thresholds: ThresholdResult[];
  aborted: string | null;
  failures: string[];
  errors: string[];
  violations: string[];
  durationMs: number;
}

type Outcome = { kind: 'ok'; value: unknown } | { kind: 'error'; error: unknown } | { kind: 'aborted' };

const UNSUPPORTED_OPTIONS = ['scenarios', 'stages', 'duration'];
const THRESHOLD = /^\s*rate\s*(<=|>=|==|!=|<|>)\s*([0-9.]+)\s*$/;

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a script the way `k6 run` does: init per VU, setup, shared iterations of default, teardown. */
export async function runTest(options: RunOptions): Promise<Summary> {
  const run = new RunState();
  const onUnhandled = (reason: unknown) => reportAsyncError(run, undefined, reason);
  process.on('unhandledRejection', onUnhandled);
  const vus: Vu[] = [];
  try {
    const exitCode = await lifecycle(run, options, vus);
    return summarize(run, exitCode);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    for (const vu of vus) vu.state.close();
  }
}

async function lifecycle(run: RunState, options: RunOptions, vus: Vu[]): Promise<number> {
  const setup = { script: options.script, env: options.env };
  const init = async (id: number): Promise<Vu | number> => {
    const abortedBefore = run.abortReason !== undefined;
    try {
      const vu = await initVu(id, run, setup);
      vus.push(vu);
      if (run.abortReason === undefined || abortedBefore) return vu;
      if (!run.abortSurfaced)
        run.violations.push('exec.test.abort() was caught: init code completed after the abort');
      return EXIT.aborted;
    } catch (error) {
      if (run.isSentinel(error) && !abortedBefore) {
        run.abortSurfaced = true;
        return EXIT.aborted;
      }
      run.errors.push(describeError(error));
      process.stderr.write(`error[vu=${id}] ${describeError(error)}\n`);
      if (run.abortReason === undefined || abortedBefore) return EXIT.scriptException;
      run.violations.push(`exec.test.abort() was caught: init code failed with a different error`);
      return EXIT.aborted;
    }
  };

  // VU 0 parses the options.
  const first = await init(0);
  if (typeof first === 'number') return first;
  const configError = configure(run, first, options);
  if (configError !== undefined) {
    run.errors.push(configError);
    process.stderr.write(`error ${configError}\n`);
    return EXIT.invalidConfig;
  }
  const defaultFn = first.exports.default;
  if (typeof defaultFn !== 'function') {
    run.errors.push('function "default" not found in exports');
    return EXIT.scriptException;
  }

  const workers: Vu[] = [];
  for (let id = 1; id <= run.plan.vus; id++) {
    const vu = await init(id);
    if (typeof vu === 'number') return vu;
    workers.push(vu);
  }

  let data: string | undefined;
  if (typeof first.exports.setup === 'function') {
    const vu = await init(0);
    if (typeof vu === 'number') return vu;
    const outcome = await invoke(run, vu, 'setup', vu.exports.setup, []);
    if (outcome.kind === 'aborted') return EXIT.aborted;
    if (outcome.kind === 'error') return scriptError(run, vu, outcome.error);
    data = vu.state.realm.JSON.stringify(outcome.value);
  }

  let next = 0;
  const deadline = wait(options.maxDurationMs ?? 600_000).then(() => 'timeout' as const);
  const loop = async (vu: Vu) => {
    const { state } = vu;
    const args = data === undefined ? [] : [state.realm.JSON.parse(data)];
    run.vusActive++;
    while (run.abortReason === undefined) {
      const n = next++;
      if (n >= run.plan.iterations) break;
      state.iteration++;
      state.iterationInTest = n;
      state.groupPath.length = 0;
      state.realm.global.__ITER = state.iteration;
      const outcome = await invoke(run, vu, 'iteration', vu.exports.default, args);
      if (outcome.kind === 'ok') run.iterationsCompleted++;
      else run.iterationsInterrupted++;
      if (outcome.kind === 'error') reportIterationError(run, vu, outcome.error);
      if (outcome.kind === 'aborted') break;
    }
    run.vusActive--;
  };
  const finished = await Promise.race([Promise.all(workers.map(loop)), deadline]);
  if (finished === 'timeout') {
    for (const vu of workers) vu.state.interrupt();
    process.stderr.write(
      'warning the maximum duration was reached: unfinished iterations were interrupted\n',
    );
  }

  if (typeof first.exports.teardown === 'function') {
    const vu = await init(0);
    if (typeof vu === 'number') return vu;
    const args = data === undefined ? [] : [vu.state.realm.JSON.parse(data)];
    const outcome = await invoke(run, vu, 'teardown', vu.exports.teardown, args);
    if (outcome.kind === 'error') return scriptError(run, vu, outcome.error);
  }
  return EXIT.ok;
}

/** Reads the exported options into the run; returns a message for what the sandbox can't run. */
function configure(run: RunState, vu: Vu, options: RunOptions): string | undefined {
  const exported = vu.exports.options;
  const parsed = (
    exported === undefined ? {} : JSON.parse(vu.state.realm.JSON.stringify(exported))
  ) as Record<string, unknown>;
  for (const name of UNSUPPORTED_OPTIONS)
    if (parsed[name] !== undefined)
      return `options.${name}: the k6 sandbox only runs the default shared-iterations scenario (vus, iterations)`;
  const thresholds = (parsed.thresholds ?? {}) as Record<string, unknown>;
  for (const [metric, expressions] of Object.entries(thresholds)) {
    if (metric !== 'checks')
      return `options.thresholds.${metric}: the k6 sandbox only evaluates thresholds on checks`;
    for (const expression of Array.isArray(expressions) ? expressions : [expressions])
      if (typeof expression !== 'string' || !THRESHOLD.test(expression))
        return `options.thresholds.checks: unsupported expression ${JSON.stringify(expression)}`;
  }
  const vus = options.vus ?? Number(parsed.vus ?? 1);
  const iterations = options.iterations ?? Number(parsed.iterations ?? 1);
  if (!Number.isInteger(vus) || vus < 1) return `invalid number of VUs: ${vus}`;
  if (!Number.isInteger(iterations) || iterations < 1) return `invalid number of iterations: ${iterations}`;
  run.plan = { vus, iterations };
  run.options = { ...parsed, vus, iterations };
  run.runtime = {
    throw: parsed.throw === true,
    discardResponseBodies: parsed.discardResponseBodies === true,
    maxRedirects: typeof parsed.maxRedirects === 'number' ? parsed.maxRedirects : 10,
    userAgent: typeof parsed.userAgent === 'string' ? parsed.userAgent : run.runtime.userAgent,
  };
  return undefined;
}

/**
 * Calls one lifecycle function and waits until it and all the async work it started are done, or until the
 * test is aborted. On abort, the aborting VU's call must end with the abort exception; anything else means
 * the exception was caught, which k6 would not have allowed.
 */
async function invoke(run: RunState, vu: Vu, phase: Phase, fn: unknown, args: unknown[]): Promise<Outcome> {
  const { state } = vu;
  state.phase = phase;
  const call = (async () => {
    const value = await (fn as (...a: unknown[]) => unknown)(...args);
    await state.idle();
    return value;
  })();
  const settled: Promise<Outcome> = call.then(
    (value) => ({ kind: 'ok', value }),
    (error: unknown) => ({ kind: 'error', error }),
  );
  // teardown() still runs after an abort in the default function; only a new abort interrupts it.
  if (run.abortReason !== undefined) {
    const outcome = await settled;
    return outcome.kind === 'error' && run.isSentinel(outcome.error) ? { kind: 'aborted' } : outcome;
  }
  const outcome = await Promise.race([settled, run.whenAborted().then(() => ({ kind: 'aborted' }) as const)]);
  if (outcome.kind !== 'aborted' && run.abortReason === undefined) return outcome;
  if (state.aborter) await checkAbortSurfaced(run, vu, phase, settled);
  return { kind: 'aborted' };
}

async function checkAbortSurfaced(
  run: RunState,
  vu: Vu,
  phase: Phase,
  settled: Promise<Outcome>,
): Promise<void> {
  let result: Outcome | undefined;
  void settled.then((outcome) => {
    result = outcome;
  });
  for (let waited = 0; waited < 1000 && result === undefined && !run.abortSurfaced; waited += 10)
    await wait(10);
  if (result?.kind === 'error' && run.isSentinel(result.error)) {
    run.abortSurfaced = true;
    return;
  }
  if (run.abortSurfaced) return;
  const what = phase === 'iteration' ? 'the default function' : `${phase}()`;
  if (result?.kind === 'ok')
    violation(vu.state, `exec.test.abort() was caught: ${what} returned normally after the abort`);
  else if (result?.kind === 'error')
    violation(
      vu.state,
      `exec.test.abort() was caught: ${what} failed with a different error: ${describeError(result.error)}`,
    );
  else violation(vu.state, `exec.test.abort() was caught: its exception never reached k6 (swallowed?)`);
}

function reportIterationError(run: RunState, vu: Vu, error: unknown): void {
  const message = describeError(error);
  run.errors.push(message);
  process.stderr.write(`error[vu=${vu.state.id} iter=${vu.state.iteration}] ${message}\n`);
}

function scriptError(run: RunState, vu: Vu, error: unknown): number {
  const message = `${vu.state.phase}: ${describeError(error)}`;
  run.errors.push(message);
  process.stderr.write(`error[vu=${vu.state.id}] ${message}\n`);
  return EXIT.scriptException;
}

function evaluateThresholds(run: RunState): ThresholdResult[] {
  const thresholds = (run.options.thresholds ?? {}) as Record<string, unknown>;
  const checks = [...run.checks.values()];
  const passes = checks.reduce((sum, c) => sum + c.passes, 0);
  const total = checks.reduce((sum, c) => sum + c.passes + c.fails, 0);
  const rate = total === 0 ? 0 : passes / total;
  const results: ThresholdResult[] = [];
  for (const [metric, expressions] of Object.entries(thresholds)) {
    for (const expression of (Array.isArray(expressions) ? expressions : [expressions]) as string[]) {
      const [, operator, operand] = THRESHOLD.exec(expression) as RegExpExecArray;
      const value = Number(operand);
      const ok = {
        '<': rate < value,
        '<=': rate <= value,
        '>': rate > value,
        '>=': rate >= value,
        '==': rate === value,
        '!=': rate !== value,
      }[operator as '<'];
      results.push({ metric, expression, ok });
    }
  }
  return results;
}

function summarize(run: RunState, lifecycleExit: number): Summary {
  const thresholds = lifecycleExit === EXIT.ok ? evaluateThresholds(run) : [];
  if (run.abortReason !== undefined && !run.abortSurfaced && run.violations.length === 0)
    run.violations.push('exec.test.abort() was caught: its exception never reached k6 (swallowed?)');
  let exitCode: number = lifecycleExit;
  if (run.violations.length > 0) exitCode = EXIT.abortSwallowed;
  else if (run.abortReason !== undefined) exitCode = EXIT.aborted;
  else if (exitCode === EXIT.ok && thresholds.some((t) => !t.ok)) exitCode = EXIT.thresholdsFailed;
  else if (exitCode === EXIT.ok && run.failures.length > 0) exitCode = EXIT.markedFailed;
  return {
    exitCode,
    vus: run.plan.vus,
    iterations: {
      planned: run.plan.iterations,
      completed: run.iterationsCompleted,
      interrupted: run.iterationsInterrupted,
    },
    checks: [...run.checks.values()],
    thresholds,
    aborted: run.abortReason ?? null,
    failures: run.failures,
    errors: run.errors,
    violations: run.violations,
    durationMs: Math.round(performance.now() - run.startTime),
  };
}
