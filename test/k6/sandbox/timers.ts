import { guard } from './interrupt.ts';
import type { VuState } from './state.ts';

export interface Timers {
  setTimeout: (callback: unknown, delay?: unknown, ...args: unknown[]) => number;
  clearTimeout: (id: unknown) => void;
  setInterval: (callback: unknown, delay?: unknown, ...args: unknown[]) => number;
  clearInterval: (id: unknown) => void;
}

/**
 * k6's timers: numeric ids, and every pending timer keeps the iteration alive. An exception in a callback is
 * an uncaught error of the iteration, reported through `onError`.
 */
export function createTimers(vu: VuState, onError: (error: unknown) => void): Timers {
  const schedule = (repeat: boolean, callback: unknown, delay: unknown, args: unknown[]): number => {
    guard(vu, repeat ? 'setInterval' : 'setTimeout');
    if (typeof callback !== 'function')
      throw new vu.realm.TypeError("setTimeout's callback isn't a function");
    const ms = Math.max(0, Number(delay) || 0);
    const id = vu.timerId();
    const fire = () => {
      if (!repeat) vu.timers.delete(id);
      try {
        callback(...args);
      } catch (error) {
        onError(error);
      } finally {
        if (!repeat) vu.end();
      }
    };
    vu.begin();
    vu.timers.set(id, repeat ? setInterval(fire, ms) : setTimeout(fire, ms));
    return id;
  };
  const clear = (id: unknown) => {
    const timer = vu.timers.get(Number(id));
    if (!timer) return;
    clearTimeout(timer);
    vu.timers.delete(Number(id));
    vu.end();
  };
  return {
    setTimeout: (callback, delay, ...args) => schedule(false, callback, delay, args),
    clearTimeout: clear,
    setInterval: (callback, delay, ...args) => schedule(true, callback, delay, args),
    clearInterval: clear,
  };
}
