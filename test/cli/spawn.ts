import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KMSClient } from '@aws-sdk/client-kms';
import { DEFAULT_CREDENTIALS } from '../../src/server/defaults.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/kmslab.js', import.meta.url));

const temporaryDirs: string[] = [];
after(() => {
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

/** A path for a data dir that does not exist yet, in a temporary directory removed after the tests. */
export function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kmslab-cli-'));
  temporaryDirs.push(dir);
  return join(dir, 'data');
}

/** The environment without any KMSLAB_ or AWS_ setting of the machine, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('KMSLAB_') && !name.startsWith('AWS_')) env[name] = value;
  }
  return { ...env, ...extra };
}

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `kmslab <args>` to completion (for commands that end by themselves). */
export async function run(
  args: string[],
  env: Record<string, string> = {},
  command: string[] = [process.execPath, BIN],
): Promise<Exited> {
  const [file = process.execPath, ...prefix] = command;
  const child = spawn(file, [...prefix, ...args], { cwd: REPO, env: cleanEnv(env) });
  const out = collect(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, ...out() };
}

function collect(child: ChildProcess): () => { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return () => ({ stdout, stderr });
}

export interface ServeProcess {
  endpoint: string;
  child: ChildProcess;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** An AWS SDK client for this server with the default credentials and no retries. */
  sdk(): KMSClient;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exited>;
}

/**
 * Starts `kmslab serve --port 0 <args>` through the bin launcher and waits for the banner's endpoint. The
 * process is killed if the test forgets to stop it.
 */
export async function serve(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const started = await launch(args, env);
  if ('endpoint' in started) return started;
  throw new Error(`kmslab serve exited with ${started.code} before listening:\n${JSON.stringify(started)}`);
}

/** Starts `kmslab serve --port 0 <args>`: the running server once it listens, or how it exited before. */
export async function launch(
  args: string[],
  env: Record<string, string> = {},
): Promise<ServeProcess | Exited> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    cwd: REPO,
    env: cleanEnv(env),
  });
  const output = collect(child);
  const exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  // Generous: many starts at once on a busy machine (the data-dir lock test) take a while.
  const endpoint = await new Promise<string | undefined>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no banner in 60 s:\n${JSON.stringify(output())}`)),
      60_000,
    );
    const check = () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(output().stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    exit.then(() => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  if (endpoint === undefined) {
    clearTimeout(guard);
    const [code, signal] = await exit;
    return { code, signal, ...output() };
  }
  const clients: KMSClient[] = [];
  return {
    endpoint,
    child,
    output,
    sdk() {
      const client = new KMSClient({
        endpoint,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: {
          accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
          secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
        },
      });
      clients.push(client);
      return client;
    },
    async stop(signal = 'SIGTERM') {
      for (const client of clients) client.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code, exitSignal] = await exit;
      clearTimeout(guard);
      return { code, signal: exitSignal, ...output() };
    },
  };
}
