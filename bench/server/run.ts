/**
 * GenerateDataKey throughput and latency, signature verification on, against kmslab, moto_server and a bare
 * node:http responder (the ceiling for a Node server here), driven by wrk; then the key-spec rows (Sign, Verify,
 * GenerateMac throughput and CreateKey latency per key spec, bench/server/key-specs.ts) on kmslab, the floor and
 * moto_server; then the policy row (bench/server/policy-row.ts: GenerateDataKey by a role session under a
 * 5-statement policy with conditions, beside the root's under the default policy) and the console row
 * (bench/server/console-row.ts: GenerateDataKey with one console stream reader connected, with none, and on a
 * kmslab with --no-console). Prints the tables.
 *
 *   npm run bench -- [--duration 10] [--connections 16,64] [--only kmslab] [--row-duration 5] [--no-key-specs]
 *
 * Needs wrk (apt-get install -y wrk) and moto_server on PATH. Every server runs as its own process on loopback.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';
import { freePort } from '../free-port.ts';
import { generateDataKeyScript, runWrk, type WrkResult } from '../wrk.ts';
import { type ConsoleRowResult, measureConsoleRow, recordingCost } from './console-row.ts';
import {
  CREATE_KEY_SPECS,
  type CreateKeyResult,
  measureCreateKey,
  measureRows,
  type RowResult,
  THROUGHPUT_ROWS,
} from './key-specs.ts';
import { measurePolicyRow, type PolicyRowResult, writeBenchIdentities } from './policy-row.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16,64' },
    only: { type: 'string' },
    'row-duration': { type: 'string', default: '5' },
    'create-key-samples': { type: 'string', default: '20' },
    'no-key-specs': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(
    "usage: npm run bench -- [--duration SECONDS] [--connections 16,64] [--only 'kmslab'|'floor'|'moto_server'|'bare node:http'] [--row-duration SECONDS] [--create-key-samples N] [--no-key-specs]",
  );
  process.exit(0);
}
const duration = Number(values.duration);
const connections = values.connections.split(',').map(Number);
const root = join(import.meta.dirname, '..', '..');
const identities = writeBenchIdentities();

async function waitUntilListening(port: number, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${name} did not start listening on ${port}`);
}

/** What `npm run serve` runs: the built CLI when it is fresh (npm ci builds it), else tsx. */
function startKmslab(port: number, ...extra: string[]): ChildProcess {
  const args = ['serve', '--in-memory', '--port', String(port), '--log-level', 'warn'];
  return spawn(
    process.execPath,
    [join(root, 'bin/kmslab.js'), ...args, '--identities', identities, ...extra],
    quiet,
  );
}

/** The servers' own output is not needed; moto logs every request, which a pipe would have to drain. */
const quiet = { stdio: 'ignore' } as const;

interface Target {
  name: string;
  start(port: number): ChildProcess;
}

const targets: Target[] = [
  {
    name: 'bare node:http',
    start: (port) =>
      spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/server/bare.ts'), String(port)], quiet),
  },
  {
    name: 'kmslab',
    start: (port) => startKmslab(port),
  },
  {
    name: 'floor',
    start: (port) =>
      spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/server/floor.ts'), String(port)], quiet),
  },
  {
    name: 'moto_server',
    start: (port) => spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], quiet),
  },
];

/** A key to ask for data keys under: created on the server, or any ID for the bare responder. */
async function benchKeyId(port: number, needsKey: boolean): Promise<string> {
  if (!needsKey) return '00000000-0000-0000-0000-000000000000';
  const credentials = {
    accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
    secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
  };
  const sdk = new KMSClient({ endpoint: `http://127.0.0.1:${port}`, region: DEFAULT_REGION, credentials });
  const keyId = (await sdk.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId;
  sdk.destroy();
  if (!keyId) throw new Error('CreateKey answered no KeyId');
  return keyId;
}

/** The console row, on this kmslab and on one more, started with --no-console for the row alone. */
async function consoleRow(port: number, pid: number): Promise<ConsoleRowResult[]> {
  const noConsole = await freePort();
  const child = startKmslab(noConsole, '--no-console');
  try {
    await waitUntilListening(noConsole, child, 'kmslab --no-console');
    return await measureConsoleRow(
      { console: port, noConsole },
      { console: pid, noConsole: child.pid ?? 0 },
      { console: await benchKeyId(port, true), noConsole: await benchKeyId(noConsole, true) },
      connections[0] ?? 16,
      Number(values['row-duration']),
    );
  } finally {
    child.kill('SIGTERM');
  }
}

interface Result extends WrkResult {
  target: string;
}

const results: Result[] = [];
const rowResults: RowResult[] = [];
const createKeyResults: CreateKeyResult[] = [];
const policyResults: PolicyRowResult[] = [];
const consoleResults: ConsoleRowResult[] = [];
const keySpecs = !values['no-key-specs'];
for (const target of targets.filter((t) => !values.only || t.name === values.only)) {
  const port = await freePort();
  const child = target.start(port);
  try {
    await waitUntilListening(port, child, target.name);
    const script = generateDataKeyScript(port, await benchKeyId(port, target.name !== 'bare node:http'));
    runWrk(port, script, connections[0] ?? 16, duration); // warm-up: JIT, caches, connection pools
    for (const conns of connections) {
      const result = { target: target.name, ...runWrk(port, script, conns, duration) };
      results.push(result);
      console.error(`${result.target} c=${conns}: ${result.rps.toFixed(0)} req/s`);
    }
    if (target.name === 'kmslab') {
      policyResults.push(
        ...(await measurePolicyRow(port, connections[0] ?? 16, Number(values['row-duration']))),
      );
      consoleResults.push(...(await consoleRow(port, child.pid ?? 0)));
    }
    if (keySpecs && target.name !== 'bare node:http') {
      const conns = connections[0] ?? 16;
      rowResults.push(...(await measureRows(target.name, port, conns, Number(values['row-duration']))));
      // The floor runs kmslab's own handlers: its CreateKey would measure the same work again.
      if (target.name !== 'floor')
        createKeyResults.push(
          ...(await measureCreateKey(target.name, port, Number(values['create-key-samples']))),
        );
    }
  } finally {
    child.kill('SIGTERM');
  }
}

const rpsOf = (target: string, conns: number) =>
  results.find((r) => r.target === target && r.connections === conns)?.rps ?? Number.NaN;
console.log(
  `\nGenerateDataKey (NumberOfBytes 32), SigV4 verified, wrk -t1 -d${duration}s, ${new Date().toISOString()}\n`,
);
console.log('| server | connections | req/s | p50 ms | p99 ms | non-2xx/timeouts |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.target} | ${r.connections} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} |`,
  );
}
console.log('\n| connections | kmslab / bare | floor / bare | kmslab / moto |');
console.log('|---:|---:|---:|---:|');
const percentOfBare = (target: string, conns: number) =>
  `${((rpsOf(target, conns) / rpsOf('bare node:http', conns)) * 100).toFixed(0)}%`;
for (const conns of connections) {
  const timesMoto = (rpsOf('kmslab', conns) / rpsOf('moto_server', conns)).toFixed(1);
  console.log(
    `| ${conns} | ${percentOfBare('kmslab', conns)} | ${percentOfBare('floor', conns)} | ${timesMoto}x |`,
  );
}
console.log(
  '\nfloor: bench/server/floor.ts, only SigV4 verification and the handler (no validation, log or error mapping).',
);

if (keySpecs) {
  const row = (name: string, target: string) => rowResults.find((r) => r.row === name && r.target === target);
  const cell = (value: number | undefined, digits = 0) =>
    value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
  console.log(
    `\nKey-spec rows, wrk -t1 -c${connections[0] ?? 16} -d${values['row-duration']}s (req/s; p50 ms)\n`,
  );
  console.log('| operation | kmslab | floor | moto_server | kmslab / floor | kmslab / moto |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const { name } of THROUGHPUT_ROWS) {
    const [ours, floor, moto] = [row(name, 'kmslab'), row(name, 'floor'), row(name, 'moto_server')];
    const rate = (r: RowResult | undefined) => (r ? `${cell(r.rps)} (${cell(r.p50, 2)})` : 'n/a');
    const ratio = (other: RowResult | undefined, percent: boolean) =>
      ours && other
        ? percent
          ? `${cell((ours.rps / other.rps) * 100)}%`
          : `${cell(ours.rps / other.rps, 1)}x`
        : 'n/a';
    console.log(
      `| ${name} | ${rate(ours)} | ${rate(floor)} | ${rate(moto)} | ${ratio(floor, true)} | ${ratio(moto, false)} |`,
    );
  }
  const created = (keySpec: string, target: string) =>
    createKeyResults.find((r) => r.keySpec === keySpec && r.target === target)?.p50;
  console.log(`\nCreateKey p50 ms, one request at a time through @aws-sdk/client-kms\n`);
  console.log('| KeySpec | kmslab | moto_server | moto / kmslab |');
  console.log('|---|---:|---:|---:|');
  for (const [keySpec] of CREATE_KEY_SPECS) {
    const [ours, moto] = [created(keySpec, 'kmslab'), created(keySpec, 'moto_server')];
    const ratio = ours !== undefined && moto !== undefined ? `${cell(moto / ours, 1)}x` : 'n/a';
    console.log(`| ${keySpec} | ${cell(ours, 2)} | ${cell(moto, 2)} | ${ratio} |`);
  }
}

if (policyResults.length > 0) {
  const rootRps = policyResults.find((r) => r.caller === 'root, default policy')?.rps ?? Number.NaN;
  console.log(
    `\nPolicy row: kmslab GenerateDataKey, wrk -t1 -c${connections[0] ?? 16} -d${values['row-duration']}s, best of three alternated rounds\n`,
  );
  console.log('| caller and key policy | req/s | p50 ms | non-2xx/timeouts | / root |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of policyResults) {
    console.log(
      `| ${r.caller} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.errors} | ${((r.rps / rootRps) * 100).toFixed(0)}% |`,
    );
  }
}

if (consoleResults.length > 0) {
  const bare = consoleResults.find((r) => r.setting === '--no-console');
  const unread = consoleResults.find((r) => r.setting === 'console, no reader');
  const percent = (value: number, of: number | undefined) =>
    `${((value / (of ?? Number.NaN)) * 100).toFixed(1)}%`;
  console.log(
    `\nConsole row: kmslab GenerateDataKey, wrk -t1 -c${connections[0] ?? 16} -d${values['row-duration']}s, five alternated rounds: the best req/s, the least server CPU per request, and the median over rounds of req/s against the reference measured in the same round (one reader: no reader; no reader: --no-console)\n`,
  );
  console.log(
    '| kmslab | req/s | non-2xx/timeouts | / --no-console | / no reader | / reference, median of rounds | server CPU µs/request | / --no-console | / no reader | the reader got |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of consoleResults) {
    const read = r.read
      ? `${r.read.requests} request events, ${r.read.dropped} dropped, ${r.read.stats} stats lines`
      : '';
    console.log(
      `| ${r.setting} | ${r.rps.toFixed(0)} | ${r.errors} | ${percent(r.rps, bare?.rps)} | ${percent(r.rps, unread?.rps)} | ${r.roundRatio === undefined ? '' : percent(r.roundRatio, 1)} | ${r.cpuMicros.toFixed(1)} | ${percent(r.cpuMicros, bare?.cpuMicros)} | ${percent(r.cpuMicros, unread?.cpuMicros)} | ${read} |`,
    );
  }
  const cost = await recordingCost();
  console.log(
    `\nIn process, 10,000 requests a second recorded for 3 s (best of three): ${cost.alone.toFixed(2)} µs CPU per request with no stream (${percent(cost.alone, unread?.cpuMicros)} of a request's server CPU above), ${cost.streamed.toFixed(2)} µs with one stream and its reader (${percent(cost.streamed, unread?.cpuMicros)})`,
  );
}
