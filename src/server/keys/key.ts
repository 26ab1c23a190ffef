import { createHmac, randomBytes } from 'node:crypto';
import type {
  ExpirationModelType,
  ImportState,
  KeyManagerType,
  KeyMaterialState,
  KeyMetadata,
  KeySpec,
  KeyState,
  KeyUsageType,
  OriginType,
  RotationType,
} from '../../protocol/index.ts';
import { KEY_BYTES } from '../crypto/aead.ts';
import { type KeyBinding, keyBinding } from '../crypto/ciphertext.ts';
import { Errors } from '../messages.ts';
import { keyArn } from './arn.ts';
import { type AlgorithmFamilies, type CryptographicOperation, KEY_KINDS, type KeyKind } from './kinds.ts';

export type { KeyState, RotationType };

/** What a key is given when it is created and keeps for life. */
export interface KeyAttributes {
  keySpec: KeySpec;
  keyUsage: KeyUsageType;
  origin: OriginType;
  multiRegion: boolean;
  keyManager: KeyManagerType;
  /** The custom key store (custom-key-stores/) a key was created in, and its external key in an external one. */
  customKeyStoreId?: string;
  xksKeyId?: string;
}

/**
 * A symmetric encryption key that KMS made for a customer: what CreateKey makes by default, what every seeded key
 * is, and what every key stored before schema version 2 was.
 */
export const SYMMETRIC_CUSTOMER_KEY: Readonly<KeyAttributes> = {
  keySpec: 'SYMMETRIC_DEFAULT',
  keyUsage: 'ENCRYPT_DECRYPT',
  origin: 'AWS_KMS',
  multiRegion: false,
  keyManager: 'CUSTOMER',
};

/** A KMS key as stored; dates are epoch milliseconds. */
export interface KeyRecord extends KeyAttributes {
  accountId: string;
  region: string;
  keyId: string;
  description: string;
  keyState: KeyState;
  creationDate: number;
  deletionDate?: number;
  pendingWindowInDays?: number;
  policy: string;
  /** Set while automatic rotation is enabled. */
  rotationPeriodInDays?: number;
  nextRotationDate?: number;
  onDemandRotations: number;
}

export interface KeyMaterial {
  /** 64 lowercase hex characters. */
  materialId: string;
  bytes: Buffer;
  createdAt: number;
  /** Absent for the key's first material. */
  rotationType?: RotationType;
}

/**
 * What a key of origin EXTERNAL knows of one key material it was given (imports/material.ts), whether its bytes
 * are there now (IMPORTED) or were deleted or expired (PENDING_IMPORT). The fields are ListKeyRotations'.
 */
export interface ImportedMaterial {
  /** 64 lowercase hex characters. */
  materialId: string;
  description?: string;
  importState: ImportState;
  keyMaterialState: KeyMaterialState;
  /** Absent while the material is not imported. */
  expirationModel?: ExpirationModelType;
  /** Epoch milliseconds; with KEY_MATERIAL_EXPIRES. */
  validTo?: number;
}

/**
 * A key with its attributes, its kind and the material versions whose bytes it holds, oldest first. The last one is
 * current, but for a key of origin EXTERNAL: its `imported` records say which material is current.
 */
export interface LoadedKey {
  record: KeyRecord;
  arn: string;
  kind: KeyKind;
  /** What its ciphertexts are bound to (crypto/ciphertext.ts). */
  binding: KeyBinding;
  materials: readonly KeyMaterial[];
  byMaterialId: ReadonlyMap<string, KeyMaterial>;
  /** A key of origin EXTERNAL: every material it was ever given, in the order of their first import. */
  imported?: readonly ImportedMaterial[];
}

/** "You can perform on-demand key rotation a maximum of 25 times per KMS key" (developer guide; once 10). */
export const MAX_ON_DEMAND_ROTATIONS = 25;
export const DEFAULT_ROTATION_PERIOD_DAYS = 365;
export const DEFAULT_PENDING_WINDOW_DAYS = 30;
export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * What a key's version-2 ciphertexts are bound to besides their header. Multi-Region related keys share their key
 * ID and material, and AWS lets a replica decrypt what its primary encrypted, so theirs leaves the region out; a
 * single-Region key's includes it, so that a blob never opens under a key of the same ID in another region.
 */
export function ciphertextIdentity(record: KeyRecord): string[] {
  return record.multiRegion
    ? [record.accountId, record.keyId]
    : [record.accountId, record.region, record.keyId];
}

export function loadedKey(
  record: KeyRecord,
  materials: readonly KeyMaterial[],
  imported?: readonly ImportedMaterial[],
): LoadedKey {
  return {
    record,
    arn: keyArn(record.accountId, record.region, record.keyId),
    kind: KEY_KINDS[record.keySpec],
    binding: keyBinding(record.accountId, record.region, ciphertextIdentity(record)),
    materials,
    byMaterialId: new Map(materials.map((m) => [m.materialId, m])),
    ...(imported && { imported }),
  };
}

/** Refuses an operation that the key's usage, or its kind under that usage, does not allow. */
export function checkUsage(key: LoadedKey, operation: CryptographicOperation): void {
  const { keyUsage } = key.record;
  if (!key.kind.usages[keyUsage]?.operations.includes(operation)) {
    throw Errors.invalidKeyUsage(key.arn, keyUsage, operation);
  }
}

/** Refuses an algorithm that the key does not offer under its usage. */
export function checkAlgorithm<F extends keyof AlgorithmFamilies>(
  key: LoadedKey,
  family: F,
  algorithm: AlgorithmFamilies[F],
): void {
  const offered: readonly string[] = key.kind.usages[key.record.keyUsage]?.algorithms[family] ?? [];
  if (!offered.includes(algorithm)) throw Errors.algorithmIncompatible(algorithm, key.kind.keySpec);
}

/** The ID of the key's current material: for an EXTERNAL key, even while its bytes are deleted or expired. */
export function currentMaterialId(key: LoadedKey): string | undefined {
  if (key.imported) return key.imported.find((m) => m.keyMaterialState === 'CURRENT')?.materialId;
  return key.materials[key.materials.length - 1]?.materialId;
}

/** The current material's bytes; only a key in a state that uses them (Enabled, Disabled...) is sure to hold them. */
export function currentMaterial(key: LoadedKey): KeyMaterial {
  const materialId = currentMaterialId(key);
  const material = materialId === undefined ? undefined : key.byMaterialId.get(materialId);
  if (!material) throw new Error(`key ${key.arn} has no current key material`);
  return material;
}

/**
 * New material for a key of `kind`, current from `createdAt`; `rotationType` names the rotation that made it
 * (absent for a key's first material). The default kind serves seeds that give no material of their own.
 */
export async function generateMaterial(
  createdAt: number,
  { kind = KEY_KINDS.SYMMETRIC_DEFAULT, rotationType }: { kind?: KeyKind; rotationType?: RotationType } = {},
): Promise<KeyMaterial> {
  if (!kind.crypto) throw new Error(`kmslab cannot make ${kind.keySpec} key material`);
  return newMaterial(await kind.crypto.generate(), createdAt, rotationType);
}

/**
 * A symmetric key's first material, made at once: for the AWS managed key that the first lookup of its alias
 * creates, on a path that awaits nothing (random bytes need no thread pool).
 */
export function symmetricMaterial(createdAt: number): KeyMaterial {
  return newMaterial(randomBytes(KEY_BYTES), createdAt);
}

function newMaterial(bytes: Buffer, createdAt: number, rotationType?: RotationType): KeyMaterial {
  return { materialId: randomBytes(32).toString('hex'), bytes, createdAt, rotationType };
}

/**
 * Seeded material gets an ID derived from the bytes (one-way), so that applying the same seed again recognises it
 * and ciphertexts made by one seeded server open on another seeded the same way. The bytes are taken as the key's
 * kind imports material (a private key re-encoded as kmslab keeps it); undefined when they are not material of it.
 */
export function seededMaterial(
  bytes: Uint8Array,
  createdAt: number,
  kind: KeyKind = KEY_KINDS.SYMMETRIC_DEFAULT,
): KeyMaterial | undefined {
  const material = kind.crypto?.importMaterial(Buffer.from(bytes));
  if (!material) return undefined;
  const materialId = createHmac('sha256', material).update('kmslab key material id').digest('hex');
  return { materialId, bytes: material, createdAt };
}

function seconds(ms: number): number {
  return ms / 1000;
}

export function epochSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : seconds(ms);
}

/** A copy of a kind's list, for an answer (undefined, and so absent, where the kind lists none). */
function listed<T>(algorithms: readonly T[] | undefined): T[] | undefined {
  return algorithms && [...algorithms];
}

/** The algorithms that the key's kind offers under its usage, as KeyMetadata and GetPublicKey list them. */
export function keyAlgorithms(
  key: LoadedKey,
): Pick<
  KeyMetadata,
  'EncryptionAlgorithms' | 'SigningAlgorithms' | 'MacAlgorithms' | 'KeyAgreementAlgorithms'
> {
  const algorithms = key.kind.usages[key.record.keyUsage]?.algorithms ?? {};
  return {
    EncryptionAlgorithms: listed(algorithms.EncryptionAlgorithms),
    SigningAlgorithms: listed(algorithms.SigningAlgorithms),
    MacAlgorithms: listed(algorithms.MacAlgorithms),
    KeyAgreementAlgorithms: listed(algorithms.KeyAgreementAlgorithms),
  };
}

/**
 * DescribeKey's KeyMetadata: the record's state and attributes, and what the key's kind lists for its usage.
 * PendingDeletionWindowInDays is absent: AWS shows it only for multi-Region keys pending replica deletion.
 */
export function keyMetadata(key: LoadedKey): KeyMetadata {
  const { record, kind } = key;
  const pending = record.keyState === 'PendingDeletion';
  return {
    AWSAccountId: record.accountId,
    KeyId: record.keyId,
    Arn: key.arn,
    CreationDate: seconds(record.creationDate),
    Enabled: record.keyState === 'Enabled',
    Description: record.description,
    KeyUsage: record.keyUsage,
    KeyState: record.keyState,
    DeletionDate: pending ? epochSeconds(record.deletionDate) : undefined,
    Origin: record.origin,
    KeyManager: record.keyManager,
    CustomerMasterKeySpec: kind.customerMasterKeySpec,
    KeySpec: kind.keySpec,
    ...keyAlgorithms(key),
    MultiRegion: record.multiRegion,
    ...currentMaterialMetadata(key),
  };
}

/**
 * CurrentKeyMaterialId, and for imported material its ExpirationModel and ValidTo (the earliest time at which any
 * imported material of the key expires). AWS shows CurrentKeyMaterialId of an EXTERNAL key for symmetric
 * encryption keys only ("single-Region, symmetric encryption keys with EXTERNAL origin"), and keeps it after the
 * material is deleted (recorded in test_import_key_symmetric); ExpirationModel only while the current material is
 * imported.
 */
function currentMaterialMetadata(
  key: LoadedKey,
): Pick<KeyMetadata, 'CurrentKeyMaterialId' | 'ExpirationModel' | 'ValidTo'> {
  if (!key.imported) return { CurrentKeyMaterialId: currentMaterialId(key) };
  const shown = key.kind.keySpec === 'SYMMETRIC_DEFAULT' && !key.record.multiRegion;
  return {
    CurrentKeyMaterialId: shown ? currentMaterialId(key) : undefined,
    ...importMetadata(key.imported),
  };
}

/**
 * What DescribeKey shows of a key's imported material: ExpirationModel while its current material is imported,
 * and ValidTo, "the earliest time at which any imported key material permanently associated with this KMS key
 * expires". Both are absent while nothing is imported.
 */
export function importMetadata(
  materials: readonly ImportedMaterial[],
): Pick<KeyMetadata, 'ExpirationModel' | 'ValidTo'> {
  const current = materials.find((m) => m.keyMaterialState === 'CURRENT' && m.importState === 'IMPORTED');
  const validTos = materials.flatMap((m) => (m.importState === 'IMPORTED' && m.validTo ? [m.validTo] : []));
  return {
    ExpirationModel: current?.expirationModel,
    ValidTo: validTos.length > 0 ? seconds(Math.min(...validTos)) : undefined,
  };
}
