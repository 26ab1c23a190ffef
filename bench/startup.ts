/**
 * How long `kmslab serve` takes to be ready: from spawning the process to its "listening" line, over several
 * runs, for the built CLI (dist/cli/main.js, what `npm run serve` uses after `npm ci`) and for the tsx fallback.
 *
 *   npm run bench:startup -- [--runs 10]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const root = join(import.meta.dirname, '..');

function startOnce(args: string[]): Promise<{ wallMs: number; readyMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...args, 'serve', '--in-memory', '--port', '0'], { cwd: root });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = /ready in (\d+) ms/.exec(stdout);
      if (ready) {
        const wallMs = performance.now() - started;
        child.kill('SIGTERM');
        child.on('exit', () => resolve({ wallMs, readyMs: Number(ready[1]) }));
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!/ready in/.test(stdout)) reject(new Error(`kmslab exited with ${code} before it was ready`));
    });
  });
}

const variants: [string, string[]][] = [
  ['built CLI (dist/cli/main.js)', [join(root, 'dist/cli/main.js')]],
  ['tsx (src/cli/main.ts)', ['--import', 'tsx', join(root, 'src/cli/main.ts')]],
];
if (!existsSync(join(root, 'dist/cli/main.js'))) {
  console.error('dist/cli/main.js is missing: run npm run build first');
  process.exit(1);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
console.log(`kmslab serve --in-memory: spawn → listening, ${runs} runs each\n`);
console.log('| variant | wall median ms | wall max ms | ready (reported) median ms |');
console.log('|---|---:|---:|---:|');
for (const [name, args] of variants) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await startOnce(args));
  const walls = samples.map((s) => s.wallMs);
  console.log(
    `| ${name} | ${median(walls).toFixed(0)} | ${Math.max(...walls).toFixed(0)} | ${median(samples.map((s) => s.readyMs)).toFixed(0)} |`,
  );
}
