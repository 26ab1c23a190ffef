import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  CONSTRAINTS_PATH,
  formatted,
  loadModel,
  renderConstraints,
  renderTypes,
  TYPES_PATH,
} from '../../scripts/gen-protocol.ts';
import type {
  CreateKeyResponse,
  EncryptionAlgorithmSpec,
  GenerateDataKeyRequest,
  KMSOperations,
  OperationName,
  Unit,
} from '../../src/protocol/index.ts';

test('src/protocol/types.ts and constraints.ts are what the generator makes of the committed model', () => {
  const model = loadModel();
  const regenerate = 'run `node --import tsx scripts/gen-protocol.ts` and commit the result';
  assert.ok(renderTypes(model) === readFileSync(TYPES_PATH, 'utf8'), `types.ts is stale: ${regenerate}`);
  assert.ok(
    formatted(renderConstraints(model), CONSTRAINTS_PATH) === readFileSync(CONSTRAINTS_PATH, 'utf8'),
    `constraints.ts is stale: ${regenerate}`,
  );
});

/**
 * The types describe the wire: required members, base64 blobs, epoch-second timestamps, units. Checked by
 * `tsc --noEmit` (npm test), not at run time: a line stops compiling when the generated types drift.
 */
type Accepts<T, V extends T> = V;
export type WireTypes = [
  Accepts<
    GenerateDataKeyRequest,
    { KeyId: 'alias/k'; NumberOfBytes: 32; EncryptionContext: { purpose: 'x' } }
  >,
  Accepts<CreateKeyResponse, { KeyMetadata: { KeyId: 'k'; CreationDate: 1.7e9; KeyState: 'Enabled' } }>,
  Accepts<EncryptionAlgorithmSpec, 'SYMMETRIC_DEFAULT'>,
  Accepts<KMSOperations['EnableKey']['output'], Unit>,
  Accepts<OperationName, 'GenerateDataKey'>,
  // @ts-expect-error KeyId is required in a GenerateDataKeyRequest
  Accepts<GenerateDataKeyRequest, { NumberOfBytes: 32 }>,
  // @ts-expect-error a blob is a base64 string on the wire, not bytes
  Accepts<KMSOperations['Encrypt']['input'], { KeyId: 'k'; Plaintext: Uint8Array }>,
  // @ts-expect-error not a KMS operation
  Accepts<OperationName, 'GenerateDataKeys'>,
];
