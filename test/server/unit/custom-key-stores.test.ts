import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type {
  CreateCustomKeyStoreRequest,
  UpdateCustomKeyStoreRequest,
} from '../../../src/protocol/index.ts';
import {
  CONNECTION_SETTLE_MS,
  type CustomKeyStoreRecord,
  checkCreateKeyInStore,
  checkDeletion,
  checkGenerateRandom,
  checkKeyUsable,
  checkOriginWithoutStore,
  connect,
  connectionFailed,
  createCustomKeyStore,
  customKeyStoresListEntry,
  disconnect,
  filterCustomKeyStores,
  keyStoreMetadata,
  MAX_CUSTOM_KEY_STORES,
  settled,
  updateCustomKeyStore,
} from '../../../src/server/custom-key-stores/custom-key-store.ts';
import { thrown } from './keys.ts';

const ACCOUNT = '111122223333';
const NOW = new Date(1.7e12);
const later = (ms: number) => new Date(NOW.getTime() + ms);
/** An AWS CloudHSM cluster's trust anchor (customerCA.crt): a self-signed certificate made for the tests. */
const CERTIFICATE = readFileSync(
  new URL('../../fixtures/custom-key-stores/customerCA.crt', import.meta.url),
  'utf8',
);

const cloudHsm = (fields: Partial<CreateCustomKeyStoreRequest> = {}): CreateCustomKeyStoreRequest => ({
  CustomKeyStoreName: 'hsm',
  CloudHsmClusterId: 'cluster-1a23b4cdefg',
  TrustAnchorCertificate: CERTIFICATE,
  KeyStorePassword: 'kmsPswd1',
  ...fields,
});
const credential = {
  AccessKeyId: 'ABCDE12345670EXAMPLE',
  RawSecretAccessKey: 'DXjSUawnel2fr6SKC7G25CNxTyWKE5PF9XX6H/u9pSo=',
};
const xks = (fields: Partial<CreateCustomKeyStoreRequest> = {}): CreateCustomKeyStoreRequest => ({
  CustomKeyStoreName: 'xks',
  CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
  XksProxyConnectivity: 'PUBLIC_ENDPOINT',
  XksProxyUriEndpoint: 'https://myproxy.xks.example.com',
  XksProxyUriPath: '/kms/xks/v1',
  XksProxyAuthenticationCredential: credential,
  ...fields,
});
const vpc = (fields: Partial<CreateCustomKeyStoreRequest> = {}) =>
  xks({
    XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE',
    XksProxyUriEndpoint: 'https://myproxy-private.xks.example.com',
    XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-example1',
    ...fields,
  });
const create = (input: CreateCustomKeyStoreRequest, others: CustomKeyStoreRecord[] = []) =>
  createCustomKeyStore(input, others, ACCOUNT, NOW);
const typeOf = (work: () => unknown) => thrown(() => void work())?.type;

describe('CreateCustomKeyStore', () => {
  test('an AWS CloudHSM key store (the default type) starts DISCONNECTED with a cks- ID', () => {
    const store = create(cloudHsm());
    assert.match(store.customKeyStoreId, /^cks-[0-9a-f]{17}$/);
    assert.equal(store.type, 'AWS_CLOUDHSM');
    assert.equal(store.connectionState, 'DISCONNECTED');
    assert.notEqual(create(cloudHsm()).customKeyStoreId, store.customKeyStoreId);
  });

  test("each type requires its members and refuses the other type's", () => {
    for (const member of ['CloudHsmClusterId', 'TrustAnchorCertificate', 'KeyStorePassword'] as const)
      assert.equal(
        typeOf(() => create(cloudHsm({ [member]: undefined }))),
        'ValidationException',
        member,
      );
    assert.equal(
      typeOf(() => create(cloudHsm({ XksProxyUriPath: '/kms/xks/v1' }))),
      'ValidationException',
    );
    for (const member of [
      'XksProxyConnectivity',
      'XksProxyUriEndpoint',
      'XksProxyUriPath',
      'XksProxyAuthenticationCredential',
    ] as const)
      assert.equal(
        typeOf(() => create(xks({ [member]: undefined }))),
        'ValidationException',
        member,
      );
    assert.equal(
      typeOf(() => create(xks({ KeyStorePassword: 'kmsPswd1' }))),
      'ValidationException',
    );
    assert.equal(
      typeOf(() => create(vpc({ XksProxyVpcEndpointServiceName: undefined }))),
      'ValidationException',
    );
  });

  test('the trust anchor must be a PEM certificate', () => {
    assert.equal(
      typeOf(() => create(cloudHsm({ TrustAnchorCertificate: 'not a certificate' }))),
      'IncorrectTrustAnchorException',
    );
    const broken = CERTIFICATE.replace(/\n(.{10})/, '\nAAAAAAAAAA');
    assert.equal(
      typeOf(() => create(cloudHsm({ TrustAnchorCertificate: broken }))),
      'IncorrectTrustAnchorException',
    );
  });

  test('names, clusters and proxy addresses are unique in the account and Region; at most 10 stores', () => {
    const hsm = create(cloudHsm());
    assert.equal(
      typeOf(() => create(xks({ CustomKeyStoreName: 'hsm' }), [hsm])),
      'CustomKeyStoreNameInUseException',
    );
    assert.equal(
      typeOf(() => create(cloudHsm({ CustomKeyStoreName: 'other' }), [hsm])),
      'CloudHsmClusterInUseException',
    );
    const publicStore = create(xks());
    assert.equal(
      typeOf(() => create(xks({ CustomKeyStoreName: 'x2' }), [publicStore])),
      'XksProxyUriInUseException',
    );
    assert.equal(
      typeOf(() =>
        create(xks({ CustomKeyStoreName: 'x2', XksProxyUriPath: '/prefix/kms/xks/v1' }), [publicStore]),
      ),
      undefined,
      'public endpoints may be shared with another path',
    );
    assert.equal(
      typeOf(() =>
        create(
          vpc({
            CustomKeyStoreName: 'v',
            XksProxyUriEndpoint: 'https://myproxy.xks.example.com',
            XksProxyUriPath: '/other/kms/xks/v1',
          }),
          [publicStore],
        ),
      ),
      'XksProxyUriEndpointInUseException',
    );
    const vpcStore = create(vpc());
    assert.equal(
      typeOf(() =>
        create(vpc({ CustomKeyStoreName: 'v2', XksProxyUriEndpoint: 'https://other-private.example.com' }), [
          vpcStore,
        ]),
      ),
      'XksProxyVpcEndpointServiceInUseException',
    );
    const ten = Array.from({ length: MAX_CUSTOM_KEY_STORES }, (_, i) => ({
      ...hsm,
      name: `s${i}`,
      cloudHsmClusterId: `c${i}`,
    }));
    assert.equal(
      typeOf(() => create(cloudHsm({ CustomKeyStoreName: 'eleventh' }), ten)),
      'LimitExceededException',
    );
  });

  test("a VPC store's endpoint service owner defaults to the caller's account; a public store takes no service", () => {
    assert.equal(create(vpc()).xks?.vpcEndpointServiceOwner, ACCOUNT);
    assert.equal(
      create(vpc({ XksProxyVpcEndpointServiceOwner: '444455556666' })).xks?.vpcEndpointServiceOwner,
      '444455556666',
    );
    assert.equal(
      typeOf(() =>
        create(xks({ XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-example1' })),
      ),
      'XksProxyInvalidConfigurationException',
    );
  });

  test('DescribeCustomKeyStores never shows the password or the secret access key', () => {
    const hsm = customKeyStoresListEntry(create(cloudHsm()));
    assert.equal(hsm.CreationDate, NOW.getTime() / 1000);
    assert.equal(hsm.TrustAnchorCertificate, CERTIFICATE);
    const entry = customKeyStoresListEntry(create(vpc()));
    assert.deepEqual(entry.XksProxyConfiguration, {
      Connectivity: 'VPC_ENDPOINT_SERVICE',
      AccessKeyId: credential.AccessKeyId,
      UriEndpoint: 'https://myproxy-private.xks.example.com',
      UriPath: '/kms/xks/v1',
      VpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-example1',
      VpcEndpointServiceOwner: ACCOUNT,
    });
    const text = JSON.stringify([hsm, entry]);
    assert.ok(!text.includes('kmsPswd1') && !text.includes(credential.RawSecretAccessKey));
  });
});

describe('the connection state machine', () => {
  const store = create(cloudHsm());

  test('DISCONNECTED → CONNECTING → CONNECTED; connecting again changes nothing', () => {
    const connecting = connect(store, NOW);
    assert.equal(connecting.connectionState, 'CONNECTING');
    assert.equal(settled(connecting, later(CONNECTION_SETTLE_MS - 1)).connectionState, 'CONNECTING');
    const connected = settled(connecting, later(CONNECTION_SETTLE_MS));
    assert.equal(connected.connectionState, 'CONNECTED');
    assert.equal(connect(connected, later(5000)), connected);
    assert.equal(connect(connecting, NOW), connecting);
  });

  test('CONNECTED → DISCONNECTING → DISCONNECTED; a FAILED store must be disconnected before connecting', () => {
    const connected = settled(connect(store, NOW), later(CONNECTION_SETTLE_MS));
    const disconnecting = disconnect(connected, later(5000));
    assert.equal(disconnecting.connectionState, 'DISCONNECTING');
    assert.equal(
      typeOf(() => connect(disconnecting, later(5000))),
      'CustomKeyStoreInvalidStateException',
    );
    assert.equal(
      typeOf(() => disconnect(disconnecting, later(5000))),
      'CustomKeyStoreInvalidStateException',
    );
    assert.equal(settled(disconnecting, later(5000 + CONNECTION_SETTLE_MS)).connectionState, 'DISCONNECTED');
    assert.equal(
      typeOf(() => disconnect(store, NOW)),
      'CustomKeyStoreInvalidStateException',
    );

    const failed = connectionFailed(connect(store, NOW), 'INVALID_CREDENTIALS', NOW);
    assert.deepEqual(
      [failed.connectionState, customKeyStoresListEntry(failed).ConnectionErrorCode],
      ['FAILED', 'INVALID_CREDENTIALS'],
    );
    assert.equal(
      typeOf(() => connect(failed, NOW)),
      'CustomKeyStoreInvalidStateException',
    );
    const reset = disconnect(failed, NOW);
    assert.equal(reset.connectionErrorCode, undefined);
    assert.equal(customKeyStoresListEntry(connected).ConnectionErrorCode, undefined);
  });

  test('DeleteCustomKeyStore: only disconnected, only without keys', () => {
    assert.equal(
      typeOf(() => checkDeletion(store, 0)),
      undefined,
    );
    assert.equal(
      typeOf(() => checkDeletion(store, 1)),
      'CustomKeyStoreHasCMKsException',
    );
    assert.equal(
      typeOf(() => checkDeletion(connect(store, NOW), 0)),
      'CustomKeyStoreInvalidStateException',
    );
  });
});

describe('UpdateCustomKeyStore', () => {
  const hsm = create(cloudHsm());
  const external = create(xks());
  const connected = (s: CustomKeyStoreRecord) => settled(connect(s, NOW), later(CONNECTION_SETTLE_MS));
  const update = (
    s: CustomKeyStoreRecord,
    fields: Partial<UpdateCustomKeyStoreRequest>,
    others: CustomKeyStoreRecord[] = [],
  ) => updateCustomKeyStore(s, { CustomKeyStoreId: s.customKeyStoreId, ...fields }, others);

  test('while CONNECTED: the name, and for an external key store the credential and path; the rest needs DISCONNECTED', () => {
    assert.equal(update(connected(hsm), { NewCustomKeyStoreName: 'renamed' }).name, 'renamed');
    assert.equal(
      typeOf(() => update(connected(hsm), { KeyStorePassword: 'newPswd1' })),
      'CustomKeyStoreInvalidStateException',
    );
    assert.equal(update(hsm, { KeyStorePassword: 'newPswd1' }).keyStorePassword, 'newPswd1');
    assert.equal(
      update(connected(external), { XksProxyUriPath: '/p/kms/xks/v1' }).xks?.uriPath,
      '/p/kms/xks/v1',
    );
    assert.equal(
      typeOf(() => update(connected(external), { XksProxyUriEndpoint: 'https://new.example.com' })),
      'CustomKeyStoreInvalidStateException',
    );
    assert.equal(
      typeOf(() => update(connect(hsm, NOW), { NewCustomKeyStoreName: 'x' })),
      'CustomKeyStoreInvalidStateException',
    );
  });

  test('members of the other type are refused; names and addresses stay unique', () => {
    assert.equal(
      typeOf(() => update(hsm, { XksProxyUriPath: '/kms/xks/v1' })),
      'ValidationException',
    );
    assert.equal(
      typeOf(() => update(external, { KeyStorePassword: 'newPswd1' })),
      'ValidationException',
    );
    assert.equal(
      typeOf(() => update(hsm, { NewCustomKeyStoreName: 'xks' }, [external])),
      'CustomKeyStoreNameInUseException',
    );
    const other = create(xks({ CustomKeyStoreName: 'x2', XksProxyUriPath: '/b/kms/xks/v1' }));
    assert.equal(
      typeOf(() => update(external, { XksProxyUriPath: '/b/kms/xks/v1' }, [other])),
      'XksProxyUriInUseException',
    );
  });

  test('changing connectivity needs a new endpoint, and an endpoint service for VPC', () => {
    assert.equal(
      typeOf(() => update(external, { XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE' })),
      'ValidationException',
    );
    const toVpc = update(external, {
      XksProxyConnectivity: 'VPC_ENDPOINT_SERVICE',
      XksProxyUriEndpoint: 'https://private.example.com',
      XksProxyVpcEndpointServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-example2',
    });
    assert.equal(toVpc.xks?.connectivity, 'VPC_ENDPOINT_SERVICE');
    const back = update(toVpc, {
      XksProxyConnectivity: 'PUBLIC_ENDPOINT',
      XksProxyUriEndpoint: 'https://public.example.com',
    });
    assert.deepEqual(
      [back.xks?.connectivity, back.xks?.vpcEndpointServiceName],
      ['PUBLIC_ENDPOINT', undefined],
    );
  });
});

describe('keys in custom key stores', () => {
  const hsm = settled(connect(create(cloudHsm()), NOW), later(CONNECTION_SETTLE_MS));
  const external = settled(connect(create(xks()), NOW), later(CONNECTION_SETTLE_MS));

  test("CreateKey: a single-Region SYMMETRIC_DEFAULT key of the store's origin, in a connected store", () => {
    assert.equal(
      typeOf(() => checkCreateKeyInStore(hsm, { Origin: 'AWS_CLOUDHSM' }, [])),
      undefined,
    );
    assert.equal(
      typeOf(() => checkCreateKeyInStore(external, { Origin: 'EXTERNAL_KEY_STORE', XksKeyId: 'k1' }, [])),
      undefined,
    );
    assert.equal(
      typeOf(() => checkCreateKeyInStore(hsm, {}, [])),
      'UnsupportedOperationException',
    );
    assert.equal(
      typeOf(() => checkCreateKeyInStore(hsm, { Origin: 'EXTERNAL_KEY_STORE', XksKeyId: 'k' }, [])),
      'UnsupportedOperationException',
    );
    assert.equal(
      typeOf(() => checkCreateKeyInStore(hsm, { Origin: 'AWS_CLOUDHSM', KeySpec: 'RSA_2048' }, [])),
      'UnsupportedOperationException',
    );
    assert.equal(
      typeOf(() => checkCreateKeyInStore(hsm, { Origin: 'AWS_CLOUDHSM', MultiRegion: true }, [])),
      'UnsupportedOperationException',
    );
    assert.equal(
      typeOf(() => checkCreateKeyInStore(external, { Origin: 'EXTERNAL_KEY_STORE' }, [])),
      'ValidationException',
    );
    assert.equal(
      typeOf(() => checkCreateKeyInStore(external, { Origin: 'EXTERNAL_KEY_STORE', XksKeyId: 'k1' }, ['k1'])),
      'XksKeyAlreadyInUseException',
    );
    assert.equal(
      typeOf(() => checkCreateKeyInStore(create(cloudHsm()), { Origin: 'AWS_CLOUDHSM' }, [])),
      'CustomKeyStoreInvalidStateException',
    );
  });

  test('without a store: no custom key store origin, no XksKeyId', () => {
    assert.equal(
      typeOf(() => checkOriginWithoutStore({ Origin: 'AWS_CLOUDHSM' })),
      'ValidationException',
    );
    assert.equal(
      typeOf(() => checkOriginWithoutStore({ XksKeyId: 'k' })),
      'ValidationException',
    );
    assert.equal(
      typeOf(() => checkOriginWithoutStore({ Origin: 'EXTERNAL' })),
      undefined,
    );
  });

  test('GenerateRandom: a connected CloudHSM key store; never an external one', () => {
    assert.equal(
      typeOf(() => checkGenerateRandom(hsm)),
      undefined,
    );
    assert.equal(
      typeOf(() => checkGenerateRandom(external)),
      'UnsupportedOperationException',
    );
    assert.equal(
      typeOf(() => checkGenerateRandom(disconnect(hsm, NOW))),
      'CustomKeyStoreInvalidStateException',
    );
  });

  test('a key in a store that is not connected cannot be used; DescribeKey names the store', () => {
    assert.equal(
      typeOf(() => checkKeyUsable(hsm, 'arn')),
      undefined,
    );
    assert.equal(
      typeOf(() => checkKeyUsable(disconnect(hsm, NOW), 'arn')),
      'KMSInvalidStateException',
    );
    assert.deepEqual(keyStoreMetadata(external, 'k1'), {
      CustomKeyStoreId: external.customKeyStoreId,
      CloudHsmClusterId: undefined,
      XksKeyConfiguration: { Id: 'k1' },
    });
    assert.equal(keyStoreMetadata(hsm, undefined).CloudHsmClusterId, 'cluster-1a23b4cdefg');
  });

  test('DescribeCustomKeyStores filters by ID or name, not both; an unknown one is CustomKeyStoreNotFound', () => {
    assert.deepEqual(filterCustomKeyStores([hsm, external], {}), [hsm, external]);
    assert.deepEqual(filterCustomKeyStores([hsm, external], { CustomKeyStoreName: 'xks' }), [external]);
    assert.deepEqual(filterCustomKeyStores([hsm, external], { CustomKeyStoreId: hsm.customKeyStoreId }), [
      hsm,
    ]);
    assert.equal(
      typeOf(() => filterCustomKeyStores([hsm], { CustomKeyStoreId: 'cks-00000000000000000' })),
      'CustomKeyStoreNotFoundException',
    );
    assert.equal(
      typeOf(() => filterCustomKeyStores([hsm], { CustomKeyStoreId: 'a', CustomKeyStoreName: 'b' })),
      'ValidationException',
    );
  });
});
