import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadModel } from '../../../scripts/gen-protocol.ts';
import { OPERATION_INPUTS } from '../../../src/protocol/constraints.ts';
import type { KeyState } from '../../../src/protocol/index.ts';
import { enumValues } from '../../../src/protocol/smithy-ast.ts';
import { checkState, KEY_STATE_RULES, type KeyOperation } from '../../../src/server/keys/states.ts';
import { awsError } from '../support.ts';
import { CRYPTOGRAPHIC_OPERATIONS, keyOf, thrown } from './keys.ts';

const keyStateShape = loadModel().shapes['com.amazonaws.kms#KeyState'];
assert.ok(keyStateShape, 'the model has KeyState');
const STATES = enumValues(keyStateShape) as KeyState[];

/** AWS's answer to `operation` on a key in `state`, as {type, message}; undefined when it is allowed. */
function answer(operation: KeyOperation, keyState: KeyState) {
  const key = keyOf({ keyState });
  const error = thrown(() => checkState(key, operation));
  return error && { type: error.type, message: error.message.replace(key.arn, '<key-arn>') };
}

const MANAGEMENT: KeyOperation[] = [
  'ScheduleKeyDeletion',
  'UpdateKeyDescription',
  'CreateAlias',
  'UpdateAlias',
  'TagResource',
  'UntagResource',
];
const READING: KeyOperation[] = [
  'DescribeKey',
  'GetKeyPolicy',
  'ListKeyPolicies',
  'ListResourceTags',
  'ListAliases',
  'GetKeyRotationStatus',
  'ListKeyRotations',
  'GetKeyLastUsage',
  'ListGrants',
];

describe('key states', () => {
  test("the table has every key state of AWS's model, and a row for every operation that takes a key", () => {
    assert.equal(STATES.length, 8);
    const keyless = Object.keys(OPERATION_INPUTS).filter((operation) => !(operation in KEY_STATE_RULES));
    assert.deepEqual(keyless.sort(), [
      'ConnectCustomKeyStore',
      'CreateCustomKeyStore',
      'CreateKey',
      'DeleteCustomKeyStore',
      'DescribeCustomKeyStores',
      'DisconnectCustomKeyStore',
      'GenerateRandom',
      'ListKeys',
      'ListRetirableGrants',
      'UpdateCustomKeyStore',
    ]);
  });

  test('the answers AWS recorded: disabled, pending import', () => {
    const disabled = awsError(
      'test_rotate_key_on_demand_raises_error_given_key_is_disabled',
      'error-response',
    );
    assert.deepEqual(answer('RotateKeyOnDemand', 'Disabled'), disabled);
    assert.deepEqual(answer('Encrypt', 'Disabled'), disabled);
    const arn = 'arn:<partition>:kms:<region>:111111111111:key/<key-id:1>';
    const pendingImport = awsError('test_import_key_symmetric', 'encrypt-before-import-error', {
      [arn]: '<key-arn>',
    });
    assert.deepEqual(answer('Encrypt', 'PendingImport'), pendingImport);
    const rotate = awsError(
      'test_rotate_key_on_demand_on_external_key_with_no_key_material[SYMMETRIC_DEFAULT]',
      'rotate-key-on-demand-error-response-SYMMETRIC_DEFAULT',
      { [arn]: '<key-arn>' },
    );
    assert.deepEqual(answer('RotateKeyOnDemand', 'PendingImport'), rotate);
  });

  test('cryptographic operations need an Enabled key; a multi-Region key stays usable while Updating', () => {
    for (const operation of CRYPTOGRAPHIC_OPERATIONS) {
      for (const state of STATES) {
        const expected =
          state === 'Enabled' || state === 'Updating'
            ? undefined
            : state === 'Disabled'
              ? { type: 'DisabledException', message: '<key-arn> is disabled.' }
              : { type: 'KMSInvalidStateException', message: `<key-arn> is ${words(state)}.` };
        assert.deepEqual(answer(operation, state), expected, `${operation} ${state}`);
      }
    }
  });

  test('management goes on in every state but a pending deletion (and a replica being created)', () => {
    for (const operation of MANAGEMENT) {
      for (const state of ['Enabled', 'Disabled', 'PendingImport', 'Unavailable', 'Updating'] as const) {
        assert.equal(answer(operation, state), undefined, `${operation} ${state}`);
      }
      assert.deepEqual(answer(operation, 'PendingDeletion'), {
        type: 'KMSInvalidStateException',
        message: '<key-arn> is pending deletion.',
      });
      assert.equal(answer(operation, 'Creating')?.type, 'KMSInvalidStateException');
    }
  });

  test('EnableKey and DisableKey need an Enabled or Disabled key', () => {
    for (const operation of ['EnableKey', 'DisableKey'] as const) {
      for (const state of STATES) {
        const allowed = state === 'Enabled' || state === 'Disabled';
        assert.equal(answer(operation, state)?.type, allowed ? undefined : 'KMSInvalidStateException', state);
      }
    }
  });

  test('CancelKeyDeletion needs a key pending deletion', () => {
    for (const state of STATES) {
      const pending = state === 'PendingDeletion' || state === 'PendingReplicaDeletion';
      const expected = pending
        ? undefined
        : { type: 'KMSInvalidStateException', message: '<key-arn> is not pending deletion.' };
      assert.deepEqual(answer('CancelKeyDeletion', state), expected, state);
    }
  });

  test("reading a key's metadata, policy, tags, aliases, rotations and usage goes on in every state", () => {
    for (const operation of READING) {
      for (const state of STATES) assert.equal(answer(operation, state), undefined, `${operation} ${state}`);
    }
  });
});

function words(state: KeyState): string {
  return state.replace(/(?!^)([A-Z])/g, ' $1').toLowerCase();
}
