import { randomBytes, X509Certificate } from 'node:crypto';
import type {
  ConnectionErrorCodeType,
  ConnectionStateType,
  CreateCustomKeyStoreRequest,
  CreateKeyRequest,
  CustomKeyStoresListEntry,
  CustomKeyStoreType,
  DescribeCustomKeyStoresRequest,
  KeyMetadata,
  KeyState,
  UpdateCustomKeyStoreRequest,
  XksProxyConnectivityType,
} from '../../protocol/index.ts';
import { CustomKeyStoreErrors, Errors, MultiRegionErrors } from '../messages.ts';

/**
 * Custom key stores, emulated: AWS_CLOUDHSM key stores (backed by an AWS CloudHSM cluster) and EXTERNAL_KEY_STORE
 * key stores (backed by an external key store proxy), with the parameters, uniqueness rules, connection states
 * and refusals AWS documents ("Custom key stores" in the developer guide, and the CreateCustomKeyStore,
 * UpdateCustomKeyStore, ConnectCustomKeyStore, DisconnectCustomKeyStore, DeleteCustomKeyStore,
 * DescribeCustomKeyStores, CreateKey and GenerateRandom references).
 *
 * What is emulated, not real: kmslab reaches no CloudHSM cluster and no proxy. Every well-formed cluster ID
 * names an active cluster (so CloudHsmClusterNotFound/NotActive/InvalidConfiguration/NotRelated never occur);
 * a trust anchor must be a PEM certificate but is matched to no cluster; no proxy is contacted, so the
 * XksProxyUriUnreachable/InvalidResponse/IncorrectAuthenticationCredential checks never fail. A connection
 * takes CONNECTION_SETTLE_MS to go from CONNECTING to CONNECTED (and from DISCONNECTING to DISCONNECTED); keys in
 * a store are backed by kmslab's own material. The secrets (KeyStorePassword, RawSecretAccessKey) are kept to
 * be checked against later updates only, and never answered.
 */

export interface XksProxySettings {
  connectivity: XksProxyConnectivityType;
  uriEndpoint: string;
  uriPath: string;
  vpcEndpointServiceName?: string;
  vpcEndpointServiceOwner?: string;
  accessKeyId: string;
  rawSecretAccessKey: string;
}

/** A custom key store as kept; dates are epoch milliseconds. */
export interface CustomKeyStoreRecord {
  /** `cks-` and 17 hex digits, as AWS's. */
  customKeyStoreId: string;
  name: string;
  type: CustomKeyStoreType;
  creationDate: number;
  connectionState: ConnectionStateType;
  /** Only while FAILED. */
  connectionErrorCode?: ConnectionErrorCodeType;
  /** When the connection state last changed: CONNECTING and DISCONNECTING settle after a moment. */
  stateChangedAt: number;
  cloudHsmClusterId?: string;
  trustAnchorCertificate?: string;
  keyStorePassword?: string;
  xks?: XksProxySettings;
}

/** Resource quotas: "Custom key store resource quota: 10" per account and Region. */
export const MAX_CUSTOM_KEY_STORES = 10;
/** How long the emulated CONNECTING and DISCONNECTING states last. */
export const CONNECTION_SETTLE_MS = 1000;

export function newCustomKeyStoreId(): string {
  return `cks-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

const CLOUDHSM_MEMBERS = ['CloudHsmClusterId', 'TrustAnchorCertificate', 'KeyStorePassword'] as const;
const XKS_MEMBERS = [
  'XksProxyConnectivity',
  'XksProxyUriEndpoint',
  'XksProxyUriPath',
  'XksProxyVpcEndpointServiceName',
  'XksProxyVpcEndpointServiceOwner',
  'XksProxyAuthenticationCredential',
] as const;

type StoreInput = Partial<CreateCustomKeyStoreRequest & UpdateCustomKeyStoreRequest>;

/** Refuses a member of the other type of key store. */
function checkMembers(input: StoreInput, type: CustomKeyStoreType): void {
  const foreign = type === 'AWS_CLOUDHSM' ? XKS_MEMBERS : CLOUDHSM_MEMBERS;
  for (const member of foreign)
    if (input[member] !== undefined) throw CustomKeyStoreErrors.parameterNotValid(member, type);
}

function required<T>(value: T | undefined, member: string, type: CustomKeyStoreType): T {
  if (value === undefined) throw CustomKeyStoreErrors.parameterRequired(member, type);
  return value;
}

/** A trust anchor is the cluster's PEM certificate (customerCA.crt). */
function checkTrustAnchor(certificate: string): void {
  if (!certificate.trimStart().startsWith('-----BEGIN CERTIFICATE-----'))
    throw CustomKeyStoreErrors.incorrectTrustAnchor();
  try {
    new X509Certificate(certificate);
  } catch {
    throw CustomKeyStoreErrors.incorrectTrustAnchor();
  }
}

function checkNameFree(name: string, others: readonly CustomKeyStoreRecord[]): void {
  if (others.some((store) => store.name === name)) throw CustomKeyStoreErrors.nameInUse(name);
}

/**
 * The external key store proxy settings, whole and unique in the account and Region: VPC_ENDPOINT_SERVICE needs
 * an endpoint service name, PUBLIC_ENDPOINT takes none; endpoint and path together are unique; a VPC store's
 * endpoint (its private DNS name) is shared with no other store; each VPC store has its own endpoint service.
 */
function checkXks(settings: XksProxySettings, others: readonly CustomKeyStoreRecord[]): void {
  const vpc = settings.connectivity === 'VPC_ENDPOINT_SERVICE';
  if (vpc) required(settings.vpcEndpointServiceName, 'XksProxyVpcEndpointServiceName', 'EXTERNAL_KEY_STORE');
  else if (settings.vpcEndpointServiceName !== undefined || settings.vpcEndpointServiceOwner !== undefined)
    throw CustomKeyStoreErrors.vpcEndpointServiceNameForPublic();
  for (const other of others) {
    if (!other.xks) continue;
    if (other.xks.uriEndpoint === settings.uriEndpoint && other.xks.uriPath === settings.uriPath)
      throw CustomKeyStoreErrors.uriInUse(`${settings.uriEndpoint}${settings.uriPath}`);
    const eitherVpc = vpc || other.xks.connectivity === 'VPC_ENDPOINT_SERVICE';
    if (eitherVpc && other.xks.uriEndpoint === settings.uriEndpoint)
      throw CustomKeyStoreErrors.uriEndpointInUse(settings.uriEndpoint);
    if (vpc && other.xks.vpcEndpointServiceName === settings.vpcEndpointServiceName)
      throw CustomKeyStoreErrors.vpcEndpointServiceInUse(settings.vpcEndpointServiceName ?? '');
  }
}

/**
 * CreateCustomKeyStore: the members the type requires (AWS_CLOUDHSM, the default: cluster, trust anchor,
 * password; EXTERNAL_KEY_STORE: connectivity, endpoint, path, credential, and the endpoint service for VPC
 * connectivity, owned by the caller's account unless named), none of the other type's, a name and proxy
 * address of its own, a cluster no other store uses, and the quota. It starts DISCONNECTED.
 */
export function createCustomKeyStore(
  input: CreateCustomKeyStoreRequest,
  others: readonly CustomKeyStoreRecord[],
  accountId: string,
  now: Date,
): CustomKeyStoreRecord {
  const type = input.CustomKeyStoreType ?? 'AWS_CLOUDHSM';
  checkMembers(input, type);
  if (others.length >= MAX_CUSTOM_KEY_STORES) throw CustomKeyStoreErrors.tooMany(MAX_CUSTOM_KEY_STORES);
  checkNameFree(input.CustomKeyStoreName, others);
  const store: CustomKeyStoreRecord = {
    customKeyStoreId: newCustomKeyStoreId(),
    name: input.CustomKeyStoreName,
    type,
    creationDate: now.getTime(),
    connectionState: 'DISCONNECTED',
    stateChangedAt: now.getTime(),
  };
  if (type === 'AWS_CLOUDHSM') {
    const clusterId = required(input.CloudHsmClusterId, 'CloudHsmClusterId', type);
    const certificate = required(input.TrustAnchorCertificate, 'TrustAnchorCertificate', type);
    store.keyStorePassword = required(input.KeyStorePassword, 'KeyStorePassword', type);
    checkTrustAnchor(certificate);
    if (others.some((other) => other.cloudHsmClusterId === clusterId))
      throw CustomKeyStoreErrors.clusterInUse(clusterId);
    store.cloudHsmClusterId = clusterId;
    store.trustAnchorCertificate = certificate;
    return store;
  }
  const connectivity = required(input.XksProxyConnectivity, 'XksProxyConnectivity', type);
  const credential = required(
    input.XksProxyAuthenticationCredential,
    'XksProxyAuthenticationCredential',
    type,
  );
  const xks: XksProxySettings = {
    connectivity,
    uriEndpoint: required(input.XksProxyUriEndpoint, 'XksProxyUriEndpoint', type),
    uriPath: required(input.XksProxyUriPath, 'XksProxyUriPath', type),
    accessKeyId: credential.AccessKeyId,
    rawSecretAccessKey: credential.RawSecretAccessKey,
  };
  if (input.XksProxyVpcEndpointServiceName !== undefined)
    xks.vpcEndpointServiceName = input.XksProxyVpcEndpointServiceName;
  if (connectivity === 'VPC_ENDPOINT_SERVICE' || input.XksProxyVpcEndpointServiceOwner !== undefined)
    xks.vpcEndpointServiceOwner = input.XksProxyVpcEndpointServiceOwner ?? accountId;
  checkXks(xks, others);
  store.xks = xks;
  return store;
}

/** What each type lets UpdateCustomKeyStore change while CONNECTED; everything else needs DISCONNECTED. */
const CHANGEABLE_WHILE_CONNECTED: {
  readonly [T in CustomKeyStoreType]: readonly (keyof UpdateCustomKeyStoreRequest)[];
} = {
  AWS_CLOUDHSM: ['NewCustomKeyStoreName'],
  EXTERNAL_KEY_STORE: ['NewCustomKeyStoreName', 'XksProxyAuthenticationCredential', 'XksProxyUriPath'],
};

/**
 * UpdateCustomKeyStore: only members of the store's type; in the CONNECTED state only the name (and, for an
 * external key store, the credential and path), in DISCONNECTED anything, in other states nothing; a new name
 * and proxy address still unique; a connectivity change with a new endpoint (and, to VPC, an endpoint service).
 */
export function updateCustomKeyStore(
  store: CustomKeyStoreRecord,
  input: UpdateCustomKeyStoreRequest,
  others: readonly CustomKeyStoreRecord[],
): CustomKeyStoreRecord {
  checkMembers(input, store.type);
  const changing = (Object.keys(input) as (keyof UpdateCustomKeyStoreRequest)[]).filter(
    (member) => member !== 'CustomKeyStoreId' && input[member] !== undefined,
  );
  const state = store.connectionState;
  const allowed =
    state === 'DISCONNECTED' ||
    (state === 'CONNECTED' &&
      changing.every((member) => CHANGEABLE_WHILE_CONNECTED[store.type].includes(member)));
  if (!allowed)
    throw CustomKeyStoreErrors.invalidState(store.customKeyStoreId, state, 'UpdateCustomKeyStore');

  const updated: CustomKeyStoreRecord = { ...store };
  if (input.NewCustomKeyStoreName !== undefined && input.NewCustomKeyStoreName !== store.name) {
    checkNameFree(input.NewCustomKeyStoreName, others);
    updated.name = input.NewCustomKeyStoreName;
  }
  if (store.type === 'AWS_CLOUDHSM') {
    if (input.KeyStorePassword !== undefined) updated.keyStorePassword = input.KeyStorePassword;
    if (input.CloudHsmClusterId !== undefined) updated.cloudHsmClusterId = input.CloudHsmClusterId;
    return updated;
  }
  const xks: XksProxySettings = { ...(store.xks as XksProxySettings) };
  const connectivity = input.XksProxyConnectivity;
  if (connectivity !== undefined && connectivity !== xks.connectivity) {
    if (
      input.XksProxyUriEndpoint === undefined ||
      (connectivity === 'VPC_ENDPOINT_SERVICE' && input.XksProxyVpcEndpointServiceName === undefined)
    )
      throw CustomKeyStoreErrors.connectivityChange(connectivity);
    xks.connectivity = connectivity;
    if (connectivity === 'PUBLIC_ENDPOINT') {
      delete xks.vpcEndpointServiceName;
      delete xks.vpcEndpointServiceOwner;
    }
  }
  if (input.XksProxyUriEndpoint !== undefined) xks.uriEndpoint = input.XksProxyUriEndpoint;
  if (input.XksProxyUriPath !== undefined) xks.uriPath = input.XksProxyUriPath;
  if (input.XksProxyVpcEndpointServiceName !== undefined)
    xks.vpcEndpointServiceName = input.XksProxyVpcEndpointServiceName;
  if (input.XksProxyVpcEndpointServiceOwner !== undefined)
    xks.vpcEndpointServiceOwner = input.XksProxyVpcEndpointServiceOwner;
  if (input.XksProxyAuthenticationCredential !== undefined) {
    xks.accessKeyId = input.XksProxyAuthenticationCredential.AccessKeyId;
    xks.rawSecretAccessKey = input.XksProxyAuthenticationCredential.RawSecretAccessKey;
  }
  checkXks(xks, others);
  updated.xks = xks;
  return updated;
}

/** The store's connection state at `now`: the emulated CONNECTING and DISCONNECTING last CONNECTION_SETTLE_MS. */
export function settled(store: CustomKeyStoreRecord, now: Date): CustomKeyStoreRecord {
  if (now.getTime() - store.stateChangedAt < CONNECTION_SETTLE_MS) return store;
  if (store.connectionState === 'CONNECTING')
    return {
      ...store,
      connectionState: 'CONNECTED',
      stateChangedAt: store.stateChangedAt + CONNECTION_SETTLE_MS,
    };
  if (store.connectionState === 'DISCONNECTING')
    return {
      ...store,
      connectionState: 'DISCONNECTED',
      stateChangedAt: store.stateChangedAt + CONNECTION_SETTLE_MS,
    };
  return store;
}

function withState(
  store: CustomKeyStoreRecord,
  connectionState: ConnectionStateType,
  now: Date,
): CustomKeyStoreRecord {
  const { connectionErrorCode: _cleared, ...rest } = store;
  return { ...rest, connectionState, stateChangedAt: now.getTime() };
}

/**
 * ConnectCustomKeyStore starts connecting a DISCONNECTED store and leaves a CONNECTING or CONNECTED one as it
 * is; a store that is DISCONNECTING, or FAILED (disconnect it first), is refused.
 */
export function connect(store: CustomKeyStoreRecord, now: Date): CustomKeyStoreRecord {
  const state = store.connectionState;
  if (state === 'DISCONNECTING' || state === 'FAILED')
    throw CustomKeyStoreErrors.invalidState(store.customKeyStoreId, state, 'ConnectCustomKeyStore');
  return state === 'DISCONNECTED' ? withState(store, 'CONNECTING', now) : store;
}

/** DisconnectCustomKeyStore: any state but DISCONNECTING and DISCONNECTED; a FAILED store's error goes with it. */
export function disconnect(store: CustomKeyStoreRecord, now: Date): CustomKeyStoreRecord {
  const state = store.connectionState;
  if (state === 'DISCONNECTING' || state === 'DISCONNECTED')
    throw CustomKeyStoreErrors.invalidState(store.customKeyStoreId, state, 'DisconnectCustomKeyStore');
  return withState(store, 'DISCONNECTING', now);
}

/**
 * A connection attempt that failed, with its cause. kmslab reaches no cluster or proxy, so nothing in the
 * emulation fails on its own: this is for an operator's fault injection, should the wiring offer one.
 */
export function connectionFailed(
  store: CustomKeyStoreRecord,
  connectionErrorCode: ConnectionErrorCodeType,
  now: Date,
): CustomKeyStoreRecord {
  return { ...withState(store, 'FAILED', now), connectionErrorCode };
}

/** DeleteCustomKeyStore: disconnected, and without KMS keys. */
export function checkDeletion(store: CustomKeyStoreRecord, keysInStore: number): void {
  if (store.connectionState !== 'DISCONNECTED')
    throw CustomKeyStoreErrors.invalidState(
      store.customKeyStoreId,
      store.connectionState,
      'DeleteCustomKeyStore',
    );
  if (keysInStore > 0) throw CustomKeyStoreErrors.hasKeys(store.customKeyStoreId);
}

/** The Origin that keys in a store of each type have. */
const STORE_ORIGIN = { AWS_CLOUDHSM: 'AWS_CLOUDHSM', EXTERNAL_KEY_STORE: 'EXTERNAL_KEY_STORE' } as const;

/**
 * CreateKey without a custom key store: the custom key store origins need one, and XksKeyId is for
 * EXTERNAL_KEY_STORE keys only.
 */
export function checkOriginWithoutStore(input: Pick<CreateKeyRequest, 'Origin' | 'XksKeyId'>): void {
  if (input.Origin === 'AWS_CLOUDHSM' || input.Origin === 'EXTERNAL_KEY_STORE')
    throw CustomKeyStoreErrors.parameterRequired('CustomKeyStoreId', input.Origin);
  if (input.XksKeyId !== undefined) throw CustomKeyStoreErrors.xksKeyIdRequired();
}

/**
 * CreateKey in a custom key store: a single-Region SYMMETRIC_DEFAULT key of the store's origin (with an external
 * key of its own for an external key store), in a CONNECTED store.
 */
export function checkCreateKeyInStore(
  store: CustomKeyStoreRecord,
  input: Pick<CreateKeyRequest, 'KeySpec' | 'CustomerMasterKeySpec' | 'Origin' | 'XksKeyId' | 'MultiRegion'>,
  xksKeyIdsInStore: readonly string[],
): void {
  if (input.MultiRegion) throw MultiRegionErrors.customKeyStore();
  const keySpec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
  if (keySpec !== 'SYMMETRIC_DEFAULT') throw CustomKeyStoreErrors.keySpecNotSupported(keySpec);
  const origin = input.Origin ?? 'AWS_KMS';
  if (origin !== STORE_ORIGIN[store.type]) throw CustomKeyStoreErrors.originMismatch(origin, store.type);
  if ((store.type === 'EXTERNAL_KEY_STORE') !== (input.XksKeyId !== undefined))
    throw CustomKeyStoreErrors.xksKeyIdRequired();
  if (store.connectionState !== 'CONNECTED')
    throw CustomKeyStoreErrors.invalidState(store.customKeyStoreId, store.connectionState, 'CreateKey');
  if (input.XksKeyId !== undefined && xksKeyIdsInStore.includes(input.XksKeyId))
    throw CustomKeyStoreErrors.xksKeyInUse(input.XksKeyId);
}

/** GenerateRandom with CustomKeyStoreId: a connected AWS CloudHSM key store only. */
export function checkGenerateRandom(store: CustomKeyStoreRecord): void {
  if (store.type === 'EXTERNAL_KEY_STORE') throw CustomKeyStoreErrors.externalGenerateRandom();
  if (store.connectionState !== 'CONNECTED')
    throw CustomKeyStoreErrors.invalidState(store.customKeyStoreId, store.connectionState, 'GenerateRandom');
}

/**
 * A key's state as AWS shows it ("How to fix unavailable KMS keys"): Unavailable while its store is not connected,
 * but for PendingDeletion, which stays; the state it had comes back once the store is connected again.
 */
export function keyStateInStore(store: CustomKeyStoreRecord, keyState: KeyState): KeyState {
  return store.connectionState === 'CONNECTED' || keyState === 'PendingDeletion' ? keyState : 'Unavailable';
}

/** A key in a store that is not connected is Unavailable: no cryptographic operation can use it. */
export function checkKeyUsable(store: CustomKeyStoreRecord, keyArn: string): void {
  if (store.connectionState !== 'CONNECTED') throw Errors.invalidState(keyArn, 'Unavailable');
}

/** What DescribeKey shows of a key in a custom key store. */
export function keyStoreMetadata(
  store: CustomKeyStoreRecord,
  xksKeyId: string | undefined,
): Pick<KeyMetadata, 'CustomKeyStoreId' | 'CloudHsmClusterId' | 'XksKeyConfiguration'> {
  return {
    CustomKeyStoreId: store.customKeyStoreId,
    CloudHsmClusterId: store.cloudHsmClusterId,
    XksKeyConfiguration: xksKeyId === undefined ? undefined : { Id: xksKeyId },
  };
}

/** DescribeCustomKeyStores's entry: never the password nor the secret access key. */
export function customKeyStoresListEntry(store: CustomKeyStoreRecord): CustomKeyStoresListEntry {
  const { xks } = store;
  return {
    CustomKeyStoreId: store.customKeyStoreId,
    CustomKeyStoreName: store.name,
    CustomKeyStoreType: store.type,
    CloudHsmClusterId: store.cloudHsmClusterId,
    TrustAnchorCertificate: store.trustAnchorCertificate,
    ConnectionState: store.connectionState,
    ConnectionErrorCode: store.connectionState === 'FAILED' ? store.connectionErrorCode : undefined,
    CreationDate: store.creationDate / 1000,
    XksProxyConfiguration: xks && {
      Connectivity: xks.connectivity,
      AccessKeyId: xks.accessKeyId,
      UriEndpoint: xks.uriEndpoint,
      UriPath: xks.uriPath,
      VpcEndpointServiceName: xks.vpcEndpointServiceName,
      VpcEndpointServiceOwner: xks.vpcEndpointServiceOwner,
    },
  };
}

/** DescribeCustomKeyStores's filters: a store ID or a store name (not both), which must name a store. */
export function filterCustomKeyStores(
  stores: readonly CustomKeyStoreRecord[],
  filters: Pick<DescribeCustomKeyStoresRequest, 'CustomKeyStoreId' | 'CustomKeyStoreName'>,
): CustomKeyStoreRecord[] {
  const { CustomKeyStoreId: id, CustomKeyStoreName: name } = filters;
  if (id !== undefined && name !== undefined) throw CustomKeyStoreErrors.bothFilters();
  if (id === undefined && name === undefined) return [...stores];
  const found = stores.filter((store) => store.customKeyStoreId === id || store.name === name);
  if (found.length === 0) throw CustomKeyStoreErrors.notFound(id ?? name ?? '');
  return found;
}
