import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { KMSClient } from '@aws-sdk/client-kms';
import type { AuthMode } from '../../src/server/auth.ts';
import type {
  CredentialEntry,
  KmsServiceAdmin,
  RequestLogEntry,
  SeedSpec,
} from '../../src/server/context.ts';
import { DEFAULT_ACCOUNT_ID, DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';
import { createKmsServer } from '../../src/server/http.ts';
import { createKmsService } from '../../src/server/service.ts';

export interface StartKmslabOptions {
  /** SQLite file; a throwaway in-memory store by default. */
  database?: string;
  rootKey?: Uint8Array;
  /** How many keys the store keeps in memory (the default: the store's). */
  keyCacheSize?: number;
  seed?: SeedSpec;
  auth?: AuthMode;
  credentials?: CredentialEntry[];
  /** The server's clock (signature expiry, creation dates); real time by default. */
  clock?: () => Date;
  /** How long a client has to send a whole request; the server's default otherwise. */
  requestTimeoutMs?: number;
}

export interface Kmslab {
  endpoint: string;
  region: string;
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The running service, for what no API call can do (e.g. running due work at a future date). */
  service: KmsServiceAdmin;
  /** One entry per request served. */
  logs: RequestLogEntry[];
  /** The server's debug messages. */
  debugLines: string[];
  /** How many connections the server holds open. */
  openConnections(): Promise<number>;
  /** An AWS SDK client for this server with the default credentials and no retries. */
  sdk(overrides?: { accessKeyId?: string; secretAccessKey?: string; region?: string }): KMSClient;
  stop(): Promise<void>;
}

/** Starts a real kmslab server in this process on a free loopback port. */
export async function startKmslab(options: StartKmslabOptions = {}): Promise<Kmslab> {
  const service = createKmsService({
    database: options.database ?? ':memory:',
    rootKey: options.rootKey ?? randomBytes(32),
    ...(options.keyCacheSize === undefined ? {} : { keyCacheSize: options.keyCacheSize }),
  });
  if (options.seed)
    service.applySeed(options.seed, { accountId: DEFAULT_ACCOUNT_ID, region: DEFAULT_REGION });
  const logs: RequestLogEntry[] = [];
  const debugLines: string[] = [];
  const server = createKmsServer({
    service,
    credentials: options.credentials ?? [DEFAULT_CREDENTIALS],
    auth: options.auth ?? 'sigv4',
    log: (entry) => logs.push(entry),
    debug: (message) => debugLines.push(message),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: KMSClient[] = [];
  return {
    endpoint,
    region: DEFAULT_REGION,
    accountId: DEFAULT_ACCOUNT_ID,
    accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
    secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
    service,
    logs,
    debugLines,
    openConnections: () =>
      new Promise((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
    sdk(overrides = {}) {
      const client = new KMSClient({
        endpoint,
        region: overrides.region ?? DEFAULT_REGION,
        maxAttempts: 1,
        credentials: {
          accessKeyId: overrides.accessKeyId ?? DEFAULT_CREDENTIALS.accessKeyId,
          secretAccessKey: overrides.secretAccessKey ?? DEFAULT_CREDENTIALS.secretAccessKey,
        },
      });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      service.close();
    },
  };
}
