import { createHmac, randomBytes } from 'node:crypto';
import type { KeyMetadata } from '../../protocol/index.ts';
import { Errors } from '../messages.ts';
import { keyArn } from './arn.ts';

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';
export type RotationType = 'AUTOMATIC' | 'ON_DEMAND';

/** A KMS key as stored; dates are epoch milliseconds. */
export interface KeyRecord {
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

/** A key with its material versions, oldest first: the last one is current. */
export interface LoadedKey {
  record: KeyRecord;
  arn: string;
  materials: readonly KeyMaterial[];
  byMaterialId: ReadonlyMap<string, KeyMaterial>;
}

export const MATERIAL_BYTES = 32;
export const MAX_ON_DEMAND_ROTATIONS = 10;
export const DEFAULT_ROTATION_PERIOD_DAYS = 365;
export const DEFAULT_PENDING_WINDOW_DAYS = 30;
export const DAY_MS = 24 * 60 * 60 * 1000;

export function loadedKey(record: KeyRecord, materials: KeyMaterial[]): LoadedKey {
  return {
    record,
    arn: keyArn(record.accountId, record.region, record.keyId),
    materials,
    byMaterialId: new Map(materials.map((m) => [m.materialId, m])),
  };
}

export function currentMaterial(key: LoadedKey): KeyMaterial {
  const material = key.materials[key.materials.length - 1];
  if (!material) throw new Error(`key ${key.arn} has no key material`);
  return material;
}

export function generateMaterial(createdAt: number, rotationType?: RotationType): KeyMaterial {
  return {
    materialId: randomBytes(32).toString('hex'),
    bytes: randomBytes(MATERIAL_BYTES),
    createdAt,
    rotationType,
  };
}

/**
 * Seeded material gets an ID derived from the bytes (one-way), so that applying the same seed again recognises
 * it and ciphertexts made by one seeded server open on another seeded the same way.
 */
export function seededMaterial(bytes: Uint8Array, createdAt: number): KeyMaterial {
  if (bytes.length !== MATERIAL_BYTES) {
    throw new Error(`seeded key material must be ${MATERIAL_BYTES} bytes (AES-256), got ${bytes.length}`);
  }
  const materialId = createHmac('sha256', bytes).update('kmslab key material id').digest('hex');
  return { materialId, bytes: Buffer.from(bytes), createdAt };
}

/** Cryptographic operations need an enabled key. */
export function assertEnabled(key: LoadedKey): void {
  if (key.record.keyState === 'Disabled') throw Errors.disabled(key.arn);
  if (key.record.keyState === 'PendingDeletion') throw Errors.pendingDeletion(key.arn);
}

/** Management operations that AWS refuses on a key scheduled for deletion. */
export function assertNotPendingDeletion(key: LoadedKey): void {
  if (key.record.keyState === 'PendingDeletion') throw Errors.pendingDeletion(key.arn);
}

function seconds(ms: number): number {
  return ms / 1000;
}

export function epochSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : seconds(ms);
}

/**
 * DescribeKey's KeyMetadata, shaped like AWS's answer for a symmetric encryption key. PendingDeletionWindowInDays
 * is absent: AWS shows it only for multi-Region keys pending replica deletion.
 */
export function keyMetadata(key: LoadedKey): KeyMetadata {
  const { record } = key;
  const pending = record.keyState === 'PendingDeletion';
  return {
    AWSAccountId: record.accountId,
    KeyId: record.keyId,
    Arn: key.arn,
    CreationDate: seconds(record.creationDate),
    Enabled: record.keyState === 'Enabled',
    Description: record.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: record.keyState,
    DeletionDate: pending ? epochSeconds(record.deletionDate) : undefined,
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
    CurrentKeyMaterialId: currentMaterial(key).materialId,
  };
}
