import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { createConsole } from './console.ts';
import { ModuleLoader } from './loader.ts';
import { createCryptoModule } from './modules/crypto.ts';
import { createEncodingModule } from './modules/encoding.ts';
import { createExecutionModule } from './modules/execution.ts';
import { createHttpModule } from './modules/http.ts';
import { createK6Module } from './modules/k6.ts';
import { createWebCrypto } from './modules/webcrypto.ts';
import { arrayBuffer, createRealm, goError, newObject } from './realm.ts';
import { type RunState, VuState } from './state.ts';
import { createTimers } from './timers.ts';

const STRIP = readFileSync(fileURLToPath(new URL('./strip.js', import.meta.url)), 'utf8');

export interface VuSetup {
  script: string;
  env: Record<string, string>;
}

export interface Vu {
  state: VuState;
  exports: Record<string, unknown>;
}

/** Describes an exception from script code the way a k6 log line would. */
export function describeError(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'stack' in error && typeof error.stack === 'string')
    return error.stack;
  if (typeof error === 'object' && error !== null && 'message' in error)
    return `${String((error as { name?: unknown }).name ?? 'Error')}: ${String(error.message)}`;
  return String(error);
}

/**
 * Reports an exception that escaped to the event loop (a timer callback, an unhandled rejection): an abort
 * sentinel there has reached k6's top level, anything else is an uncaught error of the iteration.
 */
export function reportAsyncError(run: RunState, vu: VuState | undefined, error: unknown): void {
  if (run.isSentinel(error)) {
    run.abortSurfaced = true;
    return;
  }
  const where = vu ? `vu=${vu.id}${vu.phase === 'iteration' ? ` iter=${vu.iteration}` : ''}` : 'vu=?';
  const message = `Uncaught (in promise) ${describeError(error)}`;
  run.errors.push(message);
  process.stderr.write(`error[${where}] ${message}\n`);
}

/** Creates a VU and runs its init code (the entry module and everything it imports). */
export async function initVu(id: number, run: RunState, setup: VuSetup): Promise<Vu> {
  const realm = createRealm(`k6 VU ${id}`);
  const state = new VuState(id, realm, run);
  vm.runInContext(STRIP, realm.context, { filename: 'k6-sandbox:strip.js' });
  const global = realm.global;
  const timers = createTimers(state, (error) => reportAsyncError(run, state, error));
  const env = newObject(realm);
  for (const [key, value] of Object.entries(setup.env)) env[key] = String(value);
  const scriptDir = path.dirname(setup.script);
  const define = (name: string, value: unknown) =>
    Object.defineProperty(global, name, { value, writable: true, configurable: true, enumerable: false });
  define(
    'console',
    createConsole(state, (line) => process.stderr.write(`${line}\n`)),
  );
  for (const [name, fn] of Object.entries(timers)) define(name, fn);
  define('__ENV', env);
  define('__VU', id);
  define('crypto', createWebCrypto(realm));
  Object.defineProperty(global, 'global', { get: () => global, configurable: true, enumerable: false });
  define('open', (file: unknown, mode?: unknown) => {
    if (state.phase !== 'init') throw goError(realm, "open() can't be used outside of the init context");
    const resolved = path.resolve(scriptDir, String(file));
    let bytes: Buffer;
    try {
      bytes = readFileSync(resolved);
    } catch {
      throw goError(realm, `open ${resolved}: no such file or directory`);
    }
    return mode === 'b' ? arrayBuffer(realm, new Uint8Array(bytes)) : bytes.toString('utf8');
  });

  const modules: Record<string, (vu: VuState) => Record<string, unknown>> = {
    k6: createK6Module,
    'k6/http': createHttpModule,
    'k6/crypto': createCryptoModule,
    'k6/encoding': createEncodingModule,
    'k6/execution': createExecutionModule,
    'k6/timers': () => ({ ...timers, default: newObject(realm, { ...timers }) }),
  };
  const instances = new Map<string, Record<string, unknown>>();
  const loader = new ModuleLoader(realm, (name) => {
    const create = modules[name];
    if (!create) return undefined;
    if (!instances.has(name)) instances.set(name, create(state));
    return instances.get(name);
  });
  const exports = await loader.run(setup.script);
  run.vusInitialized++;
  return { state, exports };
}
