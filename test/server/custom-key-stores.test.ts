import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  type CreateCustomKeyStoreCommandInput,
  CreateKeyCommand,
  DecryptCommand,
  DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  GenerateRandomCommand,
  type KMSClient,
  UpdateCustomKeyStoreCommand,
} from '@aws-sdk/client-kms';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { bytes, rejects, TRUST_ANCHOR, text } from './support.ts';

/**
 * Custom key stores, emulated: their parameters and uniqueness rules, the connection states (CONNECTING settles
 * to CONNECTED a second later on the server's clock), keys created in a connected store and refused while it is
 * not, GenerateRandom in a CloudHSM key store, and deletion.
 */

describe('custom key stores', () => {
  let server: Kmslab;
  let kms: KMSClient;
  let offset = 0;

  before(async () => {
    server = await startKmslab({ clock: () => new Date(Date.now() + offset) });
    kms = server.sdk();
  });
  after(() => server?.stop());

  /** Lets the emulated CONNECTING and DISCONNECTING settle. */
  const settle = () => {
    offset += 2_000;
  };

  async function describeStore(CustomKeyStoreId: string) {
    const { CustomKeyStores } = await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId }));
    assert.equal(CustomKeyStores?.length, 1);
    return CustomKeyStores?.[0] ?? assert.fail('no store');
  }

  async function cloudHsmStore(name: string, cluster: string): Promise<string> {
    const { CustomKeyStoreId } = await kms.send(
      new CreateCustomKeyStoreCommand({
        CustomKeyStoreName: name,
        CloudHsmClusterId: cluster,
        TrustAnchorCertificate: TRUST_ANCHOR,
        KeyStorePassword: 'kmsuser-password',
      }),
    );
    assert.match(CustomKeyStoreId ?? '', /^cks-[0-9a-f]{17}$/);
    return CustomKeyStoreId ?? '';
  }

  test('an AWS CloudHSM key store: created DISCONNECTED, connects, holds keys of its origin, refuses them while disconnected', async () => {
    const id = await cloudHsmStore('hsm-store', 'cluster-234abcdefgh');
    const created = await describeStore(id);
    assert.deepEqual(
      [
        created.CustomKeyStoreName,
        created.CustomKeyStoreType,
        created.ConnectionState,
        created.CloudHsmClusterId,
      ],
      ['hsm-store', 'AWS_CLOUDHSM', 'DISCONNECTED', 'cluster-234abcdefgh'],
    );
    assert.equal(created.TrustAnchorCertificate, TRUST_ANCHOR);
    assert.ok(!JSON.stringify(created).includes('kmsuser-password'), 'the password is never answered');

    const inStore = { CustomKeyStoreId: id, Origin: 'AWS_CLOUDHSM' } as const;
    await rejects(kms.send(new CreateKeyCommand(inStore)), 'CustomKeyStoreInvalidStateException');
    await rejects(
      kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: id })),
      'CustomKeyStoreInvalidStateException',
    );

    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    assert.equal((await describeStore(id)).ConnectionState, 'CONNECTING');
    settle();
    assert.equal((await describeStore(id)).ConnectionState, 'CONNECTED');

    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ ...inStore, Description: 'in the HSM' }));
    assert.deepEqual(
      [
        KeyMetadata?.Origin,
        KeyMetadata?.CustomKeyStoreId,
        KeyMetadata?.CloudHsmClusterId,
        KeyMetadata?.KeySpec,
      ],
      ['AWS_CLOUDHSM', id, 'cluster-234abcdefgh', 'SYMMETRIC_DEFAULT'],
    );
    const KeyId = KeyMetadata?.KeyId ?? '';
    const described = await kms.send(new DescribeKeyCommand({ KeyId }));
    assert.equal(described.KeyMetadata?.CustomKeyStoreId, id);
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('hsm') }));
    assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext), 'hsm');
    const random = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 24, CustomKeyStoreId: id }));
    assert.equal(random.Plaintext?.length, 24);
    await rejects(
      kms.send(new CreateKeyCommand({ ...inStore, KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })),
      'UnsupportedOperationException',
    );
    await rejects(
      kms.send(new CreateKeyCommand({ CustomKeyStoreId: id, Origin: 'EXTERNAL_KEY_STORE', XksKeyId: 'x' })),
      'UnsupportedOperationException',
    );

    await rejects(
      kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })),
      'CustomKeyStoreInvalidStateException',
    );
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    settle();
    assert.equal((await describeStore(id)).ConnectionState, 'DISCONNECTED');
    const unavailable = await kms.send(new DescribeKeyCommand({ KeyId }));
    assert.deepEqual(
      [unavailable.KeyMetadata?.KeyState, unavailable.KeyMetadata?.Enabled],
      ['Unavailable', false],
    );
    await rejects(
      kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('x') })),
      'KMSInvalidStateException',
      `${KeyMetadata?.Arn} is unavailable.`,
    );
    await rejects(kms.send(new DecryptCommand({ CiphertextBlob })), 'KMSInvalidStateException');
    await rejects(
      kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })),
      'CustomKeyStoreHasCMKsException',
    );
    // Connected again, the key has the state it had.
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    settle();
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.KeyState, 'Enabled');
    await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('x') }));
  });

  test('parameters are checked as AWS checks them; names, clusters and proxy addresses are unique', async () => {
    const create = (input: Partial<CreateCustomKeyStoreCommandInput>) =>
      kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'rules', ...input }));
    await rejects(
      create({ TrustAnchorCertificate: TRUST_ANCHOR, KeyStorePassword: 'password' }),
      'ValidationException',
    );
    await rejects(
      create({
        CloudHsmClusterId: 'cluster-345abcdefgh',
        TrustAnchorCertificate: 'not a cert',
        KeyStorePassword: 'password',
      }),
      'IncorrectTrustAnchorException',
    );
    await rejects(
      create({ CustomKeyStoreType: 'EXTERNAL_KEY_STORE', CloudHsmClusterId: 'cluster-345abcdefgh' }),
      'ValidationException',
    );
    const id = await cloudHsmStore('unique-name', 'cluster-456abcdefgh');
    await rejects(
      create({
        CustomKeyStoreName: 'unique-name',
        CloudHsmClusterId: 'cluster-567abcdefgh',
        TrustAnchorCertificate: TRUST_ANCHOR,
        KeyStorePassword: 'password',
      }),
      'CustomKeyStoreNameInUseException',
    );
    await rejects(
      create({
        CloudHsmClusterId: 'cluster-456abcdefgh',
        TrustAnchorCertificate: TRUST_ANCHOR,
        KeyStorePassword: 'password',
      }),
      'CloudHsmClusterInUseException',
    );
    await kms.send(
      new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'renamed' }),
    );
    assert.equal((await describeStore(id)).CustomKeyStoreName, 'renamed');
    const byName = await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'renamed' }));
    assert.deepEqual(
      byName.CustomKeyStores?.map((s) => s.CustomKeyStoreId),
      [id],
    );
    await rejects(
      kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: 'cks-00000000000000000' })),
      'CustomKeyStoreNotFoundException',
    );
    await kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await rejects(
      kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id })),
      'CustomKeyStoreNotFoundException',
    );
  });

  test('an external key store: proxy settings, keys with their external key, XksKeyConfiguration', async () => {
    const proxy = {
      CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
      XksProxyConnectivity: 'PUBLIC_ENDPOINT',
      XksProxyUriEndpoint: 'https://xks.example.com',
      XksProxyUriPath: '/kms/xks/v1',
      XksProxyAuthenticationCredential: {
        AccessKeyId: 'ABCDE234567ABCDEXAMP',
        RawSecretAccessKey: 'DXjSUawnel2fr6SKC7G25CNxTyWKE5PF9XX6H/u9pSo=',
      },
    } as const;
    const { CustomKeyStoreId } = await kms.send(
      new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'xks-store', ...proxy }),
    );
    const id = CustomKeyStoreId ?? '';
    const described = await describeStore(id);
    assert.deepEqual(described.XksProxyConfiguration, {
      Connectivity: 'PUBLIC_ENDPOINT',
      AccessKeyId: 'ABCDE234567ABCDEXAMP',
      UriEndpoint: 'https://xks.example.com',
      UriPath: '/kms/xks/v1',
    });
    await rejects(
      kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'xks-other', ...proxy })),
      'XksProxyUriInUseException',
    );
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    settle();
    const inStore = { CustomKeyStoreId: id, Origin: 'EXTERNAL_KEY_STORE' } as const;
    await rejects(kms.send(new CreateKeyCommand(inStore)), 'ValidationException');
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ ...inStore, XksKeyId: 'external-key-1' }));
    assert.deepEqual(
      [KeyMetadata?.Origin, KeyMetadata?.CustomKeyStoreId, KeyMetadata?.XksKeyConfiguration],
      ['EXTERNAL_KEY_STORE', id, { Id: 'external-key-1' }],
    );
    await rejects(
      kms.send(new CreateKeyCommand({ ...inStore, XksKeyId: 'external-key-1' })),
      'XksKeyAlreadyInUseException',
    );
    await rejects(
      kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: id })),
      'UnsupportedOperationException',
    );
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: KeyMetadata?.KeyId, Plaintext: bytes('xks') }),
    );
    assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext), 'xks');
    await rejects(
      kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL_KEY_STORE', XksKeyId: 'k' })),
      'ValidationException',
    );
  });
});
