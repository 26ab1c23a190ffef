import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { AuthMode } from './auth.ts';
import { consoleBuilt, packageConsoleFolder, RequestRecorder } from './console/index.ts';
import type { CredentialEntry, KmsService, RequestLogEntry } from './context.ts';
import {
  checkIntegrity,
  type DataDir,
  databaseRefused,
  type IntegrityCheck,
  openDataDir,
} from './data-dir.ts';
import { DEFAULT_ACCOUNT_ID, DEFAULT_CREDENTIALS, DEFAULT_HOST, DEFAULT_REGION } from './defaults.ts';
import { createKmsServer } from './http.ts';
import { createLogger, type Logger } from './log.ts';
import type { RootKey } from './root-key.ts';
import { applySeed, checkSeed } from './seed/apply.ts';
import { IdentitiesError, loadIdentitiesFile } from './seed/identities.ts';
import type { SeedSpec } from './seed/spec.ts';
import { createKmsService } from './service.ts';
import type { Migrated } from './store/sqlite/migrations.ts';
import { openSqliteStore } from './store/sqlite/store.ts';
import type { Store } from './store/store.ts';

/**
 * createKmslab: the one place that puts a kmslab server together (the store, the service over it, the background
 * timers and HTTP), for `kmslab serve`, `kmslab demo`, the tests and the benches.
 */

/**
 * How often recorded key usage (GetKeyLastUsage) is written to disk: what a crash of the process (kill -9) can
 * lose. Writing it with every request would put a SQLite transaction on the data plane.
 */
const USAGE_FLUSH_INTERVAL_MS = 1000;
/** How often scheduled deletions and automatic rotations are carried out (and once at start). */
const DUE_WORK_INTERVAL_MS = 60_000;
/**
 * How often the timely work runs (imported material that expires, replicas that finish Creating): at most this
 * late. Two indexed queries when nothing is due.
 */
const TIMELY_WORK_INTERVAL_MS = 1000;

/**
 * How long start-up waits for a data dir's integrity check before it listens: a data dir of some thousands of keys
 * is checked before the first request; a larger one (a million keys: 2-4 s) is checked while kmslab serves, and
 * kmslab must stop if it fails (Kmslab.integrity).
 */
const INTEGRITY_WAIT_MS = 250;

/** Where the keys live. */
export type Storage =
  /**
   * A data dir, as `kmslab serve` takes it: locked for this process, its root key read or created (or given by
   * KMSLAB_ROOT_KEY's value), refused when it is not what it should be, its database checked for corruption.
   */
  | { dataDir: string; rootKeyEnvironment?: string | undefined }
  /** A SQLite file, or ':memory:' for a throwaway store, under the root key given. */
  | { database: string; rootKey: Uint8Array };

export interface KmslabOptions {
  storage: Storage;
  /** How many keys stay cached in memory with their material (default: the store's). */
  keyCacheSize?: number;
  /**
   * Applied in order at start, each creating what it declares and is missing; `source` names it in the SeedError
   * that a bad one fails the start with.
   */
  seeds?: readonly { spec: SeedSpec; source: string }[];
  /** The account of seeded keys that name none, and of any access key under `--auth none`. */
  accountId?: string;
  /** The region of seeded keys that name none. */
  region?: string;
  credentials?: readonly CredentialEntry[];
  /** An identities file (identities.ts): its users' and role sessions' access keys join `credentials`. */
  identities?: string;
  auth?: AuthMode;
  host?: string;
  /** 0 (the default): any free port. */
  port?: number;
  /** Internal errors, data-dir warnings, the request log; by default warnings and errors to stderr. */
  logger?: Logger;
  /** The server's clock; tests move it to cross deletion windows and signature expiry. */
  clock?: () => Date;
  /** How long a client has to send a whole request, headers and body (http.ts's default otherwise). */
  requestTimeoutMs?: number;
  /**
   * The web console under `/_kmslab/` (on by default): `false` leaves those paths out; `folder` serves another
   * build than the package's dist/console.
   */
  console?: false | { folder?: string };
}

export interface Kmslab {
  /** `http://127.0.0.1:4599`: what clients put in AWS_ENDPOINT_URL_KMS. */
  readonly endpoint: string;
  /** The handlers and the due work, for what no API call can do (e.g. running due work at a future date). */
  readonly service: KmsService;
  /** The data dir's database and root key, when the storage is a data dir. */
  readonly dataDir: { database: string; rootKey: RootKey } | undefined;
  /** The schema versions the database was migrated between at this start, if it was. */
  readonly migrated: Migrated | undefined;
  /**
   * Settles when the data dir's integrity check has finished (at once for other storage): rejects with a
   * DataDirError when it found the database corrupt, and kmslab must then stop.
   */
  readonly integrity: Promise<void>;
  /** The web console's URL, and whether its files are built; undefined under `console: false`. */
  readonly console: { url: string; built: boolean } | undefined;
  /** How many connections the server holds open. */
  openConnections(): Promise<number>;
  /** Closes the listener and every open connection, writes what is still in memory, closes the store. */
  stop(): Promise<void>;
}

/** A start-up failure that is the user's to fix (a busy port): no stack trace. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/**
 * Opens the storage, applies the seeds, and listens; then runs the due work and writes recorded usage on their
 * timers. A start that fails closes what it opened and leaves a new data dir as it found it (none).
 */
export async function createKmslab(options: KmslabOptions): Promise<Kmslab> {
  const logger = options.logger ?? createLogger('warn', process.stderr);
  const clock = options.clock ?? (() => new Date());
  const host = options.host ?? DEFAULT_HOST;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const { storage } = options;
  const seedDefaults = { accountId, region: options.region ?? DEFAULT_REGION };
  // Before anything is created on disk.
  for (const seed of options.seeds ?? []) checkSeed(seed.spec, seed.source, seedDefaults);
  const credentials = allCredentials(options.credentials ?? [DEFAULT_CREDENTIALS], [
    ...(options.identities === undefined ? [] : loadIdentitiesFile(options.identities)),
    ...(options.seeds ?? []).flatMap((seed) => seed.spec.identities ?? []),
  ]);
  let dataDir: DataDir | undefined;
  let database: string;
  let rootKey: Uint8Array;
  if ('dataDir' in storage) {
    dataDir = await openDataDir(storage.dataDir, storage.rootKeyEnvironment, (message) =>
      logger.warn(message),
    );
    database = dataDir.database;
    rootKey = dataDir.rootKey.key;
  } else {
    ({ database, rootKey } = storage);
  }

  let store: Store | undefined;
  let integrity: IntegrityCheck | undefined;
  let server: Server | undefined;
  let migrated: Migrated | undefined;
  let service: KmsService;
  const consoleFolder =
    options.console === false ? undefined : (options.console?.folder ?? packageConsoleFolder());
  const recorder = consoleFolder === undefined ? undefined : new RequestRecorder();
  try {
    try {
      ({ store, migrated } = openSqliteStore(
        database,
        rootKey,
        options.keyCacheSize === undefined ? {} : { keyCacheSize: options.keyCacheSize },
      ));
    } catch (error) {
      throw dataDir ? databaseRefused(dataDir, error) : error;
    }
    if (dataDir) {
      integrity = checkIntegrity(dataDir.database);
      await Promise.race([integrity.passed, delay(INTEGRITY_WAIT_MS, undefined, { ref: false })]);
    }
    for (const seed of options.seeds ?? [])
      await applySeed(store, seed.spec, seed.source, seedDefaults, clock());
    service = createKmsService(store, rootKey, {
      accounts: [...new Set([accountId, ...credentials.map((c) => c.accountId)])],
      debug: (message) => logger.debug(message),
    });
    server = createKmsServer({
      service,
      credentials,
      auth: options.auth ?? 'sigv4',
      defaultAccountId: accountId,
      ...requestLog(logger.request, recorder),
      ...(consoleFolder !== undefined && recorder ? { console: { folder: consoleFolder, recorder } } : {}),
      onInternalError: (error) => logger.error(internalError(error)),
      debug: (message) => logger.debug(message),
      clock,
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    });
    await listen(server, options.port ?? 0, host);
  } catch (error) {
    server?.close();
    integrity?.stop();
    try {
      store?.close();
    } finally {
      dataDir?.releaseAfterFailedStart();
    }
    throw error;
  }

  const listening = server;
  const opened = store;
  /** Work on a timer: a failure is logged, and the next run tries again. */
  const logged = (work: (now: Date) => void | Promise<void>) => () => {
    Promise.resolve()
      .then(() => work(clock()))
      .catch((error: unknown) => logger.error(internalError(error)));
  };
  const runDueWork = logged((now) => service.runDueWork(now));
  const flushUsage = () => {
    try {
      opened.flushUsage();
    } catch (error) {
      logger.error(`writing key usage failed: ${(error as Error)?.message}`);
    }
  };
  runDueWork();
  const timers = [
    setInterval(runDueWork, DUE_WORK_INTERVAL_MS),
    setInterval(flushUsage, USAGE_FLUSH_INTERVAL_MS),
    setInterval(
      logged((now) => service.runTimelyWork(now)),
      TIMELY_WORK_INTERVAL_MS,
    ),
  ];
  for (const timer of timers) timer.unref();

  const stop = async () => {
    for (const timer of timers) clearInterval(timer);
    recorder?.close();
    const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
    // Keep-alive connections from SDKs and load generators would hold close() open until they time out.
    listening.closeAllConnections();
    await closed;
    integrity?.stop();
    try {
      opened.close();
    } finally {
      dataDir?.release();
    }
  };
  let stopping: Promise<void> | undefined;
  const { port } = listening.address() as AddressInfo;
  const endpoint = `http://${clientHost(host)}:${port}`;
  return {
    endpoint,
    console:
      consoleFolder === undefined
        ? undefined
        : { url: `${endpoint}/_kmslab/`, built: consoleBuilt(consoleFolder) },
    service,
    dataDir: dataDir && { database: dataDir.database, rootKey: dataDir.rootKey },
    migrated,
    integrity: integrity?.passed ?? Promise.resolve(),
    openConnections: () =>
      new Promise((resolve, reject) =>
        listening.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** Where each request's log entry goes: the log (when its level shows requests) and the console's recorder. */
function requestLog(
  log: ((entry: RequestLogEntry) => void) | undefined,
  recorder: RequestRecorder | undefined,
): { log?: (entry: RequestLogEntry) => void } {
  if (log && recorder)
    return {
      log: (entry) => {
        log(entry);
        recorder.record(entry);
      },
    };
  if (recorder) return { log: (entry) => recorder.record(entry) };
  return log ? { log } : {};
}

/** The access keys of `--credentials` and of the identities (file and seeds); one key can't be both. */
function allCredentials(
  plain: readonly CredentialEntry[],
  identities: readonly CredentialEntry[],
): CredentialEntry[] {
  const all = [...plain];
  for (const entry of identities) {
    if (all.some((c) => c.accessKeyId === entry.accessKeyId))
      throw new IdentitiesError(`access key ${entry.accessKeyId} is declared more than once`);
    all.push(entry);
  }
  return all;
}

/** An internal error is a kmslab bug; its stack helps the report and holds no request data. */
function internalError(error: unknown): string {
  return `internal error: ${(error as Error)?.stack ?? String(error)}`;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new StartupError(
            `${host}:${port} is already in use; choose another port with --port (0: any free)`,
          ),
        );
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(new StartupError(`cannot listen on ${host}: no such local address (--host)`));
      } else {
        reject(new StartupError(`cannot listen on ${host}:${port}: ${error.message}`));
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** The address a client on this machine dials: a wildcard bind is reached through loopback. */
function clientHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
