import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DataDirError } from '../server/data-dir.ts';
import { StartupError } from '../server/index.ts';
import { createLogger } from '../server/log.ts';
import { RootKeyError } from '../server/root-key.ts';
import { IdentitiesError } from '../server/seed/identities.ts';
import { SeedError } from '../server/seed/spec.ts';
import { runDemo } from './demo.ts';
import { parseServeOptions, SERVE_SETTINGS, UsageError } from './options.ts';
import { banner, startServing } from './serve.ts';

/**
 * `kmslab serve` runs the local KMS until SIGINT or SIGTERM; `kmslab demo` (npm start) runs the k6 reference flow
 * against a throwaway one. Exit codes: 0 done, 1 failed, 2 bad usage or configuration.
 */

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const MAIN_HELP = `kmslab ${VERSION}: AWS KMS for load tests and local development

Usage:
  kmslab serve [options]   run the local KMS (kmslab serve --help for options)
  kmslab demo              start a throwaway kmslab, run the k6 reference flow through the client, stop
  kmslab --version
  kmslab --help
`;

function serveHelp(): string {
  const rows = SERVE_SETTINGS.map((s) => {
    const flag = `--${s.flag}${s.value ? ` ${s.value}` : ''}`;
    return `  ${flag.padEnd(40)} ${s.env.padEnd(19)} ${s.help}`;
  });
  return `Usage: kmslab serve [options]

Runs a KMS-compatible server (AWS JSON 1.1, SigV4) until SIGINT or SIGTERM.
Every option can also be set by its environment variable; a flag wins over the variable.

  ${'Option'.padEnd(40)} Environment
${rows.join('\n')}
  ${''.padEnd(40)} KMSLAB_ROOT_KEY     root key (32 bytes, hex or base64) instead of <data-dir>/root.key

Examples:
  kmslab serve --in-memory --port 0
  kmslab serve --seed examples/seed/kmslab.yaml --data-dir /tmp/kms
  KMSLAB_CREDENTIALS=AKIAEXAMPLEKEY00001:aVeryLongSecretValue123:444455556666 kmslab serve
`;
}

async function serve(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(serveHelp());
    return 0;
  }
  const { options, warnings } = parseServeOptions(args, process.env);
  const logger = createLogger(options.logLevel, process.stdout, process.stderr);
  for (const warning of warnings) logger.warn(warning);

  const serving = await startServing(options, logger, process.env);
  const { kmslab } = serving;
  // Notes first, so that the banner's export lines end the start-up output.
  const { dataDir, migrated } = kmslab;
  if (dataDir?.rootKey.source === 'created') {
    logger.info(
      `created the root key ${dataDir.rootKey.path} (mode 0600); back it up with the data: without it the keys can't be decrypted`,
    );
  }
  if (dataDir && migrated && migrated.from > 0) {
    logger.info(`upgraded ${dataDir.database} from schema version ${migrated.from} to ${migrated.to}`);
  }
  if (options.auth === 'none') {
    logger.warn(
      '--auth none: signatures are NOT verified; any well-formed request with any access key is accepted',
    );
  }
  // The handlers go in before the banner: a supervisor that reads "listening" may signal at once.
  const stopped = new Promise<number>((resolve) => {
    const shutdown = (code: number) => {
      kmslab.stop().then(
        () => resolve(code),
        (error: unknown) => {
          logger.error(`stopping failed: ${(error as Error).message}`);
          resolve(1);
        },
      );
    };
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info(`${signal}: stopping`);
      shutdown(0);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    kmslab.integrity.catch((error: unknown) => {
      logger.error(`${(error as Error).message}; stopping`);
      shutdown(2);
    });
  });
  process.stdout.write(banner(serving, options, VERSION, performance.now()));
  return stopped;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      return serve(args);
    case 'demo':
      if (args.length > 0) throw new UsageError(`demo takes no options (got ${args.join(' ')})`);
      return runDemo(process.stdout);
    case '--version':
    case '-v':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(MAIN_HELP);
      return 0;
    case undefined:
      process.stderr.write(MAIN_HELP);
      return 2;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`kmslab: ${error.message}\nRun \`kmslab --help\` for usage.\n`);
    process.exitCode = 2;
  } else if (
    error instanceof SeedError ||
    error instanceof IdentitiesError ||
    error instanceof RootKeyError ||
    error instanceof DataDirError
  ) {
    process.stderr.write(`kmslab: ${error.message}\n`);
    process.exitCode = 2;
  } else if (error instanceof StartupError) {
    process.stderr.write(`kmslab: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`kmslab: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
