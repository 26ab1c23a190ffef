import { types } from 'node:util';
import { newObject } from './realm.ts';
import type { VuState } from './state.ts';

const LEVELS = { log: 'info', info: 'info', debug: 'debug', warn: 'warning', error: 'error' } as const;

/** k6's console: log/info/debug/warn/error only (console.log is level info), written to stderr. */
export function createConsole(vu: VuState, write: (line: string) => void): Record<string, unknown> {
  const console = newObject(vu.realm);
  for (const [method, level] of Object.entries(LEVELS)) {
    console[method] = (...args: unknown[]) => {
      const iteration = vu.phase === 'iteration' ? ` iter=${vu.iteration}` : '';
      write(`${level}[vu=${vu.id}${iteration}] ${args.map(format).join(' ')} source=console`);
    };
  }
  return console;
}

function format(value: unknown): string {
  if (typeof value === 'string') return value;
  if (types.isNativeError(value) || (typeof value === 'object' && value !== null && 'stack' in value))
    return String(value);
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}
