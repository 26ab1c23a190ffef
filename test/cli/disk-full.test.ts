import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  type KMSServiceException,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
} from '@aws-sdk/client-kms';
import { run, serve } from './spawn.ts';

/**
 * A full disk, for real: a 2 MiB tmpfs as the data dir's file system, filled up while kmslab runs. Mounting needs
 * root (or CAP_SYS_ADMIN); without it these tests are skipped and say why.
 */
const mountPoint = mkdtempSync(join(tmpdir(), 'kmslab-full-'));
const skip = mountTmpfs(mountPoint);
after(() => {
  if (!skip) execFileSync('umount', ['--lazy', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

function mountTmpfs(path: string): string | false {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', path], { stdio: 'pipe' });
    return false;
  } catch (error) {
    const reason = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
    return `needs a 2 MiB tmpfs, and \`mount -t tmpfs\` is not permitted here (run as root): ${reason}`;
  }
}

const FILLER = join(mountPoint, 'filler');

/** Writes to a file until the file system has no room left, not even for one byte. */
function fillDisk(): void {
  const fd = openSync(FILLER, 'a');
  try {
    for (const size of [65536, 4096, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
}

function freeDisk(): void {
  rmSync(FILLER, { force: true });
}

describe('a full disk', { skip }, () => {
  test('a rotation that fails to commit changes nothing: Encrypt keeps the persisted material, which decrypts after a restart', async () => {
    const dir = join(mountPoint, 'rotate');
    const server = await serve(['--data-dir', dir]);
    const kms = server.sdk();
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? assert.fail('no KeyId');
    const material = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata
      ?.CurrentKeyMaterialId;

    fillDisk();
    const failed = await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId })).then(
      () => assert.fail('the rotation could not be written, yet it succeeded'),
      (error: KMSServiceException) => error,
    );
    assert.equal(failed.name, 'KMSInternalException');
    assert.equal(failed.$metadata.httpStatusCode, 500);

    const ciphertexts: Uint8Array[] = [];
    for (let i = 0; i < 10; i++) {
      const encrypted = await kms.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(`secret ${i}`) }),
      );
      ciphertexts.push(encrypted.CiphertextBlob ?? assert.fail('no CiphertextBlob'));
    }
    const described = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(
      described.KeyMetadata?.CurrentKeyMaterialId,
      material,
      'the failed rotation left no material',
    );
    const rotations = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    assert.deepEqual(rotations.Rotations, []);

    freeDisk();
    assert.equal((await server.stop()).code, 0);

    const restarted = await serve(['--data-dir', dir]);
    try {
      const again = restarted.sdk();
      for (const [i, CiphertextBlob] of ciphertexts.entries()) {
        const { Plaintext } = await again.send(new DecryptCommand({ CiphertextBlob }));
        assert.equal(Buffer.from(Plaintext ?? []).toString(), `secret ${i}`);
      }
    } finally {
      await restarted.stop();
    }
  });

  test('a first start on a full disk leaves no root.key (not even an empty one) and starts once there is room', async () => {
    const dir = join(mountPoint, 'first-start');
    fillDisk();
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run(['serve', '--data-dir', dir, '--port', '0']);
    } finally {
      freeDisk();
    }
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`cannot create the root key file ${dir}/root\\.key: .*no space left`, 'i'),
    );
    const left = readdirSync(dir);
    assert.ok(!left.includes('root.key'), `left behind: ${left.join(', ')}`);
    assert.ok(
      !left.some((file) => file.startsWith('kmslab.sqlite3') || file.startsWith('root.key')),
      left.join(),
    );

    const server = await serve(['--data-dir', dir]);
    try {
      await server.sdk().send(new CreateKeyCommand({}));
      assert.ok(existsSync(join(dir, 'root.key')));
    } finally {
      await server.stop();
    }
  });
});
