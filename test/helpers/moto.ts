import { type ChildProcess, spawn } from 'node:child_process';

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  "moto_server is not on PATH. Install moto's server (Python 3): pip install 'moto[server]', then check that `moto_server --help` runs.";

/**
 * Starts `moto_server` on a free loopback port (port 0: moto prints the port it got) and resolves once it
 * answers. Moto does not check signatures, so any credentials work.
 */
export async function startMoto(): Promise<Moto> {
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`moto_server did not start within 20 s; its output:\n${output}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new Error(INSTALL_HINT) : error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moto_server exited with code ${code} before it listened; its output:\n${output}`));
    });
  });
  // Keep draining its log so that a full pipe never blocks it.
  child.stdout?.resume();
  child.stderr?.resume();
  await waitUntilAnswering(endpoint);
  return { endpoint, stop: () => stop(child) };
}

async function waitUntilAnswering(endpoint: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await (await fetch(`${endpoint}/moto-api/`)).arrayBuffer();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`moto_server at ${endpoint} never answered: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}
