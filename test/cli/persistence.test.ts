import assert from 'node:assert/strict';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetKeyLastUsageCommand,
  ListKeysCommand,
} from '@aws-sdk/client-kms';
import { newDataDir, run, serve } from './spawn.ts';

describe('kmslab serve --data-dir', () => {
  test('keys, aliases and ciphertexts survive a restart; root.key is created with mode 0600', async () => {
    const dir = newDataDir();
    const first = await serve(['--data-dir', dir]);
    const kms = first.sdk();
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'survives a restart' }));
    const keyId = KeyMetadata?.KeyId as string;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/persistent', TargetKeyId: keyId }));
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('kept across restarts') }),
    );
    assert.match(first.output().stdout, /created the root key .*root\.key \(mode 0600\)/);
    assert.match(first.output().stdout, new RegExp(`storage\\s+${dir}/kmslab\\.sqlite3`));
    assert.equal((await first.stop()).code, 0);

    assert.equal(statSync(join(dir, 'root.key')).mode & 0o777, 0o600);
    assert.ok(existsSync(join(dir, 'kmslab.sqlite3')));

    const second = await serve(['--data-dir', dir]);
    try {
      assert.doesNotMatch(second.output().stdout, /created the root key/);
      const again = second.sdk();
      const { Keys } = await again.send(new ListKeysCommand({}));
      assert.ok(
        Keys?.some((k) => k.KeyId === keyId),
        'the key is listed after the restart',
      );
      const described = await again.send(new DescribeKeyCommand({ KeyId: 'alias/persistent' }));
      assert.equal(described.KeyMetadata?.Description, 'survives a restart');
      const { Plaintext } = await again.send(new DecryptCommand({ CiphertextBlob }));
      assert.equal(Buffer.from(Plaintext as Uint8Array).toString(), 'kept across restarts');
    } finally {
      assert.equal((await second.stop()).code, 0);
    }
  });

  test('a root.key readable by others is refused with the fix in the message', async () => {
    const dir = newDataDir();
    const first = await serve(['--data-dir', dir]);
    await first.stop();
    chmodSync(join(dir, 'root.key'), 0o644);
    const result = await run(['serve', '--data-dir', dir, '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /root\.key is readable or writable by group or others \(mode 644\).*chmod 600/,
    );
  });

  test('KMSLAB_ROOT_KEY replaces root.key: none is written, and the same key opens the data again', async () => {
    const dir = newDataDir();
    const rootKey = Buffer.alloc(32, 7).toString('hex');
    const first = await serve(['--data-dir', dir], { KMSLAB_ROOT_KEY: rootKey });
    const kms = first.sdk();
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: KeyMetadata?.KeyId as string, Plaintext: Buffer.from('x') }),
    );
    assert.match(first.output().stdout, /root key: from KMSLAB_ROOT_KEY/);
    await first.stop();
    assert.ok(!existsSync(join(dir, 'root.key')));

    const second = await serve(['--data-dir', dir], {
      KMSLAB_ROOT_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    try {
      const { Plaintext } = await second.sdk().send(new DecryptCommand({ CiphertextBlob }));
      assert.equal(Buffer.from(Plaintext as Uint8Array).toString(), 'x');
    } finally {
      await second.stop();
    }
  });

  test('GetKeyLastUsage survives kill -9 once its durability window (1 s) has passed', async () => {
    const dir = newDataDir();
    const first = await serve(['--data-dir', dir]);
    const kms = first.sdk();
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId as string;
    const encrypted = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('used') }));
    await delay(2500);
    assert.equal((await first.stop('SIGKILL')).signal, 'SIGKILL');

    assert.deepEqual(await lastUsageAfterRestart(dir, keyId), {
      Operation: 'Encrypt',
      KmsRequestId: encrypted.$metadata.requestId,
    });
  });

  test('SIGTERM writes the usage recorded just before it', async () => {
    const dir = newDataDir();
    const first = await serve(['--data-dir', dir]);
    const kms = first.sdk();
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId as string;
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }),
    );
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob }));
    assert.equal((await first.stop('SIGTERM')).code, 0);

    assert.deepEqual(await lastUsageAfterRestart(dir, keyId), {
      Operation: 'Decrypt',
      KmsRequestId: decrypted.$metadata.requestId,
    });
  });
});

/** What GetKeyLastUsage answers for `keyId` from a kmslab started anew on `dir`. */
async function lastUsageAfterRestart(dir: string, keyId: string) {
  const server = await serve(['--data-dir', dir]);
  try {
    const { KeyLastUsage } = await server.sdk().send(new GetKeyLastUsageCommand({ KeyId: keyId }));
    return { Operation: KeyLastUsage?.Operation, KmsRequestId: KeyLastUsage?.KmsRequestId };
  } finally {
    await server.stop();
  }
}
