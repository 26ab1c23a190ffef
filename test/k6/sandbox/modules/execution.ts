import { abortTest, guard } from '../interrupt.ts';
import { goError, newObject, toRealm } from '../realm.ts';
import type { VuState } from '../state.ts';

/** `k6/execution`: a default export whose properties are computed when read (k6-runtime.md §5). */
export function createExecutionModule(vu: VuState): Record<string, unknown> {
  const { realm, run } = vu;
  const notIn = (phases: string[], message: string) => {
    if (phases.includes(vu.phase)) throw goError(realm, message);
  };
  const test = newObject(realm, {
    abort: (message?: unknown) => {
      guard(vu, 'exec.test.abort()');
      abortTest(vu, message);
    },
    fail: (message?: unknown) => {
      guard(vu, 'exec.test.fail()');
      notIn(['init'], 'exec.test.fail() can only be called from the VU context');
      const text =
        message === undefined ? 'test marked as failed' : `test marked as failed: ${String(message)}`;
      run.failures.push(text);
      process.stderr.write(`error[vu=${vu.id}] ${text}\n`);
    },
  });
  Object.defineProperty(test, 'options', {
    enumerable: true,
    get: () => {
      notIn(['init'], 'getting test options in the init context is not supported');
      return realm.Object.freeze(toRealm(realm, run.options));
    },
  });
  const tags = newObject(realm);
  const metadata = newObject(realm);
  const execution = newObject(realm);
  Object.defineProperties(execution, {
    test: { enumerable: true, get: () => test },
    vu: {
      enumerable: true,
      get: () => {
        notIn(['init'], 'getting VU information in the init context is not supported');
        return newObject(realm, {
          idInInstance: vu.id,
          idInTest: vu.id,
          iterationInInstance: Math.max(vu.iteration, 0),
          iterationInScenario: Math.max(vu.iteration, 0),
          tags,
          metrics: newObject(realm, { tags, metadata }),
        });
      },
    },
    scenario: {
      enumerable: true,
      get: () => {
        notIn(
          ['init', 'setup', 'teardown'],
          'getting scenario information outside of the VU context is not supported',
        );
        return newObject(realm, {
          name: 'default',
          executor: 'shared-iterations',
          startTime: run.startedAt,
          progress: Math.min(1, run.iterationsCompleted / run.plan.iterations),
          iterationInInstance: vu.iterationInTest,
          iterationInTest: vu.iterationInTest,
        });
      },
    },
    instance: {
      enumerable: true,
      get: () => {
        notIn(['init'], 'getting instance information in the init context is not supported');
        return newObject(realm, {
          currentTestRunDuration: performance.now() - run.startTime,
          iterationsCompleted: run.iterationsCompleted,
          iterationsInterrupted: run.iterationsInterrupted,
          vusActive: run.vusActive,
          vusInitialized: run.vusInitialized,
        });
      },
    },
  });
  return { default: execution };
}
