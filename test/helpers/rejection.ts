import assert from 'node:assert/strict';

/** The error a call rejects with; fails the test if it resolves or rejects with something that is not an Error. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('expected the call to reject');
}
