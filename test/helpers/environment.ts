import { afterEach, beforeEach } from 'node:test';

/** Every variable the client reads its configuration from. */
export const AWS_VARIABLES = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL_KMS',
  'AWS_ENDPOINT_URL',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
];

/** Unsets `names` before each test of the file and restores the machine's values after it. */
export function isolateEnvironment(names: string[]): void {
  const saved = new Map(names.map((name) => [name, process.env[name]]));
  beforeEach(() => {
    for (const name of names) delete process.env[name];
  });
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}
