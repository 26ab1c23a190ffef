import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CREATABLE_KEY_SPECS, KEY_USAGES } from '../../src/console/key-specs.ts';
import { KEY_KINDS } from '../../src/server/keys/kinds.ts';

test("the console's create form offers every KeySpec and KeyUsage pair of the server's key kinds", () => {
  for (const [spec, kind] of Object.entries(KEY_KINDS)) {
    const usages = KEY_USAGES[spec as keyof typeof KEY_USAGES];
    assert.deepEqual([...usages].sort(), Object.keys(kind.usages).sort(), `the usages of ${spec}`);
    // The first usage is the form's default: the one CreateKey gives a key of the spec when it names none.
    if (kind.defaultUsage) assert.equal(usages[0], kind.defaultUsage, `the default usage of ${spec}`);
  }
  assert.deepEqual(Object.keys(KEY_USAGES).sort(), Object.keys(KEY_KINDS).sort());
});

test('the form offers the specs kmslab can create, and only those', () => {
  const creatable = Object.values(KEY_KINDS)
    .filter((kind) => kind.crypto !== undefined)
    .map((kind) => kind.keySpec);
  assert.deepEqual([...CREATABLE_KEY_SPECS].sort(), creatable.sort());
});
