// `npm run package:sizes`: what `npm install kmslab` and `npm install kmslab-client` bring into a project. Each
// tarball is packed from the built tree and installed in an empty project as test/cli/packages.test.ts does (kmslab's
// dependencies from the repository's installed copies, better-sqlite3's addon as compiled here), then measured.
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  installedPackages,
  installTarball,
  type Packed,
  packKmslab,
  REPO,
  readManifest,
  startOfflineRegistry,
} from './packages.ts';

/** The bytes of every file under `path` (their lengths, not the disk blocks they take). */
function bytes(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + bytes(join(path, name)), 0);
}

const size = (n: number) =>
  n < 1_000_000 ? `${(n / 1000).toFixed(1)} kB` : `${(n / 1_000_000).toFixed(1)} MB`;

const work = mkdtempSync(join(tmpdir(), 'kmslab-sizes-'));
const registry = await startOfflineRegistry(Object.keys(readManifest(REPO).dependencies ?? {}));
try {
  const packed = packKmslab(work);
  const rows: string[] = [];
  const heaviest: string[] = [];
  for (const tarball of [packed.kmslab, packed.client] satisfies Packed[]) {
    const project = join(work, tarball.name);
    await installTarball(project, join(work, tarball.filename), registry);
    const others = installedPackages(project).filter(({ manifest }) => manifest.name !== tarball.name);
    const direct = Object.keys(readManifest(join(project, 'node_modules', tarball.name)).dependencies ?? {});
    const installed = bytes(join(project, 'node_modules'));
    rows.push(
      `| \`${tarball.name}\` | ${size(tarball.size)} | ${size(tarball.unpackedSize)} (${tarball.files.length} files) | ${direct.length} | ${others.length} | ${size(installed)} |`,
    );
    for (const { directory, manifest } of others
      .sort((a, b) => bytes(b.directory) - bytes(a.directory))
      .slice(0, 3)) {
      heaviest.push(`${manifest.name}@${manifest.version} ${size(bytes(directory))}`);
    }
  }
  console.log(`| package | tarball | unpacked | dependencies | packages installed with it | node_modules |
|---|---:|---:|---:|---:|---:|
${rows.join('\n')}

The heaviest: ${heaviest.join(', ')}.
better-sqlite3 is measured with the addon compiled here; its install script downloads a prebuilt one, or
compiles SQLite where there is none.`);
} finally {
  await registry.close();
  rmSync(work, { recursive: true, force: true });
}
