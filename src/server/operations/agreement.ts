import type { Handlers, Output } from '../context.ts';
import { Errors } from '../messages.ts';
import type { Store } from '../store/store.ts';
import { keyForAlgorithm, recordUse } from './use.ts';

/** DeriveSharedSecret: elliptic-curve keys of usage KEY_AGREEMENT. */
export function agreementHandlers(store: Store): Partial<Handlers> {
  return {
    DeriveSharedSecret(input, context): Output<'DeriveSharedSecret'> {
      const algorithm = input.KeyAgreementAlgorithm;
      const { key, material, scheme } = keyForAlgorithm(
        store,
        context,
        { keyId: input.KeyId, operation: 'DeriveSharedSecret', family: 'KeyAgreementAlgorithms', algorithm },
        (crypto) => crypto.keyAgreement,
      );
      if (input.Recipient !== undefined) throw Errors.unsupportedRecipient();
      const secret = scheme.derive(material, Buffer.from(input.PublicKey, 'base64'));
      if (input.DryRun) throw Errors.dryRun();
      recordUse(store, key, 'DeriveSharedSecret', context);
      return {
        KeyId: key.arn,
        SharedSecret: secret.toString('base64'),
        KeyAgreementAlgorithm: algorithm,
        KeyOrigin: key.record.origin,
      };
    },
  };
}
