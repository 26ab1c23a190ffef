import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { type SmithyModel, serviceOperations } from '../../src/protocol/smithy-ast.ts';
import { createNodeSigV4 } from '../../src/sigv4/node.ts';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';

const model = JSON.parse(
  readFileSync(new URL('../../models/smithy-model.json', import.meta.url), 'utf8'),
) as SmithyModel;

/** Values of every JSON type and some hostile strings: each one is tried in each member of each operation. */
function hostileValues(validKeyId: string, validBlob: string): unknown[] {
  return [
    null,
    true,
    -1,
    0,
    1.5,
    2 ** 53,
    '',
    'x',
    '\u0000\ud800',
    'A'.repeat(70_000),
    '!!!not base64!!!',
    validKeyId,
    `alias/${'a'.repeat(300)}`,
    'arn:aws:kms:us-east-1:111122223333:key/',
    validBlob,
    [],
    ['x', 1, null],
    {},
    { a: 1, b: null, c: [] },
  ];
}

describe('no input makes the server fail', () => {
  let server: Kmslab;
  let keyId: string;
  let blob: string;
  before(async () => {
    server = await startKmslab();
    const kms = server.sdk();
    keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId ?? '';
    const encrypted = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('secret') }));
    blob = Buffer.from(encrypted.CiphertextBlob ?? []).toString('base64');
  });
  after(() => server.stop());

  async function call(operation: string, body: string): Promise<{ status: number; type?: string }> {
    const host = server.endpoint.slice('http://'.length);
    const signed = createNodeSigV4().sign(
      { method: 'POST', path: '/', headers: { host, 'x-amz-target': `TrentService.${operation}` }, body },
      { credentials: server, region: server.region, service: 'kms' },
    );
    const { host: _, ...headers } = signed.headers;
    const response = await fetch(`${server.endpoint}/`, { method: 'POST', headers, body });
    const json = (await response.json()) as { __type?: string };
    return { status: response.status, type: json.__type };
  }

  test('every member of every operation, given every kind of wrong value, gets a 200 or an AWS 4xx error', async () => {
    const failures: string[] = [];
    let calls = 0;
    for (const { name, shape } of serviceOperations(model)) {
      const inputId = shape.input?.target;
      const members = inputId ? Object.keys(model.shapes[inputId]?.members ?? {}) : [];
      const bodies = ['{}', '[]', 'null', '"x"', '{"a":'];
      for (const member of members) {
        for (const value of hostileValues(keyId, blob))
          bodies.push(JSON.stringify({ KeyId: keyId, [member]: value }));
      }
      for (const body of bodies) {
        const { status, type } = await call(name, body);
        calls++;
        if (status === 200) continue;
        if (status >= 500 || !type) failures.push(`${name} ${body.slice(0, 80)} → ${status} ${type}`);
      }
    }
    assert.ok(calls > 2000, `only ${calls} calls`);
    assert.deepEqual(failures, []);
    // And it still serves ordinary requests.
    assert.equal((await call('ListKeys', '{}')).status, 200);
  });
});
