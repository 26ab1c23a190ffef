/**
 * kmslab with many keys in one data dir. For each size, the keys (and an alias for every tenth) are created
 * through the store, not the API, in batched transactions; then the real server (`kmslab serve`, as users run it)
 * starts on that data dir and everything is measured through HTTP: start-up, resident memory, ListKeys and
 * ListAliases page latency at the first, middle and last positions, and GenerateDataKey on a hot key. Prints
 * one table.
 *
 *   npm run bench:scale -- [--keys 1,50000,1000000] [--duration 5] [--keep]
 *
 * The data dir of one key is the baseline: the machine's own speed in the same run.
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
import { generateMaterial } from '../../src/server/domain/key.ts';
import { defaultKeyPolicy } from '../../src/server/domain/policy.ts';
import { createRootKeyFile, ROOT_KEY_FILE } from '../../src/server/root-key.ts';
import { KeyStore } from '../../src/server/store/key-store.ts';
import { freePort, generateDataKeyScript, runWrk } from '../wrk.ts';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '1,50000,1000000' },
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

function keyIdOf(index: number): string {
  const hex = index.toString(16).padStart(12, '0');
  return `5ca1e000-0000-4000-8000-${hex}`;
}

/** N keys, and an alias for every tenth, through the store in transactions of BATCH keys. */
function createKeys(dir: string, count: number): number {
  const started = performance.now();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const store = new KeyStore(join(dir, DATABASE_FILE), createRootKeyFile(join(dir, ROOT_KEY_FILE)).key);
  const now = Date.now();
  const policy = defaultKeyPolicy(DEFAULT_ACCOUNT_ID);
  for (let batch = 0; batch < count; batch += BATCH) {
    store.transaction(() => {
      for (let i = batch; i < Math.min(count, batch + BATCH); i++) {
        const record = {
          accountId: DEFAULT_ACCOUNT_ID,
          region: DEFAULT_REGION,
          keyId: keyIdOf(i),
          description: `scale key ${i}`,
          keyState: 'Enabled' as const,
          creationDate: now,
          policy,
          onDemandRotations: 0,
        };
        const key = store.createKey(record, [generateMaterial(now)], []);
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

function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** The median and the worst of SAMPLES calls, in ms. */
async function latency(call: () => Promise<unknown>): Promise<string> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) samples.push(await timed(call));
  return `${median(samples).toFixed(2)} / ${Math.max(...samples).toFixed(2)}`;
}

interface Listing {
  /** The markers that start the first, the middle and the last page of a walk at `limit`. */
  markers: [string | undefined, string | undefined, string | undefined];
  walkSeconds: number;
  pages: number;
}

/** Walks a whole list at `limit` per page, keeping the markers of the first, middle and last pages. */
async function walk(page: (marker: string | undefined) => Promise<string | undefined>): Promise<Listing> {
  const started = performance.now();
  const markers: (string | undefined)[] = [undefined];
  let marker: string | undefined;
  do {
    marker = await page(marker);
    if (marker) markers.push(marker);
  } while (marker);
  const middle = markers[Math.floor(markers.length / 2)];
  return {
    markers: [undefined, middle, markers[markers.length - 1]],
    walkSeconds: (performance.now() - started) / 1000,
    pages: markers.length,
  };
}

interface Measured {
  keys: number;
  createSeconds: number;
  databaseMb: number;
  wallMs: number;
  readyMs: number;
  listKeys: Record<string, string>;
  listKeysWalk: string;
  listAliases: Record<string, string>;
  listAliasesWalk: string;
  generateDataKeyP50: string;
  generateDataKeyRps: number;
  rssMb: number;
  peakRssMb: number;
}

async function measure(count: number): Promise<Measured> {
  const dir = join(tmpdir(), `kmslab-scale-${count}`);
  let createSeconds = Number.NaN;
  if (!values.keep || !existsSync(join(dir, DATABASE_FILE))) {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`creating ${count} keys in ${dir}\n`);
    createSeconds = createKeys(dir, count);
  }
  const databaseMb = statSync(join(dir, DATABASE_FILE)).size / 2 ** 20;
  const server = await startServer(dir);
  try {
    const kms = new KMSClient(
      new AWSConfig({
        region: DEFAULT_REGION,
        accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
        secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
        endpoint: `http://127.0.0.1:${server.port}`,
      }),
      { maxAttempts: 1 },
    );

    const keyWalk = await walk(async (Marker) => {
      const page = await kms.send('ListKeys', { Limit: 1000, Marker });
      return page.Truncated ? page.NextMarker : undefined;
    });
    const listKeys: Record<string, string> = {};
    for (const Limit of [100, 1000]) {
      for (const [position, Marker] of ['first', 'middle', 'last'].map(
        (p, i) => [p, keyWalk.markers[i]] as const,
      )) {
        listKeys[`${position} ${Limit}`] = await latency(() => kms.send('ListKeys', { Limit, Marker }));
      }
    }
    const aliasWalk = await walk(async (Marker) => {
      const page = await kms.send('ListAliases', { Limit: 100, Marker });
      return page.Truncated ? page.NextMarker : undefined;
    });
    const listAliases: Record<string, string> = {};
    for (const [position, Marker] of ['first', 'middle', 'last'].map(
      (p, i) => [p, aliasWalk.markers[i]] as const,
    )) {
      listAliases[position] = await latency(() => kms.send('ListAliases', { Limit: 100, Marker }));
    }

    const hotKey = keyIdOf(0);
    const generateDataKeyP50 = await latency(() => kms.generateDataKey(hotKey, 32));
    const script = generateDataKeyScript(server.port, hotKey);
    runWrk(server.port, script, 16, 1); // warm-up
    const { rps, errors } = runWrk(server.port, script, 16, duration);
    if (errors > 0) throw new Error(`GenerateDataKey: ${errors} errors under wrk`);
    const memory = memoryMb(server.child.pid ?? 0);
    return {
      keys: count,
      createSeconds,
      databaseMb,
      wallMs: server.wallMs,
      readyMs: server.readyMs,
      listKeys,
      listKeysWalk: `${keyWalk.walkSeconds.toFixed(1)} s (${keyWalk.pages} pages)`,
      listAliases,
      listAliasesWalk: `${aliasWalk.walkSeconds.toFixed(1)} s (${aliasWalk.pages} pages)`,
      generateDataKeyP50,
      generateDataKeyRps: rps,
      rssMb: memory.rss,
      peakRssMb: memory.peak,
    };
  } finally {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

const results: Measured[] = [];
for (const size of sizes) results.push(await measure(size));

const row = (name: string, cell: (m: Measured) => string) =>
  console.log(`| ${name} | ${results.map(cell).join(' | ')} |`);
console.log(
  `\nkmslab serve on a data dir of N keys (an alias for every ${ALIAS_EVERY}th), ${new Date().toISOString()}`,
);
console.log(`latencies through HTTP from a Node client: median / worst of ${SAMPLES}, ms\n`);
console.log(`| | ${results.map((m) => `${m.keys.toLocaleString('en-US')} keys`).join(' | ')} |`);
console.log(`|---|${results.map(() => '---:').join('|')}|`);
row('keys created through the store', (m) =>
  Number.isNaN(m.createSeconds) ? 'reused' : `${m.createSeconds.toFixed(0)} s`,
);
row('kmslab.sqlite3', (m) => `${m.databaseMb.toFixed(0)} MB`);
row('start-up: spawn → listening', (m) => `${m.wallMs.toFixed(0)} ms (ready in ${m.readyMs} ms)`);
for (const key of Object.keys(results[0]?.listKeys ?? {})) {
  const [position, limit] = key.split(' ');
  row(`ListKeys Limit ${limit}, ${position} page`, (m) => m.listKeys[key] ?? '');
}
row('ListKeys: every page at Limit 1000', (m) => m.listKeysWalk);
for (const position of ['first', 'middle', 'last']) {
  row(`ListAliases Limit 100, ${position} page`, (m) => m.listAliases[position] ?? '');
}
row('ListAliases: every page at Limit 100', (m) => m.listAliasesWalk);
row('GenerateDataKey, one hot key, sequential', (m) => m.generateDataKeyP50);
row(`GenerateDataKey, wrk 16 connections ${duration} s`, (m) => `${m.generateDataKeyRps.toFixed(0)} req/s`);
row(
  'resident memory after all of this (peak)',
  (m) => `${m.rssMb.toFixed(0)} MB (${m.peakRssMb.toFixed(0)} MB)`,
);
