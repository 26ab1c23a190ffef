import type { Handlers, Output } from '../context.ts';
import { Errors } from '../messages.ts';
import type { Store } from '../store/store.ts';
import { implementation, keyForAlgorithm, recordUse } from './use.ts';

/** GenerateMac and VerifyMac: HMAC keys (usage GENERATE_VERIFY_MAC). */
export function macHandlers(store: Store): Partial<Handlers> {
  return {
    GenerateMac(input, context): Output<'GenerateMac'> {
      const algorithm = input.MacAlgorithm;
      const { key, material } = keyForAlgorithm(
        store,
        context.caller,
        input.KeyId,
        'GenerateMac',
        'MacAlgorithms',
        algorithm,
      );
      const mac = implementation(key, key.kind.crypto?.mac, algorithm).generate(
        material,
        Buffer.from(input.Message, 'base64'),
      );
      if (input.DryRun) throw Errors.dryRun();
      recordUse(store, key, 'GenerateMac', context);
      return { KeyId: key.arn, Mac: mac.toString('base64'), MacAlgorithm: algorithm };
    },

    VerifyMac(input, context): Output<'VerifyMac'> {
      const algorithm = input.MacAlgorithm;
      const { key, material } = keyForAlgorithm(
        store,
        context.caller,
        input.KeyId,
        'VerifyMac',
        'MacAlgorithms',
        algorithm,
      );
      const valid = implementation(key, key.kind.crypto?.mac, algorithm).verify(
        material,
        Buffer.from(input.Message, 'base64'),
        Buffer.from(input.Mac, 'base64'),
      );
      if (input.DryRun) throw Errors.dryRun();
      recordUse(store, key, 'VerifyMac', context);
      if (!valid) throw Errors.invalidMac();
      return { KeyId: key.arn, MacValid: true, MacAlgorithm: algorithm };
    },
  };
}
