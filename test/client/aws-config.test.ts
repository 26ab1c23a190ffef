import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import {
  AWSConfig,
  type AWSConfigOptions,
  InvalidAWSConfigError,
  KMSClient,
} from '../../src/client/index.ts';
import { AWS_VARIABLES, isolateEnvironment } from '../helpers/environment.ts';

isolateEnvironment(AWS_VARIABLES);
beforeEach(() => {
  // No shared AWS files (test/client/shared-files.test.ts has those), whatever the machine's ~/.aws holds.
  process.env.AWS_CONFIG_FILE = '/nonexistent/aws/config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws/credentials';
});

const VALID = {
  region: 'us-east-1',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

function invalid(options: Partial<AWSConfigOptions> | unknown, pattern: RegExp): void {
  assert.throws(
    () => new AWSConfig(options as AWSConfigOptions),
    (error: unknown) => error instanceof InvalidAWSConfigError && pattern.test(error.message),
  );
}

describe('AWSConfig', () => {
  it('keeps valid values and defaults to the regional AWS endpoint', () => {
    const config = new AWSConfig({ ...VALID, sessionToken: 'token' });
    assert.equal(config.region, 'us-east-1');
    assert.equal(config.accessKeyId, VALID.accessKeyId);
    assert.equal(config.secretAccessKey, VALID.secretAccessKey);
    assert.equal(config.sessionToken, 'token');
    assert.equal(config.endpoint, 'https://kms.us-east-1.amazonaws.com');
    assert.equal(
      new AWSConfig({ ...VALID, region: 'cn-north-1' }).endpoint,
      'https://kms.cn-north-1.amazonaws.com.cn',
    );
  });

  it('says which value is wrong', () => {
    invalid(undefined, /options object/);
    invalid({ ...VALID, region: '' }, /invalid AWS region; reason: should be a non empty string/);
    invalid({ ...VALID, region: undefined }, /AWS region.*got undefined/);
    invalid({ ...VALID, region: 'us_east_1' }, /region 'us_east_1'.*like 'us-east-1'/);
    invalid({ ...VALID, accessKeyId: 'A'.repeat(15) }, /access key ID.*between 16 and 128.*got 15/);
    invalid({ ...VALID, accessKeyId: 'A'.repeat(129) }, /access key ID.*got 129/);
    invalid({ ...VALID, secretAccessKey: '' }, /secret access key/);
    invalid({ ...VALID, sessionToken: 42 as unknown as string }, /session token/);
    invalid({ ...VALID, endpoint: 42 as unknown as string }, /endpoint.*should be a string/);
    assert.doesNotThrow(() => new AWSConfig({ ...VALID, accessKeyId: 'A'.repeat(16) }));
    assert.doesNotThrow(() => new AWSConfig({ ...VALID, accessKeyId: 'A'.repeat(128) }));
  });
});

describe('endpoint parsing', () => {
  const endpoint = (value: string) => new AWSConfig({ ...VALID, endpoint: value }).endpoint;

  it('normalises scheme, case, default ports and a trailing slash', () => {
    assert.equal(endpoint('http://127.0.0.1:4599'), 'http://127.0.0.1:4599');
    assert.equal(endpoint('http://LocalHost:80/'), 'http://localhost');
    assert.equal(endpoint('HTTPS://kms.eu-west-1.amazonaws.com:443'), 'https://kms.eu-west-1.amazonaws.com');
    assert.equal(endpoint('https://kms.example.test:8443'), 'https://kms.example.test:8443');
    assert.equal(endpoint('http://localhost:443'), 'http://localhost:443');
    assert.equal(endpoint('http://[::1]:4599'), 'http://[::1]:4599');
  });

  it('rejects what is not http(s)://host[:port], saying why', () => {
    const bad: [string, RegExp][] = [
      ['ftp://example.com', /unsupported scheme 'ftp'/],
      ['http://example.com/kms', /no path, query or fragment/],
      ['http://example.com?x=1', /no path, query or fragment/],
      ['http://user:pw@example.com', /no user information/],
      ['http://', /not a valid host/],
      ['http://exa mple.com', /not a valid host/],
      ['http://example.com:0', /port 0 is out of range/],
      ['http://example.com:99999', /port 99999 is out of range/],
      ['http://example.com:x', /not a valid host/],
    ];
    for (const [value, pattern] of bad) invalid({ ...VALID, endpoint: value }, pattern);
  });

  it('takes the endpoint forms k6-jslib-aws scripts pass: host[:port] with a scheme option, or an Endpoint', () => {
    assert.equal(endpoint('kms.eu-west-1.amazonaws.com'), 'https://kms.eu-west-1.amazonaws.com');
    assert.equal(
      new AWSConfig({ ...VALID, endpoint: 'localhost.localstack.cloud:4566', scheme: 'http' }).endpoint,
      'http://localhost.localstack.cloud:4566',
    );
    assert.equal(
      new AWSConfig({ ...VALID, endpoint: { href: 'http://127.0.0.1:4599' } }).endpoint,
      'http://127.0.0.1:4599',
    );
    invalid({ ...VALID, endpoint: 'localhost:4566', scheme: 'ftp' }, /invalid scheme 'ftp'/);
    invalid({ ...VALID, endpoint: 4599 }, /should be a string or an Endpoint/);
  });

  it('honours AWS_ENDPOINT_URL_KMS, then AWS_ENDPOINT_URL, unless an endpoint is given', () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:1111';
    assert.equal(new AWSConfig(VALID).endpoint, 'http://127.0.0.1:1111');
    process.env.AWS_ENDPOINT_URL_KMS = 'http://127.0.0.1:2222';
    assert.equal(new AWSConfig(VALID).endpoint, 'http://127.0.0.1:2222');
    assert.equal(
      new AWSConfig({ ...VALID, endpoint: 'http://127.0.0.1:3333' }).endpoint,
      'http://127.0.0.1:3333',
    );
    process.env.AWS_ENDPOINT_URL_KMS = 'localhost:4599';
    invalid(VALID, /invalid AWS_ENDPOINT_URL_KMS 'localhost:4599'/);
  });
});

describe('AWSConfig.fromEnvironment', () => {
  it('reads the AWS variables', () => {
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_ACCESS_KEY_ID = VALID.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = VALID.secretAccessKey;
    process.env.AWS_SESSION_TOKEN = 'session';
    process.env.AWS_ENDPOINT_URL_KMS = 'http://127.0.0.1:4599';
    const config = AWSConfig.fromEnvironment();
    assert.deepEqual(
      { ...config },
      {
        region: 'eu-west-1',
        accessKeyId: VALID.accessKeyId,
        secretAccessKey: VALID.secretAccessKey,
        sessionToken: 'session',
        endpoint: 'http://127.0.0.1:4599',
      },
    );
  });

  it('takes the endpoint as an option, as the jslib does', () => {
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_ACCESS_KEY_ID = VALID.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = VALID.secretAccessKey;
    process.env.AWS_ENDPOINT_URL_KMS = 'http://127.0.0.1:4599';
    assert.equal(
      AWSConfig.fromEnvironment({ endpoint: 'http://127.0.0.1:4566' }).endpoint,
      'http://127.0.0.1:4566',
    );
    assert.equal(AWSConfig.fromEnvironment().endpoint, 'http://127.0.0.1:4599');
  });

  it('falls back to AWS_DEFAULT_REGION and leaves the session token out when unset', () => {
    process.env.AWS_DEFAULT_REGION = 'ap-southeast-2';
    process.env.AWS_ACCESS_KEY_ID = VALID.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = VALID.secretAccessKey;
    const config = AWSConfig.fromEnvironment();
    assert.equal(config.region, 'ap-southeast-2');
    assert.equal(config.sessionToken, undefined);
    assert.equal(config.endpoint, 'https://kms.ap-southeast-2.amazonaws.com');
  });

  it('names the missing variables', () => {
    process.env.AWS_ACCESS_KEY_ID = VALID.accessKeyId;
    assert.throws(
      () => AWSConfig.fromEnvironment(),
      (error: unknown) =>
        error instanceof InvalidAWSConfigError &&
        error.message.includes('AWS_REGION, AWS_SECRET_ACCESS_KEY not set') &&
        !error.message.includes('AWS_ACCESS_KEY_ID'),
    );
  });
});

describe('KMSClient construction', () => {
  it('needs an AWSConfig and sane retry options', () => {
    assert.throws(() => new KMSClient(VALID as unknown as AWSConfig), InvalidAWSConfigError);
    const config = new AWSConfig(VALID);
    assert.throws(() => new KMSClient(config, { maxAttempts: 0 }), /maxAttempts.*got 0/);
    assert.throws(() => new KMSClient(config, { timeoutMs: 1.5 }), /timeoutMs/);
    assert.doesNotThrow(() => new KMSClient(config, { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }));
  });
});
