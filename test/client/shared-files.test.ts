// In Node the client reads the shared AWS config and credentials files after the environment, as the AWS SDKs do.
// Each case writes real files and checks our AWSConfig.fromEnvironment() against where @aws-sdk/client-kms sends
// a request (endpoint, access key and region from its signature) and the credentials it resolves.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { ListKeysCommand, KMSClient as SdkClient } from '@aws-sdk/client-kms';
import { AWSConfig, InvalidAWSConfigError } from '../../src/client/index.ts';
import { parseIni } from '../../src/client/runtime/shared-files.ts';
import { AWS_VARIABLES, isolateEnvironment } from '../helpers/environment.ts';

const dirs: string[] = [];
isolateEnvironment(['HOME', ...AWS_VARIABLES]);
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes the two files in a fresh directory (the SDK caches files by path) and points the variables at them. */
function files(config: string, credentials = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'kmslab-aws-files-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'config'), config);
  writeFileSync(join(dir, 'credentials'), credentials);
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  return dir;
}

interface Resolved {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
}

function ours(): Resolved {
  const { endpoint, region, accessKeyId, secretAccessKey, sessionToken } = AWSConfig.fromEnvironment();
  return { endpoint, region, accessKeyId, secretAccessKey, sessionToken };
}

/** What the AWS SDK does with the same environment and files: the request it signs, caught before sending. */
async function sdk(): Promise<Resolved> {
  const client = new SdkClient({ maxAttempts: 1 });
  let request:
    | { protocol: string; hostname: string; port?: number; headers: Record<string, string> }
    | undefined;
  client.middlewareStack.add(
    () => async (args) => {
      request = args.request as typeof request;
      throw new Error('caught before sending');
    },
    { step: 'deserialize', name: 'catchRequest' },
  );
  await assert.rejects(client.send(new ListKeysCommand({})), /caught before sending/);
  const credentials = await client.config.credentials();
  client.destroy();
  assert.ok(request);
  const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/kms\//.exec(request.headers.authorization ?? '');
  const protocol = request.protocol.replace(':', '');
  const defaultPort = protocol === 'https' ? 443 : 80;
  const port = request.port && request.port !== defaultPort ? `:${request.port}` : '';
  return {
    endpoint: `${protocol}://${request.hostname}${port}`,
    region: scope?.[2] ?? '',
    accessKeyId: scope?.[1] ?? '',
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
  };
}

async function resolvesLikeTheSdk(expected: Resolved): Promise<void> {
  assert.deepEqual(await sdk(), expected, 'the AWS SDK');
  assert.deepEqual(ours(), expected, 'kmslab');
}

const KEYS = { aws_access_key_id: 'AKIDFROMCREDENTIALS1', aws_secret_access_key: 'secret-from-credentials' };
/** What the client resolves from KEYS in the credentials file. */
const FILE_KEYS = {
  accessKeyId: KEYS.aws_access_key_id,
  secretAccessKey: KEYS.aws_secret_access_key,
  sessionToken: undefined,
};

function ini(sections: Record<string, Record<string, string>>): string {
  return Object.entries(sections)
    .map(
      ([name, settings]) =>
        `[${name}]\n${Object.entries(settings)
          .map(([k, v]) => `${k} = ${v}\n`)
          .join('')}`,
    )
    .join('\n');
}

describe('the shared AWS files, as the AWS SDK reads them', () => {
  it('default profile: keys from the credentials file, region and endpoint_url from the config file', async () => {
    files(
      ini({ default: { region: 'eu-west-1', endpoint_url: 'http://127.0.0.1:4599' } }),
      ini({ default: KEYS }),
    );
    await resolvesLikeTheSdk({
      endpoint: 'http://127.0.0.1:4599',
      region: 'eu-west-1',
      ...FILE_KEYS,
    });
  });

  it("AWS_PROFILE picks [profile dev] and [dev]; its services section's kms endpoint_url beats endpoint_url", async () => {
    files(
      `${ini({
        default: { region: 'us-east-1', endpoint_url: 'http://127.0.0.1:1111' },
        'profile dev': { region: 'ap-south-1', services: 'local', endpoint_url: 'http://127.0.0.1:2222' },
      })}\n[services local]\ns3 =\n  endpoint_url = http://127.0.0.1:3333\nkms =\n  endpoint_url = http://127.0.0.1:4444\n`,
      ini({ default: { aws_access_key_id: 'AKIDDEFAULTPROFILE01', aws_secret_access_key: 'x' }, dev: KEYS }),
    );
    process.env.AWS_PROFILE = 'dev';
    await resolvesLikeTheSdk({
      endpoint: 'http://127.0.0.1:4444',
      region: 'ap-south-1',
      ...FILE_KEYS,
    });
  });

  it('the credentials file wins over the config file for the same profile; a session token comes along', async () => {
    files(
      ini({
        'profile dev': {
          region: 'eu-central-1',
          aws_access_key_id: 'AKIDFROMCONFIGFILE01',
          aws_secret_access_key: 'secret-from-config',
        },
      }),
      ini({ dev: { ...KEYS, aws_session_token: 'token-from-credentials' } }),
    );
    process.env.AWS_PROFILE = 'dev';
    await resolvesLikeTheSdk({
      endpoint: 'https://kms.eu-central-1.amazonaws.com',
      region: 'eu-central-1',
      accessKeyId: KEYS.aws_access_key_id,
      secretAccessKey: KEYS.aws_secret_access_key,
      sessionToken: 'token-from-credentials',
    });
  });

  it('the environment comes first: region, keys and AWS_ENDPOINT_URL_KMS beat every file setting', async () => {
    files(
      `${ini({ default: { region: 'eu-west-1', services: 'local', endpoint_url: 'http://127.0.0.1:1111' } })}\n[services local]\nkms =\n  endpoint_url = http://127.0.0.1:2222\n`,
      ini({ default: KEYS }),
    );
    Object.assign(process.env, {
      AWS_REGION: 'sa-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDFROMENVIRONMENT1',
      AWS_SECRET_ACCESS_KEY: 'secret-from-environment',
      AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:3333',
    });
    await resolvesLikeTheSdk({
      endpoint: 'http://127.0.0.1:3333',
      region: 'sa-east-1',
      accessKeyId: 'AKIDFROMENVIRONMENT1',
      secretAccessKey: 'secret-from-environment',
      sessionToken: undefined,
    });
  });

  it("AWS_ENDPOINT_URL beats the services section; keys come as a pair, never an env ID with a file's secret", async () => {
    files(
      `${ini({ default: { region: 'eu-west-1', services: 'local' } })}\n[services local]\nkms =\n  endpoint_url = http://127.0.0.1:2222\n`,
      ini({ default: KEYS }),
    );
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:5555';
    process.env.AWS_ACCESS_KEY_ID = 'AKIDFROMENVIRONMENT1';
    await resolvesLikeTheSdk({
      endpoint: 'http://127.0.0.1:5555',
      region: 'eu-west-1',
      ...FILE_KEYS,
    });
  });

  it('ignore_configured_endpoint_urls = true: the regional AWS endpoint, whatever the variables say', async () => {
    files(
      ini({
        default: {
          region: 'eu-west-3',
          endpoint_url: 'http://127.0.0.1:1111',
          ignore_configured_endpoint_urls: 'true',
        },
      }),
      ini({ default: KEYS }),
    );
    process.env.AWS_ENDPOINT_URL_KMS = 'http://127.0.0.1:2222';
    await resolvesLikeTheSdk({
      endpoint: 'https://kms.eu-west-3.amazonaws.com',
      region: 'eu-west-3',
      ...FILE_KEYS,
    });
  });

  it('reads ~/.aws/config and ~/.aws/credentials when the file variables are unset', async () => {
    const home = mkdtempSync(join(tmpdir(), 'kmslab-home-'));
    dirs.push(home);
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'config'), ini({ default: { region: 'us-west-2' } }));
    writeFileSync(join(home, '.aws', 'credentials'), ini({ default: KEYS }));
    process.env.HOME = home;
    await resolvesLikeTheSdk({
      endpoint: 'https://kms.us-west-2.amazonaws.com',
      region: 'us-west-2',
      ...FILE_KEYS,
    });
  });

  it('skips comments, blank lines and other sections, and reads tab-indented sub-settings', async () => {
    files(
      [
        '# a comment',
        '; another',
        '[sso-session corp]',
        'region = ca-central-1',
        '',
        '[default]   ; the default profile',
        'region=eu-north-1  # inline comment',
        'services = local',
        '[services local]',
        'kms =',
        '\tendpoint_url = http://127.0.0.1:6666',
        '',
      ].join('\n'),
      ini({ default: KEYS }),
    );
    await resolvesLikeTheSdk({
      endpoint: 'http://127.0.0.1:6666',
      region: 'eu-north-1',
      ...FILE_KEYS,
    });
  });
});

describe('the shared AWS files: what kmslab adds', () => {
  it('AWS_DEFAULT_REGION (read by the CLI and boto3) comes before the profile region', () => {
    files(ini({ default: { region: 'eu-west-1' } }), ini({ default: KEYS }));
    process.env.AWS_DEFAULT_REGION = 'ap-northeast-1';
    assert.equal(AWSConfig.fromEnvironment().region, 'ap-northeast-1');
  });

  it('a profile can be named in code, and a constructed AWSConfig takes its endpoint', () => {
    files(
      ini({ 'profile lab': { region: 'eu-west-1', endpoint_url: 'http://127.0.0.1:4599' } }),
      ini({ lab: KEYS }),
    );
    const config = AWSConfig.fromEnvironment({ profile: 'lab' });
    assert.deepEqual([config.region, config.endpoint], ['eu-west-1', 'http://127.0.0.1:4599']);
    const built = new AWSConfig({
      region: 'eu-west-1',
      accessKeyId: 'AKIDCONSTRUCTED00001',
      secretAccessKey: 's',
    });
    assert.equal(
      built.endpoint,
      'https://kms.eu-west-1.amazonaws.com',
      'AWS_PROFILE is unset: default profile',
    );
    process.env.AWS_PROFILE = 'lab';
    assert.equal(
      new AWSConfig({ region: 'eu-west-1', accessKeyId: 'AKIDCONSTRUCTED00001', secretAccessKey: 's' })
        .endpoint,
      'http://127.0.0.1:4599',
    );
  });

  it('names the profile and files when they lack a setting, and says what to do with role_arn', () => {
    const dir = files(
      ini({ 'profile ci': { role_arn: 'arn:aws:iam::111122223333:role/ci', region: 'eu-west-1' } }),
    );
    assert.throws(
      () => AWSConfig.fromEnvironment({ profile: 'ci' }),
      (error: unknown) =>
        error instanceof InvalidAWSConfigError &&
        error.message.includes('AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY not set in the environment') &&
        error.message.includes(`profile 'ci' of ${join(dir, 'credentials')} and ${join(dir, 'config')}`) &&
        error.message.includes('role_arn') &&
        error.message.includes('aws configure export-credentials'),
    );
    assert.throws(() => AWSConfig.fromEnvironment({ profile: 'missing' }), /AWS_REGION.*profile 'missing'/);
  });

  it("names the file setting when a profile's endpoint_url is not http(s)://host[:port]", () => {
    const dir = files(
      ini({ default: { region: 'eu-west-1', endpoint_url: 'localhost:4599' } }),
      ini({ default: KEYS }),
    );
    assert.throws(
      () => AWSConfig.fromEnvironment(),
      new RegExp(`invalid endpoint_url of profile 'default' of .*${join(dir, 'config')} 'localhost:4599'`),
    );
  });

  it('parses the INI dialect: sections, settings, sub-settings, comments', () => {
    const sections = parseIni(
      '[profile a]\nregion = x # c\nservices =\n  kms =\n[services s]\nkms =\n  endpoint_url = http://h:1\n  other = y\nname=v=w\n',
    );
    assert.deepEqual(Object.fromEntries(sections.get('profile a') ?? []), {
      region: 'x',
      services: '',
      'services.kms': '',
    });
    assert.deepEqual(Object.fromEntries(sections.get('services s') ?? []), {
      kms: '',
      'kms.endpoint_url': 'http://h:1',
      'kms.other': 'y',
      name: 'v=w',
    });
  });
});
