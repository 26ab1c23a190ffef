import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kmslab, startKmslab } from './kmslab.ts';

/**
 * The AWS CLI v2 from Debian (2.9.19, `/usr/bin/aws`) pointed at a kmslab server, with a throwaway home and
 * config, for the tests that drive kmslab through it.
 */

/** Always the Debian v2 CLI: an older v1 `aws` comes first on PATH. */
export const AWS_CLI = '/usr/bin/aws';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Cli {
  /** Runs `aws kms <args>` against kmslab and resolves whatever the exit code. */
  kms(args: string[], env?: Record<string, string>): Promise<CliResult>;
  /** Runs `aws kms <args>`, expects exit code 0 and parses the JSON output. */
  json(args: string[]): Promise<Record<string, unknown>>;
  /** Runs a shell pipeline with the same environment (`aws` there is the Debian CLI's absolute path). */
  shell(script: string): Promise<CliResult>;
  dir: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The CLI pointed at `server`: any KMS endpoint with its region and an access key (a kmslab of the tests or not). */
export async function createCli(
  server: Pick<Kmslab, 'endpoint' | 'region' | 'accessKeyId' | 'secretAccessKey'>,
): Promise<Cli> {
  const dir = await mkdtemp(join(tmpdir(), 'kmslab-cli-'));
  // A throwaway home and config so that nothing from the user's ~/.aws (profiles, region, retries) interferes.
  await writeFile(join(dir, 'config'), '[default]\n');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_PAGER: '',
    AWS_RETRY_MODE: 'standard',
    AWS_MAX_ATTEMPTS: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const common = ['--endpoint-url', server.endpoint, '--region', server.region, '--output', 'json'];
  const kms = (args: string[], extra: Record<string, string> = {}) =>
    run(AWS_CLI, ['kms', ...args, ...common], { ...env, ...extra });
  return {
    dir,
    kms,
    async json(args) {
      const result = await kms(args);
      assert.equal(result.code, 0, `aws kms ${args.join(' ')} failed: ${result.stderr}`);
      return result.stdout.trim() === '' ? {} : JSON.parse(result.stdout);
    },
    shell(script) {
      return run('/bin/sh', ['-c', script], {
        ...env,
        KMS_ENDPOINT: server.endpoint,
        KMS_REGION: server.region,
        AWS: AWS_CLI,
      });
    },
  };
}

/** A service error as the CLI prints it: exit code 254 and AWS's error type and message on stderr. */
/**
 * A kmslab and the AWS CLI pointed at it, for a suite's `before`; `stop` (for its `after`) stops the server and
 * removes the CLI's throwaway home.
 */
export async function startCli(): Promise<{ server: Kmslab; cli: Cli; stop: () => Promise<void> }> {
  if (!existsSync(AWS_CLI)) throw new Error('install awscli: apt-get install -y awscli');
  const server = await startKmslab();
  const cli = await createCli(server);
  return {
    server,
    cli,
    async stop() {
      await server.stop();
      await rm(cli.dir, { recursive: true, force: true });
    },
  };
}

export function assertServiceError(result: CliResult, type: string, message?: string | RegExp): void {
  assert.equal(
    result.code,
    254,
    `expected exit code 254 (service error), got ${result.code}: ${result.stderr}`,
  );
  assert.match(result.stderr, new RegExp(`An error occurred \\(${type}\\) when calling the \\w+ operation`));
  if (typeof message === 'string') assert.ok(result.stderr.includes(message), `stderr: ${result.stderr}`);
  else if (message) assert.match(result.stderr, message);
  assert.equal(result.stdout, '');
}
