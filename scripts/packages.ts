// kmslab and kmslab-client as npm publishes them, installed as users install them (`npm install <tarball>` in an
// empty project) with nothing from the network: used by test/cli/packages.test.ts and scripts/package-sizes.ts.
import { execFile, execFileSync } from 'node:child_process';
import {
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

export function readManifest(directory: string): Manifest {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as Manifest;
}

/** What `npm pack --json` says of one tarball. */
export interface Packed {
  name: string;
  version: string;
  /** The tarball's file name. */
  filename: string;
  /** The tarball's bytes and the bytes of the files it holds. */
  size: number;
  unpackedSize: number;
  integrity: string;
  shasum: string;
  files: { path: string; size: number }[];
}

/**
 * The environment for npm without the npm_* settings an enclosing `npm test` or `npm run` passes down (npm reads
 * npm_config_* as its own configuration).
 */
export function npmEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(base).filter(([name]) => !/^npm_/i.test(name)));
}

function npmPack(cwd: string, destination: string, folders: string[] = []): Packed[] {
  // --ignore-scripts: the tree is built (`npm run build`); `prepare` and `prepack` would only build it again.
  const output = execFileSync(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', destination, ...folders],
    { cwd, encoding: 'utf8', env: npmEnv(), maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(output) as Packed[];
}

/** kmslab (the repository) and kmslab-client (packages/client), packed into `destination` from the built tree. */
export function packKmslab(destination: string): { kmslab: Packed; client: Packed } {
  const [kmslab] = npmPack(REPO, destination);
  const [client] = npmPack(join(REPO, 'packages/client'), destination);
  if (!kmslab || !client) throw new Error('npm pack wrote no tarball');
  return { kmslab, client };
}

/** Where Node finds package `name` from `directory`: its node_modules, then each enclosing one up to the repo's. */
function installedCopy(name: string, directory: string): string | undefined {
  for (let dir = directory; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === REPO || dir === dirname(dir)) return undefined;
  }
}

/** The repository's installed copies of `names` and of everything they depend on (optional ones if installed). */
function dependencyClosure(names: readonly string[]): string[] {
  const found = new Set<string>();
  const pending = names.map((name) => installedCopy(name, REPO));
  while (pending.length > 0) {
    const directory = pending.pop();
    if (directory === undefined || found.has(directory)) continue;
    found.add(directory);
    const { dependencies = {}, optionalDependencies = {} } = readManifest(directory);
    for (const name of [...Object.keys(dependencies), ...Object.keys(optionalDependencies)]) {
      pending.push(installedCopy(name, directory));
    }
  }
  return [...found];
}

export interface OfflineRegistry {
  url: string;
  close(): Promise<void>;
}

/**
 * An npm registry on 127.0.0.1 serving the repository's installed copies of `names` and of all they depend on,
 * each repacked with `npm pack` (so it holds what its publisher published, without build output). `npm install`
 * resolves a package's dependencies from it by their version ranges as it would from registry.npmjs.org, with no
 * network, and installs the same tree.
 */
export async function startOfflineRegistry(names: readonly string[]): Promise<OfflineRegistry> {
  const tarballs = mkdtempSync(join(tmpdir(), 'kmslab-registry-'));
  const packages = new Map<string, Map<string, { manifest: Manifest; packed: Packed }>>();
  const closure = dependencyClosure(names);
  const packed = npmPack(REPO, tarballs, closure);
  closure.forEach((directory, index) => {
    const manifest = readManifest(directory);
    const tarball = packed[index];
    if (!tarball || tarball.name !== manifest.name)
      throw new Error(`npm pack ${directory}: unexpected output`);
    const versions = packages.get(manifest.name) ?? new Map();
    versions.set(manifest.version, { manifest, packed: tarball });
    packages.set(manifest.name, versions);
  });

  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://registry').pathname.slice(1));
    const file = path.startsWith('-/') ? basename(path) : undefined;
    if (file && existsSync(join(tarballs, file))) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(join(tarballs, file)).pipe(response);
      return;
    }
    const versions = packages.get(path);
    if (!versions) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
      return;
    }
    const packument = {
      name: path,
      // Every version here is the one the repository installed; there is one per name unless npm nested two.
      'dist-tags': { latest: [...versions.keys()].at(-1) },
      versions: Object.fromEntries(
        [...versions].map(([version, { manifest, packed }]) => [
          version,
          {
            ...manifest,
            dist: {
              tarball: `${url}/-/${packed.filename}`,
              integrity: packed.integrity,
              shasum: packed.shasum,
            },
          },
        ]),
      ),
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument));
  });
  // Unreferenced: a test that fails before close() still ends.
  server.unref();
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(tarballs, { recursive: true, force: true });
    },
  };
}

/** An installed package: its directory and manifest. */
export interface Installed {
  directory: string;
  manifest: Manifest;
}

/** Every package under `directory`/node_modules, nested and scoped ones included. */
export function installedPackages(directory: string): Installed[] {
  const modules = join(directory, 'node_modules');
  if (!existsSync(modules)) return [];
  return readdirSync(modules, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .flatMap((entry) =>
      entry.name.startsWith('@')
        ? readdirSync(join(modules, entry.name)).map((name) => join(modules, entry.name, name))
        : [join(modules, entry.name)],
    )
    .flatMap((path) => [{ directory: path, manifest: readManifest(path) }, ...installedPackages(path)]);
}

/** Whether npm runs a script when it installs the package (a binding.gyp means `node-gyp rebuild`). */
export function hasInstallScript({ directory, manifest }: Installed): boolean {
  const { scripts = {} } = manifest;
  return (
    ['preinstall', 'install', 'postinstall'].some((name) => name in scripts) ||
    existsSync(join(directory, 'binding.gyp'))
  );
}

// The addon that better-sqlite3's install script downloads (a prebuilt binary from GitHub) or compiles (minutes).
const SQLITE_ADDON = 'build/Release/better_sqlite3.node';

/**
 * `npm install ./<tarball>` in a new project `directory` (a package.json as `npm init -y` writes), with an empty
 * cache of its own and nothing from the network. Without `registry`, npm runs `--offline`: a package with any
 * dependency fails to install. With it, dependencies come from that registry and install scripts are skipped;
 * the only one there is better-sqlite3's, whose addon is copied in from the repository's install.
 */
export async function installTarball(directory: string, tarball: string, registry?: OfflineRegistry) {
  mkdirSync(directory, { recursive: true });
  await writeFile(
    join(directory, 'package.json'),
    `${JSON.stringify({ name: basename(directory), version: '1.0.0', private: true }, null, 2)}\n`,
  );
  const npmHome = mkdtempSync(join(tmpdir(), 'kmslab-npm-'));
  await writeFile(join(npmHome, 'npmrc'), '');
  try {
    // Not execFileSync: the registry answers from this process's event loop.
    await promisify(execFile)(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
        '--userconfig',
        join(npmHome, 'npmrc'),
        '--cache',
        join(npmHome, 'cache'),
        ...(registry ? ['--registry', registry.url, '--ignore-scripts'] : ['--offline']),
        tarball,
      ],
      { cwd: directory, env: npmEnv(), encoding: 'utf8' },
    );
  } finally {
    await rm(npmHome, { recursive: true, force: true });
  }
  if (!registry) return;
  for (const skipped of installedPackages(directory).filter(hasInstallScript)) {
    if (skipped.manifest.name !== 'better-sqlite3') {
      throw new Error(
        `${skipped.manifest.name} has an install script, which was skipped: run it or copy its output`,
      );
    }
    cpSync(join(REPO, 'node_modules/better-sqlite3', SQLITE_ADDON), join(skipped.directory, SQLITE_ADDON));
  }
}
