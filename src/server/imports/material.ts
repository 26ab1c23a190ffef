import type { ImportKeyMaterialRequest } from '../../protocol/index.ts';
import { keyedDigest } from '../crypto/tokens.ts';
import { DAY_MS, type ImportedMaterial, type LoadedKey } from '../keys/key.ts';
import { ImportErrors } from '../messages.ts';

/**
 * Imported key material (ImportKeyMaterial, DeleteImportedKeyMaterial, expiry, and on-demand rotation of imported
 * symmetric keys, as the current model describes them).
 *
 * A key of origin EXTERNAL keeps one record per key material it was ever given, whether the bytes are there now
 * (IMPORTED) or were deleted or expired (PENDING_IMPORT): only the same material can be imported again. The
 * fields are those ListKeyRotations answers (RotationsListEntry). A material's ID derives from the key ID and the
 * material under a secret of the root key (crypto/tokens.ts), as AWS derives it "from the KMS key ID and the
 * imported key material": re-importing the same material gives the same ID, related multi-Region keys (one key
 * ID) give a material the same ID, and the ID reveals nothing of the material.
 */

export type { ImportedMaterial };

/** "The maximum value is 365 days from the request date." */
export const MAX_VALID_TO_DAYS = 365;

export function importedMaterialId(secret: Uint8Array, keyId: string, material: Uint8Array): string {
  return keyedDigest(secret, [Buffer.from(keyId, 'utf8'), material]).toString('hex');
}

/** The key an import is for, with what it knows of its materials. */
export interface ImportTarget {
  key: Pick<LoadedKey, 'arn' | 'record' | 'kind'>;
  /** Oldest first. */
  materials: readonly ImportedMaterial[];
  /** The key's part in a multi-Region key, if it is one. */
  multiRegionKeyType?: 'PRIMARY' | 'REPLICA';
  /** A primary key's replicas must import new material too before the primary can rotate to it. */
  hasReplicas?: boolean;
}

export type ImportOptions = Pick<
  ImportKeyMaterialRequest,
  'ImportType' | 'KeyMaterialId' | 'KeyMaterialDescription' | 'ExpirationModel' | 'ValidTo'
>;

export interface ImportOutcome {
  /** The materials after the import, in the same order, a new one last. */
  materials: ImportedMaterial[];
  /** The imported material's record. */
  material: ImportedMaterial;
  /** Enabled once every material of the key is imported, else PendingImport. */
  keyState: 'Enabled' | 'PendingImport';
}

function isSymmetric(target: ImportTarget): boolean {
  return target.key.kind.keySpec === 'SYMMETRIC_DEFAULT';
}

/** ExpirationModel and ValidTo: KEY_MATERIAL_EXPIRES (the default) needs a ValidTo from now to a year on. */
function expiration(
  options: ImportOptions,
  now: Date,
): Pick<ImportedMaterial, 'expirationModel' | 'validTo'> {
  const expirationModel = options.ExpirationModel ?? 'KEY_MATERIAL_EXPIRES';
  if (expirationModel === 'KEY_MATERIAL_DOES_NOT_EXPIRE') {
    if (options.ValidTo !== undefined) throw ImportErrors.validToForbidden();
    return { expirationModel };
  }
  if (options.ValidTo === undefined) throw ImportErrors.validToRequired();
  const validTo = options.ValidTo * 1000;
  if (validTo <= now.getTime() || validTo > now.getTime() + MAX_VALID_TO_DAYS * DAY_MS)
    throw ImportErrors.validToOutOfRange();
  return { expirationModel, validTo };
}

function keyStateOf(materials: readonly ImportedMaterial[]): 'Enabled' | 'PendingImport' {
  return materials.every((m) => m.importState === 'IMPORTED') ? 'Enabled' : 'PendingImport';
}

/**
 * ImportKeyMaterial's rules, for material `materialId` (importedMaterialId of the unwrapped, checked material):
 *
 * - ImportType, KeyMaterialId and KeyMaterialDescription are for symmetric encryption keys only.
 * - ImportType defaults to NEW_KEY_MATERIAL for a key that never had material, EXISTING_KEY_MATERIAL after.
 * - NEW_KEY_MATERIAL takes no KeyMaterialId and must be material the key never had. A key's first material is
 *   current; later ones (symmetric keys only, never into a replica) wait for RotateKeyOnDemand, one at a time,
 *   and on a primary with replicas until every replica imported it too.
 * - EXISTING_KEY_MATERIAL must be material the key had (and the given KeyMaterialId, if any, must be its ID): it
 *   restores deleted or expired material, or changes its expiration. Its description stays unless given.
 */
export function planImport(
  target: ImportTarget,
  materialId: string,
  options: ImportOptions,
  now: Date,
): ImportOutcome {
  const keySpec = target.key.kind.keySpec;
  if (!isSymmetric(target)) {
    for (const member of ['ImportType', 'KeyMaterialId', 'KeyMaterialDescription'] as const)
      if (options[member] !== undefined) throw ImportErrors.symmetricOnly(member, keySpec);
  }
  const expires = expiration(options, now);
  const importType =
    options.ImportType ?? (target.materials.length === 0 ? 'NEW_KEY_MATERIAL' : 'EXISTING_KEY_MATERIAL');
  const existing = target.materials.find((m) => m.materialId === materialId);

  if (importType === 'NEW_KEY_MATERIAL') {
    if (options.KeyMaterialId !== undefined) throw ImportErrors.newMaterialWithId();
    if (existing) throw ImportErrors.materialAlreadyAssociated(materialId);
    if (target.materials.length > 0) {
      if (target.multiRegionKeyType === 'REPLICA') throw ImportErrors.newMaterialIntoReplica(target.key.arn);
      if (!isSymmetric(target)) throw ImportErrors.newMaterialNotRotatable(keySpec);
      const pending = target.materials.find((m) => m.keyMaterialState.startsWith('PENDING'));
      if (pending) throw ImportErrors.materialPendingRotation(materialId, target.key.arn, pending.materialId);
    }
    const material: ImportedMaterial = {
      materialId,
      ...(options.KeyMaterialDescription !== undefined && { description: options.KeyMaterialDescription }),
      importState: 'IMPORTED',
      keyMaterialState:
        target.materials.length === 0
          ? 'CURRENT'
          : target.hasReplicas
            ? 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION'
            : 'PENDING_ROTATION',
      ...expires,
    };
    const materials = [...target.materials, material];
    return { materials, material, keyState: keyStateOf(materials) };
  }

  if (options.KeyMaterialId !== undefined && options.KeyMaterialId !== materialId)
    throw ImportErrors.materialIdMismatch(options.KeyMaterialId);
  if (!existing) throw ImportErrors.materialNotPrevious();
  const material: ImportedMaterial = {
    ...existing,
    ...(options.KeyMaterialDescription !== undefined && { description: options.KeyMaterialDescription }),
    importState: 'IMPORTED',
    expirationModel: expires.expirationModel,
    validTo: expires.validTo,
  };
  if (material.validTo === undefined) delete material.validTo;
  const materials = target.materials.map((m) => (m === existing ? material : m));
  return { materials, material, keyState: keyStateOf(materials) };
}

/** Forgetting the bytes of a material keeps its record, to be imported again. */
function withoutBytes(material: ImportedMaterial): ImportedMaterial {
  const { expirationModel: _model, validTo: _validTo, ...kept } = material;
  return { ...kept, importState: 'PENDING_IMPORT' };
}

/**
 * DeleteImportedKeyMaterial: the current material, or the one named, loses its bytes (the operation removes them);
 * the key becomes PendingImport, unless it is pending deletion ("When the specified KMS key is in the
 * PendingDeletion state, this operation does not change the KMS key's state").
 */
export function planDeletion(
  target: ImportTarget,
  keyMaterialId: string | undefined,
): { materials: ImportedMaterial[]; material: ImportedMaterial; keyState?: 'PendingImport' } {
  const deleted = target.materials.find((m) =>
    keyMaterialId === undefined ? m.keyMaterialState === 'CURRENT' : m.materialId === keyMaterialId,
  );
  if (!deleted) throw ImportErrors.materialNotFound(target.key.arn, keyMaterialId ?? 'current');
  const material = withoutBytes(deleted);
  const materials = target.materials.map((m) => (m === deleted ? material : m));
  const pendingDeletion = target.key.record.keyState === 'PendingDeletion';
  return { materials, material, ...(!pendingDeletion && { keyState: 'PendingImport' as const }) };
}

/** The imported materials whose ValidTo has come by `now`: kmslab removes their bytes and the key waits for them. */
export function expiredMaterials(materials: readonly ImportedMaterial[], now: Date): ImportedMaterial[] {
  return materials.filter(
    (m) => m.importState === 'IMPORTED' && m.validTo !== undefined && m.validTo <= now.getTime(),
  );
}

/** The materials after `expired` lost their bytes, and whether the key must wait for an import again. */
export function expire(
  materials: readonly ImportedMaterial[],
  expired: readonly ImportedMaterial[],
): { materials: ImportedMaterial[]; keyState?: 'PendingImport' } {
  const after = materials.map((m) => (expired.includes(m) ? withoutBytes(m) : m));
  return { materials: after, ...(expired.length > 0 && { keyState: 'PendingImport' as const }) };
}

/**
 * RotateKeyOnDemand of an imported symmetric key: the material pending rotation becomes current, the current one
 * NON_CURRENT. A primary's new material must first be imported into every replica (its state then is
 * PENDING_ROTATION: the operation flips it once the replicas have it).
 */
export function rotateToPendingMaterial(target: ImportTarget): ImportedMaterial[] {
  const pending = target.materials.find((m) => m.keyMaterialState === 'PENDING_ROTATION');
  if (!pending) throw ImportErrors.noPendingRotation(target.key.arn);
  return target.materials.map((m) =>
    m === pending
      ? { ...m, keyMaterialState: 'CURRENT' }
      : m.keyMaterialState === 'CURRENT'
        ? { ...m, keyMaterialState: 'NON_CURRENT' }
        : m,
  );
}
