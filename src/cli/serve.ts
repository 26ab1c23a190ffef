import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { KmsServiceAdmin, SeedSpec } from '../server/context.ts';
import {
  checkIntegrity,
  type DataDir,
  databaseRefused,
  type IntegrityCheck,
  openDataDir,
} from '../server/data-dir.ts';
import { DEFAULT_CREDENTIALS } from '../server/defaults.ts';
import { createKmsServer } from '../server/http.ts';
import type { Logger } from '../server/log.ts';
import { ROOT_KEY_ENV, type RootKey, randomRootKey, rootKeyFromEnvironment } from '../server/root-key.ts';
import { loadSeedFile, type ParsedSeed } from '../server/seed/parse.ts';
import { createKmsService } from '../server/service.ts';
import type { ServeOptions } from './options.ts';

/**
 * How long start-up waits for the database's integrity check before it listens: a data dir of some thousands of
 * keys is checked before the first request; a larger one (a million keys: 2-4 s) is checked while kmslab serves,
 * and stopped if it fails.
 */
const INTEGRITY_WAIT_MS = 250;

/** A start-up failure that is the user's to fix (a seed file, a root key, a busy port): no stack trace. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export interface RunningKmslab {
  /** `http://127.0.0.1:4599`: what clients put in AWS_ENDPOINT_URL_KMS. */
  endpoint: string;
  /** Where the data lives, for the banner: the SQLite file, or undefined in memory. */
  database?: string;
  rootKeyFile?: string;
  rootKeyCreated: boolean;
  seed?: ParsedSeed;
  /**
   * Settles when the database's integrity check has finished (at once in memory): rejects with a DataDirError
   * when it found the file corrupt, and kmslab must then stop.
   */
  integrity: Promise<void>;
  /** Closes the listener and every open connection, then the database, then releases the data dir. */
  stop(): Promise<void>;
}

export interface StartOptions {
  options: ServeOptions;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  /** A seed given in code (the demo), applied after the seed file, if any. */
  seedSpec?: SeedSpec;
}

/**
 * Takes the data dir, opens the store, applies the seeds and listens: everything `kmslab serve` does before its
 * banner. A start that fails leaves a data dir as it found it.
 */
export async function startKmslab({ options, logger, env, seedSpec }: StartOptions): Promise<RunningKmslab> {
  // The seed is read first so that a bad file fails before anything is created on disk.
  const seed = options.seed === undefined ? undefined : loadSeedFile(options.seed);
  for (const warning of seed?.warnings ?? []) logger.warn(warning);

  const dataDir = options.inMemory
    ? undefined
    : await openDataDir(options.dataDir, env[ROOT_KEY_ENV], (message) => logger.warn(message));
  const rootKey = dataDir?.rootKey ?? rootKeyFromEnvironment(env[ROOT_KEY_ENV]) ?? randomRootKey();
  let service: KmsServiceAdmin | undefined;
  let integrity: IntegrityCheck | undefined;
  let server: Server | undefined;
  try {
    service = openService(dataDir, rootKey, logger);
    if (dataDir) {
      integrity = checkIntegrity(dataDir.database);
      await Promise.race([integrity.passed, delay(INTEGRITY_WAIT_MS, undefined, { ref: false })]);
    }
    const defaults = { accountId: options.accountId, region: options.region };
    if (seed) applySeed(service, seed.spec, defaults, options.seed ?? '');
    if (seedSpec) applySeed(service, seedSpec, defaults, 'the built-in seed');

    server = createKmsServer({
      service,
      credentials: options.credentials,
      auth: options.auth,
      defaultAccountId: options.accountId,
      ...(logger.request ? { log: logger.request } : {}),
      // An internal error is a kmslab bug; its stack helps the report and holds no request data.
      onInternalError: (error) => logger.error(`internal error: ${(error as Error)?.stack ?? String(error)}`),
      debug: (message) => logger.debug(message),
    });
    await listen(server, options.port, options.host);
  } catch (error) {
    server?.close();
    integrity?.stop();
    try {
      service?.close();
    } finally {
      dataDir?.releaseAfterFailedStart();
    }
    throw error;
  }

  const listening = server;
  const started = service;
  const { port } = listening.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  const running: RunningKmslab = {
    endpoint: `http://${clientHost(options.host)}:${port}`,
    rootKeyCreated: rootKey.source === 'created',
    integrity: integrity?.passed ?? Promise.resolve(),
    stop: () => {
      stopping ??= stop(listening, started, integrity, dataDir);
      return stopping;
    },
  };
  if (dataDir !== undefined) running.database = dataDir.database;
  if (rootKey.path !== undefined) running.rootKeyFile = rootKey.path;
  if (seed) running.seed = seed;
  return running;
}

function openService(dataDir: DataDir | undefined, rootKey: RootKey, logger: Logger): KmsServiceAdmin {
  try {
    return createKmsService({
      database: dataDir?.database ?? ':memory:',
      rootKey: rootKey.key,
      onBackgroundError: (error) => logger.error(`writing key usage failed: ${(error as Error)?.message}`),
    });
  } catch (error) {
    throw dataDir ? databaseRefused(dataDir, error) : error;
  }
}

function applySeed(
  service: KmsServiceAdmin,
  spec: SeedSpec,
  defaults: { accountId: string; region: string },
  source: string,
): void {
  try {
    service.applySeed(spec, defaults);
  } catch (error) {
    throw new StartupError(`${source}: cannot apply the seed: ${(error as Error).message}`);
  }
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

async function stop(
  server: Server,
  service: KmsServiceAdmin,
  integrity: IntegrityCheck | undefined,
  dataDir: DataDir | undefined,
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections from SDKs and load generators would hold close() open until they time out.
  server.closeAllConnections();
  await closed;
  integrity?.stop();
  try {
    service.close();
  } finally {
    dataDir?.release();
  }
}

/** The start-up banner: where the server is and the exact variables that point AWS tools at it. */
export function banner(
  running: RunningKmslab,
  options: ServeOptions,
  version: string,
  readyMs: number,
): string {
  const [first] = options.credentials;
  const credential = first ?? DEFAULT_CREDENTIALS;
  const lines = [
    `kmslab ${version} listening on ${running.endpoint} (ready in ${Math.round(readyMs)} ms)`,
    `  region    ${options.region} (requests may use any region AWS KMS runs in; each region has its own keys)`,
    `  account   ${options.accountId}`,
    running.database === undefined
      ? '  storage   in memory (discarded when kmslab stops)'
      : `  storage   ${running.database} (root key: ${running.rootKeyFile ?? `from ${ROOT_KEY_ENV}`})`,
  ];
  if (running.seed) {
    const { spec, format } = running.seed;
    const aliasCount = spec.keys.reduce(
      (n, key) => n + (key.aliases?.length ?? 0),
      spec.aliases?.length ?? 0,
    );
    lines.push(
      `  seed      ${options.seed} (${format} format: ${spec.keys.length} keys, ${aliasCount} aliases)`,
    );
  }
  lines.push(
    options.auth === 'sigv4'
      ? '  auth      SigV4 signatures verified'
      : '  auth      NONE: signatures are not verified',
  );
  for (const extra of options.credentials.slice(1)) {
    lines.push(`  also      ${extra.accessKeyId} (account ${extra.accountId})`);
  }
  lines.push(
    '',
    'Point the AWS CLI, the AWS SDKs and k6 scripts at it:',
    `  export AWS_ENDPOINT_URL_KMS=${running.endpoint}`,
    `  export AWS_REGION=${options.region}`,
    // boto3 and the AWS CLI v1 read only AWS_DEFAULT_REGION.
    `  export AWS_DEFAULT_REGION=${options.region}`,
    `  export AWS_ACCESS_KEY_ID=${credential.accessKeyId}`,
    // A secret the user chose stays out of terminals and CI logs; the default one is documented and public.
    options.customCredentials
      ? `  export AWS_SECRET_ACCESS_KEY=<the secret you gave for ${credential.accessKeyId}>`
      : `  export AWS_SECRET_ACCESS_KEY=${credential.secretAccessKey}`,
    '',
  );
  return lines.join('\n');
}
