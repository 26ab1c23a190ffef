import type { SigningAlgorithmSpec } from '../../protocol/index.ts';
import type { Handlers, OperationContext, Output } from '../context.ts';
import { currentMaterial, keyAlgorithms } from '../keys/key.ts';
import { Errors } from '../messages.ts';
import type { Store } from '../store/store.ts';
import { keyForAlgorithm, recordUse, usableKey } from './use.ts';

/** Sign and Verify (asymmetric keys of usage SIGN_VERIFY), and GetPublicKey (every asymmetric key). */
export function signingHandlers(store: Store): Partial<Handlers> {
  const signing = (
    context: OperationContext,
    keyId: string,
    operation: 'Sign' | 'Verify',
    algorithm: SigningAlgorithmSpec,
  ) =>
    keyForAlgorithm(
      store,
      context,
      { keyId, operation, family: 'SigningAlgorithms', algorithm },
      (crypto) => crypto.signing,
    );

  return {
    Sign(input, context): Output<'Sign'> {
      const { key, material, scheme } = signing(context, input.KeyId, 'Sign', input.SigningAlgorithm);
      const message = Buffer.from(input.Message, 'base64');
      const signature = scheme.sign(material, message, input.MessageType ?? 'RAW');
      if (input.DryRun) throw Errors.dryRun();
      recordUse(store, key, 'Sign', context);
      return {
        KeyId: key.arn,
        Signature: signature.toString('base64'),
        SigningAlgorithm: input.SigningAlgorithm,
      };
    },

    Verify(input, context): Output<'Verify'> {
      const { key, material, scheme } = signing(context, input.KeyId, 'Verify', input.SigningAlgorithm);
      const message = Buffer.from(input.Message, 'base64');
      const signature = Buffer.from(input.Signature, 'base64');
      const valid = scheme.verify(material, message, input.MessageType ?? 'RAW', signature);
      if (input.DryRun) throw Errors.dryRun();
      recordUse(store, key, 'Verify', context);
      if (!valid) throw Errors.invalidSignature();
      return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
    },

    GetPublicKey(input, context): Output<'GetPublicKey'> {
      const key = usableKey(store, context, input.KeyId, 'GetPublicKey');
      const { record, kind } = key;
      const publicKey = kind.crypto?.publicKey;
      if (!publicKey) throw new Error(`${kind.keySpec} allows GetPublicKey but has no public key`);
      const { MacAlgorithms: _, ...algorithms } = keyAlgorithms(key);
      return {
        KeyId: key.arn,
        PublicKey: publicKey(currentMaterial(key).bytes).toString('base64'),
        CustomerMasterKeySpec: kind.customerMasterKeySpec,
        KeySpec: kind.keySpec,
        KeyUsage: record.keyUsage,
        ...algorithms,
      };
    },
  };
}
