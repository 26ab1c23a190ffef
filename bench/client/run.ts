/**
 * kmslab's client against @aws-sdk/client-kms in Node: GenerateDataKey (32 bytes) against one kmslab server,
 * sequentially and at 16 and 64 calls in flight. Prints calls/s and client CPU per call for each, with the ratios.
 *
 *   npm run bench:client -- [--calls 3000] [--rounds 3] [--concurrency 1,16,64]
 *
 * Three processes: the server (`bin/kmslab.js serve`, as users run it) and one worker per client
 * (bench/client/worker.ts), so that each worker's process.cpuUsage() is its client's CPU alone. Rounds are
 * interleaved (every round runs every row for both clients, alternating which goes first) so that noise from the
 * shared machine falls on both. The server's CPU over each job (from /proc) shows when the server, not the client,
 * limits calls/s.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';
import { freePort } from '../free-port.ts';
import type { Job, JobResult } from './worker.ts';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,16,64' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run bench:client -- [--calls 3000] [--rounds 3] [--concurrency 1,16,64]');
  process.exit(0);
}
const callsPerJob = Number(values.calls);
const rounds = Number(values.rounds);
const concurrencies = values.concurrency.split(',').map(Number);
const root = join(import.meta.dirname, '..', '..');
const CLIENTS = ['kmslab', 'sdk'] as const;
type ClientName = (typeof CLIENTS)[number];
const LABELS: Record<ClientName, string> = { kmslab: 'kmslab client', sdk: '@aws-sdk/client-kms' };

/** CPU time (user + system) a process has used so far, in µs; undefined where /proc is not available. */
function processCpuUs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticksPerSecond = 100;
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1e6;
  } catch {
    return undefined;
  }
}

async function startServer(): Promise<{ child: ChildProcess; endpoint: string; keyId: string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(root, 'bin/kmslab.js'), 'serve', '--in-memory', '--port', String(port), '--log-level', 'warn'],
    { stdio: 'ignore' },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const sdk = new KMSClient({
    endpoint,
    region: DEFAULT_REGION,
    maxAttempts: 1,
    credentials: {
      accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
      secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
    },
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const created = await sdk.send(new CreateKeyCommand({ Description: 'bench:client' }));
      sdk.destroy();
      return { child, endpoint, keyId: created.KeyMetadata?.KeyId ?? '' };
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

interface Worker {
  child: ChildProcess;
  run(job: Job): Promise<JobResult>;
}

function startWorker(client: ClientName, endpoint: string, keyId: string): Promise<Worker> {
  const child = fork(join(import.meta.dirname, 'worker.ts'), [client, endpoint, keyId], {
    execArgv: ['--import', 'tsx'],
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the ${client} worker exited with code ${code}`)));
    });
  return next().then(() => ({
    child,
    run: (job) => {
      const answer = next() as Promise<JobResult>;
      child.send(job);
      return answer;
    },
  }));
}

interface Totals {
  calls: number;
  wallMs: number;
  cpuUs: number;
  serverCpuUs: number;
}

const server = await startServer();
const workers = {} as Record<ClientName, Worker>;
try {
  for (const client of CLIENTS) workers[client] = await startWorker(client, server.endpoint, server.keyId);
  // Warm-up: JIT, the signing-key cache and the connection pools, untimed.
  for (const client of CLIENTS) {
    for (const concurrency of concurrencies) await workers[client].run({ calls: 500, concurrency });
  }

  const totals = new Map<string, Totals>();
  for (let round = 0; round < rounds; round++) {
    for (const concurrency of concurrencies) {
      const order = round % 2 === 0 ? CLIENTS : [...CLIENTS].reverse();
      for (const client of order) {
        const serverBefore = processCpuUs(server.child.pid);
        const result = await workers[client].run({ calls: callsPerJob, concurrency });
        const serverAfter = processCpuUs(server.child.pid);
        const row = totals.get(`${client} ${concurrency}`) ?? {
          calls: 0,
          wallMs: 0,
          cpuUs: 0,
          serverCpuUs: 0,
        };
        row.calls += result.calls;
        row.wallMs += result.wallMs;
        row.cpuUs += result.cpuUs;
        row.serverCpuUs += (serverAfter ?? Number.NaN) - (serverBefore ?? Number.NaN);
        totals.set(`${client} ${concurrency}`, row);
        console.error(
          `round ${round + 1} ${client} c=${concurrency}: ${((result.calls / result.wallMs) * 1000).toFixed(0)} calls/s`,
        );
      }
    }
  }

  const rate = (t: Totals) => (t.calls / t.wallMs) * 1000;
  const cpuPerCall = (t: Totals) => t.cpuUs / t.calls;
  // The share of one core the server used while the client ran: near 100% means the server is the limit.
  const serverLoad = (t: Totals) => (t.serverCpuUs / 1000 / t.wallMs) * 100;
  console.log(
    `\nGenerateDataKey (32 bytes) against one kmslab server, ${rounds} interleaved rounds of ${callsPerJob} calls per row, ${new Date().toISOString()}\n`,
  );
  console.log('| client | in flight | calls/s | client CPU µs/call | server CPU (% of a core) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const concurrency of concurrencies) {
    for (const client of CLIENTS) {
      const t = totals.get(`${client} ${concurrency}`) as Totals;
      console.log(
        `| ${LABELS[client]} | ${concurrency} | ${rate(t).toFixed(0)} | ${cpuPerCall(t).toFixed(0)} | ${serverLoad(t).toFixed(0)}% |`,
      );
    }
  }
  console.log('\n| in flight | calls/s, kmslab / SDK | CPU per call, kmslab / SDK |');
  console.log('|---:|---:|---:|');
  for (const concurrency of concurrencies) {
    const ours = totals.get(`kmslab ${concurrency}`) as Totals;
    const sdk = totals.get(`sdk ${concurrency}`) as Totals;
    console.log(
      `| ${concurrency} | ${(rate(ours) / rate(sdk)).toFixed(2)}x | ${(cpuPerCall(ours) / cpuPerCall(sdk)).toFixed(2)} |`,
    );
  }
} finally {
  for (const worker of Object.values(workers)) worker.child.kill();
  server.child.kill('SIGTERM');
}
