import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  createRootKeyFile,
  ROOT_KEY_ENV,
  ROOT_KEY_FILE,
  type RootKey,
  readRootKeyFile,
  rootKeyFromEnvironment,
} from './root-key.ts';
import { SchemaError } from './store/sqlite/migrations.ts';
import { RootKeyMismatch } from './store/sqlite/sealing.ts';

/**
 * A data dir holds one kmslab's keys: `kmslab.sqlite3` and the `root.key` its key material is encrypted under.
 * One process at a time may use it (`kmslab.lock`), and what is in it is checked before anything is written: a
 * data dir that is not what it should be is refused with the file and the fix named, never reinitialised.
 */

export const DATABASE_FILE = 'kmslab.sqlite3';
const LOCK_FILE = 'kmslab.lock';
/** Written by the lock's holder, so that a refused start can say who holds it. */
const PID_FILE = 'kmslab.pid';
/** How long a start waits for the lock: enough for a start racing ours to finish taking it. */
const LOCK_WAIT_MS = 500;

/** A data dir that kmslab refuses to use; the message names the file and what to do. */
export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirError';
  }
}

export interface DataDir {
  readonly database: string;
  readonly rootKey: RootKey;
  /** Releases the lock. */
  release(): void;
  /** After a start that failed: removes what it created in a new data dir, then releases the lock. */
  releaseAfterFailedStart(): void;
}

/**
 * Takes the data dir at `path` for this process, creating it if needed: first its lock, then the root key, by
 * these rules: a database without its root key, or a root key without its database (missing or empty), is refused.
 * A new root key is written only into a data dir that has neither.
 */
export async function openDataDir(
  path: string,
  rootKeyEnvironment: string | undefined,
  warn: (message: string) => void,
): Promise<DataDir> {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new DataDirError(`cannot create the data dir ${path}: ${(error as Error).message}`);
  }
  warnIfOthersCanWrite(path, warn);
  const lock = await lockDataDir(path, warn);
  try {
    const database = join(path, DATABASE_FILE);
    const { rootKey, isNew } = rootKeyOf(path, database, rootKeyEnvironment);
    return {
      database,
      rootKey,
      release: lock.release,
      releaseAfterFailedStart() {
        if (isNew) {
          for (const suffix of ['', '-wal', '-shm', '-journal'])
            rmSync(`${database}${suffix}`, { force: true });
          if (rootKey.source === 'created' && rootKey.path) rmSync(rootKey.path, { force: true });
        }
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

function warnIfOthersCanWrite(path: string, warn: (message: string) => void): void {
  // POSIX permission bits mean nothing on Windows.
  if (process.platform === 'win32') return;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o022) !== 0) {
    warn(
      `the data dir ${path} is writable by group or others (mode ${mode.toString(8)}): they could replace its ` +
        `database or root key; run \`chmod 700 ${path}\``,
    );
  }
}

function rootKeyOf(
  path: string,
  database: string,
  rootKeyEnvironment: string | undefined,
): { rootKey: RootKey; isNew: boolean } {
  const keyFile = join(path, ROOT_KEY_FILE);
  const size = fileSize(database);
  if (size === 0) {
    throw new DataDirError(
      `${database} is empty (0 bytes), which is not a kmslab database: restore it from a backup, or remove it ` +
        'to start with no keys',
    );
  }
  const fromEnvironment = rootKeyFromEnvironment(rootKeyEnvironment);
  const fromFile = fromEnvironment ? undefined : readRootKeyFile(keyFile);
  if (size === undefined && fromFile) {
    throw new DataDirError(
      `${database} is missing, but ${keyFile} is there, so this data dir held keys: restore the database from ` +
        `a backup, or remove ${ROOT_KEY_FILE} to start a new, empty data dir`,
    );
  }
  if (size !== undefined && !fromEnvironment && !fromFile) {
    throw new DataDirError(
      `${keyFile} is missing, and ${database} holds key material encrypted under it: restore ${ROOT_KEY_FILE} ` +
        `from a backup, or give that key in ${ROOT_KEY_ENV} (kmslab will not make a new one for an existing database)`,
    );
  }
  return { rootKey: fromEnvironment ?? fromFile ?? createRootKeyFile(keyFile), isNew: size === undefined };
}

function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DataDirError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

// The lock

/** Lock connections in use. One that was garbage-collected would close, and so release its lock. */
const heldLocks = new Set<Database.Database>();

/**
 * The lock is SQLite's own file lock (fcntl) on `kmslab.lock`, held by a transaction that stays open: the OS
 * releases it when the process ends, however it ends (kill -9 included), so a stale lock can't block a restart,
 * and whichever of several simultaneous starts takes it first is the only one that goes on.
 */
async function lockDataDir(path: string, warn: (message: string) => void): Promise<{ release(): void }> {
  const lockFile = join(path, LOCK_FILE);
  let lock: Database.Database;
  try {
    lock = new Database(lockFile, { timeout: LOCK_WAIT_MS });
  } catch (error) {
    throw new DataDirError(`cannot open the lock file ${lockFile}: ${(error as Error).message}`);
  }
  try {
    // The transaction writes nothing: its journal need not be a file.
    lock.pragma('journal_mode = MEMORY');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') {
      throw new DataDirError(`cannot lock the data dir ${path} (${lockFile}): ${(error as Error).message}`);
    }
    const holder = await lockHolder(path);
    throw new DataDirError(
      `the data dir ${path} is in use by another kmslab (${holder === undefined ? 'PID unknown' : `PID ${holder}`}): ` +
        'stop it first, or give this one another --data-dir',
    );
  }
  heldLocks.add(lock);
  const pidFile = join(path, PID_FILE);
  try {
    writeFileSync(`${pidFile}.tmp`, `${process.pid}\n`);
    renameSync(`${pidFile}.tmp`, pidFile);
  } catch (error) {
    // The lock holds without it; only a refused start's message loses the PID.
    rmSync(`${pidFile}.tmp`, { force: true });
    warn(`cannot write ${pidFile}: ${(error as Error).message}`);
  }
  return {
    release() {
      if (!heldLocks.delete(lock)) return;
      rmSync(pidFile, { force: true });
      lock.close();
    },
  };
}

/** The PID of the lock's holder, once its PID file names a running process (it is written just after locking). */
async function lockHolder(path: string): Promise<number | undefined> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const pid = readPid(join(path, PID_FILE));
    if (pid !== undefined && isRunning(pid)) return pid;
    await delay(100);
  }
  return undefined;
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// The database

/** Why the database of a data dir could not be opened, for the operator. */
export function databaseRefused(dataDir: DataDir, error: unknown): DataDirError {
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof RootKeyMismatch) {
    const source = dataDir.rootKey.source === 'env' ? ROOT_KEY_ENV : dataDir.rootKey.path;
    return new DataDirError(
      `the root key (${source}) does not match the one ${dataDir.database} was created with: give this data ` +
        `dir's root key (restore ${ROOT_KEY_FILE} from a backup, or set ${ROOT_KEY_ENV} to it)`,
    );
  }
  // It names the file and what to do already.
  if (error instanceof SchemaError) return new DataDirError(message);
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return corrupt(dataDir.database, message);
  return new DataDirError(`cannot open ${dataDir.database}: ${message}`);
}

function corrupt(database: string, problems: string): DataDirError {
  return new DataDirError(
    `${database} is corrupt (${problems}): restore it from a backup; kmslab will not serve from it`,
  );
}

const QUICK_CHECK = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.database, { readonly: true, fileMustExist: true });
try {
  parentPort.postMessage(db.pragma('quick_check(5)').map((row) => row.quick_check));
} finally {
  db.close();
}
`;

export interface IntegrityCheck {
  /** Resolves when the database passed; rejects with a DataDirError naming the problems when it did not. */
  readonly passed: Promise<void>;
  stop(): void;
}

/**
 * SQLite's `PRAGMA quick_check` (every page and record, but not that each index matches its table, which is
 * integrity_check's O(N log N) and twice the time) on a connection of its own in a worker thread: the event loop
 * keeps serving meanwhile. It reads the whole file: 2-4 s for a million keys.
 */
export function checkIntegrity(database: string): IntegrityCheck {
  const worker = new Worker(QUICK_CHECK, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), database },
  });
  worker.unref();
  const passed = new Promise<void>((resolve, reject) => {
    worker.once('message', (rows: string[]) => {
      const problems = rows.flatMap((row) => row.split('\n'));
      if (problems.length === 1 && problems[0] === 'ok') resolve();
      else reject(corrupt(database, problems.join('; ')));
    });
    worker.once('error', (error) => reject(corrupt(database, error.message)));
  });
  return { passed, stop: () => void worker.terminate() };
}
