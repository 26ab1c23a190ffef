import type { VuState } from './state.ts';

/**
 * exec.test.abort() is an uncatchable Sobek interrupt. V8 has nothing like it, so the sandbox throws a sentinel
 * error, stops the VU, and treats any later call into a k6 API from the aborting VU as proof that someone caught
 * the sentinel and kept going.
 */
export function abortTest(vu: VuState, message: unknown): never {
  const reason = message === undefined ? 'test aborted' : `test aborted: ${String(message)}`;
  vu.run.recordAbort(reason);
  vu.aborter = true;
  vu.interrupt();
  throw sentinel(vu);
}

/** Every emulated k6 API starts with this: an interrupted VU runs no more k6 calls. */
export function guard(vu: VuState, api: string): void {
  if (!vu.interrupted) return;
  if (vu.aborter) violation(vu, `${api} was called after exec.test.abort(): the abort was caught or ignored`);
  throw sentinel(vu);
}

export function violation(vu: VuState, message: string): void {
  if (!vu.run.violations.includes(message)) vu.run.violations.push(message);
}

function sentinel(vu: VuState): Error {
  const error = new vu.realm.Error(vu.run.abortReason ?? 'test aborted');
  Object.defineProperty(error, 'name', { value: 'InterruptError', configurable: true, writable: true });
  vu.run.sentinels.add(error);
  return error;
}
