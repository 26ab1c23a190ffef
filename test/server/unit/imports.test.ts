import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { KeySpec } from '../../../src/protocol/index.ts';
import { unwrapKeyMaterial } from '../../../src/server/crypto/key-wrap.ts';
import { deriveSecret } from '../../../src/server/crypto/tokens.ts';
import {
  expire,
  expiredMaterials,
  type ImportedMaterial,
  type ImportTarget,
  importedMaterialId,
  planDeletion,
  planImport,
  rotateToPendingMaterial,
} from '../../../src/server/imports/material.ts';
import {
  checkExternalOrigin,
  checkWrappingChoice,
  IMPORT_PARAMETERS_VALID_MS,
  importParameters,
  openImportToken,
} from '../../../src/server/imports/parameters.ts';
import { DAY_MS, importMetadata } from '../../../src/server/keys/key.ts';
import { awsError } from '../support.ts';
import { keyOf, thrown } from './keys.ts';

const NOW = new Date(1.7e12);
const external = (
  keySpec: KeySpec = 'SYMMETRIC_DEFAULT',
  keyUsage = keySpec.startsWith('HMAC')
    ? 'GENERATE_VERIFY_MAC'
    : keySpec === 'SYMMETRIC_DEFAULT'
      ? 'ENCRYPT_DECRYPT'
      : 'SIGN_VERIFY',
) =>
  keyOf({ keySpec, keyUsage: keyUsage as 'ENCRYPT_DECRYPT', origin: 'EXTERNAL', keyState: 'PendingImport' });
const errorOf = (work: () => unknown) => {
  const error = thrown(() => void work());
  return error && { type: error.type, message: error.message };
};

describe('GetParametersForImport', () => {
  test("a key of another origin is refused in AWS's recorded words", () => {
    const key = keyOf();
    assert.deepEqual(
      errorOf(() => checkExternalOrigin(key)),
      awsError(
        'test_get_parameters_for_import_raises_for_non_external_kms_keys',
        'get-import-parameters-error',
        {
          '<key-arn>': key.arn,
        },
      ),
    );
    assert.equal(
      thrown(() => checkExternalOrigin(external())),
      undefined,
    );
  });

  test('the wrapping choices AWS refuses: SM2 outside China, RSAES_PKCS1_V1_5, OAEP for what it cannot carry', () => {
    const symmetric = external();
    assert.equal(
      thrown(() => checkWrappingChoice(symmetric, 'RSAES_OAEP_SHA_256', 'SM2'))?.type,
      'UnsupportedOperationException',
    );
    assert.equal(
      thrown(() => checkWrappingChoice(symmetric, 'SM2PKE', 'RSA_2048'))?.type,
      'UnsupportedOperationException',
    );
    assert.equal(
      thrown(() => checkWrappingChoice(symmetric, 'RSAES_PKCS1_V1_5', 'RSA_4096'))?.type,
      'ValidationException',
    );
    const rsa = external('RSA_3072');
    assert.equal(
      thrown(() => checkWrappingChoice(rsa, 'RSAES_OAEP_SHA_256', 'RSA_4096'))?.type,
      'ValidationException',
    );
    assert.equal(
      thrown(() => checkWrappingChoice(rsa, 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_2048')),
      undefined,
    );
    const p521 = external('ECC_NIST_P521');
    assert.equal(
      thrown(() => checkWrappingChoice(p521, 'RSAES_OAEP_SHA_1', 'RSA_2048'))?.type,
      'ValidationException',
    );
    assert.equal(
      thrown(() => checkWrappingChoice(p521, 'RSAES_OAEP_SHA_256', 'RSA_3072')),
      undefined,
    );
    for (const algorithm of [
      'RSAES_OAEP_SHA_1',
      'RSAES_OAEP_SHA_256',
      'RSA_AES_KEY_WRAP_SHA_1',
      'RSA_AES_KEY_WRAP_SHA_256',
    ] as const)
      assert.deepEqual(checkWrappingChoice(symmetric, algorithm, 'RSA_2048'), {
        algorithm,
        wrappingKeySpec: 'RSA_2048',
      });
  });
});

describe('import tokens', () => {
  const secret = deriveSecret(randomBytes(32), 'import token');
  const key = external();
  const parameters = importParameters(
    secret,
    key,
    { algorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' },
    NOW,
  );

  test('the parameters: an RSA public key of the spec, valid 24 hours, and a token that opens for its key', () => {
    assert.equal(parameters.KeyId, key.arn);
    assert.equal(parameters.ParametersValidTo, (NOW.getTime() + IMPORT_PARAMETERS_VALID_MS) / 1000);
    const publicKey = createPublicKey({
      key: Buffer.from(parameters.PublicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    const material = randomBytes(32);
    const wrapped = publicEncrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      material,
    );
    const opened = openImportToken(
      secret,
      parameters.ImportToken,
      key,
      new Date(NOW.getTime() + IMPORT_PARAMETERS_VALID_MS),
    );
    assert.equal(opened.algorithm, 'RSAES_OAEP_SHA_256');
    assert.deepEqual(unwrapKeyMaterial(opened.algorithm, opened.privateKey, wrapped), material);
  });

  test('a token is for its own key only, expires after 24 hours, and cannot be altered or forged', () => {
    const later = new Date(NOW.getTime() + IMPORT_PARAMETERS_VALID_MS + 1);
    assert.equal(
      thrown(() => openImportToken(secret, parameters.ImportToken, key, later))?.type,
      'ExpiredImportTokenException',
    );
    const other = keyOf({ origin: 'EXTERNAL', region: 'eu-west-1' });
    assert.equal(
      thrown(() => openImportToken(secret, parameters.ImportToken, other, NOW))?.type,
      'InvalidImportTokenException',
    );
    const bytes = Buffer.from(parameters.ImportToken, 'base64');
    bytes[40] = (bytes[40] ?? 0) ^ 1;
    const foreign = importParameters(
      deriveSecret(randomBytes(32), 'import token'),
      key,
      { algorithm: 'RSAES_OAEP_SHA_1', wrappingKeySpec: 'RSA_2048' },
      NOW,
    );
    for (const token of [bytes.toString('base64'), foreign.ImportToken, '', 'AAAA'])
      assert.equal(
        thrown(() => openImportToken(secret, token, key, NOW))?.type,
        'InvalidImportTokenException',
      );
  });

  test('the token holds the wrapping private key sealed: nothing of it shows, and a 4096-bit one fits the 6144-byte blob', () => {
    const big = importParameters(
      secret,
      key,
      { algorithm: 'RSA_AES_KEY_WRAP_SHA_256', wrappingKeySpec: 'RSA_4096' },
      NOW,
    );
    const token = Buffer.from(big.ImportToken, 'base64');
    assert.ok(token.length <= 6144, String(token.length));
    const { privateKey } = openImportToken(secret, big.ImportToken, key, NOW);
    assert.ok(!token.includes(privateKey.subarray(40, 80)));
    assert.ok(!token.toString('latin1').includes(key.arn));
  });
});

describe('material IDs', () => {
  test('derived from key ID and material under a secret: same inputs, same ID; any change, another', () => {
    const secret = deriveSecret(randomBytes(32), 'imported key material id');
    const material = randomBytes(32);
    const id = importedMaterialId(secret, 'k', material);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(importedMaterialId(secret, 'k', Buffer.from(material)), id);
    assert.notEqual(importedMaterialId(secret, 'k2', material), id);
    assert.notEqual(importedMaterialId(secret, 'k', randomBytes(32)), id);
    assert.notEqual(
      importedMaterialId(deriveSecret(randomBytes(32), 'imported key material id'), 'k', material),
      id,
    );
  });
});

describe('ImportKeyMaterial rules', () => {
  const id = (n: number) => n.toString(16).padStart(64, '0');
  const forever = { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const };
  const target = (
    materials: ImportedMaterial[] = [],
    fields: Partial<ImportTarget> = {},
    keySpec: KeySpec = 'SYMMETRIC_DEFAULT',
  ): ImportTarget => ({
    key: external(keySpec),
    materials,
    ...fields,
  });
  const first = planImport(target(), id(1), { ...forever, KeyMaterialDescription: 'first' }, NOW);

  test('the first import is current and enables the key', () => {
    assert.deepEqual(first.material, {
      materialId: id(1),
      description: 'first',
      importState: 'IMPORTED',
      keyMaterialState: 'CURRENT',
      expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    assert.equal(first.keyState, 'Enabled');
  });

  test("expiration: KEY_MATERIAL_EXPIRES (the default) needs a ValidTo, in AWS's recorded words; within a year", () => {
    assert.deepEqual(
      errorOf(() => planImport(target(), id(1), {}, NOW)),
      awsError('test_import_key_symmetric', 'import-expiring-key-without-valid-to'),
    );
    assert.deepEqual(
      errorOf(() => planImport(target(), id(1), { ExpirationModel: 'KEY_MATERIAL_EXPIRES' }, NOW)),
      awsError('test_import_key_symmetric', 'import-expiring-key-without-valid-to'),
    );
    const seconds = (ms: number) => (NOW.getTime() + ms) / 1000;
    assert.equal(
      planImport(target(), id(1), { ValidTo: seconds(365 * DAY_MS) }, NOW).material.validTo,
      NOW.getTime() + 365 * DAY_MS,
    );
    for (const ValidTo of [seconds(0), seconds(-1000), seconds(365 * DAY_MS + 1000)])
      assert.equal(
        thrown(() => planImport(target(), id(1), { ValidTo }, NOW))?.type,
        'ValidationException',
        String(ValidTo),
      );
    assert.equal(
      thrown(() => planImport(target(), id(1), { ...forever, ValidTo: seconds(DAY_MS) }, NOW))?.type,
      'ValidationException',
    );
  });

  test('re-import: only the same material, which keeps its description unless given; another is IncorrectKeyMaterial', () => {
    const deleted = planDeletion(target(first.materials), undefined);
    const again = planImport(target(deleted.materials), id(1), forever, NOW);
    assert.equal(again.keyState, 'Enabled');
    assert.equal(again.material.description, 'first');
    assert.equal(again.material.keyMaterialState, 'CURRENT');
    assert.equal(
      planImport(target(first.materials), id(1), { ...forever, KeyMaterialDescription: 'renamed' }, NOW)
        .material.description,
      'renamed',
    );
    assert.equal(
      thrown(() => planImport(target(first.materials), id(2), forever, NOW))?.type,
      'IncorrectKeyMaterialException',
    );
    assert.equal(
      thrown(() => planImport(target(first.materials), id(1), { ...forever, KeyMaterialId: id(3) }, NOW))
        ?.type,
      'IncorrectKeyMaterialException',
    );
    assert.equal(
      thrown(() => planImport(target(first.materials), id(1), { ...forever, KeyMaterialId: id(1) }, NOW)),
      undefined,
    );
  });

  test('re-import can change the expiration', () => {
    const expiring = planImport(
      target(first.materials),
      id(1),
      { ValidTo: NOW.getTime() / 1000 + 3600 },
      NOW,
    );
    assert.equal(expiring.material.expirationModel, 'KEY_MATERIAL_EXPIRES');
    const back = planImport(target(expiring.materials), id(1), forever, NOW);
    assert.equal(back.material.validTo, undefined);
    assert.ok(!('validTo' in back.material));
  });

  test("NEW_KEY_MATERIAL: pending rotation, one at a time in AWS's recorded words; never an ID; never known material", () => {
    const second = planImport(
      target(first.materials),
      id(2),
      { ...forever, ImportType: 'NEW_KEY_MATERIAL' },
      NOW,
    );
    assert.equal(second.material.keyMaterialState, 'PENDING_ROTATION');
    assert.equal(second.keyState, 'Enabled');
    const key = external();
    assert.deepEqual(
      errorOf(() =>
        planImport(
          { key, materials: second.materials },
          id(3),
          { ...forever, ImportType: 'NEW_KEY_MATERIAL' },
          NOW,
        ),
      ),
      awsError(
        'test_import_key_material_raises_if_there_is_already_key_material_pending',
        'existing-pending-material-error',
        {
          '<key-material-id>': id(3),
          // The key ARN: the recording's <key-id:1> stands for ImportKeyMaterial's KeyId, an ARN.
          '<key-id:1>': key.arn,
          '<key-material-id:2>': id(2),
        },
      ),
    );
    assert.equal(
      thrown(() =>
        planImport(target(first.materials), id(1), { ...forever, ImportType: 'NEW_KEY_MATERIAL' }, NOW),
      )?.type,
      'IncorrectKeyMaterialException',
    );
    assert.equal(
      thrown(() =>
        planImport(
          target(first.materials),
          id(2),
          { ...forever, ImportType: 'NEW_KEY_MATERIAL', KeyMaterialId: id(2) },
          NOW,
        ),
      )?.type,
      'ValidationException',
    );
  });

  test('multi-Region: a primary with replicas waits for them; a replica takes no new material', () => {
    const primary = planImport(
      target(first.materials, { multiRegionKeyType: 'PRIMARY', hasReplicas: true }),
      id(2),
      { ...forever, ImportType: 'NEW_KEY_MATERIAL' },
      NOW,
    );
    assert.equal(primary.material.keyMaterialState, 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION');
    const replicaMaterials = planDeletion(target(first.materials), undefined).materials;
    const replica = target(replicaMaterials, { multiRegionKeyType: 'REPLICA' });
    assert.equal(
      thrown(() => planImport(replica, id(2), { ...forever, ImportType: 'NEW_KEY_MATERIAL' }, NOW))?.type,
      'UnsupportedOperationException',
    );
    assert.equal(planImport(replica, id(1), forever, NOW).keyState, 'Enabled');
  });

  test('asymmetric and HMAC keys: no ImportType, KeyMaterialId or description; one material for life', () => {
    for (const keySpec of ['ECC_NIST_P256', 'HMAC_256', 'RSA_2048'] as const) {
      const t = target([], {}, keySpec);
      for (const option of [
        { ImportType: 'NEW_KEY_MATERIAL' as const },
        { KeyMaterialId: id(1) },
        { KeyMaterialDescription: 'd' },
      ])
        assert.equal(
          thrown(() => planImport(t, id(1), { ...forever, ...option }, NOW))?.type,
          'ValidationException',
          keySpec,
        );
      const imported = planImport(t, id(1), forever, NOW);
      assert.equal(imported.keyState, 'Enabled');
      assert.equal(
        thrown(() => planImport(target(imported.materials, {}, keySpec), id(2), forever, NOW))?.type,
        'IncorrectKeyMaterialException',
      );
    }
  });

  test('a key with several materials is enabled only once all of them are imported again', () => {
    const two = planImport(
      target(first.materials),
      id(2),
      { ...forever, ImportType: 'NEW_KEY_MATERIAL' },
      NOW,
    ).materials;
    let materials = planDeletion(target(two), undefined).materials;
    materials = planDeletion(target(materials), id(2)).materials;
    assert.equal(planImport(target(materials), id(1), forever, NOW).keyState, 'PendingImport');
    materials = planImport(target(materials), id(1), forever, NOW).materials;
    assert.equal(planImport(target(materials), id(2), forever, NOW).keyState, 'Enabled');
  });
});

describe('deletion, expiry, rotation and DescribeKey', () => {
  const id = (n: number) => n.toString(16).padStart(64, '0');
  const key = external();
  const withMaterial = planImport(
    { key, materials: [] },
    id(1),
    { ValidTo: NOW.getTime() / 1000 + 60 },
    NOW,
  ).materials;

  test('deleting keeps the record without bytes; the key waits for an import unless it is pending deletion', () => {
    const deleted = planDeletion({ key, materials: withMaterial }, undefined);
    assert.deepEqual(deleted.material, {
      materialId: id(1),
      importState: 'PENDING_IMPORT',
      keyMaterialState: 'CURRENT',
    });
    assert.equal(deleted.keyState, 'PendingImport');
    const pendingDeletion = keyOf({ origin: 'EXTERNAL', keyState: 'PendingDeletion' });
    assert.equal(planDeletion({ key: pendingDeletion, materials: withMaterial }, id(1)).keyState, undefined);
    assert.equal(
      thrown(() => planDeletion({ key, materials: withMaterial }, id(9)))?.type,
      'NotFoundException',
    );
    assert.equal(thrown(() => planDeletion({ key, materials: [] }, undefined))?.type, 'NotFoundException');
  });

  test('material expires at its ValidTo, not before', () => {
    assert.deepEqual(expiredMaterials(withMaterial, new Date(NOW.getTime() + 59_999)), []);
    const due = expiredMaterials(withMaterial, new Date(NOW.getTime() + 60_000));
    assert.equal(due.length, 1);
    const after = expire(withMaterial, due);
    assert.equal(after.keyState, 'PendingImport');
    assert.equal(after.materials[0]?.importState, 'PENDING_IMPORT');
    assert.deepEqual(expiredMaterials(after.materials, new Date(NOW.getTime() + 120_000)), []);
    assert.equal(expire(withMaterial, []).keyState, undefined);
  });

  test("RotateKeyOnDemand makes the pending material current; without one, AWS's recorded refusal", () => {
    assert.deepEqual(
      errorOf(() => rotateToPendingMaterial({ key, materials: withMaterial })),
      awsError(
        'test_rotate_key_on_demand_raises_for_no_pending_key_material',
        'rotate-key-on-demand-invalid-state-error',
        { '<key-arn>': key.arn },
      ),
    );
    const two = planImport(
      { key, materials: withMaterial },
      id(2),
      { ValidTo: NOW.getTime() / 1000 + 60, ImportType: 'NEW_KEY_MATERIAL' },
      NOW,
    ).materials;
    assert.deepEqual(
      rotateToPendingMaterial({ key, materials: two }).map((m) => m.keyMaterialState),
      ['NON_CURRENT', 'CURRENT'],
    );
  });

  test('DescribeKey: ExpirationModel of the imported current material, the earliest ValidTo; nothing once deleted', () => {
    assert.deepEqual(importMetadata([]), { ExpirationModel: undefined, ValidTo: undefined });
    assert.deepEqual(importMetadata(withMaterial), {
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
      ValidTo: NOW.getTime() / 1000 + 60,
    });
    const forever = planImport(
      { key, materials: [] },
      id(1),
      { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' },
      NOW,
    ).materials;
    assert.deepEqual(importMetadata(forever), {
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      ValidTo: undefined,
    });
    assert.deepEqual(importMetadata(planDeletion({ key, materials: forever }, undefined).materials), {
      ExpirationModel: undefined,
      ValidTo: undefined,
    });
  });
});
