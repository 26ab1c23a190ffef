import { types } from 'node:util';
import { guard } from '../interrupt.ts';
import { goError } from '../realm.ts';
import type { VuState } from '../state.ts';

/** The `k6` module: check, group, sleep, fail (internal/js/modules/k6/k6.go). */
export function createK6Module(vu: VuState): Record<string, unknown> {
  const { realm } = vu;
  const inInit = (what: string) => {
    if (vu.phase === 'init') throw goError(realm, `using ${what} in the init context is not supported`);
  };
  const check = (value: unknown, sets: unknown, _tags?: unknown): boolean => {
    guard(vu, 'check()');
    inInit('check()');
    let all = true;
    if (typeof sets !== 'object' || sets === null) return true;
    for (const [name, condition] of Object.entries(sets)) {
      if (types.isAsyncFunction(condition))
        throw goError(realm, `check() does not support async functions: "${name}"`);
      const passed = Boolean(typeof condition === 'function' ? condition(value) : condition);
      vu.run.recordCheck(vu.groupPath.join(' › '), name, passed);
      all &&= passed;
    }
    return all;
  };
  const group = (name: unknown, fn: unknown): unknown => {
    guard(vu, 'group()');
    inInit('group()');
    if (typeof fn !== 'function') throw goError(realm, 'group() requires a callback as a second argument');
    if (types.isAsyncFunction(fn)) throw goError(realm, 'group() does not support async functions');
    vu.groupPath.push(String(name));
    try {
      return fn();
    } finally {
      vu.groupPath.pop();
    }
  };
  const sleep = (seconds: unknown): void => {
    guard(vu, 'sleep()');
    const ms = Number(seconds) * 1000;
    // k6's sleep blocks the VU with its event loop. All VUs share this process, so it blocks them all.
    if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  };
  const fail = (message?: unknown): never => {
    guard(vu, 'fail()');
    throw goError(realm, message === undefined ? '' : String(message));
  };
  const exports = { check, group, sleep, fail };
  return { ...exports, default: Object.assign(realm.Object.create(realm.Object.prototype), exports) };
}
