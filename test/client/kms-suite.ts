import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  AWSConfig,
  InvalidSignatureError,
  KMSClient,
  KMSKey,
  KMSServiceError,
} from '../../src/client/index.ts';
import { rejection } from '../helpers/rejection.ts';

export interface KmsServer {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

export interface SuiteOptions {
  /** The server pages ListKeys, ListAliases... by Limit/Marker (moto ignores Limit and answers one page). */
  pagesLists: boolean;
  /** The server keeps EnableKeyRotation's RotationPeriodInDays (moto ignores it). */
  keepsRotationPeriod: boolean;
  /** The server verifies SigV4 signatures (moto does not). */
  checksSignatures: boolean;
}

function bytes(base64: string): number {
  return Buffer.from(base64, 'base64').length;
}

/** The client's behaviour against a real KMS implementation, the same for every server. */
export function kmsClientSuite(name: string, start: () => Promise<KmsServer>, options: SuiteOptions): void {
  describe(`KMSClient against ${name}`, () => {
    let server: KmsServer;
    let kms: KMSClient;
    const keys: KMSKey[] = [];
    let aliasName: string;
    let aliasArn: string;

    before(async () => {
      server = await start();
      const config = new AWSConfig({
        region: server.region,
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        endpoint: server.endpoint,
      });
      kms = new KMSClient(config, { maxAttempts: 1 });
      for (let i = 0; i < 3; i++) {
        const metadata = await kms.createKey({ Description: `kmslab client test ${i}` });
        keys.push({ keyId: metadata.KeyId, keyArn: metadata.Arn ?? '' });
      }
      aliasName = `alias/client-test-${randomUUID()}`;
      await kms.createAlias(aliasName, keys[0]?.keyId ?? '');
      const accountId = keys[0]?.keyArn.split(':')[4];
      aliasArn = `arn:aws:kms:${server.region}:${accountId}:${aliasName}`;
    });
    after(() => server?.stop());

    it('lists the keys it created, with their ARNs', async () => {
      const listed = await kms.listKeys();
      for (const key of keys) {
        const found = listed.find((k) => k.keyId === key.keyId);
        assert.ok(found instanceof KMSKey);
        assert.deepEqual({ ...found }, { keyId: key.keyId, keyArn: key.keyArn });
      }
    });

    it('follows every page of ListKeys', async () => {
      const listed = await kms.listKeys({ limit: 1 });
      const ids = listed.map((k) => k.keyId);
      for (const key of keys) assert.ok(ids.includes(key.keyId));
      assert.equal(new Set(ids).size, ids.length, 'no key twice');
    });

    if (options.pagesLists) {
      it('lists more keys than fit on one default page (100)', async () => {
        const created: string[] = [];
        for (let i = 0; i < 101; i++) created.push((await kms.createKey()).KeyId);
        const ids = new Set((await kms.listKeys()).map((k) => k.keyId));
        assert.ok(ids.size >= 104);
        for (const id of created) assert.ok(ids.has(id));
      });
    }

    it('generates data keys of every size that decrypt back to the plaintext', async () => {
      const key = keys[0] as KMSKey;
      for (const size of [1, 16, 32, 64, 1024]) {
        const dataKey = await kms.generateDataKey(key.keyId, size);
        assert.equal(dataKey.id, key.keyArn, 'id is the ARN of the key that encrypted it');
        assert.equal(bytes(dataKey.plaintext), size);
        assert.ok(bytes(dataKey.ciphertextBlob) > size);
        const decrypted = await kms.decrypt(dataKey.ciphertextBlob);
        assert.equal(decrypted.plaintext, dataKey.plaintext);
        assert.equal(decrypted.keyId, key.keyArn);
      }
    });

    it('accepts a key ID, key ARN, alias name or alias ARN, and defaults to 32 bytes', async () => {
      const key = keys[0] as KMSKey;
      for (const id of [key.keyId, key.keyArn, aliasName, aliasArn]) {
        const dataKey = await kms.generateDataKey(id);
        assert.equal(dataKey.id, key.keyArn, id);
        assert.equal(bytes(dataKey.plaintext), 32, id);
      }
    });

    it('takes the options form', async () => {
      const key = keys[1] as KMSKey;
      const context = { tenant: 'a' };
      const dataKey = await kms.generateDataKey(key.keyId, {
        keySpec: 'AES_128',
        encryptionContext: context,
      });
      assert.equal(bytes(dataKey.plaintext), 16);
      const decrypted = await kms.decrypt(dataKey.ciphertextBlob, { encryptionContext: context });
      assert.equal(decrypted.plaintext, dataKey.plaintext);
    });

    it('encrypts text and bytes, and decrypts them', async () => {
      const key = keys[1] as KMSKey;
      const text = await kms.encrypt(key.keyId, 'hello, kms');
      assert.equal(text.keyId, key.keyArn);
      assert.equal(
        (await kms.decrypt(text.ciphertextBlob)).plaintext,
        Buffer.from('hello, kms').toString('base64'),
      );
      const raw = new Uint8Array([0, 1, 2, 253, 254, 255]);
      const binary = await kms.encrypt(aliasName, raw);
      assert.deepEqual(
        new Uint8Array(Buffer.from((await kms.decrypt(binary.ciphertextBlob)).plaintext, 'base64')),
        raw,
      );
    });

    it('generates a data key without plaintext that decrypts to 32 bytes', async () => {
      const key = keys[2] as KMSKey;
      const dataKey = await kms.generateDataKeyWithoutPlaintext(key.keyArn);
      assert.equal(dataKey.id, key.keyArn);
      assert.equal(bytes((await kms.decrypt(dataKey.ciphertextBlob)).plaintext), 32);
    });

    it('describes a key, and sends any other operation with its wire input', async () => {
      const key = keys[2] as KMSKey;
      const metadata = await kms.describeKey(key.keyId);
      assert.equal(metadata.Arn, key.keyArn);
      assert.equal(metadata.Description, 'kmslab client test 2');
      const aliases = await kms.send('ListAliases', { KeyId: (keys[0] as KMSKey).keyId });
      assert.ok(aliases.Aliases?.some((a) => a.AliasName === aliasName));
      const random = await kms.send('GenerateRandom', { NumberOfBytes: 24 });
      assert.equal(bytes(random.Plaintext ?? ''), 24);
    });

    it('re-encrypts under another key and context, inside KMS', async () => {
      const [source, destination] = keys as [KMSKey, KMSKey];
      const encrypted = await kms.encrypt(source.keyId, 'moved', { encryptionContext: { from: 'a' } });
      const moved = await kms.reEncrypt(encrypted.ciphertextBlob, destination.keyId, {
        sourceEncryptionContext: { from: 'a' },
        destinationEncryptionContext: { to: 'b' },
      });
      assert.equal(moved.keyId, destination.keyArn);
      assert.equal(moved.sourceKeyId, source.keyArn);
      const decrypted = await kms.decrypt(moved.ciphertextBlob, { encryptionContext: { to: 'b' } });
      assert.equal(decrypted.keyId, destination.keyArn);
      assert.equal(decrypted.plaintext, Buffer.from('moved').toString('base64'));
    });

    it('generates random bytes of the size asked for', async () => {
      const [a, b] = [await kms.generateRandom(24), await kms.generateRandom(24)];
      assert.equal(bytes(a), 24);
      assert.notEqual(a, b);
    });

    it("lists every alias, or one key's, in camelCase", async () => {
      const all = await kms.listAliases();
      const ours = all.find((alias) => alias.aliasName === aliasName);
      assert.equal(ours?.aliasArn, aliasArn);
      assert.equal(ours?.targetKeyId, keys[0]?.keyId);
      const forKey = await kms.listAliases({ keyId: keys[0]?.keyId });
      assert.deepEqual(
        forKey.map((alias) => alias.aliasName),
        [aliasName],
      );
    });

    it('creates a grant with its constraints, which ListGrants and ListRetirableGrants page through', async () => {
      const { KeyId } = await kms.createKey();
      const grantee = 'arn:aws:iam::123456789012:role/grantee';
      const retiring = 'arn:aws:iam::123456789012:role/retiring';
      const grant = await kms.createGrant(KeyId, grantee, ['Encrypt', 'Decrypt'], {
        name: 'k6-load-test',
        retiringPrincipal: retiring,
        constraints: { encryptionContextSubset: { tenantId: 't-1' } },
      });
      assert.ok(grant.grantId && grant.grantToken);

      const listed = [];
      for await (const page of kms.paginate('ListGrants', { KeyId })) listed.push(...(page.Grants ?? []));
      assert.deepEqual(
        listed.map(({ GrantId, Name, GranteePrincipal, Operations, Constraints }) => ({
          GrantId,
          Name,
          GranteePrincipal,
          Operations,
          Constraints,
        })),
        [
          {
            GrantId: grant.grantId,
            Name: 'k6-load-test',
            GranteePrincipal: grantee,
            Operations: ['Encrypt', 'Decrypt'],
            Constraints: { EncryptionContextSubset: { tenantId: 't-1' } },
          },
        ],
      );
      const retirable = [];
      for await (const page of kms.paginate('ListRetirableGrants', { RetiringPrincipal: retiring })) {
        retirable.push(...(page.Grants ?? []).map((g) => g.GrantId));
      }
      assert.ok(retirable.includes(grant.grantId));
    });

    it('schedules a key for deletion', async () => {
      const { KeyId } = await kms.createKey();
      const before = Date.now() / 1000;
      const scheduled = await kms.scheduleKeyDeletion(KeyId, 7);
      assert.match(scheduled.keyId, new RegExp(KeyId));
      const days = (scheduled.deletionDate - before) / 86_400;
      assert.ok(days > 6.9 && days < 7.1, `deletion in ${days} days`);
      assert.equal((await kms.describeKey(KeyId)).KeyState, 'PendingDeletion');
    });

    it('turns on automatic rotation with its period', async () => {
      const { KeyId } = await kms.createKey();
      await kms.enableKeyRotation(KeyId, 180);
      const status = await kms.send('GetKeyRotationStatus', { KeyId });
      assert.equal(status.KeyRotationEnabled, true);
      if (options.keepsRotationPeriod) assert.equal(status.RotationPeriodInDays, 180);
    });

    it('pages through ListAliases with for await, one page per request', async () => {
      const extra = [`${aliasName}-2`, `${aliasName}-3`];
      for (const name of extra) await kms.createAlias(name, (keys[1] as KMSKey).keyId);
      const pages = [];
      for await (const page of kms.paginate('ListAliases', { KeyId: (keys[1] as KMSKey).keyId, Limit: 1 })) {
        pages.push(page.Aliases?.map((alias) => alias.AliasName));
      }
      if (options.pagesLists) assert.deepEqual(pages, [[extra[0]], [extra[1]]]);
      else assert.deepEqual(pages.flat(), extra);
    });

    it('raises NotFoundException for an unknown key, naming the operation', async () => {
      for (const id of [randomUUID(), 'alias/does-not-exist']) {
        const error = await rejection(kms.generateDataKey(id, 32));
        assert.ok(error instanceof KMSServiceError, String(error));
        assert.equal(error.name, 'KMSServiceError');
        assert.equal(error.code, 'NotFoundException');
        assert.equal(error.operation, 'GenerateDataKey');
        assert.notEqual(error.message, '');
      }
    });

    it('rejects sizes 0 and 1025 with ValidationException', async () => {
      for (const size of [0, 1025]) {
        const error = await rejection(kms.generateDataKey((keys[0] as KMSKey).keyId, size));
        assert.ok(error instanceof KMSServiceError);
        assert.equal(error.code, 'ValidationException');
      }
    });

    if (options.checksSignatures) {
      it('raises InvalidSignatureError when the secret is wrong', async () => {
        const config = new AWSConfig({
          region: server.region,
          accessKeyId: server.accessKeyId,
          secretAccessKey: `${server.secretAccessKey}-wrong`,
          endpoint: server.endpoint,
        });
        const error = await rejection(new KMSClient(config).listKeys());
        assert.ok(error instanceof InvalidSignatureError, String(error));
        assert.equal(error.operation, 'ListKeys');
      });
    }
  });
}
