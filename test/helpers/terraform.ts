import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { type Kmslab, startKmslab } from './kmslab.ts';

/**
 * Terraform with the hashicorp/aws provider, pointed at a kmslab endpoint. No registry is reachable here: the
 * provider comes from a local filesystem mirror (TF_CLI_CONFIG_FILE with `provider_installation { filesystem_mirror
 * { ... } }`). Where terraform or the mirror is missing, `terraformUnavailable()` says why, and tests skip with it.
 */

const run = promisify(execFile);

/** Where this machine kind keeps the provider mirror; KMSLAB_TF_MIRROR overrides it. */
export const TF_MIRROR = process.env.KMSLAB_TF_MIRROR ?? '/opt/tf-plugins';
const PROVIDER = 'registry.terraform.io/hashicorp/aws';

/** Why terraform can't run here, or undefined when it can. */
export function terraformUnavailable(): string | undefined {
  const onPath = (process.env.PATH ?? '')
    .split(':')
    .some((dir) => dir !== '' && existsSync(join(dir, 'terraform')));
  if (!onPath) return 'terraform is not on PATH';
  if (!existsSync(join(TF_MIRROR, PROVIDER)))
    return `no hashicorp/aws provider mirror at ${TF_MIRROR}/${PROVIDER}`;
  return undefined;
}

export interface TerraformTarget {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Terraform {
  dir: string;
  /** Replaces the configuration's resources (main.tf) with `hcl`. */
  write(hcl: string): void;
  apply(): Promise<string>;
  /** `terraform plan -detailed-exitcode`: true when the plan is empty (no drift), false when it has changes. */
  planIsEmpty(): Promise<{ empty: boolean; output: string }>;
  /** `terraform output -json`, parsed. */
  outputs(): Promise<Record<string, unknown>>;
  destroy(): Promise<string>;
  remove(): void;
}

/** An aws provider block for `target` in `region`; `alias` names a second provider (another Region). */
function providerBlock(target: TerraformTarget, region: string, alias?: string): string {
  return `provider "aws" {
${alias ? `  alias                       = "${alias}"\n` : ''}  region                      = "${region}"
  access_key                  = "${target.accessKeyId}"
  secret_key                  = "${target.secretAccessKey}"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    kms = "${target.endpoint}"
  }
}
`;
}

/**
 * A terraform working directory whose aws provider talks to `target` for KMS; `init` has run. `regions` adds
 * aliased providers for other Regions (`provider = aws.<alias>`), as multi-Region replicas need.
 */
export async function terraform(
  target: TerraformTarget,
  regions: Readonly<Record<string, string>> = {},
): Promise<Terraform> {
  const dir = mkdtempSync(join(tmpdir(), 'kmslab-tf-'));
  const cliConfig = join(dir, 'terraformrc');
  writeFileSync(
    cliConfig,
    `provider_installation {
  filesystem_mirror {
    path    = "${TF_MIRROR}"
    include = ["${PROVIDER}"]
  }
  direct {
    exclude = ["${PROVIDER}"]
  }
}
`,
  );
  writeFileSync(
    join(dir, 'provider.tf'),
    [
      providerBlock(target, target.region),
      ...Object.entries(regions).map(([alias, region]) => providerBlock(target, region, alias)),
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
  };
  const tf = async (args: string[], okCodes = [0]) => {
    try {
      const { stdout, stderr } = await run('terraform', args, { cwd: dir, env, maxBuffer: 64 << 20 });
      return { code: 0, stdout, output: stdout + stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      const output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
      if (typeof failed.code === 'number' && okCodes.includes(failed.code)) {
        return { code: failed.code, stdout: failed.stdout ?? '', output };
      }
      throw new Error(`terraform ${args.join(' ')} failed (exit ${failed.code}):\n${output}`);
    }
  };
  await tf(['init', '-no-color', '-backend=false']);
  return {
    dir,
    write(hcl) {
      writeFileSync(join(dir, 'main.tf'), hcl);
    },
    apply: async () => (await tf(['apply', '-no-color', '-auto-approve'])).output,
    async planIsEmpty() {
      const { code, output } = await tf(['plan', '-no-color', '-detailed-exitcode'], [0, 2]);
      return { empty: code === 0, output };
    },
    async outputs() {
      const { stdout } = await tf(['output', '-no-color', '-json']);
      const parsed = JSON.parse(stdout) as Record<string, { value: unknown }>;
      return Object.fromEntries(Object.entries(parsed).map(([name, { value }]) => [name, value]));
    },
    destroy: async () => (await tf(['destroy', '-no-color', '-auto-approve'])).output,
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A kmslab and a terraform working directory pointed at it, made before the tests of the suite that calls this
 * and removed after them: `suite.kmslab` and `suite.tf` once the suite's tests run.
 */
export function terraformForSuite(regions: Readonly<Record<string, string>> = {}): {
  kmslab: Kmslab;
  tf: Terraform;
} {
  const suite = {} as { kmslab: Kmslab; tf: Terraform };
  before(async () => {
    suite.kmslab = await startKmslab();
    suite.tf = await terraform(suite.kmslab, regions);
  });
  after(async () => {
    suite.tf?.remove();
    await suite.kmslab?.stop();
  });
  return suite;
}
