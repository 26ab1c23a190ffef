import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO, run } from './spawn.ts';

/**
 * The package as npm publishes it (`npm pack` of the built tree), installed with its dependencies and nothing
 * else: the CLI runs from its bundle without tsx or any other devDependency, and the client entries load with no
 * dependency at all.
 */

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function manifest(directory: string): Manifest {
  return JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as Manifest;
}

/** The repository's installed copies of `names` and of everything they depend on, by package name. */
function dependencyClosure(names: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  const pending = [...names];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const directory = join(REPO, 'node_modules', name);
    if (found.has(name) || !existsSync(directory)) continue;
    found.set(name, directory);
    const { dependencies = {}, optionalDependencies = {} } = manifest(directory);
    pending.push(...Object.keys(dependencies), ...Object.keys(optionalDependencies));
  }
  return found;
}

describe('the published package', () => {
  const work = mkdtempSync(join(tmpdir(), 'kmslab-package-'));
  const installed = join(work, 'package');
  let files: string[];
  before(() => {
    // The tree is built (npm test builds before it tests); --ignore-scripts keeps `prepare` from building again.
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
        cwd: REPO,
        encoding: 'utf8',
      }),
    ) as { filename: string; files: { path: string }[] }[];
    assert.ok(packed);
    files = packed.files.map((file) => file.path);
    execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', work]);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('depends on the server libraries only: tsx is no dependency; no sources or models ship', () => {
    const { dependencies = {} } = manifest(installed);
    assert.deepEqual(Object.keys(dependencies).sort(), [
      '@noble/curves',
      '@noble/post-quantum',
      'better-sqlite3',
      'yaml',
    ]);
    assert.ok(files.includes('dist/cli/main.js') && files.includes('dist/k6/kms.js'), files.join('\n'));
    assert.deepEqual(
      files.filter((file) => file.startsWith('src/') || file.startsWith('models/')),
      [],
    );
  });

  test('the client entries load with no dependency installed', () => {
    const loaded = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '--eval',
        `const client = await import('./dist/node/client/index.js');
         const envelope = await import('./dist/node/client/envelope/index.js');
         console.log(typeof client.KMSClient, typeof envelope.encrypt);`,
      ],
      { cwd: installed, encoding: 'utf8' },
    );
    assert.equal(loaded.trim(), 'function function');
  });

  test('kmslab demo and kmslab serve run with the dependencies alone', async () => {
    const modules = join(installed, 'node_modules');
    for (const [name, directory] of dependencyClosure(Object.keys(manifest(installed).dependencies ?? {}))) {
      mkdirSync(dirname(join(modules, name)), { recursive: true });
      symlinkSync(directory, join(modules, name), 'dir');
    }
    assert.ok(!existsSync(join(modules, 'tsx')), 'tsx is not among them');
    const bin = join(installed, 'bin', 'kmslab.js');
    const demo = await run(['demo'], {}, [process.execPath, bin]);
    assert.equal(demo.code, 0, demo.stderr);
    assert.match(demo.stdout, /^OK: /m);

    const serve = spawn(process.execPath, [bin, 'serve', '--in-memory', '--port', '0'], { cwd: work });
    let stdout = '';
    serve.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const exited = once(serve, 'exit');
    const endpoint = await new Promise<string | undefined>((resolve) => {
      serve.stdout.on('data', () => {
        const listening = /listening on (\S+)/.exec(stdout);
        if (listening) resolve(listening[1]);
      });
      void exited.then(() => resolve(undefined));
    });
    assert.ok(endpoint, stdout);
    const answer = await fetch(`${endpoint}/`, {
      method: 'POST',
      headers: { 'x-amz-target': 'TrentService.ListKeys' },
    });
    assert.equal(
      ((await answer.json()) as { __type?: string }).__type,
      'MissingAuthenticationTokenException',
    );
    serve.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
  });
});
