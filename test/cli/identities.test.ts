import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CreateKeyCommand, EncryptCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { DEFAULT_CREDENTIALS } from '../../src/server/defaults.ts';
import { rejects } from '../server/support.ts';
import { run, serve } from './spawn.ts';

/**
 * `kmslab serve --identities FILE` and a seed file's `identities:` section: their users call as themselves,
 * limited by their policies; a bad file stops start-up with exit 2, naming the entry.
 */

const dir = mkdtempSync(join(tmpdir(), 'kmslab-identities-cli-'));
const USER = {
  accessKeyId: 'AKIACLIUSER000000000',
  secretAccessKey: 'cli-user-secret-access-key-0000000000000',
};
const ENCRYPT_ONLY =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}';
const IDENTITIES = `users:
  - arn: arn:aws:iam::111122223333:user/cli
    accessKeys: [{ accessKeyId: ${USER.accessKeyId}, secretAccessKey: ${USER.secretAccessKey} }]
    policies: { encrypt-only: '${ENCRYPT_ONLY}' }
`;

function client(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }) {
  return new KMSClient({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials });
}

async function checkUser(args: string[]): Promise<void> {
  const server = await serve(['--in-memory', '--port', '0', ...args]);
  const root = client(server.endpoint, DEFAULT_CREDENTIALS);
  const user = client(server.endpoint, USER);
  try {
    const { KeyMetadata } = await root.send(new CreateKeyCommand({}));
    await user.send(new EncryptCommand({ KeyId: KeyMetadata?.KeyId, Plaintext: new Uint8Array([1]) }));
    await rejects(
      user.send(new ListKeysCommand({})),
      'AccessDeniedException',
      'User: arn:aws:iam::111122223333:user/cli is not authorized to perform: kms:ListKeys on resource: * because no identity-based policy allows the kms:ListKeys action',
    );
  } finally {
    root.destroy();
    user.destroy();
    assert.equal((await server.stop()).code, 0);
  }
}

describe('identities: --identities and a seed file', () => {
  test('--identities: the user calls as itself, as far as its policy allows', async () => {
    const file = join(dir, 'identities.yaml');
    writeFileSync(file, IDENTITIES);
    await checkUser(['--identities', file]);
  });

  test("a seed file's identities section works the same", async () => {
    const file = join(dir, 'seed.yaml');
    writeFileSync(file, `keys: []\nidentities:\n${IDENTITIES.replace(/^/gm, '  ')}`);
    await checkUser(['--seed', file]);
  });

  test('a bad identities file stops start-up with exit 2, naming the entry', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, IDENTITIES.replace('"Effect":"Allow"', '"Effect":"Perhaps"'));
    const result = await run(['serve', '--in-memory', '--port', '0', '--identities', file]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /identities file .*bad\.yaml: users\[0\] \(arn:aws:iam::111122223333:user\/cli\): policy "encrypt-only" is not a valid IAM policy/,
    );
    writeFileSync(file, 'users:\n  - arn: arn:aws:iam::111122223333:user/x\n    group: admins\n');
    const unknown = await run(['serve', '--in-memory', '--port', '0', '--identities', file]);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /users\[0\] \(arn:aws:iam::111122223333:user\/x\)|users\[0\]: unknown field "group"/,
    );
  });
});
