/**
 * kmslab with many keys in one data dir. For each size, the keys (and an alias for every tenth) are created
 * through the store, not the API, in batched transactions; then the real server (`kmslab serve`, as users run it)
 * starts on that data dir and everything is measured through HTTP: start-up, resident memory, ListKeys and
 * ListAliases page latency at the first, middle and last positions, and GenerateDataKey on a hot key. Prints
 * one table.
 *
 *   npm run bench:scale -- [--keys 1000,50000,1000000] [--duration 5] [--keep]
 *
 * The data dir of 1,000 keys (one full page at Limit 1000) is the baseline: the machine's own speed in the same
 * run. The servers of all sizes run side by side and every measurement takes its turns across them, so that a busy
 * moment of the machine does not land on one size only.
 *
 * --keep leaves the data dirs in the temporary directory (kmslab-scale-<keys>) and reuses them next time.
 * Needs wrk (apt-get install -y wrk); 1,000,000 keys take ~0.7 GB of disk and a few minutes to create.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AWSConfig, KMSClient } from '../../src/client/index.ts';
import { DATABASE_FILE } from '../../src/server/data-dir.ts';
import { DEFAULT_ACCOUNT_ID, DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';
import { generateMaterial, SYMMETRIC_CUSTOMER_KEY } from '../../src/server/keys/key.ts';
import { defaultKeyPolicy } from '../../src/server/keys/policy.ts';
import { createRootKeyFile, ROOT_KEY_FILE } from '../../src/server/root-key.ts';
import { openSqliteStore } from '../../src/server/store/sqlite/store.ts';
import { freePort } from '../free-port.ts';
import { generateDataKeyScript, runWrk, signedRequestScript } from '../wrk.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '1000,50000,1000000' },
    duration: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const sizes = values.keys.split(',').map(Number);
const duration = Number(values.duration);
const root = join(import.meta.dirname, '..', '..');
const BATCH = 10_000;
const ALIAS_EVERY = 10;
const SAMPLES = 30;
const STARTS = 5;
const ROUNDS = 3;

function keyIdOf(index: number): string {
  const hex = index.toString(16).padStart(12, '0');
  return `5ca1e000-0000-4000-8000-${hex}`;
}

/** N keys, and an alias for every tenth, through the store in transactions of BATCH keys. */
async function createKeys(dir: string, count: number): Promise<number> {
  const started = performance.now();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { store } = openSqliteStore(
    join(dir, DATABASE_FILE),
    createRootKeyFile(join(dir, ROOT_KEY_FILE)).key,
  );
  const now = Date.now();
  const policy = defaultKeyPolicy(DEFAULT_ACCOUNT_ID);
  for (let batch = 0; batch < count; batch += BATCH) {
    const end = Math.min(count, batch + BATCH);
    const materials = await Promise.all(Array.from({ length: end - batch }, () => generateMaterial(now)));
    store.transaction(() => {
      for (let i = batch; i < end; i++) {
        const record = {
          accountId: DEFAULT_ACCOUNT_ID,
          region: DEFAULT_REGION,
          keyId: keyIdOf(i),
          description: `scale key ${i}`,
          keyState: 'Enabled' as const,
          creationDate: now,
          policy,
          onDemandRotations: 0,
          ...SYMMETRIC_CUSTOMER_KEY,
        };
        const material = materials[i - batch];
        if (!material) throw new Error(`no material for key ${i}`);
        const key = store.createKey(record, [material], []);
        if (i % ALIAS_EVERY === 0) store.createAlias(`alias/scale-${String(i).padStart(8, '0')}`, key, now);
      }
    });
    if ((batch + BATCH) % 100_000 === 0) process.stderr.write(`  ${batch + BATCH} keys\n`);
  }
  store.close();
  return (performance.now() - started) / 1000;
}

interface Server {
  child: ChildProcess;
  port: number;
  /** From spawning to the "listening" line, and the time the server itself reports. */
  wallMs: number;
  readyMs: number;
}

async function startServer(dir: string): Promise<Server> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [join(root, 'bin/kmslab.js'), 'serve', '--data-dir', dir, '--port', String(port), '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  const ready = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /ready in (\d+) ms/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`kmslab exited with ${code} before listening`)));
  });
  return { child, port, wallMs: performance.now() - started, readyMs: ready };
}

async function stopServer(server: Server): Promise<void> {
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  await exited;
}

function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

function percentile(xs: number[], p: number): number {
  return [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? Number.NaN;
}

/** The median and the 90th percentile, in ms. */
function summary(samples: number[]): string {
  return `${percentile(samples, 0.5).toFixed(2)} / ${percentile(samples, 0.9).toFixed(2)}`;
}

/** Each call SAMPLES times, taking turns across the calls: one sample list per call. */
async function interleaved(calls: (() => Promise<unknown>)[]): Promise<number[][]> {
  const samples = calls.map((): number[] => []);
  for (let i = 0; i < SAMPLES; i++) {
    for (const [n, call] of calls.entries()) {
      const started = performance.now();
      await call();
      samples[n]?.push(performance.now() - started);
    }
  }
  return samples;
}

interface Walk {
  /** The markers that start the first, middle and last pages. */
  markers: (string | undefined)[];
  seconds: number;
  pages: number;
}

/** Walks a whole list, page by page. */
async function walk(page: (marker: string | undefined) => Promise<string | undefined>): Promise<Walk> {
  const started = performance.now();
  const markers: (string | undefined)[] = [undefined];
  for (let marker = await page(undefined); marker; marker = await page(marker)) markers.push(marker);
  return {
    markers: [undefined, markers[Math.floor(markers.length / 2)], markers[markers.length - 1]],
    seconds: (performance.now() - started) / 1000,
    pages: markers.length,
  };
}

function client(port: number): KMSClient {
  return new KMSClient(
    new AWSConfig({
      region: DEFAULT_REGION,
      accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
      secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
      endpoint: `http://127.0.0.1:${port}`,
    }),
    { maxAttempts: 1 },
  );
}

const table: { name: string; cells: string[] }[] = [];
const row = (name: string, cells: string[]) => table.push({ name, cells });

const dirs: string[] = [];
const created: string[] = [];
for (const count of sizes) {
  const dir = join(tmpdir(), `kmslab-scale-${count}`);
  dirs.push(dir);
  if (values.keep && existsSync(join(dir, DATABASE_FILE))) {
    created.push('reused');
  } else {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`creating ${count} keys in ${dir}\n`);
    created.push(`${(await createKeys(dir, count)).toFixed(0)} s`);
  }
}
row('keys created through the store', created);
row(
  'kmslab.sqlite3',
  dirs.map((dir) => `${(statSync(join(dir, DATABASE_FILE)).size / 2 ** 20).toFixed(0)} MB`),
);

process.stderr.write('start-up\n');
const starts = dirs.map((): Server[] => []);
for (let i = 0; i < STARTS; i++) {
  for (const [n, dir] of dirs.entries()) {
    const server = await startServer(dir);
    starts[n]?.push(server);
    await stopServer(server);
  }
}
row(
  `start-up: spawn → listening, median of ${STARTS} (reported ready)`,
  starts.map(
    (s) =>
      `${percentile(
        s.map((x) => x.wallMs),
        0.5,
      ).toFixed(0)} ms (${percentile(
        s.map((x) => x.readyMs),
        0.5,
      ).toFixed(0)} ms)`,
  ),
);

const servers: Server[] = [];
try {
  for (const dir of dirs) servers.push(await startServer(dir));
  const clients = servers.map((server) => client(server.port));

  process.stderr.write('ListKeys, ListAliases\n');
  const keyWalks: Walk[] = [];
  const aliasWalks: Walk[] = [];
  for (const kms of clients) {
    keyWalks.push(
      await walk(async (Marker) => {
        const page = await kms.send('ListKeys', { Limit: 1000, Marker });
        return page.Truncated ? page.NextMarker : undefined;
      }),
    );
    aliasWalks.push(
      await walk(async (Marker) => {
        const page = await kms.send('ListAliases', { Limit: 100, Marker });
        return page.Truncated ? page.NextMarker : undefined;
      }),
    );
  }
  const positions = ['first', 'middle', 'last'];
  for (const Limit of [100, 1000]) {
    for (const [p, position] of positions.entries()) {
      const samples = await interleaved(
        clients.map((kms, n) => () => kms.send('ListKeys', { Limit, Marker: keyWalks[n]?.markers[p] })),
      );
      row(`ListKeys Limit ${Limit}, ${position} page (ms, median / p90)`, samples.map(summary));
    }
  }
  // The same pages as wrk sees them over one connection: the server's latency, HTTP included, without this
  // process's signing and JSON parsing of a 136 KB answer in the way.
  for (const [p, position] of positions.entries()) {
    const pageScripts = servers.map((server, n) =>
      signedRequestScript(server.port, 'ListKeys', { Limit: 1000, Marker: keyWalks[n]?.markers[p] }),
    );
    row(
      `ListKeys Limit 1000, ${position} page, wrk 1 connection (ms, p50 / p99)`,
      servers.map((server, n) => {
        const { p50, p99, errors } = runWrk(server.port, pageScripts[n] ?? '', 1, 2);
        if (errors > 0) throw new Error(`ListKeys: ${errors} errors under wrk`);
        return `${p50.toFixed(2)} / ${p99.toFixed(2)}`;
      }),
    );
  }
  row(
    'ListKeys: every page at Limit 1000',
    keyWalks.map((w) => `${w.seconds.toFixed(1)} s (${w.pages} pages)`),
  );
  for (const [p, position] of positions.entries()) {
    const samples = await interleaved(
      clients.map(
        (kms, n) => () => kms.send('ListAliases', { Limit: 100, Marker: aliasWalks[n]?.markers[p] }),
      ),
    );
    row(`ListAliases Limit 100, ${position} page (ms, median / p90)`, samples.map(summary));
  }
  row(
    'ListAliases: every page at Limit 100',
    aliasWalks.map((w) => `${w.seconds.toFixed(1)} s (${w.pages} pages)`),
  );

  process.stderr.write('GenerateDataKey\n');
  const hotKey = keyIdOf(0);
  const latencies = await interleaved(clients.map((kms) => () => kms.generateDataKey(hotKey, 32)));
  row('GenerateDataKey on one hot key, sequential (ms, median / p90)', latencies.map(summary));
  const scripts = servers.map((server) => generateDataKeyScript(server.port, hotKey));
  for (const [n, server] of servers.entries()) runWrk(server.port, scripts[n] ?? '', 16, 1); // warm-up
  const rates = servers.map((): number[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [n, server] of servers.entries()) {
      const { rps, errors } = runWrk(server.port, scripts[n] ?? '', 16, duration);
      if (errors > 0) throw new Error(`GenerateDataKey: ${errors} errors under wrk`);
      rates[n]?.push(rps);
    }
  }
  row(
    `GenerateDataKey on one hot key, wrk 16 connections (req/s, median of ${ROUNDS} × ${duration} s)`,
    rates.map((r) => percentile(r, 0.5).toFixed(0)),
  );
  row(
    'resident memory at the end (peak)',
    servers.map((server) => {
      const memory = memoryMb(server.child.pid ?? 0);
      return `${memory.rss.toFixed(0)} MB (${memory.peak.toFixed(0)} MB)`;
    }),
  );
} finally {
  for (const server of servers) await stopServer(server);
  if (!values.keep) for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

console.log(
  `\nkmslab serve on data dirs of N keys (an alias for every ${ALIAS_EVERY}th), ${new Date().toISOString()}\n`,
);
console.log(`| | ${sizes.map((n) => `${n.toLocaleString('en-US')} keys`).join(' | ')} |`);
console.log(`|---|${sizes.map(() => '---:').join('|')}|`);
for (const { name, cells } of table) console.log(`| ${name} | ${cells.join(' | ')} |`);
