import type { Handlers, Output } from '../context.ts';
import { currentMaterial, keyAlgorithms } from '../keys/key.ts';
import { Errors } from '../messages.ts';
import type { Store } from '../store/store.ts';
import { implementation, keyForAlgorithm, recordUse, usableKey } from './use.ts';

/** Sign and Verify (asymmetric keys of usage SIGN_VERIFY), and GetPublicKey (every asymmetric key). */
export function signingHandlers(store: Store): Partial<Handlers> {
  return {
    Sign(input, context): Output<'Sign'> {
      const algorithm = input.SigningAlgorithm;
      const { key, material } = keyForAlgorithm(
        store,
        context.caller,
        input.KeyId,
        'Sign',
        'SigningAlgorithms',
        algorithm,
      );
      const signature = implementation(key, key.kind.crypto?.signing, algorithm).sign(
        material,
        Buffer.from(input.Message, 'base64'),
        input.MessageType ?? 'RAW',
      );
      if (input.DryRun) throw Errors.dryRun();
      recordUse(store, key, 'Sign', context);
      return { KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: algorithm };
    },

    Verify(input, context): Output<'Verify'> {
      const algorithm = input.SigningAlgorithm;
      const { key, material } = keyForAlgorithm(
        store,
        context.caller,
        input.KeyId,
        'Verify',
        'SigningAlgorithms',
        algorithm,
      );
      const valid = implementation(key, key.kind.crypto?.signing, algorithm).verify(
        material,
        Buffer.from(input.Message, 'base64'),
        input.MessageType ?? 'RAW',
        Buffer.from(input.Signature, 'base64'),
      );
      if (input.DryRun) throw Errors.dryRun();
      recordUse(store, key, 'Verify', context);
      if (!valid) throw Errors.invalidSignature();
      return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: algorithm };
    },

    GetPublicKey(input, { caller }): Output<'GetPublicKey'> {
      const key = usableKey(store, caller, input.KeyId, 'GetPublicKey');
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
