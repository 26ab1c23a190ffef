import type { KeySpec, KeyState, KeyUsageType, OriginType } from '../../../src/protocol/index.ts';
import { type LoadedKey, loadedKey, SYMMETRIC_CUSTOMER_KEY } from '../../../src/server/keys/key.ts';
import { type CryptographicOperation, KEY_KINDS } from '../../../src/server/keys/kinds.ts';

/** Every cryptographic operation: each is allowed by some kind under some usage. */
export const CRYPTOGRAPHIC_OPERATIONS: readonly CryptographicOperation[] = [
  ...new Set(
    Object.values(KEY_KINDS).flatMap((kind) =>
      Object.values(kind.usages).flatMap((usage) => usage.operations),
    ),
  ),
];

/** A key as the store would hand it out, built without a store: the attributes the test cares about, defaults else. */
export function keyOf(
  attributes: {
    keyState?: KeyState;
    keySpec?: KeySpec;
    keyUsage?: KeyUsageType;
    multiRegion?: boolean;
    origin?: OriginType;
    region?: string;
  } = {},
): LoadedKey {
  return loadedKey(
    {
      accountId: '111122223333',
      region: 'us-east-1',
      keyId: attributes.multiRegion
        ? 'mrk-1234abcd12ab34cd56ef1234567890ab'
        : '1234abcd-12ab-34cd-56ef-1234567890ab',
      description: '',
      keyState: 'Enabled',
      creationDate: 1.7e12,
      policy: '{}',
      onDemandRotations: 0,
      ...SYMMETRIC_CUSTOMER_KEY,
      ...attributes,
    },
    [{ materialId: 'ab'.repeat(32), bytes: Buffer.alloc(32), createdAt: 1.7e12 }],
  );
}

/** The error `work` throws, or undefined when it returns. */
export function thrown(work: () => void): (Error & { type?: string }) | undefined {
  try {
    work();
  } catch (error) {
    return error as Error & { type?: string };
  }
  return undefined;
}
