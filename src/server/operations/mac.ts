import type { MacAlgorithmSpec } from '../../protocol/index.ts';
import type { Handlers, OperationContext, Output } from '../context.ts';
import { Errors } from '../messages.ts';
import type { Store } from '../store/store.ts';
import { keyForAlgorithm, recordUse } from './use.ts';

/** GenerateMac and VerifyMac: HMAC keys (usage GENERATE_VERIFY_MAC). */
export function macHandlers(store: Store): Partial<Handlers> {
  const macKey = (
    context: OperationContext,
    keyId: string,
    operation: 'GenerateMac' | 'VerifyMac',
    algorithm: MacAlgorithmSpec,
  ) =>
    keyForAlgorithm(
      store,
      context,
      { keyId, operation, family: 'MacAlgorithms', algorithm },
      (crypto) => crypto.mac,
    );

  return {
    GenerateMac(input, context): Output<'GenerateMac'> {
      const { key, material, scheme } = macKey(context, input.KeyId, 'GenerateMac', input.MacAlgorithm);
      const mac = scheme.generate(material, Buffer.from(input.Message, 'base64'));
      if (input.DryRun) throw Errors.dryRun();
      recordUse(store, key, 'GenerateMac', context);
      return { KeyId: key.arn, Mac: mac.toString('base64'), MacAlgorithm: input.MacAlgorithm };
    },

    VerifyMac(input, context): Output<'VerifyMac'> {
      const { key, material, scheme } = macKey(context, input.KeyId, 'VerifyMac', input.MacAlgorithm);
      const valid = scheme.verify(
        material,
        Buffer.from(input.Message, 'base64'),
        Buffer.from(input.Mac, 'base64'),
      );
      if (input.DryRun) throw Errors.dryRun();
      recordUse(store, key, 'VerifyMac', context);
      if (!valid) throw Errors.invalidMac();
      return { KeyId: key.arn, MacValid: true, MacAlgorithm: input.MacAlgorithm };
    },
  };
}
