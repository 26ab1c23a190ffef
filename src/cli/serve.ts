import { DEFAULT_CREDENTIALS } from '../server/defaults.ts';
import { createKmslab, type Kmslab } from '../server/index.ts';
import type { Logger } from '../server/log.ts';
import { ROOT_KEY_ENV, randomRootKey, rootKeyFromEnvironment } from '../server/root-key.ts';
import { loadSeedFile, type ParsedSeed } from '../server/seed/parse.ts';
import type { ServeOptions } from './options.ts';

export interface Serving {
  kmslab: Kmslab;
  seed: ParsedSeed | undefined;
}

/** `kmslab serve`'s server, as its options say, up to its banner. */
export async function startServing(
  options: ServeOptions,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): Promise<Serving> {
  // The seed is read first so that a bad file fails before anything is created on disk.
  const seed = options.seed === undefined ? undefined : loadSeedFile(options.seed);
  for (const warning of seed?.warnings ?? []) logger.warn(warning);
  const kmslab = await createKmslab({
    storage: options.inMemory
      ? { database: ':memory:', rootKey: (rootKeyFromEnvironment(env[ROOT_KEY_ENV]) ?? randomRootKey()).key }
      : { dataDir: options.dataDir, rootKeyEnvironment: env[ROOT_KEY_ENV] },
    seeds: seed && options.seed !== undefined ? [{ spec: seed.spec, source: options.seed }] : [],
    accountId: options.accountId,
    region: options.region,
    credentials: options.credentials,
    ...(options.identities === undefined ? {} : { identities: options.identities }),
    auth: options.auth,
    host: options.host,
    port: options.port,
    logger,
    ...(options.console ? {} : { console: false }),
  });
  return { kmslab, seed };
}

/** The start-up banner: where the server is and the exact variables that point AWS tools at it. */
export function banner(
  { kmslab, seed }: Serving,
  options: ServeOptions,
  version: string,
  readyMs: number,
): string {
  const [first] = options.credentials;
  const credential = first ?? DEFAULT_CREDENTIALS;
  const lines = [
    `kmslab ${version} listening on ${kmslab.endpoint} (ready in ${Math.round(readyMs)} ms)`,
    `  region    ${options.region} (requests may use any region AWS KMS runs in; each region has its own keys)`,
    `  account   ${options.accountId}`,
    kmslab.dataDir === undefined
      ? '  storage   in memory (discarded when kmslab stops)'
      : `  storage   ${kmslab.dataDir.database} (root key: ${kmslab.dataDir.rootKey.path ?? `from ${ROOT_KEY_ENV}`})`,
  ];
  if (seed) {
    const { spec, format } = seed;
    const aliasCount = spec.keys.reduce(
      (n, key) => n + (key.aliases?.length ?? 0),
      spec.aliases?.length ?? 0,
    );
    lines.push(
      `  seed      ${options.seed} (${format} format: ${spec.keys.length} keys, ${aliasCount} aliases)`,
    );
  }
  lines.push(consoleLine(kmslab));
  lines.push(
    options.auth === 'sigv4'
      ? '  auth      SigV4 signatures verified'
      : '  auth      NONE: signatures are not verified',
  );
  for (const extra of options.credentials.slice(1)) {
    lines.push(`  also      ${extra.accessKeyId} (account ${extra.accountId})`);
  }
  lines.push(
    '',
    'Point the AWS CLI, the AWS SDKs and k6 scripts at it:',
    `  export AWS_ENDPOINT_URL_KMS=${kmslab.endpoint}`,
    `  export AWS_REGION=${options.region}`,
    // boto3 and the AWS CLI v1 read only AWS_DEFAULT_REGION.
    `  export AWS_DEFAULT_REGION=${options.region}`,
    `  export AWS_ACCESS_KEY_ID=${credential.accessKeyId}`,
    // A secret the user chose stays out of terminals and CI logs; the default one is documented and public.
    options.customCredentials
      ? `  export AWS_SECRET_ACCESS_KEY=<the secret you gave for ${credential.accessKeyId}>`
      : `  export AWS_SECRET_ACCESS_KEY=${credential.secretAccessKey}`,
    '',
  );
  return lines.join('\n');
}

function consoleLine({ console }: Kmslab): string {
  if (!console) return '  console   off (--no-console)';
  if (!console.built) return `  console   not built: run npm run build (then ${console.url})`;
  return `  console   ${console.url}`;
}
