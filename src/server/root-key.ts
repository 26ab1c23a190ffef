import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/**
 * The root key encrypts every key's material at rest. It comes from KMSLAB_ROOT_KEY, or from `root.key` in the
 * data directory (created on first start, readable by its owner only: see data-dir.ts for when it may be
 * created); a throwaway in-memory store gets a random one, since nothing it protects outlives the process.
 */

export const ROOT_KEY_ENV = 'KMSLAB_ROOT_KEY';
export const ROOT_KEY_FILE = 'root.key';
const ROOT_KEY_BYTES = 32;

export type RootKeySource = 'env' | 'file' | 'created' | 'random';

export interface RootKey {
  key: Uint8Array;
  source: RootKeySource;
  /** The file the key came from or was written to, when there is one. */
  path?: string;
}

/** A root key that can't be used: the message says where it came from and how to fix it. */
export class RootKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RootKeyError';
  }
}

/**
 * Reads 32 bytes given as 64 hex digits or as base64 (standard or URL-safe, padding optional). Returns undefined
 * for anything else, so that callers can say what is wrong without echoing the secret. Seed files use it too.
 */
export function decode256BitKey(text: string): Uint8Array | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const bytes = Buffer.from(value.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
    if (bytes.length === ROOT_KEY_BYTES) return bytes;
  }
  return undefined;
}

/** The key in KMSLAB_ROOT_KEY, when it is set. */
export function rootKeyFromEnvironment(value: string | undefined): RootKey | undefined {
  if (value === undefined || value === '') return undefined;
  const key = decode256BitKey(value);
  if (!key) {
    throw new RootKeyError(
      `${ROOT_KEY_ENV} must be 32 bytes written as 64 hex digits or as base64 (44 characters); ` +
        'generate one with `openssl rand -base64 32`',
    );
  }
  return { key, source: 'env' };
}

export function randomRootKey(): RootKey {
  return { key: randomBytes(ROOT_KEY_BYTES), source: 'random' };
}

/**
 * Writes a new root key to `path`, where there is none (the caller holds the data dir's lock and has looked). The
 * key goes to a temporary file first, is synced, and only then takes its name: a crash or a full disk leaves no
 * file rather than an empty or partial one. The mode applies at creation, so the key is never readable by others,
 * not even briefly.
 */
export function createRootKeyFile(path: string): RootKey {
  const key = randomBytes(ROOT_KEY_BYTES);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    // A leftover of a start that crashed here is never reused: its mode is not ours to trust.
    rmSync(temporary, { force: true });
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      writeSync(fd, `${key.toString('base64')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    syncDirectory(dirname(path));
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new RootKeyError(`cannot create the root key file ${path}: ${(error as Error).message}`);
  }
  return { key, source: 'created', path };
}

/** Makes a rename durable: the new name is an entry of the directory, which is synced on its own. */
function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The root key in `path`; undefined when there is no such file. */
export function readRootKeyFile(path: string): RootKey | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RootKeyError(`cannot read the root key file ${path}: ${(error as Error).message}`);
  }
  // POSIX permission bits mean nothing on Windows.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new RootKeyError(
      `the root key file ${path} is readable or writable by group or others (mode ${(mode & 0o777).toString(8)}); ` +
        `run \`chmod 600 ${path}\``,
    );
  }
  const key = decode256BitKey(readFileSync(path, 'utf8'));
  if (!key) {
    throw new RootKeyError(
      `the root key file ${path} does not hold 32 bytes as hex or base64; restore it from a backup ` +
        '(without it the keys in this data directory cannot be decrypted)',
    );
  }
  return { key, source: 'file', path };
}
