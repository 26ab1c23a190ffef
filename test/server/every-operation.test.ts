import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { AWSConfig, KMSClient, KMSServiceError } from '../../src/client/index.ts';
import type { OperationName } from '../../src/protocol/index.ts';
import { WireErrors } from '../../src/server/messages.ts';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';

/**
 * Every operation of AWS's model (models/smithy-model.json, the service's operation list) is kmslab's: sent with
 * an empty body, each answers something of its own (an AWS validation error, NotFound...), never kmslab's "does
 * not support ... yet".
 */

const model = JSON.parse(
  readFileSync(new URL('../../models/smithy-model.json', import.meta.url), 'utf8'),
) as {
  shapes: Record<string, { type: string; operations?: { target: string }[] }>;
};
const service = Object.values(model.shapes).find((shape) => shape.type === 'service');
const OPERATIONS = (service?.operations ?? []).map(({ target }) => target.replace(/^.*#/, ''));

describe("every operation of AWS's model", () => {
  let server: Kmslab;
  let kms: KMSClient;

  before(async () => {
    server = await startKmslab();
    const { region, accessKeyId, secretAccessKey, endpoint } = server;
    kms = new KMSClient(new AWSConfig({ region, accessKeyId, secretAccessKey, endpoint }), {
      maxAttempts: 1,
    });
  });
  after(() => server?.stop());

  test('the model lists the 54 operations of KMS', () => {
    assert.equal(OPERATIONS.length, 54);
  });

  test('each is handled by kmslab', async () => {
    const unsupported: string[] = [];
    for (const operation of OPERATIONS) {
      const answer = await kms.send(operation as OperationName, {} as never).then(
        () => undefined,
        (error: unknown) => error,
      );
      if (!(answer instanceof KMSServiceError) && answer !== undefined) throw answer;
      const own = WireErrors.unsupportedOperation(operation);
      if (answer?.code === own.type && answer.message === own.message) unsupported.push(operation);
    }
    assert.deepEqual(unsupported, []);
  });
});
