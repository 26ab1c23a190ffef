import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createPrincipal } from '../../src/server/access/index.ts';
import { RequestRecorder } from '../../src/server/console/index.ts';
import { streamRequests } from '../../src/server/console/stream.ts';
import { DEFAULT_ACCOUNT_ID, DEFAULT_CREDENTIALS } from '../../src/server/defaults.ts';
import { generateDataKeyScript, runWrk } from '../wrk.ts';

/**
 * The console row of `npm run bench`: GenerateDataKey on kmslab while one console stream reader is connected
 * (bench/server/stream-reader.ts, its own process, parsing every line as the page does), beside the same load
 * with no reader, and on a kmslab started with --no-console: what recording requests costs the data plane with
 * a console open, and with none. Besides req/s, which a shared machine moves by more than the difference, it
 * reports the server process's CPU time per request (user + system, from /proc), which other processes' load
 * moves much less.
 */

/**
 * Alternated rounds: the machine is shared, and its load changes by the second. Besides the best round, each
 * setting is compared with its reference in the same round (one reader with no reader, no reader with
 * --no-console), and the median of those ratios is reported: a slow stretch of the machine then weighs on both
 * sides of a ratio instead of on one setting's best round.
 */
const ROUNDS = 5;

/** What each setting is compared with, round by round. */
const REFERENCE: Partial<Record<ConsoleRowResult['setting'], ConsoleRowResult['setting']>> = {
  'console, no reader': '--no-console',
  'console, one reader': 'console, no reader',
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export interface ConsoleRowResult {
  setting: '--no-console' | 'console, no reader' | 'console, one reader';
  rps: number;
  p50: number;
  errors: number;
  /** The kmslab process's CPU time per request served, µs. */
  cpuMicros: number;
  /** The median over rounds of req/s over its reference's req/s in the same round (see REFERENCE). */
  roundRatio?: number;
  /** What the reader got in its best round: request events, and those the server counted as dropped. */
  read?: { requests: number; dropped: number; stats: number };
}

async function startReader(endpoint: string): Promise<ChildProcess> {
  const reader = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'stream-reader.ts'), endpoint],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  reader.stdout?.setEncoding('utf8');
  const [first] = (await once(reader.stdout ?? reader, 'data')) as [string];
  if (!first.startsWith('connected')) throw new Error(`the stream reader said ${first}`);
  return reader;
}

async function stopReader(reader: ChildProcess): Promise<ConsoleRowResult['read']> {
  let output = '';
  reader.stdout?.on('data', (chunk: string) => {
    output += chunk;
  });
  const closed = once(reader, 'close');
  reader.kill('SIGTERM');
  await closed;
  return JSON.parse(output.trim());
}

/** A process's CPU time so far (user + system), in seconds: fields 14 and 15 of /proc/PID/stat, in ticks. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** wrk's numbers, and the server's CPU time per request over the run. */
function measured(port: number, pid: number, script: string, connections: number, seconds: number) {
  const cpu = cpuSeconds(pid);
  const result = runWrk(port, script, connections, seconds);
  return { ...result, cpuMicros: ((cpuSeconds(pid) - cpu) * 1e6) / (result.rps * seconds) };
}

/**
 * `ports` and `pids`: kmslab with its console, and kmslab with --no-console, each with a key that `keyIds` names.
 * Each setting runs once per round, in turn; the best round counts.
 */
export async function measureConsoleRow(
  ports: { console: number; noConsole: number },
  pids: { console: number; noConsole: number },
  keyIds: { console: string; noConsole: string },
  connections: number,
  seconds: number,
): Promise<ConsoleRowResult[]> {
  const endpoint = `http://127.0.0.1:${ports.console}`;
  const scripts = {
    console: generateDataKeyScript(ports.console, keyIds.console),
    noConsole: generateDataKeyScript(ports.noConsole, keyIds.noConsole),
  };
  const settings: { setting: ConsoleRowResult['setting']; run: () => Promise<ConsoleRowResult> }[] = [
    {
      setting: '--no-console',
      run: async () => ({
        setting: '--no-console',
        ...measured(ports.noConsole, pids.noConsole, scripts.noConsole, connections, seconds),
      }),
    },
    {
      setting: 'console, no reader',
      run: async () => ({
        setting: 'console, no reader',
        ...measured(ports.console, pids.console, scripts.console, connections, seconds),
      }),
    },
    {
      setting: 'console, one reader',
      run: async () => {
        const reader = await startReader(endpoint);
        const result = measured(ports.console, pids.console, scripts.console, connections, seconds);
        // The last batches are on their way: let the reader take them before it counts.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return { setting: 'console, one reader', ...result, read: await stopReader(reader) };
      },
    },
  ];
  runWrk(ports.noConsole, scripts.noConsole, connections, 1);
  runWrk(ports.console, scripts.console, connections, 1);
  const best = new Map<string, ConsoleRowResult>();
  const leastCpu = new Map<string, number>();
  const ratios = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const thisRound = new Map<string, number>();
    for (const { setting, run } of settings) {
      const result = await run();
      thisRound.set(setting, result.rps);
      const reference = REFERENCE[setting];
      if (reference !== undefined)
        ratios.set(setting, [...(ratios.get(setting) ?? []), result.rps / (thisRound.get(reference) ?? 0)]);
      console.error(
        `kmslab GenerateDataKey, ${setting}: ${result.rps.toFixed(0)} req/s, ${result.cpuMicros.toFixed(1)} µs CPU per request`,
      );
      if (result.rps > (best.get(setting)?.rps ?? 0)) best.set(setting, result);
      leastCpu.set(setting, Math.min(result.cpuMicros, leastCpu.get(setting) ?? Number.POSITIVE_INFINITY));
    }
  }
  // The fastest round's req/s, and the least CPU per request of any round: each the least disturbed.
  return settings.map(({ setting }) => {
    const roundRatios = ratios.get(setting);
    return {
      ...(best.get(setting) as ConsoleRowResult),
      cpuMicros: leastCpu.get(setting) as number,
      ...(roundRatios ? { roundRatio: median(roundRatios) } : {}),
    };
  });
}

/**
 * What the console costs a request in CPU, in process, where other processes' load matters least: request log
 * entries made and recorded at `rate` a second for `seconds`, with no stream, and with one real stream
 * (streamRequests on a loopback HTTP connection, its reader in this process parsing every line, so that the
 * browser's share is counted too), each less the same paced loop that records nothing. The answer is CPU µs per
 * request for each.
 */
export async function recordingCost(
  rate = 10_000,
  seconds = 3,
): Promise<{ alone: number; streamed: number }> {
  const caller = {
    accountId: DEFAULT_ACCOUNT_ID,
    region: 'us-east-1',
    accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
    principal: createPrincipal({ arn: `arn:aws:iam::${DEFAULT_ACCOUNT_ID}:root` }),
  };
  const run = async (recorder: RequestRecorder | undefined) => {
    const perTick = rate / 100;
    const started = process.cpuUsage();
    for (let tick = 0; tick < seconds * 100; tick++) {
      const begun = process.hrtime.bigint();
      for (let i = 0; recorder && i < perTick; i++) {
        recorder.record({
          operation: 'GenerateDataKey',
          keyId: 'alias/bench',
          status: 200,
          ms: Number(process.hrtime.bigint() - begun) / 1e6,
          requestId: randomUUID(),
          time: Date.now(),
          caller,
        });
      }
      await delay(10);
    }
    const used = process.cpuUsage(started);
    return (used.user + used.system) / (rate * seconds);
  };

  const alone = new RequestRecorder();
  const recorder = new RequestRecorder();
  const server = createServer((_, response) => streamRequests(recorder, DEFAULT_ACCOUNT_ID, response, {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const reading = get(`http://127.0.0.1:${port}/`, (response) => {
    let rest = '';
    response.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) JSON.parse(line);
    });
  });
  await delay(100);
  const least = {
    nothing: Number.POSITIVE_INFINITY,
    alone: Number.POSITIVE_INFINITY,
    streamed: Number.POSITIVE_INFINITY,
  };
  for (let round = 0; round < 3; round++) {
    least.nothing = Math.min(least.nothing, await run(undefined));
    least.alone = Math.min(least.alone, await run(alone));
    least.streamed = Math.min(least.streamed, await run(recorder));
  }
  reading.destroy();
  server.closeAllConnections();
  server.close();
  alone.close();
  recorder.close();
  return { alone: least.alone - least.nothing, streamed: least.streamed - least.nothing };
}
