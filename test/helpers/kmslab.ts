import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { KMSClient } from '@aws-sdk/client-kms';
import type { AuthMode } from '../../src/server/auth.ts';
import type { CredentialEntry, KmsService, RequestLogEntry } from '../../src/server/context.ts';
import { DEFAULT_ACCOUNT_ID, DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';
import { createKmslab, type KmslabOptions } from '../../src/server/index.ts';
import { createLogger } from '../../src/server/log.ts';
import type { SeedSpec } from '../../src/server/seed/spec.ts';

export interface StartKmslabOptions {
  /** SQLite file; a throwaway in-memory store by default. */
  database?: string;
  rootKey?: Uint8Array;
  /** How many keys the store keeps in memory (the default: the store's). */
  keyCacheSize?: number;
  seed?: SeedSpec;
  auth?: AuthMode;
  credentials?: CredentialEntry[];
  /** An identities file: IAM users and role sessions with their access keys and policies. */
  identities?: string;
  /** The server's clock (signature expiry, creation dates); real time by default. */
  clock?: () => Date;
  /** How long a client has to send a whole request; the server's default otherwise. */
  requestTimeoutMs?: number;
  /** The web console (the package's dist/console by default). */
  console?: KmslabOptions['console'];
}

export interface Kmslab {
  endpoint: string;
  region: string;
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The running service, for what no API call can do (e.g. running due work at a future date). */
  service: KmsService;
  /** One entry per request served. */
  logs: RequestLogEntry[];
  /** The server's debug messages. */
  debugLines: string[];
  /** How many connections the server holds open. */
  openConnections(): Promise<number>;
  /** An AWS SDK client for this server with the default credentials and no retries. */
  sdk(overrides?: {
    accessKeyId?: string;
    secretAccessKey?: string;
    sessionToken?: string;
    region?: string;
  }): KMSClient;
  stop(): Promise<void>;
}

/** Starts a real kmslab server in this process on a free loopback port (createKmslab, as `kmslab serve` does). */
export async function startKmslab(options: StartKmslabOptions = {}): Promise<Kmslab> {
  const logs: RequestLogEntry[] = [];
  const debugLines: string[] = [];
  const kmslab = await createKmslab({
    storage: { database: options.database ?? ':memory:', rootKey: options.rootKey ?? randomBytes(32) },
    ...(options.keyCacheSize === undefined ? {} : { keyCacheSize: options.keyCacheSize }),
    seeds: options.seed ? [{ spec: options.seed, source: 'the test seed' }] : [],
    credentials: options.credentials ?? [DEFAULT_CREDENTIALS],
    ...(options.identities === undefined ? {} : { identities: options.identities }),
    auth: options.auth ?? 'sigv4',
    logger: {
      ...createLogger('warn', process.stderr),
      request: (entry) => logs.push(entry),
      debug: (message) => debugLines.push(message),
    },
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.console === undefined ? {} : { console: options.console }),
  });
  const { endpoint } = kmslab;
  const clients: KMSClient[] = [];
  return {
    endpoint,
    region: DEFAULT_REGION,
    accountId: DEFAULT_ACCOUNT_ID,
    accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
    secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
    service: kmslab.service,
    logs,
    debugLines,
    openConnections: () => kmslab.openConnections(),
    sdk(overrides = {}) {
      const client = new KMSClient({
        endpoint,
        region: overrides.region ?? DEFAULT_REGION,
        maxAttempts: 1,
        credentials: {
          accessKeyId: overrides.accessKeyId ?? DEFAULT_CREDENTIALS.accessKeyId,
          secretAccessKey: overrides.secretAccessKey ?? DEFAULT_CREDENTIALS.secretAccessKey,
          ...(overrides.sessionToken === undefined ? {} : { sessionToken: overrides.sessionToken }),
        },
      });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.destroy();
      await kmslab.stop();
    },
  };
}

/**
 * A kmslab started before the tests of the suite that calls this and stopped after them, with an SDK client:
 * `suite.server` and `suite.kms` once the suite's tests run.
 */
export function kmslabForSuite(options: StartKmslabOptions = {}): { server: Kmslab; kms: KMSClient } {
  const suite = {} as { server: Kmslab; kms: KMSClient };
  before(async () => {
    suite.server = await startKmslab(options);
    suite.kms = suite.server.sdk();
  });
  after(() => suite.server?.stop());
  return suite;
}
