import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  LIMITS_PATH,
  loadModel,
  PAGINATORS_PATH,
  renderLimits,
  renderPaginators,
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
import { PAGINATORS } from '../../src/protocol/paginators.ts';

for (const [path, render] of [
  [TYPES_PATH, renderTypes],
  [PAGINATORS_PATH, renderPaginators],
  [LIMITS_PATH, renderLimits],
] as const) {
  const name = path.slice(path.lastIndexOf('/') + 1);
  test(`src/protocol/${name} is what the generator makes of the committed model`, () => {
    assert.ok(
      render(loadModel()) === readFileSync(path, 'utf8'),
      `${name} is stale: run \`node --import tsx scripts/gen-protocol.ts\` and commit the result`,
    );
  });
}

test("the paginated operations are the model's eight, each paged by Marker and NextMarker", () => {
  assert.deepEqual(Object.keys(PAGINATORS), [
    'DescribeCustomKeyStores',
    'ListAliases',
    'ListGrants',
    'ListKeyPolicies',
    'ListKeyRotations',
    'ListKeys',
    'ListResourceTags',
    'ListRetirableGrants',
  ]);
  for (const tokens of Object.values(PAGINATORS)) {
    assert.deepEqual(tokens, { inputToken: 'Marker', outputToken: 'NextMarker' });
  }
});

test('the types describe the wire: required members, base64 blobs, epoch-second timestamps, units', () => {
  // These lines are checked by `tsc --noEmit` (npm test): they stop compiling if the generated types drift.
  const request = {
    KeyId: 'alias/k',
    NumberOfBytes: 32,
    EncryptionContext: { purpose: 'test' },
  } satisfies GenerateDataKeyRequest;
  const response = {
    KeyMetadata: { KeyId: 'k', CreationDate: 1.7e9, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT' },
  } satisfies CreateKeyResponse;
  const algorithm: EncryptionAlgorithmSpec = 'SYMMETRIC_DEFAULT';
  const noOutput: KMSOperations['EnableKey']['output'] = {} satisfies Unit;
  const operation: OperationName = 'GenerateDataKey';
  // @ts-expect-error KeyId is required in a GenerateDataKeyRequest
  const missingKeyId: GenerateDataKeyRequest = { NumberOfBytes: 32 };
  // @ts-expect-error a blob is a base64 string on the wire, not bytes
  const bytes: KMSOperations['Encrypt']['input'] = { KeyId: 'k', Plaintext: new Uint8Array(1) };
  // @ts-expect-error not a KMS operation
  const unknown: OperationName = 'GenerateDataKeys';
  assert.deepEqual(
    [request.NumberOfBytes, response.KeyMetadata.CreationDate, algorithm, noOutput, operation],
    [32, 1.7e9, 'SYMMETRIC_DEFAULT', {}, 'GenerateDataKey'],
  );
  assert.ok(missingKeyId && bytes && unknown);
});
