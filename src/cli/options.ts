import { parseArgs } from 'node:util';
import { partitionOf } from '../protocol/regions.ts';
import type { AuthMode } from '../server/auth.ts';
import type { CredentialEntry } from '../server/context.ts';
import {
  DEFAULT_ACCOUNT_ID,
  DEFAULT_CREDENTIALS,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_REGION,
} from '../server/defaults.ts';
import { isAccountId } from '../server/keys/arn.ts';
import { isLogLevel, LOG_LEVELS, type LogLevel } from '../server/log.ts';

/** Bad flags or environment: the CLI prints the message and exits 2, as usage errors do. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ServeOptions {
  host: string;
  port: number;
  /** Holds the SQLite file and root.key; unused in memory. */
  dataDir: string;
  inMemory: boolean;
  credentials: CredentialEntry[];
  /** False when the documented default pair is in use, whose secret is public and safe to print. */
  customCredentials: boolean;
  accountId: string;
  region: string;
  seed?: string;
  /** The identities file: IAM users and role sessions, their access keys and policies. */
  identities?: string;
  logLevel: LogLevel;
  auth: AuthMode;
  /** Serve the web console under /_kmslab/. */
  console: boolean;
}

/** One row per setting: the flag, its environment variable, and how `--help` shows it. */
export const SERVE_SETTINGS = [
  { flag: 'host', env: 'KMSLAB_HOST', value: 'HOST', help: `address to listen on (default ${DEFAULT_HOST})` },
  {
    flag: 'port',
    env: 'KMSLAB_PORT',
    value: 'PORT',
    help: `port; 0 picks a free one (default ${DEFAULT_PORT})`,
  },
  {
    flag: 'data-dir',
    env: 'KMSLAB_DATA_DIR',
    value: 'DIR',
    help: 'directory for the SQLite file and root.key (default ./.kmslab)',
  },
  { flag: 'in-memory', env: 'KMSLAB_IN_MEMORY', value: '', help: 'keep nothing: a throwaway store' },
  {
    flag: 'credentials',
    env: 'KMSLAB_CREDENTIALS',
    value: 'AKID:SECRET[:ACCOUNT],...',
    help: 'access keys to accept (default: the documented default pair)',
  },
  {
    flag: 'account',
    env: 'KMSLAB_ACCOUNT_ID',
    value: 'ID',
    help: `account of keys without one (default ${DEFAULT_ACCOUNT_ID})`,
  },
  {
    flag: 'region',
    env: 'KMSLAB_REGION',
    value: 'REGION',
    help: `region to advertise and to seed into (default ${DEFAULT_REGION})`,
  },
  { flag: 'seed', env: 'KMSLAB_SEED', value: 'FILE', help: 'YAML seed file (kmslab or local-kms format)' },
  {
    flag: 'identities',
    env: 'KMSLAB_IDENTITIES',
    value: 'FILE',
    help: 'YAML file of IAM users and roles: access keys, tags, identity-based policies',
  },
  {
    flag: 'log-level',
    env: 'KMSLAB_LOG_LEVEL',
    value: LOG_LEVELS.join('|'),
    help: 'info logs one line per request (default info)',
  },
  {
    flag: 'auth',
    env: 'KMSLAB_AUTH',
    value: 'sigv4|none',
    help: 'none accepts any well-formed signature (default sigv4)',
  },
  {
    flag: 'no-console',
    env: 'KMSLAB_NO_CONSOLE',
    value: '',
    help: 'no web console: nothing served under /_kmslab/',
  },
] as const;

const ACCESS_KEY_ID = /^[A-Za-z0-9]{16,128}$/;

export interface ParsedServeOptions {
  options: ServeOptions;
  /** Settings that were understood but have no effect, for the log. */
  warnings: string[];
}

/** Flags win over environment variables, which win over defaults. */
export function parseServeOptions(args: string[], env: NodeJS.ProcessEnv): ParsedServeOptions {
  const { values } = parseFlags(args);
  const setting = (flag: (typeof SERVE_SETTINGS)[number]['flag']): string | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === 'string') return fromFlag;
    const fromEnv = env[SERVE_SETTINGS.find((s) => s.flag === flag)?.env ?? ''];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };

  const accountId = setting('account') ?? DEFAULT_ACCOUNT_ID;
  if (!isAccountId(accountId)) throw new UsageError(`--account: "${accountId}" is not a 12-digit account ID`);
  const region = setting('region') ?? DEFAULT_REGION;
  if (!partitionOf(region))
    throw new UsageError(`--region: "${region}" is not a region AWS KMS runs in, such as us-east-1`);

  const credentialsText = setting('credentials');
  const options: ServeOptions = {
    host: setting('host') ?? DEFAULT_HOST,
    port: parsePort(setting('port')),
    dataDir: setting('data-dir') ?? '.kmslab',
    inMemory: values['in-memory'] === true || parseBoolean('KMSLAB_IN_MEMORY', env.KMSLAB_IN_MEMORY),
    credentials: credentialsText
      ? parseCredentials(credentialsText, accountId)
      : [{ ...DEFAULT_CREDENTIALS, accountId }],
    customCredentials: credentialsText !== undefined,
    accountId,
    region,
    logLevel: parseLogLevel(setting('log-level')),
    auth: parseAuth(setting('auth')),
    console: !(values['no-console'] === true || parseBoolean('KMSLAB_NO_CONSOLE', env.KMSLAB_NO_CONSOLE)),
  };
  const seed = setting('seed');
  if (seed !== undefined) options.seed = seed;
  const identities = setting('identities');
  if (identities !== undefined) options.identities = identities;

  const warnings: string[] = [];
  if (options.inMemory && setting('data-dir') !== undefined) {
    warnings.push('--in-memory: the data directory is not used');
  }
  for (const name of Object.keys(env)) {
    const known = name === 'KMSLAB_ROOT_KEY' || SERVE_SETTINGS.some((s) => s.env === name);
    if (name.startsWith('KMSLAB_') && !known) warnings.push(`ignoring unknown environment variable ${name}`);
  }
  return { options, warnings };
}

function parseFlags(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'in-memory': { type: 'boolean' },
        credentials: { type: 'string' },
        account: { type: 'string' },
        region: { type: 'string' },
        seed: { type: 'string' },
        identities: { type: 'string' },
        'log-level': { type: 'string' },
        auth: { type: 'string' },
        'no-console': { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port: "${text}" is not a port (0-65535)`);
  return port;
}

function parseBoolean(name: string, text: string | undefined): boolean {
  if (text === undefined) return false;
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(value)) return false;
  throw new UsageError(`${name}: "${text}" is not a boolean (true or false)`);
}

function parseLogLevel(text: string | undefined): LogLevel {
  if (text === undefined) return 'info';
  if (!isLogLevel(text))
    throw new UsageError(`--log-level: "${text}" is not one of ${LOG_LEVELS.join(', ')}`);
  return text;
}

function parseAuth(text: string | undefined): AuthMode {
  if (text === undefined) return 'sigv4';
  if (text !== 'sigv4' && text !== 'none') throw new UsageError(`--auth: "${text}" is not sigv4 or none`);
  return text;
}

/** `AKID:SECRET[:ACCOUNT],...`; an entry without an account belongs to the default account. */
export function parseCredentials(text: string, defaultAccountId: string): CredentialEntry[] {
  const entries = text.split(',').map((entry, index) => {
    const parts = entry.trim().split(':');
    const [accessKeyId = '', secretAccessKey = '', accountId = defaultAccountId] = parts;
    const which = `--credentials entry ${index + 1}`;
    if (parts.length < 2 || parts.length > 3) {
      throw new UsageError(`${which}: expected ACCESS_KEY_ID:SECRET_ACCESS_KEY[:ACCOUNT_ID]`);
    }
    if (!ACCESS_KEY_ID.test(accessKeyId)) {
      throw new UsageError(`${which}: the access key ID must be 16-128 letters and digits`);
    }
    // Only the length is reported: the secret itself must not end up in a terminal or CI log.
    if (secretAccessKey.length < 16 || secretAccessKey.length > 128 || /\s/.test(secretAccessKey)) {
      throw new UsageError(
        `${which} (${accessKeyId}): the secret access key must be 16-128 characters without spaces`,
      );
    }
    if (!isAccountId(accountId)) {
      throw new UsageError(`${which} (${accessKeyId}): "${accountId}" is not a 12-digit account ID`);
    }
    return { accessKeyId, secretAccessKey, accountId };
  });
  const seen = new Set<string>();
  for (const { accessKeyId } of entries) {
    if (seen.has(accessKeyId)) throw new UsageError(`--credentials: ${accessKeyId} is given more than once`);
    seen.add(accessKeyId);
  }
  return entries;
}
