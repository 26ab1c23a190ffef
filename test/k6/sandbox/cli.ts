// The k6 sandbox's command line, modelled on `k6 run`:
//   node --experimental-vm-modules --import tsx test/k6/sandbox/cli.ts run script.js \
//     [--vus N] [--iterations N] [-e KEY=VALUE]... [--include-system-env-vars=false] [--summary-export file]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT, runTest, type Summary } from './runner.ts';

const USAGE =
  'usage: cli.ts run <script.js> [--vus N] [--iterations N] [-e KEY=VALUE]... ' +
  '[--include-system-env-vars=false] [--summary-export file] [--max-duration ms]';

interface Arguments {
  script: string;
  env: Record<string, string>;
  vus?: number;
  iterations?: number;
  summaryExport?: string;
  maxDurationMs?: number;
}

function parse(argv: string[]): Arguments {
  const [command, script, ...rest] = argv;
  if (command !== 'run' || script === undefined) throw new Error(USAGE);
  let includeSystemEnv = true;
  const cliEnv: Record<string, string> = {};
  const parsed: Omit<Arguments, 'env' | 'script'> = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = () => {
      const v = inline ?? rest[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    const count = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer`);
      return n;
    };
    if (flag === '--vus' || flag === '-u') parsed.vus = count();
    else if (flag === '--iterations' || flag === '-i') parsed.iterations = count();
    else if (flag === '--summary-export') parsed.summaryExport = value();
    else if (flag === '--max-duration') parsed.maxDurationMs = count();
    else if (flag === '--include-system-env-vars') includeSystemEnv = (inline ?? 'true') !== 'false';
    else if (flag === '-e' || flag === '--env') {
      const pair = value();
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`-e expects KEY=VALUE, got ${pair}`);
      cliEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else throw new Error(`unknown flag ${arg}\n${USAGE}`);
  }
  const env: Record<string, string> = {};
  if (includeSystemEnv) for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, cliEnv);
  return { script: path.resolve(script), env, ...parsed };
}

function print(summary: Summary): void {
  const lines = ['', '  k6 sandbox summary'];
  const passes = summary.checks.reduce((sum, c) => sum + c.passes, 0);
  const total = summary.checks.reduce((sum, c) => sum + c.passes + c.fails, 0);
  if (total > 0) {
    lines.push(
      `    checks.........: ${((100 * passes) / total).toFixed(2)}% ✓ ${passes} ✗ ${total - passes}`,
    );
    for (const check of summary.checks) {
      const mark = check.fails === 0 ? '✓' : '✗';
      const name = check.group === '' ? check.name : `${check.group} › ${check.name}`;
      lines.push(`      ${mark} ${name} (${check.passes}/${check.passes + check.fails})`);
    }
  }
  for (const t of summary.thresholds)
    lines.push(`    threshold......: ${t.ok ? '✓' : '✗'} ${t.metric} ${t.expression}`);
  const { completed, interrupted, planned } = summary.iterations;
  lines.push(`    iterations.....: ${completed} completed, ${interrupted} interrupted, ${planned} planned`);
  lines.push(`    vus............: ${summary.vus}`);
  if (summary.errors.length > 0) lines.push(`    errors.........: ${summary.errors.length}`);
  if (summary.aborted !== null) lines.push(`    aborted........: ${summary.aborted}`);
  for (const failure of summary.failures) lines.push(`    failed.........: ${failure}`);
  for (const violation of summary.violations) lines.push(`    VIOLATION......: ${violation}`);
  lines.push(`    exit code......: ${summary.exitCode}`, '');
  process.stdout.write(lines.join('\n'));
}

async function main(): Promise<number> {
  let args: Arguments;
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const summary = await runTest({
    script: args.script,
    env: args.env,
    ...(args.vus === undefined ? {} : { vus: args.vus }),
    ...(args.iterations === undefined ? {} : { iterations: args.iterations }),
    ...(args.maxDurationMs === undefined ? {} : { maxDurationMs: args.maxDurationMs }),
  });
  print(summary);
  if (args.summaryExport) writeFileSync(args.summaryExport, `${JSON.stringify(summary, null, 2)}\n`);
  return summary.exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`sandbox crashed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(EXIT.scriptException);
  },
);
