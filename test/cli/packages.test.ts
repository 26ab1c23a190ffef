import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  type Dirent,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  hasInstallScript,
  installedPackages,
  installTarball,
  npmEnv,
  type OfflineRegistry,
  type Packed,
  packKmslab,
  REPO,
  readManifest,
  startOfflineRegistry,
} from '../../scripts/packages.ts';
import { DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';
import { AWS_CLI, type Cli, createCli } from '../helpers/aws-cli.ts';
import { cleanEnv } from './spawn.ts';

/**
 * kmslab and kmslab-client as a user gets them: `npm pack` of the built tree, then `npm install ./<tarball>` in an
 * empty project, kmslab in one and kmslab-client alone in another. Nothing comes from the network: kmslab's
 * dependencies come from a registry on 127.0.0.1 that serves the repository's installed copies
 * (scripts/packages.ts), and kmslab-client installs `--offline` from an empty cache, which only a package with no
 * dependency can.
 */

/** For npx in the installed project: the package's own bin, nothing fetched, no update check. */
const NPX_ENV = { ...npmEnv(cleanEnv()), npm_config_offline: 'true', npm_config_update_notifier: 'false' };

const K6_BUNDLES = ['dist/k6/kms.js', 'dist/k6/kms-lite.js', 'dist/k6/envelope.js'];

/** Lists the server's keys and makes a data key under $KMS_KEY_ID with the client of package `name`. */
function clientScript(name: string): string {
  return `import { AWSConfig, KMSClient } from '${name}';
import { KmsKeyring } from '${name}/envelope';

const kms = new KMSClient(AWSConfig.fromEnvironment());
const keys = await kms.listKeys();
const dataKey = await kms.generateDataKey(process.env.KMS_KEY_ID, 32);
console.log(JSON.stringify({ keyIds: keys.map((key) => key.keyId), dataKeyUnder: dataKey.id, keyring: typeof KmsKeyring }));
`;
}

/** The same use of the client, in TypeScript with strict types, for tsc to resolve both entries' declarations. */
function typedScript(name: string): string {
  return `import { AWSConfig, KMSClient, type KMSKey } from '${name}';
import { KmsKeyring } from '${name}/envelope';

const kms: KMSClient = new KMSClient(new AWSConfig({ region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 'b' }));
export const keys: Promise<KMSKey[]> = kms.listKeys();
export const keyring = new KmsKeyring(kms, { generatorKeyId: 'alias/app' });
`;
}

/** Every file under `directory`, relative to it, with its bytes. */
function contents(directory: string): Map<string, string> {
  return new Map(
    (readdirSync(directory, { recursive: true, withFileTypes: true }) as Dirent[])
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const path = join(entry.parentPath, entry.name);
        return [path.slice(directory.length + 1), readFileSync(path).toString('base64')];
      }),
  );
}

describe('the packages as users install them', () => {
  const work = mkdtempSync(join(tmpdir(), 'kmslab-packages-'));
  const app = join(work, 'app');
  const clientApp = join(work, 'client-app');
  let packed: { kmslab: Packed; client: Packed };
  let registry: OfflineRegistry | undefined;
  let server: ChildProcess | undefined;
  let serverOutput = '';
  let serverExit: Promise<unknown[]>;
  let endpoint: string;
  let cli: Cli;
  let keyId: string | undefined;

  before(async () => {
    assert.ok(existsSync(AWS_CLI), 'install awscli: apt-get install -y awscli');
    // The tree is built (npm test builds before it tests).
    packed = packKmslab(work);
    registry = await startOfflineRegistry(Object.keys(readManifest(REPO).dependencies ?? {}));
    // One after the other: a failed install never leaves the other one running past the registry's close.
    await installTarball(clientApp, join(work, packed.client.filename));
    await installTarball(app, join(work, packed.kmslab.filename), registry);

    // Its own process group, so that a Ctrl-C (SIGINT to the group) reaches npx and the kmslab it started alike.
    server = spawn('npx', ['kmslab', 'serve', '--in-memory', '--port', '0'], {
      cwd: app,
      env: NPX_ENV,
      detached: true,
    });
    serverExit = once(server, 'close');
    server.stdout?.setEncoding('utf8');
    server.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      serverOutput += chunk;
    });
    endpoint = await new Promise<string>((resolve, reject) => {
      server?.stdout?.on('data', (chunk: string) => {
        serverOutput += chunk;
        const listening = /listening on (http:\/\/\S+)/.exec(serverOutput);
        if (listening?.[1]) resolve(listening[1]);
      });
      void serverExit.then(() => reject(new Error(`npx kmslab serve exited:\n${serverOutput}`)));
    });
    cli = await createCli({
      endpoint,
      region: DEFAULT_REGION,
      accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
      secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
    });
  });

  after(async () => {
    await registry?.close();
    if (server?.pid && server.exitCode === null && server.signalCode === null)
      process.kill(-server.pid, 'SIGKILL');
    if (cli) rmSync(cli.dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  /**
   * Runs clientScript(name) with Node in `directory`, the client pointed at the server by the SDKs' variables: it
   * lists the key the AWS CLI created and makes a data key under it.
   */
  async function assertClientWorks(directory: string, name: string): Promise<void> {
    assert.ok(keyId, 'the AWS CLI test created a key');
    writeFileSync(join(directory, 'list-keys.mjs'), clientScript(name));
    const { stdout } = await promisify(execFile)(process.execPath, ['list-keys.mjs'], {
      cwd: directory,
      env: cleanEnv({
        AWS_ENDPOINT_URL_KMS: endpoint,
        AWS_REGION: DEFAULT_REGION,
        AWS_ACCESS_KEY_ID: DEFAULT_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: DEFAULT_CREDENTIALS.secretAccessKey,
        AWS_CONFIG_FILE: join(work, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-credentials'),
        KMS_KEY_ID: keyId,
      }),
    });
    const result = JSON.parse(stdout) as { keyIds: string[]; dataKeyUnder: string; keyring: string };
    assert.ok(result.keyIds.includes(keyId), stdout);
    assert.match(result.dataKeyUnder, new RegExp(`:key/${keyId}$`));
    assert.equal(result.keyring, 'function');
  }

  test('kmslab ships its bin, dist, README and LICENSE, and depends on the server libraries only', () => {
    const { dependencies = {} } = readManifest(join(app, 'node_modules/kmslab'));
    assert.deepEqual(Object.keys(dependencies).sort(), [
      '@noble/curves',
      '@noble/post-quantum',
      'better-sqlite3',
      'yaml',
    ]);
    const files = packed.kmslab.files.map((file) => file.path);
    for (const file of ['bin/kmslab.js', 'dist/cli/main.js', 'README.md', 'LICENSE', ...K6_BUNDLES]) {
      assert.ok(files.includes(file), `${file} is not in the package`);
    }
    assert.deepEqual(
      files.filter((file) => /^(src|test|models|packages|scripts)\//.test(file)),
      [],
    );
    assert.ok(!existsSync(join(app, 'node_modules/tsx')), 'tsx (a devDependency) was installed');
  });

  test('npx kmslab serve --in-memory answers the AWS CLI: CreateKey, then GenerateDataKey under that key', async () => {
    const created = await cli.json(['create-key', '--description', 'installed from the tarball']);
    keyId = (created.KeyMetadata as { KeyId: string }).KeyId;
    const dataKey = await cli.json(['generate-data-key', '--key-id', keyId, '--key-spec', 'AES_256']);
    assert.match(String(dataKey.KeyId), new RegExp(`:key/${keyId}$`));
    assert.equal(Buffer.from(String(dataKey.Plaintext), 'base64').length, 32);
  });

  test('npx kmslab serve serves the web console from the package, announced in its banner', async () => {
    assert.match(serverOutput, new RegExp(`console +${endpoint}/_kmslab/`));
    const page = await fetch(`${endpoint}/_kmslab/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    const script = /src="\.?\/?([^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, `no script in the console's index.html:\n${html}`);
    const app = await fetch(`${endpoint}/_kmslab/${script}`);
    assert.equal(app.status, 200);
    assert.match(String(app.headers.get('content-type')), /javascript/);
  });

  test('npx kmslab demo passes', async () => {
    const { stdout } = await promisify(execFile)('npx', ['kmslab', 'demo'], {
      cwd: app,
      env: NPX_ENV,
      timeout: 60_000,
    });
    assert.match(stdout, /^OK: /m);
  });

  test("a Node script imports { AWSConfig, KMSClient } from 'kmslab' and lists the server's keys", async () => {
    await assertClientWorks(app, 'kmslab');
  });

  test('kmslab-client installs alone: no dependency, no install script, nothing else in node_modules', () => {
    const manifest = readManifest(join(clientApp, 'node_modules/kmslab-client'));
    assert.deepEqual(
      [manifest.dependencies, manifest.optionalDependencies, manifest.peerDependencies],
      [undefined, undefined, undefined],
    );
    assert.deepEqual(
      installedPackages(clientApp).map(({ manifest }) => manifest.name),
      ['kmslab-client'],
    );
    assert.deepEqual(installedPackages(clientApp).filter(hasInstallScript), []);
    assert.equal(manifest.version, readManifest(REPO).version);
  });

  test("a Node script imports { AWSConfig, KMSClient } from 'kmslab-client' and lists the server's keys", async () => {
    await assertClientWorks(clientApp, 'kmslab-client');
  });

  test('the k6 bundles are at dist/k6/ in both packages, and both hold the same built client', () => {
    const kmslab = join(app, 'node_modules/kmslab');
    const client = join(clientApp, 'node_modules/kmslab-client');
    for (const bundle of K6_BUNDLES) {
      assert.ok(existsSync(join(kmslab, bundle)), `node_modules/kmslab/${bundle}`);
      assert.ok(existsSync(join(client, bundle)), `node_modules/kmslab-client/${bundle}`);
    }
    for (const folder of ['dist/node', 'dist/k6']) {
      assert.deepEqual(contents(join(client, folder)), contents(join(kmslab, folder)), folder);
    }
  });

  test('TypeScript resolves the types of both entries of both packages (strict, NodeNext)', async () => {
    for (const [directory, name] of [
      [app, 'kmslab'],
      [clientApp, 'kmslab-client'],
    ] as const) {
      writeFileSync(join(directory, 'check.ts'), typedScript(name));
      const tsc = await promisify(execFile)(
        join(REPO, 'node_modules/.bin/tsc'),
        [
          '--noEmit',
          '--strict',
          '--target',
          'es2023',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--typeRoots',
          join(REPO, 'node_modules/@types'),
          '--types',
          'node',
          'check.ts',
        ],
        { cwd: directory },
      ).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
      assert.equal(tsc.stdout, '', `${name}: ${tsc.stdout}`);
    }
  });

  test('Ctrl-C stops npx kmslab serve', async () => {
    assert.ok(server?.pid);
    process.kill(-server.pid, 'SIGINT');
    await serverExit;
    assert.match(serverOutput, /SIGINT: stopping/);
  });
});
