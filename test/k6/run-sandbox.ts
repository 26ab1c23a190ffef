import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Summary } from './sandbox/runner.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('./sandbox/cli.ts', import.meta.url));

export interface SandboxRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The --summary-export JSON; undefined if the sandbox died before writing it. */
  summary: Summary | undefined;
}

export interface SandboxOptions {
  /** Extra `k6 run`-style flags: --vus, --iterations, -e KEY=VALUE. */
  args?: string[];
  timeoutMs?: number;
}

/** Runs a script through the sandbox CLI in a child process, as `k6 run` would be run, without system env vars. */
export function runSandbox(script: string, options: SandboxOptions = {}): Promise<SandboxRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'k6-sandbox-summary-'));
  const summaryFile = path.join(dir, 'summary.json');
  const child = spawn(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings=ExperimentalWarning',
      '--import',
      'tsx',
      CLI,
      'run',
      script,
      '--include-system-env-vars=false',
      '--summary-export',
      summaryFile,
      ...(options.args ?? []),
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let summary: Summary | undefined;
      try {
        summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary;
      } catch {
        summary = undefined;
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, stderr, summary });
    });
  });
}

/** A scratch directory of k6 scripts for one test file. */
export class ScriptDir {
  readonly path = mkdtempSync(path.join(tmpdir(), 'k6-sandbox-scripts-'));

  write(name: string, source: string): string {
    const file = path.join(this.path, name);
    writeFileSync(file, source);
    return file;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** passes/fails of one check by name (group-less), failing loudly when the check never ran. */
export function checkCounts(run: SandboxRun, name: string): { passes: number; fails: number } {
  const check = run.summary?.checks.find((c) => c.name === name);
  if (!check) throw new Error(`check "${name}" did not run\nstdout:${run.stdout}\nstderr:${run.stderr}`);
  return { passes: check.passes, fails: check.fails };
}

/** Every check of the run, by name, for one deepEqual against the expected results. */
export function failedChecks(run: SandboxRun): string[] {
  return (run.summary?.checks ?? []).filter((c) => c.fails > 0).map((c) => c.name);
}
