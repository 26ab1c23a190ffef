import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GENERATED_FILES, loadModel } from '../../scripts/gen-protocol.ts';
import type {
  CreateKeyResponse,
  EncryptionAlgorithmSpec,
  GenerateDataKeyRequest,
  KMSOperations,
  OperationName,
  Unit,
} from '../../src/protocol/index.ts';
import { PAGINATORS } from '../../src/protocol/paginators.ts';

for (const { path, render } of GENERATED_FILES) {
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
